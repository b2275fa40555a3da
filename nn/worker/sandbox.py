"""How a worker process (``nn/worker/serve.py``) is started: as a plain process, or inside a
bubblewrap sandbox.

``process``: a separate interpreter, started with ``-I -S`` from a private directory that
holds only ``serve.py``, ``protocol.py``, ``changes.py`` and ``impl.py``, with NumPy's site
directory added by hand, so neither the project nor an editable install of ``nn`` is on its
path. Limits on memory, file size, core dumps, CPU time and processes. ``bwrap``: the same, inside bubblewrap: no
network, its own PID namespace (nothing outlives it), ``--die-with-parent``, uid and gid 65534
with no capabilities, a read-only view of the Python installation and ``/usr``, the module
files read-only at ``/sub``, an empty ``/tmp`` of 256 MB, no new user namespaces inside, and
``nn`` hidden even where it is installed in site-packages.

When the grader runs as root, the worker (in ``bwrap``, bubblewrap itself, so that its user
namespace maps to no privilege) runs as uid and gid 65534 without groups, from copies of its
files and the implementation's that this user can read but not change (``_stage``); a
directory closed to it above the Python installation becomes, in the worker's own mount
namespace, a tmpfs holding only what it reads (``_reach``). Where that does not start, the
worker runs as root, and ``resolve`` says so.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy

WORKER_DIR = Path(__file__).resolve().parent
NN_DIR = WORKER_DIR.parent
MODES = ("process", "bwrap")
DROP_UID = 65534  # "nobody": who a worker is when the grader runs as root
DEFAULT_CPU_SECONDS = 3600  # a worker's CPU time when no grading budget is given (a learner's pytest --worker)
TMPFS_BYTES = 256 << 20  # the worker's /tmp: a tmpfs lives in memory, so it gets a size
MAX_PROCESSES = 32  # in one sandbox: a worker is one, a learner's test file a few; a fork bomb is stopped


def clean_env(home: str) -> dict:
    """The environment of a worker: no PYTHONPATH, one BLAS thread, the learner's profile."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def site_dirs() -> list[str]:
    """The directories NumPy and SciPy are imported from (the implementation may use either)."""
    import scipy

    return list(dict.fromkeys(str(Path(m.__file__).resolve().parent.parent) for m in (numpy, scipy)))


WORKER_FILES = (WORKER_DIR / "serve.py", WORKER_DIR / "protocol.py", WORKER_DIR / "changes.py", NN_DIR / "impl.py")


def worker_files(dest: Path) -> Path:
    """A directory holding only copies of serve.py, protocol.py, changes.py (this package) and
    nn/impl.py: the worker's sys.path[0]."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in WORKER_FILES:
        shutil.copyfile(path, dest / path.name)
    return dest


def _limits(memory_mb: int, cpu_seconds: int, drop: bool, plan: list) -> callable:
    def apply():  # runs in the child between fork and exec
        os.setsid()
        os.umask(0o022)
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # SIGXCPU at the soft limit, SIGKILL 5 s later: for what no wall clock stops (threads, a daemon).
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        uid = DROP_UID if drop else os.getuid()  # processes count per real user: room for a few, not a fork bomb
        mine = sum(1 for p in os.listdir("/proc") if p.isdigit() and _owner(p) == uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (mine + 64, mine + 64))
        if drop:
            _reach(plan)
            os.setgroups([])
            os.setgid(DROP_UID)
            os.setuid(DROP_UID)
        with contextlib.suppress(OSError, AttributeError):  # after the uid changes, which clear it
            ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: no worker outlives its grading process
    return apply


def _owner(pid: str) -> int:
    with contextlib.suppress(OSError):
        return os.stat(f"/proc/{pid}").st_uid
    return -1


@functools.lru_cache(maxsize=None)
def _bwrap_has(option: str) -> bool:
    try:
        out = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"], capture_output=True, text=True, timeout=30)
        return option in out.stdout + out.stderr
    except (OSError, subprocess.TimeoutExpired):
        return False


def _python() -> str:
    return os.path.realpath(sys.executable)


def _ro_paths() -> list[str]:
    """What the worker reads besides its files: /usr, Python, NumPy's site directory, a few of /etc."""
    paths = ["/usr", os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(_python()))] + site_dirs()
    paths += [p for p in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime") if os.path.exists(p)]
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == k or p.startswith(k + os.sep) for k in kept):
            kept.append(p)
    return kept


def command(mode: str, impl_dir: Path, label: str, files: Path, script: str = "serve.py") -> tuple[list[str], str]:
    """(argv, cwd) of a worker for ``impl_dir`` in ``mode``; ``files`` from ``worker_files``.
    ``script``: the file of ``files`` to run (examplar grading runs its own, nn/examplar/sandboxed.py)."""
    script_args = ["-I", "-S"]
    if mode == "process":
        return [_python(), *script_args, str(files / script), str(impl_dir), label, *site_dirs()], str(files)
    if mode != "bwrap":
        raise ValueError(f"unknown worker mode {mode!r}")
    kept = _ro_paths()
    binds = [a for p in kept for a in ("--ro-bind", p, p)]
    if any(str(NN_DIR).startswith(k + os.sep) for k in kept):  # the grader's own package, wherever it sits
        binds += ["--tmpfs", str(NN_DIR)]
    # The empty /tmp comes first: Python or NumPy may live under /tmp (a checkout there), and
    # binds made after it are mounted inside it rather than hidden by it.
    argv = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user", "--uid", str(DROP_UID),
            "--gid", str(DROP_UID), "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            *(["--size", str(TMPFS_BYTES)] if _bwrap_has("--size") else []), "--tmpfs", "/tmp", *binds,
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", *(["--disable-userns"] if _bwrap_has("--disable-userns") else []),
            "--ro-bind", str(files), "/nnw", "--ro-bind", str(impl_dir), "/sub", "--chdir", "/tmp",
            "--setenv", "HOME", "/tmp",
            _python(), *script_args, f"/nnw/{script}", "/sub", label, *site_dirs()]
    return argv, "/"


# -- a worker as uid 65534 when the grader is root ------------------------------------------------

def _closed(path: str) -> bool:
    """A directory that DROP_UID cannot pass through."""
    st = os.stat(path)
    return not st.st_mode & (0o100 if st.st_uid == DROP_UID else 0o010 if st.st_gid == DROP_UID else 0o001)


def _mount_plan(paths: list[str]) -> list[tuple[str, list[str]]]:
    """For each topmost directory closed to DROP_UID above a path the worker reads: those paths."""
    plan: dict[str, list[str]] = {}
    kept: list[str] = []
    for p in sorted({os.path.realpath(p) for p in paths}, key=len):
        if not any(p == k or p.startswith(k + os.sep) for k in kept):
            kept.append(p)
            closed = next((str(a) for a in reversed(Path(p).parents) if _closed(str(a))), None)
            if closed:
                plan.setdefault(closed, []).append(p)
    return list(plan.items())


def _reach(plan: list) -> None:
    """In the child, as root: a mount namespace where each closed directory is a tmpfs of the ``plan``'s binds."""
    if not plan:
        return
    libc = ctypes.CDLL(None, use_errno=True)

    def check(status):
        if status != 0:
            raise OSError(ctypes.get_errno(), "unshare or mount refused")
    check(libc.unshare(0x00020000))  # CLONE_NEWNS
    check(libc.mount(None, b"/", None, 0x4000 | 0x40000, None))  # MS_REC | MS_PRIVATE: nothing leaks out
    for top, paths in plan:
        fds = [os.open(p, os.O_PATH | os.O_DIRECTORY) for p in paths]
        check(libc.mount(b"tmpfs", top.encode(), b"tmpfs", 0x2 | 0x4, b"mode=0755,size=1m"))  # nosuid, nodev
        for p, fd in zip(paths, fds):
            os.makedirs(p, mode=0o755, exist_ok=True)
            check(libc.mount(f"/proc/self/fd/{fd}".encode(), p.encode(), None, 0x1000 | 0x4000, None))  # bind
            check(libc.mount(None, p.encode(), None, 0x1000 | 0x20 | 0x1, None))  # remount it read-only
            os.close(fd)


_ROOT: list = []  # stage_root(), once made
_STAGED: dict = {}  # worker pid -> its staged copies, removed when it ends


def _reachable_temp() -> str | None:
    """A temporary directory that DROP_UID can reach (None: the default one, and a mount will do)."""
    return next((d for d in (tempfile.gettempdir(), os.environ.get("TMPDIR"), "/tmp") if d and os.path.isdir(d)
                 and not _mount_plan([d]) and not _closed(d)), None)


def stage_root() -> Path:
    """The grader's directory for its grading processes' staged copies (NN_KATAS_WORKER_STAGE), gone at exit."""
    if not _ROOT or not _ROOT[0].is_dir():
        _ROOT[:] = [Path(tempfile.mkdtemp(prefix="nn-worker-", dir=_reachable_temp()))]
        os.chmod(_ROOT[0], 0o711)  # DROP_UID may pass through, not list
        atexit.register(shutil.rmtree, _ROOT[0], True)
    return _ROOT[0]


def _stage(files: Path, impl_dir: Path) -> Path:
    """Root's copies of the worker's files (``w``) and the implementation's (``sub``) for DROP_UID to read."""
    given = os.environ.get("NN_KATAS_WORKER_STAGE")
    dest = Path(tempfile.mkdtemp(prefix="nn-worker-", dir=given if given and os.path.isdir(given) else _reachable_temp()))
    for src, name in ((files, "w"), (impl_dir, "sub")):
        (dest / name).mkdir()
        for p in [p for p in Path(src).iterdir() if p.is_file() and not p.is_symlink()]:
            os.chmod(shutil.copyfile(p, dest / name / p.name), 0o644)
        os.chmod(dest / name, 0o755)
    os.chmod(dest, 0o755)
    return dest


def release(proc) -> None:
    """Remove the staged copies of a worker that has ended (nothing when there are none)."""
    staged = _STAGED.pop(getattr(proc, "pid", None), None)
    if staged is not None:
        shutil.rmtree(staged, ignore_errors=True)


def dropping(mode: str) -> bool:
    """Whether a worker runs as DROP_UID: as root, where one starts so (the grader's NN_KATAS_WORKER_DROP)."""
    if os.geteuid() != 0:
        return False
    told = os.environ.get("NN_KATAS_WORKER_DROP")
    return told == "1" if told in ("0", "1") else _probe(mode, True) is None


@functools.lru_cache(maxsize=None)
def _probe(mode: str, drop: bool) -> str | None:
    """None when a worker (as DROP_UID with ``drop``) starts here and imports NumPy, else why not."""
    if mode == "bwrap" and shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    what, proc = "bubblewrap" if mode == "bwrap" else "a worker", None
    with tempfile.TemporaryDirectory(prefix="nn-sandbox-probe-") as tmp:
        (Path(tmp) / "impl").mkdir()
        try:
            proc = start(mode, Path(tmp) / "impl", "impl/", worker_files(Path(tmp) / "w"), stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, drop=drop)
            err = proc.communicate(timeout=60)[1].decode(errors="replace").strip()[-300:]
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{what} did not start ({exc})"
        finally:
            if proc is not None:
                proc.kill()
                proc.wait()
                release(proc)
    return f"{what} did not start: {err}" if proc.returncode != 0 else None


def start(mode: str, impl_dir: Path, label: str, files: Path, memory_mb: int = 2048, script: str = "serve.py",
          stdin=subprocess.PIPE, stderr=None, cpu_seconds: int | None = None, drop: bool | None = None) -> subprocess.Popen:
    """A worker for ``impl_dir`` (see ``command``) with ``cpu_seconds`` of CPU time (else the grading's
    NN_KATAS_WORKER_CPU_SECONDS, else DEFAULT_CPU_SECONDS), as DROP_UID if ``drop`` (else ``dropping``)."""
    drop = dropping(mode) if drop is None else drop
    cpu = int(cpu_seconds or os.environ.get("NN_KATAS_WORKER_CPU_SECONDS") or DEFAULT_CPU_SECONDS)
    staged = plan = None
    if drop:
        staged = _stage(files, impl_dir)
        files, impl_dir = staged / "w", staged / "sub"
        plan = _mount_plan(_ro_paths() + [str(staged)])
    argv, cwd = command(mode, impl_dir, label, files, script)
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=clean_env("/tmp" if mode == "bwrap" else str(files)),
                                stdin=stdin, stdout=subprocess.PIPE, stderr=stderr,
                                preexec_fn=_limits(memory_mb, cpu, drop, plan), close_fds=True)
    except BaseException:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    _STAGED[proc.pid] = staged  # None when nothing was staged
    threading.Thread(target=_guard_processes, args=(proc,), daemon=True).start()
    return proc


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (/proc/PID/task/TID/children: orphans the sandbox's init adopts too)."""
    found, todo = set(), [pid]
    while todo and len(found) <= 4 * MAX_PROCESSES:
        here = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{here}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{here}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def _guard_processes(proc: subprocess.Popen, every: float = 0.05) -> None:
    """Kill the whole sandbox once it holds more than MAX_PROCESSES processes (the kernel's
    RLIMIT_NPROC does not hold for a worker that runs as root), then, once the worker has
    ended, remove its staged copies: a fork bomb costs one sandbox a failed run, not the machine."""
    try:
        while os.path.isdir(f"/proc/{proc.pid}/task") and proc.poll() is None:
            below = _descendants(proc.pid)
            if len(below) > MAX_PROCESSES:
                proc.nn_too_many_processes = True
                for pid in [proc.pid, *below]:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                break
            time.sleep(every)
        while proc.poll() is None:
            time.sleep(every)
    finally:
        release(proc)


def bwrap_works() -> str | None:
    """None when a bubblewrap sandbox starts here (as DROP_UID, else as this user), else why not."""
    return None if os.geteuid() == 0 and _probe("bwrap", True) is None else _probe("bwrap", False)


def resolve(mode: str) -> tuple[str, str | None]:
    """``auto``, ``bwrap`` or ``none`` to (worker mode, a warning to say once or None)."""
    problem = None if mode == "none" else bwrap_works()
    if mode == "bwrap" and problem:
        raise RuntimeError(f"--sandbox bwrap: {problem}")
    if mode == "bwrap" or (mode == "auto" and not problem):
        as_root = os.geteuid() == 0 and _probe("bwrap", True)
        return "bwrap", (f"warning: bubblewrap cannot start as uid {DROP_UID} here ({as_root}); it is started as "
                         f"root, and the sandbox's uid {DROP_UID} is root outside it" if as_root else None)
    head = ("warning: --sandbox none" if mode == "none" else
            f"warning: grading is NOT isolated by an OS sandbox ({problem}); each submission still runs in a "
            f"separate worker process")
    if os.geteuid() != 0:
        return "process", (head if mode != "none" else None)
    if dropping("process"):
        return "process", (f"{head}, as uid {DROP_UID}: a submission can read whatever that user can (keep the "
                           f"grader's files closed to others) and reach classmates graded at the same time")
    return "process", (f"{head}, AS ROOT (uid {DROP_UID} cannot start a worker here: {_probe('process', True)}): a "
                       "submission can read and write anything this user can, solutions and classmates included. "
                       "Install bubblewrap, or grade in one container per submission")
