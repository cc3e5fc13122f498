"""Append-only audit trail: hash-chained events per naskah, so tampering shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Event

GENESIS = "0" * 64


def chain_for(naskah_id: int | None, inbound_id: int | None) -> str:
    """The chain an event belongs to: its naskah, else its inbound message, else system."""
    if naskah_id is not None:
        return f"naskah:{naskah_id}"
    if inbound_id is not None:
        return f"inbound:{inbound_id}"
    return "system"


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
    heads: dict[str, tuple[int, str]] = session.info.setdefault("event_chain_heads", {})
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
