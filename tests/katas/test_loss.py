"""Kata loss: one_hot(labels), cross_entropy(A, Y) and softmax_cross_entropy_backward(A, Y)."""
import numpy as np
import pytest
from hypothesis import given

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import assert_close, assert_scalar, assert_shape, call, call_text, check_no_mutation, fail
from nn.suite.gradient_check import check_gradient

pytestmark = pytest.mark.kata_loss


# one_hot ---------------------------------------------------------------------------

@given(S.labels())
def test_one_hot_puts_one_per_column(impl, labels):
    """one_hot(labels) is (10, m) with Y[labels[i], i] == 1 and zeros elsewhere."""
    out = call(impl.fn("one_hot"), labels)
    assert_close(out, oracles.one_hot(labels, 10), call_text("one_hot", labels=labels), rtol=0, atol=0,
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
    assert_close(out, oracles.one_hot(labels, num_classes), text, rtol=0, atol=0,
                 alternatives={"num-classes": oracles.one_hot(labels, int(labels.max()) + 1)})


def test_one_hot_is_float(impl):
    """one_hot returns floats, ready to be subtracted from probabilities."""
    labels = np.array([1, 0, 2, 9])
    out = np.asarray(call(impl.fn("one_hot"), labels))
    if not np.issubdtype(out.dtype, np.floating):
        fail(f"{call_text('one_hot', labels=labels)} returned dtype {out.dtype}, expected a float dtype", "dtype")


def test_one_hot_leaves_labels_unchanged(impl):
    """one_hot does not modify labels."""
    labels = np.array([3, 3, 1, 0, 9, 2])
    check_no_mutation(impl.fn("one_hot"), call_text("one_hot", labels=labels), labels=labels)


# cross_entropy ---------------------------------------------------------------------

def _ce_call(impl, A, Y, label=""):
    text = call_text("cross_entropy", A=A, Y=Y) + label
    with np.errstate(all="ignore"):
        value = call(impl.fn("cross_entropy"), A, Y)
    return text, value


@given(S.probabilities_and_targets())
def test_cross_entropy_matches_per_example_loop(impl, problem):
    """cross_entropy(A, Y) is the mean over examples of -sum_k Y log A (a loop over examples as oracle)."""
    A, Y = problem
    text, value = _ce_call(impl, A, Y)
    got = assert_scalar(value, text)
    k, m = A.shape
    assert_close(got, oracles.cross_entropy(A, Y), text, rtol=1e-9, atol=1e-12, m=m, k=k)


@pytest.mark.parametrize("shape", S.EDGE_SHAPES[:4])
def test_cross_entropy_returns_one_number(impl, shape):
    """The loss is a single number (a float, NumPy float or 0-d array), for m == 1, m == k and m != k."""
    k, m = shape
    rng = np.random.default_rng(9)
    A = oracles.softmax(rng.normal(size=shape))
    Y = oracles.one_hot(rng.integers(0, k, m), k)
    text, value = _ce_call(impl, A, Y)
    assert_scalar(value, text)


def test_cross_entropy_with_exact_zeros_off_the_label(impl):
    """Probabilities that are exactly 0 where Y is 0 give a finite, exact loss (no 0 * log 0 = NaN)."""
    A = np.array([[0.5, 0.0, 0.0], [0.5, 0.25, 0.0], [0.0, 0.75, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    text, value = _ce_call(impl, A, Y, " (A has exact zeros off the label)")
    got = assert_scalar(value, text)
    expected = -(np.log(0.5) + np.log(0.75) + np.log(1.0)) / 3
    if not np.isfinite(got):
        fail(f"{text} returned {got}: the zero probabilities off the label must not contribute", "overflow")
    assert_close(got, expected, text, rtol=1e-9, atol=1e-12, m=3, k=3)


def test_cross_entropy_of_a_confident_correct_answer_is_zero(impl):
    """A = Y (probability 1 on every label, 0 elsewhere) gives a loss of about 0."""
    Y = oracles.one_hot(np.array([0, 3, 9, 9, 2]), 10)
    text, value = _ce_call(impl, Y.copy(), Y, " (A == Y)")
    got = assert_scalar(value, text)
    if not (np.isfinite(got) and abs(got) < 1e-9):
        fail(f"{text} returned {got}; a confident correct answer costs about 0", "overflow" if not np.isfinite(got) else None)


def test_cross_entropy_is_a_mean_over_examples(impl):
    """Repeating the batch twice leaves the loss unchanged: it is a mean over the m columns, not a sum."""
    rng = np.random.default_rng(10)
    A = oracles.softmax(rng.normal(size=(10, 4)))
    Y = oracles.one_hot(rng.integers(0, 10, 4), 10)
    text1, v1 = _ce_call(impl, A, Y)
    text2, v2 = _ce_call(impl, np.hstack([A, A]), np.hstack([Y, Y]), " (the batch repeated twice)")
    once, twice = assert_scalar(v1, text1), assert_scalar(v2, text2)
    assert_close(twice, once, text2 + f"; compared with the loss of the single batch, {once:.10g}",
                 rtol=1e-9, atol=1e-12, m=2)


def test_cross_entropy_leaves_inputs_unchanged(impl):
    """cross_entropy does not modify A or Y (for instance by clipping A in place)."""
    A = np.array([[0.7, 0.0], [0.3, 1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(all="ignore"):
        check_no_mutation(impl.fn("cross_entropy"), call_text("cross_entropy", A=A, Y=Y), A=A, Y=Y)


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
        assert_close(dZ, A - Y, text, rtol=1e-6, atol=1e-9, m=m, k=k)
        fail(f"{text}: {result}")


def test_softmax_cross_entropy_backward_leaves_inputs_unchanged(impl):
    """softmax_cross_entropy_backward does not modify A or Y (no A -= Y on the caller's array)."""
    A = oracles.softmax(np.random.default_rng(11).normal(size=(3, 3)))
    Y = np.eye(3)
    check_no_mutation(impl.fn("softmax_cross_entropy_backward"), call_text("softmax_cross_entropy_backward", A=A, Y=Y), A=A, Y=Y)
