"""Build outgoing EmailMessages safely: no header injection, loop markers, RFC 3834."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from email._policybase import Compat32
from email.encoders import encode_base64
from email.generator import NLCRE as _LINE_BREAK  # type: ignore[attr-defined]  # not in typeshed
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from io import BytesIO
from typing import Any

from gateway.parsing.automatic import LOOP_HEADER

# Characters that would end a header line or hide text: CR, LF, NUL, other C0 controls,
# Unicode line/paragraph separators.
_UNSAFE = {chr(c) for c in range(32) if c != 9} | {"\x7f", "\u2028", "\u2029", "\x85"}
_TO_SPACE = str.maketrans(dict.fromkeys(_UNSAFE, " "))


def header_safe(value: str, limit: int = 400) -> str:
    """A single-line header value: control characters become spaces, length is capped."""
    return " ".join(value.translate(_TO_SPACE).split())[:limit]


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
    # "" for a real letter written by people (a signed surat keluar): no Auto-Submitted,
    # so the recipient's auto-responders and people treat it as any letter.
    auto_submitted: str = "auto-generated"
    extra_headers: dict[str, str] = field(default_factory=dict)
    # The From of a unit's own letter (its official address); empty: the gateway's.
    from_address: str = ""
    from_name: str = ""


def new_message_id(identity: Identity, kind: str) -> str:
    """<tnde.kind.random@domain>: recognisable as ours when replies reference it."""
    return f"<tnde.{kind}.{secrets.token_hex(12)}@{identity.domain}>"


def compose(mail: OutgoingMail, identity: Identity, now: dt.datetime) -> Message:
    """An RFC 5322 message with the marks that stop auto-reply loops (RFC 3834).

    Built with the compat32 MIME classes (about 3x faster than EmailMessage, which
    re-parses every header); every value passes header_safe() and non-ASCII is encoded
    (RFC 2047 for headers, RFC 2231 for file names), so no header can be injected.
    """
    msg = _body(mail)
    if mail.from_address:
        msg["From"] = _address(mail.from_name, mail.from_address)
    else:
        msg["From"] = _address(identity.from_name, identity.from_address)
    msg["To"] = _address(mail.to_name, mail.to_address)
    msg["Subject"] = _text(mail.subject, 300)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = new_message_id(identity, mail.kind)
    if mail.reply_to:
        msg["Reply-To"] = header_safe(mail.reply_to)
    if mail.in_reply_to:
        msg["In-Reply-To"] = header_safe(mail.in_reply_to, 998)
        # Parsed references come without their angle brackets; RFC 5322 needs them.
        chain = [_bracketed(ref) for ref in [*mail.references, mail.in_reply_to][-10:]]
        msg["References"] = header_safe(" ".join(chain), 4000)
    # RFC 3834: mark machine mail so that responders stay silent; Exchange honours
    # X-Auto-Response-Suppress; our own marker recognises our mail when it comes back.
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = header_safe(identity.instance_id)
    for name, value in mail.extra_headers.items():
        msg[name] = _text(value, 400)
    return msg


# RFC 6838 type and subtype names; anything else (a stranger's NUL, quote, parameter or
# encoded word) becomes application/octet-stream rather than reaching our headers.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


def _media_type(content_type: str) -> tuple[str, str]:
    """The type and subtype rebuilt from what was received: only its valid names."""
    maintype, _, rest = content_type.strip().lower().partition("/")
    subtype = rest.split(";", 1)[0].strip()
    if _TOKEN.fullmatch(maintype) and _TOKEN.fullmatch(subtype):
        return maintype, subtype
    return "application", "octet-stream"


def _bracketed(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def as_bytes(msg: Message) -> bytes:
    """Wire format with CRLF line endings."""
    out = BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=_WIRE).flatten(msg)
    return out.getvalue()


_LINES_PER_WRITE = 1024


class _WireGenerator(BytesGenerator):
    """BytesGenerator writing a body 1,024 lines at a time, not line by line: a notice's
    attached PDF is hundreds of base64 lines, and three calls per line were two thirds of
    the calls that turned a notice into bytes. It splits with the library's own pattern;
    same bytes (tests/test_compose_safety.py)."""

    def _write_lines(self, lines: str) -> None:
        # The library splits at every CRLF, CR or LF and writes the pieces joined by the
        # policy's line ending, with none added after the last piece: join does that. In
        # slices, so a 10 MB attachment is not copied whole once more.
        if not lines:
            return
        pieces, newline = _LINE_BREAK.split(lines), self._NL  # type: ignore[attr-defined]
        for start in range(0, len(pieces), _LINES_PER_WRITE):
            if start:
                self.write(newline)
            self.write(newline.join(pieces[start : start + _LINES_PER_WRITE]))


# Printable ASCII, space and tab: what email.header.Header passes through unchanged when
# the line fits (tested against Header on random values in tests/test_compose_safety.py).
_PLAIN_VALUE = re.compile(r"[\t\x20-\x7e]*")


class _WirePolicy(Compat32):
    """compat32 with CRLF and 78 columns, without the Header round trip for a header that
    already fits on one line: folding was two thirds of turning a notice into bytes."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        limit = self.max_line_length or 0
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= limit
            and _PLAIN_VALUE.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


_WIRE = _WirePolicy(linesep="\r\n", max_line_length=78)


def _text(value: str, limit: int) -> str:
    """ASCII as is; anything else as RFC 2047 encoded words."""
    cleaned = header_safe(value, limit)
    return cleaned if cleaned.isascii() else Header(cleaned, "utf-8").encode()


def _address(name: str, address: str) -> str:
    return formataddr((header_safe(name, 120), address), charset="utf-8")


def _body(mail: OutgoingMail) -> Message:
    """text/plain, optionally with an HTML alternative, optionally with files."""
    text = MIMEText(mail.text, "plain", "utf-8")
    body: Message = text
    if mail.html:
        body = MIMEMultipart("alternative")
        body.attach(text)
        body.attach(MIMEText(mail.html, "html", "utf-8"))
    if not mail.attachments:
        return body
    outer = MIMEMultipart("mixed")
    outer.attach(body)
    for filename, content_type, data in mail.attachments:
        maintype, subtype = _media_type(content_type)
        part = MIMEBase(maintype, subtype)
        part.set_payload(data)
        encode_base64(part)
        name = header_safe(filename, 200) or "lampiran"
        value = name if name.isascii() else ("utf-8", "", name)
        part.add_header("Content-Disposition", "attachment", filename=value)
        outer.attach(part)
    return outer
