"""What the trace checks against: the shape each array of a kata's contract has, by its
name, its dict key or its place in what a function returns, with m and the layer sizes as
symbols; and the calls the trace makes, on the seed's shapes (784-10-10, m = 32)."""
from __future__ import annotations

KATAS = ("linear", "forward", "backward", "train")
NETWORK = {"Z1": "n_hidden m", "A1": "n_hidden m", "Z2": "n_out m", "A2": "n_out m", "Y": "n_out m",
           "X": "n_in m", "dZ2": "n_out m", "dA2": "n_out m", "dW2": "n_out n_hidden", "db2": "n_out 1",
           "dA1": "n_hidden m", "dZ1": "n_hidden m", "dW1": "n_hidden n_in", "db1": "n_hidden 1",
           "W1": "n_hidden n_in", "b1": "n_hidden 1", "W2": "n_out n_hidden", "b2": "n_out 1"}
LINEAR = {"Z": "n m", "dZ": "n m", "dW": "n n_prev", "db": "n 1", "dA_prev": "n_prev m", "W": "n n_prev",
          "A_prev": "n_prev m", "b": "n 1"}
RETURNS = {"linear_forward": ["n m"], "linear_backward": ["n n_prev", "n 1", "n_prev m"],
           "forward": ["n_out m", None], "predict": ["m"], "backward": [None], "update": [None]}
ALIASES = {"n_x": "n_in", "n_h": "n_hidden", "h": "n_hidden", "n_y": "n_out", "k": "n_out",
           "num_classes": "n_out", "n_classes": "n_out", "batch": "m"}


def sizes_for(kata: str, n_hidden: int, m: int) -> dict:
    sizes = {"n_in": 784, "n_hidden": n_hidden, "n_out": 10, "m": m}
    if kata == "linear":  # the seed's first layer
        sizes.update(n=n_hidden, n_prev=784)
    return sizes


def inputs(kata: str, sizes: dict):
    """The calls to trace: (function name, args, kwargs), on the seed's shapes."""
    import numpy as np

    rng = np.random.default_rng(0)
    n_in, n_h, n_out, m = sizes["n_in"], sizes["n_hidden"], sizes["n_out"], sizes["m"]
    X = rng.random((n_in, m))
    labels = rng.integers(0, n_out, m)
    Y = np.zeros((n_out, m))
    Y[labels, np.arange(m)] = 1.0
    params = {"W1": rng.normal(0, np.sqrt(2 / n_in), (n_h, n_in)), "b1": rng.normal(0, 0.1, (n_h, 1)),
              "W2": rng.normal(0, np.sqrt(2 / n_h), (n_out, n_h)), "b2": rng.normal(0, 0.1, (n_out, 1))}
    if kata == "linear":
        return [("linear_forward", (params["W1"], X, params["b1"]), {}),
                ("linear_backward", (rng.normal(size=(n_h, m)), X, params["W1"]), {})]
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
    A2 = E / E.sum(axis=0, keepdims=True)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    if kata == "forward":
        return [("forward", (params, X), {}), ("predict", (params, X), {}),
                ("accuracy", (np.argmax(A2, axis=0), labels), {})]
    if kata == "backward":
        return [("backward", (params, cache, X, Y), {})]
    return [("train", (X, labels), {"alpha": 0.1, "iterations": 1, "rng": np.random.default_rng(0), "n_hidden": n_h})]
