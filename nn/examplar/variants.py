"""The examplar core shared by the learner's ``nn-kata examplar`` (``nn.examplar.session``) and
``nn-kata grade --examplar`` (``nn.examplar.scores``): the wheats and chaffs, and how a test
file is run against them in the sandbox.

- **The variants.** Each wheat (a correct variant) and chaff (a buggy one) of
  ``tests/catalogue`` is a directory laid out like katas/, holding only compiled modules
  (``*.pyc``, no docstrings, no source): the reference with one function replaced, as
  ``tests/catalogue.Variant.build`` writes it. They are built once into ``ROOT/<key>/`` (the
  key hashes the catalogues, the reference, this file and the Python bytecode version) and
  reused until one of those changes. Where the catalogues and ``solutions/`` are not there (a
  learner's starter), a pack built by ``python -m nn.examplar.variants DIR`` and shipped
  as ``examplar-pack/`` at the project root is used instead: the same layout, with nothing
  in it written out as source.
- **Naming a wheat** without showing its code: "a correct softmax that uses scipy.special.logsumexp".
- **Running untrusted tests** against them, each in its own sandboxed process, lives in
  ``nn.examplar.run``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import py_compile
import shutil
import sys
import tempfile
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT, Implementation
from ..suite import diagnose

CATALOGUE = PROJECT_ROOT / "tests" / "catalogue"
REFERENCE = PROJECT_ROOT / "solutions"
SHIPPED = PROJECT_ROOT / "examplar-pack"
FORMAT = "3"  # bumped when the layout below changes


class PackedImplementation(Implementation):
    """A variant: sourceless modules (``activations.pyc``), the one it changes in its own
    directory and the rest in the pack's ``base/``. Python's own path finder loads them, so
    sibling imports inside it work as in katas/."""

    def __init__(self, directory, **kwargs):
        super().__init__(directory, **kwargs)
        self.base = self.path.parent.parent / "base"
        if self.base.is_dir() and str(self.base) not in self._package.__path__:
            self._package.__path__.append(str(self.base))

    def file_of(self, module: str) -> Path:
        for where in (self.path, self.base):
            if (where / f"{module}.pyc").is_file():
                return where / f"{module}.pyc"
        return super().file_of(module)


def _load_catalogue():
    """tests/catalogue, loaded from its files as a private module (``_nn_examplar_catalogue``).
    This is the one place nn/ runs code of tests/: the catalogue is the variants' source, and
    it is there only in a checkout of the project; a starter ships the built pack instead.
    Never a ``tests`` import, so the package needs no tests/ on its path."""
    name = "_nn_examplar_catalogue"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CATALOGUE / "__init__.py",
                                                  submodule_search_locations=[str(CATALOGUE)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    bugs = importlib.import_module(f"{name}.bugs")
    correct = importlib.import_module(f"{name}.correct")
    package.BUGS, package.CORRECT = bugs.BUGS, correct.CORRECT
    return package


def have_sources() -> bool:
    return (CATALOGUE / "bugs.py").is_file() and (CATALOGUE / "correct.py").is_file() and REFERENCE.is_dir()


def source_key() -> str:
    h = hashlib.sha256(FORMAT.encode() + importlib.util.MAGIC_NUMBER)
    for path in sorted(CATALOGUE.glob("*.py")) + sorted(REFERENCE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def _compile_dir(src: Path, dest: Path, label: str, only: str = "*") -> None:
    """The modules of ``src`` (all, or ``only``) compiled into ``dest`` as sourceless ``.pyc``.
    Tracebacks name ``label/module.py``, a file that does not exist, so they show no line of it."""
    dest.mkdir(parents=True, exist_ok=True)
    for source in sorted(src.glob(f"{only}.py")):
        py_compile.compile(str(source), cfile=str(dest / f"{source.stem}.pyc"), dfile=f"{label}/{source.name}",
                           doraise=True, optimize=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _settle(built: Path, final: Path) -> None:
    """Put a built directory in place in one step; if a build running beside this one got
    there first, its copy (the same bytes) stays."""
    try:
        os.rename(built, final)
    except OSError:
        if not final.is_dir():
            raise


def _entry(variant, role: str, number: int) -> dict:
    entry = {"id": f"{role}{number}", "role": role, "kata": variant.kata, "name": variant.id}
    if role == "chaff":
        known = diagnose.MISCONCEPTIONS.get(variant.misconception or "")
        # A bug the catalogue names no misconception for gets the kata's first hint, which
        # says what the function must do, and gives its id away no more than a title would.
        entry["title"] = known.title if known else "a mistake with no name in the catalogue"
        entry["hint"] = known.hint if known else manifest.get(variant.kata).hints[0]
    else:
        entry["title"] = describe_wheat(variant)
    return entry


def build(root: Path, kata_names: list[str]) -> None:
    """Compile the variants of these katas into ``root``, with ``plan.json`` naming them."""
    catalogue = _load_catalogue()
    with tempfile.TemporaryDirectory(prefix="nn-examplar-") as tmp:
        if not (root / "base").is_dir():
            _compile_dir(REFERENCE, Path(tmp) / "base", "<reference>")
            root.mkdir(parents=True, exist_ok=True)
            _settle(Path(tmp) / "base", root / "base")
        for name in kata_names:
            entries = []
            for role, variants in (("wheat", catalogue.CORRECT), ("chaff", catalogue.BUGS)):
                mine = [v for v in variants if v.kata == name]
                for number, variant in enumerate(mine, start=1):
                    entry = _entry(variant, role, number)
                    written = variant.build(REFERENCE, Path(tmp) / f"{name}-{entry['id']}")
                    compiled = Path(tmp) / f"{name}-{entry['id']}.pyc.d"
                    _compile_dir(written, compiled, f"<{name} {entry['id']}>", only=variant.module)
                    final = root / name / entry["id"]
                    final.parent.mkdir(parents=True, exist_ok=True)
                    shutil.rmtree(final, ignore_errors=True)  # a build that stopped half-way
                    _settle(compiled, final)
                    entries.append(entry)
            plan = {**_read_plan(root), name: entries}
            part = root / f"plan.json.{os.getpid()}"
            part.write_text(json.dumps(plan, indent=1))
            part.replace(root / "plan.json")  # the plan names a kata only once all its variants are there


def _read_plan(root: Path) -> dict:
    try:
        return json.loads((root / "plan.json").read_text())
    except (OSError, ValueError):
        return {}


def variants(kata: str, state: Path) -> tuple[list[dict], str]:
    """The wheats and chaffs of one kata, each with ``dir`` set, and where they came from.
    Built from the catalogues into ``state/examplar/<key>/`` when they are here."""
    if have_sources():
        root = Path(state) / "examplar" / source_key()
        if kata not in _read_plan(root):
            for old in root.parent.glob("*"):  # builds from catalogues as they were before
                if old != root and old.is_dir() and len(old.name) == len(root.name):
                    shutil.rmtree(old, ignore_errors=True)
            build(root, [kata])
        origin = "the catalogues in tests/catalogue"
    elif (SHIPPED / "plan.json").is_file():
        root, origin = SHIPPED, "examplar-pack/"
    else:
        return [], ""
    entries = _read_plan(root).get(kata, [])
    for entry in entries:
        entry["dir"] = str(root / kata / entry["id"])
    return entries, origin


def write_pack(dest: Path) -> Path:
    """The pack a starter ships in place of the catalogues: every kata's variants, bytecode only."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    build(dest, manifest.names())
    return dest


# -- naming a wheat ---------------------------------------------------------------------------

# catalogue id -> (function, what sets it apart). Said as a learner would recognise it.
WHEATS = {
    "relu-where": ("relu", "uses np.where(Z > 0, Z, 0.0)"),
    "relu-clip": ("relu", "uses np.clip(Z, 0, None)"),
    "relu-multiply-by-mask": ("relu", "multiplies Z by its mask"),
    "relu-copy-then-assign": ("relu", "copies Z, then zeroes the negative entries"),
    "relu-average-with-abs": ("relu", "computes (Z + |Z|) / 2"),
    "relu-backward-where": ("relu_backward", "uses np.where on the mask"),
    "relu-backward-copy-and-zero": ("relu_backward", "copies dA, then zeroes it where Z <= 0"),
    "relu-backward-where-not-positive": ("relu_backward", "uses np.where(Z <= 0, 0, dA), whose dtype follows dA"),
    "softmax-scipy": ("softmax", "calls scipy.special.softmax"),
    "softmax-logsumexp": ("softmax", "uses scipy.special.logsumexp"),
    "softmax-transpose-rows": ("softmax", "works on the rows of the transpose"),
    "softmax-float-copy-in-place": ("softmax", "works in place on a float copy of Z"),
    "softmax-without-keepdims": ("softmax", "takes the max and the sum without keepdims"),
    "softmax-eps-in-denominator": ("softmax", "adds 1e-12 to each column's sum"),
    "softmax-exp-of-log-softmax": ("softmax", "exponentiates scipy.special.log_softmax"),
    "softmax-fsum-per-column": ("softmax", "sums each column with math.fsum"),
    "softmax-kahan-sum-down-columns": ("softmax", "sums each column with Kahan's compensated sum"),
    "softmax-sum-in-reverse-order": ("softmax", "sums each column from the last class up"),
    "cross-entropy-fsum": ("cross_entropy", "sums the log-probabilities with math.fsum"),
    "cross-entropy-per-example-then-mean": ("cross_entropy", "averages per-example losses"),
    "linear-forward-one-row-at-a-time": ("linear_forward", "computes one row of Z at a time"),
    "linear-backward-mean-of-outer-products": ("linear_backward", "averages one outer product per example"),
    "backward-divide-by-m-first": ("backward", "divides dZ2 by m before the products"),
    "one-hot-eye-columns": ("one_hot", "takes columns of np.eye"),
    "one-hot-comparison": ("one_hot", "compares a column of class numbers with the labels"),
    "one-hot-put-along-axis": ("one_hot", "uses np.put_along_axis"),
    "cross-entropy-gather": ("cross_entropy", "gathers the label's probability by index and returns a NumPy scalar"),
    "cross-entropy-where": ("cross_entropy", "takes the log only where Y > 0"),
    "cross-entropy-tiny-clip": ("cross_entropy", "clips A at 1e-300 before the log"),
    "cross-entropy-nan-to-num": ("cross_entropy", "turns the NaN of 0 * log(0) into 0"),
    "softmax-ce-backward-subtract-one": ("softmax_cross_entropy_backward", "subtracts 1 where Y is 1"),
    "he-standard-normal-scaled": ("he_normal", "scales rng.standard_normal"),
    "he-scipy-stats": ("he_normal", "draws with scipy.stats.norm from the Generator"),
    "he-column-by-column": ("he_normal", "draws one column at a time"),
    "he-draws-transposed": ("he_normal", "draws (n_in, n_out) and transposes, so the same seed gives other numbers"),
    "glorot-from-random": ("glorot_uniform", "rescales rng.random"),
    "glorot-draws-transposed": ("glorot_uniform", "draws (n_in, n_out) and transposes"),
    "init-params-built-in-a-loop": ("init_params", "builds the parameters in a loop"),
    "init-draws-W2-first": ("init_params", "draws W2 before W1"),
    "init-spawned-generators": ("init_params", "draws each layer from a generator spawned from rng"),
    "linear-forward-einsum": ("linear_forward", "uses np.einsum"),
    "linear-forward-dot": ("linear_forward", "uses np.dot"),
    "linear-forward-transposed-product": ("linear_forward", "computes (A_prev.T @ W.T).T, whose memory layout differs"),
    "linear-backward-mean": ("linear_backward", "uses einsum and a mean"),
    "linear-backward-per-example-loop": ("linear_backward", "adds up one example at a time"),
    "numgrad-plus-minus-two-h": ("numerical_gradient", "steps to x + h, then back by 2h"),
    "numgrad-flat-iterator": ("numerical_gradient", "walks x through x.flat"),
    "relative-error-sqrt-sums": ("relative_error", "writes the norms as square roots of sums"),
    "relative-error-guard-on-numerator": ("relative_error", "returns 0.0 when the difference is 0"),
    "relative-error-errstate": ("relative_error", "turns the NaN of 0 / 0 into 0.0"),
    "forward-inline": ("forward", "writes relu and softmax inline"),
    "forward-logsumexp": ("forward", "uses scipy.special.logsumexp for the softmax"),
    "predict-argmax-method": ("predict", "uses the argmax method"),
    "predict-argmax-of-logits": ("predict", "takes the argmax of the logits Z2"),
    "accuracy-count-nonzero": ("accuracy", "uses np.count_nonzero"),
    "accuracy-generator-sum": ("accuracy", "counts with a Python loop and returns a Python float"),
    "backward-inline-A1-mask": ("backward", "takes the ReLU mask from A1 > 0"),
    "backward-recomputes-forward": ("backward", "recomputes the forward pass instead of reading the cache"),
    "update-functional": ("update", "returns new arrays"),
    "update-np-subtract-out": ("update", "updates the arrays in place with np.subtract(out=...)"),
    "update-from-the-grads-keys": ("update", "walks the keys of grads"),
    "train-with-functional-update": ("train", "updates the parameters inline"),
    "train-while-loop": ("train", "uses a while loop and returns the losses as a list"),
}


def describe_wheat(variant) -> str:
    """``a correct softmax that uses scipy.special.logsumexp``, or, for a variant not listed
    above, its catalogue name in words."""
    function, how = WHEATS.get(variant.id, (None, None))
    if function is None:
        return f"a correct {variant.kata} written another way ({variant.id.replace('-', ' ')})"
    return f"a correct {function} that {how}"


if __name__ == "__main__":  # python -m nn.examplar.variants DIR: the pack a starter ships
    print(write_pack(Path(sys.argv[1] if len(sys.argv) > 1 else "examplar-pack")))
