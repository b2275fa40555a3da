"""What a starter pins, shared by ``export`` and the GitHub Actions workflow (``github``): the
SHA-256 of every grader file (``.github/nn-kata/pristine.sha256``), and the versions of the
grader's dependencies (``constraints.txt``, a lock file)."""
from __future__ import annotations

import hashlib
from pathlib import Path

PINS = Path(".github") / "nn-kata" / "pristine.sha256"


def grader_files(root: Path) -> list[Path]:
    files = [p for top in ("nn", "tests") for p in (root / top).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return sorted(p.relative_to(root) for p in files + [root / "conftest.py", root / "pyproject.toml"])


def pins(repo: Path) -> str:
    """sha256sum's format for every grader file of a student repository (and its points file)."""
    extra = sorted(p.relative_to(repo) for p in (repo / PINS.parent).glob("*") if p.is_file() and p.name != PINS.name)
    files = grader_files(repo) + extra
    return "".join(f"{hashlib.sha256((repo / p).read_bytes()).hexdigest()}  {p.as_posix()}\n" for p in files)


def write_pins(repo: Path) -> Path:
    path = repo / PINS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pins(repo))
    return path


ROOTS = ("numpy", "scipy", "pytest", "hypothesis", "watchdog", "tomli")


def constraints() -> str:
    """The installed versions of the grader's dependencies and of theirs, pinned (a lock file)."""
    import re
    from importlib import metadata

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pins, todo = {}, list(ROOTS)
    while todo:
        name = norm(todo.pop())
        if name in pins:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        pins[name] = dist.version
        for req in dist.requires or []:
            if "extra ==" in req:
                continue  # optional extras are not installed by the grader
            found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
            if found:
                todo.append(found.group(1))
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))
