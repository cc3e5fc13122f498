"""Full-text search over the register: perihal, sender, nomor surat and body text
(SQLite FTS5 kept by triggers; PostgreSQL a GIN index on the same text)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# One expression for the index and the query (gateway/search.py): they must match.
PG_DOCUMENT = (
    "to_tsvector('simple', coalesce(perihal, '') || ' ' || coalesce(sender, '') || ' ' || "
    "coalesce(sender_name, '') || ' ' || coalesce(nomor_surat, '') || ' ' || "
    "coalesce(body_text, ''))"
)
_COLUMNS = "perihal, sender, sender_name, nomor_surat, body_text"
_NEW = "new.perihal, new.sender, new.sender_name, new.nomor_surat, new.body_text"
_OLD = "old.perihal, old.sender, old.sender_name, old.nomor_surat, old.body_text"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_naskah_fulltext ON naskah USING gin ({PG_DOCUMENT})")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE naskah_fts USING fts5({_COLUMNS}, "
        "content='naskah', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER naskah_fts_insert AFTER INSERT ON naskah BEGIN "
        f"INSERT INTO naskah_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER naskah_fts_delete AFTER DELETE ON naskah BEGIN "
        f"INSERT INTO naskah_fts(naskah_fts, rowid, {_COLUMNS}) "
        f"VALUES ('delete', old.id, {_OLD}); END"
    )
    op.execute(
        "CREATE TRIGGER naskah_fts_update AFTER UPDATE ON naskah BEGIN "
        f"INSERT INTO naskah_fts(naskah_fts, rowid, {_COLUMNS}) "
        f"VALUES ('delete', old.id, {_OLD}); "
        f"INSERT INTO naskah_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END"
    )
    op.execute("INSERT INTO naskah_fts(naskah_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_naskah_fulltext")
        return
    for trigger in ("naskah_fts_insert", "naskah_fts_delete", "naskah_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE naskah_fts")
