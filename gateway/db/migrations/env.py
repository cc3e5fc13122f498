"""Alembic environment: uses the connection handed over by `gateway.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from gateway.db.engine import normalise_url
from gateway.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run online against the given connection, or open one from sqlalchemy.url."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(normalise_url(config.get_main_option("sqlalchemy.url") or ""))
    with engine.connect() as conn:
        _run(conn)


def _run(connection: object) -> None:
    # render_as_batch lets ALTER TABLE work on SQLite, which rebuilds the table instead.
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
