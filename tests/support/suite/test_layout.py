"""The layout of nn/: the import contracts in pyproject.toml hold, and each one can fail."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install import-linter)")

BAD_IMPORTS = {
    "The roles are independent": ("nn/train/plots.py", "from nn.learn import report"),
    "The suite imports only the shared modules": ("nn/suite/stats.py", "from nn.learn import state"),
    "The shared modules import no role": ("nn/manifest.py", "from nn.suite import stats"),
    "Only the parser imports grade": ("nn/__init__.py", "from nn.grade import reports"),
}


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_are_kept():
    proc = _lint(PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


@pytest.mark.parametrize("contract", sorted(BAD_IMPORTS))
def test_each_contract_fails_on_a_bad_import(tmp_path, contract):
    shutil.copytree(PROJECT_ROOT / "nn", tmp_path / "nn", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path, line = BAD_IMPORTS[contract]
    with open(tmp_path / path, "a") as f:
        f.write(f"\n{line}  # noqa\n")
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    broken = [row for row in proc.stdout.splitlines() if row.endswith("BROKEN")]
    assert broken and all(row.startswith(contract) for row in broken), proc.stdout


def test_no_module_of_nn_is_over_350_lines():
    long = {str(p.relative_to(PROJECT_ROOT)): n for p in (PROJECT_ROOT / "nn").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 350}
    assert not long, long


def test_every_top_level_module_is_bound_by_a_contract():
    """A new module at the top of nn/ is shared (and then listed in the shared contract) or
    it is the parser: otherwise it could import any role and no contract would notice."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    contracts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    shared = next(c for c in contracts if c["name"] == "The shared modules import no role")["source_modules"]
    top = {f"nn.{p.stem}" for p in (PROJECT_ROOT / "nn").glob("*.py") if p.stem != "__init__"}
    assert top - {"nn.cli"} == set(shared), "list each shared module of nn/ in pyproject.toml's shared contract"
