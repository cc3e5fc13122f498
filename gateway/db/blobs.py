"""Content-addressed blob storage inside the database (idempotent insert by SHA-256)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Blob
from gateway.db.upsert import insert_for


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data` as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def put_blob(session: Session, data: bytes) -> str:
    """Store `data` once; return its SHA-256. Safe when two writers store the same bytes."""
    digest = sha256_hex(data)
    values = {"sha256": digest, "size": len(data), "data": data}
    session.execute(insert_for(session, Blob).values(values).on_conflict_do_nothing())
    return digest


def get_blob(session: Session, digest: str) -> bytes:
    """The bytes stored under `digest` (KeyError when absent)."""
    data = session.execute(select(Blob.data).where(Blob.sha256 == digest)).scalar_one_or_none()
    if data is None:
        raise KeyError(digest)
    return bytes(data)
