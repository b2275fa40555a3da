"""Named sets of training options for `nn-kata train --recipe NAME`. No imports: the CLI
builds its parser from this, and `nn-kata status` must not pay for numpy."""

# Options given on the command line win over the recipe's.
# The figures are bench/bench_training.py's, on the 784-10-10 network (docs/benchmarks.md).
RECIPES = {
    "seed": ({}, "the seed's: alpha 0.1, 500 full-batch steps of plain gradient descent"),
    "best": ({"epochs": 20, "batch_size": 32, "alpha": 0.05, "optimizer": "momentum", "standardize": True,
              "decay": 0.2}, "the most accurate: momentum, 20 epochs of batches of 32 (Fashion-MNIST 0.854)"),
    "fast": ({"epochs": 10, "batch_size": 1000, "alpha": 0.02, "optimizer": "adam", "standardize": True,
              "decay": 0.2, "dtype": "float32"},
             "the quickest to scikit-learn's accuracy: Adam, 10 epochs of batches of 1000, float32"),
}
