"""`tnde` entry point: argument parsing and dispatch to the command modules."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from gateway import logs
from gateway.catalogue import Catalogue
from gateway.cli import (
    archive,
    audit,
    backup,
    dkim,
    holidays,
    imap,
    inbound,
    instance,
    naskah,
    org,
    outbox,
    rules,
    tte,
    user,
)
from gateway.cli.common import CommandError
from gateway.cli.parser import parser_class
from gateway.config import ConfigError, LogSettings, Settings, load_settings

Handler = Callable[[argparse.Namespace], int]
# The commands whose log lines follow [log] format; the others always write text.
LOG_FORMAT_COMMANDS = ("serve", "worker")


def build_parser(t: Catalogue | None = None) -> argparse.ArgumentParser:
    t = t or Catalogue()
    parser = parser_class(t)(prog="tnde", description=t("tnde.description"))
    parser.add_argument("--config", help=t("help.config"))
    parser.add_argument("-v", "--verbose", action="store_true", help=t("help.verbose"))
    parser.add_argument("--debug", action="store_true", help=t("help.debug"))
    commands = parser.add_subparsers(dest="command", required=True)
    # Order is the order of `tnde --help`.
    for module in (
        instance,
        inbound,
        naskah,
        outbox,
        audit,
        backup,
        org,
        rules,
        holidays,
        imap,
        user,
        dkim,
        tte,
        archive,
    ):
        module.add_commands(commands, t)
    return parser


def _settings_first(argv: Sequence[str] | None) -> tuple[Settings | None, ConfigError | None]:
    """Settings before the full parser, so its help speaks `[ui] language`; a broken
    configuration is reported after parsing, so `tnde --help` still works."""
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--config")
    try:
        known, _ = early.parse_known_args(argv)
    except argparse.ArgumentError:  # `--config` without a value: the full parser says so.
        known = argparse.Namespace(config=None)
    try:
        return load_settings(known.config), None
    except ConfigError as err:
        return None, err


def main(argv: Sequence[str] | None = None) -> int:
    settings, config_error = _settings_first(argv)
    language = settings.ui.language if settings else getattr(config_error, "language", "id")
    t = Catalogue(language)
    args = build_parser(t).parse_args(argv)
    log = settings.log if settings else LogSettings()
    # [log] format is for `tnde serve` and its worker processes (a log collector); every
    # other command has a person at a terminal, who reads text.
    fmt = log.format if args.command in LOG_FORMAT_COMMANDS else "text"
    zone = settings.mail.timezone if settings else logs.DEFAULT_ZONE
    logs.configure(fmt, "debug" if args.verbose else log.level, sys.stderr, timezone=zone)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if settings is None:
        print(f"tnde: {t('error.config', error=config_error)}", file=sys.stderr)
        return 2
    args.settings, args.t = settings, t
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `tnde naskah list | head -1`: the reader left; that is not an error.
        _silence_stdout()
        return 0
    except CommandError as err:
        if args.debug:
            traceback.print_exc()
        print(f"tnde: {err}", file=sys.stderr)
        return err.exit_code
    except ConfigError as err:
        # A file the configuration names turned out unusable (a key, a certificate).
        if args.debug:
            traceback.print_exc()
        err.language = t.language
        print(f"tnde: {t('error.config', error=err)}", file=sys.stderr)
        return 2
    except Exception as err:
        # No traceback for the user; --debug shows it.
        if args.debug:
            traceback.print_exc()
        message = t("error.unexpected", kind=type(err).__name__, error=err)
        print(f"tnde: {message}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush raises nothing."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
