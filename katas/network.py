"""The seed's two-layer network: 784 inputs -> n_hidden ReLU units -> 10-class softmax.

X is (n_in, m), one example per column. params is the dict from init_params:
W1 (n_hidden, n_in), b1 (n_hidden, 1), W2 (n_out, n_hidden), b2 (n_out, 1).
Use your own building blocks from the other katas.
"""
import numpy as np  # noqa: F401  (you will need it)

from .activations import relu, relu_backward, softmax  # noqa: F401
from .initialization import init_params  # noqa: F401
from .layers import linear_backward, linear_forward  # noqa: F401
from .losses import cross_entropy, one_hot, softmax_cross_entropy_backward  # noqa: F401


def forward(params, X):
    """The forward pass. Returns (A2, cache).

    Four steps, each one a function from an earlier kata:
        Z1: the hidden layer's linear step, from W1, X and b1    # (n_hidden, m)
        A1 = relu(Z1)                                           # (n_hidden, m)
        Z2: the output layer's linear step, from W2, A1 and b2   # (n_out, m)
        A2 = softmax(Z2)                                        # (n_out, m), columns sum to 1

    cache is a dict with the keys "Z1", "A1", "Z2" and "A2": backward needs them.

    Contract (docs/contracts.md):
      returns:  the pair (A2, cache), in this order.
      range:    output logits of +-2000 still give finite, right probabilities.
      dtypes:   float64 in -> float64 A2 and cache; float32 params and X -> float32 or
                float64 (float32 tolerance); uint8 pixels X -> float64.
      layout:   X and the weights may come in any memory layout; m may be 1 or thousands.
      state:    each call builds a new cache: a second forward pass, before any backward
                pass, leaves the first cache as it was.   mutation: params and X unchanged.
    """
    # TODO(kata forward): the four steps above, then return (A2, cache).
    raise NotImplementedError("kata 'forward': forward(params, X) is not written yet (katas/network.py)")


def predict(params, X):
    """The most probable class for each example. Shapes: X (n_in, m) -> (m,) integers.

    Contract (docs/contracts.md): an integer array of shape (m,), one class index per
    example (not a one-hot matrix); it depends on this call's params and X only (no cache
    between calls); params and X are left as they were.
    """
    # TODO(kata forward): run the forward pass; which reduction gives each column's most probable class?
    raise NotImplementedError("kata 'forward': predict(params, X) is not written yet (katas/network.py)")


def accuracy(predictions, labels):
    """The fraction of predictions equal to labels, a float in [0, 1]. Shapes: (m,), (m,) -> scalar.

    Contract (docs/contracts.md): one number in [0, 1] (a fraction, not a percentage, and
    not rounded to a whole number); labels may be uint8; m may be 1 or 70,000; either
    array may be a strided slice.
    """
    # TODO(kata forward): mean of an element-wise comparison (watch for (m, 1) against (m,)).
    raise NotImplementedError("kata 'forward': accuracy(predictions, labels) is not written yet (katas/network.py)")


def backward(params, cache, X, Y):
    """Gradients of the mean cross-entropy with respect to every parameter.

    Returns {"dW1", "db1", "dW2", "db2"}, each of its parameter's shape.

    Output layer: dZ2 = dL/dZ2 is what softmax_cross_entropy_backward gives   # (n_out, m)
        dW2, db2: the output layer's linear step backwards, as in linear_backward,
                  with A1 as that layer's input        # (n_out, n_hidden), (n_out, 1)
    Hidden layer: carry dZ2 back through W2 (linear_backward's third result), then
    through ReLU with this layer's own Z1 (relu_backward): that is dZ1   # (n_hidden, m)
        dW1, db1: the hidden layer's linear step backwards, with X as its input
                                                       # (n_hidden, n_in), (n_hidden, 1)
    W2 is 10x10 in the seed, so a wrong transpose gives the right shape and the wrong
    numbers. The ReLU's mask belongs to the hidden layer.

    Contract (docs/contracts.md):
      signature: backward(params, cache, X, Y), in this order; m is the number of examples.
      dtypes:   float64 in -> float64 gradients; float32 in -> float32 or float64 (float32
                tolerance); uint8 pixels X -> float64.
      layout:   X, Y and the weights may come in any memory layout.
      mutation: params, cache, X and Y are left as they were (no in-place A2 -= Y).
    """
    # TODO(kata backward): the steps above (linear_backward and relu_backward help).
    raise NotImplementedError("kata 'backward': backward(params, cache, X, Y) is not written yet (katas/network.py)")


def update(params, grads, alpha):
    """One step of gradient descent, with step size alpha, on every parameter.

    params has the keys W1, b1, W2, b2; grads has dW1, db1, dW2, db2, each of its
    parameter's shape. To work out: to lower the loss, in which direction does each
    parameter move relative to its own gradient, and how far does alpha take it?
    Return the updated params dict (updating the arrays in place, as the seed does,
    is fine too; do not change grads).

    Contract (docs/contracts.md):
      signature: update(params, grads, alpha), in this order.
      mutation: params may be updated in place or left alone (both are correct: return the
                updated dict either way); grads is left as it was.
      state:    none kept between calls: the same arguments give the same result every time.
    """
    # TODO(kata train): step W1, b1, W2 and b2.
    raise NotImplementedError("kata 'train': update(params, grads, alpha) is not written yet (katas/network.py)")


def train(X, labels, *, alpha, iterations, rng, n_hidden=10):
    """Full-batch gradient descent. Returns (params, losses), one loss per iteration.

    X is (n_in, m), labels (m,) integer classes in [0, 10). The parameters start from
    init_params with this rng, drawn once, for n_in inputs, n_hidden hidden units and
    10 classes. losses[i] is the mean cross-entropy of the parameters as they are before
    the i-th update (losses[0]: the initial parameters'). To work out: one iteration is
    one step of gradient descent on that loss, over the whole batch. Which of your
    functions does it need, in which order, and with what inputs (the loss wants
    one-hot targets)? Which of its results does the next iteration start from?

    Contract (docs/contracts.md):
      returns:  the pair (params, losses): exactly `iterations` losses (a list or an array),
                and the params after the last of exactly `iterations` updates.
      steps:    every update uses exactly the alpha given (no decay, no constant of your
                own), for any alpha and iterations, iterations=1 included. The suite
                compares train with a trusted loop step by step.
      state:    rng is the only source of randomness; two calls with the same arguments
                give the same result (no mutable default such as losses=[]).
    """
    # TODO(kata train): the training loop.
    raise NotImplementedError("kata 'train': train(X, labels, ...) is not written yet (katas/network.py)")
