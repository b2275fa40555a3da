"""The side of examplar grading that runs in the sandbox: a learner's test file against one
implementation, with pytest, in a process of its own (started by ``nn.examplar.run``).

Run as a script, this file needs only the standard library, pytest, and ``impl.py``,
``plan.json`` and the test file beside it: in the sandbox they sit alone in a directory, the
implementation is at the path given (``/sub``), and the rest of ``nn`` is out of sight.
Everything in this process is untrusted once the test file is imported. Its exit status is
the verdict the grader reads (pytest's status plus 100); the lines it writes on its standard
output about each test are read for messages only.

The fixtures are those of ``mytests/``: one per kata function (``softmax``, ``relu_backward``
...), ``fn("softmax")`` for any of them, and ``impl`` with ``impl.fn("softmax")`` as the kata
suite's own tests ask.
"""
import json
import os
import signal
import sys

if __name__ == "__main__":  # run with -I -S: only this directory and NumPy's site directories
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__))] + sys.argv[3:]
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no installed plugin, ours included


class TestTimeout(BaseException):
    """A test ran past its limit; a BaseException, so that ``except Exception`` cannot hide it."""


def _plugin(impl_module, directory: str, label: str, plan: dict, report):
    import pytest

    class Packed(impl_module.Implementation):
        def file_of(self, module):
            compiled = self.path / f"{module}.pyc"
            return compiled if compiled.is_file() else super().file_of(module)

    implementation = Packed(directory, label=label)
    modules = plan["modules"]

    class Handle:
        def fn(self, name):
            if name not in modules:
                raise LookupError(f"fn({name!r}): no kata has a function {name!r}; they are {', '.join(modules)}")
            function = getattr(implementation.module(modules[name]), name, None)
            if not callable(function):
                raise LookupError(f"{label}{modules[name]}.py has no function {name}()")
            return function

    handle = Handle()

    def write(**item):
        report.write(json.dumps(item) + "\n")
        report.flush()

    def on_alarm(signum, frame):
        raise TestTimeout(f"ran past its time limit of {plan['timeout']:g} s")

    class Plugin:
        @pytest.fixture
        def impl(self):
            return handle

        @pytest.fixture
        def fn(self):
            return handle.fn

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, plan["timeout"])
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)

        def pytest_runtest_logreport(self, report):
            if report.when == "call" or report.failed:
                message = "" if report.passed else report.longreprtext.strip().splitlines()
                if message:
                    errors = [line[1:].strip() for line in message if line.startswith("E ")]
                    message = "\n".join((errors or message[-1:])[:4])
                write(test=report.nodeid.split("::", 1)[-1], outcome=report.outcome, message=message or "")

        def pytest_collectreport(self, report):
            if report.failed:
                write(collect_error=str(report.longrepr)[-2000:])

    def function_fixture(name):
        def fixture(self):
            return handle.fn(name)

        return pytest.fixture(name=name)(fixture)

    for name in modules:
        setattr(Plugin, f"fixture_{name}", function_fixture(name))
    return Plugin()


def main(argv) -> int:
    directory, label = argv[1], argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "plan.json")) as f:
        plan = json.load(f)
    # The details go out on a private copy of stdout; what the tests print goes nowhere.
    report = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    import impl as impl_module
    import pytest

    plugin = _plugin(impl_module, directory, label, plan, report)
    code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:stepwise", "-p", "no:debugging",
                        "-c", os.path.join(here, "pytest.ini"), "--rootdir", here, "-o", "addopts=",
                        os.path.join(here, plan["tests"])], plugins=[plugin])
    return 100 + int(code)


if __name__ == "__main__":
    status = 120
    try:
        status = main(sys.argv)
    finally:
        try:
            sys.stdout.flush()
        finally:
            os._exit(status)
