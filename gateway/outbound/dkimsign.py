"""DKIM signatures on the mail we send (RFC 6376), made when a message leaves the outbox."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization

# Everything a reader or a filter trusts in our mail (oversigned, see DkimSigner.sign).
SIGNED_HEADERS = (
    b"from",
    b"sender",
    b"reply-to",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"mime-version",
    b"content-type",
    b"content-transfer-encoding",
    b"auto-submitted",
)


class DkimKeyError(ValueError):
    """The configured private key cannot be read; the message names the file."""


@dataclass(frozen=True)
class DkimSigner:
    """Signs as d=domain, s=selector with one RSA key read at start."""

    domain: str
    selector: str
    private_pem: bytes

    @classmethod
    def from_file(cls, domain: str, selector: str, path: str) -> DkimSigner:
        try:
            pem = Path(path).read_bytes()
            serialization.load_pem_private_key(pem, password=None)
        except OSError as err:
            raise DkimKeyError(f"{path}: {err.strerror or err}") from err
        except (ValueError, TypeError) as err:
            raise DkimKeyError(f"{path}: not an unencrypted PEM private key") from err
        return cls(domain.lower(), selector, pem)

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header in front."""
        signature = dkim.sign(
            message,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.private_pem,
            # Each listed twice: h= then covers one more copy than the message has, so a
            # second From or Subject added on the way breaks the signature (RFC 6376
            # 8.15); an absent header listed covers its absence the same way.
            include_headers=[*SIGNED_HEADERS, *SIGNED_HEADERS],
            linesep=b"\r\n",
        )
        return bytes(signature) + message

    @property
    def public_key(self) -> str:
        """The p= value of the DNS record that publishes this key."""
        return public_key_b64(self.private_pem)


def public_key_b64(private_pem: bytes) -> str:
    """Base64 of the SubjectPublicKeyInfo of a PEM private key (DKIM's p= tag)."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def txt_record(selector: str, domain: str, public_b64: str) -> str:
    """The zone-file line to publish, in strings of at most 255 characters."""
    text = f"v=DKIM1; k=rsa; p={public_b64}"
    chunks = " ".join(f'"{text[i : i + 250]}"' for i in range(0, len(text), 250))
    return f"{selector}._domainkey.{domain}. IN TXT ( {chunks} )"


def published_key(record: bytes) -> str:
    """The p= of a published DKIM record ("" when there is none)."""
    text = record.decode("ascii", "replace")
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "p":
            return "".join(value.split())
    return ""
