"""The pristine stubs the package ships (``nn/stubs.zip``): what ``nn-kata reset`` restores and
what an exported starter repository hands out.

Rebuild the archive after changing a stub:  python -m nn.stubs
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .impl import PROJECT_ROOT

ARCHIVE = Path(__file__).with_name("stubs.zip")


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


if __name__ == "__main__":
    print(f"wrote {build()}")
