"""nn-katas support package, grouped by role:

- ``nn.suite``: what the kata tests stand on (plugin, assertions, oracles, strategies).
- ``nn.learn``: the learner's loop (status, check, hint, watch, reset, list).
- ``nn.train``: data, training, recipes and plots.
- ``nn.grade``: grading, archives, reports, exports and autograders.

At the top, only what every role shares: the manifest (``manifest``, ``katas.toml``), the
implementation loader (``impl``), the shipped stubs (``stubs``), command-line usage errors
(``usage``), a progress line (``progress``) and the ``nn-kata`` parser (``cli``).

In a notebook::

    from nn import check
    check("softmax")
"""


def check(kata: str, impl: str = "katas"):
    """Run one kata's tests and return a report that renders as the cell's output."""
    from .impl import resolve_impl_dir, shown
    from .learn.report import NotebookReport
    from .learn.runner import run_katas
    from .manifest import get

    name = get(kata).name
    directory = resolve_impl_dir(impl)
    result = run_katas([name], directory)[name]
    return NotebookReport(result, shown(directory))
