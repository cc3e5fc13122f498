"""The register as the panel searches it: filters, full-text, keyset pages, exports."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, literal_column, or_, select, text
from sqlalchemy.orm import Session

from gateway.core.states import REGISTERS
from gateway.db.models import Naskah, Unit
from gateway.entry import DEFAULT_ZONE, naskah_dict
from gateway.registry import SECRET_LEVELS, naskah_query

AnySelect = Select[*tuple[Any, ...]]
Restrict = Callable[[AnySelect], AnySelect]
SECRET = SECRET_LEVELS
PAGE = 50
_WORD = re.compile(r"\w+", re.UNICODE)
_YEAR = re.compile(r"[0-9]{4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


@dataclass(frozen=True)
class AgendaFilter:
    """What a person narrows the buku agenda by (all optional)."""

    unit: str = ""
    year: int | None = None
    jenis: str = ""
    status: str = ""
    sifat: str = ""  # keamanan code: SR, R, T, B
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sender: str = ""
    q: str = ""  # full text: perihal, sender, nomor surat, body
    # Which register: surat_masuk, nota_dinas, surat_keluar, konsep ("" = all of them).
    register: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> AgendaFilter:
        """From URL parameters; a malformed value is ignored rather than an error page."""

        def text(name: str, limit: int) -> str:
            # No NUL or control characters: PostgreSQL refuses NUL in text parameters.
            return _CONTROL.sub("", query.get(name, "")).strip()[:limit]

        def number(name: str) -> int | None:
            value = text(name, 8)
            return int(value) if _YEAR.fullmatch(value) else None

        def day(name: str) -> dt.date | None:
            try:
                value = dt.date.fromisoformat(text(name, 10))
            except ValueError:
                return None
            # Far dates overflow when turned into instants; no register holds them anyway.
            return value if EARLIEST <= value <= LATEST else None

        return cls(
            unit=text("unit", 32).upper(),
            year=number("year"),
            jenis=text("jenis", 64),
            status=text("status", 24),
            sifat=text("sifat", 4).upper(),
            date_from=day("dari"),
            date_to=day("sampai"),
            sender=text("pengirim", 200),
            q=text("q", 200),
            register=text("register", 16) if text("register", 16) in REGISTERS else "",
        )

    def as_query(self) -> dict[str, str]:
        """The URL parameters that give this filter back (for links and the export)."""
        names = {"date_from": "dari", "date_to": "sampai", "sender": "pengirim"}
        out = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value not in (None, ""):
                out[names.get(item.name, item.name)] = str(value)
        return out


def filtered(
    session: Session,
    agenda: AgendaFilter,
    restrict: Restrict,
    zone: str = DEFAULT_ZONE,
    hide_secret_text: bool = True,
) -> AnySelect:
    """The naskah query for a filter, narrowed by `restrict` (who may see what).

    A full-text match never finds an SR/R letter by its content for someone who may not
    read it (`hide_secret_text`): the word alone would say what the letter is about."""
    query = restrict(naskah_query())
    if agenda.unit:
        query = query.where(Unit.code == agenda.unit)
    if agenda.year:
        query = query.where(Naskah.year == agenda.year)
    if agenda.jenis:
        query = query.where(Naskah.jenis == agenda.jenis)
        if hide_secret_text:  # the jenis of an SR/R letter is masked: no finding it by it
            query = query.where(Naskah.sifat_keamanan.not_in(SECRET))
    if agenda.status:
        query = query.where(Naskah.status == agenda.status)
    if agenda.register:
        query = query.where(Naskah.kind == agenda.register)
    if agenda.sifat:
        query = query.where(Naskah.sifat_keamanan == agenda.sifat)
    office = ZoneInfo(zone)
    if agenda.date_from:
        start = dt.datetime.combine(agenda.date_from, dt.time(), office)
        query = query.where(Naskah.received_at >= start.astimezone(dt.UTC))
    if agenda.date_to:
        end = dt.datetime.combine(agenda.date_to + dt.timedelta(days=1), dt.time(), office)
        query = query.where(Naskah.received_at < end.astimezone(dt.UTC))
    if agenda.sender:
        like = f"%{_escape_like(agenda.sender.lower())}%"
        query = query.where(
            or_(
                Naskah.sender.ilike(like, escape="\\"),
                Naskah.sender_name.ilike(like, escape="\\"),
                Naskah.sender_agency.ilike(like, escape="\\"),
            )
        )
    words = _WORD.findall(agenda.q)
    if words:
        query = query.where(Naskah.id.in_(_text_match(session, words)))
        if hide_secret_text:
            query = query.where(Naskah.sifat_keamanan.not_in(SECRET))
    return query


def _text_match(session: Session, words: list[str]) -> AnySelect:
    """Ids of naskah whose text holds every word (prefix match on the last one)."""
    if session.get_bind().dialect.name == "postgresql":
        terms = " & ".join(w.lower() for w in words[:-1])
        last = words[-1].lower() + ":*"
        query = f"{terms} & {last}" if terms else last
        # search_doc: the stored document of migration 0011, with its GIN index.
        return select(Naskah.id).where(
            text("naskah.search_doc @@ to_tsquery('simple', :fulltext)").bindparams(fulltext=query)
        )
    quoted = [f'"{w}"' for w in words]  # words only: no FTS5 operators from the user
    quoted[-1] += "*"
    match = " ".join(quoted)
    return (
        select(literal_column("rowid"))
        .select_from(text("naskah_fts"))
        .where(text("naskah_fts MATCH :fulltext").bindparams(fulltext=match))
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Page:
    """One page of the register, newest first, and the key of the next one."""

    items: list[dict[str, Any]]
    next_before: int | None


def page_of(
    session: Session,
    query: AnySelect,
    before: int | None,
    zone: str = DEFAULT_ZONE,
    size: int = PAGE,
) -> Page:
    """Keyset pagination on the id: the same cost for page 1 and page 2,000."""
    if before:
        query = query.where(Naskah.id < before)
    rows = session.execute(query.order_by(Naskah.id.desc()).limit(size + 1)).all()
    items = [
        naskah_dict(n, code, zone) | {"auth_results": n.auth_results or {}}
        for n, code in rows[:size]
    ]
    for item in items:
        item["received_at_dt"] = dt.datetime.fromisoformat(item["received_at"])
    next_before = rows[size - 1][0].id if len(rows) > size else None
    return Page(items, next_before)


def every_row(
    session: Session, query: AnySelect, zone: str = DEFAULT_ZONE, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every matching row in agenda order, in batches: exports at constant memory."""
    last_id = 0
    while True:
        rows = session.execute(
            query.where(Naskah.id > last_id).order_by(Naskah.id).limit(batch)
        ).all()
        if not rows:
            return
        for naskah, code in rows:
            yield naskah_dict(naskah, code, zone)
        last_id = rows[-1][0].id
        session.expunge_all()
