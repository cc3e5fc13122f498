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


def failure_dsn(bounce_to: str, recipient: str) -> bytes:
    """A DSN as Postfix writes it: `recipient` is unknown (5.1.1), sent to `bounce_to`
    (the envelope sender of our message)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.banyumaskab.go.id>\r\n"
        f"To: {bounce_to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.banyumaskab.go.id')}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n--b1--\r\n"
    ).encode()
