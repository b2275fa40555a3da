"""How ``nn-kata examplar`` names a correct variant (a wheat) without showing its code:
"your test rejects a correct softmax that uses scipy.special.logsumexp"."""
from __future__ import annotations

# catalogue id -> (function, what sets it apart). Said as a learner would recognise it.
WHEATS = {
    "relu-where": ("relu", "uses np.where(Z > 0, Z, 0.0)"),
    "relu-clip": ("relu", "uses np.clip(Z, 0, None)"),
    "relu-multiply-by-mask": ("relu", "multiplies Z by its mask"),
    "relu-copy-then-assign": ("relu", "copies Z, then zeroes the negative entries"),
    "relu-average-with-abs": ("relu", "computes (Z + |Z|) / 2"),
    "relu-backward-where": ("relu_backward", "uses np.where on the mask"),
    "relu-backward-copy-and-zero": ("relu_backward", "copies dA, then zeroes it where Z <= 0"),
    "relu-backward-where-not-positive": ("relu_backward", "uses np.where(Z <= 0, 0, dA), whose dtype follows dA"),
    "softmax-scipy": ("softmax", "calls scipy.special.softmax"),
    "softmax-logsumexp": ("softmax", "uses scipy.special.logsumexp"),
    "softmax-transpose-rows": ("softmax", "works on the rows of the transpose"),
    "softmax-float-copy-in-place": ("softmax", "works in place on a float copy of Z"),
    "softmax-without-keepdims": ("softmax", "takes the max and the sum without keepdims"),
    "one-hot-eye-columns": ("one_hot", "takes columns of np.eye"),
    "one-hot-comparison": ("one_hot", "compares a column of class numbers with the labels"),
    "one-hot-put-along-axis": ("one_hot", "uses np.put_along_axis"),
    "cross-entropy-gather": ("cross_entropy", "gathers the label's probability by index and returns a NumPy scalar"),
    "cross-entropy-where": ("cross_entropy", "takes the log only where Y > 0"),
    "cross-entropy-tiny-clip": ("cross_entropy", "clips A at 1e-300 before the log"),
    "cross-entropy-nan-to-num": ("cross_entropy", "turns the NaN of 0 * log(0) into 0"),
    "softmax-ce-backward-subtract-one": ("softmax_cross_entropy_backward", "subtracts 1 where Y is 1"),
    "he-standard-normal-scaled": ("he_normal", "scales rng.standard_normal"),
    "he-scipy-stats": ("he_normal", "draws with scipy.stats.norm from the Generator"),
    "he-column-by-column": ("he_normal", "draws one column at a time"),
    "he-draws-transposed": ("he_normal", "draws (n_in, n_out) and transposes, so the same seed gives other numbers"),
    "glorot-from-random": ("glorot_uniform", "rescales rng.random"),
    "glorot-draws-transposed": ("glorot_uniform", "draws (n_in, n_out) and transposes"),
    "init-params-built-in-a-loop": ("init_params", "builds the parameters in a loop"),
    "init-draws-W2-first": ("init_params", "draws W2 before W1"),
    "init-spawned-generators": ("init_params", "draws each layer from a generator spawned from rng"),
    "linear-forward-einsum": ("linear_forward", "uses np.einsum"),
    "linear-forward-dot": ("linear_forward", "uses np.dot"),
    "linear-forward-transposed-product": ("linear_forward", "computes (A_prev.T @ W.T).T, whose memory layout differs"),
    "linear-backward-mean": ("linear_backward", "uses einsum and a mean"),
    "linear-backward-per-example-loop": ("linear_backward", "adds up one example at a time"),
    "numgrad-plus-minus-two-h": ("numerical_gradient", "steps to x + h, then back by 2h"),
    "numgrad-flat-iterator": ("numerical_gradient", "walks x through x.flat"),
    "relative-error-sqrt-sums": ("relative_error", "writes the norms as square roots of sums"),
    "relative-error-guard-on-numerator": ("relative_error", "returns 0.0 when the difference is 0"),
    "relative-error-errstate": ("relative_error", "turns the NaN of 0 / 0 into 0.0"),
    "forward-inline": ("forward", "writes relu and softmax inline"),
    "forward-logsumexp": ("forward", "uses scipy.special.logsumexp for the softmax"),
    "predict-argmax-method": ("predict", "uses the argmax method"),
    "predict-argmax-of-logits": ("predict", "takes the argmax of the logits Z2"),
    "accuracy-count-nonzero": ("accuracy", "uses np.count_nonzero"),
    "accuracy-generator-sum": ("accuracy", "counts with a Python loop and returns a Python float"),
    "backward-inline-A1-mask": ("backward", "takes the ReLU mask from A1 > 0"),
    "backward-recomputes-forward": ("backward", "recomputes the forward pass instead of reading the cache"),
    "update-functional": ("update", "returns new arrays"),
    "update-np-subtract-out": ("update", "updates the arrays in place with np.subtract(out=...)"),
    "update-from-the-grads-keys": ("update", "walks the keys of grads"),
    "train-with-functional-update": ("train", "updates the parameters inline"),
    "train-while-loop": ("train", "uses a while loop and returns the losses as a list"),
}


def describe_wheat(variant) -> str:
    """``a correct softmax that uses scipy.special.logsumexp``, or, for a variant not listed
    above, its catalogue name in words."""
    function, how = WHEATS.get(variant.id, (None, None))
    if function is None:
        return f"a correct {variant.kata} written another way ({variant.id.replace('-', ' ')})"
    return f"a correct {function} that {how}"
