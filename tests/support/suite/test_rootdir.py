"""`pytest --impl DIR` and `pytest --impl=DIR` behave the same, with DIR outside the project,
with and without test paths after them, run from the project or from elsewhere."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from nn.impl import PROJECT_ROOT
from nn.suite.rootdir import equals_form

RELU_TESTS = str(PROJECT_ROOT / "tests" / "katas" / "test_relu.py")


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """A correct and an unstarted implementation, in a directory far from the project."""
    root = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(PROJECT_ROOT / "solutions", root / "done", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "katas", root / "stubs", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def pytest_run(args, cwd):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("spelling", ["space", "equals"])
@pytest.mark.parametrize("where", ["project", "elsewhere"])
def test_both_spellings_check_the_directory_given(outside, spelling, where):
    cwd = PROJECT_ROOT if where == "project" else outside
    for impl, code in (("done", 0), ("stubs", 1)):
        path = str(outside / impl)
        flag = ["--impl", path] if spelling == "space" else [f"--impl={path}"]
        proc = pytest_run([*flag, RELU_TESTS], cwd)
        assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "passed" in proc.stdout if code == 0 else "failed" in proc.stdout


@pytest.mark.parametrize("spelling", ["space", "equals"])
def test_no_test_paths_runs_the_kata_suite_from_the_project(outside, spelling):
    path = str(outside / "done")
    flag = ["--impl", path] if spelling == "space" else [f"--impl={path}"]
    proc = pytest_run([*flag, "-m", "kata_relu"], PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "deselected" in proc.stdout


def test_inside_another_program_the_space_form_is_refused_with_the_spelling_that_works(outside):
    code = (f"import pytest, sys; sys.exit(pytest.main(['--impl', {str(outside / 'done')!r}, '-q']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert f"--impl={outside / 'done'} with '='" in proc.stdout + proc.stderr


def test_equals_form_rewrites_only_the_option():
    assert equals_form(["-q", "--impl", "a b", "tests"]) == ["-q", "--impl=a b", "tests"]
    assert equals_form(["--impl=x", "tests"]) is None
    assert equals_form(["--", "--impl", "x"]) is None
