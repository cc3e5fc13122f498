"""naskah.status says where the letter is: baru, didisposisikan, dalam_proses, selesai, ditolak

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 21:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Old values that said what happened last, not where the letter is.
    op.execute("UPDATE naskah SET status = 'baru' WHERE status = 'tercatat'")
    op.execute(
        "UPDATE naskah SET status = 'dalam_proses' WHERE status IN ('dibaca', 'ditindaklanjuti')"
    )


def downgrade() -> None:
    op.execute("UPDATE naskah SET status = 'tercatat' WHERE status = 'baru'")
    op.execute("UPDATE naskah SET status = 'dibaca' WHERE status IN ('dalam_proses', 'ditolak')")
