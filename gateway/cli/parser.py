"""An argparse parser that speaks the catalogue's language: usage, section titles, -h, errors."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

from gateway.catalogue import Catalogue

# argparse's own error messages (Python 3.11), each with the catalogue key that says the
# same; the groups carry over as {a}, {b}, {c}. Anything else is shown as argparse wrote it.
_ERRORS = (
    (re.compile(r"the following arguments are required: (?P<a>.+)"), "argparse.required"),
    (re.compile(r"unrecognized arguments: (?P<a>.+)"), "argparse.unrecognized"),
    (
        re.compile(r"argument (?P<a>\S+): invalid choice: (?P<b>.+) \(choose from (?P<c>.+)\)"),
        "argparse.invalid_choice",
    ),
    (re.compile(r"argument (?P<a>\S+): invalid (?P<b>\S+) value: (?P<c>.+)"), "argparse.invalid"),
    (re.compile(r"argument (?P<a>\S+): expected one argument"), "argparse.expected_one"),
    (re.compile(r"ambiguous option: (?P<a>\S+) could match (?P<b>.+)"), "argparse.ambiguous"),
)


def parser_class(t: Catalogue) -> type[argparse.ArgumentParser]:
    """An ArgumentParser class bound to `t`; subcommand parsers are made from the same class."""

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any = None) -> None:
            # prefix "" is argparse computing a subcommand's prog: keep it bare.
            shown = t("argparse.usage") + " " if prefix is None else prefix
            super().add_usage(usage, actions, groups, shown)

    class Parser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", Formatter)
            super().__init__(*args, **kwargs)
            self._positionals.title = t("argparse.positionals")
            self._optionals.title = t("argparse.options")
            for action in self._actions:
                if isinstance(action, argparse._HelpAction):
                    action.help = t("argparse.help")

        def add_subparsers(self, **kwargs: Any) -> Any:
            # Named in usage and errors as PERINTAH, not by its dest (naskah_command).
            kwargs.setdefault("metavar", t("argparse.command"))
            return super().add_subparsers(**kwargs)

        def error(self, message: str) -> NoReturn:
            self.print_usage(sys.stderr)
            self.exit(2, t("argparse.error", prog=self.prog, message=translate(message, t)) + "\n")

    return Parser


def translate(message: str, t: Catalogue) -> str:
    """One of argparse's English error messages in the catalogue's language."""
    for pattern, key in _ERRORS:
        found = pattern.fullmatch(message)
        if found:
            return t(key, **found.groupdict())
    return message
