"""`tnde` entry point: argument parsing and dispatch to the command modules."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from gateway.cli import audit, holidays, imap, inbound, instance, naskah, org, outbox, rules
from gateway.cli.common import CommandError
from gateway.config import ConfigError, load_settings

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tnde", description="tnde-gateway: TNDE over email")
    parser.add_argument("--config", help="TOML configuration file (default: $TNDE_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
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
    except CommandError as err:
        print(f"tnde: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
