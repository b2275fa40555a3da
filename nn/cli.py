"""The ``nn-kata`` command: status, check, hint, watch, reset and list for learners.

Imports stay light (no NumPy, no pytest) so that ``nn-kata status`` on an unchanged tree
answers from the cache in a fraction of a second; tests run in a separate process.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import manifest
from .impl import ImplementationError, resolve_impl_dir, shown


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
    return shown(impl)


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
    seen = state.hints_shown(kata.name)
    if args.reset:
        state.set_hints_shown(kata.name, 0)
        print(f"Hints for {kata.name} start again from the first.")
        return 0
    count = min(seen + 1, len(kata.hints))
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


# -- training --------------------------------------------------------------------------

def _load_data(args):
    """The data set to train on, said out loud; synthetic only when nothing real is there."""
    from . import data

    if args.dataset != "auto":
        try:
            return data.load(args.dataset, args.data, dtype=args.dtype, allow_download=not args.no_download)
        except data.DataError as exc:
            raise UsageError(str(exc)) from None
    if args.data:
        for name in ("mnist", "fashion-mnist"):
            try:
                return data.load(name, args.data, dtype=args.dtype, allow_download=False)
            except data.DataError:
                continue
        raise UsageError(f"--data {args.data}: no MNIST or Fashion-MNIST files there")
    for name in ("mnist", "fashion-mnist"):
        try:
            return data.load(name, dtype=args.dtype, allow_download=False)
        except data.DataError:
            continue
    if not args.no_download:
        try:
            print("MNIST is not on this machine; downloading it into", data.cache_dir() / "mnist", file=sys.stderr)
            return data.load("mnist", dtype=args.dtype)
        except data.DataError as exc:
            print(f"download failed: {exc}", file=sys.stderr)
    return data.synthetic(dtype=args.dtype)


def _network(args):
    from .training import Network

    impl = _impl(args)
    from .impl import Implementation

    try:
        return Network(Implementation(impl))
    except ImplementationError as exc:
        raise UsageError(f"{exc}\n(finish the katas first, or train the reference with --impl solutions)") from None


RECIPE_OPTIONS = ("alpha", "epochs", "batch_size", "dtype", "optimizer", "standardize", "decay")


def _options(args, default_iterations: int = 500):
    """The recipe's values, then the options given on the command line over them, then the
    defaults; the resolved values go back on args (the data loader reads args.dtype)."""
    from .recipes import RECIPES
    from .training import Options

    chosen = RECIPES[args.recipe][0] if args.recipe else {}
    defaults = Options()
    for name in RECIPE_OPTIONS:
        if getattr(args, name) is None:
            setattr(args, name, chosen.get(name, getattr(defaults, name)))
    if args.iterations is None:
        args.iterations = default_iterations
    if args.alpha <= 0 or args.iterations < 1 or args.epochs < 0 or args.batch_size < 0 or args.n_hidden < 1:
        raise UsageError("--alpha must be > 0, --iterations and --n-hidden >= 1, --epochs and --batch-size >= 0")
    return Options(alpha=args.alpha, iterations=args.iterations, epochs=args.epochs, batch_size=args.batch_size,
                   seed=args.seed, n_hidden=args.n_hidden, dtype=args.dtype, optimizer=args.optimizer,
                   standardize=args.standardize, decay=args.decay)


def _out_dir(args, dataset: str, kind: str) -> Path:
    out = Path(args.out) if args.out else Path("runs") / f"{kind}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _say_data(ds) -> None:
    if ds.synthetic:
        print("=" * 78)
        print("SYNTHETIC DATA: no MNIST or Fashion-MNIST files were found and none could be downloaded.")
        print("The numbers below are about generated shapes, not handwritten digits. Get the data with")
        print("--data DIR, NN_KATAS_DATA, or (Debian) apt-get install dataset-fashion-mnist.")
        print("=" * 78)
    print(f"data: {ds.name} from {ds.source}")


def cmd_train(args) -> int:
    import numpy as np

    from . import plots
    from .training import train

    net = _network(args)
    opts = _options(args)
    t0 = time.perf_counter()
    ds = _load_data(args)
    loading = time.perf_counter() - t0
    _say_data(ds)
    n_in = ds.X_train.shape[0]
    how = (f"{opts.epochs} epochs of mini-batches of {opts.batch_size}" if opts.epochs and opts.batch_size
           else f"{opts.epochs} full-batch epochs" if opts.epochs else f"{opts.iterations} full-batch steps")
    extras = "".join([f", {opts.optimizer}" if opts.optimizer != "sgd" else "",
                      ", standardized pixels" if opts.standardize else "", f", decay {opts.decay:g}" if opts.decay else ""])
    recipe = f" (recipe {args.recipe})" if args.recipe else ""
    print(f"training {n_in}-{opts.n_hidden}-10 with {_display(net.impl.path)}{recipe}: alpha {opts.alpha:g}, {how}"
          f"{extras}, {opts.dtype}, seed {opts.seed}")
    params, record = train(net, ds, opts)
    record.seconds_loading = loading
    out = _out_dir(args, ds.name, "train")
    np.savez(out / "params.npz", **{k: np.asarray(v) for k, v in params.items()})
    record.save(out / "run.json")
    if record.stopped.startswith("diverged"):
        print(f"stopped: {record.stopped[len('diverged: '):]}", file=sys.stderr)
        print(f"saved what there is in {out}/", file=sys.stderr)
        return 3
    if record.stopped != "finished":
        print(f"stopped early: {record.stopped}; saving what there is")
    print(f"train accuracy {record.train_accuracy:.4f}   test accuracy {record.test_accuracy:.4f}"
          + ("   (SYNTHETIC DATA)" if ds.synthetic else ""))
    print(f"time: training {record.seconds_training:.1f} s, loading {record.seconds_loading:.1f} s; "
          f"peak memory {record.peak_memory_mb:.0f} MB")
    saved = ["params.npz", "run.json"]
    if not args.no_plots:
        predictions = net.predict(params, ds.X_test)
        saved += [plots.learning_curve(record, out / "learning_curve.png").name,
                  plots.hidden_units(params["W1"], out / "hidden_units.png").name,
                  plots.confusion_matrix(ds.y_test, predictions, out / "confusion_matrix.png", ds.class_names).name,
                  plots.misclassified(ds.X_test, ds.y_test, predictions, out / "misclassified.png", ds.class_names).name]
    print(f"saved in {out}/: {', '.join(saved)}")
    return 0


def cmd_lr_sweep(args) -> int:
    import json

    import numpy as np

    from . import plots
    from .training import lr_sweep

    net = _network(args)
    opts = _options(args, default_iterations=100)
    ds = _load_data(args)
    _say_data(ds)
    if args.subset and args.subset < ds.X_train.shape[1]:
        ds.X_train, ds.y_train = ds.X_train[:, :args.subset], ds.y_train[:args.subset]
    try:
        alphas = [float(a) for a in args.alphas.split(",")] if args.alphas else list(np.logspace(-3, 1, 9))
    except ValueError:
        raise UsageError(f"--alphas {args.alphas!r}: give numbers separated by commas, like 0.01,0.1,1") from None
    print(f"sweeping {len(alphas)} learning rates, {opts.iterations} full-batch steps each on "
          f"{ds.X_train.shape[1]:,} examples")
    rows = lr_sweep(net, ds, alphas, opts)
    for r in rows:
        verdict = "DIVERGED" if r["diverged"] else f"final loss {r['final_loss']:.4f}, test accuracy {r['test_accuracy']:.4f}"
        print(f"  alpha {r['alpha']:<10.4g} {verdict}")
    out = _out_dir(args, ds.name, "lr-sweep")
    (out / "lr_sweep.json").write_text(json.dumps(rows, indent=1))
    plots.lr_sweep(rows, out / "lr_sweep.png", ds.name)
    print(f"saved in {out}/: lr_sweep.json, lr_sweep.png")
    return 0


# -- grading ---------------------------------------------------------------------------

def _grading_kwargs(args) -> dict:
    from .grading import SubmissionError, load_points

    try:
        points = load_points(args.points)
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None
    return dict(points=points, kata_timeout=args.kata_timeout, test_timeout=args.timeout,
                total_timeout=args.total_timeout, memory_mb=args.memory_mb)


def cmd_grade(args) -> int:
    import json

    from . import grading

    submission = Path(args.submission)
    if not submission.exists():
        raise UsageError(f"{submission}: no such file or directory")
    report = grading.grade(submission, **_grading_kwargs(args))
    print(grading.table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=1))
    if args.format == "gradescope":
        out = Path(args.out or "results.json")
        out.write_text(json.dumps(grading.gradescope(report), indent=1))
        print(f"wrote {out}")
    return 0


def cmd_grade_all(args) -> int:
    import json
    from concurrent.futures import ThreadPoolExecutor

    from . import grading
    from .progress import Progress
    from .state import _suite_digest

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory")
    submissions = sorted(p for p in root.iterdir() if p.is_dir() or p.name.lower().endswith((".zip", ".tar.gz", ".tgz")))
    if not submissions:
        raise UsageError(f"{root} holds no submissions (one directory, .zip or .tar.gz per student)")
    out = Path(args.out or root.parent / f"{root.name}-grades")
    out.mkdir(parents=True, exist_ok=True)
    kwargs = _grading_kwargs(args)
    suite = _suite_digest() + json.dumps(kwargs["points"], sort_keys=True)
    grading.expected_tests()  # collect once, before the workers start
    reports, todo = {}, []
    for sub in submissions:
        student = sub.name[: -len(".tar.gz")] if sub.name.endswith(".tar.gz") else sub.name.rsplit(".", 1)[0] if sub.is_file() else sub.name
        previous = out / f"{student}.json"
        if not args.force and previous.exists():
            try:
                data = json.loads(previous.read_text())
                if data.get("digest") == grading.submission_digest(sub) and data.get("suite") == suite:
                    reports[student] = grading.Report(**{k: v for k, v in data.items() if k != "suite"})
                    reports[student].katas = [grading.KataGrade(**k) for k in data["katas"]]
                    continue
            except (OSError, ValueError, TypeError):
                pass
        todo.append((student, sub))
    print(f"{len(submissions)} submissions: {len(todo)} to grade, {len(reports)} unchanged since the last run "
          f"(--force regrades them); {args.jobs} at a time")
    bar = Progress(len(todo))
    done = 0
    start = time.perf_counter()

    def one(item):
        student, sub = item
        report = grading.grade(sub, student=student, **kwargs)
        (out / f"{student}.json").write_text(json.dumps({**report.to_json(), "suite": suite}, indent=1))
        return student, report

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for student, report in pool.map(one, todo):
            reports[student] = report
            done += 1
            bar.update(done, f"{student}: {report.score:g}/{report.max_score:g}")
    bar.close()
    seconds = time.perf_counter() - start
    csv_path = Path(args.csv or out / "grades.csv")
    grading.write_csv(list(reports.values()), csv_path)
    rate = f", {len(todo) / seconds * 60:.0f} submissions per minute" if todo and seconds > 0 else ""
    print(f"graded {len(todo)} in {seconds:.1f} s{rate}; gradebook {csv_path}, reports in {out}/")
    return 0


def cmd_export(args) -> int:
    from .exporting import export

    dest = Path(args.directory)
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest} exists and is not empty")
    export(dest)
    print(f"wrote a student repository to {dest}/ (katas as stubs, tests, nn/, no solutions/)")
    print(f"  cd {dest} && python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/nn-kata")
    return 0


def cmd_autograder(args) -> int:
    from .exporting import github_classroom, gradescope_bundle

    if not args.gradescope and not args.github_classroom:
        raise UsageError("say what to build: --gradescope FILE.zip and/or --github-classroom DIR")
    if args.gradescope:
        path = gradescope_bundle(Path(args.gradescope), points_file=args.points)
        print(f"wrote the Gradescope autograder {path} (setup.sh, run_autograder and the grader's source)")
    if args.github_classroom:
        path = github_classroom(Path(args.github_classroom))
        print(f"wrote the GitHub Classroom workflow {path}")
    return 0


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
    training = argparse.ArgumentParser(add_help=False)
    training.add_argument("--data", metavar="DIR", help="a directory with the MNIST-format files")
    training.add_argument("--dataset", default="auto", choices=["auto", "mnist", "fashion-mnist", "synthetic"],
                          help="auto: MNIST if found, else Fashion-MNIST, else download MNIST, else synthetic")
    from .recipes import RECIPES

    training.add_argument("--recipe", choices=sorted(RECIPES),
                          help="a named set of the options below; any you also give wins. "
                          + "; ".join(f"{name}: {text}" for name, (_, text) in RECIPES.items()))
    # Defaults of None: _options tells an option given from one left to the recipe.
    training.add_argument("--alpha", type=float, help="learning rate (default 0.1, the seed's)")
    training.add_argument("--iterations", type=int, default=None,
                          help="full-batch steps (default 500 for train, 100 per rate for lr-sweep)")
    training.add_argument("--epochs", type=int, help="epochs instead of --iterations")
    training.add_argument("--batch-size", type=int, help="mini-batch size (default: the whole set)")
    training.add_argument("--seed", type=int, default=0)
    training.add_argument("--n-hidden", type=int, default=10)
    training.add_argument("--dtype", choices=["float64", "float32"], help="default float64")
    training.add_argument("--optimizer", choices=["sgd", "momentum", "adam"],
                          help="sgd (the default) is the seed's; momentum and adam reshape the gradient your "
                          "update() applies")
    training.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                          help="zero-mean, unit-variance pixels")
    training.add_argument("--decay", type=float, help="alpha / (1 + decay * epoch), default 0")
    training.add_argument("--out", metavar="DIR", help="where to save (default runs/KIND-DATASET-TIME)")
    training.add_argument("--no-download", action="store_true", help="never download; fall back to synthetic data")
    p = sub.add_parser("train", parents=[common, training], help="train the network with your functions on real digits")
    p.add_argument("--no-plots", action="store_true")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("lr-sweep", parents=[common, training], help="final loss against log-spaced learning rates")
    p.add_argument("--alphas", help="comma-separated learning rates (default: 9 from 1e-3 to 10)")
    p.add_argument("--subset", type=int, default=10000, help="train on the first N examples (default 10000)")
    p.set_defaults(func=cmd_lr_sweep)
    grading_opts = argparse.ArgumentParser(add_help=False)
    grading_opts.add_argument("--points", metavar="TOML", help="a TOML file with a [points] table overriding the manifest")
    grading_opts.add_argument("--kata-timeout", type=float, default=60.0, help="seconds one kata may take (default 60)")
    grading_opts.add_argument("--total-timeout", type=float, default=300.0, help="seconds one submission may take (default 300)")
    grading_opts.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of the grading process")
    p = sub.add_parser("grade", parents=[common, grading_opts], help="grade one submission (a directory, .zip or .tar.gz)")
    p.add_argument("submission")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--format", choices=["table", "gradescope"], default="table")
    p.add_argument("--out", metavar="FILE", help="with --format gradescope: where to write results.json")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("grade-all", parents=[common, grading_opts], help="grade every submission in a directory, in parallel")
    p.add_argument("directory")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--csv", metavar="FILE", help="the gradebook (default DIR-grades/grades.csv)")
    p.add_argument("--out", metavar="DIR", help="where the per-student JSON reports go (default DIR-grades/)")
    p.add_argument("--force", action="store_true", help="regrade submissions that have not changed")
    p.set_defaults(func=cmd_grade_all)
    p = sub.add_parser("export", parents=[common], help="write a starter repository for students, without solutions/")
    p.add_argument("directory")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("autograder", parents=[common], help="build a Gradescope autograder or a GitHub Classroom workflow")
    p.add_argument("--gradescope", metavar="FILE.zip")
    p.add_argument("--github-classroom", metavar="DIR", help="a repository to add .github/workflows/classroom.yml to")
    p.add_argument("--points", metavar="TOML")
    p.set_defaults(func=cmd_autograder)
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
