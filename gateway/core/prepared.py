"""The read phase: parse, classify and extract, outside any write transaction (pure)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.core.directory import Recipient, RecipientDirectory
from gateway.parsing.addresses import peer_address
from gateway.parsing.authresults import from_authenticated, verdicts
from gateway.parsing.automatic import Automatic, Dsn, classify_automatic, dsn_details
from gateway.parsing.deceptive import lookalike_of
from gateway.parsing.message import Limits, ParsedMessage, parse_message
from gateway.parsing.naskah import Metadata, extract_metadata
from gateway.parsing.pdftext import TextReader, pdf_text, pdf_texts
from rules.model import Decision


class RecipientGone(Exception):
    """An accepted recipient no longer exists in the organisation."""


# A From field at the start of a header line (counted: two From headers deceive).
_FROM_FIELD = re.compile(rb"(?:^|\n)from[ \t]*:", re.IGNORECASE)
# Validates the signatures of one PDF: (filename, bytes) -> one JSON-ready dict each.
PdfSignatureCheck = Callable[[str, bytes], list[dict[str, Any]]]
MAX_SIGNED_FILES = 10


@dataclass(frozen=True)
class SenderTrust:
    """Whose verdicts count and which domains a sender must not imitate."""

    trusted_ids: tuple[str, ...] = ()  # upstream authserv-ids (LMTP, IMAP, relayed SMTP)
    own_id: str = ""  # ours: never trusted when found in a message
    known_domains: frozenset[str] = frozenset()  # agencies we correspond with
    own_domains: frozenset[str] = frozenset()  # the pemda's and the gateway's own
    verify_smtp: bool = False  # the gateway checks mail received directly over SMTP
    relay_peers: frozenset[str] = frozenset()  # SMTP clients that are trusted relays

    def checks_itself(self, source: str, peer: str) -> bool:
        """Mail the gateway must check itself: received over SMTP, not from a relay."""
        return self.verify_smtp and source == "smtp" and peer_address(peer) not in self.relay_peers


@dataclass
class LetterForUnit:
    """One unit's copy of an incoming letter: it registers once in that unit."""

    unit_code: str
    recipients: list[Recipient]
    decision: Decision | None = None


@dataclass(frozen=True)
class HeldSubmission:
    """A held nota dinas or konsep (see db.models.Submission), read for its confirmation."""

    submission_id: int
    person_id: int
    inbound_id: int
    prepared: Prepared


@dataclass
class Prepared:
    """Everything the write phase needs, computed from the raw bytes and envelope."""

    parsed: ParsedMessage
    metadata: Metadata
    automatic: Automatic | None
    auth: dict[str, Any]
    letters: list[LetterForUnit] = field(default_factory=list)
    gateway_recipients: list[Recipient] = field(default_factory=list)
    dsn: Dsn = ("", "")  # read from the raw bytes here, so a bounce needs no second read
    # A reply to a submission token (KIRIM): the held nota dinas or konsep it confirms,
    # prepared here too, so the write phase parses nothing.
    confirming: HeldSubmission | None = None

    def identity(self) -> dict[str, Any]:
        """The register row's fields that tie it to this mail (and find it again)."""
        parsed = self.parsed
        return {
            "dedupe_key": self.dedupe_key,
            "message_id": parsed.message_id,
            "message_id_synthesized": parsed.message_id_synthesized,
            "raw_sha256": parsed.raw_sha256,
            "content_sha256": parsed.content_sha256,
        }

    @property
    def dedupe_key(self) -> str:
        """Same Message-ID and same content: the same letter."""
        identity = f"{self.parsed.message_id}\0{self.parsed.content_sha256}"
        return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


def prepare(
    raw: bytes,
    mail_from: str,
    rcpt_tos: list[str],
    directory: RecipientDirectory,
    limits: Limits,
    trust: SenderTrust,
    own_auth: str | None = None,
    pdf_signatures: PdfSignatureCheck | None = None,
    direct: bool = False,
    read_pdf: TextReader = pdf_text,
) -> Prepared:
    """Parse and classify one inbound message; raises MessageTooComplex or RecipientGone.

    `own_auth` is the Authentication-Results line the gateway wrote when it checked the
    sender itself; without it, only trusted upstream headers count, and none at all for
    `direct` mail (received straight over SMTP, where anyone could have written them).
    """
    parsed = parse_message(raw, limits)
    automatic = classify_automatic(parsed, mail_from)
    auth = verdicts(
        parsed.authentication_results, trust.trusted_ids, own_auth, trust.own_id, direct
    )
    own = trust.own_domains | {directory.domain.lower()}
    from_count = len(_FROM_FIELD.findall(raw.split(b"\r\n\r\n", 1)[0]))
    auth.update(sender_flags(parsed, auth, trust.known_domains | own, own, from_count))
    if pdf_signatures is not None:
        auth["tte"] = signed_files(parsed, pdf_signatures)
    prepared = Prepared(
        parsed=parsed,
        metadata=extract_metadata(parsed, pdf_texts(parsed, read=read_pdf)),
        automatic=automatic,
        auth=auth,
        dsn=dsn_details(raw) if automatic and automatic.kind == "bounce" else ("", ""),
    )
    by_unit: dict[str, LetterForUnit] = {}
    for address in rcpt_tos:
        recipient = directory.resolve(address)
        if recipient is None:
            raise RecipientGone(f"recipient {address} no longer exists in the organisation")
        if recipient.kind == "gateway" or recipient.unit_code is None:
            prepared.gateway_recipients.append(recipient)
            continue
        letter = by_unit.setdefault(recipient.unit_code, LetterForUnit(recipient.unit_code, []))
        letter.recipients.append(recipient)
    prepared.letters = list(by_unit.values())
    return prepared


def sender_flags(
    parsed: ParsedMessage,
    auth: dict[str, Any],
    known: frozenset[str],
    own: frozenset[str],
    from_count: int = 1,
) -> dict[str, Any]:
    """Signs of a deceptive sender, for the letter and for rules: a display name that
    holds an address or control characters (mailsploit), several From addresses, a From
    domain imitating a known agency's or ours, or our own domain without proof."""
    sender = parsed.sender
    if sender is None:
        return {"sender_flags": [], "lookalike_of": ""}
    flags = list(sender.flags)
    if from_count > 1 and "multiple-addresses" not in flags:
        flags.append("multiple-addresses")  # two From headers: readers show either one
    domain = sender.address.rpartition("@")[2]
    imitated = lookalike_of(domain, known)
    # go.id is registered only to government bodies (PANDI checks the papers): a go.id
    # domain proven by DMARC is a real agency, however close its name is to another's
    # (kemenkes.go.id and kemenkeu.go.id are both ministries).
    if imitated and not (domain.endswith(".go.id") and from_authenticated(auth, sender.address)):
        flags.append("lookalike-domain")
    else:
        imitated = ""
    ours = any(domain == d or domain.endswith("." + d) for d in own if d)
    if ours and not from_authenticated(auth, sender.address):
        flags.append("own-domain-unverified")
    return {"sender_flags": flags, "lookalike_of": imitated}


def signed_files(parsed: ParsedMessage, check: PdfSignatureCheck) -> list[dict[str, Any]]:
    """The signatures (TTE) of the letter's PDF files, each checked; [] when none."""
    found: list[dict[str, Any]] = []
    pdfs = [
        a
        for a in parsed.files
        if (a.sniffed_type or a.declared_type) == "application/pdf" or a.data[:5] == b"%PDF-"
    ]
    for attachment in pdfs[:MAX_SIGNED_FILES]:
        found += check(attachment.filename, attachment.data)
    return found
