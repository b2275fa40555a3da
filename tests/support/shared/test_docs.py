"""Every command the documents show is checked, so that no document drifts from the code.

- A ``console`` block (``$ command`` lines, each followed by its output) is run for real, its
  commands one after another in a scratch learner's directory (a copy of the stubs and of
  ``mytests/``, a state directory of its own). Each output line shown must appear in the
  actual output, in order: a line ``...`` stands for any lines, a line ending in ``...`` for
  any line that begins so, and timings (``1.8 s``) may differ. A comment
  ``<!-- docs-test: DEST = SRC; DEST += SRC -->`` just before the block copies project files
  into the scratch directory first, or puts a file's functions in place of a stub's: a
  learner's file in a given state.
- Every other command, in ``bash`` blocks and in inline code (``nn-kata ...``), is parsed as
  its program parses it: ``nn-kata`` by its own parser, ``pytest`` paths and markers against
  the project, a script's options against its source. The commands that install the project
  and run this test suite are the README's two, which CI runs itself (``.ci/run``).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nn import manifest
from nn.impl import PROJECT_ROOT

from ..helpers import HANG_GUARD

DOCUMENTS = ["README.md", "CONTRIBUTING.md", *sorted(f"docs/{p.name}" for p in (PROJECT_ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
# Commands of the install and of CI itself, which CI runs (`.ci/run`): not run again here.
SETUP = ("python3 -m venv", "source ", "pip install", ".venv/bin/pip install", "sudo ", "apt-get ", "git ",
         "cd ", "bash .ci/run", "CI=true bash .ci/run", "export ")
FULL_SUITE = "python -m pytest --impl solutions tests"


@dataclass
class Block:
    document: str
    line: int
    language: str
    text: str
    setup: str = ""

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for document in DOCUMENTS:
        path = PROJECT_ROOT / document
        if not path.is_file():
            continue
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            m = re.match(r"```(\w*)\s*$", lines[i])
            if m:
                j = i + 1
                while j < len(lines) and not lines[j].startswith("```"):
                    j += 1
                setup = re.match(r"<!-- docs-test: (.*) -->", lines[i - 1]) if i else None
                found.append(Block(document, i + 1, m.group(1), "\n".join(lines[i + 1:j]),
                                   setup.group(1) if setup else ""))
                i = j
            i += 1
    return found


def inline_commands() -> list[tuple[str, str]]:
    """(where, command) of each inline ``nn-kata ...`` span outside code blocks."""
    found = []
    for document in DOCUMENTS:
        path = PROJECT_ROOT / document
        if not path.is_file():
            continue
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for m in re.finditer(r"`(nn-kata(?: [^`]*)?)`", text):
            found.append((f"{document}: {m.group(1)}", m.group(1)))
    return found


# -- parsing a command as its program would ---------------------------------------------------

def _strip(line: str) -> str:
    """The command of a shell line: no comment, no .venv/bin/ prefix, no prompt."""
    line = line.strip()
    if line.startswith("$ "):
        line = line[2:]
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        words = line.split()
    return " ".join(shlex.quote(w) for w in words).replace(".venv/bin/", "")


def check_command(command: str, named: bool = False) -> None:
    """Fails when ``command`` is not one its program accepts. ``named``: the text may name a
    command without its required arguments (``nn-kata export``), as prose does."""
    if not command or command.startswith(SETUP):
        return
    if command.strip().endswith(FULL_SUITE):
        ci = (PROJECT_ROOT / ".ci" / "run").read_text()
        assert FULL_SUITE in ci, "the README's test command must be the one .ci/run runs"
        return
    for part in re.split(r"\s*(?:&&|;|\|)\s*", command):
        _check_one(shlex.split(part), named)


def _check_one(words: list[str], named: bool = False) -> None:
    if not words:
        return
    program, args = words[0], words[1:]
    if program == "nn-kata":
        from nn.cli import build_parser

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                build_parser().parse_args(args)
            except SystemExit as exc:
                only_missing = named and "the following arguments are required" in out.getvalue()
                assert exc.code == 0 or only_missing, f"nn-kata {' '.join(args)}: {out.getvalue().strip()}"
    elif program == "pytest" or args[:2] == ["-m", "pytest"]:
        args = args[2:] if program != "pytest" else args
        markers = {f"kata_{k.name}" for k in manifest.katas()}
        for i, arg in enumerate(args):
            if i and args[i - 1] == "-m":
                assert arg in markers, f"pytest -m {arg}: no such marker"
            elif not arg.startswith("-") and (i == 0 or args[i - 1] != "--impl") and "/" in arg:
                assert (PROJECT_ROOT / arg.split("::")[0]).exists(), f"pytest {arg}: no such path"
    elif program in ("python", "python3"):
        if args[:1] == ["-m"]:
            module = args[1]
            where = PROJECT_ROOT / Path(*module.split("."))
            assert where.with_suffix(".py").is_file() or (where / "__main__.py").is_file(), f"python -m {module}"
            source, rest = where.with_suffix(".py"), args[2:]
        else:
            source, rest = PROJECT_ROOT / args[0], args[1:]
            assert source.is_file(), f"python {args[0]}: no such script"
        text = source.read_text()
        for option in (a.split("=")[0] for a in rest if a.startswith("--")):
            assert f'"{option}"' in text, f"{source.name} has no option {option}"
    else:
        raise AssertionError(f"a command the documents' test does not know: {' '.join(words)}")


# -- running a console block --------------------------------------------------------------------

def _normal(line: str) -> str:
    line = re.sub(r"\d+(\.\d+)? s\b", "T s", line.rstrip())
    line = re.sub(r"0x[0-9a-f]+", "0x…", line)
    return re.sub(r"[ \t]+", " ", line)


def matches(shown: list[str], actual: list[str]) -> str | None:
    """None when every shown line is found in ``actual`` in order, else the first one not.
    Lines between the shown ones are allowed anywhere: a shown ``...`` only says so."""
    at = 0
    for want in shown:
        if want.strip() == "...":
            continue
        prefix = want.endswith("...")
        target = _normal(want[:-3] if prefix else want)
        while at < len(actual):
            got = _normal(actual[at])
            at += 1
            if got.startswith(target) if prefix else got == target:
                break
        else:
            return want
    return None


def replace_functions(stub: str, functions: str) -> str:
    """``stub`` with each function that ``functions`` defines put in place of the stub's own
    (so that line numbers are a learner's file's)."""
    import ast

    lines = stub.splitlines(keepends=True)
    new = {f.name: f for f in ast.parse(functions).body if isinstance(f, ast.FunctionDef)}
    source = functions.splitlines(keepends=True)
    for old in sorted((f for f in ast.parse(stub).body if isinstance(f, ast.FunctionDef) and f.name in new),
                      key=lambda f: f.lineno, reverse=True):
        f = new[old.name]
        lines[old.lineno - 1:old.end_lineno] = source[f.lineno - 1:f.end_lineno]
    return "".join(lines)


def _scratch(tmp_path: Path, setup: str) -> Path:
    work = tmp_path / "learner"
    for folder in ("katas", "mytests"):
        shutil.copytree(PROJECT_ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for copy in filter(None, (c.strip() for c in setup.split(";"))):
        append = "+=" in copy
        dest, src = (s.strip() for s in copy.split("+=" if append else "="))
        (work / dest).parent.mkdir(parents=True, exist_ok=True)
        if append:
            (work / dest).write_text(replace_functions((work / dest).read_text(), (PROJECT_ROOT / src).read_text()))
        else:
            shutil.copy(PROJECT_ROOT / src, work / dest)
    return work


def run_console(block: Block, tmp_path: Path) -> list[str]:
    """The problems of one console block: each command whose shown output was not produced."""
    work = _scratch(tmp_path, block.setup)
    env = dict(os.environ, NN_KATA_STATE=str(work / ".nn-kata"), NO_COLOR="1", COLUMNS="200",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("CI", None)  # the learner's hypothesis profile: what a learner sees
    problems, steps = [], []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    for command, shown in steps:
        proc = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True,
                              timeout=HANG_GUARD, stdin=subprocess.DEVNULL)
        actual = (proc.stdout + proc.stderr).splitlines()
        missing = matches(shown, actual)
        if missing is not None:
            problems.append(f"$ {command}\n  not in its output: {missing!r}\n  output:\n"
                            + "\n".join("    " + a for a in actual[:60]))
    return problems


CONSOLE = [b for b in blocks() if b.language == "console" and "$ " in b.text]
SHELL = [b for b in blocks() if b.language in ("bash", "sh")]


@pytest.mark.parametrize("block", CONSOLE, ids=[b.id for b in CONSOLE])
def test_a_console_block_shows_what_its_commands_print(block, tmp_path):
    problems = run_console(block, tmp_path)
    assert not problems, f"{block.id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_every_command_of_a_shell_block_is_one_its_program_accepts(block):
    for line in block.text.splitlines():
        check_command(_strip(line))


def test_every_inline_nn_kata_command_parses():
    bad = []
    for where, command in inline_commands():
        if re.search(r"\b[A-Z]{2,}\b|\.\.\.|\[", command):  # a pattern (KATA, DIR, [PATH]), not a command
            continue
        try:
            check_command(_strip(command), named=True)
        except AssertionError as exc:
            bad.append(f"{where}: {exc}")
    assert not bad, "\n".join(bad)


def test_the_matcher_reads_ellipses_and_timings():
    actual = ["kata relu: done (1.8 s)", "a", "b", "First failing check: x is y", "end"]
    assert matches(["kata relu: done (2.1 s)", "...", "First failing...", "end"], actual) is None
    assert matches(["kata relu: done (2.1 s)", "First failing check: x is z"], actual) == "First failing check: x is z"
    assert matches(["end", "kata relu: done (1.8 s)"], actual) == "kata relu: done (1.8 s)"


def test_every_document_is_read():
    assert {"README.md", "CONTRIBUTING.md", "docs/learner.md", "docs/instructor.md", "docs/security.md",
            "docs/suite.md", "docs/benchmarks.md"} <= {d for d in DOCUMENTS if (PROJECT_ROOT / d).is_file()}
    assert len((PROJECT_ROOT / "README.md").read_text().splitlines()) <= 200
