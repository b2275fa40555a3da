"""Submissions as sent: a directory or an archive, checked entry by entry before anything is
written, and copied down to the kata modules alone.

An archive's type is read from its first bytes, not from its name, and the two must agree.
Decompression is streamed member by member under a byte budget and a time budget, so a
small archive that expands without end (a "bomb") is stopped after at most that many
bytes or seconds. Links, devices, FIFOs, absolute paths and ``..`` are refused, and for a
refused archive nothing is written.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from .. import manifest
from .archives import (KINDS, MAX_BYTES, MAX_DEPTH, MAX_MEMBERS, MAX_MODULE_BYTES, MAX_SECONDS, SKIPPED_DIRS, SUFFIXES, SUPPORTED,  # noqa: F401
                       SubmissionError, Budget, tar_entries, zip_entries, check_kind, content_kind, name_kind)


def student_name(submission: Path) -> str:
    """The student a submission belongs to, with no control characters (a newline in a file
    name must not become a line of its own in a report)."""
    return "".join(c if c.isprintable() else "_" for c in _student_name(submission))


def _student_name(submission: Path) -> str:
    """The student a submission belongs to: a directory's name (``.`` and ``..`` resolved to the
    real one), an archive's name without its archive suffix (``jean.dupont.tar.gz`` is ``jean.dupont``)."""
    if submission.is_dir():
        name = submission.name if submission.name not in ("", ".", "..") else submission.resolve().name
        return name or "submission"
    name = submission.name
    lower = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return name[: -len(suffix)]
    return name


def unpack(archive: Path, dest: Path, *, max_bytes: int | None = None, max_seconds: float | None = None,
           max_members: int | None = None) -> Path:
    """Extract a .zip or .tar[.gz|.bz2|.xz] after checking every entry; nothing is written for a bad one.

    Only the Python files and the learner's record of hint rungs (``.nn-kata/hints.json`` and
    ``ladder.json``, data for rungs.py) are written; every other file is
    read through, and counted against the budgets, all the same.
    """
    archive = Path(archive)
    kind = check_kind(archive)
    budget = Budget(archive.name, MAX_BYTES if max_bytes is None else max_bytes,
                     MAX_SECONDS if max_seconds is None else max_seconds)
    members = MAX_MEMBERS if max_members is None else max_members
    files: dict[str, bytes | None] = {}
    dirs: set[str] = set()
    try:
        entries = zip_entries(archive, budget, members) if kind == "zip" else tar_entries(archive, kind, budget, members)
        for name, is_dir, data in entries:
            if not name:
                continue
            if is_dir:
                dirs.add(name)
            elif name in files:
                raise SubmissionError(f"archive entry {name!r} appears twice: refused")
            else:
                files[name] = data
    except SubmissionError:
        raise
    except Exception as exc:  # a corrupt archive: whatever the decompressor or the reader raised
        raise SubmissionError(f"{archive.name}: cannot be unpacked as {KINDS[kind]} "
                              f"({type(exc).__name__}: {exc})") from None
    parents = {"/".join(n.split("/")[:i]) for n in [*files, *dirs] for i in range(1, n.count("/") + 1)}
    clash = sorted(parents & set(files))
    if clash:
        raise SubmissionError(f"archive entry {clash[0]!r} is both a file and a folder: refused")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for d in sorted(dirs | parents):
            (dest / d).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            if data is not None:
                (dest / name).write_bytes(data)
    except OSError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise SubmissionError(f"{archive.name}: cannot be unpacked ({exc})") from None
    return dest


# -- finding and copying the kata modules --------------------------------------------------------------

def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRS


def _folders(root: Path, limit: int = 10_000):
    """The folders under ``root``, breadth first, without following links, at most MAX_DEPTH
    deep and ``limit`` in all; a skipped folder is listed but not entered."""
    queue, seen = [(root, 0)], 0
    while queue and seen < limit:
        top, depth = queue.pop(0)
        if depth >= MAX_DEPTH:
            continue
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                seen += 1
                yield Path(entry.path)
                if not _skipped(entry.name):
                    queue.append((Path(entry.path), depth + 1))


def _py_files(root: Path):
    for folder in [root, *_folders(root)]:
        try:
            for entry in os.scandir(folder):
                if entry.name.endswith(".py") and entry.is_file(follow_symlinks=False):
                    yield Path(entry.path)
        except OSError:
            continue


def survey(root: Path) -> tuple[Path, list[str]]:
    """The directory holding the kata modules (the root, a katas/ directory, or the one place
    they are), and notes on the folders that were not searched (``__MACOSX``, ``.git``, hidden)."""
    def score(d: Path) -> int:
        return sum((d / f"{m}.py").is_file() for m in manifest.MODULES)

    candidates, skipped = [root], []
    for path in _folders(root):
        if _skipped(path.name):
            skipped.append(path.relative_to(root).as_posix() + "/")
        else:
            candidates.append(path)
    best = max(candidates, key=lambda d: (score(d), d.name == "katas", -len(d.parts)))
    notes = []
    others = [d for d in candidates if d != best and score(d)] if score(best) else []
    if others:
        def rel(d: Path) -> str:
            return d.relative_to(root).as_posix() + "/" if d != root else "the top folder"

        shown = ", ".join(rel(d) for d in others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        notes.append(f"kata modules graded from {rel(best)}; other copies not graded: {shown}")
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        notes.append(f"not searched for the kata modules (macOS metadata, version control or hidden folders): {shown}")
    return (best if score(best) else root), notes


def find_kata_dir(root: Path) -> Path:
    """The directory holding the kata modules: the root, a katas/ directory, or the one place they are."""
    return survey(root)[0]


def prepare_with_notes(submission: Path, scratch: Path) -> tuple[Path, list[str]]:
    """Copy only the kata modules of a submission into scratch/impl (no conftest, no
    sitecustomize), with notes on what was left out and why."""
    impl, notes, _ = prepare_labelled(submission, scratch)
    return impl, notes


def label(submission: Path, root: Path, source: Path) -> str:
    """How messages name the folder the kata modules came from, as the student knows it: its
    path inside the submission (``katas/``), or nothing when they are at its top
    (``layers.py``). Never the submission's own name, so that the same files sent under two
    names get the same report; only plain characters, so a folder's name cannot write into a
    message."""
    rel = source.relative_to(root).as_posix() if source != root else ""
    return re.sub(r"[^\w.\-/]", "_", f"{rel}/" if rel else "")[-80:]


def prepare_labelled(submission: Path, scratch: Path) -> tuple[Path, list[str], str]:
    """``prepare_with_notes``, and the ``label`` of the folder the modules came from."""
    submission = Path(submission)
    if not submission.exists():
        raise SubmissionError(f"{submission}: no such file or directory")
    if submission.is_file():
        root = unpack(submission, scratch / "unpacked")
    elif submission.is_dir():
        root = submission
    else:
        raise SubmissionError(f"{submission.name}: not a directory or a regular file: not graded")
    source, notes = survey(root)
    impl = scratch / "impl"
    impl.mkdir(parents=True)
    for module in manifest.MODULES:
        src = source / f"{module}.py"
        if src.is_file() and not src.is_symlink():
            if src.stat().st_size > MAX_MODULE_BYTES:
                notes.append(f"{module}.py is larger than {MAX_MODULE_BYTES >> 20} MB: not graded")
                continue
            shutil.copyfile(src, impl / f"{module}.py")
    _copy_own_tests(submission if submission.is_dir() else scratch / "unpacked", source, impl)
    return impl, notes, label(submission, root, source)


def _copy_own_tests(root: Path, source: Path, impl: Path) -> None:
    """The student's own tests (``mytests/test_KATA.py``, for ``grade --examplar``) into
    impl/mytests: from the ``mytests`` folder beside the kata modules, else the first one
    found; regular files of at most MAX_MODULE_BYTES, nothing else."""
    if not root.is_dir():
        return
    found = [d for d in _folders(root) if d.name == "mytests" and not any(_skipped(p) for p in d.relative_to(root).parts)]
    found.sort(key=lambda d: (d.parent != source.parent and d.parent != source, len(d.parts)))
    if not found:
        return
    (impl / "mytests").mkdir()
    for kata in manifest.katas():
        src = found[0] / f"test_{kata.name}.py"
        if src.is_file() and not src.is_symlink() and src.stat().st_size <= MAX_MODULE_BYTES:
            shutil.copyfile(src, impl / "mytests" / src.name)


def prepare(submission: Path, scratch: Path) -> Path:
    """Copy only the kata modules of a submission into scratch/impl (no conftest, no sitecustomize)."""
    return prepare_with_notes(submission, scratch)[0]


def submission_digest(submission: Path) -> str:
    h = hashlib.sha256()
    # The kata modules, and the learner's record of hint rungs, which the report carries.
    record = [f / name for f in _folders(submission) if f.name == ".nn-kata" for name in ("hints.json", "ladder.json")
              if (f / name).is_file() and not (f / name).is_symlink()] if submission.is_dir() else []
    paths = [submission] if submission.is_file() else sorted([*_py_files(submission), *record])
    for p in paths:
        h.update(str(p.relative_to(submission) if submission.is_dir() else p.name).encode(errors="surrogateescape"))
        size = p.stat().st_size
        if submission.is_dir() and size > MAX_MODULE_BYTES:  # never graded: its size and time stand for it
            h.update(f"{size} {p.stat().st_mtime_ns}".encode())
            continue
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
