"""The read side: naskah (the buku agenda), inbound and outbox as JSON-ready dicts.

The command line, the panel and the exports all read through here, so they show the
same things in the same shapes (scripts depend on the keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from gateway.db.engine import Database
from gateway.db.models import (
    Disposition,
    Event,
    Inbound,
    Konsep,
    Naskah,
    NaskahSource,
    Outbox,
    Person,
    Position,
    Unit,
)
from gateway.entry import DEFAULT_ZONE, iso, naskah_dict

# The most rows a panel list shows at once (quarantine, outbox).
MAX_LISTED = 500


# How each kind of konsep step reads once decided (Disposition.status -> decision).
_STEP_DECISION = {
    "done": "setuju",
    "answered": "revisi",
    "rejected": "tolak",
    "cancelled": "ditarik",
}


def _decision(step: Disposition) -> str:
    if step.done_at is None:
        return "menunggu"
    if step.kind == "revisi" and step.status == "done":
        return "versi_baru"  # the drafter answered the REVISI with a new version
    return _STEP_DECISION.get(step.status, step.status)


def approval_trail(session: Session, naskah: Naskah, zone: str = DEFAULT_ZONE) -> dict[str, Any]:
    """`approval` (every step: who, what they decided, when) and `signer` of a konsep or
    of the surat keluar it became; {} for other kinds."""
    if naskah.kind not in ("konsep", "surat_keluar"):
        return {}
    konsep_id = naskah.id if naskah.kind == "konsep" else naskah.origin_id
    konsep = session.get(Konsep, konsep_id) if konsep_id else None
    if konsep is None:
        return {"approval": [], "signer": None}
    titles = dict(session.execute(select(Position.id, Position.handle)).all())
    names = dict(session.execute(select(Person.id, Person.name)).all())
    steps = session.scalars(
        select(Disposition)
        .where(
            Disposition.naskah_id == konsep.naskah_id,
            Disposition.kind.in_(("paraf", "ttd", "revisi")),
        )
        .order_by(Disposition.id)
    )
    approval = [
        {
            "kind": d.kind,
            "position": titles.get(d.to_position_id),
            "person": names.get(d.closed_by_person_id) if d.closed_by_person_id else None,
            "decision": _decision(d),
            "note": d.result_note or "",
            "version": d.note,
            "requested_at": iso(d.created_at, zone),
            "decided_at": iso(d.done_at, zone),
        }
        for d in steps
    ]
    return {
        "approval": approval,
        "signer": konsep.signature or None,
        "konsep": {
            "state": konsep.state,
            "version": konsep.version,
            "letter_id": konsep.letter_id,
            "reserved_number": konsep.reserved_number,
            "kepada": konsep.kepada,
            "tembusan": konsep.tembusan,
        },
    }


SECRET_LEVELS = ("SR", "R")
MASK = "(rahasia)"
# Keys of naskah_dict/naskah_detail that carry what a secret letter says or is about.
_SECRET_TEXT = ("perihal", "subject", "nomor_surat", "isi_ringkas", "jenis", "klasifikasi")
# Dropped too: the Message-ID and the SHA-256 would let anyone holding a copy of the mail
# confirm it is this letter, and the recipients say which offices it went to.
_SECRET_DROPPED = ("field_sources", "decision", "parse_defects", "message_id", "sha256")
# The free text of an approval step: the decider's note, and the version a step was
# asked for, which on a `revisi` step is the official's REVISI note itself.
_STEP_TEXT = ("note", "version")


def redact_secret(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of a register entry with an SR/R letter's content masked (others unchanged).

    What stays: agenda number, unit, times, sender, sifat, status and the kinds of events,
    as the buku agenda list shows them. What goes: perihal, subject, the letter's own
    number and a konsep's reserved number, summary, attachment names, every free text of
    dispositions and approval steps (a REVISI note is stored as the next step's version),
    recipients (also of its outgoing mail), mail subjects and event payloads.
    """
    if item.get("sifat", {}).get("keamanan") not in SECRET_LEVELS:
        return item
    masked = dict(item)
    for key in _SECRET_TEXT:
        if masked.get(key):
            masked[key] = MASK
    masked["tanggal_surat"] = None
    masked["attachments"] = [
        {"filename": MASK, "size": a.get("size"), "origin": a.get("origin")}
        for a in item.get("attachments", [])
    ]
    for key in _SECRET_DROPPED:
        if key in masked:
            masked[key] = None
    if "recipients" in masked:
        masked["recipients"] = []
    if "outbox" in masked:
        masked["outbox"] = [{**o, "to": MASK, "subject": MASK} for o in item["outbox"]]
    if "dispositions" in masked:
        masked["dispositions"] = [
            {**d, "note": MASK if d.get("note") else d.get("note"), "instructions": []}
            for d in item["dispositions"]
        ]
    if masked.get("konsep"):
        konsep = masked["konsep"]
        reserved = MASK if konsep.get("reserved_number") else konsep.get("reserved_number")
        masked["konsep"] = {**konsep, "kepada": [], "tembusan": [], "reserved_number": reserved}
    if "approval" in masked:
        masked["approval"] = [
            {**a, **{key: MASK if a.get(key) else a.get(key) for key in _STEP_TEXT}}
            for a in item["approval"]
        ]
    if "timeline" in masked:
        masked["timeline"] = [{**e, "payload": {}} for e in item["timeline"]]
    masked["masked"] = True
    return masked


def naskah_query(
    year: int | None = None, unit: str | None = None, kind: str | None = None
) -> Select[Naskah, str]:
    query = (
        select(Naskah, Unit.code)
        .join(Unit, Naskah.unit_id == Unit.id)
        .options(selectinload(Naskah.attachments))
    )
    if year is not None:
        query = query.where(Naskah.year == year)
    if unit is not None:
        query = query.where(Unit.code == unit.upper())
    if kind is not None:
        query = query.where(Naskah.kind == kind)
    return query


def iter_naskah(
    session: Session,
    year: int | None = None,
    unit: str | None = None,
    batch: int = 500,
    zone: str = DEFAULT_ZONE,
    kind: str | None = None,
) -> Iterator[dict[str, Any]]:
    """All matching naskah in agenda order, loaded in batches (exports of any size); a
    konsep or surat keluar carries its approval trail and signer."""
    last_id = 0
    while True:
        query = (
            naskah_query(year, unit, kind)
            .where(Naskah.id > last_id)
            .order_by(Naskah.id)
            .limit(batch)
        )
        rows = session.execute(query).all()
        if not rows:
            return
        for naskah, code in rows:
            yield {**naskah_dict(naskah, code, zone), **approval_trail(session, naskah, zone)}
        last_id = rows[-1][0].id
        session.expunge_all()


def count_naskah(
    session: Session, year: int | None = None, unit: str | None = None, kind: str | None = None
) -> int:
    query = select(func.count()).select_from(naskah_query(year, unit, kind).subquery())
    return int(session.execute(query).scalar_one())


def load_naskah_list(
    db: Database,
    limit: int | None = None,
    with_auth: bool = False,
    zone: str = DEFAULT_ZONE,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """The newest naskah first (the panel's register page, `tnde naskah list`).

    `with_auth` adds the stored "auth_results" (the panel marks unproven senders with it).
    """
    with db.read() as session:
        query = naskah_query(kind=kind).order_by(Naskah.id.desc())
        if limit:
            query = query.limit(limit)
        rows = list(session.execute(query))
        items = [naskah_dict(n, code, zone) for n, code in rows]
        verdicts = [n.auth_results or {} for n, _ in rows]
    for item, auth in zip(items, verdicts, strict=True):
        if with_auth:
            item["auth_results"] = auth
        item["received_at_dt"] = dt.datetime.fromisoformat(item["received_at"])
    return items


def find_naskah(session: Session, key: str) -> tuple[Naskah, str] | None:
    """By numeric id, else by agenda number (case-insensitive)."""
    if re.fullmatch(r"[0-9]{1,10}", key) and 0 < int(key) < 2**31:  # a database-sized id
        row = session.execute(naskah_query().where(Naskah.id == int(key))).first()
        if row:
            return row[0], row[1]
    row = session.execute(naskah_query().where(Naskah.agenda_number == key)).first()
    if row is None:
        row = session.execute(
            naskah_query().where(func.upper(Naskah.agenda_number) == key.upper())
        ).first()
    return (row[0], row[1]) if row else None


def _dispositions(session: Session, naskah_id: int, zone: str) -> list[dict[str, Any]]:
    """The disposition tree of a naskah, oldest first, with position handles."""
    handles = dict(session.execute(select(Position.id, Position.handle)).all())
    rows = session.scalars(
        select(Disposition).where(Disposition.naskah_id == naskah_id).order_by(Disposition.id)
    )
    return [
        {
            "id": d.id,
            "parent_id": d.parent_id,
            "kind": d.kind,
            "from": handles.get(d.from_position_id) if d.from_position_id else None,
            "to": handles.get(d.to_position_id),
            "instructions": list(d.instructions),
            "note": d.note,
            "due_at": iso(d.due_at, zone),
            "status": d.status,
            "channel": d.channel,
        }
        for d in rows
    ]


def naskah_detail(db: Database, key: str, zone: str = DEFAULT_ZONE) -> dict[str, Any] | None:
    """One naskah with its sources, decision, outgoing mail and timeline."""
    with db.read() as session:
        found = find_naskah(session, key)
        if found is None:
            return None
        naskah, code = found
        item = naskah_dict(naskah, code, zone)
        item["isi_ringkas"] = naskah.isi_ringkas
        item["field_sources"] = naskah.field_sources
        item["auth_results"] = naskah.auth_results
        item["decision"] = naskah.decision
        item["parse_defects"] = naskah.parse_defects
        item["inbound"] = [
            {"inbound_id": s.inbound_id, "role": s.role, "at": iso(s.created_at, zone)}
            for s in session.scalars(
                select(NaskahSource).where(NaskahSource.naskah_id == naskah.id)
            )
        ]
        item["outbox"] = [
            {"id": o.id, "kind": o.kind, "to": o.rcpt_to, "state": o.state, "subject": o.subject}
            for o in session.scalars(
                select(Outbox).where(Outbox.naskah_id == naskah.id).order_by(Outbox.id)
            )
        ]
        item["dispositions"] = _dispositions(session, naskah.id, zone)
        item.update(approval_trail(session, naskah, zone))
        item["timeline"] = [
            {
                "at": iso(e.created_at, zone),
                "type": e.type,
                "actor": e.actor,
                "channel": e.channel,
                "payload": e.payload,
            }
            for e in session.scalars(
                select(Event).where(Event.naskah_id == naskah.id).order_by(Event.id)
            )
        ]
    item["received_at_dt"] = naskah.received_at
    return item


def inbound_dict(row: Inbound, zone: str = DEFAULT_ZONE) -> dict[str, Any]:
    """The stable JSON shape of one received message (`tnde inbound list --json`)."""
    return {
        "id": row.id,
        "source": row.source,
        "state": row.state,
        "kind": row.kind,
        "mail_from": row.mail_from,
        "rcpt_tos": list(row.rcpt_tos or []),
        "received_at": iso(row.received_at, zone),
        "message_id": row.message_id,
        "size": row.size,
        "reason": row.reason,
        "attempts": row.attempts,
    }


def outbox_dict(row: Outbox, zone: str = DEFAULT_ZONE) -> dict[str, Any]:
    """The stable JSON shape of one outgoing message (`tnde outbox list --json`)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "to": row.rcpt_to,
        "subject": row.subject,
        "state": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": iso(row.created_at, zone),
        "sent_at": iso(row.sent_at, zone),
        "naskah_id": row.naskah_id,
        "message_id": row.message_id,
    }


def list_inbound(
    db: Database, limit: int, state: str | None = None, zone: str = DEFAULT_ZONE
) -> list[dict[str, Any]]:
    """Received messages, newest first, optionally in one state."""
    with db.read() as session:
        query = select(Inbound).order_by(Inbound.id.desc()).limit(limit)
        if state:
            query = query.where(Inbound.state == state)
        return [inbound_dict(r, zone) for r in session.scalars(query)]


def list_outbox(
    db: Database, limit: int, state: str | None = None, zone: str = DEFAULT_ZONE
) -> list[dict[str, Any]]:
    """Outgoing messages, newest first, optionally in one state."""
    with db.read() as session:
        query = select(Outbox).order_by(Outbox.id.desc()).limit(limit)
        if state:
            query = query.where(Outbox.state == state)
        return [outbox_dict(o, zone) for o in session.scalars(query)]


def outbox_message(db: Database, outbox_id: int) -> tuple[dict[str, Any], bytes] | None:
    """One outgoing message as queued: its row and its bytes."""
    with db.read() as session:
        row = session.get(Outbox, outbox_id)
        if row is None:
            return None
        return {**outbox_dict(row), "mail_from": row.mail_from}, bytes(row.message)


def state_counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    """How many inbound and outbox rows are in each state (the health check)."""
    with db.read() as session:
        inbound = session.execute(select(Inbound.state, func.count()).group_by(Inbound.state))
        outbox = session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
        return (
            {str(state): int(n) for state, n in inbound.all()},
            {str(state): int(n) for state, n in outbox.all()},
        )


def existing_inbound(db: Database, ids: list[int]) -> set[int]:
    """Which of these inbound ids exist at all."""
    with db.read() as session:
        return set(session.scalars(select(Inbound.id).where(Inbound.id.in_(ids))))


# The columns of the agenda CSV (`tnde agenda export --format csv` and the panel's
# export): header name, then the key path in naskah_dict. Scripts depend on the names.
AGENDA_COLUMNS = (
    ("nomor_agenda", "agenda_number"),
    ("tanggal_diterima", "received_at"),
    ("unit", "unit"),
    ("asal_surat", "sender_agency"),
    ("pengirim", "sender"),
    ("nomor_surat", "nomor_surat"),
    ("tanggal_surat", "tanggal_surat"),
    ("perihal", "perihal"),
    ("lampiran", "lampiran_count"),
    ("sifat_keamanan", "sifat.keamanan"),
    ("kecepatan", "sifat.kecepatan"),
    ("klasifikasi", "klasifikasi"),
    ("jenis", "jenis"),
    ("status", "status"),
    ("message_id", "message_id"),
    ("sha256", "sha256"),
)


def agenda_row(item: dict[str, Any]) -> list[Any]:
    """One naskah_dict as the CSV row under AGENDA_COLUMNS ("" for missing values), every
    text made inert for spreadsheets (a perihal "=HYPERLINK(...)" from a stranger's mail
    must not become a formula when the TU desk opens the export)."""
    return [spreadsheet_text(value) for value in agenda_values(item)]


def agenda_values(item: dict[str, Any]) -> list[Any]:
    """The values under AGENDA_COLUMNS as they are ("" for missing), for writers that store
    text as text (XLSX) rather than as something a spreadsheet may evaluate."""
    row = []
    for _, path in AGENDA_COLUMNS:
        value: Any = item
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        row.append("" if value is None else value)
    return row


# What spreadsheet programs read as the start of a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def spreadsheet_text(value: Any) -> Any:
    """A text cell prefixed with an apostrophe when it would start a formula; other values
    unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def verified_letter(db: Database, token: str) -> dict[str, Any] | None:
    """What the public verification page of a sent surat keluar shows (/v/<token>): number,
    date, sending unit, signer and every file's SHA-256; the perihal unless SR/R. Looked
    up by the token's SHA-256 (the token itself is stored nowhere)."""
    digest = hashlib.sha256(token.encode("ascii", "replace")).hexdigest()
    with db.read() as session:
        letter = session.scalars(
            select(Naskah).where(Naskah.verification_hash == digest, Naskah.kind == "surat_keluar")
        ).first()
        if letter is None:
            return None
        unit = session.get_one(Unit, letter.unit_id)
        konsep = session.get(Konsep, letter.origin_id) if letter.origin_id else None
        signature = dict(konsep.signature) if konsep else {}
        return {
            "number": letter.agenda_number,
            "date": letter.tanggal_surat,
            "sent_at": letter.registered_at,
            "unit": unit.name,
            "perihal": None if letter.is_secret else letter.perihal,
            "signer": {
                "name": signature.get("name", ""),
                "title": signature.get("title", ""),
                "lines": list(signature.get("lines", [])),
            },
            "files": [
                {"filename": a.filename, "size": a.size, "sha256": a.sha256}
                for a in letter.attachments
                if a.role == "file"
            ],
        }
