"""Who a worker is, and what it may spend: as root, the grader runs a submission's code as uid
65534 in both modes (in bubblewrap, bubblewrap itself is started so, and its user namespace maps
to no privilege), from copies it can read and not change; and in every mode a worker's CPU time
is limited, which stops what no wall clock does (a thread that spins, a daemon)."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from nn.grade import engine
from nn.impl import PROJECT_ROOT
from nn.worker import sandbox
from nn.worker.remote import RemoteImplementation

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "katas"
MODES = ["process"] + (["bwrap"] if sandbox.bwrap_works() is None else [])
SHORT = dict(kata_timeout=20.0, test_timeout=10.0, total_timeout=240.0)
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")


def _as_root(mode: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("the grader drops privileges only when it runs as root, and this test does not")
    if not sandbox.dropping(mode):
        pytest.skip(f"a worker cannot start as uid {sandbox.DROP_UID} here: {sandbox._probe(mode, True)}")


def _ids(pid: int) -> dict:
    """The Uid, Gid and Groups lines of a process, as the host sees them."""
    with open(f"/proc/{pid}/status") as f:
        lines = [line.split(":", 1) for line in f if line.startswith(("Uid:", "Gid:", "Groups:"))]
    return {k: [int(v) for v in rest.split()] for k, rest in lines}


def _impl(tmp_path: Path, base: Path, code: str) -> Path:
    d = tmp_path / "impl"
    shutil.copytree(base, d, ignore=shutil.ignore_patterns("__pycache__"))
    with open(d / "activations.py", "a") as f:
        f.write("\n\n" + code)
    return d


@pytest.fixture
def grader_tree():
    """A directory closed to others, as the grader's own files are in a container (chmod go-rwx),
    holding the reference's activations.py; and an open directory owned by root beside it."""
    closed = Path(tempfile.mkdtemp(prefix="nn-test-grader-"))  # mode 700, owned by this user
    shutil.copy(SOLUTIONS / "activations.py", closed / "activations.py")
    opened = Path(tempfile.mkdtemp(prefix="nn-test-open-"))
    os.chmod(opened, 0o755)
    yield closed, opened
    shutil.rmtree(closed, ignore_errors=True)
    shutil.rmtree(opened, ignore_errors=True)


@pytest.mark.parametrize("mode", MODES)
def test_the_worker_runs_as_uid_65534_with_no_groups_seen_from_outside(tmp_path, mode):
    _as_root(mode)
    r = RemoteImplementation(SOLUTIONS, mode)
    try:
        assert np.array_equal(r.call("activations", "relu", (np.array([-1.0, 2.0]),), {}), [0.0, 2.0])
        pids = [r.proc.pid, *sandbox._descendants(r.proc.pid)]  # bubblewrap and the worker it runs
        assert len(pids) >= (3 if mode == "bwrap" else 1)
        for pid in pids:
            ids = _ids(pid)
            assert set(ids["Uid"]) == set(ids["Gid"]) == {sandbox.DROP_UID} and ids["Groups"] == [], (pid, ids)
        staged = sandbox._STAGED[r.proc.pid]
        assert stat.S_IMODE(staged.stat().st_mode) == 0o755 and staged.stat().st_uid == 0
    finally:
        r.close()
    assert not staged.exists(), "the staged copies outlived the worker"


@pytest.mark.parametrize("mode", MODES)
def test_the_worker_cannot_change_its_own_files_or_the_grader_s(tmp_path, mode, grader_tree):
    _as_root(mode)
    closed, opened = grader_tree
    code = ("import os\ndef probe(Z):\n    out = []\n"
            f"    for what, path, how in (('read', {str(closed / 'activations.py')!r}, 'r'),\n"
            f"                            ('list', {str(closed)!r}, None),\n"
            f"                            ('write', {str(opened / 'evil.py')!r}, 'w'),\n"
            "                            ('own', __file__, 'a')):\n"
            "        try:\n"
            "            os.listdir(path) if how is None else open(path, how).close()\n"
            "            out.append(what)\n"
            "        except OSError:\n"
            "            pass\n"
            "    return ' '.join(out) or 'nothing'\n")
    r = RemoteImplementation(_impl(tmp_path, SOLUTIONS, code), mode)
    try:
        assert r.call("activations", "probe", (0,), {}) == "nothing"
    finally:
        r.close()
    assert not (opened / "evil.py").exists()


def test_a_submission_graded_without_a_sandbox_cannot_read_or_write_the_grader_s_files(tmp_path, grader_tree):
    """--sandbox none as root: the stubs plus the reference read from a directory closed to
    others earn nothing, and nothing is written into a directory of root's."""
    _as_root("process")
    closed, opened = grader_tree
    code = (f"exec(open({str(closed / 'activations.py')!r}).read())\n"
            f"open({str(opened / 'evil.py')!r}, 'w').write('x = 1')\n")
    report = engine.grade(_impl(tmp_path, STUBS, code), worker="process", **SHORT)
    assert report.score == 0 and not (opened / "evil.py").exists()
    # The same code run by the grader's own user reads the reference: the file modes are what stop it.
    assert "def relu" in (closed / "activations.py").read_text()


def test_where_the_python_installation_is_closed_to_others_the_worker_sees_only_what_it_reads(tmp_path):
    _as_root("process")
    plan = sandbox._mount_plan(sandbox._ro_paths())
    if not plan:
        pytest.skip("no directory above the Python installation is closed to uid 65534 here")
    top, paths = plan[0]
    code = f"import os\ndef probe(Z):\n    return sorted(os.listdir({top!r}))\n"
    r = RemoteImplementation(_impl(tmp_path, SOLUTIONS, code), "process")
    try:
        seen = r.call("activations", "probe", (0,), {})
    finally:
        r.close()
    assert seen == sorted({Path(p).relative_to(top).parts[0] for p in paths})


SPIN = "import threading\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin).start()\nspin()\n"


@pytest.mark.parametrize("mode", MODES)
def test_cpu_time_is_limited_in_every_mode(tmp_path, mode):
    files = sandbox.worker_files(tmp_path / "files")
    (files / "spin.py").write_text(SPIN)
    (tmp_path / "impl").mkdir()
    start = time.monotonic()
    proc = sandbox.start(mode, tmp_path / "impl", "impl/", files, script="spin.py", stdin=subprocess.DEVNULL,
                         cpu_seconds=1)
    try:
        status = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert status != 0 and time.monotonic() - start < 120


def test_the_grader_gives_its_grading_processes_a_cpu_budget_above_the_total_time():
    env = engine.worker_env("process", 300.0)
    assert int(env["NN_KATAS_WORKER_CPU_SECONDS"]) >= 360
    assert int(engine.worker_env("process", 20.0)["NN_KATAS_WORKER_CPU_SECONDS"]) >= 80
    if os.geteuid() == 0:
        assert env["NN_KATAS_WORKER_DROP"] == ("1" if sandbox.dropping("process") else "0")
