"""The trust store: root certificates the administrator configured ([tte] trust_roots)."""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem, x509


class TrustStoreError(ValueError):
    """A configured trust root cannot be read; the message names the file."""


def load_roots(paths: tuple[str, ...]) -> list[x509.Certificate]:
    """Every certificate in the given files (PEM with one or more, or DER), or in every
    *.pem, *.crt, *.cer, *.der file of a given directory."""
    roots: list[x509.Certificate] = []
    for entry in paths:
        path = Path(entry)
        files = (
            sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer", ".der")
            )
            if path.is_dir()
            else [path]
        )
        for file in files:
            roots += _certificates(file)
    return roots


def _certificates(file: Path) -> list[x509.Certificate]:
    try:
        data = file.read_bytes()
    except OSError as err:
        raise TrustStoreError(f"{file}: {err.strerror or err}") from err
    try:
        if pem.detect(data):
            return [
                x509.Certificate.load(der)
                for kind, _headers, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"
            ]
        certificate = x509.Certificate.load(data)
        _ = certificate.native  # parse now: a broken file fails at start, not per letter
        return [certificate]
    except (ValueError, TypeError) as err:
        raise TrustStoreError(f"{file}: not a certificate ({err})") from err
