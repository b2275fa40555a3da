"""Independent oracles: what each kata function must compute, written another way.

They come from closed forms, ``scipy.special``, loops and per-example sums (einsum), never from
``solutions/``. The suite compares against them, and while one kata is tested the
functions of the *other* katas are replaced by these, so a learner's unfinished
softmax never fails the tests of their backward pass.
"""
from __future__ import annotations

import math

import numpy as np

from .gradient_check import numerical_gradient, relative_error  # noqa: F401 (stand-ins for the gradcheck kata)


def relu(Z):
    return np.maximum(Z, 0.0)


def relu_backward(dA, Z):
    return np.where(Z > 0, dA, 0.0)


def _special():
    """scipy.special, imported when first used: its import costs 0.1 s of every check of the
    katas that never use it (relu, linear, gradcheck)."""
    from scipy import special

    return special


def softmax(Z):
    return _special().softmax(np.asarray(Z, dtype=np.float64), axis=0)


def log_softmax(Z):
    return _special().log_softmax(np.asarray(Z, dtype=np.float64), axis=0)


def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    Y = np.zeros((num_classes, labels.shape[0]))
    if labels.ndim == 1 and np.can_cast(labels.dtype, np.int64):  # column i: a one in row labels[i]
        Y[labels.astype(np.int64), np.arange(labels.shape[0])] = 1.0
        return Y
    for i, label in enumerate(labels):  # other labels (floats, NaN, 2-D) as int() reads each one
        Y[int(label), i] = 1.0
    return Y


def cross_entropy(A, Y):
    """Mean over columns of -sum_k y_k log a_k, skipping the terms where y_k is 0."""
    A = np.asarray(A, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    terms = Y != 0.0  # only these logarithms are taken: a 0 * log(0) never appears
    if np.any(A[terms] <= 0.0):  # as math.log says of 0 or less (of NaN it says NaN, and so does this)
        raise ValueError("math domain error")
    return np.float64(-math.fsum(Y[terms] * np.log(A[terms])) / A.shape[1])  # a NumPy scalar, as it always was


def cross_entropy_from_logits(Z, Y):
    """The same loss computed from logits through logsumexp, exact for any finite Z."""
    return float(-np.sum(Y * log_softmax(Z)) / Z.shape[1])


def softmax_cross_entropy_backward(A, Y):
    return np.asarray(A, dtype=np.float64) - np.asarray(Y, dtype=np.float64)


def he_normal(n_out, n_in, rng):
    return rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_out, n_in))


def glorot_uniform(n_out, n_in, rng):
    a = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_out, n_in))


def init_params(rng, n_in=784, n_hidden=10, n_out=10):
    return {
        "W1": he_normal(n_hidden, n_in, rng),
        "b1": np.zeros((n_hidden, 1)),
        "W2": he_normal(n_out, n_hidden, rng),
        "b2": np.zeros((n_out, 1)),
    }


def linear_forward(W, A_prev, b):
    W, A_prev, b = (np.asarray(a, dtype=np.float64) for a in (W, A_prev, b))
    out = np.empty((W.shape[0], A_prev.shape[1]))
    for i in range(A_prev.shape[1]):
        out[:, i] = W.dot(A_prev[:, i]) + b[:, 0]
    return out


def linear_backward(dZ, A_prev, W):
    """Per-example accumulation of the outer products, then the mean."""
    m = dZ.shape[1]
    dW = np.zeros(W.shape)
    db = np.zeros((W.shape[0], 1))
    for i in range(m):
        dW += np.outer(dZ[:, i], A_prev[:, i])
        db[:, 0] += dZ[:, i]
    return dW / m, db / m, np.einsum("ji,jm->im", W, dZ)


def forward(params, X):
    Z1 = np.einsum("hi,im->hm", params["W1"], X) + params["b1"]
    A1 = relu(Z1)
    Z2 = np.einsum("oh,hm->om", params["W2"], A1) + params["b2"]
    A2 = softmax(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def mean_loss(params, X, Y):
    """The mean cross-entropy of the network, computed stably from the logits."""
    _, cache = forward(params, X)
    return cross_entropy_from_logits(cache["Z2"], Y)


def mean_losses(params, X, Y):
    """``mean_loss`` where any parameter may carry a leading axis of k trial values: the k
    losses at once, for the suite's finite differences (``gradient_check.numerical_gradient_many``)."""
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.matmul(W1, np.asarray(X, dtype=np.float64)) + b1  # (k, n_hidden, m)
    Z2 = np.matmul(W2, relu(Z1)) + b2                          # (k, n_out, m)
    return -np.sum(Y * _special().log_softmax(Z2, axis=-2), axis=(-2, -1)) / Z2.shape[-1]


def backward(params, cache, X, Y):
    """The chain rule for each example i (index i in every einsum), then the mean over i."""
    m = X.shape[1]
    dz2 = np.asarray(cache["A2"], dtype=np.float64) - Y                                # (n_out, m)
    dz1 = np.einsum("oh,oi->hi", params["W2"], dz2) * (np.asarray(cache["Z1"]) > 0)    # (n_hidden, m)
    return {"dW1": np.einsum("hi,ni->hn", dz1, X) / m, "db1": np.einsum("hi->h", dz1)[:, None] / m,
            "dW2": np.einsum("oi,hi->oh", dz2, cache["A1"]) / m, "db2": np.einsum("oi->o", dz2)[:, None] / m}


def update(params, grads, alpha):
    return {k: params[k] - alpha * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}


def predict(params, X):
    A2, _ = forward(params, X)
    return np.array([int(np.argmax(A2[:, i])) for i in range(A2.shape[1])], dtype=np.int64)


def accuracy(predictions, labels):
    predictions = np.asarray(predictions).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    return sum(int(p == t) for p, t in zip(predictions, labels)) / len(labels)


def train(X, labels, *, alpha, iterations, rng, n_hidden=10):
    params = init_params(rng, X.shape[0], n_hidden, 10)
    Y = one_hot(labels, 10)
    losses = []
    for _ in range(iterations):
        A2, cache = forward(params, X)
        losses.append(cross_entropy_from_logits(cache["Z2"], Y))
        params = update(params, backward(params, cache, X, Y), alpha)
    return params, losses
