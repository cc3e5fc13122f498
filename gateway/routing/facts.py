"""The facts rules see, built from a prepared letter (the same for real and dry runs)."""

from __future__ import annotations

import datetime as dt

from gateway.core.prepared import LetterForUnit, Prepared
from gateway.parsing.authresults import from_authenticated
from gateway.timefmt import local
from rules.model import TTE_RESULTS, WEEKDAYS, AttachmentFact, Facts

# The Message-IDs of the letters we send: <tnde.surat_keluar.<random>@domain> (compose.py).
_OUR_LETTER = "tnde.surat_keluar."


def answers_our_letter(message_ids: list[str]) -> bool:
    """Whether one of the referenced Message-IDs is one of our sent surat keluar."""
    return any(m.strip("<> ").lower().startswith(_OUR_LETTER) for m in message_ids)


def build_facts(
    prepared: Prepared, letter: LetterForUnit, received_at: dt.datetime, zone: str
) -> Facts:
    parsed, meta = prepared.parsed, prepared.metadata
    sender = parsed.sender.address if parsed.sender else ""
    received = local(received_at, zone)
    return Facts(
        sender=sender,
        sender_domain=sender.rpartition("@")[2],
        sender_agency=meta.sender_agency,
        recipients=tuple(r.address for r in letter.recipients),
        recipient_units=tuple(sorted({r.unit_code for r in letter.recipients if r.unit_code})),
        recipient_positions=tuple(
            r.position_handle for r in letter.recipients if r.position_handle
        ),
        unit=letter.unit_code,
        subject=parsed.subject,
        body=parsed.text,
        perihal=meta.perihal,
        nomor_surat=meta.nomor_surat or "",
        attachments=tuple(
            AttachmentFact(a.filename, a.sniffed_type or a.declared_type) for a in parsed.files
        ),
        spf=str(prepared.auth.get("spf", "none")),
        dkim=str(prepared.auth.get("dkim", "none")),
        dmarc=str(prepared.auth.get("dmarc", "none")),
        dmarc_policy=str(prepared.auth.get("dmarc_policy", "")),
        arc=str(prepared.auth.get("arc", "none")),
        sender_verified=from_authenticated(prepared.auth, sender),
        balasan_surat_keluar=answers_our_letter(parsed.in_reply_to + parsed.references),
        sender_flags=tuple(prepared.auth.get("sender_flags", ())),
        tte=worst_signature(prepared.auth.get("tte") or []),
        tte_signers=tuple(str(s.get("signer", "")) for s in prepared.auth.get("tte") or []),
        sifat_keamanan=meta.keamanan,
        kecepatan=meta.kecepatan,
        jenis=meta.jenis or "",
        klasifikasi=meta.klasifikasi or "",
        size=parsed.size,
        weekday=WEEKDAYS[received.weekday()],
        hour=received.hour,
    )


def worst_signature(signatures: list[dict[str, object]]) -> str:
    """The worst verdict among a letter's PDF signatures; "none" when it has none."""
    ranks = [
        TTE_RESULTS.index(str(s.get("result")))
        for s in signatures
        if s.get("result") in TTE_RESULTS
    ]
    return TTE_RESULTS[max(ranks)] if ranks else "none"
