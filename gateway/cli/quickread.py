"""`tnde naskah list` and `tnde check` on SQLite without SQLAlchemy: read-only sqlite3.

Importing SQLAlchemy and declaring the models costs more than the 0.3 s a person waits
for a listing to start; the sqlite3 module costs a few milliseconds. This reader selects
the columns an entry needs and hands rows shaped like the ORM objects to
`gateway.entry.naskah_dict`, so the JSON is the one `gateway.registry` gives (a test
compares the two on the same database). Whenever it is unsure (not SQLite, no file, not
initialised, a column missing because the schema is older or newer) it returns None and
the command takes the ORM path, which also gives the proper error messages.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from gateway.entry import naskah_dict

_PREFIX = "sqlite:///"
_ATTACHMENT_COLUMNS = "id naskah_id filename declared_type sniffed_type size sha256 origin role"


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for anything else (memory, options)."""
    if not url.startswith(_PREFIX) or "?" in url:
        return None
    path = url[len(_PREFIX) :]
    return Path(path) if path and path != ":memory:" else None


class Unsure(Exception):
    """The quick path does not apply; take the ORM path, which also explains any error."""


def schema_revision(url: str) -> str | None:
    """The Alembic revision of a SQLite file (None: never initialised); Unsure otherwise."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        raise Unsure(url)
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise Unsure(url) from err
    try:
        table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if table is None:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.Error as err:
        raise Unsure(url) from err
    finally:
        connection.close()


def naskah_list(
    url: str, limit: int | None, kind: str | None, zone: str
) -> list[dict[str, Any]] | None:
    """The newest entries first, as `registry.load_naskah_list` gives them; None when the
    quick path does not apply."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None
        )
    except sqlite3.Error:
        return None
    try:
        # One snapshot for the entries and their attachments, as the ORM reads them.
        connection.execute("BEGIN")
        return _read(connection, limit, kind, zone)
    except (sqlite3.Error, AttributeError, KeyError, ValueError, TypeError):
        # A schema this reader does not know (a column missing or shaped otherwise):
        # the ORM path reads it, or explains why it cannot.
        return None
    finally:
        connection.close()


def _read(
    connection: sqlite3.Connection, limit: int | None, kind: str | None, zone: str
) -> list[dict[str, Any]] | None:
    connection.row_factory = sqlite3.Row
    if connection.execute("SELECT version_num FROM alembic_version").fetchone() is None:
        return None  # not initialised: the ORM path says so in the user's language
    # Every column, so an entry key added later finds its attribute; the test comparing
    # this reader with the ORM's catches a column that needs a conversion below.
    sql = "SELECT n.*, u.code AS unit_code FROM naskah n JOIN unit u ON n.unit_id = u.id"
    parameters: list[Any] = []
    if kind is not None:
        sql += " WHERE n.kind = ?"
        parameters.append(kind)
    sql += " ORDER BY n.id DESC"
    if limit:
        sql += " LIMIT ?"
        parameters.append(limit)
    rows = connection.execute(sql, parameters).fetchall()
    attachments = _attachments(connection, [row["id"] for row in rows])
    items = []
    for row in rows:
        naskah = _naskah(row, attachments.get(row["id"], []))
        item = naskah_dict(naskah, row["unit_code"], zone)
        item["received_at_dt"] = dt.datetime.fromisoformat(item["received_at"])
        items.append(item)
    return items


def _attachments(
    connection: sqlite3.Connection, ids: list[int]
) -> dict[int, list[SimpleNamespace]]:
    found: dict[int, list[SimpleNamespace]] = {}
    # SQLite allows 32,766 parameters since 3.32; a listing is far smaller in practice,
    # but chunk anyway so `--limit` 0 (everything) on a large register still works.
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in connection.execute(
            f"SELECT {', '.join(_ATTACHMENT_COLUMNS.split())} FROM attachment"
            f" WHERE naskah_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            found.setdefault(row["naskah_id"], []).append(SimpleNamespace(**dict(row)))
    return found


def _naskah(row: sqlite3.Row, attachments: list[SimpleNamespace]) -> SimpleNamespace:
    """A row with the Python values the ORM column types would give."""
    values = dict(row)
    values["recipients"] = json.loads(values["recipients"]) if values["recipients"] else []
    values["message_id_synthesized"] = bool(values["message_id_synthesized"])
    values["tanggal_surat"] = _date(values["tanggal_surat"])
    values["received_at"] = _instant(values["received_at"])
    values["registered_at"] = _instant(values["registered_at"])
    values["attachments"] = attachments
    return SimpleNamespace(**values)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _instant(value: str | None) -> dt.datetime | None:
    """As gateway.db.types.UTCDateTime reads it: stored in UTC, zone-less on SQLite."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
