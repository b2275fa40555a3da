"""The layout of nn/: the import contracts in pyproject.toml hold and each one can fail, no
import circle joins two modules, and no module imports another module's private names."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

LINT = Path(sys.executable).with_name("lint-imports")
needs_linter = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install import-linter)")

# One import per contract that breaks it, and only it.
BAD_IMPORTS = {
    "The roles are independent": ("nn/train/plots.py", "from nn.learn import display"),
    # sandboxed.py is run by path, never imported: a bad import there reaches no role.
    "Examplar imports only the suite": ("nn/examplar/sandboxed.py", "from nn.learn import state"),
    "The suite imports only the worker": ("nn/suite/stats.py", "from nn.examplar import variants"),
    "The worker imports only the shared modules": ("nn/worker/protocol.py", "from nn.suite import oracles"),
    "The shared modules import no room": ("nn/manifest.py", "from nn.worker import protocol"),
    "Only the parser imports grade": ("nn/__init__.py", "from nn.grade import reports"),
}


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def _contracts() -> list[dict]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


@needs_linter
def test_the_import_contracts_are_kept():
    proc = _lint(PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


@needs_linter
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


def test_every_contract_has_a_bad_import_shown_failing():
    names = [c["name"] for c in _contracts()]
    assert all(any(n.startswith(prefix) for prefix in BAD_IMPORTS) for n in names), names
    assert all(any(n.startswith(prefix) for n in names) for prefix in BAD_IMPORTS), names


def test_every_module_of_nn_is_bound_by_a_contract():
    """A top-level module of nn/ is shared (listed in the shared contract) or it is the parser;
    a package of nn/ is a source of some contract: otherwise it could import any room unseen."""
    contracts = _contracts()
    shared = next(c for c in contracts if c["name"].startswith("The shared modules"))["source_modules"]
    top = {f"nn.{p.stem}" for p in (PROJECT_ROOT / "nn").glob("*.py") if p.stem != "__init__"}
    assert top - {"nn.cli"} == set(shared), "list each shared module of nn/ in pyproject.toml's shared contract"
    bound = {m for c in contracts for m in c.get("source_modules", []) + c.get("modules", [])
             + c.get("protected_modules", [])}
    packages = {f"nn.{p.parent.name}" for p in (PROJECT_ROOT / "nn").glob("*/__init__.py")}
    assert packages <= bound, f"no contract binds {sorted(packages - bound)}"


# -- the import graph, read from the source ----------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(module imported from, names, line) of every ``import``/``from`` anywhere in the file
    (inside functions too: a lazy import is still an edge), relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
            yield source, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno


def _nn_files() -> list[Path]:
    return sorted(p for p in (PROJECT_ROOT / "nn").rglob("*.py") if "__pycache__" not in p.parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _nn_files()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for source, names, _ in _imports(path):
            targets = {f"{source}.{n}" for n in names} & modules.keys() or {source} & modules.keys()
            graph[module] |= targets - {module}
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module: each is an import circle."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_joins_two_modules():
    assert _strongly_connected(_graph()) == []


def test_the_circle_finder_sees_a_circle():
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names():
    """A name that begins with one underscore is its module's own: a module that needs it from
    elsewhere gets a public name for it, or the idea moves to one home. (Third-party private
    modules, such as pytest's ``_pytest``, are outside this rule.)"""
    found = []
    for path in _nn_files() + sorted((PROJECT_ROOT / "bench").glob("*.py")):
        for source, names, line in _imports(path):
            if not source or not (source == "nn" or source.startswith("nn.")):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [p for p in source.split(".") if p.startswith("_") and not p.startswith("__")]
            if private:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: from {source} import {', '.join(private)}")
    assert not found, "\n".join(found)
