"""The archive: a legal hold on naskah; a note and a source per kode klasifikasi

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_NASKAH = ("legal_hold_since", "legal_hold_reason", "legal_hold")
_KLASIFIKASI = ("sumber", "keterangan")


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild of naskah (see 0013: a rebuild on SQLite
    # cascades away its dispositions and files and loses the full-text triggers).
    op.add_column(
        "naskah",
        sa.Column("legal_hold", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("naskah", sa.Column("legal_hold_reason", sa.Text(), nullable=True))
    op.add_column(
        "naskah", sa.Column("legal_hold_since", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("klasifikasi", sa.Column("keterangan", sa.Text(), nullable=True))
    op.add_column("klasifikasi", sa.Column("sumber", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL), for the same reason.
    for column in _NASKAH:
        op.execute(f"ALTER TABLE naskah DROP COLUMN {column}")
    for column in _KLASIFIKASI:
        op.execute(f"ALTER TABLE klasifikasi DROP COLUMN {column}")
