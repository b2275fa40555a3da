"""The learner's ``nn-kata examplar KATA`` (called by ``nn.learn.commands``): the learner's own tests (``mytests/test_KATA.py``) judged against
correct implementations (wheats) and buggy ones (chaffs), after Brown University's Examplar.

One pytest process runs the test file once per implementation: the fixtures of
``nn.examplar.fixtures`` load each variant as a private package, so nothing is paid
twice. Meanwhile the learner's own implementation is checked; it counts as a wheat when
it passes its kata.

- validity: every test passes every wheat; a test that fails one is shown with what the
  wheat does differently, never its code;
- thoroughness: the chaffs caught by a valid test, out of those run, each named by its
  misconception; for one missed chaff, that misconception's hint;
- bad tests: a file that does not import or has no tests, a test that takes no fixture or
  never calls the kata's functions, one that runs past its time limit, one that asserts
  nothing, one that ends the process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT, shown
from ..usage import UsageError, impl_dir
from ..usage import kata as kata_named
from .variants import variants

SESSION_TIMEOUT = 300.0


def tests_file(args, kata: manifest.Kata) -> Path:
    # Like --impl's directory: from where you are first, then from the project.
    path = Path(args.tests).expanduser() if args.tests else Path("mytests") / f"test_{kata.name}.py"
    if not path.is_absolute():
        path = (Path.cwd() / path) if (Path.cwd() / path).exists() else PROJECT_ROOT / path
    if not path.is_file():
        raise UsageError(f"{path}: no such file. Your tests of kata {kata.name} go in mytests/test_{kata.name}.py "
                         f"(the project ships a stub with one example test)")
    return path.resolve()


def run_session(tests: Path, impls: list[dict], limit: float, total: float = SESSION_TIMEOUT) -> dict:
    """One pytest process: every test of ``tests`` against every implementation in ``impls``."""
    with tempfile.TemporaryDirectory(prefix="nn-examplar-") as tmp:
        out = Path(tmp) / "results.json"
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps({"impls": impls, "timeout": limit, "out": str(out)}))
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "nn.suite.plugin",
               "-p", "nn.examplar.fixtures", "-q", "--no-header", "-p", "no:warnings", "--tb=no",
               "-o", "addopts=", f"--rootdir={PROJECT_ROOT}",
               # The time limit is examplar's own, per test and implementation: the suite's per-kata
               # limit would let one slow implementation mark the kata's later checks "not run" for all.
               "--check-timeout=0", str(tests)]
        env = dict(os.environ, NN_EXAMPLAR_PLAN=str(plan))
        try:
            proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                                  timeout=total, stdin=subprocess.DEVNULL)
            output, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired:
            output, code = f"the tests were stopped after {total:g} s in all", None
        events = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    data = {"records": [e for e in events if "test" in e], "output": output, "returncode": code,
            "collect_errors": "\n".join(e["collect_error"] for e in events if "collect_error" in e),
            "finished": any("collected" in e for e in events),
            "last_started": next((e["start"] for e in reversed(events) if "start" in e), None)}
    return data


def import_error(text: str, tests: Path) -> str:
    """What went wrong importing the test file, in a few lines: pytest's ``E`` lines."""
    lines = [line[1:].rstrip() for line in text.splitlines() if line.startswith("E ")]
    lines = [line for line in lines if line.strip()][-6:] or text.strip().splitlines()[-6:]
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    return f"{shown(tests.parent)}{tests.name} does not import:\n" + "\n".join("  " + l[indent:] for l in lines)


def stopped(data: dict, impls: list[dict], tests: Path) -> str:
    """Why no verdict: the test that was running when the process ended, against what."""
    last, where = data["last_started"] or "", ""
    name = last.split("::")[-1]
    for impl in impls:
        if f"[{impl['id']}]" in name or f"-{impl['id']}]" in name or f"[{impl['id']}-" in name:
            where = f" against {impl['title']}"
    tail = "\n".join("  " + line for line in data["output"].strip().splitlines()[-5:])
    what = f"{name.split('[')[0]} ended the test process{where}" if last else "the test process ended"
    return (f"{shown(tests.parent)}{tests.name}: {what} (os._exit, a crash, or a session longer than "
            f"{SESSION_TIMEOUT:g} s), so there is no verdict. A test must return or fail.\nThe end of the output:\n{tail}")


def _clip(line: str, width: int = 110) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def _own_status(status, impl: Path, kata: str, timeout: float, into: dict) -> None:
    try:
        into["result"] = status(impl, [kata], timeout=timeout)[kata]
    except Exception as exc:  # the learner's code is the learner's: it only decides whether it counts
        into["error"] = str(exc)


def judge(kata: manifest.Kata, data: dict, impls: list[dict], own_counts: bool) -> dict:
    """From the records of one session: each test's verdict, and what the chaffs met."""
    by_id = {i["id"]: i for i in impls}
    wheats = [i["id"] for i in impls if i["role"] == "wheat" or (i["role"] == "yours" and own_counts)]
    chaffs = [i["id"] for i in impls if i["role"] == "chaff"]
    tests: dict[str, dict] = {}
    for r in data["records"]:
        t = tests.setdefault(r["test"], {"name": r["test"], "results": {}, "calls": 0, "slow": None,
                                         "asserts": r["asserts"], "uses_fixture": r["uses_fixture"]})
        if r["impl"] is not None and (r["outcome"] == "failed" or r["impl"] not in t["results"]):
            t["results"][r["impl"]] = r
        t["calls"] += sum(n for f, n in r["calls"].items() if f in kata.functions)
        if r["timed_out"] and r["impl"] in wheats + chaffs:
            t["slow"] = by_id.get(r["impl"], {}).get("title", "an implementation")
    caught: dict[str, list[str]] = {c: [] for c in chaffs}
    for t in tests.values():
        failed = {i for i, r in t["results"].items() if r["outcome"] == "failed"}
        t["rejects"] = [(by_id[w]["title"], t["results"][w]["message"]) for w in wheats
                        if w in failed and not t["results"][w]["timed_out"]]
        t["catches"] = [c for c in chaffs if c in failed]
        if not t["uses_fixture"]:
            t["problem"] = f"takes no fixture of kata {kata.name}, so it tests nothing of yours " \
                           f"(ask for {kata.functions[0]} as an argument)"
        elif t["slow"]:
            t["problem"] = f"ran past its time limit against {t['slow']}; it was not run against the rest"
        elif t["calls"] == 0:
            t["problem"] = (f"does not exercise {kata.functions[0]}: it never calls it through the fixture"
                            if len(kata.functions) == 1 else f"does not exercise {', '.join(kata.functions)}: it "
                            f"calls none of them through the fixtures")
        elif t["rejects"]:
            t["problem"] = "rejects a correct implementation"
        elif not t["catches"] and chaffs and t["asserts"] is False:
            t["problem"] = "asserts nothing: it passes every chaff"
        else:
            t["problem"] = None
        t["note"] = t["problem"] is None and not t["catches"] and bool(chaffs)  # valid, but catches none
        if t["problem"] is None:
            for c in t["catches"]:
                caught[c].append(t["name"])
    return {"tests": list(tests.values()), "wheats": wheats, "chaffs": chaffs, "caught": caught, "by_id": by_id}


def report(kata: manifest.Kata, tests_path: Path, verdict: dict, seconds: float, own_note: str) -> tuple[str, bool]:
    """The text a learner reads, and whether everything is right."""
    by_id, tests = verdict["by_id"], verdict["tests"]
    lines = [f"examplar {kata.name}: {shown(tests_path.parent)}{tests_path.name}, {len(tests)} test"
             f"{'s' if len(tests) != 1 else ''} against {len(verdict['wheats'])} wheats (correct) and "
             f"{len(verdict['chaffs'])} chaffs (buggy), {seconds:.1f} s"]
    if own_note:
        lines.append(own_note)
    invalid = [t for t in tests if t["rejects"]]
    lines.append("")
    if invalid:
        lines.append(f"Validity: ✗ {len(invalid)} of {len(tests)} tests reject a correct implementation:")
        for t in invalid:
            for title, message in t["rejects"]:
                lines.append(f"  - {t['name']} rejects {title}")
                lines.extend(f"      {_clip(m)}" for m in message.splitlines()[:2])
    else:
        lines.append(f"Validity: ✓ every test passes all {len(verdict['wheats'])} correct implementations")
    chaffs, caught = verdict["chaffs"], verdict["caught"]
    got = [c for c in chaffs if caught[c]]
    lines.append(f"Thoroughness: {len(got)} of {len(chaffs)} chaffs caught")
    for c in chaffs:
        mark = f"✓ caught by {', '.join(caught[c][:2])}{' ...' if len(caught[c]) > 2 else ''}" if caught[c] else "✗ missed"
        lines.append(f"  {c.replace('chaff', 'chaff '):<9} {by_id[c]['title']:<52} {mark}")
    missed = [c for c in chaffs if not caught[c]]
    if missed and tests:
        first = by_id[missed[0]]
        lines.append(f"\nHint for {missed[0].replace('chaff', 'chaff ')} ({first['title']}): {first['hint']}")
    problems = [t for t in tests if t["problem"] and t["problem"] != "rejects a correct implementation"]
    if problems:
        lines.append("\nTests to look at:")
        lines.extend(f"  - {t['name']} {t['problem']}" for t in problems)
    quiet = [t["name"] for t in tests if t["note"]]
    if quiet:
        lines.append(f"\nCatching no chaff (fine if they check what no chaff gets wrong): {', '.join(quiet[:6])}"
                     + (f" and {len(quiet) - 6} more" if len(quiet) > 6 else ""))
    ok = not invalid and not problems and not missed and bool(tests)
    if ok:
        lines.append("\nEvery test is valid and every chaff is caught.")
    return "\n".join(lines), ok


def examine(args, status, state: Path) -> int:
    """``nn-kata examplar KATA``, with ``args`` as the parser gives them: the report printed, 0
    when every test is valid and every chaff is caught. ``status(impl, [kata], timeout=)``
    checks the learner's own implementation (it counts as a wheat when it passes); the
    variants are built under ``state``."""
    kata = kata_named(args.kata)
    impl = impl_dir(args)
    tests_path = tests_file(args, kata)
    start = time.perf_counter()
    entries, _origin = variants(kata.name, state)
    if not entries:
        raise UsageError("no wheats and chaffs to run your tests against: neither tests/catalogue with solutions/ "
                         "nor examplar-pack/ is in this project (ask your instructor for the pack)")
    own: dict = {}
    checker = threading.Thread(target=_own_status, args=(status, impl, kata.name, args.timeout, own), daemon=True)
    checker.start()
    yours = {"id": "yours", "role": "yours", "dir": str(impl),
             "title": f"your own {kata.name} in {shown(impl)} (it passes the kata)"}
    # Yours last: a loop in it costs its own runs only, after every other verdict is in.
    impls = [e for e in entries if e["role"] == "wheat"] + [e for e in entries if e["role"] == "chaff"] + [yours]
    data = run_session(tests_path, impls, args.test_timeout)
    checker.join()
    seconds = time.perf_counter() - start
    if data["collect_errors"].strip():
        print(import_error(data["collect_errors"], tests_path))
        print(f"\nNothing was run. Fix the file and run `nn-kata examplar {kata.name}` again.")
        return 1
    if not data["records"] and data["returncode"] == 5:  # pytest's "no tests collected"
        print(f"{shown(tests_path.parent)}{tests_path.name} has no tests: write a function named test_... that takes "
              f"the {kata.functions[0]} fixture, as the stub's example does.")
        return 1
    if not data["finished"]:
        print(stopped(data, impls, tests_path))
        return 1
    result = own.get("result")
    own_counts = result is not None and result.status == "done"
    note = "" if own_counts else (f"Your own {kata.name} in {shown(impl)} is not counted as a wheat: it does not pass "
                                  f"the kata yet.")
    verdict = judge(kata, data, impls, own_counts)
    text, ok = report(kata, tests_path, verdict, seconds, note)
    print(text)
    return 0 if ok else 1
