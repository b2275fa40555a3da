"""Messages that teach: nn/suite/assertions.py and the fingerprints in nn/suite/diagnose.py."""
import numpy as np
import pytest

from nn.suite import diagnose
from nn.suite.assertions import KataFailure, assert_close, assert_scalar, assert_shape, call_text, describe
from nn.suite.tolerances import FLOAT64


def test_describe_never_prints_a_whole_array():
    text = describe(np.zeros((784, 1000)))
    assert "(784, 1000)" in text and len(text) < 120


def test_assert_close_names_call_shape_and_worst_entry():
    expected = np.arange(6.0).reshape(2, 3)
    actual = expected.copy()
    actual[1, 2] = 99.0
    with pytest.raises(KataFailure) as info:
        assert_close(actual, expected, call_text("f", Z=expected), **FLOAT64)
    msg = str(info.value)
    assert "f(Z) with Z: (2, 3) float64" in msg and "worst entry [1, 2]: expected 5, got 99" in msg


def test_assert_shape_spots_a_bias_vector_only_in_a_bias():
    with pytest.raises(KataFailure) as info:
        assert_shape(np.zeros(4), (4, 1), "init_params(rng)", what="b1")
    assert info.value.misconception == "bias-vector" and "(4, 1)" in str(info.value)
    with pytest.raises(KataFailure) as info:  # softmax of one example, squeezed: a missing axis, not a bias
        assert_shape(np.full(4, 0.25), (4, 1), "softmax(Z)", expected=np.full((4, 1), 0.25))
    assert info.value.misconception == "extra-dimension"


def test_a_factor_that_two_sizes_share_names_neither():
    from nn.suite.diagnose import diagnose

    e = np.arange(1.0, 5.0).reshape(2, 2)
    assert diagnose(e / 2, e, m=2, k=2) is None  # k == m: 1/m or 1/k?
    assert diagnose(e[:, :1] / 3, e[:, :1], m=1, k=3) is None  # m == 1: over k*m, or k instead of m?
    assert diagnose(e / 2, e, m=2, k=3) == "factor-m"


def test_assert_scalar_rejects_vectors_and_none():
    with pytest.raises(KataFailure):
        assert_scalar(np.ones(3), "loss")
    with pytest.raises(KataFailure) as info:
        assert_scalar(None, "loss")
    assert info.value.misconception == "returned-none"
    assert assert_scalar(np.float32(0.5), "loss") == 0.5


@pytest.mark.parametrize("actual,expected,kw,mid", [
    (lambda e: e.T, np.arange(9.0).reshape(3, 3), {}, "transposed"),
    (lambda e: e * 4, np.arange(1.0, 7.0).reshape(2, 3), {"m": 4}, "factor-m"),
    (lambda e: e / 10, np.arange(1.0, 7.0).reshape(2, 3), {"k": 10}, "factor-k"),
    (lambda e: -e, np.arange(1.0, 7.0).reshape(2, 3), {}, "sign-flipped"),
    (lambda e: e[:, 0], np.ones((3, 1)), {}, "bias-vector"),
    (lambda e: np.array(3.0), np.ones((3, 1)), {}, "scalar-sum"),
    (lambda e: np.where(e > 2, np.nan, e), np.arange(6.0).reshape(2, 3), {}, "overflow"),
    (lambda e: None, np.ones(2), {}, "returned-none"),
])
def test_fingerprints(actual, expected, kw, mid):
    assert diagnose.diagnose(actual(expected), expected, **kw) == mid


def test_relu_mask_fingerprint():
    e = np.array([[1.0, 0.0], [2.0, 0.0]])
    mask = e != 0
    assert diagnose.diagnose(np.array([[1.0, 5.0], [2.0, 6.0]]), e, mask=mask) == "relu-mask"


def test_the_right_answer_has_no_fingerprint():
    e = np.arange(9.0).reshape(3, 3)
    assert diagnose.diagnose(e.copy(), e, m=3, k=3) is None


def test_every_misconception_has_a_title_and_a_hint():
    for m in diagnose.MISCONCEPTIONS.values():
        assert m.title and len(m.hint) > 20
