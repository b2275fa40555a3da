"""Submissions as sent: a directory or an archive, checked entry by entry before anything is
written, and copied down to the kata modules alone."""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from .. import manifest


class SubmissionError(Exception):
    """A submission that cannot be graded as sent (an unsafe or unreadable archive)."""


def _safe_members_zip(zf: zipfile.ZipFile, dest: Path):
    for info in zf.infolist():
        name = info.filename
        mode = (info.external_attr >> 16) & 0o170000
        if mode == 0o120000:
            raise SubmissionError(f"archive entry {name!r} is a symbolic link: refused")
        _check_name(name, dest)
        yield info


def _check_name(name: str, dest: Path) -> None:
    if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in Path(name).parts[0] if Path(name).parts else False:
        raise SubmissionError(f"archive entry {name!r} points outside the archive: refused")
    target = (dest / name).resolve()
    if not str(target).startswith(str(dest.resolve()) + os.sep) and target != dest.resolve():
        raise SubmissionError(f"archive entry {name!r} points outside the archive: refused")


def unpack(archive: Path, dest: Path) -> Path:
    """Extract a .zip or .tar.gz after checking every entry; nothing is written for a bad one."""
    dest.mkdir(parents=True, exist_ok=True)
    name = archive.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                members = list(_safe_members_zip(zf, dest))
                if sum(m.file_size for m in members) > 50 * 1024 * 1024:
                    raise SubmissionError(f"{archive.name} unpacks to more than 50 MB: refused")
                zf.extractall(dest, members)
        elif name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for m in members:
                    if m.issym() or m.islnk():
                        raise SubmissionError(f"archive entry {m.name!r} is a link: refused")
                    if not (m.isfile() or m.isdir()):
                        raise SubmissionError(f"archive entry {m.name!r} is not a file or directory: refused")
                    _check_name(m.name, dest)
                if sum(m.size for m in members) > 50 * 1024 * 1024:
                    raise SubmissionError(f"{archive.name} unpacks to more than 50 MB: refused")
                for m in members:
                    tf.extract(m, dest, set_attrs=False)
        else:
            raise SubmissionError(f"{archive.name}: not a directory, .zip or .tar.gz")
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise SubmissionError(f"{archive.name}: cannot be unpacked ({exc})") from None
    return dest


def find_kata_dir(root: Path) -> Path:
    """The directory holding the kata modules: the root, a katas/ directory, or the one place they are."""
    def score(d: Path) -> int:
        return sum((d / f"{m}.py").is_file() for m in manifest.MODULES)

    candidates = [root] + sorted(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())
    best = max(candidates, key=lambda d: (score(d), d.name == "katas", -len(d.parts)))
    return best if score(best) else root


def prepare(submission: Path, scratch: Path) -> Path:
    """Copy only the kata modules of a submission into scratch/impl (no conftest, no sitecustomize)."""
    if not submission.exists():
        raise SubmissionError(f"{submission}: no such file or directory")
    source = submission
    if submission.is_file():
        source = find_kata_dir(unpack(submission, scratch / "unpacked"))
    elif submission.is_dir():
        source = find_kata_dir(submission)
    impl = scratch / "impl"
    impl.mkdir(parents=True)
    for module in manifest.MODULES:
        src = source / f"{module}.py"
        if src.is_file() and not src.is_symlink():
            shutil.copyfile(src, impl / f"{module}.py")
    return impl


def submission_digest(submission: Path) -> str:
    h = hashlib.sha256()
    paths = [submission] if submission.is_file() else sorted(p for p in submission.rglob("*.py") if p.is_file())
    for p in paths:
        h.update(str(p.relative_to(submission) if submission.is_dir() else p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


