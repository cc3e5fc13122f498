"""An index for the open-disposition counts /metrics reads at every scrape

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_disposition_open", "disposition", ["status", "kind", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_disposition_open", table_name="disposition")
