"""Kata loss: one_hot(labels), cross_entropy(A, Y) and softmax_cross_entropy_backward(A, Y)."""
import numpy as np
import pytest
from hypothesis import given

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_scalar, assert_shape, call,
                                 call_as_is, call_text, check_no_mutation, fail, num)
from nn.suite.gradient_check import check_gradient
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import EXACT, FLOAT64, GRADIENT, NEAR, ONE_OPERATION, float32

pytestmark = pytest.mark.kata_loss


# one_hot ---------------------------------------------------------------------------

@given(S.labels())
def test_one_hot_puts_one_per_column(impl, labels):
    """one_hot(labels) is (10, m) with Y[labels[i], i] == 1 and zeros elsewhere."""
    out = call(impl.fn("one_hot"), labels)
    assert_close(out, oracles.one_hot(labels, 10), call_text("one_hot", labels=labels), **EXACT,
                 alternatives={"num-classes": oracles.one_hot(labels, int(labels.max()) + 1)})


@pytest.mark.parametrize("num_classes,labels", [
    (3, np.array([2, 0, 1, 1, 0], dtype=np.uint8)),
    (5, np.array([4], dtype=np.int32)),
    (4, np.array([3, 1, 0, 2], dtype=np.int64)),
])
def test_one_hot_with_other_class_counts_and_label_dtypes(impl, num_classes, labels):
    """num_classes sets the number of rows; uint8 labels (as MNIST stores them) work too."""
    out = call(impl.fn("one_hot"), labels, num_classes=num_classes)
    text = call_text("one_hot", labels=labels, num_classes=num_classes)
    assert_close(out, oracles.one_hot(labels, num_classes), text, **EXACT,
                 alternatives={"num-classes-ignored": oracles.one_hot(labels, 10),
                               "num-classes": oracles.one_hot(labels, int(labels.max()) + 1)})


def test_one_hot_takes_num_classes_positionally(impl):
    """one_hot(labels, num_classes): the second positional argument is the number of rows."""
    labels = np.array([1, 0, 2, 2, 1, 0])
    out = call(impl.fn("one_hot"), labels, 3)
    assert_close(out, oracles.one_hot(labels, 3), call_text("one_hot", labels=labels, num_classes=3), **EXACT,
                 alternatives={"num-classes-ignored": oracles.one_hot(labels, 10)})


def _wrapped_flat_index(labels, num_classes):
    """What Y.flat[labels * m + arange(m)] = 1 gives when labels * m is computed in the labels' own dtype."""
    m = len(labels)
    with np.errstate(all="ignore"):
        try:
            flat = labels * np.array(m, dtype=labels.dtype) + np.arange(m)
        except OverflowError:
            return None
    Y = np.zeros(num_classes * m)
    flat = flat[(flat >= 0) & (flat < Y.size)]
    Y[flat] = 1.0
    return Y.reshape(num_classes, m)


@pytest.mark.parametrize("dtype,m", [(np.uint8, 300), (np.uint16, 7000), (np.int8, 200), (np.int32, 5000),
                                     (np.uint32, 3), (np.int64, 1)])
def test_one_hot_labels_of_every_integer_dtype_and_large_batches(impl, dtype, m):
    """Labels of any integer dtype (MNIST stores uint8) and batches large enough to overflow index arithmetic
    done in the labels' dtype: Y is float64, (10, m), exact."""
    labels = (np.arange(m) * 7 % 10).astype(dtype)
    text = call_text("one_hot", labels=labels)
    try:
        out = call(impl.fn("one_hot"), labels)
    except OverflowError as exc:
        fail(f"{text} raised {type(exc).__name__}: {exc}", "index-overflow")
    assert_close(out, oracles.one_hot(labels, 10), text, **EXACT,
                 alternatives={"index-overflow": _wrapped_flat_index(labels, 10)})
    assert_float_dtype(out, text, "integer")


def test_one_hot_is_float(impl):
    """one_hot returns floats, ready to be subtracted from probabilities."""
    labels = np.array([1, 0, 2, 9])
    out = np.asarray(call(impl.fn("one_hot"), labels))
    if not np.issubdtype(out.dtype, np.floating):
        fail(f"{call_text('one_hot', labels=labels)} returned dtype {out.dtype}, expected a float dtype", "dtype")


def test_one_hot_any_memory_layout(impl):
    """labels may be a strided slice of a bigger array."""
    labels = S.layouts(np.array([3, 1, 4, 1, 5, 9, 2, 6]))["a strided slice"]
    out = call_as_is(impl.fn("one_hot"), labels)
    assert_close(out, oracles.one_hot(labels, 10), call_text("one_hot", labels=labels) + " (a strided slice)",
                 **EXACT)


def test_one_hot_leaves_labels_unchanged(impl):
    """one_hot does not modify labels."""
    labels = np.array([3, 3, 1, 0, 9, 2])
    check_no_mutation(impl.fn("one_hot"), call_text("one_hot", labels=labels), labels=labels)


# cross_entropy ---------------------------------------------------------------------

def _ce_call(impl, A, Y, label="", as_is=False):
    text = call_text("cross_entropy", A=A, Y=Y) + label
    with np.errstate(all="ignore"):
        value = (call_as_is if as_is else call)(impl.fn("cross_entropy"), A, Y)
    return text, value


def _ce_alternatives(A, Y):
    """The loss with a floor inside the log (log(A + eps), clip(A, eps, 1 - eps)), and with A and Y swapped."""
    A = np.asarray(A, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    m = A.shape[1]
    alts = []
    with np.errstate(all="ignore"):
        for eps in (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
            alts.append(("log-eps", -np.sum(Y * np.log(A + eps)) / m))
            alts.append(("log-eps", -np.sum(Y * np.log(np.clip(A, eps, 1 - eps))) / m))
        exact = -np.sum(np.where(Y > 0, Y * np.log(np.where(Y > 0, A, 1.0)), 0.0)) / m
        alts += [("log-base", exact / np.log(2.0)), ("log-base", exact / np.log(10.0))]
    return alts


def test_cross_entropy_leaves_inputs_unchanged(impl):
    """cross_entropy does not modify A or Y (for instance by clipping A in place)."""
    A = np.array([[0.7, 0.0], [0.3, 1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(all="ignore"):
        check_no_mutation(impl.fn("cross_entropy"), call_text("cross_entropy", A=A, Y=Y), A=A, Y=Y)


@given(S.probabilities_and_targets())
def test_cross_entropy_matches_per_example_loop(impl, problem):
    """cross_entropy(A, Y) is the mean over examples of -sum_k Y log A (a loop over examples as oracle)."""
    A, Y = problem
    text, value = _ce_call(impl, A, Y)
    k, m = A.shape
    got = assert_scalar(value, text, m=m)
    assert_close(got, oracles.cross_entropy(A, Y), text, **FLOAT64, m=m, k=k,
                 alternatives=lambda: _ce_alternatives(A, Y))


@pytest.mark.parametrize("shape", S.EDGE_SHAPES[:4])
def test_cross_entropy_returns_one_number(impl, shape):
    """The loss is a single number (a float, NumPy float or 0-d array), for m == 1, m == k and m != k."""
    k, m = shape
    rng = np.random.default_rng(9)
    A = oracles.softmax(rng.normal(size=shape))
    Y = oracles.one_hot(rng.integers(0, k, m), k)
    text, value = _ce_call(impl, A, Y)
    assert_scalar(value, text, m=m)


@pytest.mark.parametrize("m", [2000, 60000])
def test_cross_entropy_of_a_large_batch(impl, m):
    """A batch as large as MNIST's training set: the loss stays the finite mean it is (a product
    of m probabilities underflows to 0 long before that; a sum of logs does not)."""
    rng = np.random.default_rng(12)
    A = oracles.softmax(rng.normal(0, 1, size=(10, m)))
    Y = oracles.one_hot(rng.integers(0, 10, m), 10)
    text, value = _ce_call(impl, A, Y, f" (a batch of {m} examples)")
    got = assert_scalar(value, text, m=m)
    assert_close(got, oracles.cross_entropy(A, Y), text, **FLOAT64, m=m, k=10,
                 alternatives=lambda: _ce_alternatives(A, Y), nonfinite=None)


def test_cross_entropy_small_probabilities_on_the_label(impl):
    """True-class probabilities as small as 1e-30 (softmax gives them) count in full: no floor, no eps."""
    A = np.array([[1e-12, 0.5, 1e-30, 0.9], [1 - 1e-12, 0.5, 1 - 1e-30, 0.1]])
    Y = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    text, value = _ce_call(impl, A, Y, " (tiny probabilities on the label)")
    got = assert_scalar(value, text, m=4)
    assert_close(got, oracles.cross_entropy(A, Y), text, **FLOAT64, m=4, k=2,
                 alternatives=lambda: _ce_alternatives(A, Y))


def test_cross_entropy_with_zero_probability_on_the_label(impl):
    """A probability of exactly 0 on the true class costs infinitely much: +inf (or at least -log(1e-300),
    about 690.8, from a floor at 1e-300 or below), never NaN and never a small number."""
    A = np.array([[0.0, 0.5], [1.0, 0.5]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    text, value = _ce_call(impl, A, Y, " (probability 0 on the label of example 0)")
    got = assert_scalar(value, text, m=2)
    if np.isnan(got):
        fail(f"{text} returned nan; a zero probability on the label gives +inf", "overflow")
    if not got >= -np.log(1e-300) / 2:
        alts = [mid for mid, alt in _ce_alternatives(A, Y) if np.isclose(alt, got, **NEAR)]
        fail(f"{text} returned {got:.6g}; a zero probability on the label must cost +inf (at least 345, "
             "half of -log(1e-300), for the mean over these 2 examples)", alts[0] if alts else None)


@pytest.mark.parametrize("case", ["float32 A", "integer Y", "Fortran order", "a transposed view", "a strided slice"])
def test_cross_entropy_other_dtypes_and_layouts(impl, case):
    """A may be float32 (float32 tolerance), Y integer, and either may come in any memory layout."""
    rng = np.random.default_rng(43)
    A = oracles.softmax(rng.normal(size=(6, 5)))
    Y = oracles.one_hot(rng.integers(0, 6, 5), 6)
    if case == "float32 A":
        A = A.astype(np.float32)
    elif case == "integer Y":
        Y = Y.astype(np.int64)
    else:
        A, Y = S.layouts(A)[case], S.layouts(Y)[case]
    text, value = _ce_call(impl, A, Y, f" ({case})", as_is=True)
    got = assert_scalar(value, text, m=5)
    expected = oracles.cross_entropy(A, Y)
    tol = dict(**float32(expected)) if case == "float32 A" else dict(**FLOAT64)
    assert_close(got, expected, text, m=5, k=6, alternatives=lambda: _ce_alternatives(A, Y), **tol)


def test_cross_entropy_with_exact_zeros_off_the_label(impl):
    """Probabilities that are exactly 0 where Y is 0 give a finite, exact loss (no 0 * log 0 = NaN)."""
    A = np.array([[0.5, 0.0, 0.0], [0.5, 0.25, 0.0], [0.0, 0.75, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    text, value = _ce_call(impl, A, Y, " (A has exact zeros off the label)")
    got = assert_scalar(value, text, m=3)
    expected = -(np.log(0.5) + np.log(0.75) + np.log(1.0)) / 3
    if not np.isfinite(got):
        fail(f"{text} returned {num(got)}: the zero probabilities off the label must not contribute", "overflow")
    assert_close(got, expected, text, **FLOAT64, m=3, k=3)


def test_cross_entropy_of_a_confident_correct_answer_is_zero(impl):
    """A = Y (probability 1 on every label, 0 elsewhere) gives a loss of about 0."""
    Y = oracles.one_hot(np.array([0, 3, 9, 9, 2]), 10)
    text, value = _ce_call(impl, Y.copy(), Y, " (A == Y)")
    got = assert_scalar(value, text, m=5)
    if not (np.isfinite(got) and abs(got) < 1e-9):
        alts = [mid for mid, alt in _ce_alternatives(Y, Y) if np.isclose(alt, got, **NEAR)]
        fail(f"{text} returned {got:.6g}; a confident correct answer costs about 0",
             "overflow" if not np.isfinite(got) else (alts[0] if alts else None))


def test_cross_entropy_is_a_mean_over_examples(impl):
    """Repeating the batch twice leaves the loss unchanged: it is a mean over the m columns, not a sum."""
    rng = np.random.default_rng(10)
    A = oracles.softmax(rng.normal(size=(10, 4)))
    Y = oracles.one_hot(rng.integers(0, 10, 4), 10)
    text1, v1 = _ce_call(impl, A, Y)
    text2, v2 = _ce_call(impl, np.hstack([A, A]), np.hstack([Y, Y]), " (the batch repeated twice)")
    once, twice = assert_scalar(v1, text1, m=4), assert_scalar(v2, text2, m=8)
    assert_close(twice, once, text2 + f"; compared with the loss of the single batch, {once:.10g}",
                 **FLOAT64, m=2)


# softmax_cross_entropy_backward ----------------------------------------------------

@given(S.logits(scale=5.0), S.dims)
def test_softmax_cross_entropy_backward_matches_finite_differences(impl, Z, seed):
    """dZ2 is the gradient of the summed per-example loss with respect to the logits Z2 (the 1/m comes later)."""
    k, m = Z.shape
    labels = np.random.default_rng(seed).integers(0, k, m)
    Y = oracles.one_hot(labels, k)
    A = oracles.softmax(Z)
    text = call_text("softmax_cross_entropy_backward", A=A, Y=Y)
    dZ = assert_shape(call(impl.fn("softmax_cross_entropy_backward"), A, Y), A.shape, text)
    result = check_gradient(lambda z: m * oracles.cross_entropy_from_logits(z, Y), Z, dZ, name="dZ2")
    if not result.ok:
        assert_close(dZ, A - Y, text, **GRADIENT, m=m, k=k)
        fail(f"{text}: {result}")


@pytest.mark.parametrize("case", ["float64", "float32", "integer Y", "Fortran order", "a transposed view",
                                  "a strided slice"])
def test_softmax_cross_entropy_backward_dtypes_and_layouts(impl, case):
    """float64 in gives float64 out; float32 A gives float32 or float64 (float32 tolerance); an integer one-hot Y
    works; A and Y may come in any memory layout."""
    rng = np.random.default_rng(44)
    A = oracles.softmax(rng.normal(size=(4, 6)))
    Y = oracles.one_hot(rng.integers(0, 4, 6), 4)
    if case == "float32":
        A, Y = A.astype(np.float32), Y.astype(np.float32)
    elif case == "integer Y":
        Y = Y.astype(np.int64)
    elif case != "float64":
        A, Y = S.layouts(A)[case], S.layouts(Y)[case]
    text = call_text("softmax_cross_entropy_backward", A=A, Y=Y) + f" ({case})"
    out = call_as_is(impl.fn("softmax_cross_entropy_backward"), A, Y)
    expected = A.astype(np.float64) - Y.astype(np.float64)
    if case == "float32":
        assert_close(out, expected, text, **float32(expected), m=6, k=4)
        assert_float_dtype(out, text, "float32")
    else:
        assert_close(out, expected, text, **ONE_OPERATION, m=6, k=4)
        assert_float_dtype(out, text, "float64")


def test_softmax_cross_entropy_backward_leaves_inputs_unchanged(impl):
    """softmax_cross_entropy_backward does not modify A or Y (no A -= Y on the caller's array)."""
    A = oracles.softmax(np.random.default_rng(11).normal(size=(3, 3)))
    Y = np.eye(3)
    check_no_mutation(impl.fn("softmax_cross_entropy_backward"), call_text("softmax_cross_entropy_backward", A=A, Y=Y), A=A, Y=Y)


@pytest.mark.parametrize("name", ['one_hot', 'softmax_cross_entropy_backward'])
def test_loss_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
