"""``from nn import check; check("softmax")`` in a script, the plain REPL and a notebook."""
import re
import subprocess

from nn.impl import PROJECT_ROOT

from ..helpers import HANG_GUARD, PYTHON, needs_solutions


def python(*args, cwd=PROJECT_ROOT, env=None, stdin=None):
    return subprocess.run([str(PYTHON), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          input=stdin, timeout=HANG_GUARD)


SCRIPT = """
from nn import check
report = check({kata!r}, impl={impl!r})
print("verdict:", "passed" if report else "not passed")
"""


@needs_solutions
def test_a_script_prints_the_report_and_gets_a_true_verdict(env, tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(SCRIPT.format(kata="softmax", impl="solutions"))
    proc = python(script, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "kata softmax: A numerically stable softmax (" in proc.stdout and "done: all" in proc.stdout
    assert proc.stdout.rstrip().endswith("verdict: passed")


def test_a_failing_kata_is_printed_and_false(env, student, tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(SCRIPT.format(kata="softmax", impl=str(student)))
    proc = python(script, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "not started" in proc.stdout and "softmax" in proc.stdout
    assert proc.stdout.rstrip().endswith("verdict: not passed")


def test_the_plain_repl_shows_the_report_once(env, student):
    proc = python("-i", "-q", env=env, stdin=f"from nn import check\ncheck('relu', impl={str(student)!r})\n")
    assert proc.stdout.count("kata relu: ReLU and its derivative") == 1, proc.stdout
    assert re.search(r"done: all (\d+) checks pass\.", proc.stdout)
    assert re.search(r"^<check 'relu': done, (\d+) of \1 checks pass>$", proc.stdout, re.M)  # the value's repr: one line


def test_a_notebook_renders_it_as_the_cell_output_and_prints_nothing(env, student, tmp_path):
    """IPython stands in as a module whose get_ipython() returns a shell, as in a kernel."""
    fake = tmp_path / "fake" / "IPython"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def get_ipython():\n    return object()\n")
    cell = (f"import IPython\nfrom nn import check\nr = check('relu', impl={str(student)!r})\n"
            "print('printed:', repr(r))\n"
            "class Printer:\n    def text(self, t):\n        print('pretty:', t)\n"
            "r._repr_pretty_(Printer(), False)\nprint('html:', r._repr_html_()[:5], bool(r))\n")
    proc = python("-c", cell, env=dict(env, PYTHONPATH=str(tmp_path / "fake")))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"printed: <check 'relu': done, (\d+) of \1 checks pass>", lines[0])  # check() printed nothing
    assert lines[1].startswith("pretty: kata relu: ReLU and its derivative") and "done: all" in proc.stdout
    assert lines[-1] == "html: <pre  True"
