"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Connection, MetaData, Table, create_engine, insert, text

from gateway.config import DatabaseSettings
from gateway.db.engine import Database, make_engine
from gateway.db.migrate import upgrade
from gateway.db.models import Base
from gateway.search import AgendaFilter, every_row, filtered
from tests.support.databases import fresh_pg_database


def _not_fulltext(name: str | None, kind: str, parents: object) -> bool:
    """The full-text search lives outside the models: SQLite's FTS5 tables (0008) and
    PostgreSQL's stored search column with its index (0011) are the migrations' own."""
    return not (name or "").startswith(("naskah_fts", "search_doc", "ix_naskah_search_doc"))


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _not_fulltext}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def _fill(connection: Connection, table: str, values: dict[str, Any]) -> None:
    """Insert a row giving every NOT NULL column without a default a value of its type."""
    row = dict(values)
    for column in Table(table, MetaData(), autoload_with=connection).columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        python = column.type.python_type if not isinstance(column.type, JSON) else dict
        row[column.name] = {
            int: 0,
            bool: False,
            str: "x",
            dict: {},
            list: [],
            bytes: b"x",
            dt.datetime: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            dt.date: dt.date(2026, 1, 1),
        }[python]
    table_ = Table(table, MetaData(), autoload_with=connection)
    connection.execute(insert(table_).values(**row))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_run")  # skips (or fails in CI) without PostgreSQL
    yield from fresh_pg_database()


def test_upgrading_a_register_with_letters_keeps_them_and_their_search(empty_url: str) -> None:
    """0013 adds columns to naskah: nothing of a letter (dispositions, files, sources, the
    full-text index) may be lost on the way, as a table rebuild would lose it."""
    engine = make_engine(DatabaseSettings(url=empty_url))
    try:
        upgrade(engine, "0012")
        with engine.begin() as connection:
            _fill(connection, "unit", {"id": 1, "code": "U", "name": "Unit"})
            _fill(connection, "position", {"id": 1, "unit_id": 1, "handle": "p", "title": "P"})
            _fill(connection, "blob", {"sha256": "a" * 64, "size": 1, "data": b"x"})
            _fill(
                connection,
                "naskah",
                {
                    "id": 1,
                    "unit_id": 1,
                    "kind": "surat_masuk",
                    "year": 2026,
                    "seq": 1,
                    "dedupe_key": "d1",
                    "perihal": "Undangan rapat stunting",
                },
            )
            _fill(connection, "disposition", {"naskah_id": 1, "to_position_id": 1})
            _fill(connection, "attachment", {"naskah_id": 1, "sha256": "a" * 64})
        upgrade(engine)
        with engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("naskah", "disposition", "attachment")
            ]
        assert counts == [1, 1, 1]
        with Database(engine).read() as session:
            query = filtered(session, AgendaFilter(q="stunting"), lambda query: query)
            found = [item["id"] for item in every_row(session, query)]
        assert found == [1]
    finally:
        engine.dispose()
