"""`tnde dkim keygen DOMAIN SELECTOR`: a DKIM key for our mail and its DNS record."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError

DEFAULT_BITS = 2048


def add_commands(commands: Any, t: Catalogue) -> None:
    dkim = commands.add_parser("dkim", help=t("help.dkim"))
    sub = dkim.add_subparsers(dest="dkim_command", required=True)
    keygen = sub.add_parser("keygen", help=t("help.dkim.keygen"))
    keygen.add_argument("domain")
    keygen.add_argument("selector")
    keygen.add_argument("-o", "--output", help=t("help.dkim.output"))
    keygen.add_argument("--bits", type=int, default=DEFAULT_BITS, choices=(1024, 2048, 3072, 4096))
    keygen.set_defaults(handler=cmd_keygen)


def cmd_keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateway.outbound.dkimsign import public_key_b64, txt_record

    t: Catalogue = args.t
    domain, selector = args.domain.lower().rstrip("."), args.selector
    path = Path(args.output or f"var/dkim/{domain}.{selector}.pem")
    if path.exists():
        # Never overwrite a key: the published record would stop matching at once.
        raise CommandError(t("dkim.exists", path=str(path)))
    key = rsa.generate_private_key(public_exponent=65537, key_size=args.bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by the owner only, from the first byte on disk.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    print(t("dkim.written", path=str(path), bits=args.bits))
    print(t("dkim.publish"))
    print(txt_record(selector, domain, public_key_b64(pem)))
    print(t("dkim.configure"))
    print(f'[dkim]\ndomain = "{domain}"\nselector = "{selector}"\nprivate_key = "{path.resolve()}"')
    return 0
