"""Real DKIM keys for tests, made with Debian's openssl, and messages signed with them."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass

import dkim

from tests.support.requirements import need_binary

SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


@dataclass(frozen=True)
class DkimKey:
    """A private key (PEM) and its public half as a DNS record."""

    private_pem: bytes
    public_b64: str

    @classmethod
    def generate(cls, bits: int = 1024) -> DkimKey:
        openssl = need_binary("openssl", "openssl")
        private = subprocess.run(
            [openssl, "genrsa", "-traditional", str(bits)], check=True, capture_output=True
        ).stdout
        public = subprocess.run(
            [openssl, "rsa", "-pubout", "-outform", "DER"],
            input=private,
            check=True,
            capture_output=True,
        ).stdout
        return cls(private, base64.b64encode(public).decode("ascii"))

    def txt_record(self, selector: str) -> str:
        """The zone-file line publishing this key (split into 255-byte strings)."""
        text = f"v=DKIM1; k=rsa; p={self.public_b64}"
        chunks = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))
        return f"{selector}._domainkey IN TXT {chunks}"

    def sign(self, message: bytes, domain: str, selector: str) -> bytes:
        """The message with a DKIM-Signature of d=domain, s=selector prepended."""
        signature = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            self.private_pem,
            include_headers=SIGNED_HEADERS,
        )
        return signature + message
