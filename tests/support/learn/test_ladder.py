"""The hint ladder: three rungs per kata, the located rung tied to the last check, the gate on
the equation, ``--reveal``, a course's override, the derivation guide's sections, and no
final formula anywhere but the last rung: not in a stub, not in a misconception's hint, not in
``nn-kata list``."""
import ast
import re

import pytest

from nn import manifest
from nn.impl import PROJECT_ROOT
from nn.suite.diagnose import MISCONCEPTIONS
from tests.catalogue.bugs import BUGS

from ..helpers import SOLUTIONS, needs_solutions, nn_kata

BUG = {b.id: b for b in BUGS}

# Notations that write the same formula: unicode operators, arrows, transposes, norms.
_SPELLINGS = [
    ("\u2212", "-"), ("\u2013", "-"), ("\u2014", "-"), ("\u2190", "="), ("\u27f5", "="), ("\u21d0", "="),
    ("<-", "="), (":=", "="), ("\u00d7", "*"), ("\u00b7", "*"), ("\u22c5", "*"), ("\u2299", "*"),
    ("\u2218", "*"), ("\u03b1", "alpha"), ("\u221a", "sqrt"), ("\u2016", "||"), ("\u2211", "sum"),
    ("\u03a3", "sum"), ("\u1d40", ".T"), ("\u00b2", "^2"), ("**", "^"), (".transpose()", ".T"), ("'", '"'),
    ("\u2018", '"'), ("\u2019", '"'), ("\u201c", '"'), ("\u201d", '"'),
]
_TOKEN = re.compile(r"[a-z_][a-z0-9_]*|\d+(?:\.\d+)?(?:e[-+]?\d+)?|[-+*/=<>!]=|->|\S")


def _tokens(text: str) -> list[str]:
    """The text as a formula reads: spacing, case, the np./numpy./linalg. prefix, unicode
    operators and quotes, 2.0 against 2, x^T against x.T, ||x|| against norm(x) and the
    multiplication sign (written, @, or left out) make no difference."""
    for spelled, canonical in _SPELLINGS:
        text = text.replace(spelled, canonical)
    text = re.sub(r"\^\{?T\}?(?![A-Za-z0-9_])", ".T", text)
    text = re.sub(r"\|\|(.+?)\|\|", r"norm(\1)", text)
    text = re.sub(r"\b(?:np|numpy)\.(?:linalg\.)?|\blinalg\.", "", text.lower())
    text = re.sub(r"\b(\d+)\.0*(?![\d.])", r"\1", text)
    return [t for t in _TOKEN.findall(text) if t not in ("*", "@")]


def _gives(text: str, formula: str) -> bool:
    """Whether text contains formula, token for token (``A - Y`` is not in ``data - Y``)."""
    sep = "\x1f"
    return f"{sep}{sep.join(_tokens(formula))}{sep}" in f"{sep}{sep.join(_tokens(text))}{sep}"


def _leaks(texts: dict[str, str]) -> list[str]:
    """'where: formula' for every final formula, of any kata, that one of the texts gives."""
    formulas = [f for kata in manifest.katas() for f in kata.formulas]
    return [f"{where}: {f}" for where, text in texts.items() for f in formulas if _gives(text, f)]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_kata_has_three_rungs_a_guide_section_and_formulas():
    guide = (PROJECT_ROOT / manifest.course().guide).read_text()
    anchors = {_slug(line.lstrip("#")) for line in guide.splitlines() if line.startswith("## ")}
    for kata in manifest.katas():
        assert len(kata.hints) == 3 and kata.formulas, kata.name
        assert kata.guide in anchors, f"{kata.name}: no section #{kata.guide} in {manifest.course().guide}"
        assert all(len(_tokens(f)) >= 3 for f in kata.formulas), f"{kata.name}: a formula too short to be one"
        assert any(_gives(kata.hints[-1], f) for f in kata.formulas), f"{kata.name}: the equation rung gives none"


def test_only_the_last_rung_gives_a_final_formula():
    for kata in manifest.katas():
        leaked = _leaks({f"{kata.name} rung {i}": rung for i, rung in enumerate(kata.hints[:-1], start=1)})
        assert not leaked, f"{kata.name}: an early rung gives a final formula: {leaked}"


def _stub_texts(name: str, source: str) -> dict[str, str]:
    """A stub file in pieces: each function (signature, docstring, comments and body) and the rest."""
    lines = source.splitlines(keepends=True)
    pieces, rest = {}, list(lines)
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            end = node.end_lineno
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
                end += 1  # comments after the body's last statement belong to the function too
            pieces[f"{name}:{node.name}"] = "".join(lines[start:end])
            rest[start:end] = [""] * (end - start)
    pieces[f"{name} (module)"] = "".join(rest)
    return pieces


def test_no_stub_gives_a_final_formula():
    """Docstrings, TODO comments and code of the stubs as katas/ has them and as nn/stubs.zip
    ships them (what `nn-kata reset` restores) give no kata's final formula."""
    from nn.stubs import pristine_files

    texts = {}
    for path in sorted((PROJECT_ROOT / "katas").glob("*.py")):
        texts.update(_stub_texts(f"katas/{path.name}", path.read_text()))
    for name, source in sorted(pristine_files().items()):
        texts.update(_stub_texts(f"nn/stubs.zip:{name}", source))
    leaked = _leaks(texts)
    assert not leaked, "stubs give a final formula:\n  " + "\n  ".join(leaked)


def test_no_misconception_hint_and_no_list_line_gives_a_final_formula(env):
    """A misconception's title and hint reach the learner from every failing check, and `unlock`
    and `nn-kata list` are open to all: the equation stays behind the gate."""
    texts = {f"misconception {m.id}": f"{m.title}. {m.hint}" for m in MISCONCEPTIONS.values()}
    listed = nn_kata("list", env=env)
    assert listed.returncode == 0 and "derivation: docs/derivation.md#kata-relu" in listed.stdout
    texts.update({f"nn-kata list, line {i}": line for i, line in enumerate(listed.stdout.splitlines(), start=1)})
    leaked = _leaks(texts)
    assert not leaked, "final formulas outside the gate:\n  " + "\n  ".join(leaked)


@pytest.fixture
def buggy(tmp_path):
    def build(bug_id, dest="impl"):
        return BUG[bug_id].build(SOLUTIONS, tmp_path / dest)
    return build


@needs_solutions
def test_the_gate_opens_after_two_failing_versions_and_the_located_rung_names_the_mistake(env, buggy):
    impl = buggy("backward-db1-vector")
    assert nn_kata("check", "backward", "--impl", impl, env=env).returncode == 1
    assert nn_kata("hint", "backward", "--impl", impl, env=env).returncode == 0
    second = nn_kata("hint", "backward", "--impl", impl, env=env).stdout
    assert "2/3. Located" in second and "First failing check:" in second
    assert "Likely mistake: a (n,) vector where a (n, 1) column belongs" in second
    assert "nn-kata trace backward" in second and "docs/derivation.md#kata-backward" in second
    third = nn_kata("hint", "backward", "--impl", impl, env=env).stdout
    assert "opens after your checks of backward have failed on 2 versions" in third and "(so far: 1)" in third
    assert "dZ1 @ X.T / m" not in third
    assert nn_kata("check", "backward", "--impl", impl, env=env).returncode == 1  # the same version: no new attempt
    assert "(so far: 1)" in nn_kata("hint", "backward", "--impl", impl, env=env).stdout
    buggy("backward-dW1-missing-1-over-m")  # a second version, failing too
    assert nn_kata("check", "backward", "--impl", impl, env=env).returncode == 1
    fourth = nn_kata("hint", "backward", "--impl", impl, env=env).stdout
    assert "3/3. dZ2 = A2 - Y" in fourth and "last hint: the key equation" in fourth
    assert "Likely mistake: off by exactly a factor m" in fourth  # the located rung follows the newest check
    status = nn_kata("status", "--impl", impl, env=env).stdout
    assert re.search(r"8\. backward .* hints 3/3\n", status) and "(revealed)" not in status


def test_reveal_opens_the_equation_at_once_and_status_says_so(env):
    proc = nn_kata("hint", "linear", "--reveal", env=env)
    assert proc.returncode == 0 and "3/3. dW = dZ @ A_prev.T / m" in proc.stdout
    assert re.search(r"5\. linear .* hints 3/3 \(revealed\)", nn_kata("status", env=env).stdout)
    assert "hints" not in [line for line in nn_kata("status", env=env).stdout.splitlines() if " relu " in line][0]


def test_a_course_override_sets_the_rungs_and_the_gate(env, tmp_path):
    course = tmp_path / "course.toml"
    course.write_text('[course]\ngate_failures = 0\n\n[kata.softmax]\nrungs = 2\n')
    env = dict(env, NN_KATA_COURSE=str(course))
    for _ in range(3):
        proc = nn_kata("hint", "relu", env=env)
    assert "3/3. relu(Z) = np.maximum(0, Z)" in proc.stdout  # no gate in this course
    for _ in range(3):
        proc = nn_kata("hint", "softmax", env=env)
    assert "2/2." in proc.stdout and "3/" not in proc.stdout and "exp(Z - Z.max" not in proc.stdout
    assert "last hint this course gives" in proc.stdout
    course.write_text("[course\n")
    proc = nn_kata("hint", "relu", env=env)
    assert proc.returncode == 2 and "course override" in proc.stderr


def test_list_links_every_kata_to_its_section(env):
    out = nn_kata("list", env=env).stdout
    for kata in manifest.katas():
        assert f"derivation: docs/derivation.md#kata-{kata.name}" in out


def test_no_check_docstring_gives_a_final_formula():
    """A kata test's docstring is what the learner reads as the failing check's title: it says
    what is checked, not the formula that passes it."""
    texts = {}
    for path in sorted((PROJECT_ROOT / "tests" / "katas").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                texts[f"{path.name}::{node.name}"] = ast.get_docstring(node) or ""
    leaked = _leaks(texts)
    assert not leaked, "check docstrings give a final formula:\n  " + "\n  ".join(leaked)
