"""How a worker process (``nn/worker.py``) is started: as a plain process, or inside a
bubblewrap sandbox.

``process``: a separate interpreter, started with ``-I -S`` from a private directory that
holds only ``worker.py``, ``protocol.py`` and ``impl.py``, with NumPy's site directory added by hand, so
neither the project nor an editable install of ``nn`` is on its path. Limits on memory,
file size, core dumps and processes.

``bwrap``: the same, inside bubblewrap: no network, its own PID namespace (nothing outlives
it), ``--die-with-parent``, uid and gid 65534 with no capabilities, a read-only view of the
Python installation and ``/usr``, the implementation's module files read-only at ``/sub``,
an empty ``/tmp`` of 256 MB to write in, no new user namespaces inside, and ``nn`` hidden even where it is installed in
site-packages.
"""
from __future__ import annotations

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

NN_DIR = Path(__file__).resolve().parent.parent
MODES = ("process", "bwrap")


def clean_env(home: str) -> dict:
    """The environment of a worker: no PYTHONPATH, one BLAS thread, the learner's profile."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def site_dirs() -> list[str]:
    """The directories NumPy and SciPy are imported from (the implementation may use either)."""
    dirs = [str(Path(numpy.__file__).resolve().parent.parent)]
    try:
        import scipy
        dirs.append(str(Path(scipy.__file__).resolve().parent.parent))
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass
    return list(dict.fromkeys(dirs))


def worker_files(dest: Path) -> Path:
    """A directory holding only copies of worker.py, protocol.py and impl.py: the worker's sys.path[0]."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("worker.py", "protocol.py", "impl.py"):
        shutil.copyfile(NN_DIR / name, dest / name)
    return dest


def _limits(memory_mb: int) -> callable:
    def apply():  # runs in the child between fork and exec
        os.setsid()
        _die_with_parent()
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # Processes are counted per real user: room for a few, not for a fork bomb.
        mine = sum(1 for p in os.listdir("/proc") if p.isdigit() and _owner(p) == os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (mine + 64, mine + 64))
    return apply


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: no worker outlives its grading process
    except (OSError, AttributeError):
        pass


def _owner(pid: str) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


TMPFS_BYTES = 256 << 20  # the worker's /tmp: a tmpfs lives in memory, so it gets a size


@functools.lru_cache(maxsize=None)
def _bwrap_has(option: str) -> bool:
    try:
        out = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"], capture_output=True, text=True, timeout=30)
        return option in out.stdout + out.stderr
    except (OSError, subprocess.TimeoutExpired):
        return False


def _sized_tmpfs(path: str) -> list[str]:
    return (["--size", str(TMPFS_BYTES)] if _bwrap_has("--size") else []) + ["--tmpfs", path]


def _python() -> str:
    return os.path.realpath(sys.executable)


def _ro_binds() -> list[str]:
    """What the sandbox sees read-only: /usr, the Python installation, NumPy's site directory."""
    paths = ["/usr", os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(_python()))] + site_dirs()
    for extra in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(extra):
            paths.append(extra)
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == k or p.startswith(k + os.sep) for k in kept):
            kept.append(p)
    args = []
    for p in kept:
        args += ["--ro-bind", p, p]
    # Hide the grader's own package wherever it sits inside what is bound.
    nn_dir = str(NN_DIR)
    if any(nn_dir.startswith(k + os.sep) for k in kept):
        args += ["--tmpfs", nn_dir]
    return args


def command(mode: str, impl_dir: Path, label: str, files: Path, script: str = "worker.py") -> tuple[list[str], str]:
    """(argv, cwd) of a worker for ``impl_dir`` in ``mode``; ``files`` from ``worker_files``.
    ``script``: the file of ``files`` to run (examplar grading runs its own, nn/suite/examplar_sandboxed.py)."""
    script_args = ["-I", "-S"]
    if mode == "process":
        return [_python(), *script_args, str(files / script), str(impl_dir), label, *site_dirs()], str(files)
    if mode != "bwrap":
        raise ValueError(f"unknown worker mode {mode!r}")
    # The empty /tmp comes first: Python or NumPy may live under /tmp (a checkout there), and
    # binds made after it are mounted inside it rather than hidden by it.
    argv = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", *_sized_tmpfs("/tmp"), *_ro_binds(),
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", *(["--disable-userns"] if _bwrap_has("--disable-userns") else []),
            "--ro-bind", str(files), "/nnw", "--ro-bind", str(impl_dir), "/sub", "--chdir", "/tmp",
            "--setenv", "HOME", "/tmp",
            _python(), *script_args, f"/nnw/{script}", "/sub", label, *site_dirs()]
    return argv, "/"


MAX_PROCESSES = 32  # in one sandbox: a worker is one, a learner's test file a few; a fork bomb is stopped


def start(mode: str, impl_dir: Path, label: str, files: Path, memory_mb: int = 2048, script: str = "worker.py",
          stdin=subprocess.PIPE, stderr=None) -> subprocess.Popen:
    argv, cwd = command(mode, impl_dir, label, files, script)
    proc = subprocess.Popen(argv, cwd=cwd, env=clean_env("/tmp" if mode == "bwrap" else str(files)),
                            stdin=stdin, stdout=subprocess.PIPE, stderr=stderr,
                            preexec_fn=_limits(memory_mb), close_fds=True)
    threading.Thread(target=_guard_processes, args=(proc,), daemon=True).start()
    return proc


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc/PID/task/TID/children, so orphans that the
    sandbox's own init adopts are counted too)."""
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
    """Kill the whole sandbox once it holds more than MAX_PROCESSES processes. The kernel's
    RLIMIT_NPROC does not hold for a grader that runs as root, whose sandbox user maps to root,
    so the trusted side counts: a fork bomb costs one sandbox a failed run, not the machine."""
    if not os.path.isdir(f"/proc/{proc.pid}/task"):
        return
    while proc.poll() is None:
        below = _descendants(proc.pid)
        if len(below) > MAX_PROCESSES:
            proc.nn_too_many_processes = True
            for pid in [proc.pid, *below]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            return
        time.sleep(every)


@functools.lru_cache(maxsize=None)
def bwrap_works() -> str | None:
    """None when a bubblewrap sandbox starts here, else why not, in a few words."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    with tempfile.TemporaryDirectory(prefix="nn-sandbox-probe-") as tmp:
        files = worker_files(Path(tmp) / "w")
        (Path(tmp) / "impl").mkdir()
        argv, _ = command("bwrap", Path(tmp) / "impl", "impl/", files)
        # The probe imports NumPy as the worker will: a sandbox that starts but cannot see it is no use.
        probe = argv[:argv.index(_python())] + [_python(), "-I", "-S", "-c",
                                                f"import sys; sys.path[:0] = {site_dirs()!r}; import numpy"]
        try:
            proc = subprocess.run(probe, capture_output=True, text=True, timeout=60, env=clean_env("/tmp"))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap did not start ({exc})"
        if proc.returncode != 0:
            return f"bubblewrap did not start: {proc.stderr.strip()[-300:]}"
    return None


def resolve(mode: str) -> tuple[str, str | None]:
    """``auto``, ``bwrap`` or ``none`` to (worker mode, a warning to say once or None)."""
    if mode == "none":
        return "process", (f"warning: --sandbox none{_as_root()}" if os.geteuid() == 0 else None)
    problem = bwrap_works()
    if mode == "bwrap":
        if problem:
            raise RuntimeError(f"--sandbox bwrap: {problem}")
        return "bwrap", None
    if problem:
        return "process", (f"warning: grading is NOT isolated by an OS sandbox ({problem}); each submission "
                           f"still runs in a separate worker process{_as_root()}")
    return "bwrap", None


def _as_root() -> str:
    return (", AS ROOT: a submission can read and write anything this user can, solutions and classmates "
            "included. Install bubblewrap, or grade in one container per submission") if os.geteuid() == 0 else ""

