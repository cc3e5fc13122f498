"""`tnde` entry point: argument parsing and dispatch to the command modules."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from gateway.cli import audit, holidays, imap, inbound, instance, naskah, org, outbox, rules
from gateway.cli.common import CommandError
from gateway.config import ConfigError, load_settings

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tnde", description="tnde-gateway: TNDE over email")
    parser.add_argument("--config", help="TOML configuration file (default: $TNDE_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error, not one line"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Order is the order of `tnde --help`.
    for module in (instance, inbound, naskah, outbox, audit, org, rules, holidays, imap):
        module.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        args.settings = load_settings(args.config)
    except ConfigError as err:
        print(f"tnde: configuration error: {err}", file=sys.stderr)
        return 2
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
    except Exception as err:
        # No traceback for the user; --debug shows it.
        if args.debug:
            traceback.print_exc()
        print(f"tnde: {type(err).__name__}: {err} (--debug shows the details)", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush raises nothing."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
