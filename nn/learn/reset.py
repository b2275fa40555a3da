"""``nn-kata reset KATA``: put a kata's functions back as the stub has them, keeping a backup."""
from __future__ import annotations

import ast
import shutil
import time
from pathlib import Path

from .. import manifest
from ..stubs import pristine_files
from .state import backup_dir


def _function_spans(source: str) -> dict[str, tuple[int, int]]:
    """{name: (first line, last line)} of each top-level function, 1-based and inclusive."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def reset_kata(kata_name: str, impl: Path) -> tuple[Path | None, str]:
    """Put the kata's functions back as the stub has them; other functions stay as they are.

    The learner's file is copied to .nn-kata/backups first. Returns (backup, what was done).
    """
    kata = manifest.get(kata_name)
    stub = pristine_files()[f"{kata.module}.py"]
    target = impl / f"{kata.module}.py"
    backup = None
    if target.exists():
        backup_dir().mkdir(parents=True, exist_ok=True)
        backup = backup_dir() / f"{kata.module}.{time.strftime('%Y%m%d-%H%M%S')}.{kata.name}.py"
        shutil.copy2(target, backup)
    if not target.exists():
        target.write_text(stub)
        return backup, f"{target.name} was missing: restored the whole stub"
    current = target.read_text(errors="replace")
    try:
        spans = _function_spans(current)
    except SyntaxError:
        target.write_text(stub)
        return backup, f"{target.name} did not parse: restored the whole file from the stub"
    stub_lines = stub.splitlines(keepends=True)
    stub_spans = _function_spans(stub)
    lines = current.splitlines(keepends=True)
    replacements = []
    for fname in kata.functions:
        a, b = stub_spans[fname]
        new = "".join(stub_lines[a - 1:b])
        if fname in spans:
            replacements.append((spans[fname], new))
        else:
            replacements.append(((len(lines) + 1, len(lines)), "\n\n" + new))
    for (a, b), new in sorted(replacements, key=lambda r: r[0][0], reverse=True):
        if not new.endswith("\n"):
            new += "\n"
        lines[a - 1:b] = [new]
    target.write_text("".join(lines))
    return backup, f"restored {', '.join(kata.functions)} in {target.name} from the stub"
