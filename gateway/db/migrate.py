"""Run the Alembic migrations programmatically (`tnde init`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:  # Alembic costs ~80 ms to import; only `tnde init` and tests need it.
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine_url: str = "") -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine_url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` inside one connection.

    On SQLite the foreign keys are off while the migrations run and checked once before
    the commit: Alembic's batch mode rebuilds a table (copy, DROP, rename), and with them
    on, the DROP fails when rows elsewhere refer to the table (a register with letters
    could not upgrade past 0002) or cascades their deletion. This is SQLite's documented
    procedure for schema changes (lang_altertable.html, "making other kinds of table
    schema changes"); tests/test_upgrade.py upgrades a filled 0001 database to head."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a no-op inside a transaction, so on the driver's connection first
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _driver(connection).execute("PRAGMA foreign_keys=ON")


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        from gateway.catalogue import Catalogue  # shown through init.failed: Indonesian

        rows = ", ".join(f"{table} #{rowid} -> {parent}" for table, rowid, parent, _ in broken[:5])
        raise RuntimeError(Catalogue()("migrate.broken_foreign_keys", count=len(broken), rows=rows))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never initialised.

    Read from Alembic's own table with one query rather than through Alembic, so every
    command's schema check starts fast. The history is linear: one row at most."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(found) if found is not None else None
