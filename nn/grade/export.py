"""What instructors hand out and upload: a student repository without solutions/, a
Gradescope autograder bundle and a container build context (the GitHub Actions grader is in github.py)."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT
from ..stubs import pristine_files
from .pins import constraints, write_pins

STUDENT_README = """# Neural networks from first principles

Write a two-layer network in NumPy, one kata at a time: ReLU, softmax, cross-entropy,
He initialisation, linear layers, the forward pass, backpropagation, gradient descent.

```bash
python3 -m venv .venv && .venv/bin/pip install -e .
.venv/bin/nn-kata            # where you are, and what to do next
```

Then, in a loop:

```bash
.venv/bin/nn-kata check      # check the kata in progress: what is wrong, and the likely mistake
.venv/bin/nn-kata hint relu  # one more hint each time you ask
.venv/bin/nn-kata watch      # re-check every time you save a file under katas/
.venv/bin/python -m pytest   # the same tests, as pytest shows them
.venv/bin/nn-kata examplar softmax   # your own tests in mytests/, against correct and buggy softmaxes
```

Your code goes in `katas/`. Each function's docstring has the derivation and the shapes.
`nn-kata reset KATA` puts a kata back as it was (your version is kept as a backup).
When every kata passes, `nn-kata train` trains your network on handwritten digits.
"""


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _source_files(dest: Path) -> None:
    """The grader and kata suite: nn/, tests/katas, conftest.py, pyproject.toml and stub katas/."""
    _copy_tree(PROJECT_ROOT / "nn", dest / "nn")
    _copy_tree(PROJECT_ROOT / "tests" / "katas", dest / "tests" / "katas")
    (dest / "tests" / "__init__.py").write_text("")
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, dest / name)
    (dest / "katas").mkdir(parents=True, exist_ok=True)
    for name, text in pristine_files().items():
        (dest / "katas" / name).write_text(text)


def _examplar(dest: Path) -> None:
    """The learner's test stubs (mytests/) and the examplar pack: the catalogues as bytecode
    the CLI runs, not as source (``nn.examplar.variants``, run in its own process)."""
    import subprocess
    import sys

    if (PROJECT_ROOT / "mytests").is_dir():
        _copy_tree(PROJECT_ROOT / "mytests", dest / "mytests")
    # Absolute: the pack is written by a process that runs in the project, not where export was asked.
    proc = subprocess.run([sys.executable, "-m", "nn.examplar.variants", str((dest / "examplar-pack").resolve())],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)
    if proc.returncode != 0:  # the starter still works; only examplar lacks its implementations
        print(f"note: the examplar pack was not written: {proc.stderr.strip()[-300:]}")


def _guide(dest: Path) -> None:
    """The derivation guide (the course's ``guide``, docs/derivation.md): hints and feedback link to it."""
    try:
        guide = Path(manifest.course().guide)
    except ValueError:
        return
    src = (PROJECT_ROOT / guide).resolve()
    if not guide.is_absolute() and src.is_file() and src.is_relative_to(PROJECT_ROOT):
        (dest / guide).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest / guide)


def export(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    _source_files(dest)
    _examplar(dest)
    _guide(dest)
    (dest / "README.md").write_text(STUDENT_README)
    # The learner's state stays local, but for the record of hint rungs used, which travels with
    # the submission: the grader reads it as data (nn/grade/rungs.py).
    (dest / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.nn-kata/*\n!.nn-kata/hints.json\n"
                                     "!.nn-kata/ladder.json\nruns/\n")

    write_pins(dest)  # the grader's files as exported: the GitHub Actions grader checks them
    return dest


RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission, in a fresh container. The submission's code runs
# in a worker: in a bubblewrap sandbox where the container allows one, else (said in the
# output) in a separate process only, the container being the isolation.
# AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_PYTHON (default the venv setup.sh made)
# let the bundle be tried outside Gradescope.
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
results="$root/results/results.json"
mkdir -p "$root/results" && rm -f "$results"
cd "$root/source"
# A .zip upload arrives unpacked; a .tar.gz stays one archive in the directory, and is graded
# as that archive. The student's name comes from submission_metadata.json.
"$python" -m nn.cli grade "$root/submission" --sandbox auto --format gradescope \\
    --out "$results" --metadata "$root/submission_metadata.json" {points}
status=$?
if [ ! -s "$results" ]; then
  # The grader itself failed: a result that says so, shown to the student, rather than none at all.
  printf '{{"score": 0, "output": "The autograder could not grade this submission (the grader exited with '\\
'status %s): this is a fault of the grader, not a verdict on your code. Please tell your instructor.", '\\
'"visibility": "visible", "tests": []}}\\n' "$status" > "$results"
fi
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
# The versions in constraints.txt were locked on this Python (numpy and scipy at those versions
# may need it): the image gets that version, or the build stops here and says why.
want=$(cat "$root/source/python-version")
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y python3 python3-venv python3-pip bubblewrap
have=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$have" = "$want" ]; then
  python=python3
elif apt-get install -y "python$want" "python$want-venv" && command -v "python$want" > /dev/null; then
  python="python$want"
else
  echo "setup.sh: this bundle's lock (constraints.txt) was made with Python $want, but this image's python3 is" \\
    "$have and it has no python$want package. Choose a Gradescope base image whose Ubuntu has Python $want," \\
    "or build the bundle again from a Python $have environment (nn-kata autograder --gradescope)." >&2
  exit 1
fi
"$python" -m venv "$root/venv"
# The versions the bundle was built and tested with (constraints.txt), so that a rebuild grades alike.
"$root/venv/bin/pip" install -c "$root/source/constraints.txt" -e "$root/source"
# The grader runs as root and the students' code as uid 65534: close the grader's tree (its
# oracles, tests and hidden checks) to that user; the venv stays readable, $root only reachable.
chmod -R go-rwx "$root/source"
chmod 711 "$root"
"""

DOCKERFILE = """# Generated by `nn-kata autograder --docker`: one container per submission.
#   docker build -t nn-grader .
#   docker run --rm --network none -v "$PWD/ada:/submission:ro" -v "$PWD/out:/results" nn-grader
# Inside, the submission's code runs in a worker process as uid 65534, in a bubblewrap sandbox
# where the container allows user namespaces (the output says when it does not); either way the
# grader's own files are closed to that user.
FROM python:{python}-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bubblewrap \\
    && rm -rf /var/lib/apt/lists/*
COPY . /grader
RUN pip install --no-cache-dir -c /grader/constraints.txt -e /grader && chmod -R go-rwx /grader
WORKDIR /grader
ENTRYPOINT ["nn-kata", "grade", "/submission", "--sandbox", "auto", "--format", "gradescope", "--out", "/results/results.json"]
"""


def docker_context(dest: Path, points_file: str | None = None, credit: str | None = None) -> Path:
    """A build context: the grader's source, pinned versions and a Dockerfile (whose command
    grades with the points file and the credit policy, when given)."""
    import sys

    dest.mkdir(parents=True, exist_ok=True)
    _source_files(dest)
    (dest / "constraints.txt").write_text(constraints())
    dockerfile = DOCKERFILE.format(python=f"{sys.version_info.major}.{sys.version_info.minor}")
    extra = ""
    if points_file:
        shutil.copy(points_file, dest / "points.toml")
        extra += ', "--points", "/grader/points.toml"'
    if credit:
        extra += f', "--credit", "{credit}"'
    dockerfile = dockerfile.replace('"/results/results.json"]', f'"/results/results.json"{extra}]')
    (dest / "Dockerfile").write_text(dockerfile)
    (dest / ".dockerignore").write_text(".venv\n**/__pycache__\n")
    return dest / "Dockerfile"


def gradescope_bundle(path: Path, points_file: str | None = None, hidden: Path | None = None,
                      credit: str | None = None) -> Path:
    """A zip with setup.sh and run_autograder at its root and the grader's source beside them;
    the points file and the hidden checks, when given, go in it too (students never see a bundle),
    and the lock: constraints.txt with the Python version it was made on, python-version."""
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _source_files(root)
        points = ""
        if points_file:
            shutil.copy(points_file, root / "points.toml")
            points = '--points "$root/source/points.toml"'
        if hidden:
            shutil.copytree(hidden, root / "hidden", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            points += ' --hidden "$root/source/hidden"'
        if credit:
            points += f" --credit {credit}"
        (root / "run_autograder").write_text(RUN_AUTOGRADER.format(points=points))
        (root / "constraints.txt").write_text(constraints())
        (root / "setup.sh").write_text(SETUP_SH)
        (root / "python-version").write_text(f"{sys.version_info.major}.{sys.version_info.minor}\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    info = zipfile.ZipInfo(str(file.relative_to(root)), date_time=(2020, 1, 1, 0, 0, 0))
                    info.external_attr = (0o755 if file.name in ("run_autograder", "setup.sh") else 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, file.read_bytes())
    return path
