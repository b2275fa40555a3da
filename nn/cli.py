"""The ``nn-kata`` command: builds the parser and hands each command to its role's package.

Each command's body lives with its role (``nn.learn``, ``nn.train``, ``nn.grade``) and is
imported only when that command runs, so ``nn-kata status`` starts in a blink.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import manifest
from .usage import UsageError


def _command(module: str, name: str):
    """A command body, imported when it runs: ``_command("learn", "cmd_check")``."""
    def run(args):
        return getattr(importlib.import_module(f"nn.{module}.commands"), name)(args)
    return run


# -- parser ----------------------------------------------------------------------------

GLOBAL_DEFAULTS = {"impl": manifest.DEFAULT_IMPL, "timeout": manifest.CHECK_TIMEOUT}


def _global_options(default) -> argparse.ArgumentParser:
    """--impl and --timeout. The top-level parser holds the defaults; each command's copy
    has ``default`` SUPPRESS, so that ``nn-kata --impl solutions check`` keeps the value
    given before the command instead of the command's default writing over it."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--impl", default=default("impl"), metavar="DIR",
                         help="the implementation: katas (default), solutions, or any directory laid out like katas/")
    options.add_argument("--timeout", type=float, default=default("timeout"), metavar="S",
                         help="seconds one check may run before it is stopped (default 10)")
    return options


def build_parser() -> argparse.ArgumentParser:
    top = _global_options(GLOBAL_DEFAULTS.get)
    common = _global_options(lambda name: argparse.SUPPRESS)  # each command's copy: before or after it
    parser = argparse.ArgumentParser(prog="nn-kata", parents=[top],
                                     description="Neural networks from first principles: the kata runner.",
                                     epilog="--impl and --timeout go before or after the command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("status", parents=[common], help="where you are: every kata, done or not (the default)")
    p.set_defaults(func=_command("learn", "cmd_status"))
    p = sub.add_parser("check", parents=[common], help="check one kata (by default the first one not done)")
    p.add_argument("kata", nargs="?")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's full output too")
    p.set_defaults(func=_command("learn", "cmd_check"))
    p = sub.add_parser("hint", parents=[common], help="one more hint for a kata each time you ask (by default the "
                       "first one not done)")
    p.add_argument("kata", nargs="?")
    p.add_argument("--reset", action="store_true", help="start the hints again from the first")
    p.add_argument("--reveal", action="store_true", help="show every rung now, the equation too, before the gate "
                   "opens (the state records it)")
    p.set_defaults(func=_command("learn", "cmd_hint"))
    p = sub.add_parser("watch", parents=[common], help="re-check the kata in progress whenever you save")
    p.add_argument("--poll", action="store_true", help="poll the files instead of waiting for file-system events")
    p.add_argument("--max-checks", type=int, default=0, help=argparse.SUPPRESS)
    p.set_defaults(func=_command("learn", "cmd_watch"))
    p = sub.add_parser("reset", parents=[common], help="put a kata's functions back as the stub has them (keeps a backup)")
    p.add_argument("kata")
    p.set_defaults(func=_command("learn", "cmd_reset"))
    p = sub.add_parser("restore", parents=[common], help="put back the version of a kata that reset saved")
    p.add_argument("kata")
    p.set_defaults(func=_command("learn", "cmd_restore"))
    p = sub.add_parser("examplar", parents=[common], help="run your own tests (mytests/test_KATA.py) against correct "
                       "and buggy implementations: are they valid, and what do they catch?")
    p.add_argument("kata")
    p.add_argument("--tests", metavar="FILE", help="the test file (default mytests/test_KATA.py)")
    p.add_argument("--test-timeout", type=float, default=5.0, metavar="S",
                   help="seconds one test may run against one implementation (default 5)")
    p.set_defaults(func=_command("learn", "cmd_examplar"))
    p = sub.add_parser("trace", parents=[common], help="run a kata's functions on the seed's shapes and show the "
                       "shape of every array beside each line you wrote (linear, forward, backward, train)")
    p.add_argument("kata")
    p.add_argument("--n-hidden", type=int, default=10, help="hidden units (default 10, the seed's; 16 makes W2 "
                   "non-square, so that a transpose changes a shape)")
    p.add_argument("--m", type=int, default=32, help="examples in the batch (default 32)")
    p.set_defaults(func=lambda args: importlib.import_module("nn.learn.trace").cmd_trace(args))
    p = sub.add_parser("unlock", parents=[common], help="predict before you run: answer a kata's short questions "
                       "(a course may require it before check)")
    p.add_argument("kata")
    p.set_defaults(func=lambda args: importlib.import_module("nn.learn.unlock").cmd_unlock(args))
    p = sub.add_parser("list", parents=[common], help="the katas in order, with their functions and the seed's section")
    p.set_defaults(func=_command("learn", "cmd_list"))
    training = argparse.ArgumentParser(add_help=False)
    training.add_argument("--data", metavar="DIR", help="a directory with the MNIST-format files")
    training.add_argument("--dataset", default="auto", choices=["auto", "mnist", "fashion-mnist", "synthetic"],
                          help="auto: MNIST if found, else Fashion-MNIST, else download MNIST, else synthetic")
    from .train.recipes import RECIPES

    training.add_argument("--recipe", choices=sorted(RECIPES),
                          help="a named set of the options below; any you also give wins. "
                          + "; ".join(f"{name}: {text}" for name, (_, text) in RECIPES.items()))
    # Defaults of None: _options tells an option given from one left to the recipe.
    training.add_argument("--alpha", type=float, help="learning rate (default 0.1, the seed's)")
    training.add_argument("--iterations", type=int, default=None,
                          help="full-batch steps (default 500 for train, 100 per rate for lr-sweep)")
    training.add_argument("--epochs", type=int, help="epochs instead of --iterations")
    training.add_argument("--batch-size", type=int, help="mini-batch size (default: the whole set)")
    training.add_argument("--seed", type=int, default=0, help="the seed of the run's random generator (default 0)")
    training.add_argument("--n-hidden", type=int, default=10, help="hidden units (default 10, the seed's)")
    training.add_argument("--dtype", choices=["float64", "float32"], help="default float64")
    training.add_argument("--optimizer", choices=["sgd", "momentum", "adam"],
                          help="sgd (the default) is the seed's; momentum and adam reshape the gradient your "
                          "update() applies")
    training.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                          help="zero-mean, unit-variance pixels")
    training.add_argument("--decay", type=float, help="alpha / (1 + decay * epoch), default 0")
    training.add_argument("--out", metavar="DIR", help="where to save (default runs/KIND-DATASET-TIME)")
    training.add_argument("--no-download", action="store_true", help="never download; fall back to synthetic data")
    p = sub.add_parser("train", parents=[common, training], help="train the network with your functions on real digits")
    p.add_argument("--no-plots", action="store_true", help="save no pictures (the run's numbers only)")
    p.set_defaults(func=_command("train", "cmd_train"))
    p = sub.add_parser("lr-sweep", parents=[common, training], help="final loss against log-spaced learning rates")
    p.add_argument("--alphas", help="comma-separated learning rates (default: 9 from 1e-3 to 10)")
    p.add_argument("--subset", type=int, default=10000, help="train on the first N examples (default 10000)")
    p.set_defaults(func=_command("train", "cmd_lr_sweep"))
    p = sub.add_parser("experiment", parents=[common, training], help="the seed's lessons as experiments: init "
                       "(zeros, unit variance, He, Glorot side by side) or lr (the learning-rate sweep)")
    p.add_argument("which", choices=["init", "lr"])
    p.add_argument("--alphas", help="lr: comma-separated learning rates (default: 9 from 1e-3 to 10)")
    p.add_argument("--subset", type=int, help="train on the first N examples (default 2000 for init, 10000 for lr)")
    p.add_argument("--no-plots", action="store_true", help="save no pictures (the run's numbers only)")
    p.set_defaults(func=_command("train", "cmd_experiment"))
    grading_opts = argparse.ArgumentParser(add_help=False)
    grading_opts.add_argument("--points", metavar="TOML", help="a TOML file with a [points] table overriding the manifest")
    grading_opts.add_argument("--credit", choices=["kata", "checks"], default=None,
                              help="kata: a kata's points when all its checks pass (the default); checks: in "
                              "proportion to the checks that pass. Default: the points file's credit, else kata")
    grading_opts.add_argument("--hidden", metavar="DIR", help="an instructor's directory of hidden checks (test "
                              "modules with the impl fixture and kata markers), graded with the suite, never exported")
    grading_opts.add_argument("--examplar", action="store_true", help="also grade each kata's own tests "
                              "(mytests/test_KATA.py) against correct and buggy implementations, in the sandbox; "
                              "weight: [examplar] points = N in the --points file (default 1 a kata)")
    grading_opts.add_argument("--kata-timeout", type=float, default=60.0, help="seconds one kata may take (default 60)")
    grading_opts.add_argument("--total-timeout", type=float, default=300.0, help="seconds one submission may take (default 300)")
    grading_opts.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of the worker that "
                              "runs a submission's code (default 2048)")
    grading_opts.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto",
                              help="how a submission's code is isolated: bwrap (a bubblewrap sandbox), none (a separate "
                              "worker process only), auto (bwrap where it works, else none, said once; the default)")
    p = sub.add_parser("grade", parents=[common, grading_opts], help="grade one submission (a directory, or a .zip, .tar, .tar.gz, .tar.bz2 or .tar.xz archive)")
    p.add_argument("submission")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--format", choices=["table", "gradescope"], default="table", help="table (the default) "
                   "or gradescope: also write Gradescope's results.json to --out")
    p.add_argument("--out", metavar="FILE", help="with --format gradescope: where to write results.json")
    p.add_argument("--student", metavar="NAME", help="the student's name in the report (default: from --metadata, "
                   "else the submission's name)")
    p.add_argument("--metadata", metavar="FILE", help="Gradescope's submission_metadata.json, read when present "
                   "for the student's name")
    p.add_argument("--feedback", metavar="FILE", help="also write the student's feedback as Markdown")
    p.set_defaults(func=_command("grade", "cmd_grade"))
    p = sub.add_parser("grade-all", parents=[common, grading_opts], help="grade every submission in a directory, in parallel")
    p.add_argument("directory")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, metavar="N",
                   help="submissions graded at a time (default: the number of cores)")
    p.add_argument("--csv", metavar="FILE", help="the gradebook (default DIR-grades/grades.csv)")
    p.add_argument("--out", metavar="DIR", help="where the per-student JSON reports go (default DIR-grades/)")
    p.add_argument("--force", action="store_true", help="regrade submissions that have not changed")
    p.add_argument("--only", nargs="+", metavar="NAME", help="regrade these students only; the others keep their "
                   "stored reports (rescored if --points or --credit changed)")
    p.add_argument("--feedback", metavar="DIR", help="write one Markdown feedback file per student into DIR")
    p.add_argument("--summary", action="store_true", help="write the class's mistakes report (summary.md and "
                   "summary.png) next to the reports")
    p.add_argument("--lms", choices=["canvas", "generic"], help="also write a gradebook to import: canvas "
                   "(Canvas's import columns) or generic (student,total,notes)")
    p.add_argument("--lms-out", metavar="FILE", help="where --lms writes (default DIR-grades/KIND.csv)")
    p.add_argument("--lms-assignment", metavar="NAME", default="nn-katas", help="the assignment's column in "
                   "Canvas (default nn-katas)")
    p.set_defaults(func=_command("grade", "cmd_grade_all"))
    p = sub.add_parser("export", parents=[common], help="write a starter repository for students, without solutions/")
    p.add_argument("directory")
    p.set_defaults(func=_command("grade", "cmd_export"))
    p = sub.add_parser("autograder", parents=[common], help="build a Gradescope autograder, a container build context or a GitHub Actions workflow")
    p.add_argument("--gradescope", metavar="FILE.zip", help="the Gradescope autograder bundle to write (setup.sh, "
                   "run_autograder and the grader, pinned)")
    p.add_argument("--github-actions", metavar="DIR", help="a student repository (made by export) to add the "
                   "GitHub Actions grader to: .github/workflows/grade.yml")
    p.add_argument("--github-classroom", metavar="DIR", help="the old name of --github-actions (GitHub Classroom "
                   "was discontinued)")
    p.add_argument("--docker", metavar="DIR", help="a container build context (Dockerfile and the grader) for "
                   "grading one submission per container on a cluster or a CI fleet")
    p.add_argument("--points", metavar="TOML", help="a TOML file with a [points] table, checked now and graded "
                   "with in every submission's run")
    p.add_argument("--credit", choices=["kata", "checks"], default=None, help="the credit policy (default: the "
                   "points file's, else kata)")
    p.add_argument("--hidden", metavar="DIR", help="hidden checks to put in the Gradescope bundle")
    p.set_defaults(func=_command("grade", "cmd_autograder"))
    return parser


def _terminate(signum, frame):
    # SIGTERM ends the command like Ctrl-C would: temporary directories and workers are cleaned up.
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None) or _command("learn", "cmd_status")
    try:
        code = func(args)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except UsageError as exc:
        print(f"nn-kata: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _pipe_closed()


def _pipe_closed() -> int:
    """The reader of our output went away (``nn-kata check | head -1``): stop quietly, as a
    command killed by SIGPIPE does. Output still buffered goes to /dev/null, so that Python's
    flush at exit does not complain about the closed pipe either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass
    return 128 + 13  # what a shell reports for a command ended by SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
