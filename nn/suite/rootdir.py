"""`pytest --impl DIR` with a space, when DIR lies outside the project.

pytest picks its rootdir and ini file before it loads any plugin's options, so on that first
pass `--impl` is unknown and DIR reads as a test path. With DIR outside the project, the
rootdir becomes DIR itself: no ini file, no testpaths, no conftest. The plugin is loaded
anyway (it is a `pytest11` entry point), sees that the `--impl=DIR` spelling would have given
another rootdir, and starts pytest once more with that spelling, so both spellings behave the
same. Inside the project, or with test paths that lead pytest to it, nothing happens.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def equals_form(args: list[str]) -> list[str] | None:
    """The arguments with every `--impl DIR` written `--impl=DIR`; None if there is none."""
    out, changed, i = [], False, 0
    while i < len(args):
        if args[i] == "--":
            out += args[i:]
            break
        if args[i] == "--impl" and i + 1 < len(args):
            out.append(f"--impl={args[i + 1]}")
            changed, i = True, i + 2
            continue
        out.append(args[i])
        i += 1
    return out if changed else None


def _setup(config, args: list[str]) -> tuple[Path, Path | None] | None:
    """The (rootdir, ini file) pytest would choose for ``args``; None if this pytest cannot say."""
    try:  # a private function: if it moves, the space form is merely left as pytest parses it
        from _pytest.config.findpaths import determine_setup
    except ImportError:
        return None
    ns = config._parser.parse_known_args(args)
    try:
        rootdir, inipath, *_ = determine_setup(
            inifile=ns.inifilename, override_ini=ns.override_ini, args=ns.file_or_dir,
            rootdir_cmd_arg=ns.rootdir or None, invocation_dir=config.invocation_params.dir)
    except Exception:  # noqa: BLE001 (a pytest whose signature differs: leave it be)
        return None
    return Path(rootdir), (Path(inipath) if inipath else None)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    given = list(early_config.invocation_params.args)
    fixed = equals_form(given)
    if fixed is None:
        return
    wanted = _setup(early_config, fixed)
    if wanted is None or wanted == (early_config.rootpath, early_config.inipath):
        return
    orig = list(getattr(sys, "orig_argv", []))
    if not orig or orig[len(orig) - len(given):] != given or sys.argv[1:] != given:
        # pytest.main() inside another program: restarting would end that program.
        raise pytest.UsageError(
            f"write --impl={fixed[given.index('--impl')][len('--impl='):]} with '=': written with a space, "
            "pytest takes the directory for a test path before it knows the option, and picks the wrong rootdir")
    capture = early_config.pluginmanager.getplugin("capturemanager")
    if capture is not None:  # it has taken over fds 1 and 2 by now: give them back first
        capture.stop_global_capturing()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *orig[1:len(orig) - len(given)], *fixed])
