"""`tnde tte verify FILE.pdf` and `tnde tte sign FILE.pdf --nik NIK -o OUT.pdf` (BSrE)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError
from gateway.config import Settings


def add_commands(commands: Any, t: Catalogue) -> None:
    tte = commands.add_parser("tte", help=t("help.tte"))
    sub = tte.add_subparsers(dest="tte_command", required=True)
    verify = sub.add_parser("verify", help=t("help.tte.verify"))
    verify.add_argument("file")
    verify.set_defaults(handler=cmd_verify)
    sign = sub.add_parser("sign", help=t("help.tte.sign"))
    sign.add_argument("file")
    sign.add_argument("--nik", required=True, help=t("help.tte.nik"))
    sign.add_argument("-o", "--output", required=True)
    sign.add_argument("--reason", default="")
    sign.add_argument("--location", default="")
    sign.set_defaults(handler=cmd_sign)


def _validate(settings: Settings, name: str, data: bytes, t: Catalogue) -> int:
    """Print each signature's verdict, as a letter would show it; 1 unless all valid."""
    from gateway.core.verdict import signature_lines
    from gateway.tte.trust import load_roots
    from gateway.tte.validate import PdfSignatureValidator

    checks = PdfSignatureValidator(load_roots(settings.tte.trust_roots)).check(name, data)
    if not checks:
        print(t("tte.unsigned", file=name))
        return 1
    auth = {"tte": [c.as_dict() for c in checks]}
    for line in signature_lines(auth, t, settings.mail.timezone):
        print(line)
    return 0 if all(c.result == "valid" for c in checks) else 1


def cmd_verify(args: argparse.Namespace) -> int:
    t: Catalogue = args.t
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CommandError(t("tte.unreadable", file=args.file, error=err.strerror)) from err
    return _validate(args.settings, path.name, data, t)


def cmd_sign(args: argparse.Namespace) -> int:
    import asyncio

    from gateway.tte.bsre import BsreClient, BsreError

    settings: Settings = args.settings
    t: Catalogue = args.t
    tte = settings.tte
    if tte.provider != "bsre":
        raise CommandError(t("tte.no_provider"))
    path = Path(args.file)
    try:
        pdf = path.read_bytes()
    except OSError as err:
        raise CommandError(t("tte.unreadable", file=args.file, error=err.strerror)) from err
    # Typed at the terminal (or piped in), never an argument: it would show in `ps`.
    if sys.stdin.isatty():
        passphrase = getpass.getpass(t("tte.passphrase_prompt"))
    else:
        passphrase = sys.stdin.readline().rstrip("\r\n")
    client = BsreClient(tte.bsre_url, tte.bsre_username, tte.bsre_password, tte.bsre_timeout)
    try:
        signed = asyncio.run(
            client.sign(
                pdf,
                nik=args.nik,
                passphrase=passphrase,
                filename=path.name,
                reason=args.reason,
                location=args.location,
            )
        )
    except BsreError as err:
        raise CommandError(str(err)) from None
    finally:
        del passphrase
    Path(args.output).write_bytes(signed.pdf)
    print(t("tte.signed", file=args.output, id=signed.document_id or "-"))
    return _validate(settings, Path(args.output).name, signed.pdf, t)
