"""nn-katas support package, one room per idea (imports go one way, down this list):

- ``nn.learn``, ``nn.train``, ``nn.grade``: the roles (the learner's loop; data, training
  and plots; grading, reports, exports and autograders), independent of one another.
- ``nn.examplar``: a learner's own tests against correct and buggy variants.
- ``nn.suite``: what the kata tests stand on (plugin, seam, assertions, oracles, strategies).
- ``nn.worker``: the process that runs an implementation's functions, and its sandbox.

At the top, only what every room shares: the manifest and the defaults (``manifest``,
``katas.toml``), the implementation loader (``impl``), the shipped stubs (``stubs``),
command-line usage errors (``usage``), a progress line (``progress``), and the ``nn-kata``
parser (``cli``). CONTRIBUTING.md draws the rooms.

In a notebook, a script or the REPL::

    from nn import check
    check("softmax")          # the report: the cell's output in a notebook, printed elsewhere
    assert check("relu")      # true when every check of the kata passes
"""


def check(kata: str, impl: str | None = None):
    """Run one kata's tests and return its report; true when the kata passed.

    In a notebook or IPython the report is the cell's output; in a script or the plain
    REPL it is printed here, and the returned object's repr is one line."""
    from .impl import shown
    from .learn.display import NotebookReport, in_ipython
    from .learn.runner import run_katas
    from .manifest import DEFAULT_IMPL, get
    from .usage import resolve

    name = get(kata).name
    directory = resolve(impl or DEFAULT_IMPL)
    result = run_katas([name], directory)[name]
    report = NotebookReport(result, shown(directory))
    if not in_ipython():
        print(report.text, flush=True)
    return report
