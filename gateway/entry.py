"""The stable JSON shape of a register entry, free of the database layer.

`gateway.registry` (the ORM read side) and the command line's quick SQLite reader
(`gateway.cli.quickread`) both build entries here, so the two can never disagree on a
key. Anything with the attributes of a `Naskah` (and of an `Attachment`) will do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.timefmt import local

# The office time zone unless the caller passes [mail] timezone.
DEFAULT_ZONE = "Asia/Jakarta"


def iso(value: dt.datetime | dt.date | None, zone: str = DEFAULT_ZONE) -> str | None:
    """ISO 8601, instants in the office time zone with its offset (+07:00), or None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local(value, zone).isoformat(timespec="seconds")
    return value.isoformat()


def attachment_dict(attachment: Any) -> dict[str, Any]:
    """The stable JSON shape of one attachment of an entry."""
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.declared_type,
        "sniffed_type": attachment.sniffed_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "origin": attachment.origin,
        "role": attachment.role,
    }


def naskah_dict(naskah: Any, unit_code: str, zone: str = DEFAULT_ZONE) -> dict[str, Any]:
    """The stable JSON shape of one register entry (scripts depend on these keys)."""
    return {
        "id": naskah.id,
        "agenda_number": naskah.agenda_number,
        "year": naskah.year,
        "seq": naskah.seq,
        "unit": unit_code,
        "kind": naskah.kind,
        "status": naskah.status,
        "sender": naskah.sender,
        "sender_name": naskah.sender_name,
        "sender_agency": naskah.sender_agency,
        "recipients": list(naskah.recipients),
        "perihal": naskah.perihal,
        "subject": naskah.subject,
        "nomor_surat": naskah.nomor_surat,
        "tanggal_surat": iso(naskah.tanggal_surat),
        "sifat": {"keamanan": naskah.sifat_keamanan, "kecepatan": naskah.kecepatan},
        "jenis": naskah.jenis,
        "klasifikasi": naskah.klasifikasi,
        "lampiran_count": naskah.lampiran_count,
        "received_at": iso(naskah.received_at, zone),
        "registered_at": iso(naskah.registered_at, zone),
        "message_id": naskah.message_id,
        "message_id_synthesized": naskah.message_id_synthesized,
        "sha256": naskah.raw_sha256,
        "copies": naskah.copies,
        "rule_set_version": naskah.rule_set_version,
        "attachments": [attachment_dict(a) for a in naskah.attachments],
        # The entry it came from (another unit's nota dinas or surat keluar, or a surat
        # keluar's konsep) and the sent letter it answers.
        "origin_id": naskah.origin_id,
        "thread_parent_id": naskah.thread_parent_id,
    }
