"""The manifest is the single list of katas, and stubs, solutions and tests agree with it."""
import ast
from pathlib import Path

from nn import manifest
from nn.impl import PROJECT_ROOT


def _signatures(directory):
    out = {}
    for path in sorted(directory.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                out[(path.stem, node.name)] = ast.unparse(node.args)
    return out


def test_every_kata_has_functions_hints_and_a_marked_test_file():
    assert manifest.names() == ["relu", "softmax", "loss", "init", "linear", "gradcheck", "forward", "backward", "train"]
    for kata in manifest.katas():
        assert kata.module in manifest.MODULES and kata.functions and len(kata.hints) >= 2
        test_file = PROJECT_ROOT / kata.test_file
        assert test_file.is_file(), kata.test_file
        assert f"pytest.mark.{kata.marker}" in test_file.read_text()


def test_stubs_define_every_manifest_function_with_a_todo():
    stubs = _signatures(PROJECT_ROOT / "katas")
    for kata in manifest.katas():
        source = (PROJECT_ROOT / "katas" / f"{kata.module}.py").read_text()
        assert f"TODO(kata {kata.name})" in source
        for fn in kata.functions:
            assert (kata.module, fn) in stubs


def test_stubs_and_solutions_have_the_same_modules_and_signatures():
    solutions = PROJECT_ROOT / "solutions"
    if not solutions.is_dir():
        return
    assert _signatures(PROJECT_ROOT / "katas") == _signatures(solutions)


def test_unknown_kata_lists_the_valid_ones():
    try:
        manifest.get("sofmax")
    except manifest.UnknownKata as exc:
        assert "softmax" in str(exc) and "relu" in str(exc)
    else:
        raise AssertionError("no error for an unknown kata")


def test_the_shipped_pristine_stubs_match_katas():
    """nn/stubs.zip is what `nn-kata reset` restores: rebuild it with `python -m nn.stubs`."""
    import subprocess

    from nn.stubs import pristine_files

    head = subprocess.run(["git", "ls-files", "katas"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if head.returncode != 0 or not head.stdout.strip():
        return  # not the project's own checkout (a student copy): nothing to compare
    committed = {}
    for path in head.stdout.split():
        show = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=PROJECT_ROOT, capture_output=True, text=True)
        committed[Path(path).name] = show.stdout
    assert pristine_files() == committed
