"""Correct implementations written differently. Every one must pass every test of its kata.

CORRECT_ROUND_2 was written with the contract matrix (docs/contracts.md) in hand: each one
uses a freedom the contracts leave open (layout of the result, dtype of a float32 or
integer result, RNG draw order, a guard written another way).
"""
from . import Variant as C

CORRECT_ROUND_1 = [
    C("relu-where", "relu", "activations", """
        def relu(Z):
            return np.where(Z > 0, Z, 0.0)
    """),
    C("relu-clip", "relu", "activations", """
        def relu(Z):
            return np.clip(Z, 0, None)
    """),
    C("relu-multiply-by-mask", "relu", "activations", """
        def relu(Z):
            return Z * (Z > 0)
    """),
    C("relu-copy-then-assign", "relu", "activations", """
        def relu(Z):
            A = Z.copy()
            A[A < 0] = 0
            return A
    """),
    C("relu-backward-where", "relu", "activations", """
        def relu_backward(dA, Z):
            return np.where(Z > 0, dA, 0.0)
    """),
    C("relu-backward-copy-and-zero", "relu", "activations", """
        def relu_backward(dA, Z):
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
            return dZ
    """),
    C("softmax-scipy", "softmax", "activations", """
        def softmax(Z):
            from scipy.special import softmax as scipy_softmax
            return scipy_softmax(Z, axis=0)
    """),
    C("softmax-logsumexp", "softmax", "activations", """
        def softmax(Z):
            from scipy.special import logsumexp
            return np.exp(Z - logsumexp(Z, axis=0, keepdims=True))
    """),
    C("softmax-transpose-rows", "softmax", "activations", """
        def softmax(Z):
            T = Z.T - Z.T.max(axis=1)[:, None]
            e = np.exp(T)
            return (e / e.sum(axis=1)[:, None]).T
    """),
    C("one-hot-eye-columns", "loss", "losses", """
        def one_hot(labels, num_classes=10):
            return np.eye(num_classes)[:, labels]
    """),
    C("one-hot-comparison", "loss", "losses", """
        def one_hot(labels, num_classes=10):
            return (np.arange(num_classes)[:, None] == np.asarray(labels)[None, :]).astype(np.float64)
    """),
    C("cross-entropy-gather", "loss", "losses", """
        def cross_entropy(A, Y):
            labels = np.argmax(Y, axis=0)
            return -np.mean(np.log(A[labels, np.arange(A.shape[1])]))
    """),
    C("cross-entropy-where", "loss", "losses", """
        def cross_entropy(A, Y):
            with np.errstate(divide="ignore"):
                logs = np.where(Y > 0, np.log(A), 0.0)
            return float(-(Y * logs).sum(axis=0).mean())
    """),
    C("cross-entropy-tiny-clip", "loss", "losses", """
        def cross_entropy(A, Y):
            return float(-np.sum(Y * np.log(np.clip(A, 1e-300, None))) / A.shape[1])
    """),
    C("he-standard-normal-scaled", "init", "initialization", """
        def he_normal(n_out, n_in, rng):
            return rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
    """),
    C("he-scipy-stats", "init", "initialization", """
        def he_normal(n_out, n_in, rng):
            from scipy import stats
            return stats.norm.rvs(loc=0, scale=(2 / n_in) ** 0.5, size=(n_out, n_in), random_state=rng)
    """),
    C("he-column-by-column", "init", "initialization", """
        def he_normal(n_out, n_in, rng):
            W = np.empty((n_out, n_in))
            for j in range(n_in):
                W[:, j] = rng.normal(scale=np.sqrt(2.0 / n_in), size=n_out)
            return W
    """),
    C("glorot-from-random", "init", "initialization", """
        def glorot_uniform(n_out, n_in, rng):
            a = (6 / (n_in + n_out)) ** 0.5
            return a * (2 * rng.random((n_out, n_in)) - 1)
    """),
    C("init-params-built-in-a-loop", "init", "initialization", """
        def init_params(rng, n_in=784, n_hidden=10, n_out=10):
            params = {}
            for i, (fan_in, fan_out) in enumerate([(n_in, n_hidden), (n_hidden, n_out)], start=1):
                params[f"W{i}"] = he_normal(fan_out, fan_in, rng)
                params[f"b{i}"] = np.zeros(fan_out).reshape(-1, 1)
            return params
    """),
    C("linear-forward-einsum", "linear", "layers", """
        def linear_forward(W, A_prev, b):
            return np.einsum("ij,jm->im", W, A_prev) + b
    """),
    C("linear-forward-dot", "linear", "layers", """
        def linear_forward(W, A_prev, b):
            return np.dot(W, A_prev) + b.reshape(-1, 1)
    """),
    C("linear-backward-mean", "linear", "layers", """
        def linear_backward(dZ, A_prev, W):
            m = dZ.shape[1]
            return np.einsum("im,jm->ij", dZ, A_prev) / m, dZ.mean(axis=1, keepdims=True), np.dot(W.T, dZ)
    """),
    C("numgrad-plus-minus-two-h", "gradcheck", "gradcheck", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for idx in np.ndindex(*x.shape):
                x[idx] += h
                fp = f(x)
                x[idx] -= 2 * h
                fm = f(x)
                x[idx] += h
                grad[idx] = (fp - fm) / (2 * h)
            return grad
    """),
    C("relative-error-sqrt-sums", "gradcheck", "gradcheck", """
        def relative_error(a, b):
            a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
            num = np.sqrt(np.sum((a - b) ** 2))
            den = np.sqrt(np.sum(a ** 2)) + np.sqrt(np.sum(b ** 2))
            return num / den if den > 0 else 0.0
    """),
    C("forward-inline", "forward", "network", """
        def forward(params, X):
            Z1 = np.dot(params["W1"], X) + params["b1"]
            A1 = np.maximum(Z1, 0)
            Z2 = np.dot(params["W2"], A1) + params["b2"]
            e = np.exp(Z2 - Z2.max(0))
            A2 = e / e.sum(0)
            return A2, dict(Z1=Z1, A1=A1, Z2=Z2, A2=A2)
    """),
    C("predict-argmax-method", "forward", "network", """
        def predict(params, X):
            return forward(params, X)[0].argmax(0)
    """),
    C("accuracy-count-nonzero", "forward", "network", """
        def accuracy(predictions, labels):
            return np.count_nonzero(np.ravel(predictions) == np.ravel(labels)) / np.size(labels)
    """),
    C("backward-inline-A1-mask", "backward", "network", """
        def backward(params, cache, X, Y):
            m = X.shape[1]
            dZ2 = cache["A2"] - Y
            dW2 = np.dot(dZ2, cache["A1"].T) / m
            db2 = np.mean(dZ2, axis=1, keepdims=True)
            dZ1 = np.dot(params["W2"].T, dZ2) * (cache["A1"] > 0)
            dW1 = np.dot(dZ1, X.T) / m
            db1 = np.mean(dZ1, axis=1, keepdims=True)
            return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    """),
    C("update-functional", "train", "network", """
        def update(params, grads, alpha):
            return {name: value - alpha * grads["d" + name] for name, value in params.items()}
    """),
    C("update-np-subtract-out", "train", "network", """
        def update(params, grads, alpha):
            for name in params:
                np.subtract(params[name], alpha * grads["d" + name], out=params[name])
            return params
    """),
    C("train-with-functional-update", "train", "network", """
        def train(X, labels, *, alpha, iterations, rng, n_hidden=10):
            params = init_params(rng, n_in=X.shape[0], n_hidden=n_hidden, n_out=10)
            Y = one_hot(labels)
            losses = []
            for _ in range(iterations):
                A2, cache = forward(params, X)
                losses.append(float(cross_entropy(A2, Y)))
                grads = backward(params, cache, X, Y)
                params = {k: params[k] - alpha * grads["d" + k] for k in params}
            return params, np.array(losses)
    """),
]

CORRECT_ROUND_2 = [
    C("relu-average-with-abs", "relu", "activations", """
        def relu(Z):
            return (Z + np.abs(Z)) / 2
    """),
    C("relu-backward-where-not-positive", "relu", "activations", """
        def relu_backward(dA, Z):
            return np.where(Z <= 0, 0, dA)
    """),
    C("softmax-float-copy-in-place", "softmax", "activations", """
        def softmax(Z):
            S = np.array(Z, dtype=float)
            S -= S.max(axis=0)
            np.exp(S, out=S)
            S /= S.sum(axis=0)
            return S
    """),
    C("softmax-without-keepdims", "softmax", "activations", """
        def softmax(Z):
            e = np.exp(Z - Z.max(axis=0))
            return e / e.sum(axis=0)
    """),
    C("one-hot-put-along-axis", "loss", "losses", """
        def one_hot(labels, num_classes=10):
            labels = np.asarray(labels).astype(np.intp)
            Y = np.zeros((num_classes, labels.size))
            np.put_along_axis(Y, labels[None, :], 1.0, axis=0)
            return Y
    """),
    C("cross-entropy-nan-to-num", "loss", "losses", """
        def cross_entropy(A, Y):
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.nan_to_num(Y * np.log(A))
            return float(-terms.sum() / A.shape[1])
    """),
    C("softmax-ce-backward-subtract-one", "loss", "losses", """
        def softmax_cross_entropy_backward(A, Y):
            dZ = np.array(A, dtype=float)
            dZ[np.asarray(Y) == 1] -= 1.0
            return dZ
    """),
    C("he-draws-transposed", "init", "initialization", """
        def he_normal(n_out, n_in, rng):
            return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)).T
    """),
    C("glorot-draws-transposed", "init", "initialization", """
        def glorot_uniform(n_out, n_in, rng):
            a = np.sqrt(6.0 / (n_in + n_out))
            return rng.uniform(low=-a, high=a, size=(n_in, n_out)).T
    """),
    C("init-draws-W2-first", "init", "initialization", """
        def init_params(rng, n_in=784, n_hidden=10, n_out=10):
            W2 = he_normal(n_out, n_hidden, rng)
            W1 = he_normal(n_hidden, n_in, rng)
            return {"W1": W1, "b1": np.zeros((n_hidden, 1)), "W2": W2, "b2": np.zeros((n_out, 1))}
    """),
    C("init-one-block-of-draws", "init", "initialization", """
        def init_params(rng, n_in=784, n_hidden=10, n_out=10):
            z = rng.standard_normal(n_hidden * n_in + n_out * n_hidden)
            W1 = z[:n_hidden * n_in].reshape(n_hidden, n_in) * np.sqrt(2.0 / n_in)
            W2 = z[n_hidden * n_in:].reshape(n_out, n_hidden) * np.sqrt(2.0 / n_hidden)
            return {"W1": W1, "b1": np.zeros((n_hidden, 1)), "W2": W2, "b2": np.zeros((n_out, 1))}
    """),
    C("linear-forward-transposed-product", "linear", "layers", """
        def linear_forward(W, A_prev, b):
            return (A_prev.T @ W.T).T + b
    """),
    C("linear-backward-per-example-loop", "linear", "layers", """
        def linear_backward(dZ, A_prev, W):
            n, m = dZ.shape
            dW = np.zeros(W.shape)
            db = np.zeros((n, 1))
            for i in range(m):
                dW += np.outer(dZ[:, i], A_prev[:, i])
                db[:, 0] += dZ[:, i]
            return dW / m, db / m, W.T @ dZ
    """),
    C("numgrad-flat-iterator", "gradcheck", "gradcheck", """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for i in range(x.size):
                old = x.flat[i]
                x.flat[i] = old + h
                up = f(x)
                x.flat[i] = old - h
                down = f(x)
                x.flat[i] = old
                grad.flat[i] = (up - down) / (2 * h)
            return grad
    """),
    C("relative-error-guard-on-numerator", "gradcheck", "gradcheck", """
        def relative_error(a, b):
            num = np.linalg.norm(a - b)
            if num == 0:
                return 0.0
            return float(num / (np.linalg.norm(a) + np.linalg.norm(b)))
    """),
    C("relative-error-errstate", "gradcheck", "gradcheck", """
        def relative_error(a, b):
            with np.errstate(invalid="ignore"):
                r = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
            return 0.0 if np.isnan(r) else float(r)
    """),
    C("forward-logsumexp", "forward", "network", """
        def forward(params, X):
            from scipy.special import logsumexp
            Z1 = params["W1"] @ X + params["b1"]
            A1 = np.maximum(Z1, 0.0)
            Z2 = params["W2"] @ A1 + params["b2"]
            A2 = np.exp(Z2 - logsumexp(Z2, axis=0, keepdims=True))
            return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    """),
    C("predict-argmax-of-logits", "forward", "network", """
        def predict(params, X):
            _, cache = forward(params, X)
            return np.argmax(cache["Z2"], axis=0)
    """),
    C("accuracy-generator-sum", "forward", "network", """
        def accuracy(predictions, labels):
            return sum(int(p == t) for p, t in zip(predictions, labels)) / len(labels)
    """),
    C("backward-recomputes-forward", "backward", "network", """
        def backward(params, cache, X, Y):
            A2, fresh = forward(params, X)
            m = X.shape[1]
            dZ2 = A2 - Y
            dZ1 = (params["W2"].T @ dZ2) * (fresh["Z1"] > 0)
            return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
                    "dW2": dZ2 @ fresh["A1"].T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
    """),
    C("update-from-the-grads-keys", "train", "network", """
        def update(params, grads, alpha):
            return {key[1:]: params[key[1:]] - alpha * g for key, g in grads.items()}
    """),
    C("train-while-loop", "train", "network", """
        def train(X, labels, *, alpha, iterations, rng, n_hidden=10):
            params = init_params(rng, X.shape[0], n_hidden, 10)
            Y = one_hot(labels)
            losses = np.empty(iterations)
            i = 0
            while i < iterations:
                A2, cache = forward(params, X)
                losses[i] = cross_entropy(A2, Y)
                params = update(params, backward(params, cache, X, Y), alpha)
                i += 1
            return params, list(losses)
    """),
]

# Correct code that differs from the reference only within the contract's precision: a harmless
# epsilon, another summation order, a compensated sum, a log-domain softmax. No check may be
# stricter than the value check of the same output (nn/suite/tolerances.py), so each passes.
CORRECT_PRECISION = [
    C("softmax-eps-in-denominator", "softmax", "activations", """
        def softmax(Z):
            e = np.exp(Z - Z.max(axis=0, keepdims=True))
            return e / (e.sum(axis=0, keepdims=True) + 1e-12)
    """),
    C("softmax-exp-of-log-softmax", "softmax", "activations", """
        def softmax(Z):
            from scipy.special import log_softmax
            return np.exp(log_softmax(Z, axis=0))
    """),
    C("softmax-fsum-per-column", "softmax", "activations", """
        def softmax(Z):
            import math
            e = np.exp(Z - Z.max(axis=0, keepdims=True))
            sums = np.array([math.fsum(e[:, j].tolist()) for j in range(e.shape[1])])
            return e / sums
    """),
    C("softmax-kahan-sum-down-columns", "softmax", "activations", """
        def softmax(Z):
            e = np.exp(Z - Z.max(axis=0, keepdims=True))
            total = np.zeros(e.shape[1])
            carry = np.zeros(e.shape[1])
            for row in e:
                y = row - carry
                t = total + y
                carry = (t - total) - y
                total = t
            return e / total
    """),
    C("softmax-sum-in-reverse-order", "softmax", "activations", """
        def softmax(Z):
            e = np.exp(Z - Z.max(axis=0, keepdims=True))
            return e / e[::-1].sum(axis=0, keepdims=True)
    """),
    C("cross-entropy-fsum", "loss", "losses", """
        def cross_entropy(A, Y):
            import math
            return -math.fsum(np.log(A[Y > 0]).tolist()) / A.shape[1]
    """),
    C("cross-entropy-per-example-then-mean", "loss", "losses", """
        def cross_entropy(A, Y):
            per_example = -np.sum(Y * np.log(np.where(Y > 0, A, 1.0)), axis=0)
            return float(np.mean(per_example))
    """),
    C("linear-forward-one-row-at-a-time", "linear", "layers", """
        def linear_forward(W, A_prev, b):
            return np.vstack([W[i] @ A_prev for i in range(W.shape[0])]) + b
    """),
    C("linear-backward-mean-of-outer-products", "linear", "layers", """
        def linear_backward(dZ, A_prev, W):
            m = A_prev.shape[1]
            dW = sum(np.outer(dZ[:, j], A_prev[:, j]) for j in range(m)) / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            return dW, db, W.T @ dZ
    """),
    C("backward-divide-by-m-first", "backward", "network", """
        def backward(params, cache, X, Y):
            m = X.shape[1]
            dZ2 = (cache["A2"] - Y) / m
            dW2 = dZ2 @ cache["A1"].T
            db2 = dZ2.sum(axis=1, keepdims=True)
            dZ1 = (params["W2"].T @ dZ2) * (cache["Z1"] > 0)
            return {"dW1": dZ1 @ X.T, "db1": dZ1.sum(axis=1, keepdims=True), "dW2": dW2, "db2": db2}
    """),
]

CORRECT = CORRECT_ROUND_1 + CORRECT_ROUND_2 + CORRECT_PRECISION
