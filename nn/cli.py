"""The ``nn-kata`` command: status, check, hint, watch, reset and list for learners.

Imports stay light (no NumPy, no pytest) so that ``nn-kata status`` on an unchanged tree
answers from the cache in a fraction of a second; tests run in a separate process.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import manifest
from .impl import PROJECT_ROOT, ImplementationError, resolve_impl_dir


class UsageError(Exception):
    """A wrong argument, said plainly; exit status 2."""


# -- helpers ---------------------------------------------------------------------------

def _impl(args) -> Path:
    try:
        impl = resolve_impl_dir(args.impl)
    except ImplementationError as exc:
        raise UsageError(str(exc)) from None
    missing = sorted({k.module for k in manifest.katas() if not (impl / f"{k.module}.py").is_file()})
    if missing:
        print(f"note: {impl} has no {', '.join(m + '.py' for m in missing)}; the katas in "
              f"{'it' if len(missing) == 1 else 'them'} will fail", file=sys.stderr)
    return impl


def _display(impl: Path) -> str:
    try:
        return f"{impl.relative_to(Path.cwd())}/"
    except ValueError:
        return f"{impl}/"


def _kata(name: str) -> manifest.Kata:
    try:
        return manifest.get(name)
    except manifest.UnknownKata as exc:
        raise UsageError(str(exc)) from None


def compute_status(impl: Path, names: list[str] | None = None, timeout: float | None = None, fresh: bool = False) -> dict:
    """Results for the katas, from the cache where their files are unchanged, else by running them."""
    from . import state
    from .runner import DEFAULT_TEST_TIMEOUT, KataResult, run_katas

    names = names or manifest.names()
    digest = state._suite_digest()
    cache = {} if fresh else state.cached_results(impl)
    results, stale, keys = {}, [], {}
    for name in names:
        keys[name] = state.content_key(manifest.get(name), impl, digest)
        entry = cache.get(name)
        if entry and entry.get("key") == keys[name]:
            results[name] = KataResult.from_json(entry["result"])
        else:
            stale.append(name)
    if stale:
        fresh_results = run_katas(stale, impl, timeout=timeout or DEFAULT_TEST_TIMEOUT)
        state.store_results(impl, {n: {"key": keys[n], "result": r.to_json()} for n, r in fresh_results.items()})
        results.update(fresh_results)
    return {n: results[n] for n in names}


def _next(results: dict) -> str | None:
    return next((n for n, r in results.items() if r.status != "done"), None)


# -- commands --------------------------------------------------------------------------

def cmd_list(args) -> int:
    for i, kata in enumerate(manifest.katas(), start=1):
        print(f"{i:>2}. {kata.name:<10} {kata.title}")
        print(f"    {kata.module}.py: {', '.join(kata.functions)}")
        print(f"    seed: {kata.seed_section}")
    return 0


def cmd_status(args) -> int:
    from .report import SYMBOLS, colour, progress_bar, use_colour

    impl = _impl(args)
    results = compute_status(impl, timeout=args.timeout)
    on = use_colour()
    done = sum(r.status == "done" for r in results.values())
    print(f"nn-katas  {progress_bar(done, len(results))} katas done   ({_display(impl)})\n")
    for i, (name, r) in enumerate(results.items(), start=1):
        kata = manifest.get(name)
        detail = {"done": "done", "not started": "not started", "error": "error",
                  "failing": f"failing ({r.passed}/{r.total} checks pass)"}[r.status]
        print(colour(f"  {SYMBOLS[r.status]} {i}. {name:<10} {kata.title:<46} {detail}", r.status, on))
    nxt = _next(results)
    print()
    if nxt is None:
        print("All katas done. Train your network on real digits: nn-kata train")
        return 0
    kata = manifest.get(nxt)
    print(f"Next: {nxt}. Open {_display(impl)}{kata.module}.py and write {', '.join(kata.functions)}.")
    print(f"      nn-kata check {nxt}    nn-kata hint {nxt}")
    return 0


def cmd_check(args) -> int:
    from .report import kata_report, use_colour
    from .runner import run_katas

    impl = _impl(args)
    if args.kata:
        name = _kata(args.kata).name
    else:
        name = _next(compute_status(impl, timeout=args.timeout))
        if name is None:
            print("All katas pass. Nothing left to check.")
            return 0
    if args.verbose:
        result = run_katas([name], impl, timeout=args.timeout, verbose=True)[name]
        print(result.output)
    else:
        result = compute_status(impl, [name], timeout=args.timeout)[name]
    print(kata_report(result, _display(impl), colour_on=use_colour()))
    return 0 if result.status == "done" else 1


def cmd_hint(args) -> int:
    from . import state

    kata = _kata(args.kata)
    shown = state.hints_shown(kata.name)
    if args.reset:
        state.set_hints_shown(kata.name, 0)
        print(f"Hints for {kata.name} start again from the first.")
        return 0
    count = min(shown + 1, len(kata.hints))
    state.set_hints_shown(kata.name, count)
    print(f"Hints for kata {kata.name} ({kata.title}):")
    for i, hint in enumerate(kata.hints[:count], start=1):
        print(f"  {i}/{len(kata.hints)}. {hint}")
    if count < len(kata.hints):
        print(f"Run `nn-kata hint {kata.name}` again for the next one.")
    else:
        print("That was the last hint: the key equation. The rest is yours.")
    return 0


def cmd_reset(args) -> int:
    from .pristine import reset_kata

    kata = _kata(args.kata)
    impl = _impl(args)
    backup, what = reset_kata(kata.name, impl)
    if backup:
        print(f"Your version is saved as {backup}")
    print(f"{what}. Kata {kata.name} is back to its stub.")
    return 0


def cmd_watch(args) -> int:
    import threading

    from .report import kata_report, use_colour
    from .runner import run_katas

    impl = _impl(args)
    changed = threading.Event()
    observer = _start_observer(impl, changed, poll=args.poll)
    on = use_colour()
    checks = 0
    try:
        results = compute_status(impl, timeout=args.timeout)
        current = _next(results)
        while current is not None:
            print(f"\n── checking {current} ──", flush=True)
            result = compute_status(impl, [current], timeout=args.timeout)[current]
            checks += 1
            print(kata_report(result, _display(impl), colour_on=on), flush=True)
            if result.status == "done":
                results = compute_status(impl, timeout=args.timeout)
                current = _next(results)
                if current:
                    print(f"\nOn to the next kata: {current}.", flush=True)
                continue
            if args.max_checks and checks >= args.max_checks:
                return 1
            print(f"\nWatching {_display(impl)} for changes (Ctrl-C to stop) ...", flush=True)
            while not changed.wait(0.2):
                pass
            time.sleep(0.15)  # let an editor finish writing before reading the file
            changed.clear()
        print("\nAll katas done. Well done.", flush=True)
        return 0
    except KeyboardInterrupt:
        print("\nStopped watching.")
        return 0
    finally:
        observer.stop()


def _start_observer(impl: Path, changed, poll: bool):
    """watchdog's native observer, or its polling one where events do not arrive (or on request)."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event):
            paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
            if event.event_type in ("modified", "created", "moved") and any(str(p).endswith(".py") for p in paths):
                changed.set()

    for cls in ([PollingObserver] if poll else [Observer, PollingObserver]):
        observer = cls(timeout=0.5) if cls is PollingObserver else cls()
        try:
            observer.schedule(Handler(), str(impl), recursive=False)
            observer.start()
            return observer
        except OSError:
            continue
    raise UsageError(f"cannot watch {impl} for changes")


# -- parser ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--impl", default="katas", metavar="DIR",
                        help="the implementation: katas (default), solutions, or any directory laid out like katas/")
    common.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds one check may run before it is stopped (default 10)")
    parser = argparse.ArgumentParser(prog="nn-kata", parents=[common],
                                     description="Neural networks from first principles: the kata runner.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("status", parents=[common], help="where you are: every kata, done or not (the default)")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("check", parents=[common], help="check one kata (by default the first one not done)")
    p.add_argument("kata", nargs="?")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's full output too")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("hint", parents=[common], help="one more hint for a kata each time you ask")
    p.add_argument("kata")
    p.add_argument("--reset", action="store_true", help="start the hints again from the first")
    p.set_defaults(func=cmd_hint)
    p = sub.add_parser("watch", parents=[common], help="re-check the kata in progress whenever you save")
    p.add_argument("--poll", action="store_true", help="poll the files instead of waiting for file-system events")
    p.add_argument("--max-checks", type=int, default=0, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("reset", parents=[common], help="put a kata's functions back as the stub has them (keeps a backup)")
    p.add_argument("kata")
    p.set_defaults(func=cmd_reset)
    p = sub.add_parser("list", parents=[common], help="the katas in order, with their functions and the seed's section")
    p.set_defaults(func=cmd_list)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_status)
    try:
        return func(args)
    except UsageError as exc:
        print(f"nn-kata: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
