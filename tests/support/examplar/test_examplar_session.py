"""``nn-kata examplar KATA``: a learner's own tests judged against the catalogue's correct
(wheat) and buggy (chaff) implementations, run as a learner runs it."""
import os
import textwrap

import pytest

from nn.impl import PROJECT_ROOT
from tests.catalogue.bugs import BUGS

from ..helpers import FIXTURES, SOLUTIONS, nn_kata

needs_catalogue = pytest.mark.skipif(not SOLUTIONS.is_dir() or not (PROJECT_ROOT / "tests" / "catalogue").is_dir(),
                                     reason="solutions/ and tests/catalogue are not here")
pytestmark = needs_catalogue
SOFTMAX_CHAFFS = sum(b.kata == "softmax" for b in BUGS)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    # One state directory for the module: the variants are compiled once and reused.
    return dict(os.environ, NN_KATA_STATE=str(tmp_path_factory.mktemp("state")), NO_COLOR="1")


def examplar(tmp_path, env, source, *args, kata="softmax"):
    tests = tmp_path / f"test_{kata}.py"
    tests.write_text(textwrap.dedent(source))
    proc = nn_kata("examplar", kata, "--tests", tests, *args, env=env)
    return proc.returncode, proc.stdout + proc.stderr


THOROUGH = (FIXTURES / "thorough_softmax_tests.py").read_text()


def test_a_thorough_file_catches_every_chaff_and_rejects_no_wheat(tmp_path, env):
    code, out = examplar(tmp_path, env, THOROUGH)
    assert code == 0, out
    assert "Validity: ✓ every test passes all" in out
    assert f"Thoroughness: {SOFTMAX_CHAFFS} of {SOFTMAX_CHAFFS} chaffs caught" in out
    assert "overflow or NaN" in out and "a max not taken per column" in out  # chaffs named by misconception
    assert "Every test is valid and every chaff is caught." in out
    assert "def softmax" not in out and "np.exp" not in out  # no variant's code is shown


def test_the_learners_own_implementation_counts_as_a_wheat_once_it_passes(tmp_path, env):
    code, out = examplar(tmp_path, env, THOROUGH, "--impl", SOLUTIONS)
    assert code == 0, out
    assert "not counted as a wheat" not in out
    _, stubs = examplar(tmp_path, env, THOROUGH)  # katas/: the stubs
    assert "Your own softmax in katas/ is not counted as a wheat: it does not pass the kata yet." in stubs


def test_a_test_that_rejects_a_wheat_names_the_wheat_not_its_code(tmp_path, env):
    code, out = examplar(tmp_path, env, """
        import numpy as np


        def test_exactly_my_formula(softmax):
            Z = np.array([[0.1, 2.3, -1.7], [0.7, -0.2, 3.1], [1.9, 0.4, 0.05]])
            e = np.exp(Z - Z.max(axis=0, keepdims=True))
            assert np.array_equal(softmax(Z), e / e.sum(axis=0, keepdims=True))
    """)
    assert code == 1, out
    assert "Validity: ✗ 1 of 1 tests reject a correct implementation:" in out
    assert "test_exactly_my_formula rejects a correct softmax that uses scipy.special.logsumexp" in out
    assert "logsumexp(" not in out


def test_a_test_that_asserts_nothing_passes_every_chaff(tmp_path, env):
    code, out = examplar(tmp_path, env, """
        import numpy as np


        def test_it_runs(softmax):
            softmax(np.zeros((2, 2)))
    """)
    assert code == 1, out
    assert f"Thoroughness: 0 of {SOFTMAX_CHAFFS} chaffs caught" in out
    assert "test_it_runs asserts nothing: it passes every chaff" in out
    assert "Hint for chaff 1 (" in out  # one missed chaff at a time, with its misconception's hint


def test_an_empty_file_has_no_tests(tmp_path, env):
    code, out = examplar(tmp_path, env, "")
    assert code == 1
    assert "has no tests: write a function named test_... that takes the softmax fixture" in out


def test_a_file_that_does_not_import_is_named_with_its_error(tmp_path, env):
    code, out = examplar(tmp_path, env, """
        import numpy as np

        def test_x(softmax:
            pass
    """)
    assert code == 1
    assert "does not import:" in out and "SyntaxError" in out and "line 4" in out
    assert "Nothing was run." in out


def test_tests_that_never_call_loop_or_take_no_fixture_are_each_named(tmp_path, env):
    code, out = examplar(tmp_path, env, """
        import numpy as np


        def test_never_calls(softmax):
            assert np.zeros(2).sum() == 0


        def test_loops(softmax):
            softmax(np.zeros((2, 2)))
            while True:
                pass


        def test_no_fixture():
            assert True


        def test_columns_sum_to_one(softmax):
            assert np.allclose(softmax(np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 5.0]])).sum(axis=0), 1)
    """, "--test-timeout", "1")
    assert code == 1, out
    assert "test_never_calls does not exercise softmax: it never calls it through the fixture" in out
    assert "test_loops ran past its time limit against a correct softmax" in out
    assert "it was not run against the rest" in out
    assert "test_no_fixture takes no fixture of kata softmax" in out
    assert "Validity: ✓" in out  # none of them rejects a wheat, and the good test still counts
    assert "caught by test_columns_sum_to_one" in out


def test_a_missing_file_is_a_usage_error(tmp_path, env):
    proc = nn_kata("examplar", "softmax", "--tests", tmp_path / "nothing.py", env=env)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_every_shipped_stub_test_is_valid_and_exercises_its_kata(tmp_path, env):
    for kata in ("relu", "softmax", "loss", "init", "linear", "gradcheck", "forward", "backward", "train"):
        proc = nn_kata("examplar", kata, env=env)
        assert "Validity: ✓" in proc.stdout, proc.stdout + proc.stderr
        assert "Tests to look at" not in proc.stdout, proc.stdout


def test_a_test_that_ends_the_process_is_named_with_the_implementation_it_ran_against(tmp_path, env):
    code, out = examplar(tmp_path, env, """
        import os

        import numpy as np


        def test_exits(softmax):
            softmax(np.zeros((2, 2)))
            os._exit(3)
    """)
    assert code == 1
    assert "test_exits ended the test process against a correct softmax" in out
    assert "there is no verdict" in out


def test_a_shipped_pack_runs_without_the_catalogues_and_holds_no_source(tmp_path, monkeypatch):
    """What a starter ships in place of tests/catalogue and solutions/: bytecode only."""
    from nn.examplar import variants as core
    from nn.learn.state import STATE_DIR

    pack = core.write_pack(tmp_path / "examplar-pack")
    assert not list(pack.rglob("*.py"))
    monkeypatch.setattr(core, "CATALOGUE", tmp_path / "no-catalogue")
    monkeypatch.setattr(core, "SHIPPED", pack)
    entries, origin = core.variants("softmax", STATE_DIR)
    assert origin == "examplar-pack/"
    assert sum(e["role"] == "chaff" for e in entries) == SOFTMAX_CHAFFS
    chaff = next(e for e in entries if e["name"] == "softmax-no-max-shift")
    softmax = core.PackedImplementation(chaff["dir"]).function("softmax")
    import inspect

    import numpy as np

    with np.errstate(all="ignore"):
        assert np.isnan(softmax(np.array([[1000.0], [999.0]]))).any()  # the bug is there to catch
    with pytest.raises(OSError):
        inspect.getsource(softmax)  # and its code is not

