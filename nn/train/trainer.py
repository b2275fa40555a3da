"""Training the seed's network with an implementation's own functions, on real or synthetic
data: full-batch gradient descent as in the seed, or mini-batches; progress, a clean stop on
Ctrl-C, divergence caught at once, and a run record on disk."""
from __future__ import annotations

import json
import math
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..impl import Implementation
from ..progress import Progress


class Diverged(Exception):
    """The loss became NaN or infinite, or ran away: training stops with the likely cause."""


@dataclass
class Options:
    alpha: float = 0.1
    iterations: int = 500  # full-batch steps (the seed's recipe) when epochs is 0
    epochs: int = 0
    batch_size: int = 0  # 0: the whole training set
    seed: int = 0
    n_hidden: int = 10
    dtype: str = "float64"
    eval_every: int = 0  # 0: about 50 evaluations per run
    optimizer: str = "sgd"  # sgd (the seed's), momentum or adam: each turns gradients into the step update() takes
    standardize: bool = False  # scale each pixel to zero mean and unit variance over the training set
    decay: float = 0.0  # alpha / (1 + decay * epoch)


@dataclass
class Record:
    options: dict
    dataset: str
    source: str
    synthetic: bool
    impl: str
    iterations: list = field(default_factory=list)  # step number of each recorded loss
    losses: list = field(default_factory=list)
    evals: list = field(default_factory=list)  # {"step", "train_accuracy", "test_accuracy"}
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    seconds_loading: float = 0.0
    seconds_training: float = 0.0
    peak_memory_mb: float = 0.0
    stopped: str = "finished"
    reading: dict = field(default_factory=dict)  # the run read back: see nn/train/reading.py

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))


class Network:
    """The implementation's functions, looked up once."""

    def __init__(self, impl: Implementation):
        self.impl = impl
        fn = impl.function
        self.init_params, self.forward, self.backward = fn("init_params"), fn("forward"), fn("backward")
        self.update, self.cross_entropy, self.one_hot = fn("update"), fn("cross_entropy"), fn("one_hot")

    def predict(self, params, X, chunk: int = 10000) -> np.ndarray:
        out = [np.argmax(self.forward(params, X[:, s:s + chunk])[0], axis=0) for s in range(0, X.shape[1], chunk)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def accuracy(self, params, X, labels) -> float:
        return float(np.mean(self.predict(params, X) == labels))


def _divergence_message(loss: float, step: int, alpha: float, first: float) -> str:
    if not math.isfinite(loss):
        return (f"the loss became {loss} at step {step}. Likely causes: the learning rate alpha={alpha:g} is too high, "
                "or softmax/cross-entropy is not numerically stable (subtract the column max before exp; take the "
                "log only where Y is 1). Check with: nn-kata check softmax, nn-kata check loss")
    return (f"the loss rose from {first:.4g} to {loss:.4g} by step {step}: training is diverging. "
            f"Try a smaller learning rate than alpha={alpha:g} (nn-kata lr-sweep shows where it breaks).")


class Optimizer:
    """Turns the gradients backward() gives into the step that the learner's update() takes,
    so that every optimizer still goes through the learner's own update function."""

    def __init__(self, kind: str, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        if kind not in ("sgd", "momentum", "adam"):
            raise ValueError(f"unknown optimizer {kind!r}: sgd, momentum or adam")
        self.kind, self.beta1, self.beta2, self.eps = kind, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, grads: dict) -> dict:
        if self.kind == "sgd":
            return grads
        self.t += 1
        out = {}
        for k, g in grads.items():
            m = self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
            if self.kind == "momentum":
                out[k] = m / (1 - self.beta1 ** self.t)
                continue
            v = self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g * g
            out[k] = (m / (1 - self.beta1 ** self.t)) / (np.sqrt(v / (1 - self.beta2 ** self.t)) + self.eps)
        return out


def standardize(X: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel (row) to zero mean and unit variance over the training set, both sets scaled
    alike. Statistics are sums over the training set, without an (n, m) temporary: X.std makes
    two, and on a fresh allocation of hundreds of MB the page faults alone take most of a second."""
    m = X.shape[1]
    mean = X.sum(axis=1, dtype=np.float64) / m  # (n,)
    mean_sq = np.einsum("ij,ij->i", X, X, dtype=np.float64) / m  # (n,)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))  # (n,)
    scale = 1.0 / (std + 0.1)  # the floor keeps blank border pixels at ~0 rather than blowing up their noise

    def scaled(A):
        A = np.subtract(A, mean[:, None].astype(A.dtype), order="K")  # a copy: the data set is not ours to change
        A *= scale[:, None].astype(A.dtype)
        return A

    return scaled(X), scaled(X_test)


def train(net: Network, data, opts: Options, progress: bool = True) -> tuple[dict, Record]:
    """Train and return (params, record). KeyboardInterrupt ends training early, not the run."""
    start = time.perf_counter()  # preparing the data counts as training time
    dtype = np.dtype(opts.dtype)
    X, y = data.X_train.astype(dtype, copy=False), data.y_train
    Xt, yt = data.X_test.astype(dtype, copy=False), data.y_test
    if opts.standardize:
        X, Xt = standardize(X, Xt)
    optimizer = Optimizer(opts.optimizer)
    rng = np.random.default_rng(opts.seed)
    params = {k: np.asarray(v, dtype=dtype) for k, v in net.init_params(rng, X.shape[0], opts.n_hidden, 10).items()}
    Y = np.asarray(net.one_hot(y, 10), dtype=dtype)
    m = X.shape[1]
    batch = opts.batch_size if 0 < opts.batch_size < m else m
    steps_per_epoch = math.ceil(m / batch)
    total = opts.epochs * steps_per_epoch if opts.epochs else opts.iterations
    # About 20 evaluations a run (one per epoch with mini-batches); train accuracy on a fixed
    # sample of at most 10,000 examples along the way, on all of them at the end.
    eval_every = opts.eval_every or (steps_per_epoch if opts.epochs else max(1, total // 20))
    sample = rng.choice(m, size=min(m, 10000), replace=False) if m > 10000 else slice(None)
    X_sample, y_sample = X[:, sample], y[sample]
    record = Record(options=asdict(opts), dataset=data.name, source=data.source, synthetic=data.synthetic,
                    impl=str(net.impl.path))
    from . import reading

    probes: dict = {"update_ratios": []}
    bar = Progress(total, enabled=progress)
    first_loss = None
    step = 0
    order = np.arange(m)
    try:
        while step < total:
            if batch < m and step % steps_per_epoch == 0:
                order = rng.permutation(m)
            s = (step % steps_per_epoch) * batch
            if batch < m:
                idx = np.sort(order[s:s + batch])  # sorted: the columns are read in memory order
                Xb, Yb = X[:, idx], Y[:, idx]
            else:
                Xb, Yb = X, Y
            A2, cache = net.forward(params, Xb)
            loss = float(net.cross_entropy(A2, Yb))
            first_loss = loss if first_loss is None else first_loss
            if not math.isfinite(loss) or (step > 10 and loss > 3 * first_loss + 1):
                raise Diverged(_divergence_message(loss, step, opts.alpha, first_loss))
            alpha = opts.alpha / (1.0 + opts.decay * (step // steps_per_epoch))
            if step == 0:
                probes["dead_start"] = reading.dead_fraction(cache)
            measure = step % max(1, total // 50) == 0 or step == total - 1
            before = reading.snapshot(params) if measure else None
            params = net.update(params, optimizer.step(net.backward(params, cache, Xb, Yb)), alpha)
            if measure:
                probes["update_ratios"].append({"step": step, **reading.update_ratios(before, params)})
            step += 1
            record.iterations.append(step - 1)
            record.losses.append(loss)
            if step % eval_every == 0 or step == total:
                record.evals.append({"step": step, "train_accuracy": net.accuracy(params, X_sample, y_sample),
                                     "test_accuracy": net.accuracy(params, Xt, yt)})
            bar.update(step, f"loss {loss:.4f}" + (f"  test acc {record.evals[-1]['test_accuracy']:.3f}" if record.evals else ""))
    except KeyboardInterrupt:
        record.stopped = f"interrupted at step {step} of {total}"
    except Diverged as exc:
        record.stopped = f"diverged: {exc}"
    finally:
        bar.close()
    record.seconds_training = time.perf_counter() - start
    if record.stopped == "finished" or record.stopped.startswith("interrupted"):
        record.train_accuracy = net.accuracy(params, X, y)
        record.test_accuracy = net.accuracy(params, Xt, yt)
    if record.losses and not record.stopped.startswith("diverged"):
        try:
            probes["dead_end"] = reading.dead_fraction(net.forward(params, X_sample)[1])
        except Exception:  # a reading never costs a run
            probes["dead_end"] = None
    record.reading = reading.read_run(record.losses, probes)
    record.peak_memory_mb = peak_memory_mb()
    return params, record


def peak_memory_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM starts afresh at exec, unlike
    ru_maxrss, which can carry the peak of the parent that forked us."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lr_sweep(net: Network, data, alphas, opts: Options) -> list[dict]:
    """Train once per learning rate; each row: alpha, final loss, test accuracy, diverged."""
    rows = []
    for alpha in alphas:
        run_opts = Options(**{**asdict(opts), "alpha": float(alpha)})
        params, record = train(net, data, run_opts, progress=False)
        diverged = record.stopped.startswith("diverged")
        rows.append({"alpha": float(alpha), "final_loss": record.losses[-1] if record.losses else float("nan"),
                     "test_accuracy": record.test_accuracy, "diverged": diverged, "losses": record.losses})
    return rows
