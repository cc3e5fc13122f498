"""The read phase: parse, classify and extract, outside any write transaction (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from gateway.core.directory import Recipient, RecipientDirectory
from gateway.parsing.authresults import verdicts
from gateway.parsing.automatic import Automatic, Dsn, classify_automatic, dsn_details
from gateway.parsing.message import Limits, ParsedMessage, parse_message
from gateway.parsing.naskah import Metadata, extract_metadata
from gateway.parsing.pdftext import pdf_texts
from rules.model import Decision


class RecipientGone(Exception):
    """An accepted recipient no longer exists in the organisation."""


@dataclass
class LetterForUnit:
    """One unit's copy of an incoming letter: it registers once in that unit."""

    unit_code: str
    recipients: list[Recipient]
    decision: Decision | None = None


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
    trusted_authserv_ids: tuple[str, ...],
) -> Prepared:
    """Parse and classify one inbound message; raises MessageTooComplex or RecipientGone."""
    parsed = parse_message(raw, limits)
    automatic = classify_automatic(parsed, mail_from)
    prepared = Prepared(
        parsed=parsed,
        metadata=extract_metadata(parsed, pdf_texts(parsed)),
        automatic=automatic,
        auth=verdicts(parsed.authentication_results, trusted_authserv_ids),
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
