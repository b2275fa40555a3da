"""Known misconceptions: each has a fingerprint (how a wrong answer relates to the right
one) and a hint. Assertion helpers call :func:`diagnose` on every wrong value, and the
suite attaches the misconception's id to the failure so tools can count and show it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Misconception:
    id: str
    title: str
    hint: str


_TABLE = [
    Misconception("not-started", "not started", "This function still raises NotImplementedError: replace the TODO with your code."),
    Misconception("returned-none", "nothing returned", "The function returned None. It probably computes the answer but is missing a `return`."),
    Misconception("mutates-input", "argument modified in place",
                  "The function changed an array it was given: an assignment into it, or an in-place operator "
                  "such as -= or *= on it. The caller still needs that array: compute the result as a new array "
                  "(or work on a copy)."),
    Misconception("bias-vector", "a (n,) vector where a (n, 1) column belongs",
                  "Biases and their gradients are columns of shape (n, 1). A (n,) vector broadcasts along the wrong "
                  "axis without any error. Which line dropped the second axis? A reduction drops the axis it runs "
                  "over unless it is told to keep it (keepdims)."),
    Misconception("silent-broadcast", "silent broadcasting",
                  "NumPy broadcast two arrays into a bigger one instead of raising: a (n,) vector met a (n, 1) column, "
                  "or a (m, 1) met a (m,). Write the expected shape next to each line and compare."),
    Misconception("scalar-sum", "summed over every axis",
                  "A single number came back where a column was expected: np.sum without axis adds up the whole "
                  "array. Which axis runs over the examples, and how do you sum it away while keeping one entry "
                  "per unit, as a column?"),
    Misconception("transposed", "the transpose of the right answer",
                  "The result is the transpose of the right one. With square shapes (W2 is 10x10, or m == n) a missing "
                  "or extra .T never raises. Each example is a column: check which factor goes on which side of @."),
    Misconception("wrong-axis", "normalised or reduced along the wrong axis",
                  "Examples are columns, classes are rows, and this reduction ran along the other axis. Write the "
                  "shape of the array and of the result you want next to the line: which axis runs over the "
                  "classes, and which over the examples?"),
    Misconception("global-max", "a max not taken per column",
                  "One shift for the whole array (or one per row) is not enough: a column far below it underflows "
                  "to all zeros and 0/0 gives NaN. Softmax is unchanged by a shift of one column alone: which shift, "
                  "chosen for each column on its own, keeps that column's exponents finite and not all zero?"),
    Misconception("factor-m", "off by exactly a factor m",
                  "Off by exactly the batch size m. The mean over the m examples is taken once: in the loss, and so "
                  "in the gradients of the parameters, dW and db. The gradients with respect to Z and A_prev are per "
                  "example and carry no 1/m. Go back over each line: which are means over the examples, which are not?"),
    Misconception("factor-k", "averaged over k*m entries",
                  "Off by exactly the number of classes k: the loss is a mean over the m examples (columns), "
                  "not np.mean over all k*m entries."),
    Misconception("sign-flipped", "sign flipped",
                  "Right size, wrong sign. Re-derive the sign: the loss is minus a log, so follow that minus through "
                  "the chain rule; and a step of gradient descent goes against the gradient, downhill."),
    Misconception("overflow", "overflow or NaN",
                  "The result has inf or NaN. exp of a logit near 1000 overflows, and inf / inf is NaN: which "
                  "constant can a column be shifted by without changing its softmax, so that no exponent overflows? "
                  "For the loss, 0 * log(0) is NaN: only take the log where Y is 1."),
    Misconception("relu-mask", "wrong ReLU mask",
                  "Right where the hidden unit was active, wrong where Z <= 0: the mask is read from the wrong array. "
                  "Which units were active is decided by this layer's own pre-activation, the input of its ReLU: "
                  "not A2, not dA, not another layer's Z; and the derivative is 0 at exactly Z == 0."),
    Misconception("kink-at-zero", "derivative at 0",
                  "At exactly Z == 0 this kata takes ReLU's derivative to be 0, but your mask lets the gradient "
                  "through there: check which comparison builds the mask."),
    Misconception("zero-init", "all-zero weights",
                  "Zero weights make every hidden unit compute the same thing, and the gradients keep them identical "
                  "forever. Draw them at random from the Generator."),
    Misconception("unit-variance", "variance 1 instead of 2/n_in",
                  "The weights have variance about 1, so the activations grow with n_in from layer to layer. He "
                  "initialisation asks for variance 2 / n_in, and rng.normal's scale is a standard deviation: "
                  "which scale gives that variance?"),
    Misconception("variance-as-std", "variance passed as the standard deviation",
                  "The standard deviation came out as 2/n_in, the variance asked for: rng.normal takes the standard "
                  "deviation as scale, not the variance. Which standard deviation gives variance 2/n_in?"),
    Misconception("lecun-variance", "variance 1/n_in instead of 2/n_in",
                  "The variance is 1/n_in (LeCun/Xavier). He initialisation for ReLU doubles it: 2/n_in, because "
                  "ReLU zeroes half of the signal."),
    Misconception("wrong-distribution", "wrong distribution",
                  "The draws do not follow the distribution asked for: he_normal is Gaussian (rng.normal), "
                  "glorot_uniform is uniform (rng.uniform) on [-a, a]."),
    Misconception("global-rng", "numpy's global random state",
                  "The function used np.random.* (the global state). Use only the Generator passed in as rng, so "
                  "that a seed reproduces a run."),
    Misconception("ignores-rng", "not reproducible from the Generator",
                  "The same seed gave different weights, or different seeds gave the same ones: every draw must come "
                  "from the rng argument, not from np.random.* (numpy's global state) and not from a new Generator."),
    Misconception("forward-difference", "one-sided differences",
                  "The estimate is only accurate to O(h): a one-sided difference. Write the Taylor series of f "
                  "around x[i] to the h^2 term: which two evaluations of f, combined, cancel that term?"),
    Misconception("not-restored", "x not restored",
                  "x was left changed: after nudging an entry, put back exactly the value it had."),
    Misconception("copies-x", "perturbed a copy of x",
                  "f must see the nudged value. Perturb x itself (x[i] += h), call f, and restore it; a copy does not "
                  "reach a function that reads x through a closure (like a loss of params['W1']). x.reshape(-1) and "
                  "x.ravel() are copies when x is not C-contiguous (a transpose, a slice, Fortran order): index x "
                  "itself with np.ndindex or x.flat."),
    Misconception("dtype", "wrong dtype",
                  "The result has the wrong dtype. float64 in gives float64 out (a float32 result loses half the digits); "
                  "one-hot targets and parameters are float64, predictions are integers."),
    Misconception("missing-update", "a parameter was not updated",
                  "Every parameter takes a step: W1, b1, W2 and b2, each with its own gradient."),
    Misconception("max-vs-maximum", "np.max where np.maximum belongs",
                  "np.max(Z, 0) reduces Z along axis 0: one number per column, not one per entry. ReLU compares "
                  "each entry with 0 on its own: which NumPy function takes the larger of two arrays (or of an array "
                  "and a number), element by element?"),
    Misconception("missing-upstream", "the local derivative alone",
                  "You returned ReLU's local derivative by itself. The chain rule combines it with the gradient "
                  "flowing in from above, dA: how do dL/dA and dA/dZ make dL/dZ, entry by entry?"),
    Misconception("symmetric-units", "hidden units start identical",
                  "Several hidden units start with the same weights, so they compute the same thing and receive the same "
                  "gradient forever. Draw every weight independently."),
    Misconception("extra-dimension", "the right numbers in the wrong shape",
                  "The numbers are right but the array has an extra or missing axis, e.g. (1, m) where (m,) is expected. "
                  "Drop keepdims=True, or reshape to the documented shape."),
    Misconception("num-classes", "number of classes taken from the data",
                  "The number of rows is num_classes, not labels.max() + 1: a batch that happens to lack the last "
                  "classes must still give (num_classes, m)."),
    Misconception("two-h", "divided by h instead of 2h",
                  "The estimate is twice the gradient: the difference of the two values of f is divided by the "
                  "wrong distance. How far apart are the two points where you evaluate f?"),
    Misconception("relative-error-formula", "another relative-error formula",
                  "This is another measure than the docstring's: it is taken over the whole arrays at once, with "
                  "norms, not as a ratio per entry. Re-read what the scale must do: zero only when both arrays are, "
                  "and bound the ratio by 1 (the triangle inequality says by which sum)."),
    Misconception("missing-softmax", "softmax left out",
                  "A2 must be probabilities, columns that sum to 1: these columns are raw scores. The output "
                  "layer's activation is missing."),
    Misconception("missing-relu", "ReLU left out",
                  "A1 is the hidden layer's activation, not its pre-activation Z1: the cache needs both."),
    Misconception("max-not-argmax", "max instead of argmax",
                  "predict returns a class, the row index of the largest probability in each column, not the "
                  "probability itself: which reduction gives the position of the largest entry rather than its value?"),
    Misconception("loss-after-update", "loss recorded after the update",
                  "Record the loss of the forward pass you just made, before the update: losses[0] is the loss of the "
                  "initial parameters."),
    Misconception("shape-error", "arrays whose shapes do not fit",
                  "NumPy refused to combine two arrays. Write each operand's shape next to the line: (n, m) @ (m, k) "
                  "needs the inner sizes to agree, and a missing or extra .T is the usual cause."),
    Misconception("argument-order", "parameters in another order than the docstring's",
                  "The result is what the right formula gives with two arguments swapped. The docstring's order is the "
                  "contract (the training code calls these functions positionally): relu_backward(dA, Z), "
                  "linear_backward(dZ, A_prev, W), update(params, grads, alpha)."),
    Misconception("int-buffer", "the result written into an integer array",
                  "An integer input gave truncated values: the result went into an array that took the input's integer "
                  "dtype (np.zeros_like(Z), np.empty_like, or an in-place += on an integer array). Build the result "
                  "from the computation itself, or allocate it as float."),
    Misconception("num-classes-ignored", "num_classes ignored",
                  "The number of rows is always 10: num_classes is an argument, use it (np.zeros((num_classes, m)))."),
    Misconception("index-overflow", "index arithmetic in a small integer dtype",
                  "Labels stored as uint8 or uint16 (as MNIST stores them) overflow when you compute with them: "
                  "labels * m wraps around. Index with the labels directly (Y[labels, np.arange(m)] = 1), or convert "
                  "them first with labels.astype(np.intp)."),
    Misconception("log-eps", "a floor added inside the log",
                  "log(A + eps) or clip(A, eps, 1 - eps) changes the loss wherever the true class has a small "
                  "probability, and makes a certain, right answer cost more than 0. Take the log only where Y is 1."),
    Misconception("bias-row", "the bias added as a row",
                  "The bias was added along a row instead of down the columns: b.T, b.ravel() or a (n,) vector broadcast "
                  "to (1, n). b is a (n, 1) column: W @ A_prev + b adds b[i] to every entry of row i."),
    Misconception("m-wrong-axis", "m read from the wrong axis",
                  "The average is over the wrong count: m is the number of examples, the number of columns "
                  "(X.shape[1], dZ.shape[1]), not the number of rows."),
    Misconception("tuple-order", "the results returned in another order",
                  "The values are right but come back in another order than the docstring's: forward returns "
                  "(A2, cache), linear_backward returns (dW, db, dA_prev), train returns (params, losses)."),
    Misconception("ignores-argument", "an argument's value is not used",
                  "The result does not follow an argument: a constant or a default is used in its place. Use the "
                  "value passed in (h in numerical_gradient, for instance)."),
    Misconception("eps-in-ratio", "a constant added to the denominator",
                  "A constant added to the denominator changes the ratio for small gradients, exactly where a "
                  "checker matters: the ratio must not depend on the arrays' scale. Return 0.0 when both norms are 0, "
                  "and the plain ratio otherwise."),
    Misconception("zero-over-zero", "0 / 0 not guarded",
                  "When a and b are both zero the ratio is 0 / 0, which NumPy turns into NaN with a warning. Test the "
                  "denominator first and return 0.0."),
    Misconception("one-hot-predictions", "one-hot predictions",
                  "predict returns one class index per example, shape (m,), not a one-hot (k, m) matrix of the "
                  "winners: which reduction turns each column into the row index of its largest entry?"),
    Misconception("shared-state", "state kept between calls",
                  "A second call was affected by the first: a module-level dict, a cache, a mutable default argument "
                  "(losses=[]) or a remembered velocity. These functions depend on their arguments only: build every "
                  "result afresh inside the call."),
    Misconception("percent", "a percentage instead of a fraction",
                  "accuracy is a fraction in [0, 1], not a percentage: do not multiply by 100."),
    Misconception("int-division", "integer division",
                  "// rounds down to a whole number: 3 // 4 is 0. Divide with / to get a fraction."),
    Misconception("alpha-not-followed", "the step size is not alpha at every step",
                  "Every step, of every parameter, uses exactly the alpha passed in: no constant of your own, no "
                  "decay, no extra 1/m, and no parameter (a bias, say) stepped without it."),
    Misconception("log-base", "a logarithm in another base",
                  "The loss uses the natural logarithm, np.log: np.log2 or np.log10 scale it by a constant factor."),
    Misconception("off-by-one", "one iteration too few or too many",
                  "train makes exactly `iterations` updates, and records the loss of the forward pass before each one: "
                  "the returned parameters come after the last update."),
    Misconception("clip-logits", "logits clipped",
                  "Clipping the logits avoids overflow but changes the answer whenever a logit is clipped. Softmax "
                  "is unchanged by one kind of change to a column: which one, and how does it keep every exponent "
                  "from overflowing?"),
    Misconception("hardcoded-size", "a size written as a number",
                  "A size came out as the seed's 10 (or 784) where the arguments ask for another: use n_in, "
                  "n_hidden, n_out and num_classes, never the numbers."),
    Misconception("per-example", "one value per example instead of their mean",
                  "A vector with one entry per example came back where a single number belongs: take the mean over "
                  "the m examples."),
    Misconception("loss-not-decreasing", "the loss does not go down",
                  "Training did not lower the loss: check the direction of update's step (against the gradient, "
                  "downhill?) and that the next iteration uses the updated parameters."),
]

MISCONCEPTIONS = {m.id: m for m in _TABLE}
# Said of any learner exception of its kind; a report prefers a more specific diagnosis.
GENERIC = {"shape-error"}


def get(id: str) -> Misconception:
    return MISCONCEPTIONS[id]


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


SEED_SIZES = (10, 784)


def is_broadcast_shape(a_shape, e_shape) -> bool:
    """True when a_shape is what broadcasting gives from a (L,) against a (L, 1) where e_shape holds L
    values in one line: (L, L). Any other shape that is merely bigger is not a broadcast."""
    a_shape, e_shape = tuple(a_shape), tuple(e_shape)
    size = int(np.prod(e_shape)) if e_shape else 1
    return (len(a_shape) == 2 and a_shape[0] == a_shape[1] == size and size > 1
            and max(e_shape, default=1) == size and a_shape != e_shape)


def shape_misconception(a_shape, e_shape) -> str | None:
    """What a wrong shape alone says, when it says something for certain."""
    a_shape, e_shape = tuple(a_shape), tuple(e_shape)
    if len(e_shape) == 2 and e_shape[1] == 1 and a_shape == (e_shape[0],):
        return "bias-vector"
    if len(e_shape) == 2 and e_shape[1] == 1 and e_shape[0] > 1 and a_shape == (1, e_shape[0]):
        return "bias-row"
    if len(e_shape) == 2 and len(a_shape) == 2 and a_shape == e_shape[::-1]:
        return "transposed"
    if is_broadcast_shape(a_shape, e_shape):
        return "silent-broadcast"
    # A seed size in the wrong place says "written as a number" only where that size is none of
    # the expected ones: in (10, 784), a 10 may be n_hidden read from the wrong array.
    if (len(a_shape) == len(e_shape) and a_shape != e_shape
            and all(x == y or (x in SEED_SIZES and x not in e_shape) for x, y in zip(a_shape, e_shape))):
        return "hardcoded-size"
    return None


def diagnose(actual, expected, *, m=None, k=None, mask=None, alternatives=None, wrong_m=(), bias=True,
             nonfinite: str | None = "overflow") -> str | None:
    """Return the id of the misconception that ``actual`` matches, or None.

    ``alternatives`` maps misconception ids to the answer that mistake would give (a dict,
    or a list of pairs when one mistake has several forms, or a function that returns one,
    called only here, when an answer is wrong); tests compute them with the oracles (softmax
    along the wrong axis, say). They are the most specific evidence, so
    they are tried first; then relations between the shapes, then between the values.
    ``wrong_m`` lists the sizes a learner may take for the batch size m by mistake.
    ``bias=False`` says the value is not a bias or a bias gradient: a (n,) or (1, n) shape
    where (n, 1) belongs is then only a missing or extra axis, not a bias mistake.
    ``nonfinite`` is what inf or NaN where a finite answer belongs says about this function
    (None: nothing for certain). A factor that two readings explain (k == m; or 1/k that is
    also "divided by k instead of m") names neither.
    """
    if actual is None:
        return "returned-none"
    raw = actual
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    e = np.asarray(expected, dtype=np.float64)
    if callable(alternatives):
        alternatives = alternatives()
    pairs = alternatives.items() if isinstance(alternatives, dict) else (alternatives or ())
    for mid, alt in pairs:
        if alt is None:
            continue
        alt_arr = np.asarray(alt, dtype=np.float64)
        if alt_arr.size and not np.any(np.isfinite(alt_arr)) and np.all(np.isfinite(e)):
            continue  # a NaN matches any NaN: it is no evidence for one formula
        if _close(a, alt_arr) and not _close(e, alt_arr):
            return mid
    if a.shape != e.shape:
        if shape_misconception(a.shape, e.shape) == "bias-vector" and bias:
            return "bias-vector"
        if a.ndim == 0 and e.ndim >= 1 and (e.size > 1 or (e.ndim == 2 and e.shape[1] == 1)) and _close(a, e.sum()):
            return "scalar-sum"
        if a.shape == e.T.shape and e.ndim == 2 and _close(a, e.T):
            return "transposed"
        if shape_misconception(a.shape, e.shape) == "bias-row" and bias:
            return "bias-row"
        if a.size == e.size and _close(a.reshape(e.shape), e):
            return "extra-dimension"
        mid = shape_misconception(a.shape, e.shape)
        return None if mid in ("bias-vector", "bias-row") and not bias else mid
    raw_dtype = np.asarray(raw).dtype
    finite = np.isfinite(e)
    if np.issubdtype(raw_dtype, np.integer) and np.all(finite) and np.any(e != np.trunc(e)) and _close(a, np.trunc(e)):
        return "int-division" if a.ndim == 0 else "int-buffer"
    if np.all(finite) and not np.all(np.isfinite(a)):
        return nonfinite
    if e.ndim == 2 and e.shape[0] == e.shape[1] and not _close(e, e.T) and _close(a, e.T):
        return "transposed"
    if np.any(e != 0):
        if _close(a, -e):
            return "sign-flipped"
        # Every factor that would explain the answer; a name only when exactly one does (with
        # k == m both factors match; with k == 2 and m == 4, "over k*m entries" and "divided by
        # k instead of m" both give 2x).
        found = set()
        for d in {*(wrong_m or ()), *((k,) if k else ())}:
            if m and d and d not in (1, m) and _close(a, e * m / d):
                found.add("m-wrong-axis")
        for factor_id, factor in (("factor-m", m), ("factor-k", k)):
            if factor and factor != 1 and (_close(a, e * factor) or _close(a, e / factor)):
                found.add(factor_id)
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape == a.shape and _close(a[mask], e[mask]) and not _close(a[~mask], e[~mask]):
            return "relu-mask"
    return None
