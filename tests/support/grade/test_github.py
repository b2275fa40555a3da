"""The GitHub Actions grader: the workflow's steps against the actions' own metadata, and its
grading steps run here, on a student repository made by export. A student's edit of
conftest.py or of the tests fails the run loudly; a conftest.py, pytest.ini or
sitecustomize.py of their own is removed and leaves the score as it was."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
NN_KATA = Path(sys.executable).with_name("nn-kata")
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir() or not shutil.which("sha256sum"),
                                reason="solutions/ or sha256sum is not here")

# The inputs each action declares in its action.yml (actions/checkout@02c7380, v4;
# actions/setup-python@05b0430, v5; actions/upload-artifact@02dd1e4, v4).
ACTION_INPUTS = {
    "actions/checkout": {"repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user",
                         "persist-credentials", "path", "clean", "filter", "sparse-checkout",
                         "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "reference", "lfs",
                         "submodules", "set-safe-directory", "github-server-url"},
    "actions/setup-python": {"python-version", "python-version-file", "cache", "architecture", "check-latest", "token",
                             "cache-dependency-path", "update-environment", "allow-prereleases",
                             "ignore-platform-version"},
    "actions/upload-artifact": {"name", "path"},
}
REQUIRED = {"actions/upload-artifact": {"name", "path"}}
FORCE_PASS = ("import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
              "    outcome = yield\n    rep = outcome.get_result()\n    rep.outcome = 'passed'\n")


def steps(workflow: str) -> list[dict]:
    """The job's steps: name, uses, the keys under with:, and the run: script (a small reader
    for the block style this workflow is written in)."""
    lines = workflow.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "steps:")
    found, step, block = [], None, None
    for line in lines[start + 1:]:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block is not None:
            if not stripped or indent >= block[0]:
                step["run"] += (line[block[0]:] if stripped else "") + "\n"
                continue
            block = None
        if stripped.startswith("- name:"):
            step = {"name": stripped.split(":", 1)[1].strip(), "with": {}, "run": ""}
            found.append(step)
        elif stripped.startswith("uses:"):
            step["uses"] = stripped.split(":", 1)[1].strip()
        elif stripped == "with:":
            step["_with"] = indent
        elif stripped == "run: |":
            block = (indent + 2,)
        elif "_with" in step and indent > step["_with"] and ":" in stripped:
            key, value = stripped.split(":", 1)
            step["with"][key] = value.strip()
        elif "_with" in step and indent <= step["_with"]:
            del step["_with"]
    return found


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    base = tmp_path_factory.mktemp("github")
    repo = base / "starter"
    for argv in (["export", repo], ["autograder", "--github-actions", repo]):
        proc = subprocess.run([str(NN_KATA), *map(str, argv)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    return base, repo


def test_the_workflow_uses_only_inputs_its_actions_declare(starter):
    base, repo = starter
    found = steps((repo / ".github" / "workflows" / "grade.yml").read_text())
    assert [s["name"] for s in found] == ["Check out the submission", "Verify the grader's files", "Set up Python",
                                          "Install the grader", "Grade", "Publish the score", "Keep the reports"]
    for s in found:
        if "uses" in s:
            action, version = s["uses"].split("@")
            assert set(s["with"]) <= ACTION_INPUTS[action], (action, s["with"])
            assert REQUIRED.get(action, set()) <= set(s["with"])
            assert version.startswith("v")
        else:
            assert s["run"].strip(), s["name"]
    pins = (repo / ".github" / "nn-kata" / "pristine.sha256").read_text()
    assert "  conftest.py\n" in pins and "  tests/katas/test_relu.py\n" in pins and "  nn/grade/engine.py\n" in pins
    assert "  .github/nn-kata/constraints.txt\n" in pins and "katas/activations.py" not in pins


def run_steps(repo: Path, tmp: Path) -> tuple[int, str, dict | None]:
    """The workflow's verify, grade and publish steps, run here as the runner would run them."""
    found = {s["name"]: s for s in steps((repo / ".github" / "workflows" / "grade.yml").read_text())}
    tmp.mkdir()
    summary = tmp / "summary.md"
    env = {**os.environ, "RUNNER_TEMP": str(tmp), "GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_REPOSITORY": "class-org/katas-ada", "PATH": f"{NN_KATA.parent}{os.pathsep}{os.environ['PATH']}"}
    log = ""
    for name in ("Verify the grader's files", "Grade", "Publish the score"):
        proc = subprocess.run(["bash", "-c", found[name]["run"]], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=600)
        log += proc.stdout + proc.stderr
        if proc.returncode:
            return proc.returncode, log, None
    report = json.loads((tmp / "nn-grade" / "report.json").read_text())
    assert (tmp / "nn-grade" / "results.json").is_file() and "# Feedback for katas-ada" in summary.read_text()
    return 0, log, report


def student_repo(starter, name: str) -> Path:
    base, repo = starter
    dest = base / name
    shutil.copytree(repo, dest)
    shutil.copy(SOLUTIONS / "activations.py", dest / "katas" / "activations.py")  # relu and softmax done
    return dest


@pytest.fixture(scope="module")
def honest(starter):
    code, log, report = run_steps(student_repo(starter, "honest"), starter[0] / "honest-tmp")
    assert code == 0, log
    return report


def test_the_steps_grade_the_student_repository(honest):
    assert honest["student"] == "katas-ada" and honest["score"] == 20
    assert {k["kata"] for k in honest["katas"] if k["status"] == "passed"} == {"relu", "softmax"}


@pytest.mark.parametrize("edit", ["conftest.py", "tests/katas/test_loss.py", "nn/suite/results.py"])
def test_an_edit_of_the_grader_fails_the_run_loudly(starter, edit):
    repo = student_repo(starter, "edit-" + edit.replace("/", "-"))
    path = repo / edit
    path.write_text(path.read_text() + "\n" + FORCE_PASS)
    code, log, report = run_steps(repo, starter[0] / ("tmp-" + repo.name))
    assert code == 1 and report is None
    assert "::error title=Grader changed::" in log and f"{edit}: FAILED" in log


def test_the_student_own_configuration_is_removed_and_the_score_stays(starter, honest):
    repo = student_repo(starter, "extras")
    for name in ("katas/conftest.py", "tests/katas/conftest.py", "tests/conftest.py", "sitecustomize.py"):
        (repo / name).write_text(FORCE_PASS)
    (repo / "pytest.ini").write_text("[pytest]\naddopts = -p no:nn.suite.plugin\n")
    code, log, report = run_steps(repo, starter[0] / "tmp-extras")
    assert code == 0, log
    for name in ("katas/conftest.py", "tests/katas/conftest.py", "tests/conftest.py", "sitecustomize.py", "pytest.ini"):
        assert f"::warning title=Ignored::{name} is not part of the grader" in log and not (repo / name).exists()
    assert report["score"] == honest["score"] == 20
    assert [k["passed"] for k in report["katas"]] == [k["passed"] for k in honest["katas"]]


def test_github_classroom_is_an_alias_that_says_it_was_discontinued(starter, tmp_path):
    base, repo = starter
    dest = tmp_path / "again"
    shutil.copytree(repo, dest)
    proc = subprocess.run([str(NN_KATA), "autograder", "--github-classroom", str(dest)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "discontinued" in proc.stderr and "--github-actions" in proc.stderr
    assert (dest / ".github" / "workflows" / "grade.yml").read_text() == \
        (repo / ".github" / "workflows" / "grade.yml").read_text()
