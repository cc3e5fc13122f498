"""The gateway's own sender verdict on a message received directly over SMTP: the
Authentication-Results line it wrote, kept beside the untouched original bytes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound") as batch:
        batch.add_column(sa.Column("auth_header", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound") as batch:
        batch.drop_column("auth_header")
