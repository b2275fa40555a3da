"""Your tests of the relu kata: relu(Z) and relu_backward(dA, Z).

Fixtures: relu, relu_backward (or fn("relu")). Run: nn-kata examplar relu
"""
import numpy as np


def test_relu_keeps_positive_entries(relu):
    Z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    A = relu(Z)
    assert A[0, 1] == 2.0 and A[1, 0] == 3.0


# Your tests here. What would catch a relu_backward that forgets dA? One that changes Z?
