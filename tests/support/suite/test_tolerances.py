"""One tolerance per quantity (nn/suite/tolerances.py): the kata tests name theirs, and a
structural check (a column sum, a range) allows at least what the value check of the same
output allows, so an answer the value check accepts is never failed by its structure."""
import ast
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from nn.impl import PROJECT_ROOT
from nn.suite import tolerances
from nn.suite.tolerances import FLOAT64, Tolerance, columns_sum_to, within_range

KATA_TESTS = sorted((PROJECT_ROOT / "tests" / "katas").glob("test_*.py"))


def test_no_kata_test_writes_a_tolerance_as_a_number():
    """``rtol=1e-9`` in a kata test would be a second home for a tolerance."""
    found = []
    for path in KATA_TESTS:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg in ("rtol", "atol") and isinstance(kw.value, (ast.Constant, ast.UnaryOp)):
                        found.append(f"{path.name}:{node.lineno}: {kw.arg}={ast.unparse(kw.value)}")
    assert not found, "\n".join(found)


def test_every_named_tolerance_is_a_tolerance():
    names = [n for n in dir(tolerances) if n.isupper() and isinstance(getattr(tolerances, n), Tolerance)]
    assert {"EXACT", "FLOAT64", "GRADIENT", "CENTRAL_DIFFERENCE", "TRAJECTORY"} <= set(names)
    assert dict(**FLOAT64) == {"rtol": FLOAT64.rtol, "atol": FLOAT64.atol}


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.integers(1, 12), st.integers(1, 8), st.integers(0, 2 ** 32 - 1), st.sampled_from([-1.0, 1.0, 0.0]))
def test_an_output_at_the_edge_of_the_value_check_passes_the_sum_and_range_checks(k, m, seed, direction):
    """Every entry moved as far as the value check allows, all the same way: still accepted."""
    expected = special.softmax(np.random.default_rng(seed).normal(0, 3, size=(k, m)), axis=0)
    edge = expected + direction * FLOAT64.bound(expected) * (1 - 1e-6)
    assert np.all(np.isclose(edge, expected, **FLOAT64))  # the value check accepts it
    assert np.all(columns_sum_to(edge, expected, FLOAT64))
    assert np.all(within_range(edge, 0.0, 1.0, FLOAT64))


def test_the_sum_check_still_rejects_what_no_value_check_would_accept():
    expected = np.full((4, 3), 0.25)
    assert not np.any(columns_sum_to(expected * 1.01, expected, FLOAT64))
    assert not np.any(columns_sum_to(np.full((4, 3), 1.0), expected, FLOAT64))  # sums to 4
    assert not np.all(within_range(np.array([-0.01, 0.5, 1.01]), 0.0, 1.0, FLOAT64))


def test_the_softmax_structure_check_accepts_an_answer_at_the_edge_of_its_value_check(tmp_path):
    """The kata's own structure check, run as a learner's pytest runs it, on a softmax whose
    every entry is off by 90% of what the value check allows (one way, so the sums drift most)."""
    impl = tmp_path / "edge"
    impl.mkdir()
    for path in (PROJECT_ROOT / "solutions").glob("*.py"):
        impl.joinpath(path.name).write_text(path.read_text())
    with open(impl / "activations.py", "a") as f:
        f.write(
            "\n\ndef softmax(Z):\n"
            "    from scipy import special\n"
            "    exact = special.softmax(np.asarray(Z, dtype=np.float64), axis=0)\n"
            f"    return exact - 0.9 * ({FLOAT64.atol!r} + {FLOAT64.rtol!r} * exact)\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--impl={impl}",
                           "tests/katas/test_softmax.py::test_softmax_shape_and_columns_sum_to_one",
                           "tests/katas/test_softmax.py::test_softmax_matches_scipy"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
