"""What Gradescope hands the autograder: the submission as uploaded, and its metadata.

Gradescope unpacks a .zip upload into /autograder/submission and leaves any other file as
it is, so a student who uploads a .tar.gz finds one archive in that directory: it is graded
as the archive. Loose files, or a .zip unpacked by Gradescope, are graded as the directory.
``/autograder/submission_metadata.json``, when present, names the student.
"""
from __future__ import annotations

import json
from pathlib import Path

from .unpack import name_kind


def submission_in(path: Path) -> tuple[Path, str]:
    """The submission in ``path``: a directory holding one archive and no Python file is that
    archive (with a note saying so); anything else is itself."""
    if not path.is_dir():
        return path, ""
    try:
        entries = [p for p in path.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    except OSError:
        return path, ""
    archives = [p for p in entries if p.is_file() and name_kind(p.name)]
    has_code = any(p.suffix == ".py" for p in path.rglob("*.py"))
    if len(archives) == 1 and not has_code:
        return archives[0], f"graded the archive {archives[0].name} found in the submission"
    return path, ""


def metadata_student(path: str | Path | None) -> str:
    """The student's name from Gradescope's submission_metadata.json, or "" (no file, no name)."""
    if not path:
        return ""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        users = data.get("users") or []
        names = [str(u.get("name") or u.get("email") or "").strip() for u in users if isinstance(u, dict)]
        return " & ".join(n for n in names if n)
    except (OSError, ValueError, AttributeError):
        return ""


def previous_scores(path: str | Path | None) -> list[float]:
    """The scores of the student's earlier submissions, oldest first, from the same metadata."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [float((p.get("results") or {}).get("score", p.get("score")) or 0)
                for p in data.get("previous_submissions") or [] if isinstance(p, dict)]
    except (OSError, ValueError, AttributeError, TypeError):
        return []
