"""``nn-kata grade --examplar``: a score per kata for the submission's own tests
(``mytests/test_KATA.py``), judged against the wheats (correct variants) and chaffs (buggy
ones) as ``nn-kata examplar`` judges them for a learner.

The tests are untrusted code: they never run in the grader's interpreter. Each wheat and each
chaff runs in its own process, in the sandbox the worker uses (``nn.examplar.variants``), under a
neutral directory name, every implementation loaded the same way. The score depends only on
what this side observes of those processes: an implementation is rejected when its process
ends with pytest's "some tests failed" status, and nothing else. So:

- valid: every wheat is accepted (a test that fails everything fails the wheats);
- thoroughness: the fraction of chaffs rejected, counted only when valid;
- points: the kata's examplar weight times that fraction (``[examplar]`` in the points file).

What the processes say about their tests is read for messages only. The instructor's
``--hidden`` directory may add hidden chaffs: ``DIR/examplar/KATA/NAME/``, a folder of kata
modules written like katas/ that replace the reference's modules of the same names.
"""
from __future__ import annotations

import atexit
import random
import shutil
import tempfile
import threading
from pathlib import Path

from .. import manifest
from . import variants as core
from . import run

HIDDEN_CHAFFS = "examplar"
_LOCK = threading.Lock()
_ROOT: dict = {}


def _state() -> Path:
    """Where this grading run builds the variants, once (removed when the grader exits)."""
    with _LOCK:
        root = _ROOT.get("root")
        if root is None or not root.is_dir():
            root = Path(tempfile.mkdtemp(prefix="nn-examplar-variants-"))
            atexit.register(shutil.rmtree, root, True)
            _ROOT["root"] = root
        return root


def variants(kata: str, hidden: str | Path | None = None) -> tuple[list[dict], list[dict]]:
    """The wheats and the chaffs of a kata, each with ``layers`` (hidden chaffs among the chaffs)."""
    root = _state()
    with _LOCK:  # built once, by one thread at a time
        entries, _ = core.variants(kata, root)
    wheats = [{**e, "layers": run.layers_of(e)} for e in entries if e["role"] == "wheat"]
    chaffs = [{**e, "layers": run.layers_of(e)} for e in entries if e["role"] == "chaff"]
    if hidden and entries:
        base = run.layers_of(entries[0])[1]
        folder = Path(hidden) / HIDDEN_CHAFFS / kata
        for n, d in enumerate(sorted(p for p in folder.glob("*") if p.is_dir()) if folder.is_dir() else [], start=1):
            chaffs.append({"id": f"hidden{n}", "role": "chaff", "title": "a hidden chaff", "layers": [d, base]})
    return wheats, chaffs


def weights(table: dict | None) -> dict[str, float]:
    """Points per kata for examplar: ``[examplar] points = N`` for every kata (default 1), and
    ``KATA = N`` for one."""
    table = table or {}
    default = float(table.get("points", 1.0))
    return {k.name: float(table.get(k.name, default)) for k in manifest.katas()}


def _rejections(outcome, wheat: dict) -> list[str]:
    """Which tests failed a wheat, said for the student (untrusted details: words only)."""
    if outcome.verdict == run.BROKEN:
        errors = [d["collect_error"] for d in outcome.details if "collect_error" in d]
        first = ""
        if errors:
            lines = [line[1:].strip() for line in errors[0].splitlines() if line.startswith("E ")]
            first = f": {(lines or errors[0].strip().splitlines()[-1:] or [''])[-1][:200]}"
        return [f"against {wheat['title']}: {outcome.why}{first}"]
    failed = [d for d in outcome.details if d.get("outcome") == "failed" and "test" in d]
    if not failed:
        return [f"a test rejects {wheat['title']}"]
    return [f"{d['test'][:120]} rejects {wheat['title']}"
            + (f" ({d['message'].splitlines()[0][:160]})" if d.get("message") else "") for d in failed[:3]]


def grade_kata(kata: str, tests_dir: Path, *, weight: float, mode: str, hidden=None, test_timeout: float = 10.0,
               run_timeout: float = 60.0, memory_mb: int = 2048, deadline: float | None = None) -> dict:
    """One kata's examplar grade: points, validity, chaffs caught, and what to tell the student."""
    grade = {"kata": kata, "points": 0.0, "max_points": float(weight), "valid": False, "caught": 0, "chaffs": 0,
             "wheats": 0, "message": ""}
    tests = Path(tests_dir) / f"test_{kata}.py"
    if not tests.is_file():
        grade["message"] = f"no mytests/test_{kata}.py in the submission: no examplar credit for {kata}"
        return grade
    wheats, chaffs = variants(kata, hidden)
    grade["wheats"], grade["chaffs"] = len(wheats), len(chaffs)
    if not wheats or not chaffs:
        grade["message"] = f"no wheats and chaffs for {kata} on the grader: not graded"
        return grade
    # One batch, wheats and chaffs in a random order: nothing a run can observe (when it starts,
    # what ran before it, what the runs before it left in a channel they share) says which kind
    # it is. A wheat that is not accepted settles the kata, and the runs not started yet are
    # not started: no run can see that happen, so stopping tells nothing either.
    batch = [*wheats, *chaffs]
    random.SystemRandom().shuffle(batch)
    wheat_keys = {w["id"] for w in wheats}
    outcomes = dict(zip((v["id"] for v in batch), run.run_sandboxed(
        tests, [(v["id"], v["layers"]) for v in batch], mode=mode, test_timeout=test_timeout,
        run_timeout=run_timeout, memory_mb=memory_mb, deadline=deadline,
        stop=lambda o: o.key in wheat_keys and o.verdict != run.ACCEPTED)))
    bad = [(outcomes[w["id"]], w) for w in wheats
           if outcomes[w["id"]] is not None and outcomes[w["id"]].verdict != run.ACCEPTED]
    if not bad and any(o is None for o in outcomes.values()):
        grade["message"] = f"not graded: the grading's total time ran out before the tests of {kata} had run"
        return grade
    if bad:
        said = [line for o, w in bad[:2] for line in _rejections(o, w)]
        grade["message"] = (f"not valid: your tests fail a correct {kata}, so no examplar credit for {kata}.\n"
                            + "\n".join(f"  - {s}" for s in said))
        return grade
    caught = [outcomes[c["id"]].verdict == run.REJECTED for c in chaffs]
    grade.update(valid=True, caught=sum(caught), points=round(weight * sum(caught) / len(chaffs), 4))
    missed = sorted({c["title"] for c, got in zip(chaffs, caught) if not got})
    grade["message"] = (f"valid; {sum(caught)} of {len(chaffs)} chaffs caught"
                        + (f"; missed: {'; '.join(missed)[:600]}" if missed else ""))
    return grade


def grade_all_katas(impl: Path, *, table: dict | None, mode: str, hidden=None, test_timeout: float = 10.0,
                    run_timeout: float = 60.0, memory_mb: int = 2048, deadline: float | None = None) -> list[dict]:
    """Every kata's examplar grade for a prepared submission (its tests in ``impl/mytests``).
    A kata whose grading fails for any reason gets 0 and says why; the others go on."""
    points = weights(table)
    if mode != "bwrap":
        # Outside the sandbox a learner's tests could read the grader's files (which variant is which)
        # and write into classmates' submissions: no examplar credit is given there, by anyone.
        return [{"kata": k, "points": 0.0, "max_points": points[k], "valid": False, "caught": 0, "chaffs": 0,
                 "wheats": 0, "message": "not graded: your tests are run only inside the bubblewrap sandbox, "
                                         "which this grader does not have"} for k in manifest.names()]
    grades = []
    for kata in manifest.names():
        try:
            grades.append(grade_kata(kata, Path(impl) / "mytests", weight=points[kata], mode=mode, hidden=hidden,
                                     test_timeout=test_timeout, run_timeout=run_timeout, memory_mb=memory_mb,
                                     deadline=deadline))
        except Exception as exc:  # this kata only
            grades.append({"kata": kata, "points": 0.0, "max_points": points[kata], "valid": False, "caught": 0,
                           "chaffs": 0, "wheats": 0,
                           "message": f"examplar grading failed ({type(exc).__name__}: {exc}): no credit"})
    return grades


def digest(table: dict | None) -> str:
    """What an examplar grade depends on besides the submission: the variants and the weights."""
    import json

    source = core.source_key() if core.have_sources() else "pack"
    return f"+examplar:{source}:{json.dumps(weights(table), sort_keys=True)}"
