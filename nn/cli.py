"""The ``nn-kata`` command."""
from __future__ import annotations

import argparse
import sys

from . import manifest


def cmd_list(args) -> int:
    for i, kata in enumerate(manifest.katas(), start=1):
        print(f"{i:>2}. {kata.name:<10} {kata.title}")
        print(f"    {kata.module}.py: {', '.join(kata.functions)}")
        print(f"    seed: {kata.seed_section}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nn-kata", description="Neural networks from first principles: the kata runner.")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("list", help="the katas in order, with the functions each asks for")
    p.set_defaults(func=cmd_list)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
