"""reply_confirmation: commands from an unauthenticated reply, held for KONFIRMASI

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disposition_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("reply_message_id", sa.String(length=998), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("commands", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("created_at", gateway.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gateway.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", gateway.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["disposition_id"],
            ["disposition.id"],
            name=op.f("fk_reply_confirmation_disposition_id_disposition"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound.id"], name=op.f("fk_reply_confirmation_inbound_id_inbound")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reply_confirmation_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_confirmation")),
    )
    op.create_index(
        "ix_reply_confirmation_person",
        "reply_confirmation",
        ["person_id", "disposition_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reply_confirmation_person", table_name="reply_confirmation")
    op.drop_table("reply_confirmation")
