"""Measures the suite on the catalogues: kill rate, acceptance and the three diagnosis rates.

    .venv/bin/python -m tests.selfcheck.measure [--json out.json] [--kata NAME] [--variants FILE]

Prints one block per catalogue round and one for the whole catalogue. ``--variants FILE``
measures a set kept outside the repository instead (a blind round): a Python file that
defines BUGS and CORRECT, lists of ``tests.catalogue.Variant``. The self-proof
(test_selfproof.py) computes the same figures with ``rates`` and asserts the targets.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def rates(bugs, bug_verdicts, correct, correct_verdicts) -> dict:
    """Kill, acceptance and diagnosis figures; a hint is judged against the bug's own misconception."""
    caught = [b for b in bugs if bug_verdicts[b.id].status != "done"]
    right = [b for b in caught if bug_verdicts[b.id].misconception and bug_verdicts[b.id].misconception == b.misconception]
    none = [b for b in caught if not bug_verdicts[b.id].misconception]
    wrong = [b for b in caught if bug_verdicts[b.id].misconception and bug_verdicts[b.id].misconception != b.misconception]
    accepted = [c for c in correct if correct_verdicts[c.id].status == "done"]
    hinted = [c for c in correct if correct_verdicts[c.id].misconception]
    return {
        "bugs": len(bugs), "killed": len(caught), "correct": len(correct), "accepted": len(accepted),
        "right_hint": len(right), "wrong_hint": len(wrong), "no_hint": len(none),
        "hints_to_correct": len(hinted),
        "missed": [b.id for b in bugs if b not in caught],
        "rejected_correct": [c.id for c in correct if c not in accepted],
        "wrong": [(b.id, b.misconception, bug_verdicts[b.id].misconception) for b in wrong],
        "unhinted": [(b.id, b.misconception) for b in none],
    }


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else f"{a}/0"


def summary_lines(r: dict) -> list[str]:
    k = r["killed"]
    return [
        f"kill rate: {pct(k, r['bugs'])} catalogued bugs rejected",
        f"acceptance rate: {pct(r['accepted'], r['correct'])} correct variants pass",
        f"diagnosis of the {k} caught: right hint {pct(r['right_hint'], k)}, wrong hint {pct(r['wrong_hint'], k)}, "
        f"no hint {pct(r['no_hint'], k)}",
        f"hints shown to correct variants: {r['hints_to_correct']}",
    ]


def main(argv=None) -> int:
    from tests.catalogue.bugs import BUGS_ROUND_1, BUGS_ROUND_2, BUGS_ROUND_3
    from tests.catalogue.correct import CORRECT_ROUND_1, CORRECT_ROUND_2

    from .runner import run_variants

    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kata", action="append", help="only the variants of these katas")
    parser.add_argument("--variants", help="a file defining BUGS and CORRECT: measure those instead")
    args = parser.parse_args(argv)
    if args.variants:
        import runpy

        blind = runpy.run_path(args.variants)
        BUGS_ROUND_1, BUGS_ROUND_2, BUGS_ROUND_3 = list(blind["BUGS"]), [], []
        CORRECT_ROUND_1, CORRECT_ROUND_2 = list(blind["CORRECT"]), []
    if args.kata:
        keep = set(args.kata)
        BUGS_ROUND_1, BUGS_ROUND_2, BUGS_ROUND_3 = ([b for b in r if b.kata in keep]
                                                    for r in (BUGS_ROUND_1, BUGS_ROUND_2, BUGS_ROUND_3))
        CORRECT_ROUND_1, CORRECT_ROUND_2 = ([c for c in r if c.kata in keep] for r in (CORRECT_ROUND_1, CORRECT_ROUND_2))
    with tempfile.TemporaryDirectory() as tmp:
        bv = run_variants(BUGS_ROUND_1 + BUGS_ROUND_2 + BUGS_ROUND_3, Path(tmp) / "bugs", jobs=args.jobs)
        cv = run_variants(CORRECT_ROUND_1 + CORRECT_ROUND_2, Path(tmp) / "correct", jobs=args.jobs)
    out = {}
    for name, bugs, correct in (("round 1", BUGS_ROUND_1, CORRECT_ROUND_1), ("round 2", BUGS_ROUND_2, CORRECT_ROUND_2),
                                ("round 3", BUGS_ROUND_3, []),
                                ("all", BUGS_ROUND_1 + BUGS_ROUND_2 + BUGS_ROUND_3, CORRECT_ROUND_1 + CORRECT_ROUND_2)):
        if not bugs and not correct or args.variants and name != "all":
            continue
        r = rates(bugs, bv, correct, cv)
        out[name] = r
        print(f"== {name}: {len(bugs)} bugs, {len(correct)} correct variants")
        for line in summary_lines(r):
            print("  " + line)
        for key in ("missed", "rejected_correct", "wrong", "unhinted"):
            if r[key]:
                print(f"  {key}: {r[key]}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
