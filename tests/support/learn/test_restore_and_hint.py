"""``nn-kata restore KATA`` undoes ``reset``; ``nn-kata hint`` without a kata takes the next one."""
from ..helpers import FIXTURES, needs_solutions, nn_kata

SOFTMAX_STUB = "    raise NotImplementedError(\"kata 'softmax': not yet"
SOFTMAX_MINE = "    e = np.exp(Z - Z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)\n"


def test_restore_puts_back_what_reset_saved(env, student):
    activations = student / "activations.py"
    mine = activations.read_text()
    assert nn_kata("reset", "relu", "--impl", student, env=env).returncode == 0
    assert activations.read_text() != mine
    proc = nn_kata("restore", "relu", "--impl", student, env=env)
    assert proc.returncode == 0, proc.stderr
    assert activations.read_text() == mine
    assert "Put back relu, relu_backward in activations.py from " in proc.stdout
    assert "the version `nn-kata reset relu` saved" in proc.stdout
    assert "Your current file is saved as " in proc.stdout  # restore can be undone by hand too
    assert "✓ 1. relu" in nn_kata("status", "--impl", student, env=env).stdout


def test_restore_keeps_the_other_katas_work_in_the_same_file(env, student):
    activations = student / "activations.py"
    nn_kata("reset", "relu", "--impl", student, env=env)
    text = activations.read_text()
    stub_line = next(line for line in text.splitlines() if line.startswith(SOFTMAX_STUB))
    activations.write_text(text.replace(stub_line + "\n", SOFTMAX_MINE))  # softmax written after the reset
    nn_kata("restore", "relu", "--impl", student, env=env)
    text = activations.read_text()
    assert "np.maximum(0, Z)" in text and SOFTMAX_MINE in text


def test_a_second_reset_does_not_hide_the_saved_version(env, student):
    mine = (student / "activations.py").read_text()
    nn_kata("reset", "relu", "--impl", student, env=env)
    again = nn_kata("reset", "relu", "--impl", student, env=env)
    assert "already as the stub has them" in again.stdout and "saved as" not in again.stdout
    nn_kata("restore", "relu", "--impl", student, env=env)
    assert (student / "activations.py").read_text() == mine


def test_restore_takes_the_newest_backup_of_the_same_directory(env, student, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "activations.py").write_text((FIXTURES / "relu_done.py").read_text() + "\n# other's\n")
    mine = (student / "activations.py").read_text()
    nn_kata("reset", "relu", "--impl", student, env=env)
    nn_kata("reset", "relu", "--impl", other, env=env)  # newer, but of another directory
    nn_kata("restore", "relu", "--impl", student, env=env)
    assert (student / "activations.py").read_text() == mine


def test_restore_without_a_backup_says_how_to_make_one(env, student):
    proc = nn_kata("restore", "softmax", "--impl", student, env=env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no saved version of kata softmax" in proc.stderr and "`nn-kata reset softmax` saves one" in proc.stderr


def test_hint_without_a_kata_takes_the_next_one_not_done(env, student):
    first = nn_kata("hint", "--impl", student, env=env)
    assert first.returncode == 0 and first.stdout.startswith("Hints for kata softmax")  # relu is done
    assert "1/3" in first.stdout and "2/3" not in first.stdout
    second = nn_kata("hint", "--impl", student, env=env)
    assert "2/3" in second.stdout and "`nn-kata hint softmax` again" in second.stdout
    assert "1/3" in nn_kata("hint", "--impl", student, "relu", env=env).stdout  # a named kata still wins


@needs_solutions
def test_hint_with_every_kata_done(env):
    proc = nn_kata("hint", "--impl", "solutions", env=env)
    assert proc.returncode == 0 and "All katas pass" in proc.stdout
