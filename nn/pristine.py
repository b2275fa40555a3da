"""The pristine stubs the package ships (``nn/pristine_katas.zip``) and ``nn-kata reset``.

Rebuild the archive after changing a stub:  python -m nn.pristine
"""
from __future__ import annotations

import ast
import shutil
import time
import zipfile
from pathlib import Path

from . import manifest
from .impl import PROJECT_ROOT

ARCHIVE = Path(__file__).with_name("pristine_katas.zip")


def build(source: Path = PROJECT_ROOT / "katas", archive: Path = ARCHIVE) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(source.glob("*.py")):
            info = zipfile.ZipInfo(path.name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_text())
    return archive


def pristine_files() -> dict[str, str]:
    with zipfile.ZipFile(ARCHIVE) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


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
    from .state import backup_dir

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


if __name__ == "__main__":
    print(f"wrote {build()}")
