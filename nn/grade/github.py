"""The GitHub Actions grader: a workflow for a student repository made by ``nn-kata export``.

It cannot be gamed from the repository's files, by construction:

- ``export`` writes ``.github/nn-kata/pristine.sha256``, the SHA-256 of every file of the
  grader (``nn/``, ``tests/``, ``conftest.py``, ``pyproject.toml``, and the constraints and
  points beside the list), and the workflow carries the digest of that list: a changed, added
  or removed line, a changed file, or a file in ``.github/nn-kata/`` that is not pinned fails
  the run loudly before anything is installed;
- the grader is installed from a copy of the pinned files alone, outside the repository, and
  every Python command runs from a directory of the grader's: no file of the student's (a
  ``setup.py``, ``setup.cfg``, ``.pth``, ``sitecustomize.py``, a module named like one of
  Python's) is ever built, imported or run, and the grading reads its points and credit only
  from that copy;
- only the six kata modules of ``katas/`` (and the learner's hint record, as data) are copied
  out and graded, with ``nn-kata grade`` (a worker in a bubblewrap sandbox where the runner
  allows it), from a directory of its own.

The score goes to the job summary (the student's feedback), a notice on the run, an
artifact with ``report.json`` (ours) and ``results.json`` (Gradescope's format), and a
check run on the commit. The actions are pinned by commit (the tag in a comment).
A student can still edit the workflow file itself: keep ``.github/`` protected (a branch
rule or a required workflow in the organisation), as with any CI-based grader.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT
from ..usage import UsageError
from .pins import PINS, constraints, grader_files, write_pins

POINTS = Path(".github") / "nn-kata" / "points.toml"
NOTED = (  # named when present and not pinned: the grader never reads them
    "conftest.py", "pytest.ini", "setup.py", "setup.cfg", "tox.ini", "sitecustomize.py", "usercustomize.py", "*.pth")
# The actions the workflow uses, by commit; tests/support/fixtures/actions holds each one's action.yml.
ACTIONS = {
    "checkout": ("actions/checkout", "11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
    "setup-python": ("actions/setup-python", "a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "upload-artifact": ("actions/upload-artifact", "ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
}


VERIFY = r"""set -euo pipefail
# 1. The list of pinned files is the one this workflow was written with.
echo "{digest}  {pins}" | sha256sum --check --strict --quiet - \
  || { echo "::error title=Grader changed::{pins} is not the one this workflow pins"; exit 1; }
# 2. Every pinned file is as exported: a changed test, conftest.py or nn/ file fails the run.
if ! sha256sum --check --strict --quiet {pins}; then
  echo "::error title=Grader changed::a file of the grader was changed or removed (see above); restore it from the starter"
  exit 1
fi
pinned=$(sed 's/^[0-9a-f]*  //' {pins} | sort)
# 3. The grader's configuration is pinned whole: a points file (or anything) added there fails the run.
added=$(find {config} -mindepth 1 ! -type d ! -path {pins} | sort | comm -23 - <(echo "$pinned"))
if [ -n "$added" ]; then
  while IFS= read -r f; do echo "::error title=Grader changed::$f is not part of the grader's configuration"; done <<< "$added"
  exit 1
fi
# 4. Anything else that could steer pytest or Python is never read: the grader runs from a copy of
#    the pinned files. Named here so that nobody wonders.
extra=$( { find nn tests -type f ! -path '*/__pycache__/*' ! -name '*.pyc'; \
  find . -path ./.git -prune -o -type f \( {names} \) -print | sed 's|^\./||'; } | sort -u | comm -23 - <(echo "$pinned") )
while IFS= read -r f; do
  if [ -n "$f" ]; then echo "::warning title=Ignored::$f is not part of the grader: ignored"; fi
done <<< "$extra"
"""

INSTALL = r"""set -euo pipefail
# Only the pinned files, verified above, are copied out of the repository, and the grader is
# installed from that copy: nothing else of the student's is ever built, imported or run.
src="$RUNNER_TEMP/nn-grader"
rm -rf "$src" && mkdir -p "$src/{config}"
cp {pins} "$src/{pins}"
sed 's/^[0-9a-f]*  //' {pins} | while IFS= read -r f; do
  mkdir -p "$src/$(dirname "$f")" && cp -- "$f" "$src/$f"
done
cd "$src"
sha256sum --check --strict --quiet {pins}
echo "# nn-katas grader" > README.md  # pyproject.toml names a README
(sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap) >/dev/null || echo "no bubblewrap: the runner is the isolation"
python -I -m pip install --quiet -c {config}/constraints.txt -e .
"""

GRADE = r"""set -uo pipefail
src="$RUNNER_TEMP/nn-grader"
work="$RUNNER_TEMP/nn-grade"
rm -rf "$work" && mkdir -p "$work/submission"
for m in {modules}; do
  if [ -f "katas/$m.py" ]; then cp "katas/$m.py" "$work/submission/"; fi
done
# The hint rungs the student used, as data the grader checks and never runs.
for f in hints.json ladder.json; do
  if [ -f ".nn-kata/$f" ] && [ ! -L ".nn-kata/$f" ]; then
    mkdir -p "$work/submission/.nn-kata" && head -c 65536 ".nn-kata/$f" > "$work/submission/.nn-kata/$f"
  fi
done
cd "$work"
nn-kata grade submission --student "${GITHUB_REPOSITORY##*/}" --sandbox auto --json report.json \
  --format gradescope --out results.json --feedback feedback.md{options}
"""

PUBLISH = r"""work="$RUNNER_TEMP/nn-grade"
cd "$RUNNER_TEMP"
if [ -s "$work/feedback.md" ]; then cat "$work/feedback.md" >> "$GITHUB_STEP_SUMMARY"; fi
if [ -s "$work/report.json" ]; then
  score=$(python -I -c 'import json, sys; r = json.load(open(sys.argv[1])); print("%g / %g" % (r["score"], r["max_score"]))' "$work/report.json")
  echo "::notice title=Score::$score points"
else
  echo "::error title=Not graded::the grader wrote no report"
  exit 1
fi
"""

CHECK_RUN = r"""cd "$RUNNER_TEMP"
python -I - "$RUNNER_TEMP/nn-grade" > check-run.json <<'EOF'
import json, os, pathlib, sys
work = pathlib.Path(sys.argv[1])
try:
    report = json.loads((work / "report.json").read_text())
    score, top = float(report["score"]), float(report["max_score"])
    title = "%g / %g points" % (score, top)
    conclusion = "success" if score >= top else "neutral"
    summary = (work / "feedback.md").read_text(errors="replace") if (work / "feedback.md").is_file() else title
except (OSError, ValueError, KeyError, TypeError):
    title, conclusion = "Not graded", "failure"
    summary = "The grader wrote no report: see the run's log (a changed grader file fails the run)."
url = os.environ.get("REPORTS_URL")
if url:
    summary += "\n\nReports (report.json, results.json): " + url
json.dump({"name": "nn-kata grade", "head_sha": os.environ["GITHUB_SHA"], "status": "completed",
           "conclusion": conclusion, "output": {"title": title, "summary": summary[:60000]}}, sys.stdout)
EOF
gh api --method POST "repos/$GITHUB_REPOSITORY/check-runs" --input check-run.json > /dev/null \
  || echo "::warning title=No check run::the check run could not be created (the job needs checks: write)"
"""

WORKFLOW = """# Generated by `nn-kata autograder --github-actions`: grades the katas on every push.
# The grader's files are pinned by hash (.github/nn-kata/pristine.sha256): any change fails the run.
name: Grade
on:
  push:
  workflow_dispatch:
permissions:
  contents: read
  checks: write
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: Check out the submission
        uses: {checkout}
        with:
          persist-credentials: false
      - name: Verify the grader's files
        shell: bash
        run: |
{verify}
      - name: Set up Python
        uses: {setup-python}
        with:
          python-version: "{python}"
      - name: Install the grader
        shell: bash
        run: |
{install}
      - name: Grade
        id: grade
        shell: bash
        run: |
{grade}
      - name: Publish the score
        if: always()
        shell: bash
        run: |
{publish}
      - name: Keep the reports
        id: reports
        if: always()
        uses: {upload-artifact}
        with:
          name: grade
          path: ${{ runner.temp }}/nn-grade/*.json
      - name: Publish a check run
        if: always()
        shell: bash
        env:
          GH_TOKEN: ${{ github.token }}
          REPORTS_URL: ${{ steps.reports.outputs.artifact-url }}
        run: |
{check-run}
"""


def _indent(text: str, n: int = 10) -> str:
    return "\n".join((" " * n + line) if line else "" for line in text.rstrip("\n").splitlines())


def _fill(template: str, **values: str) -> str:
    """``{name}`` replaced by its value, every other brace left as it is (bash and Python use them)."""
    for name, value in values.items():
        template = template.replace("{" + name.replace("_", "-") + "}", value)
    return template


def workflow(repo: Path, points_file: str | None = None, credit: str | None = None) -> Path:
    """Write .github/workflows/grade.yml (and the pins, constraints and points beside it)."""
    import sys


    if not (repo / "nn").is_dir() or not (repo / "tests" / "katas").is_dir():
        raise UsageError(f"{repo}: not a student repository made by `nn-kata export` (no nn/ or tests/katas/)")
    changed = sorted(p.as_posix() for p in grader_files(repo) if (PROJECT_ROOT / p).is_file()
                     and (PROJECT_ROOT / p).read_bytes() != (repo / p).read_bytes())
    if changed:
        raise UsageError(f"{repo}: these grader files differ from this grader's: {', '.join(changed[:5])} "
                         f"(export the starter again with this version)")
    if points_file:
        (repo / POINTS).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(points_file, repo / POINTS)
    (repo / ".github" / "nn-kata" / "constraints.txt").write_text(constraints())
    pinned = write_pins(repo)
    digest = hashlib.sha256(pinned.read_bytes()).hexdigest()
    names = " -o ".join(f"-name '{n}'" for n in NOTED)
    # The points file is the pinned copy's, decided now: a file the student adds is never read.
    options = f' --points "$src/{POINTS.as_posix()}"' if (repo / POINTS).is_file() else ""
    options += f" --credit {credit}" if credit else ""
    where = dict(pins=PINS.as_posix(), config=PINS.parent.as_posix())
    text = _fill(
        WORKFLOW,
        verify=_indent(_fill(VERIFY, digest=digest, names=names, **where)),
        install=_indent(_fill(INSTALL, **where)),
        grade=_indent(_fill(GRADE, modules=" ".join(manifest.MODULES), options=options)),
        publish=_indent(PUBLISH), check_run=_indent(CHECK_RUN),
        python=f"{sys.version_info.major}.{sys.version_info.minor}",
        **{key.replace("-", "_"): f"{name}@{commit}  # {tag}" for key, (name, commit, tag) in ACTIONS.items()})
    path = repo / ".github" / "workflows" / "grade.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
