"""What every command shares: a usage error, the implementation directory that ``--impl``
names, and a kata by name. Imports only the shared modules."""
from __future__ import annotations

import sys
from pathlib import Path

from . import manifest
from .impl import ImplementationError, resolve_impl_dir


class UsageError(Exception):
    """A wrong argument, said plainly; exit status 2."""


def impl_dir(args) -> Path:
    try:
        impl = resolve_impl_dir(args.impl)
    except ImplementationError as exc:
        raise UsageError(str(exc)) from None
    missing = sorted({k.module for k in manifest.katas() if not (impl / f"{k.module}.py").is_file()})
    if missing:
        print(f"note: {impl} has no {', '.join(m + '.py' for m in missing)}; the katas in "
              f"{'it' if len(missing) == 1 else 'them'} will fail", file=sys.stderr)
    return impl


def kata(name: str) -> manifest.Kata:
    try:
        return manifest.get(name)
    except manifest.UnknownKata as exc:
        raise UsageError(str(exc)) from None
