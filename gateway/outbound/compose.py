"""Build outgoing EmailMessages safely: no header injection, loop markers, RFC 3834."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from gateway.parsing.automatic import LOOP_HEADER

# Characters that would end a header line or hide text: CR, LF, NUL, other C0 controls,
# Unicode line/paragraph separators.
_UNSAFE = {chr(c) for c in range(32) if c != 9} | {"\x7f", "\u2028", "\u2029", "\x85"}


def header_safe(value: str, limit: int = 400) -> str:
    """A single-line header value: control characters become spaces, length is capped."""
    cleaned = "".join(" " if ch in _UNSAFE else ch for ch in value)
    return " ".join(cleaned.split())[:limit]


@dataclass(frozen=True)
class Identity:
    """Who the gateway's mail comes from and how it marks itself."""

    domain: str
    from_local: str
    from_name: str
    instance_id: str

    @property
    def from_address(self) -> str:
        return f"{self.from_local}@{self.domain}"


@dataclass
class OutgoingMail:
    """The content of one message for one recipient."""

    kind: str  # receipt | notice | command_receipt | alert | digest | ...
    to_address: str
    to_name: str
    subject: str
    text: str
    html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    reply_to: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    auto_submitted: str = "auto-generated"
    extra_headers: dict[str, str] = field(default_factory=dict)


def new_message_id(identity: Identity, kind: str) -> str:
    """<tnde.kind.random@domain>: recognisable as ours when replies reference it."""
    return f"<tnde.{kind}.{secrets.token_hex(12)}@{identity.domain}>"


def compose(mail: OutgoingMail, identity: Identity, now: dt.datetime) -> EmailMessage:
    """An RFC 5322 message with the marks that stop auto-reply loops (RFC 3834)."""
    msg = EmailMessage()
    msg["From"] = Address(header_safe(identity.from_name, 120), addr_spec=identity.from_address)
    msg["To"] = Address(header_safe(mail.to_name, 120), addr_spec=mail.to_address)
    msg["Subject"] = header_safe(mail.subject, 300)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = new_message_id(identity, mail.kind)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
        msg["References"] = " ".join([*mail.references, mail.in_reply_to][-10:])
    # RFC 3834: mark machine mail so that responders stay silent; Exchange honours
    # X-Auto-Response-Suppress; our own marker recognises our mail when it comes back.
    msg["Auto-Submitted"] = mail.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = identity.instance_id
    for name, value in mail.extra_headers.items():
        msg[name] = header_safe(value)
    msg.set_content(mail.text, cte="quoted-printable")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    for filename, content_type, data in mail.attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=header_safe(filename, 200) or "lampiran",
        )
    return msg
