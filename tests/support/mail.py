"""Build test letters as raw bytes (CRLF), the way a mail client would send them."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

DOMAIN = "tnde.banyumaskab.go.id"


def letter(
    to: str = f"setda@{DOMAIN}",
    subject: str = "Undangan Rapat Koordinasi Penanganan Stunting",
    body: str = "Nomor: 400.7/123/2026\nPerihal: Undangan Rapat Koordinasi Penanganan Stunting\n",
    sender: str = "tu@dinkes.jatengprov.go.id",
    sender_name: str = "TU Dinkes Provinsi",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Fri, 27 Nov 2026 09:00:00 +0700"
    msg["Message-ID"] = message_id or make_msgid(domain="dinkes.jatengprov.go.id")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)
