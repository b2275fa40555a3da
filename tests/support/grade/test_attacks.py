"""Submissions that try to cheat, starting from the untouched stubs: each must score 0, in a
bubblewrap sandbox and with a plain worker process alike, and correct classmates graded in
the same run keep full marks. The attacks that need the file system or the process table
(another student's files, the grader's package, a daemon) are graded in the sandbox, the
only mode that claims to stop them."""
from __future__ import annotations

import contextlib
import csv
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
import pytest

from nn.grade import engine, reports
from nn.impl import PROJECT_ROOT
from nn.worker import sandbox

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "katas"
REPO = repr(str(PROJECT_ROOT))
SITE = repr(str(Path(numpy.__file__).resolve().parent.parent))
LIMITS = dict(kata_timeout=60.0, test_timeout=15.0, total_timeout=600.0)  # correct code: never too short
# An attack that makes every check slow must still score 0: short limits only cost it more,
# and keep a class of them quick to grade.
SHORT = dict(kata_timeout=6.0, test_timeout=2.0, total_timeout=120.0)
MODES = ["process"] + (["bwrap"] if sandbox.bwrap_works() is None else [])
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")

# id: code appended to the stub's activations.py. Every one tries to earn points with no
# code of its own: by reaching the grader, its oracles, its tests or its result channel.
ATTACKS = {
    "re-exports-the-oracles": "from nn.suite.oracles import relu, relu_backward, softmax\n",
    "patches-pytest-reports": "import _pytest.reports as r\nr.TestReport.passed = property(lambda self: True)\n"
                              "r.TestReport.outcome = 'passed'\n",
    "empties-the-test-modules": "import sys\nfor k in list(sys.modules):\n    if 'test_' in k:\n"
                                "        sys.modules[k] = type(sys)(k)\n",
    "walks-the-frames": "import sys\ndef relu(Z):\n    f = sys._getframe()\n    while f:\n"
                        "        for v in list(f.f_globals.values()):\n            if hasattr(v, 'fail'):\n"
                        "                v.fail = lambda *a, **k: None\n        f = f.f_back\n    return Z\n",
    "writes-on-every-descriptor": "import os\ndef relu(Z):\n    for fd in range(0, 64):\n        try:\n"
                                  "            os.write(fd, b'{\"type\": \"result\", \"outcome\": \"passed\"}\\n')\n"
                                  "        except OSError:\n            pass\n    return Z\n",
    "forges-a-protocol-frame": "import os, json, struct\ndef relu(Z):\n    body = json.dumps({'op': 'return', 'value': 0}).encode()\n"
                               "    frame = b'NNW1' + struct.pack('<II', len(body), 0) + body\n    for fd in range(3, 64):\n"
                               "        try:\n            os.write(fd, frame)\n        except OSError:\n            pass\n    return Z\n",
    "patches-the-grading-hooks": "import nn.grade.hooks as h\nh.CHANNEL.clear()\n",
    "returns-an-object-that-equals-anything": "class Yes:\n    def __eq__(self, o):\n        return True\n"
                                              "def relu(Z):\n    return Yes()\n",
    "returns-a-huge-nesting": "def relu(Z):\n    x = []\n    for _ in range(100000):\n        x = [x]\n    return x\n",
    "raises-a-lone-surrogate": "def relu(Z):\n    raise ValueError('caf\\udcff')\n",
    "exits-the-worker": "import os\ndef relu(Z):\n    os._exit(0)\n",
    "borrows-other-katas-stand-ins": "import sys\nimport numpy as np\ndef _oracle(name):\n"
                                     "    f = sys._getframe()\n    while f is not None:\n"
                                     "        s = f.f_locals.get('self')\n"
                                     "        if hasattr(s, '_callback'):\n            return s._callback(None, name)\n"
                                     "        f = f.f_back\n    raise NotImplementedError\n"
                                     "def relu(Z):\n    Z = np.asarray(Z, float)\n"
                                     "    p = {'W1': np.ones((1, 1)), 'b1': np.zeros((1, 1)), 'W2': np.zeros((1, 1)), 'b2': np.zeros((1, 1))}\n"
                                     "    _, cache = _oracle('forward')(p, Z.reshape(1, -1))\n"
                                     "    return np.asarray(cache['A1']).reshape(Z.shape)\n"
                                     "def softmax(Z):\n    Z = np.asarray(Z, float)\n    k = Z.shape[0]\n"
                                     "    p = {'W1': np.vstack([np.eye(k), -np.eye(k)]), 'b1': np.zeros((2 * k, 1)),\n"
                                     "         'W2': np.hstack([np.eye(k), -np.eye(k)]), 'b2': np.zeros((k, 1))}\n"
                                     "    return _oracle('forward')(p, Z)[0]\n"
                                     "def _huge():\n    return _oracle('init_params')(np.random.default_rng(0), 17000, 17000, 1)\n",
    "swaps-code-objects": "import pytest, numpy\npytest.fail.__code__ = (lambda *a, **k: None).__code__\n"
                          "numpy.allclose.__code__ = (lambda *a, **k: True).__code__\n",
    "installs-an-import-hook": "import sys, importlib.abc, importlib.machinery\n"
                               "class Empty(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
                               "    def find_spec(self, name, path, target=None):\n"
                               "        if 'test' in name or name.startswith('nn'):\n"
                               "            return importlib.machinery.ModuleSpec(name, self)\n"
                               "    def create_module(self, spec):\n        return None\n"
                               "    def exec_module(self, module):\n        pass\n"
                               "sys.meta_path.insert(0, Empty())\nimport nn.suite.oracles as o\n"
                               "relu = getattr(o, 'relu', None)\n",
    "spins-a-thread-that-patches": "import threading, sys, time\ndef spin():\n    for _ in range(100):\n"
                                   "        for m in list(sys.modules.values()):\n"
                                   "            if getattr(m, '__name__', '').startswith(('_pytest', 'nn')):\n"
                                   "                setattr(m, 'fail', lambda *a, **k: None)\n        time.sleep(0.05)\n"
                                   "threading.Thread(target=spin, daemon=True).start()\n",
}
# Only the sandbox can stop these: they reach files and processes outside the worker.
SANDBOX_ATTACKS = {
    "imports-the-solutions": f"import sys\nsys.path.insert(0, {REPO})\nfrom solutions.activations import *\n",
    "reads-the-solutions": f"exec(open({REPO} + '/solutions/activations.py').read())\n",
    "rewrites-the-grader-tests": "import glob\nfor p in glob.glob('/tmp/nn-grader-tests-*/tests/katas/*.py'):\n"
                                 "    open(p, 'w').write('def test_ok():\\n    pass\\n')\n",
    "writes-into-the-grader": f"open({REPO} + '/nn/evil_attack.py', 'w').write('x = 1')\n",
    "drops-a-pth-file": f"open({SITE} + '/evil_attack.pth', 'w').write('import os\\n')\n",
    "reads-the-solutions-with-dir-fd": f"import os\nd = os.open({REPO}, os.O_RDONLY)\n"
                                       "exec(os.read(os.open('solutions/activations.py', os.O_RDONLY, dir_fd=d), 1 << 20))\n",
    "reads-the-solutions-from-a-thread": "import threading\nsrc = []\n"
                                         f"t = threading.Thread(target=lambda: src.append(open({REPO} + '/solutions/activations.py').read()))\n"
                                         "t.start()\nt.join()\nexec(src[0])\n",
    "puts-fifos-over-the-tests": "import glob, os\nfor p in glob.glob('/tmp/nn-grader-tests-*/tests/katas/*.py'):\n"
                                 "    os.remove(p)\n    os.mkfifo(p)\n",
    "leaves-a-daemon": "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(2)\n"
                       f"    open({REPO} + '/nn/evil_daemon.py', 'w').write('x = 1')\n    os._exit(0)\n",
}


def _build(root: Path, case: str, code: str) -> Path:
    d = root / case
    shutil.copytree(STUBS, d, ignore=shutil.ignore_patterns("__pycache__"))
    with open(d / "activations.py", "a") as f:
        f.write("\n\n" + code)
    return d


def _grade_class(root: Path, attacks: dict, mode: str) -> dict:
    subs = {case: _build(root, case, code) for case, code in attacks.items()}
    for name in ("classmate-1", "classmate-2"):  # graded after the attacks, in the same run
        subs[name] = root / name
        shutil.copytree(SOLUTIONS, subs[name], ignore=shutil.ignore_patterns("__pycache__"))
    engine.expected_tests()
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(subs, pool.map(
            lambda item: engine.grade(item[1], worker=mode, **(LIMITS if item[0].startswith("classmate") else SHORT)),
            subs.items())))


@pytest.mark.parametrize("mode", MODES)
def test_no_attack_scores_and_classmates_keep_full_marks(tmp_path, mode):
    attacks = dict(ATTACKS, **(SANDBOX_ATTACKS if mode == "bwrap" else {}))
    graded = _grade_class(tmp_path, attacks, mode)
    scored = {case: reports.table(r) for case, r in graded.items() if case in attacks and r.score != 0}
    assert not scored, scored
    for name in ("classmate-1", "classmate-2"):
        assert graded[name].score == 100, reports.table(graded[name])
    assert not list((PROJECT_ROOT / "nn").glob("evil_*")), "an attack wrote into the grader's package"
    assert not (Path(eval(SITE)) / "evil_attack.pth").exists()
    assert not glob.glob(str(PROJECT_ROOT / "nn" / "evil*"))


def test_a_surrogate_in_a_message_does_not_stop_the_report(tmp_path):
    d = _build(tmp_path, "surrogate", ATTACKS["raises-a-lone-surrogate"])
    report = engine.grade(d, worker=MODES[-1], **LIMITS)
    text = reports.table(report)
    text.encode(sys.stdout.encoding or "utf-8", errors="replace")
    assert report.score == 0


def _processes_under(path: str) -> list[int]:
    """Processes whose command line or working directory lies under ``path``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if path in cmdline or cwd.startswith(path):
            found.append(int(pid))
    return found


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state first), or [] once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Running or asleep: not gone and not a zombie waiting to be reaped."""
    return _stat(pid)[:1] not in ([], ["Z"])


def _looping_worker(pid: int) -> bool:
    """A worker that has spent a second of CPU time (user + system): inside the submission's loop."""
    fields = _stat(pid)
    try:
        return len(fields) > 12 and b"serve.py" in Path(f"/proc/{pid}/cmdline").read_bytes() \
            and int(fields[11]) + int(fields[12]) >= os.sysconf("SC_CLK_TCK")
    except OSError:
        return False


def test_a_grader_killed_mid_grading_leaves_no_process_behind(tmp_path):
    """Killing `nn-kata grade` takes its fork server, grading process and worker with it."""
    sub = _build(tmp_path, "loops", "def relu(Z):\n    while True:\n        pass\n")
    work = tmp_path / "tmp"
    work.mkdir()
    env = dict(os.environ, TMPDIR=str(work))
    proc = subprocess.Popen([str(Path(sys.executable).with_name("nn-kata")), "grade", str(sub), "--timeout", "600",
                             "--kata-timeout", "600"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    deadline = time.monotonic() + 300  # only a grader that never starts a worker waits this long
    while time.monotonic() < deadline and proc.poll() is None:
        seen |= sandbox._descendants(proc.pid)
        if any(_looping_worker(p) for p in seen):  # relu was called: every process of the grading is up
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the grader started no worker for a submission whose relu loops")
    seen |= sandbox._descendants(proc.pid)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 60
    while any(map(_alive, seen)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = sorted(p for p in seen if _alive(p))
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left if _alive(p)]
    assert not _processes_under(str(work))


# -- attacks on the grader's own process, from what it reads before any code runs ---------------

def test_a_deep_folder_chain_is_refused_without_crashing_the_grader(tmp_path):
    import io
    import tarfile

    archive = tmp_path / "deep.tar.gz"
    with tarfile.open(archive, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for p in STUBS.glob("*.py"):
            tf.add(p, arcname=p.name)
        path = ""
        for _ in range(1500):
            path += "d/"
            info = tarfile.TarInfo(path.rstrip("/"))
            info.type = tarfile.DIRTYPE
            tf.addfile(info)
        info = tarfile.TarInfo(path + "x.py")
        info.size = 6
        tf.addfile(info, io.BytesIO(b"x = 1\n"))
    proc = subprocess.run([str(Path(sys.executable).with_name("nn-kata")), "grade", str(archive)],
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "deep" in proc.stdout and "refused" in proc.stdout


def test_a_huge_file_in_a_directory_is_neither_read_nor_graded(tmp_path):
    d = _build(tmp_path, "huge", "")
    with open(d / "zz_notes.py", "wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GB that take no room
    with open(d / "losses.py", "ab") as f:
        f.truncate(2 << 20)
    report = engine.grade(d, worker=MODES[-1], **LIMITS)
    assert report.score == 0 and any("losses.py is larger than" in n for n in report.notes), report.notes


def test_a_symlinked_class_entry_is_not_graded(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "evil").symlink_to(SOLUTIONS)
    shutil.copytree(STUBS, klass / "honest", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([str(Path(sys.executable).with_name("nn-kata")), "grade-all", str(klass), "--jobs", "1",
                           "--out", str(tmp_path / "grades")], capture_output=True, text=True)
    rows = (tmp_path / "grades" / "grades.csv").read_text().splitlines()
    assert not any(r.startswith("evil,") for r in rows), rows
    assert "symbolic link" in proc.stdout + proc.stderr


def test_terminal_escapes_in_a_message_do_not_reach_the_terminal(tmp_path):
    d = _build(tmp_path, "escapes", "_Fake = type('\\x1b[3A\\x1b[22G100 / 100 points\\x1b[K', (Exception,), {})\n"
                                    "def relu(Z):\n    raise _Fake('\\x1b[2J')\n")
    proc = subprocess.run([str(Path(sys.executable).with_name("nn-kata")), "grade", str(d)], capture_output=True, text=True)
    assert "\x1b" not in proc.stdout and "0 / 100" in proc.stdout


def test_a_students_name_cannot_become_a_formula_or_a_line_of_its_own(tmp_path):
    from nn.grade import lms
    from nn.grade.reports import Report, write_csv
    from nn.grade.unpack import student_name

    assert student_name(tmp_path / "mallory\n# NOTE: set alice to 0.zip") == "mallory_# NOTE: set alice to 0"
    evil = Report(student="=HYPERLINK(\"x\")", score=0.0, max_score=100.0, notes=["relu: hit a time limit, regrade by hand"])
    write_csv([evil], tmp_path / "grades.csv")
    lms.write("generic", [evil], [], tmp_path / "generic.csv")
    for path in ("grades.csv", "generic.csv"):
        assert "\n=HYPERLINK" not in "\n" + (tmp_path / path).read_text()


# -- a class graded by `nn-kata grade-all`, as an instructor grades one ------------------------------

C_ATTACK = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <unistd.h>
static char text[1 << 16];
/* Outlive the grading, take hold of the grading process or kill it, write into the grader's
   package and read the reference: every call straight to the kernel, past anything Python sees. */
const char *attack(const char *secret, const char *evil) {
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, 0);
    if (ptrace(PTRACE_ATTACH, parent, 0, 0) == 0)
        ptrace(PTRACE_DETACH, parent, 0, 0);
    kill(parent, SIGKILL);
    int fd = open(evil, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { write(fd, "x = 1\n", 6); close(fd); }
    fd = open(secret, O_RDONLY);
    if (fd < 0) return "";
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    return text;
}
"""
# Without a compiler, the same calls through ctypes.
CTYPES_ATTACK = """import ctypes, os
def _attack(secret, evil):
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getppid()
    libc.prctl(1, 0)
    if libc.ptrace(16, parent, 0, 0) == 0:
        libc.ptrace(17, parent, 0, 0)
    libc.kill(parent, 9)
    fd = libc.open(evil, 0o1101, 0o644)
    if fd >= 0:
        libc.write(fd, b'x = 1\\n', 6)
        libc.close(fd)
    fd = libc.open(secret, 0)
    if fd < 0:
        return ''
    text = ctypes.create_string_buffer(1 << 16)
    n = libc.read(fd, text, (1 << 16) - 1)
    libc.close(fd)
    return text.raw[:max(n, 0)].decode()
"""


def _native_attack(tmp: Path, secret: Path, evil: Path) -> str:
    """Code for activations.py: a compiled extension embedded in the module file when a compiler
    is here, else the same system calls through ctypes; either way it execs what it reads."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc:
        (tmp / "attack.c").write_text(C_ATTACK)
        subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(tmp / "attack.so"), str(tmp / "attack.c")], check=True)
        import base64

        blob = base64.b64encode((tmp / "attack.so").read_bytes()).decode()
        return ("import base64, ctypes, os, tempfile\n"
                "_path = os.path.join(tempfile.gettempdir(), 'attack-%d.so' % os.getpid())\n"
                f"open(_path, 'wb').write(base64.b64decode({blob!r}))\n"
                "_lib = ctypes.CDLL(_path)\nos.unlink(_path)\n_lib.attack.restype = ctypes.c_char_p\n"
                f"exec(_lib.attack({str(secret).encode()!r}, {str(evil).encode()!r}).decode())\n")
    return CTYPES_ATTACK + f"exec(_attack({str(secret).encode()!r}, {str(evil).encode()!r}))\n"


# What a pytest plugin reached through frames needs: pytest's objects in the worker. There are none.
FIND_THE_GRADER = """import gc, sys
def _grader_objects():
    found = {m.split('.')[0] for m in list(sys.modules) if m.split('.')[0] in ('_pytest', 'pytest', 'pluggy',
                                                                              'hypothesis', 'nn')}
    frames = list(sys._current_frames().values())
    try:
        raise RuntimeError
    except RuntimeError as exc:
        tb = exc.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
    for f in frames:
        while f is not None:
            for v in list(f.f_locals.values()) + list(f.f_globals.values()):
                if hasattr(v, 'pluginmanager') or (hasattr(v, 'register') and hasattr(v, 'hook')):
                    found.add(type(v).__name__)
            f = f.f_back
    found |= {type(o).__name__ for o in gc.get_objects() if type(o).__name__ in
              ('Config', 'PytestPluginManager', 'Session', 'TestReport', 'CallInfo')}
    return sorted(found)
"""
PLUGIN_THROUGH_FRAMES = FIND_THE_GRADER + """
class _AllPass:
    def pytest_runtest_logreport(self, report):
        report.outcome = 'passed'
def _register():
    for name in _grader_objects():
        pass
    for o in gc.get_objects():
        manager = getattr(o, 'pluginmanager', None)
        if manager is not None:
            manager.register(_AllPass())
def relu(Z):
    _register()
    return Z
_register()
"""


def _daemon(work: Path) -> str:
    """A daemon that leaves its process group and, after its own grading, rewrites every module it
    can reach under the class's temporary directory (the classmates' copies among them)."""
    return ("import glob, os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        end = time.time() + 25\n        while time.time() < end:\n"
            f"            for p in glob.glob({str(work)!r} + '/**/*.py', recursive=True):\n"
            "                try:\n                    with open(p, 'a') as f:\n"
            "                        f.write('\\ndef relu(Z):\\n    return -Z\\n')\n"
            "                except OSError:\n                    pass\n            time.sleep(0.1)\n"
            "        os._exit(0)\n    os._exit(0)\n")


BAD_FRAME_AT_IMPORT = ("import json as _j, os as _o, struct as _s\n"
                       "_body = _j.dumps({'op': 'callback', 'id': None, 'name': 'relu', 'outer': None, 'args': {'T': [\n"
                       "    {'T': [{'a': 0, 't': '<f8', 's': [0, 1 << 62, 1 << 62], 'o': 'C'}]}, {'D': []}]}}).encode()\n"
                       "for _fd in range(3, 64):\n    try:\n"
                       "        _o.write(_fd, b'NNW1' + _s.pack('<II', len(_body), 1) + _body + _s.pack('<Q', 0))\n"
                       "    except OSError:\n        pass\n")


@pytest.mark.parametrize("mode", MODES)
def test_a_malformed_frame_at_import_loses_that_module_s_katas_only(tmp_path, mode):
    """The reference, with one malformed callback frame sent while activations.py is imported:
    relu and softmax (activations.py) score 0, every other kata keeps its points."""
    d = tmp_path / "sub"
    shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
    with open(d / "activations.py", "a") as f:
        f.write("\n\n" + BAD_FRAME_AT_IMPORT)
    report = engine.grade(d, worker=mode, **LIMITS)
    lost = {k.kata: k.points for k in report.katas if k.points != k.max_points}
    assert lost == {"relu": 0, "softmax": 0}, reports.table(report)


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_holds_nothing_of_the_grader_that_frames_could_reach(tmp_path, mode):
    from nn.worker.remote import RemoteImplementation

    here: dict = {}
    exec(FIND_THE_GRADER, here)
    assert "_pytest" in here["_grader_objects"](), "the finder finds pytest where pytest runs"
    d = _build(tmp_path, "finder", FIND_THE_GRADER + "def probe(Z):\n    return _grader_objects()\n")
    r = RemoteImplementation(d, mode)
    try:
        assert r.call("activations", "probe", (0,), {}) == []
    finally:
        r.close()


def _processes_of(path: str) -> dict[int, int]:
    """pid -> uid of every process whose command line or working directory lies under ``path``."""
    return {pid: os.stat(f"/proc/{pid}").st_uid for pid in _processes_under(path) if os.path.exists(f"/proc/{pid}")}


@pytest.mark.parametrize("mode", MODES)
def test_grade_all_over_a_class_with_hostile_submissions(tmp_path, mode):
    """`nn-kata grade-all`, as an instructor runs it: the hostile submissions (graded first) score
    0, the reference with a malformed frame at import loses activations.py's katas alone, two
    correct classmates keep 100, the gradebook names everyone, and nothing is left running or
    written outside the grader's temporary directories. Without a sandbox, only a grader that
    runs as root (its workers as uid 65534) claims to stop these."""
    if mode == "process" and not sandbox.dropping("process"):
        pytest.skip("without bubblewrap, only a grader running as root drops the worker's privileges")
    work = Path(tempfile.mkdtemp(prefix="nn-test-class-"))  # the class's TMPDIR, reachable by uid 65534
    os.chmod(work, 0o711)
    grader = Path(tempfile.mkdtemp(prefix="nn-test-grader-"))  # closed to others, as the grader's files are
    shutil.copy(SOLUTIONS / "activations.py", grader / "activations.py")
    evil = PROJECT_ROOT / "nn" / "evil_native.py"
    klass = tmp_path / "class"
    try:
        hostile = {"attack-native-code": _native_attack(tmp_path, grader / "activations.py", evil),
                   "attack-plugin-through-frames": PLUGIN_THROUGH_FRAMES,
                   "attack-daemon-after-its-grading": _daemon(work),
                   "attack-reexports-the-oracles": ATTACKS["re-exports-the-oracles"]}
        for case, code in hostile.items():
            _build(klass, case, code)
        for name in ("classmate-1", "classmate-2", "malformed-frame-at-import"):
            shutil.copytree(SOLUTIONS, klass / name, ignore=shutil.ignore_patterns("__pycache__"))
        with open(klass / "malformed-frame-at-import" / "activations.py", "a") as f:
            f.write("\n\n" + BAD_FRAME_AT_IMPORT)
        out = tmp_path / "grades"
        proc = subprocess.run([str(Path(sys.executable).with_name("nn-kata")), "grade-all", str(klass), "--jobs", "2",
                               "--sandbox", "bwrap" if mode == "bwrap" else "none", "--timeout", "15",
                               "--kata-timeout", "60", "--total-timeout", "300", "--out", str(out)],
                              env=dict(os.environ, TMPDIR=str(work)), capture_output=True, text=True, timeout=1800)
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        with open(out / "grades.csv", newline="") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
        assert set(rows) == {p.name for p in klass.iterdir()}, rows
        scores = {name: float(row["total"]) for name, row in rows.items()}
        assert scores == {**{c: 0 for c in hostile}, "classmate-1": 100, "classmate-2": 100,
                          "malformed-frame-at-import": 80}, (scores, proc.stdout[-3000:])
        assert not evil.exists() and not list((PROJECT_ROOT / "nn").glob("evil_*"))
        # Nothing left behind but what a daemon of a worker without a sandbox may still run as uid 65534.
        deadline = time.monotonic() + 10
        while _processes_of(str(work)) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _processes_of(str(work))
        assert not left if mode == "bwrap" else set(left.values()) <= {sandbox.DROP_UID}, left
        assert os.listdir(work) == [] or mode == "process" and not any(work.rglob("*.py")), list(work.rglob("*"))
    finally:
        for pid in _processes_of(str(work)):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        evil.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(grader, ignore_errors=True)
