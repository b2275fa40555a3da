"""--impl and --timeout mean the same before the command (``nn-kata --impl DIR check``) as
after it (``nn-kata check --impl DIR``), for every command."""
import pytest

from nn import cli
from nn.impl import PROJECT_ROOT

from ..helpers import needs_solutions, nn_kata

# Every command, with the arguments it needs to get as far as reading its options.
COMMANDS = {
    "status": [],
    "check": ["relu"],
    "hint": [],
    "watch": ["--poll", "--max-checks", "1"],
    "reset": ["relu"],
    "restore": ["relu"],
    "list": [],
    "train": ["--dataset", "synthetic", "--no-download", "--iterations", "3", "--no-plots"],
    "lr-sweep": ["--dataset", "synthetic", "--no-download", "--iterations", "3", "--subset", "100"],
    "grade": ["submission.zip"],
    "grade-all": ["class/"],
    "export": ["starter/"],
    "autograder": [],
    "trace": ["backward"],
    "unlock": ["relu"],
    "experiment": ["init", "--dataset", "synthetic", "--no-download", "--iterations", "3", "--subset", "100",
                   "--no-plots"],
    "examplar": ["softmax"],
}
# The commands that read the implementation directory.
USE_IMPL = ["status", "check", "hint", "watch", "reset", "restore", "train", "lr-sweep", "trace", "experiment"]


def both_ways(command, options):
    """The command line with ``options`` before the command, and with them after it."""
    return [[*options, command, *COMMANDS[command]], [command, *COMMANDS[command], *options]]


def test_every_command_is_in_the_table():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert sorted(commands) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_parser_reads_both_places_alike(command):
    parse = cli.build_parser().parse_args
    for argv in both_ways(command, ["--impl", "elsewhere", "--timeout", "3"]):
        args = parse(argv)
        assert (args.impl, args.timeout) == ("elsewhere", 3.0), argv
    defaults = parse([command, *COMMANDS[command]])
    assert (defaults.impl, defaults.timeout) == ("katas", 10.0)
    after_wins = parse(["--impl", "first", command, *COMMANDS[command], "--impl", "second"])
    assert after_wins.impl == "second"


@pytest.mark.parametrize("command", USE_IMPL)
def test_a_missing_implementation_is_refused_in_either_place(env, command):
    for argv in both_ways(command, ["--impl", "nosuchdir"]):
        proc = nn_kata(*argv, env=env)
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert "--impl nosuchdir: no such directory" in proc.stderr, argv
        assert proc.stdout == "", argv  # nothing ran: no "done", no report of katas/


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bad_timeout_is_refused_in_either_place(env, command):
    for argv in both_ways(command, ["--timeout", "soon"]):
        proc = nn_kata(*argv, env=env)
        assert proc.returncode == 2 and "argument --timeout: invalid float value: 'soon'" in proc.stderr, argv


@needs_solutions
def test_check_and_status_use_the_implementation_given_before_the_command(env):
    for argv in (["--impl", "solutions", "check", "relu"], ["check", "relu", "--impl", "solutions"]):
        proc = nn_kata(*argv, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "(solutions/activations.py: relu, relu_backward)" in proc.stdout and "done: all" in proc.stdout
    for argv in (["--impl", "solutions", "status"], ["status", "--impl", "solutions"]):
        out = nn_kata(*argv, env=env).stdout
        assert "katas done   (solutions/)" in out


def test_the_timeout_given_before_the_command_stops_a_loop(env, student):
    (student / "losses.py").write_text((student / "losses.py").read_text().replace(
        'def one_hot(labels, num_classes=10):\n', 'def one_hot(labels, num_classes=10):\n    while True:\n        pass\n', 1))
    for argv in (["--timeout", "1", "check", "loss", "--impl", student],
                 ["check", "loss", "--impl", student, "--timeout", "1"]):
        proc = nn_kata(*argv, env=env)
        assert proc.returncode == 1 and "stopped after 1 s" in proc.stdout, proc.stdout


def test_hint_watch_reset_and_restore_use_the_implementation_given_before(env, student):
    def run(where, command, *rest):
        options = ["--impl", student]
        return nn_kata(*([*options, command, *rest] if where == "before" else [command, *rest, *options]), env=env)

    for where in ("before", "after"):

        assert "Hints for kata softmax" in run(where, "hint").stdout, where  # relu is done in the student's copy
        watch = run(where, "watch", "--poll", "--max-checks", "1")
        assert watch.returncode == 1 and "checking softmax" in watch.stdout, where
        assert "saved as" in run(where, "reset", "relu").stdout and "TODO(kata relu)" in (student / "activations.py").read_text()
        assert run(where, "restore", "relu").returncode == 0
        assert "np.maximum(0, Z)" in (student / "activations.py").read_text(), where


@needs_solutions
@pytest.mark.parametrize("command", ["train", "lr-sweep"])
def test_training_uses_the_implementation_given_before_the_command(env, tmp_path, command):
    (tmp_path / "katas").mkdir()  # the default from here: were it used instead, training could not start
    for i, argv in enumerate(both_ways(command, ["--impl", "solutions"])):
        proc = nn_kata(*argv, "--out", tmp_path / str(i), env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert f"saved in {tmp_path / str(i)}/" in proc.stdout
        if command == "train":
            assert f"with {PROJECT_ROOT / 'solutions'}/" in proc.stdout
