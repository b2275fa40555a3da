"""Reference: the seed's two-layer network, 784 -> n_hidden (ReLU) -> 10 (softmax)."""
import numpy as np

from .activations import relu, relu_backward, softmax
from .initialization import init_params
from .layers import linear_backward, linear_forward
from .losses import cross_entropy, one_hot, softmax_cross_entropy_backward


def forward(params, X):
    Z1 = linear_forward(params["W1"], X, params["b1"])  # (n_hidden, m)
    A1 = relu(Z1)  # (n_hidden, m)
    Z2 = linear_forward(params["W2"], A1, params["b2"])  # (n_out, m)
    A2 = softmax(Z2)  # (n_out, m), columns sum to 1
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def backward(params, cache, X, Y):
    dZ2 = softmax_cross_entropy_backward(cache["A2"], Y)  # (n_out, m)
    dW2, db2, dA1 = linear_backward(dZ2, cache["A1"], params["W2"])  # (n_out, n_hidden), (n_out, 1), (n_hidden, m)
    dZ1 = relu_backward(dA1, cache["Z1"])  # (n_hidden, m)
    m = X.shape[1]
    dW1 = dZ1 @ X.T / m  # (n_hidden, n_in); no dX: nothing below the input needs it
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m  # (n_hidden, 1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update(params, grads, alpha):
    for key in ("W1", "b1", "W2", "b2"):
        params[key] -= alpha * grads["d" + key]  # in place, same shape as params[key]
    return params


def predict(params, X):
    A2, _ = forward(params, X)  # (n_out, m)
    return np.argmax(A2, axis=0)  # (m,) integers


def accuracy(predictions, labels):
    return float(np.mean(predictions == labels))  # scalar in [0, 1]


def train(X, labels, *, alpha, iterations, rng, n_hidden=10):
    params = init_params(rng, n_in=X.shape[0], n_hidden=n_hidden, n_out=10)
    Y = one_hot(labels, 10)  # (10, m)
    losses = []
    for _ in range(iterations):
        A2, cache = forward(params, X)  # (10, m)
        losses.append(cross_entropy(A2, Y))  # scalar
        grads = backward(params, cache, X, Y)
        params = update(params, grads, alpha)
    return params, losses
