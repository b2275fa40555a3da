"""The training commands: ``nn-kata train`` and ``nn-kata lr-sweep``."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..impl import ImplementationError, shown
from ..usage import UsageError, impl_dir


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
    from .trainer import Network

    impl = impl_dir(args)
    from ..impl import Implementation

    try:
        return Network(Implementation(impl))
    except ImplementationError as exc:
        raise UsageError(f"{exc}\n(finish the katas first, or train the reference with --impl solutions)") from None


RECIPE_OPTIONS = ("alpha", "epochs", "batch_size", "dtype", "optimizer", "standardize", "decay")


def _options(args, default_iterations: int = 500):
    """The recipe's values, then the options given on the command line over them, then the
    defaults; the resolved values go back on args (the data loader reads args.dtype)."""
    from .recipes import RECIPES
    from .trainer import Options

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
    from .trainer import train

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
    print(f"training {n_in}-{opts.n_hidden}-10 with {shown(net.impl.path)}{recipe}: alpha {opts.alpha:g}, {how}"
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
    if record.reading.get("lines"):
        print("reading the run:")
        print("\n".join(f"  {line}" for line in record.reading["lines"]))
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
    from .trainer import lr_sweep

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


def cmd_experiment(args) -> int:
    """``nn-kata experiment init`` (the initialisation lesson) and ``experiment lr`` (the sweep)."""
    if args.which == "lr":
        args.subset = 10000 if args.subset is None else args.subset
        return cmd_lr_sweep(args)
    from .experiments import init_experiment

    net = _network(args)
    if args.alpha is None:
        args.alpha = 0.1
    if args.iterations is None:
        args.iterations = 50
    if args.alpha <= 0 or args.iterations < 1 or args.n_hidden < 1:
        raise UsageError("--alpha must be > 0, --iterations and --n-hidden >= 1")
    ds = _load_data(args)
    _say_data(ds)
    subset = 2000 if args.subset is None else args.subset
    if subset and subset < ds.X_train.shape[1]:
        ds.X_train, ds.y_train = ds.X_train[:, :subset], ds.y_train[:subset]
    print(f"initialisation: zeros, unit variance, He and Glorot, {args.iterations} full-batch steps each on "
          f"{ds.X_train.shape[1]:,} examples, alpha {args.alpha:g}, with {shown(net.impl.path)}")
    out = _out_dir(args, ds.name, "init")
    try:
        rows, text, saved = init_experiment(net, ds, steps=args.iterations, alpha=args.alpha, n_hidden=args.n_hidden,
                                            seed=args.seed, out=out, with_plots=not args.no_plots)
    except NotImplementedError as exc:
        raise UsageError(f"{exc}\n(the experiment uses your forward, backward, update and cross_entropy: finish "
                         "those katas first, or run it with --impl solutions)") from None
    for row in rows:
        if not row["source"].startswith("the experiment"):
            print(f"  {row['scheme']}: weights from {row['source']}")
    print()
    print("\n".join(text))
    print(f"\nsaved in {out}/: {', '.join(saved)}")
    return 0
