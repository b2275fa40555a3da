"""The learner's commands: status, check, hint, watch, reset, restore, list and examplar.

Imports stay light (no NumPy, no pytest) so that ``nn-kata status`` on an unchanged tree
answers from the cache in a fraction of a second; tests run in a separate process.
"""
from __future__ import annotations

import time
from pathlib import Path

from .. import manifest
from ..impl import shown
from ..usage import UsageError, impl_dir
from ..usage import kata as kata_named


def compute_status(impl: Path, names: list[str] | None = None, timeout: float | None = None, fresh: bool = False) -> dict:
    """Results for the katas, from the cache where their files are unchanged, else by running them."""
    from . import state
    from .runner import KataResult, run_katas

    names = names or manifest.names()
    digest = state.suite_digest()
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
        fresh_results = run_katas(stale, impl, timeout=timeout or manifest.CHECK_TIMEOUT)
        state.store_results(impl, {n: {"key": keys[n], "result": r.to_json()} for n, r in fresh_results.items()})
        results.update(fresh_results)
    return {n: results[n] for n in names}


def _next(results: dict) -> str | None:
    return next((n for n, r in results.items() if r.status != "done"), None)


def cmd_list(args) -> int:
    from .ladder import course

    course()  # a broken course override is said plainly, once
    for i, kata in enumerate(manifest.katas(), start=1):
        print(f"{i:>2}. {kata.name:<10} {kata.title}")
        print(f"    {kata.module}.py: {', '.join(kata.functions)}")
        print(f"    seed: {kata.seed_section}")
        print(f"    derivation: {kata.guide_link}")
    return 0


def cmd_status(args) -> int:
    from .ladder import used
    from .display import SYMBOLS, colour, progress_bar, use_colour

    impl = impl_dir(args)
    results = compute_status(impl, timeout=args.timeout)
    on = use_colour()
    done = sum(r.status == "done" for r in results.values())
    print(f"nn-katas  {progress_bar(done, len(results))} katas done   ({shown(impl)})\n")
    for i, (name, r) in enumerate(results.items(), start=1):
        kata = manifest.get(name)
        detail = {"done": "done", "not started": "not started", "error": "error",
                  "failing": f"failing ({r.passed}/{r.total} checks pass)"}[r.status]
        rungs = used(kata)
        detail += f"   {rungs}" if rungs else ""
        print(colour(f"  {SYMBOLS[r.status]} {i}. {name:<10} {kata.title:<46} {detail}", r.status, on))
    nxt = _next(results)
    print()
    if nxt is None:
        print("All katas done. Train your network on real digits: nn-kata train")
        return 0
    kata = manifest.get(nxt)
    print(f"Next: {nxt}. Open {shown(impl)}{kata.module}.py and write {', '.join(kata.functions)}.")
    print(f"      nn-kata check {nxt}    nn-kata hint {nxt}")
    return 0


def cmd_check(args) -> int:
    from .display import kata_report, use_colour
    from .runner import run_katas

    impl = impl_dir(args)
    if args.kata:
        name = kata_named(args.kata).name
    else:
        name = _next(compute_status(impl, timeout=args.timeout))
        if name is None:
            print("All katas pass. Nothing left to check.")
            return 0
    from .unlock import locked_message

    locked = locked_message(name)
    if locked:
        print(locked)
        return 1
    if args.verbose:
        result = run_katas([name], impl, timeout=args.timeout, verbose=True)[name]
        print(result.output)
    else:
        result = compute_status(impl, [name], timeout=args.timeout)[name]
    print(kata_report(result, shown(impl), colour_on=use_colour()))
    return 0 if result.status == "done" else 1


def cmd_hint(args) -> int:
    from . import state
    from .ladder import climb

    impl = impl_dir(args)
    if args.kata:
        kata = kata_named(args.kata)
    else:
        name = _next(compute_status(impl, timeout=args.timeout))
        if name is None:
            print("All katas pass. No hints needed; `nn-kata hint KATA` still gives a kata's hints.")
            return 0
        kata = manifest.get(name)
    if args.reset:
        state.set_hints_shown(kata.name, 0)
        print(f"Hints for {kata.name} start again from the first.")
        return 0
    lines, code = climb(kata, impl, reveal=getattr(args, "reveal", False))
    print("\n".join(lines))
    return code


def cmd_reset(args) -> int:
    from .reset import reset_kata

    kata = kata_named(args.kata)
    impl = impl_dir(args)
    backup, what = reset_kata(kata.name, impl)
    if backup:
        print(f"Your version is saved as {backup}")
    print(f"{what}. Kata {kata.name} is back to its stub.")
    return 0


def cmd_restore(args) -> int:
    from .reset import restore_kata

    kata = kata_named(args.kata)
    impl = impl_dir(args)
    source, saved, what = restore_kata(kata.name, impl)
    if saved:
        print(f"Your current file is saved as {saved}")
    print(f"{what[0].upper()}{what[1:]} from {source}, the version `nn-kata reset {kata.name}` saved.")
    return 0


def cmd_watch(args) -> int:
    import threading

    from .display import use_colour
    from .runner import warm

    impl = impl_dir(args)
    changed = threading.Event()
    observer = _start_observer(impl, changed, poll=args.poll)
    on = use_colour()
    try:
        with warm():  # one process with the suite's imports done; each check forks from it
            return _watch_loop(args, impl, changed, on)
    except KeyboardInterrupt:
        print("\nStopped watching.")
        return 0
    finally:
        observer.stop()


def _watch_loop(args, impl: Path, changed, on: bool) -> int:
    """Check the kata in progress, then again after each save, until every kata is done."""
    from .display import kata_report

    checks = 0
    results = compute_status(impl, timeout=args.timeout)
    current = _next(results)
    while current is not None:
        print(f"\n── checking {current} ──", flush=True)
        result = compute_status(impl, [current], timeout=args.timeout)[current]
        checks += 1
        print(kata_report(result, shown(impl), colour_on=on), flush=True)
        if result.status == "done":
            results = compute_status(impl, timeout=args.timeout)
            current = _next(results)
            if current:
                print(f"\nOn to the next kata: {current}.", flush=True)
            continue
        if args.max_checks and checks >= args.max_checks:
            return 1
        print(f"\nWatching {shown(impl)} for changes (Ctrl-C to stop) ...", flush=True)
        while not changed.wait(0.2):
            pass
        time.sleep(0.15)  # let an editor finish writing before reading the file
        changed.clear()
    print("\nAll katas done. Well done.", flush=True)
    return 0


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


def cmd_examplar(args) -> int:
    """Your own tests against correct and buggy variants (``nn.examplar.session``): your own
    implementation is checked beside them, and the variants are built under ``.nn-kata/``."""
    from ..examplar.session import examine
    from .state import STATE_DIR

    return examine(args, compute_status, STATE_DIR)
