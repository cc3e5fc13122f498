"""A second factor for staff sign-in: the TOTP secret of a panel user and the last time
step accepted; an index for an official's letters (the notices it received)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_person_naskah", "outbox", ["person_id", "naskah_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_person_naskah", table_name="outbox")
    with op.batch_alter_table("web_user") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
