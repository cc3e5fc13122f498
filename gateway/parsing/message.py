"""Raw bytes to a ParsedMessage: body text, attachments, identity, defects (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import Any

from gateway.parsing.addresses import Mailbox, first_mailbox, mailboxes
from gateway.parsing.charset import decode_bytes
from gateway.parsing.flowed import unflow
from gateway.parsing.headers import header_text
from gateway.parsing.html import html_to_text, sanitise_html
from gateway.parsing.sniff import sniff_type
from gateway.parsing.tnef import count_tnef_files, expand_tnef, is_tnef

# Headers a relay adds on the way; they differ between two deliveries of one letter.
TRACE_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "authentication-results",
        "received-spf",
        "x-received",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "x-envelope-from",
        "x-envelope-to",
        "x-spam-status",
        "x-spam-score",
        "x-spam-flag",
        "x-virus-scanned",
    }
)
# Headers the classifiers (auto-reply, loops, threading) look at.
KEPT_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "x-tnde-loop",
    "x-loop",
    "return-path",
    "content-type",
    "x-ms-exchange-generated-message-source",
    "x-mailer",
    "user-agent",
    "organization",
)
SYNTHETIC_DOMAIN = "synthesized.tnde.invalid"
_MSGID = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


class MessageTooComplex(Exception):
    """The MIME structure exceeds our limits; the message is quarantined, not parsed."""


@dataclass
class AttachmentData:
    """One file carried by the message, with where in the MIME tree it came from."""

    filename: str
    declared_type: str
    data: bytes
    origin: str = "mail"  # mail | tnef | rfc822
    part_path: str = ""
    role: str = "file"  # file | inline | signature | container | calendar
    sniffed_type: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedMessage:
    """Everything later stages need, decoded once."""

    message_id: str
    message_id_synthesized: bool
    subject: str
    sender: Mailbox | None
    reply_to: list[Mailbox]
    to: list[Mailbox]
    cc: list[Mailbox]
    date: dt.datetime | None
    in_reply_to: list[str]
    references: list[str]
    headers: dict[str, str]
    authentication_results: list[str]
    text: str
    html: str | None
    text_source: str  # plain | html | tnef | none
    # The HTML as sent (unsanitised), for reading replies; never shown to anyone.
    html_raw: str | None = None
    attachments: list[AttachmentData] = field(default_factory=list)
    forwarded: list[ParsedMessage] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    raw_sha256: str = ""
    content_sha256: str = ""
    size: int = 0
    content_type: str = "text/plain"

    @property
    def files(self) -> list[AttachmentData]:
        """Attachments that count as lampiran (no inline images, signatures, containers)."""
        return [a for a in self.attachments if a.role == "file"]


@dataclass(frozen=True)
class Limits:
    """Structural limits; beyond them a message is quarantined with the reason."""

    max_depth: int = 50
    max_parts: int = 1000


class _ReusingPolicy(EmailPolicy):
    """policy.default, except that within one message a header value is parsed once: the
    library parses on every access, and one letter's Content-Type was parsed 23 times.

    The cache lives as long as the one parse (a new policy object per message): parsed
    header trees can be large (150 addresses, about 1 MB), so none outlives its message."""

    _parsed: dict[tuple[str, str], Any] | None = None  # set per instance (policies are frozen)

    @classmethod
    def for_one_message(cls) -> _ReusingPolicy:
        fresh: dict[str, Any] = {"_parsed": {}}
        return cls(**fresh)

    def header_fetch_parse(self, name: str, value: str) -> Any:
        cache = self._parsed
        if cache is None or hasattr(value, "name"):
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = cache.get(key)
        if found is None:
            found = cache[key] = super().header_fetch_parse(name, value)
        return found


def parse_message(raw: bytes, limits: Limits = Limits()) -> ParsedMessage:
    """Parse raw RFC 5322 bytes. Raises MessageTooComplex; other errors are bugs."""
    msg = BytesParser(policy=_ReusingPolicy.for_one_message()).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    content_hash = content_sha256(raw)
    parsed = _parse_tree(msg, limits, _Counter(), depth=0, content_hash=content_hash)
    parsed.raw_sha256 = hashlib.sha256(raw).hexdigest()
    parsed.content_sha256 = content_hash
    parsed.size = len(raw)
    return parsed


class _Counter:
    """Counts MIME parts across the whole tree, nested messages included."""

    def __init__(self) -> None:
        self.parts = 0


def _parse_tree(
    msg: EmailMessage, limits: Limits, counter: _Counter, depth: int, content_hash: str
) -> ParsedMessage:
    """Parse one message (the outer one or a forwarded message/rfc822)."""
    message_id, synthesized = _message_id(msg, content_hash)
    parsed = ParsedMessage(
        message_id=message_id,
        message_id_synthesized=synthesized,
        subject=header_text(msg, "subject"),
        sender=first_mailbox(msg, "from") or first_mailbox(msg, "sender"),
        reply_to=mailboxes(msg, "reply-to"),
        to=mailboxes(msg, "to"),
        cc=mailboxes(msg, "cc"),
        date=_date(msg),
        in_reply_to=_MSGID.findall(header_text(msg, "in-reply-to")),
        references=_MSGID.findall(header_text(msg, "references")),
        headers={name: header_text(msg, name) for name in KEPT_HEADERS if name in msg},
        authentication_results=[str(v) for v in msg.get_all("authentication-results", [])],
        text="",
        html=None,
        text_source="none",
        content_type=msg.get_content_type(),
    )
    walker = _Walker(parsed, limits, counter, content_hash)
    walker.walk(msg, "1", depth)
    walker.finish()
    parsed.defects = [f"{type(d).__name__}: {d}" for d in _all_defects(msg)][:50]
    return parsed


class _Walker:
    """Depth-first walk over the MIME tree collecting bodies and files."""

    def __init__(
        self, parsed: ParsedMessage, limits: Limits, counter: _Counter, content_hash: str
    ) -> None:
        self.parsed = parsed
        self.limits = limits
        self.counter = counter
        self.content_hash = content_hash
        self.plain: list[str] = []
        self.html: list[str] = []
        self.tnef_text = ""

    def walk(self, part: Message, path: str, depth: int) -> None:
        self.counter.parts += 1
        if depth > self.limits.max_depth:
            raise MessageTooComplex(
                f"MIME nesting deeper than {self.limits.max_depth} levels (at part {path})"
            )
        if self.counter.parts > self.limits.max_parts:
            raise MessageTooComplex(f"more than {self.limits.max_parts} MIME parts")
        ctype = part.get_content_type()
        if part.is_multipart() and ctype != "message/rfc822":
            for index, child in enumerate(part.iter_parts(), start=1):  # type: ignore[attr-defined]
                self.walk(child, f"{path}.{index}", depth + 1)
            return
        if ctype == "message/rfc822":
            self._forwarded(part, path, depth)
            return
        self._leaf(part, path, ctype)

    def _forwarded(self, part: Message, path: str, depth: int) -> None:
        """A forwarded letter: parse it as a message of its own and take its files."""
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, EmailMessage):
            self._add_file(part, path, "message/rfc822")
            return
        child = _parse_tree(inner, self.limits, self.counter, depth + 1, self.content_hash)
        self.parsed.forwarded.append(child)
        for attachment in child.attachments:
            attachment.origin = "rfc822"
            self.parsed.attachments.append(attachment)

    def _leaf(self, part: Message, path: str, ctype: str) -> None:
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        is_body_text = ctype in ("text/plain", "text/html") and disposition != "attachment"
        if is_body_text and not filename:
            text = _decode_text(part)
            (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        self._add_file(part, path, ctype, filename)

    def _add_file(self, part: Message, path: str, ctype: str, filename: str = "") -> None:
        data = _payload_bytes(part)
        if is_tnef(ctype, filename):
            self._expand_tnef(data, path)
        role = _role(part, ctype, filename)
        name = filename or _fallback_name(len(self.parsed.attachments) + 1, ctype)
        self.parsed.attachments.append(
            AttachmentData(name, ctype, data, "mail", path, role, sniff_type(data))
        )

    def _expand_tnef(self, data: bytes, path: str) -> None:
        room = self.limits.max_parts - self.counter.parts
        if count_tnef_files(data, room) > room:
            raise MessageTooComplex(
                f"more than {self.limits.max_parts} MIME parts (files in winmail.dat included)"
            )
        content = expand_tnef(data)
        if content is None:
            return
        # Files inside a winmail.dat are parts too: 20,000 of them is a MIME bomb.
        self.counter.parts += len(content.files)
        if self.counter.parts > self.limits.max_parts:
            raise MessageTooComplex(
                f"more than {self.limits.max_parts} MIME parts (files in winmail.dat included)"
            )
        self.tnef_text = content.body or (html_to_text(content.html) if content.html else "")
        for index, (name, file_data) in enumerate(content.files, start=1):
            self.parsed.attachments.append(
                AttachmentData(
                    _safe_filename(name) or _fallback_name(index, "application/octet-stream"),
                    "application/octet-stream",
                    file_data,
                    "tnef",
                    f"{path}/tnef.{index}",
                    "file",
                    sniff_type(file_data),
                )
            )

    def finish(self) -> None:
        """Pick the display body: plain text first, else text derived from HTML or TNEF."""
        parsed = self.parsed
        html_raw = "\n".join(self.html) if self.html else None
        if html_raw is not None:
            parsed.html_raw = html_raw
            parsed.html = sanitise_html(html_raw)
        if self.plain and any(p.strip() for p in self.plain):
            parsed.text, parsed.text_source = "\n\n".join(self.plain).strip(), "plain"
        elif html_raw is not None:
            parsed.text, parsed.text_source = html_to_text(html_raw), "html"
        elif self.tnef_text:
            parsed.text, parsed.text_source = self.tnef_text.strip(), "tnef"


def _role(part: Message, ctype: str, filename: str) -> str:
    """What a non-body part is for: only "file" counts as a lampiran."""
    if is_tnef(ctype, filename):
        return "container"
    if ctype in ("application/pkcs7-signature", "application/x-pkcs7-signature") or (
        ctype == "application/pgp-signature"
    ):
        return "signature"
    if ctype == "text/calendar":
        return "calendar"
    disposition = (part.get_content_disposition() or "").lower()
    if ctype.startswith("image/") and (part.get("content-id") and disposition != "attachment"):
        return "inline"
    return "file"


def _decode_text(part: Message) -> str:
    """Body text with the declared charset, or a lenient guess when it is absent/wrong."""
    data = _payload_bytes(part)
    text, _ = decode_bytes(data, part.get_content_charset())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return text


def _payload_bytes(part: Message) -> bytes:
    """Transfer-decoded bytes of a leaf part; broken encodings decode as far as possible."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # A broken transfer encoding: keep what is there, undecoded.
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # Malformed RFC 2231 parameters.
        name = ""
    return _safe_filename(str(name))


def _safe_filename(name: str) -> str:
    """No directories, no control characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name[:200]


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "message/rfc822": ".eml",
}


def _fallback_name(index: int, ctype: str) -> str:
    return f"lampiran-{index}{_EXTENSIONS.get(ctype, '.bin')}"


def _message_id(msg: EmailMessage, content_hash: str) -> tuple[str, bool]:
    """The Message-ID in <...> form, or a synthetic one derived from the content."""
    found = _MSGID.findall(header_text(msg, "message-id"))
    if found:
        return f"<{found[0]}>", False
    return f"<{content_hash[:40]}@{SYNTHETIC_DOMAIN}>", True


def _date(msg: EmailMessage) -> dt.datetime | None:
    try:
        header = msg.get("date")
        value = getattr(header, "datetime", None)
    except Exception:  # Unparseable dates are common in bulk mail; treat as absent.
        return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _all_defects(msg: Message) -> list[object]:
    defects: list[object] = []
    for part in msg.walk():
        defects.extend(part.defects)
    return defects


def content_sha256(raw: bytes) -> str:
    """SHA-256 of the message without the trace headers relays prepend.

    Two deliveries of one letter (a client retry, two MX paths) differ only in those.
    """
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    keep_current = True
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if keep_current:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        keep_current = name.decode("ascii", "replace") not in TRACE_HEADERS
        if keep_current:
            kept.append(line)
    digest = hashlib.sha256()
    digest.update(b"".join(kept))
    digest.update(sep)
    digest.update(body)
    return digest.hexdigest()
