"""Grading: hostile and broken submissions, archives, output formats, the class gradebook,
export and the autograder bundles. Every hostile submission must get the right grade for
every kata, without crashing the grader or touching another submission's grade."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nn import manifest
from nn.grade import engine, reports, unpack
from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
NN_KATA = Path(sys.executable).with_name("nn-kata")
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
# Hostile cases loop on purpose: short limits keep them cheap. Correct code is graded with
# limits no busy machine reaches, so that it can never fail for being slow.
FAST = dict(kata_timeout=30.0, test_timeout=10.0, total_timeout=600.0)
GENEROUS = dict(kata_timeout=600.0, test_timeout=120.0, total_timeout=1800.0)
REPO = repr(str(PROJECT_ROOT))

# id: (module, source appended to the reference module, or a callable that edits the copy), katas that must fail
HOSTILE = {
    "loop-at-import": ("losses", "while True:\n    pass\n", {"loss"}),
    "loop-in-function": ("activations", "def softmax(Z):\n    while True:\n        pass\n", {"softmax"}),
    "memory-bomb": ("activations", "def relu(Z):\n    hoard = [bytearray(10**8) for _ in range(200)]\n    return np.maximum(0, Z)\n", {"relu"}),
    "os-exit-at-import": ("layers", "import os\nos._exit(0)\n", {"linear"}),
    "sys-exit-at-import": ("gradcheck", "import sys\nsys.exit(0)\n", {"gradcheck"}),
    "os-exit-in-function": ("network", "def predict(params, X):\n    import os\n    os._exit(0)\n", {"forward"}),
    "keyboard-interrupt-from-function": ("losses", "def one_hot(labels, num_classes=10):\n    raise KeyboardInterrupt\n", {"loss"}),
    "system-exit-from-function": ("network", "def update(params, grads, alpha):\n    raise SystemExit(0)\n", {"train"}),
    "patches-numpy-allclose": ("activations", "import numpy\nnumpy.allclose = lambda *a, **k: True\n"
                               "numpy.isclose = lambda a, b, **k: numpy.ones(numpy.broadcast(numpy.asarray(a), numpy.asarray(b)).shape, bool)\n"
                               "def softmax(Z):\n    return Z\n", {"softmax"}),
    "patches-numpy-testing": ("losses", "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
                              "def cross_entropy(A, Y):\n    return 0.0\n", {"loss"}),
    "patches-builtins": ("initialization", "import builtins\nbuiltins.isinstance = lambda *a: True\n", {"init"}),
    "patches-pytest-in-function": ("network", "def backward(params, cache, X, Y):\n    import pytest, nn.suite.assertions\n"
                                   "    pytest.fail = lambda *a, **k: None\n    nn.suite.assertions.fail = lambda *a, **k: None\n"
                                   "    return {k: np.zeros_like(params[k[1:]]) for k in ('dW1', 'db1', 'dW2', 'db2')}\n", {"backward"}),
    "fake-report-and-passed-lines": ("activations", "def relu(Z):\n    print('=== 125 passed in 0.10s ===')\n"
                                     "    open('report.json', 'w').write('{\"results\": []}')\n    return Z\n", {"relu"}),
    "forges-the-result-channel": ("activations", "def relu(Z):\n    import os, stat\n    for fd in range(3, 40):\n"
                                  "        try:\n            if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
                                  "                os.write(fd, b'0' * 64 + b' {\"type\": \"result\", \"outcome\": \"passed\"}\\n')\n"
                                  "        except OSError:\n            pass\n    return Z\n", {"relu"}),
    "reads-solutions": ("activations", "import nn, pathlib\n"
                        "exec(open(pathlib.Path(nn.__file__).parents[1] / 'solutions' / 'activations.py').read())\n", {"relu", "softmax"}),
    "imports-solutions": ("losses", f"import sys\nsys.path.insert(0, {REPO})\nfrom solutions.losses import *\n", {"loss"}),
    "eq-always-true": ("activations", "class Yes:\n    def __eq__(self, other):\n        return True\n    __array_priority__ = 1000\n"
                       "def relu(Z):\n    return Yes()\n", {"relu"}),
    "lying-ndarray-subclass": ("activations", "class Liar(np.ndarray):\n    def __eq__(self, other):\n        return np.ones(self.shape, bool)\n"
                               "    def __array_ufunc__(self, *a, **k):\n        return True\n"
                               "def relu(Z):\n    return np.zeros_like(Z).view(Liar)\n", {"relu"}),
    "prints-megabytes": ("activations", "def relu(Z):\n    print('x' * 5_000_000)\n    return np.maximum(0, Z)\n", set()),
    "writes-into-the-grader": ("activations", f"def relu(Z):\n    open({REPO} + '/nn/evil.py', 'w').write('x = 1')\n    return np.maximum(0, Z)\n", {"relu"}),
    "syntax-error": ("layers", "def broken(:\n", {"linear"}),
    "missing-module": ("gradcheck", None, {"gradcheck"}),
    "non-utf8-string": ("network", b"NAME = 'caf\xe9 \xff\xfe'\n", {"forward", "backward", "train"}),
    "non-utf8-comment": ("network", b"# caf\xe9 \xff\xfe (Python reads comments as bytes: still correct)\n", set()),
}


def build(root: Path, case: str) -> Path:
    module, source, _ = HOSTILE[case]
    d = root / case
    shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
    target = d / f"{module}.py"
    if source is None:
        target.unlink()
    elif isinstance(source, bytes):
        target.write_bytes(target.read_bytes() + b"\n" + source)
    else:
        target.write_text(target.read_text() + "\n\n" + source)
    return d


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    subs = {case: build(root, case) for case in HOSTILE}
    engine.expected_tests()
    with ThreadPoolExecutor(2) as pool:
        graded = dict(zip(subs, pool.map(lambda d: engine.grade(d, **FAST), subs.values())))
    return graded


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_submission_gets_the_right_grade_for_every_kata(case, hostile_reports):
    report = hostile_reports[case]
    failing = {k.kata for k in report.katas if k.status != "passed"}
    must_fail = HOSTILE[case][2]
    assert failing == must_fail, f"{case}: failing {sorted(failing)}, expected {sorted(must_fail)}\n{reports.table(report)}"
    assert report.score == sum(k.max_points for k in report.katas if k.kata not in must_fail)


def test_messages_name_the_submissions_own_files(hostile_reports):
    """layers.py, as the student sent it (the modules are at the submission's top): never the
    grader's scratch copy, impl/layers.py."""
    linear = next(k for k in hostile_reports["syntax-error"].katas if k.kata == "linear")
    assert "layers.py, line" in linear.first_failure and "impl/" not in linear.first_failure


def test_a_check_that_ran_past_its_time_limit_is_noted_for_the_gradebook(hostile_reports):
    """What the grader observed, in the report's notes (the gradebook's notes column)."""
    from nn.grade.reports import notes

    assert "stopped: a check of softmax ran past the time limit of one check" in notes(hostile_reports["loop-in-function"])
    assert "ran past the time limit of one check" not in notes(hostile_reports["prints-megabytes"])


def test_the_grader_kept_its_own_files_and_output_is_capped(hostile_reports):
    assert not (PROJECT_ROOT / "nn" / "evil.py").exists()
    assert len(hostile_reports["prints-megabytes"].output) <= engine.OUTPUT_CAP


def test_solutions_and_stubs():
    assert engine.grade(SOLUTIONS, **GENEROUS).score == 100
    stubs = engine.grade(PROJECT_ROOT / "katas", **GENEROUS)
    assert stubs.score == 0 and {k.status for k in stubs.katas} == {"not started"}


# -- archives ---------------------------------------------------------------------------------

def _zip(path: Path, entries: dict, links: dict = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in dict(links).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, target)
    return path


def test_zip_and_tar_submissions_are_graded(tmp_path):
    files = {f"student/katas/{p.name}": p.read_text() for p in SOLUTIONS.glob("*.py")}
    z = engine.grade(_zip(tmp_path / "ada.zip", files), **GENEROUS)
    assert z.score == 100 and z.student == "ada"
    t = tmp_path / "bob.tar.gz"
    with tarfile.open(t, "w:gz") as tf:
        for p in SOLUTIONS.glob("*.py"):
            tf.add(p, arcname=f"katas/{p.name}")
    assert engine.grade(t, **GENEROUS).score == 100


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "tar-symlink"])
def test_unsafe_archives_are_refused_and_write_nothing_outside(tmp_path, kind):
    outside = tmp_path / "outside.py"
    if kind == "dotdot":
        archive = _zip(tmp_path / "evil.zip", {"katas/activations.py": "x = 1", "../../outside.py": "x = 1"})
    elif kind == "absolute":
        archive = _zip(tmp_path / "evil.zip", {str(outside): "x = 1"})
    elif kind == "symlink":
        archive = _zip(tmp_path / "evil.zip", {"katas/relu.py": "x = 1"}, links={"katas/activations.py": "/etc/passwd"})
    else:
        archive = tmp_path / "evil.tar.gz"
        with tarfile.open(archive, "w:gz") as tf:
            info = tarfile.TarInfo("katas/activations.py")
            info.type, info.linkname = tarfile.SYMTYPE, str(SOLUTIONS / "activations.py")
            tf.addfile(info)
    report = engine.grade(archive, **FAST)
    assert report.score == 0 and any("refused" in n for n in report.notes), report.notes
    assert not outside.exists()


# -- formats, gradebook, repeatability ---------------------------------------------------------------

GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def check_gradescope_schema(doc: dict) -> None:
    """Gradescope's results.json as its documentation describes it."""
    assert isinstance(doc["score"], (int, float)) and isinstance(doc["execution_time"], (int, float))
    assert isinstance(doc["output"], str) and isinstance(doc["tests"], list) and doc["tests"]
    for test in doc["tests"]:
        assert GRADESCOPE_TEST_KEYS <= set(test)
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert abs(sum(t["score"] for t in doc["tests"]) - doc["score"]) < 1e-9


def test_grade_command_writes_json_and_gradescope(tmp_path):
    sub = build(tmp_path, "syntax-error")
    proc = subprocess.run([str(NN_KATA), "grade", str(sub), "--json", str(tmp_path / "r.json"), "--format", "gradescope",
                           "--out", str(tmp_path / "results.json")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "linear" in proc.stdout and "85 / 100" in proc.stdout
    doc = json.loads((tmp_path / "results.json").read_text())
    check_gradescope_schema(doc)
    assert doc["score"] == 85 and json.loads((tmp_path / "r.json").read_text())["score"] == 85


def test_points_override(tmp_path):
    toml = tmp_path / "points.toml"
    toml.write_text("[points]\nrelu = 1\nbackward = 40\n")
    points = reports.load_points(toml)
    assert points["relu"] == 1 and points["backward"] == 40 and points["softmax"] == 10
    toml.write_text("[points]\nsofmax = 3\n")
    with pytest.raises(unpack.SubmissionError, match="unknown kata 'sofmax'"):
        reports.load_points(toml)


COPIES = 5  # graded two at a time, in both slots and in turn: each report must be the same


def test_grade_all_gradebook_skips_unchanged_and_is_repeatable(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copytree(SOLUTIONS, klass / "ada", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "katas", klass / "bob", ignore=shutil.ignore_patterns("__pycache__"))
    build(klass, "keyboard-interrupt-from-function")
    for i in range(COPIES):  # one submission graded COPIES times, two at a time: every report is the same
        build(klass, "syntax-error").rename(klass / f"same-{i:02d}")
    out = tmp_path / "grades"
    args = ["grade-all", str(klass), "--jobs", "2", "--out", str(out), "--csv", str(tmp_path / "grades.csv"),
            "--kata-timeout", "600", "--timeout", "120"]
    proc = subprocess.run([str(NN_KATA), *args], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert f"{COPIES + 3} to grade" in proc.stdout
    import csv

    rows = list(csv.reader((tmp_path / "grades.csv").read_text().splitlines()))
    assert rows[0] == ["student", *manifest.names(), "total", "max", "notes"]
    by = {r[0]: r for r in rows[1:]}
    assert by["ada"][-3] == "100" and by["bob"][-3] == "0" and by["keyboard-interrupt-from-function"][-3] == "85"
    reports = [json.loads((out / f"same-{i:02d}.json").read_text()) for i in range(COPIES)]
    stable = [{k: v for k, v in r.items() if k not in ("seconds", "student")} for r in reports]
    assert all(s == stable[0] for s in stable) and stable[0]["score"] == 85
    again = subprocess.run([str(NN_KATA), *args], capture_output=True, text=True, timeout=300)
    assert f"0 to grade, {COPIES + 3} unchanged" in again.stdout


# -- export and autograder -------------------------------------------------------------------------------

def test_export_is_a_working_student_repository(tmp_path):
    dest = tmp_path / "starter"
    # A relative destination, asked from elsewhere: everything lands there, the pack included.
    assert subprocess.run([str(NN_KATA), "export", "starter"], capture_output=True, timeout=120,
                          cwd=tmp_path).returncode == 0
    assert (dest / "examplar-pack").is_dir() and not (PROJECT_ROOT / "starter").exists()
    assert not (dest / "solutions").exists() and (dest / "katas" / "activations.py").exists()
    assert "TODO(kata relu)" in (dest / "katas" / "activations.py").read_text()
    try:  # building offline needs a setuptools that can make wheels (>= 70.1, or the wheel package)
        import setuptools
        from packaging.version import Version

        can_build = Version(setuptools.__version__) >= Version("70.1") or __import__("importlib").util.find_spec("wheel")
    except ImportError:
        can_build = False
    if not can_build:
        pytest.skip("this environment's setuptools cannot build a wheel offline (pip install -U setuptools)")
    wheel = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "wheel"), str(dest)], capture_output=True, text=True, timeout=300)
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    env = dict(os.environ, PYTHONPATH=str(dest))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=dest, env=env,
                          capture_output=True, text=True, timeout=300)
    failed = re.search(r"(\d+) failed", proc.stdout)
    assert proc.returncode == 1 and failed and " passed" not in proc.stdout, proc.stdout[-2000:]
    assert proc.stdout.count("NOT STARTED") == int(failed.group(1))


def test_autograder_bundles(tmp_path):
    assert subprocess.run([str(NN_KATA), "export", str(tmp_path / "repo")], capture_output=True, timeout=120).returncode == 0
    proc = subprocess.run([str(NN_KATA), "autograder", "--gradescope", str(tmp_path / "ag.zip"),
                           "--github-actions", str(tmp_path / "repo")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "pyproject.toml", "nn/grade/engine.py", "tests/katas/test_relu.py"} <= names
        assert not any(n.startswith("solutions/") for n in names)
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        script = zf.read("run_autograder").decode()
        assert 'root="${AUTOGRADER_ROOT:-/autograder}"' in script and 'results="$root/results/results.json"' in script
    workflow = (tmp_path / "repo" / ".github" / "workflows" / "grade.yml").read_text()
    assert "nn-kata grade" in workflow


def _combined(variants, dest: Path) -> list[tuple[Path, list]]:
    """Correct variants of different functions put together: the i-th variant of every function in
    submission i. Each stays correct (every other function is the reference, or another correct
    variant), and the grader grades a handful of submissions instead of one per variant."""
    import textwrap

    by_function: dict = {}
    for v in variants:
        name = textwrap.dedent(v.source).split("def ", 1)[1].split("(", 1)[0]
        by_function.setdefault((v.module, name), []).append(v)
    out = []
    for i in range(max(len(vs) for vs in by_function.values())):
        group = [vs[i] for vs in by_function.values() if i < len(vs)]
        d = dest / f"combined-{i}"
        shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
        for v in group:
            with open(d / f"{v.module}.py", "a") as f:
                f.write(f"\n\n# --- catalogue variant {v.id} ---\n" + textwrap.dedent(v.source).strip() + "\n")
        out.append((d, group))
    return out


def test_every_correct_variant_gets_full_marks(tmp_path):
    """A correct answer written differently passes under the grader too, through its worker (each
    variant alone gets the same verdict in-process and through a worker: tests/selfcheck's parity)."""
    from tests.catalogue.correct import CORRECT

    submissions = _combined(CORRECT, tmp_path)
    assert sum(len(g) for _, g in submissions) == len(CORRECT)
    engine.expected_tests()
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda item: engine.grade(item[0], **GENEROUS), submissions))
    lost = {", ".join(v.id for v in group): [(k.kata, k.first_failure[:200]) for k in r.katas if k.status != "passed"]
            for (_, group), r in zip(submissions, reports) if r.score != 100}
    assert not lost, lost


def test_docker_context_and_gradescope_script(tmp_path):
    """--docker writes a build context with pinned versions; run_autograder always leaves a results.json."""
    proc = subprocess.run([str(NN_KATA), "autograder", "--docker", str(tmp_path / "ctx"), "--gradescope",
                           str(tmp_path / "ag.zip")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    dockerfile = (tmp_path / "ctx" / "Dockerfile").read_text()
    assert "bubblewrap" in dockerfile and '"--sandbox", "auto"' in dockerfile and "-c /grader/constraints.txt" in dockerfile
    # The workers run as uid 65534 (tests/support/worker/test_privileges.py): the grader's tree is closed to it.
    assert "chmod -R go-rwx /grader" in dockerfile
    pins = (tmp_path / "ctx" / "constraints.txt").read_text().split()
    assert any(p.startswith("numpy==") for p in pins) and all("==" in p for p in pins)
    assert (tmp_path / "ctx" / "tests" / "katas" / "test_relu.py").exists() and not (tmp_path / "ctx" / "solutions").exists()
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        script = zf.read("run_autograder").decode()
        setup = zf.read("setup.sh").decode()
        assert "constraints.txt" in setup and "constraints.txt" in zf.namelist()
        assert 'chmod -R go-rwx "$root/source"' in setup
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    assert "could not grade this submission" in script and "--sandbox auto" in script
    again = subprocess.run([str(NN_KATA), "autograder", "--docker", str(tmp_path / "ctx")], capture_output=True, text=True)
    assert again.returncode == 2 and "not empty" in again.stderr


# -- the Gradescope bundle, run as Gradescope runs it ------------------------------------------------------

KINK = "\n\ndef relu_backward(dA, Z):\n    return dA * (Z >= 0)\n"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The bundle built by the command, unpacked into a stand-in for /autograder."""
    base = tmp_path_factory.mktemp("gradescope")
    (base / "points.toml").write_text("[points]\nrelu = 20\n")
    proc = subprocess.run([str(NN_KATA), "autograder", "--gradescope", str(base / "ag.zip"), "--points",
                           str(base / "points.toml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(base / "ag.zip") as zf:
        zf.extractall(base / "root" / "source")
    return base


def run_autograder(bundle: Path, fill, python: str = sys.executable) -> dict:
    """run_autograder on a fresh submission directory, as Gradescope calls it, with its paths
    under AUTOGRADER_ROOT and this environment's Python (nothing is installed)."""
    root = bundle / "root"
    shutil.rmtree(root / "submission", ignore_errors=True)
    (root / "submission").mkdir()
    fill(root / "submission")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "Ada Lovelace"}],
                                                                "previous_submissions": [{"score": 40}]}))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=bundle, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    if results["tests"]:  # the fallback when the grader fails has none
        check_gradescope_schema(results)
    return results


def test_run_autograder_grades_a_zip_a_tar_gz_and_loose_files(bundle, tmp_path):
    def zipped(sub):
        with zipfile.ZipFile(sub / "ada.zip", "w") as zf:
            for p in sorted(SOLUTIONS.glob("*.py")):
                zf.write(p, f"ada/katas/{p.name}")

    def tarred(sub):
        src = shutil.copytree(SOLUTIONS, tmp_path / "kim", ignore=shutil.ignore_patterns("__pycache__"))
        (src / "activations.py").write_text((src / "activations.py").read_text() + KINK)
        with tarfile.open(sub / "kim.tar.gz", "w:gz") as tf:
            for p in sorted(src.glob("*.py")):
                tf.add(p, arcname=p.name)

    def loose(sub):
        for p in SOLUTIONS.glob("*.py"):
            shutil.copy(p, sub / p.name)

    by_kind = {kind: run_autograder(bundle, fill) for kind, fill in (("zip", zipped), ("tar", tarred), ("loose", loose))}
    for kind, results in by_kind.items():  # the points file of the bundle: relu is worth 20
        relu = next(t for t in results["tests"] if t["name"].startswith("relu:"))
        assert relu["max_score"] == 20 and results["score"] == (90 if kind == "tar" else 110), (kind, results["output"])
        assert relu["status"] == ("failed" if kind == "tar" else "passed")
        assert "previous submissions: 1, best score 40" in results["output"]
    assert "graded the archive ada.zip found in the submission" in by_kind["zip"]["output"]
    assert "graded the archive kim.tar.gz found in the submission" in by_kind["tar"]["output"]
    assert "kink-at-zero" in next(t for t in by_kind["tar"]["tests"] if t["name"].startswith("relu:"))["output"]


def test_run_autograder_writes_a_result_when_the_grader_itself_fails(bundle, tmp_path):
    broken = tmp_path / "python"  # an environment where the grader cannot start
    broken.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named numpy' >&2\nexit 1\n")
    broken.chmod(0o755)
    results = run_autograder(bundle, lambda sub: shutil.copy(SOLUTIONS / "activations.py", sub), str(broken))
    assert results["score"] == 0 and results["tests"] == [] and results["visibility"] == "visible"
    assert "could not grade this submission (the grader exited with status 1)" in results["output"]
    assert "Please tell your instructor" in results["output"]


def test_setup_sh_stops_on_a_python_that_does_not_match_the_lock(bundle, tmp_path):
    """setup.sh installs the Python the lock was made on, or stops and names both versions."""
    source = bundle / "root" / "source"
    assert (source / "python-version").read_text() == f"{sys.version_info.major}.{sys.version_info.minor}\n"
    assert 'apt-get install -y "python$want" "python$want-venv"' in (source / "setup.sh").read_text()
    root = tmp_path / "root"
    shutil.copytree(source, root / "source")
    (root / "source" / "python-version").write_text("3.99\n")
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "apt-get").write_text("#!/bin/sh\ncase \"$*\" in *python3.99*) exit 100;; esac\nexit 0\n")
    (shims / "python3").write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    for shim in shims.iterdir():
        shim.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    have = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert proc.returncode == 1 and not (root / "venv").exists()
    assert f"made with Python 3.99, but this image's python3 is {have} and it has no python3.99 package" in proc.stderr
