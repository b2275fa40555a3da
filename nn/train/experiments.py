"""The seed's initialisation lesson as an experiment: the same network (the learner's forward,
backward, update and loss) trained from zeros, unit variance, He and Glorot side by side,
with each layer's activation variance over the first steps, the four loss curves, and a
few plain sentences that read the result."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

SCHEMES = ("zeros", "unit", "he", "glorot")
LABELS = {"zeros": "zeros", "unit": "unit variance", "he": "He", "glorot": "Glorot"}
LN10 = math.log(10)


def initial_params(net, scheme: str, n_in: int, n_hidden: int, rng) -> tuple[dict, str]:
    """The starting parameters for one scheme, and where they came from. He and Glorot use
    the learner's own he_normal and glorot_uniform; a stub among them is stood in for."""
    shapes = {"W1": (n_hidden, n_in), "W2": (10, n_hidden)}
    params = {"b1": np.zeros((n_hidden, 1)), "b2": np.zeros((10, 1))}
    source = "the experiment"
    for key, (n_out, n_inputs) in shapes.items():
        if scheme == "zeros":
            params[key] = np.zeros((n_out, n_inputs))
        elif scheme == "unit":
            params[key] = rng.standard_normal((n_out, n_inputs))
        else:
            name = "he_normal" if scheme == "he" else "glorot_uniform"
            try:
                params[key] = np.asarray(net.impl.function(name)(n_out, n_inputs, rng), dtype=np.float64)
                source = f"your {name}"
            except NotImplementedError:
                from ..suite import oracles

                params[key] = getattr(oracles, name)(n_out, n_inputs, rng)
                source = f"a trusted {name} (yours is not written yet)"
    return params, source


def run_scheme(net, scheme: str, X, Y, steps: int, alpha: float, n_hidden: int, seed: int) -> dict:
    params, source = initial_params(net, scheme, X.shape[0], n_hidden, np.random.default_rng(seed))
    row = {"scheme": scheme, "source": source, "losses": [], "var_hidden": [], "var_logits": [],
           "dead_start": None, "dead_end": None, "stopped": "finished"}
    for step in range(steps + 1):
        A2, cache = net.forward(params, X)
        A1 = np.asarray(cache.get("A1", np.maximum(cache.get("Z1", 0.0), 0.0)))
        Z2 = np.asarray(cache.get("Z2", A2))
        row["var_hidden"].append(float(np.var(A1)))
        row["var_logits"].append(float(np.var(Z2)))
        dead = float(np.mean(np.all(A1 <= 0, axis=1)))
        row["dead_start"] = dead if row["dead_start"] is None else row["dead_start"]
        row["dead_end"] = dead
        if step == steps:
            break  # the last forward only measures
        with np.errstate(all="ignore"):
            loss = float(net.cross_entropy(A2, Y))
        row["losses"].append(loss)
        if not math.isfinite(loss):
            row["stopped"] = f"the loss became {loss} at step {step}"
            break
        params = net.update(params, net.backward(params, cache, X, Y), alpha)
    W1 = np.asarray(params["W1"])
    row["identical_hidden_units"] = bool(W1.shape[0] > 1 and np.all(W1 == W1[:1]))
    return row


def reading(rows: list, n_hidden: int, steps: int) -> list[str]:
    """What a practitioner would say about the four runs, one sentence each, then the verdict."""
    by = {r["scheme"]: r for r in rows}
    he_var = by.get("he", {}).get("var_hidden", [0])[0] or None
    out = []
    for r in rows:
        name, losses, vh = LABELS[r["scheme"]], r["losses"], r["var_hidden"]
        first = losses[0] if losses else float("nan")
        last = losses[-1] if losses else float("nan")
        if r["identical_hidden_units"]:
            text = (f"{name}: all {n_hidden} hidden units stay identical (gradient symmetry): every unit gets the "
                    f"same gradient, so W1's rows are still equal after {len(losses)} steps")
            if max(vh) == 0:
                text += "; the hidden activations' variance stays 0 and only the output bias learns"
        elif r["stopped"] != "finished":
            text = f"{name}: {r['stopped']}; the first loss was {first:.3g} against ln(10) = {LN10:.2f}"
        else:
            text = f"{name}: first loss {first:.3g} against ln(10) = {LN10:.2f}, {last:.3g} after {len(losses)} steps"
        if not r["identical_hidden_units"] and vh:
            ratio = f", {vh[0] / he_var:.3g} times He's" if he_var and r["scheme"] != "he" else ""
            text += (f"; hidden activation variance {vh[0]:.3g} at the start{ratio}, {vh[-1]:.3g} after "
                     f"{len(vh) - 1} steps")
        if r["dead_end"]:
            text += f"; {r['dead_end']:.0%} of hidden units dead (never active) at the end"
        out.append(text + ".")
    finished = [r for r in rows if r["losses"] and math.isfinite(r["losses"][-1])]
    if finished:
        best = min(finished, key=lambda r: r["losses"][-1])
        text = f"Lowest loss after {steps} steps: {LABELS[best['scheme']]} ({best['losses'][-1]:.3g})."
        hot = [LABELS[r["scheme"]] for r in rows if r["losses"] and r["losses"][0] > 2 * LN10]
        if hot:
            text += (f" A first loss far above ln(10) ({', '.join(hot)}) means the softmax starts saturated: "
                     "the activations are too large from the first step.")
        out.append(text)
    return out


def plots(rows: list, out: Path) -> list[str]:
    from .plots import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, title in ((axes[0], "var_hidden", "layer 1: variance of A1 (hidden, after ReLU)"),
                           (axes[1], "var_logits", "layer 2: variance of Z2 (logits)")):
        for r in rows:
            values = np.maximum(np.asarray(r[key], dtype=float), 1e-12)
            ax.plot(values, label=LABELS[r["scheme"]])
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(title, fontsize=10)
        ax.legend()
    fig.tight_layout()
    saved = [save_figure(fig, out / "activation_variance.png").name]
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        losses = np.asarray(r["losses"], dtype=float)
        ax.plot(np.where(np.isfinite(losses), losses, np.nan), label=LABELS[r["scheme"]])
    ax.axhline(LN10, color="grey", linestyle=":", label="ln(10)")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("loss from four initialisations")
    ax.legend()
    fig.tight_layout()
    saved.append(save_figure(fig, out / "loss_curves.png").name)
    return saved


def init_experiment(net, ds, *, steps: int, alpha: float, n_hidden: int, seed: int, out: Path,
                    with_plots: bool = True) -> tuple[list, list, list]:
    X = np.asarray(ds.X_train, dtype=np.float64)
    Y = np.zeros((10, X.shape[1]))
    Y[np.asarray(ds.y_train), np.arange(X.shape[1])] = 1.0
    rows = [run_scheme(net, s, X, Y, steps, alpha, n_hidden, seed) for s in SCHEMES]
    text = reading(rows, n_hidden, steps)
    out.mkdir(parents=True, exist_ok=True)
    (out / "init.json").write_text(json.dumps({"steps": steps, "alpha": alpha, "n_hidden": n_hidden, "seed": seed,
                                               "runs": rows, "reading": text}, indent=1, allow_nan=True))
    (out / "reading.txt").write_text("\n".join(text) + "\n")
    saved = ["init.json", "reading.txt"] + (plots(rows, out) if with_plots else [])
    return rows, text, saved
