"""Every option of every nn-kata command says what it does in --help."""
import argparse

from nn.cli import build_parser


def _commands(parser):
    for action in parser._actions:  # argparse has no public walk of its subcommands
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_option_of_every_command_has_help_text():
    parser = build_parser()
    missing = [f"nn-kata {name} {'/'.join(a.option_strings)}" for name, sub in [("", parser), *_commands(parser)]
               for a in sub._actions if a.option_strings and a.help is None]
    assert not missing, missing
