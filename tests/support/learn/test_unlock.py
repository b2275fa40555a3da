"""``nn-kata unlock KATA``: questions before the checks run, wrong answers explained by their
misconception, and a course that locks ``check`` until they are answered."""
import subprocess

import pytest

from nn import manifest
from nn.learn.unlock import judge, parse_shape
from nn.suite.diagnose import get

from ..helpers import NN_KATA, PROJECT_ROOT, needs_solutions, nn_kata

RIGHT_BACKWARD = "(10, 784)\n(10, 1)\na\na\n"


def unlock(kata, answers, env):
    return subprocess.run([str(NN_KATA), "unlock", kata], cwd=PROJECT_ROOT, env=env, input=answers,
                          capture_output=True, text=True, timeout=900)


def test_every_kata_has_two_to_four_questions_with_answers_and_known_misconceptions():
    for kata in manifest.katas():
        assert 2 <= len(kata.questions) <= 4, kata.name
        for q in kata.questions:
            assert q.kind in ("shape", "choice")
            if q.kind == "shape":
                assert parse_shape(q.answer) is not None and judge(q, q.answer)[0]
                ids = [q.misconception]
            else:
                assert q.answer in q.choices and len(q.misconceptions) == len(q.choices)
                assert q.misconceptions[q.choices.index(q.answer)] == ""
                ids = [m for m in q.misconceptions if m]
            for mid in filter(None, ids):
                get(mid)  # a KeyError names an unknown misconception


@pytest.mark.parametrize("text, shape", [("(10, 784)", (10, 784)), ("10,784", (10, 784)), ("10 x 784", (10, 784)),
                                         ("(32,)", (32,)), ("32", (32,)), ("ten", None), ("", None)])
def test_shapes_are_read_as_tuples(text, shape):
    assert parse_shape(text) == shape


def test_wrong_answers_get_their_misconception_and_right_ones_unlock(env):
    proc = unlock("backward", "(784, 10)\n(10, 784)\n(10,)\n(10, 1)\nb\nA2 - Y\nd\na\n", env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "1/4. shape of dW1 for n_in = 784, n_hidden = 10, m = 32?" in out
    assert "the mistake called 'the transpose of the right answer'" in out
    assert "the mistake called 'a (n,) vector where a (n, 1) column belongs'" in out
    assert "the mistake called 'off by exactly a factor m'" in out
    assert "the mistake called 'wrong ReLU mask'" in out
    assert out.count("right.") == 4 and "Kata backward unlocked (this course does not require it" in out


def test_tries_run_out_with_the_answer_shown_and_eof_stops(env):
    proc = unlock("linear", "(1, 2)\n(3, 4)\n(5, 6)\n", env)
    assert proc.returncode == 1 and "The answer: (10, 784). Work it through in docs/derivation.md#kata-linear" in proc.stdout
    assert "Stopped before the end: run `nn-kata unlock` again" in proc.stdout


@needs_solutions
def test_a_course_that_turns_unlock_on_locks_check_until_answered(env, tmp_path):
    course = tmp_path / "course.toml"
    course.write_text('[course]\nunlock = ["backward"]\n')
    env = dict(env, NN_KATA_COURSE=str(course))
    proc = nn_kata("check", "backward", "--impl", "solutions", env=env)
    assert proc.returncode == 1 and "kata backward is locked in this course" in proc.stdout
    assert "`nn-kata unlock backward` asks 4 short questions" in proc.stdout
    assert nn_kata("check", "relu", "--impl", "solutions", env=env).returncode == 0  # not locked in this course
    assert unlock("backward", RIGHT_BACKWARD, env).stdout.endswith(
        "Kata backward unlocked. Now write it, then `nn-kata check backward`.\n")
    proc = nn_kata("check", "backward", "--impl", "solutions", env=env)
    assert proc.returncode == 0 and "done: all" in proc.stdout


def test_unlock_is_off_by_default(env):
    assert manifest.course().unlock is False
    proc = nn_kata("check", "backward", env=env)
    assert "locked" not in proc.stdout and "not started" in proc.stdout
