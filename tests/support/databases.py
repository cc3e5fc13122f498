"""Test databases: a migrated SQLite template copied per test, and a private
PostgreSQL database per test run (created at start, dropped at the end)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from gateway.config import DatabaseSettings
from gateway.db.engine import Database, make_engine
from gateway.db.migrate import upgrade
from gateway.db.models import Base
from gateway.seed import seed_demo, seed_reference

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DOMAIN = "tnde.banyumaskab.go.id"


def pg_url(database: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def seed(db: Database) -> None:
    with db.write() as session:
        seed_reference(session)
        seed_demo(session, DOMAIN)


def build_sqlite_template(directory: Path) -> Path:
    """Migrate and seed once; tests copy the file (much faster than migrating each time)."""
    path = directory / "template.db"
    db = Database(make_engine(DatabaseSettings(url=f"sqlite:///{path}")))
    upgrade(db.engine)
    seed(db)
    db.dispose()
    return path


def sqlite_copy(template: Path, target_dir: Path) -> str:
    target = target_dir / "tnde.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


class PostgresRun:
    """One database for the whole test run; each test starts from a truncated, seeded state."""

    def __init__(self) -> None:
        self.name = f"tnde_test_{secrets.token_hex(4)}"
        self.url = pg_url(self.name)

    def create(self) -> None:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{self.name}"')
        engine = make_engine(DatabaseSettings(url=self.url))
        upgrade(engine)
        engine.dispose()

    def reset(self) -> None:
        """Empty every table and seed the demo organisation again."""
        engine = create_engine(self.url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        db = Database(make_engine(DatabaseSettings(url=self.url)))
        seed(db)
        db.dispose()

    def drop(self) -> None:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def fresh_pg_database() -> Iterator[str]:
    """A brand-new empty database (for tests of `tnde init` itself); dropped afterwards."""
    run = PostgresRun()
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{run.name}"')
    try:
        yield run.url
    finally:
        run.drop()
