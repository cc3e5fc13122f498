"""Signing a konsep on the panel's signing page (TTE with BSrE): what the page shows to
the signer who opened their one-time link, and the signature decision it then makes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.core.states import OPEN, KonsepState
from gateway.db.blobs import get_blob
from gateway.db.models import (
    Attachment,
    Disposition,
    Konsep,
    Naskah,
    Person,
    Position,
    SigningLink,
)
from gateway.org.authors import ACTING_TITLE
from gateway.org.holders import holders
from gateway.services import Services
from gateway.timefmt import local
from gateway.workflow.konsep import Decider, KonsepProblem, approve
from gateway.workflow.sending import existing_number
from gateway.workflow.signing_links import usable_link


@dataclass(frozen=True)
class PageFile:
    """A file of the approved version as the signing page lists it."""

    attachment_id: int
    filename: str
    size: int
    sha256: str
    pdf: bool


@dataclass(frozen=True)
class SigningRequest:
    """What the signer sees before signing, and the PDFs that will go to BSrE."""

    konsep_number: str
    perihal: str
    signer: str
    position: str
    version: int
    files: list[PageFile]
    pdfs: list[tuple[int, str, bytes]]
    # Why it cannot be signed now (a reserved number taken meanwhile), before BSrE is asked.
    blocked: str = ""


def signing_request(
    session: Session, ctx: Services, token: str, now: dt.datetime
) -> SigningRequest | None:
    """The open signing step behind a usable link; None for any other token."""
    found = _open_step(session, ctx, token, now)
    if found is None:
        return None
    naskah, konsep = found.naskah, found.konsep
    rows = [
        a
        for a in naskah.attachments
        if a.role == "file" and a.version == konsep.version and a.origin != "tte"
    ]
    files = [PageFile(a.id, a.filename, a.size, a.sha256, _is_pdf(a)) for a in rows]
    pdfs = [(a.id, a.filename, get_blob(session, a.sha256)) for a in rows if _is_pdf(a)]
    blocked = ""
    if konsep.reserved_number:
        year = local(now, ctx.settings.mail.timezone).year
        if existing_number(session, naskah.unit_id, year, konsep.reserved_number) is not None:
            blocked = (
                f"Nomor {konsep.reserved_number} sudah dipakai surat keluar lain; konsep ini "
                "tidak dapat ditandatangani. Kirim REVISI kepada penyusun untuk nomor lain."
            )
    return SigningRequest(
        naskah.agenda_number,
        naskah.perihal,
        found.person.name,
        found.position.title,
        konsep.version,
        files,
        pdfs,
        blocked,
    )


def sign_by_link(
    session: Session, ctx: Services, token: str, signed: dict[int, bytes], now: dt.datetime
) -> str:
    """The signer's decision from the page: the letter numbered and sent with the PDFs
    BSrE signed; the link is used up. KonsepProblem when it no longer applies."""
    found = _open_step(session, ctx, token, now)
    if found is None:
        raise KonsepProblem("tautan penandatanganan ini tidak berlaku lagi")
    naskah, konsep, person, position = found.naskah, found.konsep, found.person, found.position
    capacity = found.capacity
    wanted = {a.id for a in naskah.attachments if a.version == konsep.version and _is_pdf(a)}
    if not signed or set(signed) != wanted:
        raise KonsepProblem("berkas yang ditandatangani tidak sama dengan konsep yang disetujui")
    acting = capacity if capacity in ("plt", "plh") else None
    label = f"{person.name} ({ACTING_TITLE.get(capacity, '')}{position.title})"
    today = local(now, ctx.settings.mail.timezone).date()
    decider = Decider(person, position, acting, found.step, naskah, label, today)
    line = approve(session, ctx, decider, "ditandatangani dengan TTE BSrE", now, signed=signed)
    found.link.used_at = now
    return line


@dataclass(frozen=True)
class OpenStep:
    """A usable link to the current, open signing step, and its holder today."""

    link: SigningLink
    step: Disposition
    naskah: Naskah
    konsep: Konsep
    person: Person
    position: Position
    capacity: str  # definitif | plt | plh


def _open_step(session: Session, ctx: Services, token: str, now: dt.datetime) -> OpenStep | None:
    link = usable_link(session, token, now)
    if link is None:
        return None
    step = session.get_one(Disposition, link.disposition_id)
    naskah = session.get_one(Naskah, step.naskah_id)
    konsep = session.get_one(Konsep, naskah.id)
    current = konsep.route[konsep.step] == step.to_position_id
    if step.status not in OPEN or konsep.state != KonsepState.PARAF or not current:
        return None
    person = session.get_one(Person, link.person_id)
    position = session.get_one(Position, step.to_position_id)
    today = local(now, ctx.settings.mail.timezone).date()
    capacity = next(
        (h.kind for h in holders(session, position, today) if h.person_id == person.id), None
    )
    if capacity is None:
        return None  # no longer holds the position: the link is of no use
    return OpenStep(link, step, naskah, konsep, person, position, capacity)


def _is_pdf(attachment: Attachment) -> bool:
    kind = attachment.sniffed_type or attachment.declared_type
    return kind == "application/pdf" or attachment.filename.lower().endswith(".pdf")
