"""The GitHub Actions grader: the workflow's steps against the actions' own metadata (their
action.yml, vendored at the commits the workflow pins), and its steps run here, on a student
repository made by export. A student's edit of conftest.py or of the tests, or a points file
of their own, fails the run loudly; a conftest.py, pytest.ini, setup.py, sitecustomize.py,
.pth or module of their own is never built, imported or run, and leaves the score as it was."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

yaml = pytest.importorskip("yaml", reason="PyYAML (the dev extra) reads the workflow and the actions' metadata")
SOLUTIONS = PROJECT_ROOT / "solutions"
NN_KATA = Path(sys.executable).with_name("nn-kata")
ACTIONS = PROJECT_ROOT / "tests" / "support" / "fixtures" / "actions"
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir() or not shutil.which("sha256sum"),
                                reason="solutions/ or sha256sum is not here")
STEPS = ["Check out the submission", "Verify the grader's files", "Set up Python", "Install the grader", "Grade",
         "Publish the score", "Keep the reports", "Publish a check run"]
FORCE_PASS = ("import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
              "    outcome = yield\n    rep = outcome.get_result()\n    rep.outcome = 'passed'\n")
# pip as the workflow runs it, minus the downloads and the install: it still prepares the metadata
# of the project it is pointed at, which runs that project's setup.py, as a real install would.
PYTHON_SHIM = """#!/usr/bin/env bash
if printf '%s\\n' "$@" | grep -qx pip && printf '%s\\n' "$@" | grep -qx install; then
  echo "$PWD $*" >> "$SHIM_PIP_LOG"
  exec {python} "$@" --dry-run --no-index --no-deps --no-build-isolation --quiet
fi
exec {python} "$@"
"""
GH_SHIM = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$SHIM_GH_LOG.args"
while [ $# -gt 0 ]; do if [ "$1" = --input ]; then cp "$2" "$SHIM_GH_LOG.json"; fi; shift; done
"""


def load(text: str) -> dict:
    return yaml.safe_load(text)


def steps(workflow: str) -> list[dict]:
    return load(workflow)["jobs"]["grade"]["steps"]


def vendored() -> dict[str, tuple[str, str, dict]]:
    """action@commit: (tag, file name, its action.yml), from the header each vendored file carries."""
    found = {}
    for path in sorted(ACTIONS.glob("*.yml")):
        head = re.match(r"# action\.yml of github\.com/(\S+) at tag (\S+), commit ([0-9a-f]{40}),", path.read_text())
        assert head, f"{path.name}: no header naming the action, its tag and its commit"
        owner, name, version = path.stem.split("__")
        assert head.group(1) == f"{owner}/{name}" and head.group(2) == version, path.name
        found[f"{head.group(1)}@{head.group(3)}"] = (version, path.name, load(path.read_text()))
    return found


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    base = tmp_path_factory.mktemp("github")
    repo = base / "starter"
    for argv in (["export", repo], ["autograder", "--github-actions", repo]):
        proc = subprocess.run([str(NN_KATA), *map(str, argv)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    shims = base / "shims"
    shims.mkdir()
    for name, text in (("python", PYTHON_SHIM.format(python=sys.executable)), ("gh", GH_SHIM),
                       ("sudo", "#!/bin/sh\nexit 1\n")):
        (shims / name).write_text(text)
        (shims / name).chmod(0o755)
    return base, repo


def test_the_workflow_uses_only_inputs_and_outputs_its_actions_declare(starter):
    base, repo = starter
    text = (repo / ".github" / "workflows" / "grade.yml").read_text()
    workflow, found, actions = load(text), steps(text), vendored()
    assert [s["name"] for s in found] == STEPS
    assert workflow["permissions"] == {"contents": "read", "checks": "write"}
    used = set()
    for s in found:
        if "uses" not in s:
            assert s["run"].strip() and s["shell"] == "bash", s["name"]
            continue
        assert s["uses"] in actions, f"{s['uses']}: no action.yml vendored at that commit in {ACTIONS}"
        version, file, meta = actions[s["uses"]]
        assert re.search(rf"uses: {re.escape(s['uses'])}  # {re.escape(version)}\n", text), (s["uses"], version)
        inputs = meta.get("inputs") or {}
        given = set(s.get("with") or {})
        assert given <= set(inputs), (file, given - set(inputs))
        required = {k for k, v in inputs.items() if (v or {}).get("required") and "default" not in (v or {})}
        assert required <= given, (file, required - given)
        used.add(s["uses"].split("@")[0])
    assert used == {"actions/checkout", "actions/setup-python", "actions/upload-artifact"}
    by_id = {s["id"]: s for s in found if "id" in s}
    outputs = re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text)
    assert outputs, "the check run links the artifact: steps.reports.outputs.artifact-url"
    for step, output in outputs:
        assert step in by_id, f"steps.{step}: no step has that id"
        if "uses" in by_id[step]:
            assert output in (actions[by_id[step]["uses"]][2].get("outputs") or {}), (step, output)
        else:
            assert re.search(rf"{re.escape(output)}=.*\$GITHUB_OUTPUT", by_id[step]["run"]), (step, output)
    pins = (repo / ".github" / "nn-kata" / "pristine.sha256").read_text()
    assert "  conftest.py\n" in pins and "  tests/katas/test_relu.py\n" in pins and "  nn/grade/engine.py\n" in pins
    assert "  .github/nn-kata/constraints.txt\n" in pins and "katas/activations.py" not in pins


def run_steps(starter, repo: Path, tmp: Path, skip: tuple = ()) -> tuple[int, str, dict | None]:
    """The workflow's run: steps, here as the runner would run them: the ones after a failure only
    when they say ``if: always()`` (the actions' steps are the runner's own and are left out)."""
    base, _ = starter
    found = steps((repo / ".github" / "workflows" / "grade.yml").read_text())
    tmp.mkdir()
    summary = tmp / "summary.md"
    env = {**os.environ, "RUNNER_TEMP": str(tmp), "GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_REPOSITORY": "class-org/katas-ada", "GITHUB_SHA": "0123abcd" * 5, "SHIM_PIP_LOG": str(tmp / "pip.log"),
           "SHIM_GH_LOG": str(tmp / "gh"), "PATH": os.pathsep.join([str(base / "shims"), str(NN_KATA.parent), os.environ["PATH"]])}
    log, failed = "", 0
    for s in found:
        if "run" not in s or s["name"] in skip or (failed and s.get("if") != "always()"):
            continue
        step_env = {k: "https://example.invalid/artifact/1" if "artifact-url" in v else "token"
                    for k, v in (s.get("env") or {}).items()}
        proc = subprocess.run(["bash", "-c", s["run"]], cwd=repo, env={**env, **step_env}, capture_output=True,
                              text=True, timeout=600)
        log += f"--- {s['name']}\n" + proc.stdout + proc.stderr
        failed = failed or proc.returncode
    if failed:
        return failed, log, None
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
    tmp = starter[0] / "honest-tmp"
    repo = student_repo(starter, "honest")
    (repo / ".nn-kata").mkdir()
    (repo / ".nn-kata" / "hints.json").write_text('{"relu": 1}')  # the learner's hint rungs, committed
    code, log, report = run_steps(starter, repo, tmp)
    assert code == 0, log
    return report, tmp, log


def test_the_steps_grade_the_student_repository(honest):
    report, tmp, log = honest
    assert report["student"] == "katas-ada" and report["score"] == 20
    assert {k["kata"] for k in report["katas"] if k["status"] == "passed"} == {"relu", "softmax"}
    assert report["katas"][0]["hints"]["used"] == 1 and "hints used" in (tmp / "nn-grade" / "feedback.md").read_text()
    # pip is pointed at a copy of the pinned files, outside the repository, and at nothing else
    [install] = (tmp / "pip.log").read_text().splitlines()
    assert install.startswith(f"{tmp / 'nn-grader'} -I -m pip install") and install.endswith(" -e .")
    copied = {p.relative_to(tmp / "nn-grader").as_posix() for p in (tmp / "nn-grader").rglob("*") if p.is_file()}
    pinned = {line.split("  ", 1)[1] for line in (tmp / "nn-grader" / ".github/nn-kata/pristine.sha256").read_text().splitlines()}
    assert copied - {"README.md", ".github/nn-kata/pristine.sha256"} - pinned <= {p for p in copied if ".egg-info/" in p}


def test_the_score_is_published_as_a_check_run(honest):
    report, tmp, log = honest
    args = (tmp / "gh.args").read_text().splitlines()
    assert args[:4] == ["api", "--method", "POST", "repos/class-org/katas-ada/check-runs"] and "--input" in args
    run = json.loads((tmp / "gh.json").read_text())
    assert run["name"] == "nn-kata grade" and run["head_sha"] == "0123abcd" * 5 and run["status"] == "completed"
    assert run["conclusion"] == "neutral" and run["output"]["title"] == "20 / 100 points"
    assert "# Feedback for katas-ada" in run["output"]["summary"]
    assert "https://example.invalid/artifact/1" in run["output"]["summary"]


@pytest.mark.parametrize("edit", ["conftest.py", "tests/katas/test_loss.py", "nn/suite/results.py"])
def test_an_edit_of_the_grader_fails_the_run_loudly(starter, edit):
    repo = student_repo(starter, "edit-" + edit.replace("/", "-"))
    path = repo / edit
    path.write_text(path.read_text() + "\n" + FORCE_PASS)
    tmp = starter[0] / ("tmp-" + repo.name)
    code, log, report = run_steps(starter, repo, tmp)
    assert code == 1 and report is None
    assert "::error title=Grader changed::" in log and f"{edit}: FAILED" in log
    assert not (tmp / "pip.log").exists()  # nothing was installed
    run = json.loads((tmp / "gh.json").read_text())  # the check run says so
    assert run["conclusion"] == "failure" and run["output"]["title"] == "Not graded"


def test_a_points_file_the_student_adds_fails_the_run_and_is_never_read(starter):
    repo = student_repo(starter, "points")
    (repo / ".github" / "nn-kata" / "points.toml").write_text(
        "[points]\nloss = 10\ninit = 0\nlinear = 0\ngradcheck = 0\nforward = 0\nbackward = 0\ntrain = 0\n")
    code, log, report = run_steps(starter, repo, starter[0] / "tmp-points")
    assert code == 1 and report is None
    assert "::error title=Grader changed::.github/nn-kata/points.toml is not part of the grader's configuration" in log
    # Without the check, the grading still reads only the pinned configuration: 20 / 100, not 20 / 30.
    code, log, report = run_steps(starter, repo, starter[0] / "tmp-points-unchecked", skip=("Verify the grader's files",))
    assert code == 0, log
    assert report["score"] == 20 and report["max_score"] == 100


MARKING = "import pathlib\npathlib.Path({markers!r}, {name!r}).write_text('ran')\n"


def test_no_file_of_the_student_runs_outside_the_sandbox(starter, honest):
    """setup.py, sitecustomize.py, usercustomize.py, a .pth and modules named like pip's and
    json's, each of which would leave a marker if Python built, imported or ran it."""
    base, _ = starter
    repo = student_repo(starter, "planted")
    markers = base / "markers"
    markers.mkdir()
    planted = {"setup.py": "\nfrom setuptools import setup\nsetup()\n", "setup.cfg": None, "sitecustomize.py": "",
               "usercustomize.py": "", "pip.py": "", "json.py": "", "katas/json.py": "", "nn-kata.pth": None}
    for name, rest in planted.items():
        code = MARKING.format(markers=str(markers), name=name.replace("/", "-"))
        text = ("[metadata]\nname = planted\n" if name == "setup.cfg" else
                code.replace("\n", "; ").rstrip("; ") + "\n" if name.endswith(".pth") else code + rest)
        (repo / name).write_text(text)
    for name in ("katas/conftest.py", "tests/katas/conftest.py", "tests/conftest.py"):
        (repo / name).write_text(FORCE_PASS)
    (repo / "pytest.ini").write_text("[pytest]\naddopts = -p no:nn.suite.plugin\n")
    code, log, report = run_steps(starter, repo, base / "tmp-planted")
    assert code == 0, log
    assert sorted(p.name for p in markers.iterdir()) == []
    for name in ("setup.py", "sitecustomize.py", "usercustomize.py", "nn-kata.pth", "katas/conftest.py",
                 "tests/conftest.py", "pytest.ini"):
        assert f"::warning title=Ignored::{name} is not part of the grader: ignored" in log, name
    assert report["score"] == honest[0]["score"] == 20
    assert [k["passed"] for k in report["katas"]] == [k["passed"] for k in honest[0]["katas"]]
    # The same pip, pointed at the student's repository (as `pip install -e .` there would be), runs setup.py.
    env = {**os.environ, "SHIM_PIP_LOG": str(base / "control.log"), "PATH": f"{base / 'shims'}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["python", "-I", "-m", "pip", "install", "-e", str(repo)], cwd=base, env=env, capture_output=True,
                   timeout=300)
    assert "setup.py" in {p.name for p in markers.iterdir()}


def test_github_classroom_is_an_alias_that_says_it_was_discontinued(starter, tmp_path):
    base, repo = starter
    dest = tmp_path / "again"
    shutil.copytree(repo, dest)
    proc = subprocess.run([str(NN_KATA), "autograder", "--github-classroom", str(dest)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "discontinued" in proc.stderr and "--github-actions" in proc.stderr
    assert "it has not been tried with Classroom 50" in proc.stderr
    assert (dest / ".github" / "workflows" / "grade.yml").read_text() == \
        (repo / ".github" / "workflows" / "grade.yml").read_text()
