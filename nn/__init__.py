"""nn-katas support package: loading implementations, the trusted gradient checker,
assertion helpers, strategies, the kata manifest, the CLI, grading, data and plots.

In a notebook::

    from nn import check
    check("softmax")
"""


def check(kata: str, impl: str = "katas"):
    """Run one kata's tests and return a report that renders as the cell's output."""
    from .impl import resolve_impl_dir, shown
    from .manifest import get
    from .report import NotebookReport
    from .runner import run_katas

    name = get(kata).name
    directory = resolve_impl_dir(impl)
    result = run_katas([name], directory)[name]
    return NotebookReport(result, shown(directory))
