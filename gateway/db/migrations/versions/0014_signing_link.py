"""One-time links to the signing page (TTE with BSrE) for a konsep's signer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("disposition_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disposition_id"],
            ["disposition.id"],
            name="fk_signing_link_disposition_id_disposition",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_signing_link_person_id_person"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signing_link"),
        sa.UniqueConstraint("token_hash", name="uq_signing_link_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("signing_link")
