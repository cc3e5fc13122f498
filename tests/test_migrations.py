"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from gateway.db.migrate import upgrade
from gateway.db.models import Base


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
