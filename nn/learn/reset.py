"""``nn-kata reset KATA``: put a kata's functions back as the stub has them, keeping a backup."""
from __future__ import annotations

import ast
import shutil
import time
from pathlib import Path

from .. import manifest
from ..impl import shown
from ..stubs import pristine_files
from . import state
from .state import backup_dir


def _function_spans(source: str) -> dict[str, tuple[int, int]]:
    """{name: (first line, last line)} of each top-level function, 1-based and inclusive."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def _backup(kata: manifest.Kata, target: Path, suffix: str = "") -> Path:
    """Copy the learner's file to .nn-kata/backups, under a name no earlier backup has."""
    backup_dir().mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = backup_dir() / f"{kata.module}.{stamp}.{kata.name}{suffix}.py"
    n = 1
    while backup.exists():  # two in one second: the earlier one is kept
        n += 1
        backup = backup_dir() / f"{kata.module}.{stamp}-{n}.{kata.name}{suffix}.py"
    shutil.copy2(target, backup)
    return backup


def _with_functions(current: str, source: str, functions: list[str]) -> str:
    """``current`` with each of ``functions`` as ``source`` has it (appended where missing);
    everything else in ``current`` stays. Raises SyntaxError if either does not parse."""
    spans = _function_spans(current)
    source_lines = source.splitlines(keepends=True)
    source_spans = _function_spans(source)
    lines = current.splitlines(keepends=True)
    replacements = []
    for fname in functions:
        if fname not in source_spans:
            continue
        a, b = source_spans[fname]
        new = "".join(source_lines[a - 1:b])
        if fname in spans:
            replacements.append((spans[fname], new))
        else:
            replacements.append(((len(lines) + 1, len(lines)), "\n\n" + new))
    for (a, b), new in sorted(replacements, key=lambda r: r[0][0], reverse=True):
        if not new.endswith("\n"):
            new += "\n"
        lines[a - 1:b] = [new]
    return "".join(lines)


def reset_kata(kata_name: str, impl: Path) -> tuple[Path | None, str]:
    """Put the kata's functions back as the stub has them; other functions stay as they are.

    The learner's file is copied to .nn-kata/backups first. Returns (backup, what was done).
    """
    kata = manifest.get(kata_name)
    stub = pristine_files()[f"{kata.module}.py"]
    target = impl / f"{kata.module}.py"
    if not target.exists():
        target.write_text(stub)
        return None, f"{target.name} was missing: restored the whole stub"
    current = target.read_text(errors="replace")
    try:
        new = _with_functions(current, stub, kata.functions)
    except SyntaxError:
        new = None
    if new == current:  # nothing of the learner's to save: a backup would only hide the last real one
        return None, f"{', '.join(kata.functions)} in {target.name} are already as the stub has them"
    backup = _backup(kata, target)
    state.record_backup(backup, impl)
    if new is not None:
        target.write_text(new)
    else:
        target.write_text(stub)
        return backup, f"{target.name} did not parse: restored the whole file from the stub"
    return backup, f"restored {', '.join(kata.functions)} in {target.name} from the stub"


def _stamp(backup: Path) -> tuple[str, int]:
    """When a backup was made, from its name (module.YYYYmmdd-HHMMSS[-n].kata.py), to sort by."""
    stamp = backup.name.split(".")[1]
    day_time, _, n = stamp.partition("-")[2].partition("-")
    return stamp.split("-")[0] + day_time, int(n or 1)


def newest_backup(kata: manifest.Kata, impl: Path) -> Path | None:
    """The newest copy that ``reset`` saved of this kata's file, taken from ``impl``
    (or from an unrecorded directory, for backups made before that was recorded)."""
    origins = state.backup_origins()
    found = [b for b in backup_dir().glob(f"{kata.module}.*.{kata.name}.py")
             if origins.get(b.name, str(impl)) == str(impl)] if backup_dir().is_dir() else []
    return max(found, key=_stamp, default=None)


def restore_kata(kata_name: str, impl: Path) -> tuple[Path, Path | None, str]:
    """Put back the kata's functions as the newest backup of ``reset`` has them; the rest of
    the file stays as it is now. The current file is saved first (``...kata.before-restore.py``,
    which ``restore`` itself never picks). Returns (the backup used, the copy of the current
    file, what was done)."""
    from ..usage import UsageError

    kata = manifest.get(kata_name)
    source_path = newest_backup(kata, impl)
    if source_path is None:
        raise UsageError(f"no saved version of kata {kata.name} from {shown(impl)} in {shown(backup_dir())}: "
                         f"`nn-kata reset {kata.name}` saves one before it resets")
    source = source_path.read_text(errors="replace")
    target = impl / f"{kata.module}.py"
    saved = _backup(kata, target, ".before-restore") if target.exists() else None
    try:
        if saved is None:
            raise SyntaxError  # no file to merge into
        target.write_text(_with_functions(target.read_text(errors="replace"), source, kata.functions))
        what = f"put back {', '.join(kata.functions)} in {target.name}"
    except SyntaxError:  # one of the two does not parse, or the file is gone: the whole saved file it is
        shutil.copyfile(source_path, target)
        what = f"put back the whole of {target.name}"
    return source_path, saved, what
