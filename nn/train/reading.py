"""``nn-kata train`` reads its own run, as a practitioner would, in a few lines at the end
(and in run.json under "reading"): the first loss against ln(10), the hidden units that
are dead (never active on a sample) at the start and at the end, the size of each layer's
update against its weights, and whether the training loss is still falling."""
from __future__ import annotations

import math

import numpy as np

LN10 = math.log(10)
LAYERS = (("W1", "layer 1 (W1)"), ("W2", "layer 2 (W2)"))


def dead_fraction(cache: dict) -> float | None:
    """The fraction of hidden units that are 0 for every example of the batch."""
    A1 = cache.get("A1") if isinstance(cache, dict) else None
    if A1 is None:
        return None
    A1 = np.asarray(A1)
    return float(np.mean(np.all(A1 <= 0, axis=1))) if A1.ndim == 2 and A1.size else None


def snapshot(params: dict) -> dict:
    """Copies of the weights before an update (which may happen in place)."""
    return {k: np.array(params[k], dtype=np.float64) for k, _ in LAYERS if k in params}


def update_ratios(before: dict, params: dict) -> dict:
    """|W_after - W_before| / |W_before| per layer (Frobenius norms)."""
    out = {}
    for key, _ in LAYERS:
        if key in before and key in params:
            old = before[key]
            norm = float(np.linalg.norm(old))
            step = float(np.linalg.norm(np.asarray(params[key], dtype=np.float64) - old))
            out[key] = step / norm if norm > 0 else (math.inf if step > 0 else 0.0)
    return out


def still_falling(losses: list) -> tuple[bool | None, float]:
    """Compares the mean loss of the last tenth of the run with the tenth before it: a
    relative drop above 0.5% counts as still falling. None when the run is too short."""
    n = len(losses)
    if n < 20:
        return None, 0.0
    k = max(2, n // 10)
    prev, last = float(np.mean(losses[-2 * k:-k])), float(np.mean(losses[-k:]))
    drop = (prev - last) / abs(prev) if prev else 0.0
    return drop > 0.005, drop


def read_run(losses: list, probes: dict, n_classes: int = 10) -> dict:
    """The reading as data (for run.json) and as sentences (``lines``)."""
    lines, data = [], {}
    if losses:
        first, expected = float(losses[0]), math.log(n_classes)
        data["initial_loss"], data["expected_initial_loss"] = first, expected
        if not math.isfinite(first):
            verdict = "not finite: the loss or softmax is unstable"
        elif abs(first - expected) <= 0.25 * expected:
            verdict = "as expected for small random weights: every class about equally likely"
        elif first > expected:
            verdict = "high: the network starts confidently wrong (weights too large, or an unscaled input)"
        else:
            verdict = "low: suspicious at the start (labels leaking, or a loss that is not averaged)"
        lines.append(f"initial loss {first:.3f} against ln({n_classes}) = {expected:.2f}: {verdict}")
    start, end = probes.get("dead_start"), probes.get("dead_end")
    if start is not None or end is not None:
        data["dead_relu_start"], data["dead_relu_end"] = start, end
        fmt = lambda v: "n/a" if v is None else f"{v:.0%}"  # noqa: E731
        warn = " (a unit dead on every example gets no gradient and never comes back)" if (end or 0) > 0.2 else ""
        lines.append(f"dead ReLU units: {fmt(start)} at the start, {fmt(end)} at the end{warn}")
    ratios = probes.get("update_ratios") or []
    if ratios:
        data["update_to_weight"] = ratios
        parts = []
        for key, label in LAYERS:
            values = [r[key] for r in ratios if key in r and math.isfinite(r[key])]
            if values:
                median = float(np.median(values))
                note = "large: steps may overshoot" if median > 1e-2 else "small: learning slowly" if median < 1e-4 \
                    else "in the usual range (1e-4 to 1e-2, typically near 1e-3)"
                parts.append(f"{label} {median:.1e}, {note}")
        if parts:
            lines.append("update / weight per step (median): " + "; ".join(parts))
    falling, drop = still_falling(losses)
    data["still_falling"] = falling
    if falling is not None:
        moved = f"fell {drop:.1%}" if drop >= 0 else f"rose {-drop:.1%}"
        lines.append(f"training loss still falling: {'yes' if falling else 'no'} (it {moved} from the tenth of the "
                     f"run before the last to the last){'; more steps would help' if falling else ''}")
    data["lines"] = lines
    return data
