"""The learner's local state, kept in ``.nn-kata/`` at the project root: cached results by
content, how many hints were shown (the rungs of each kata's ladder used, and whether its
equation was revealed before the gate opened), how many versions of each kata failed their
checks, the katas unlocked by ``nn-kata unlock``, and backups made by ``nn-kata reset`` (with the
directory each came from, for ``nn-kata restore``)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT
from ..suite.results import file_bytes, suite_digest

STATE_DIR = Path(os.environ.get("NN_KATA_STATE", PROJECT_ROOT / ".nn-kata"))


def _read(name: str) -> dict:
    try:
        return json.loads((STATE_DIR / name).read_text())
    except (OSError, ValueError):
        return {}  # a missing or damaged state file only costs a re-run


def _write(name: str, data: dict) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_DIR / (name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(STATE_DIR / name)


def content_key(kata: manifest.Kata, impl: Path, digest: str | None = None) -> str:
    """What a kata's result depends on: its module file, its tests and the suite itself.
    Other modules do not count: while a kata is tested, the others are stood in for."""
    h = hashlib.sha256()
    h.update(str(impl).encode())
    h.update(file_bytes(impl / f"{kata.module}.py"))
    h.update(file_bytes(PROJECT_ROOT / kata.test_file))
    h.update((digest or suite_digest()).encode())
    return h.hexdigest()


def cached_results(impl: Path) -> dict:
    return _read("results.json").get(str(impl), {})


def store_results(impl: Path, entries: dict) -> None:
    data = _read("results.json")
    data.setdefault(str(impl), {}).update(entries)
    _write("results.json", data)
    record_check_runs(entries)


def hints_shown(kata: str) -> int:
    return int(_read("hints.json").get(kata, 0))


def set_hints_shown(kata: str, count: int) -> None:
    data = _read("hints.json")
    data[kata] = count
    _write("hints.json", data)


def backup_dir() -> Path:
    return STATE_DIR / "backups"


def record_backup(backup: Path, impl: Path) -> None:
    """Which implementation directory a backup was taken from, so that ``restore`` puts a
    file back where it came from."""
    data = _read("backups.json")
    data[backup.name] = str(impl)
    _write("backups.json", data)


def backup_origins() -> dict:
    return _read("backups.json")


# -- the hint ladder: rungs shown, the equation revealed early, failing check runs ------------

def record_check_runs(entries: dict) -> None:
    """Count, per kata, the distinct versions whose checks ran and failed: the gate on the
    last rung of the hint ladder opens after enough of them. A version is its content key,
    so running the checks again on an unchanged file is not a new attempt."""
    data = _read("checks.json")
    for kata, entry in entries.items():
        status = entry.get("result", {}).get("status")
        runs = data.setdefault(kata, {"runs": 0, "failing": []})
        runs["runs"] += 1
        if status in ("failing", "error") and entry.get("key") not in runs["failing"]:
            runs["failing"] = (runs["failing"] + [entry.get("key")])[-20:]
    _write("checks.json", data)


def failing_check_runs(kata: str) -> int:
    return len(_read("checks.json").get(kata, {}).get("failing", []))


def check_runs(kata: str) -> int:
    return int(_read("checks.json").get(kata, {}).get("runs", 0))


def record_reveal(kata: str) -> None:
    data = _read("ladder.json")
    data.setdefault(kata, {})["revealed"] = True
    _write("ladder.json", data)


def revealed(kata: str) -> bool:
    return bool(_read("ladder.json").get(kata, {}).get("revealed"))


def unlocked(kata: str) -> bool:
    return kata in _read("unlocked.json")


def record_unlock(kata: str, answers: list) -> None:
    data = _read("unlocked.json")
    data[kata] = answers
    _write("unlocked.json", data)
