"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from gateway.db.migrate import upgrade
from gateway.db.models import Base


def _not_fulltext(name: str | None, kind: str, parents: object) -> bool:
    """The full-text index (0008) lives outside the models: SQLite's FTS5 tables and the
    PostgreSQL expression index are maintained by the migration, not by SQLAlchemy."""
    return not (name or "").startswith(("naskah_fts", "ix_naskah_fulltext"))


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
