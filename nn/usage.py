"""What every command shares: a usage error, the implementation directory that ``--impl``
names, and a kata by name. Imports only the shared modules."""
from __future__ import annotations

import sys
from pathlib import Path

from . import manifest
from .impl import PROJECT_ROOT, ImplementationError, resolve_impl_dir, shown


class UsageError(Exception):
    """A wrong argument, said plainly; exit status 2."""


def resolve(spec: str | Path) -> Path:
    """The directory ``--impl spec`` names, or a UsageError naming each place looked at once."""
    try:
        return resolve_impl_dir(spec)
    except ImplementationError:
        path = Path(spec).expanduser()
        places = [path] if path.is_absolute() else [Path.cwd() / path, PROJECT_ROOT / path]
        looked = ", ".join(dict.fromkeys(str(p) for p in places))  # from the project root, both are one
        raise UsageError(f"--impl {spec}: no such directory (looked for {looked})") from None


def impl_dir(args) -> Path:
    impl = resolve(args.impl)
    missing = sorted({k.module for k in manifest.katas() if not (impl / f"{k.module}.py").is_file()})
    if missing:
        print(f"note: {shown(impl)} has no {', '.join(m + '.py' for m in missing)}; the katas in "
              f"{'it' if len(missing) == 1 else 'them'} will fail", file=sys.stderr)
    return impl


def kata(name: str) -> manifest.Kata:
    try:
        return manifest.get(name)
    except manifest.UnknownKata as exc:
        raise UsageError(str(exc)) from None
