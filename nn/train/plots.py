"""The pictures: learning curve, learning-rate sweep, hidden units, confusion matrix and
misclassified digits. Saved as PNG, and shown inline when running inside a notebook."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def pyplot():
    import matplotlib

    if not _in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
    except Exception:  # no IPython: a script or a terminal
        return False


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    if _in_notebook():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    pyplot().close(fig)
    return path


def learning_curve(record, path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(record.iterations, record.losses, color="tab:blue", lw=1, label="training loss")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy loss", color="tab:blue")
    ax.set_yscale("log")
    if record.evals:
        ax2 = ax.twinx()
        steps = [e["step"] for e in record.evals]
        ax2.plot(steps, [e["train_accuracy"] for e in record.evals], color="tab:green", label="train accuracy")
        ax2.plot(steps, [e["test_accuracy"] for e in record.evals], color="tab:orange", label="test accuracy")
        ax2.set_ylabel("accuracy")
        ax2.set_ylim(0, 1)
        ax2.legend(loc="center right")
    title = f"{record.dataset}: alpha {record.options['alpha']:g}"
    if record.test_accuracy is not None:
        title += f", test accuracy {record.test_accuracy:.3f}"
    ax.set_title(("SYNTHETIC DATA - " if record.synthetic else "") + title)
    fig.tight_layout()
    return save_figure(fig, path)


def lr_sweep(rows, path, dataset: str = "") -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    alphas = np.array([r["alpha"] for r in rows])
    finals = np.array([r["final_loss"] if not r["diverged"] and np.isfinite(r["final_loss"]) else np.nan for r in rows])
    ax.plot(alphas, finals, "o-", color="tab:blue", label="final training loss")
    top = np.nanmax(finals) * 1.2 if np.any(np.isfinite(finals)) else 3.0
    bad = [r["alpha"] for r in rows if r["diverged"]]
    if bad:
        ax.scatter(bad, [top] * len(bad), marker="x", s=80, color="tab:red", label="diverged", zorder=3)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate alpha (log scale)")
    ax.set_ylabel("final loss")
    ax.set_title(f"learning-rate sweep {dataset}".strip())
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def hidden_units(W1, path, side: int = 28) -> Path:
    """Each hidden unit's incoming weights W1[i] drawn as a 28x28 image."""
    plt = pyplot()
    W1 = np.asarray(W1)
    n = W1.shape[0]
    cols = min(n, 5)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2.2 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n and W1.shape[1] == side * side:
            w = W1[i].reshape(side, side)
            lim = np.abs(w).max() or 1.0
            ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(f"unit {i}", fontsize=9)
    fig.suptitle("hidden units: W1[i] as 28x28 (red positive, blue negative)")
    fig.tight_layout()
    return save_figure(fig, path)


def confusion_matrix(y_true, y_pred, path, class_names=None) -> Path:
    plt = pyplot()
    k = 10
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(cm, cmap="Blues")
    names = class_names or [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    acc = np.trace(cm) / max(1, cm.sum())
    ax.set_title(f"confusion matrix on the test set (accuracy {acc:.3f})")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return save_figure(fig, path)


def misclassified(X, y_true, y_pred, path, class_names=None, count: int = 24) -> Path:
    plt = pyplot()
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))[:count]
    names = class_names or [str(i) for i in range(10)]
    cols = 6
    rows = int(np.ceil(count / cols))  # a fixed grid, so every run's picture has the same size
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(np.asarray(X[:, i]).reshape(28, 28), cmap="gray_r")
        ax.set_title(f"pred {names[y_pred[i]]}\ntrue {names[y_true[i]]}", fontsize=8)
    fig.suptitle(f"misclassified test images ({len(wrong)} shown)")
    fig.tight_layout()
    return save_figure(fig, path)
