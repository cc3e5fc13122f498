"""Tamper evidence: the hash-chained audit trail, and stored files against their SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.db.models import Attachment, Blob, Event, Inbound, Naskah, NaskahSource

GENESIS = "0" * 64
# session.info key: chain -> (last seq, last hash) as this session's writes left it
# (Database.write uses one session per transaction).
_HEADS = "event_chain_heads"


def chain_for(naskah_id: int | None, inbound_id: int | None) -> str:
    """The chain an event belongs to: its naskah, else its inbound message, else system."""
    if naskah_id is not None:
        return f"naskah:{naskah_id}"
    if inbound_id is not None:
        return f"inbound:{inbound_id}"
    return "system"


def start_chain(session: Session, naskah_id: int) -> None:
    """Note that the naskah inserted by this transaction has no events yet, so its first
    event needs no chain-head lookup. Naskah rows are never deleted, so a new id never
    names an old chain (should one, the chain's unique key refuses the event)."""
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    # Assigned, not setdefault: a head this session remembers from a rolled-back
    # transaction must not outlive it (the insert makes the naskah new now).
    heads[chain_for(naskah_id, None)] = (0, GENESIS)


def record_event(
    session: Session,
    *,
    type: str,
    actor: str,
    channel: str,
    now: dt.datetime,
    payload: dict[str, Any] | None = None,
    naskah_id: int | None = None,
    disposition_id: int | None = None,
    inbound_id: int | None = None,
    actor_person_id: int | None = None,
) -> Event:
    """Append one event to its chain inside the caller's transaction."""
    chain = chain_for(naskah_id, inbound_id)
    # Within one transaction the chain head is remembered, so a letter's several events
    # cost one lookup; a concurrent writer would still be caught by the unique key.
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    if chain in heads:
        last: tuple[int, str] | None = heads[chain]
    else:
        row = session.execute(
            select(Event.chain_seq, Event.hash)
            .where(Event.chain == chain)
            .order_by(Event.chain_seq.desc())
            .limit(1)
        ).first()
        last = (row[0], row[1]) if row else None
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = Event(
        naskah_id=naskah_id,
        disposition_id=disposition_id,
        inbound_id=inbound_id,
        actor=actor,
        actor_person_id=actor_person_id,
        channel=channel,
        type=type,
        payload=payload or {},
        created_at=now,
        chain=chain,
        chain_seq=seq,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    heads[chain] = (seq, event.hash)
    return event


def event_hash(event: Event) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the event's content."""
    body = {
        "chain": event.chain,
        "seq": event.chain_seq,
        "type": event.type,
        "actor": event.actor,
        "actor_person_id": event.actor_person_id,
        "channel": event.channel,
        "payload": event.payload,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "naskah_id": event.naskah_id,
        "disposition_id": event.disposition_id,
        "inbound_id": event.inbound_id,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((event.prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """A break in a chain: which event and what is wrong with it."""

    chain: str
    seq: int
    problem: str


def verify_chain(session: Session, chain: str) -> list[ChainProblem]:
    """Recompute a chain; an edited, removed or reordered event is reported."""
    problems = []
    previous = GENESIS
    events = session.scalars(select(Event).where(Event.chain == chain).order_by(Event.chain_seq))
    for expected_seq, event in enumerate(events, start=1):
        if event.chain_seq != expected_seq:
            problems.append(ChainProblem(chain, event.chain_seq, "gap in sequence"))
        if event.prev_hash != previous:
            problems.append(ChainProblem(chain, event.chain_seq, "previous hash does not match"))
        if event_hash(event) != event.hash:
            problems.append(ChainProblem(chain, event.chain_seq, "content was altered"))
        previous = event.hash
    return problems


def verify_all(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute every chain: how many there are and every problem found."""
    chains = list(session.scalars(select(Event.chain).distinct()))
    return len(chains), [p for chain in chains for p in verify_chain(session, chain)]


# --------------------------------------------------------------------------- stored files

BLOB_CHUNK = 1024 * 1024
BLOB_BATCH_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class BlobProblem:
    """A stored original or attachment whose bytes are not what its SHA-256 says.

    `naskah` is the agenda number (None for mail that became no naskah, such as a reply);
    `attachment` the file name, or None for the original message."""

    sha256: str
    problem: str  # altered | size | missing
    naskah: str | None
    attachment: str | None
    inbound_id: int | None


def verify_blobs(
    session: Session,
    on_blob: Callable[[int], None] = lambda _: None,
    on_total: Callable[[int], None] = lambda _: None,
    chunk: int = BLOB_CHUNK,
    page: int = 1000,
) -> tuple[int, list[BlobProblem]]:
    """Recompute the SHA-256 of every stored blob, reading large ones `chunk` bytes at a
    time and small ones a batch at a time, so memory stays bounded whatever the database
    holds; then name every naskah and attachment that refers to a bad or missing blob.

    `on_total` hears the number of blobs once, `on_blob` each blob as it is done."""
    total = session.execute(select(func.count()).select_from(Blob)).scalar_one()
    on_total(total)
    bad: dict[str, str] = {}
    small: list[str] = []
    small_bytes = 0

    def flush_small() -> None:
        rows = session.execute(select(Blob.sha256, Blob.data).where(Blob.sha256.in_(small)))
        for digest, data in rows:
            if hashlib.sha256(bytes(data)).hexdigest() != digest:
                bad[digest] = "altered"
            on_blob(1)
        small.clear()

    for digest, size, length in _blob_sizes(session, page):
        if length != size:
            bad[digest] = "size"
        if length <= chunk:
            small.append(digest)
            small_bytes += length
            if small_bytes >= BLOB_BATCH_BYTES or len(small) >= 500:
                flush_small()
                small_bytes = 0
            continue
        hasher = hashlib.sha256()
        for start in range(1, length + 1, chunk):  # substr counts from 1 on both databases
            piece = session.execute(
                select(func.substr(Blob.data, start, chunk)).where(Blob.sha256 == digest)
            ).scalar_one()
            hasher.update(bytes(piece))
        if hasher.hexdigest() != digest:
            bad[digest] = "altered"
        on_blob(1)
    if small:
        flush_small()
    return total, _blob_problems(session, bad)


def _blob_sizes(session: Session, page: int) -> Iterator[tuple[str, int, int]]:
    """Every blob's key, recorded size and real length, a page at a time (keyset order),
    so not even the list of blobs is held in memory at once."""
    after = ""
    while True:
        rows = session.execute(
            select(Blob.sha256, Blob.size, func.length(Blob.data))
            .where(Blob.sha256 > after)
            .order_by(Blob.sha256)
            .limit(page)
        ).all()
        for digest, size, length in rows:
            yield digest, int(size), int(length)
        if len(rows) < page:
            return
        after = rows[-1][0]


def _blob_problems(session: Session, bad: dict[str, str]) -> list[BlobProblem]:
    """Who refers to each bad blob, and every reference to a blob that is not stored."""
    problems: list[BlobProblem] = []
    known = select(Blob.sha256)
    attachments = session.execute(
        select(Attachment.sha256, Naskah.agenda_number, Attachment.filename)
        .join(Naskah, Naskah.id == Attachment.naskah_id)
        .where(Attachment.sha256.in_(list(bad)) | Attachment.sha256.not_in(known))
        .order_by(Naskah.id, Attachment.id)
    )
    for digest, agenda, filename in attachments:
        problems.append(BlobProblem(digest, bad.get(digest, "missing"), agenda, filename, None))
    originals = list(
        session.execute(
            select(Inbound.id, Inbound.raw_sha256)
            .where(Inbound.raw_sha256.in_(list(bad)) | Inbound.raw_sha256.not_in(known))
            .order_by(Inbound.id)
        )
    )
    letters = _naskah_of_inbounds(session, [inbound_id for inbound_id, _ in originals])
    for inbound_id, digest in originals:
        why = bad.get(digest, "missing")
        naming: list[str | None] = [*letters.get(inbound_id, [])] or [None]
        for letter in naming:
            problems.append(BlobProblem(digest, why, letter, None, inbound_id))
    named = {p.sha256 for p in problems}
    # A bad blob nobody refers to any more is still reported: the database holds it.
    problems += [BlobProblem(d, why, None, None, None) for d, why in bad.items() if d not in named]
    return problems


def _naskah_of_inbounds(session: Session, inbound_ids: list[int]) -> dict[int, list[str]]:
    """Agenda numbers of the naskah each inbound message became (original or copy)."""
    found: dict[int, dict[int, str]] = {}
    direct = select(Naskah.inbound_id, Naskah.id, Naskah.agenda_number).where(
        Naskah.inbound_id.in_(inbound_ids)
    )
    linked = (
        select(NaskahSource.inbound_id, Naskah.id, Naskah.agenda_number)
        .join(Naskah, Naskah.id == NaskahSource.naskah_id)
        .where(NaskahSource.inbound_id.in_(inbound_ids))
    )
    for query in (direct, linked):
        for inbound_id, naskah_id, agenda in session.execute(query):
            if inbound_id is not None:
                found.setdefault(inbound_id, {})[naskah_id] = agenda
    return {key: [agendas[k] for k in sorted(agendas)] for key, agendas in found.items()}
