"""naskah.closed_at: when the letter became selesai or ditolak (tracking links expire from it)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("naskah") as batch:
        batch.add_column(
            sa.Column("closed_at", gateway.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    # Letters closed before this column existed: their last closing disposition, else
    # the registration time (their links expire no later than they would have).
    op.execute(
        "UPDATE naskah SET closed_at = COALESCE("
        "(SELECT MAX(d.done_at) FROM disposition d WHERE d.naskah_id = naskah.id), "
        "registered_at) WHERE status IN ('selesai', 'ditolak')"
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): batch mode would rebuild the table,
    # which the foreign keys pointing at naskah refuse.
    op.execute("ALTER TABLE naskah DROP COLUMN closed_at")
