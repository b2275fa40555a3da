"""Your tests of the softmax kata: softmax(Z), one probability distribution per column.

Fixture: softmax (or fn("softmax")). Run: nn-kata examplar softmax
"""
import numpy as np


def test_columns_sum_to_one(softmax):
    Z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    assert np.allclose(softmax(Z).sum(axis=0), 1.0)


# Your tests here. What happens at Z = 1000? When m == k? Is Z the same afterwards?
