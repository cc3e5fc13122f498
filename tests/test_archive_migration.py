"""Migration 0015 (legal hold, KKA note and source) keeps existing letters, gives them no
hold, and is reversible on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from gateway.db.migrate import alembic_config, upgrade
from tests.support.databases import fresh_pg_database
from tests.test_migrations import _fill


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_run")  # skips (or fails in CI) without PostgreSQL
    yield from fresh_pg_database()


def _naskah_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("naskah")}


def test_0015_adds_the_hold_to_existing_letters_and_goes_back(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        upgrade(engine, "0014")
        with engine.begin() as connection:
            _fill(connection, "unit", {"id": 1, "code": "U", "name": "Unit"})
            _fill(connection, "position", {"id": 1, "unit_id": 1, "handle": "p", "title": "P"})
            _fill(
                connection,
                "naskah",
                {"id": 1, "unit_id": 1, "kind": "surat_masuk", "year": 2026, "seq": 1,
                 "dedupe_key": "d1", "klasifikasi": "400.7"},
            )  # fmt: skip
            _fill(connection, "disposition", {"naskah_id": 1, "to_position_id": 1})
        upgrade(engine)
        with engine.connect() as connection:
            held = connection.execute(text("SELECT legal_hold FROM naskah")).scalar()
        assert held in (False, 0)
        assert {"legal_hold", "legal_hold_reason", "legal_hold_since"} <= _naskah_columns(engine)
        cfg = alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0014")
        assert not any(c.startswith("legal_hold") for c in _naskah_columns(engine))
        klasifikasi = {c["name"] for c in inspect(engine).get_columns("klasifikasi")}
        assert not {"keterangan", "sumber"} & klasifikasi
        with engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("naskah", "disposition")
            ]
        assert counts == [1, 1]
        upgrade(engine)
        assert "legal_hold" in _naskah_columns(engine)
    finally:
        engine.dispose()
