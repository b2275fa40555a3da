"""The hint rungs a learner used, read from a submission as untrusted data.

The learner's side keeps them in ``.nn-kata/`` at the project root (``nn.learn.state``):
``hints.json`` maps a kata to the number of rungs shown, ``ladder.json`` a kata to
``{"revealed": true}`` when ``nn-kata hint KATA --reveal`` opened the equation before its gate.
The starter's ``.gitignore`` keeps these two files, so they travel with a submission.

This module reads that format here, in the trusted grader, without importing the learner's
side: a file of at most 64 KB, a regular file (never a link), JSON of exactly that shape, or
nothing at all. Nothing in it is executed; a malformed record gives no field, never an error.
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import manifest

MAX_BYTES = 64 * 1024
RECORD = ".nn-kata"
FILES = ("hints.json", "ladder.json")


def places(root: Path, source: Path) -> list[Path]:
    """Where a record may be: beside the kata modules, or in the folder above them (the
    repository's root, when they are in its katas/), never outside the submission."""
    found = [source / RECORD]
    if source != root and root in source.parents:
        found.append(source.parent / RECORD)
    return found


def _load(path: Path):
    """A JSON document from a small regular file, or None."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


class _Malformed(Exception):
    pass


def _parse(hints, ladder) -> dict[str, dict]:
    names = {k.name: k for k in manifest.katas()}
    if not isinstance(hints, dict) or (ladder is not None and not isinstance(ladder, dict)):
        raise _Malformed
    for kata, count in hints.items():
        if kata not in names or isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1000:
            raise _Malformed
    for kata, entry in (ladder or {}).items():
        if kata not in names or not isinstance(entry, dict) or set(entry) - {"revealed"} \
                or not isinstance(entry.get("revealed", False), bool):
            raise _Malformed
    course = manifest.course()
    out = {}
    for name, kata in names.items():
        total = len(course.rungs_for(kata))
        out[name] = {"used": min(hints.get(name, 0), total), "of": total,
                     "revealed": bool((ladder or {}).get(name, {}).get("revealed", False))}
    return out


def read(root: Path, source: Path) -> dict[str, dict]:
    """Per kata ``{"used": n, "of": rungs, "revealed": bool}`` from the first record found
    (see ``places``), or {} when there is none or it is malformed."""
    for place in places(root, source):
        if not (place / FILES[0]).is_file() or place.is_symlink():
            continue
        hints = _load(place / FILES[0])
        ladder = _load(place / FILES[1]) if (place / FILES[1]).exists() else None
        if (place / FILES[1]).exists() and ladder is None:
            return {}
        try:
            return _parse(hints, ladder)
        except (_Malformed, ValueError):
            return {}
    return {}


def shown(hint: dict | None) -> str:
    """How the feedback names a kata's rungs: '2 of 3', '3 of 3 (equation revealed early)', or ''."""
    if not hint:
        return ""
    return f"{hint['used']} of {hint['of']}" + (" (equation revealed early)" if hint.get("revealed") else "")
