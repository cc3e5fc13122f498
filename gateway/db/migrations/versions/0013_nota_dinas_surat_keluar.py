"""Nota dinas and surat keluar: konsep with their approval route, held submissions,
linked register entries, konsep file versions, verification pages of sent letters

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild: rebuilding naskah on SQLite would drop it
    # with foreign keys on (its dispositions, files and sources cascade away) and lose
    # the full-text triggers of 0008.
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a REFERENCES clause in ADD COLUMN (Alembic would want a rebuild).
        op.execute("ALTER TABLE naskah ADD COLUMN origin_id INTEGER REFERENCES naskah (id)")
    else:
        op.add_column("naskah", sa.Column("origin_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_naskah_origin_id_naskah", "naskah", "naskah", ["origin_id"], ["id"]
        )
    op.add_column("naskah", sa.Column("verification_hash", sa.String(64), nullable=True))
    op.create_index("ix_naskah_verification_hash", "naskah", ["verification_hash"], unique=True)
    op.add_column("attachment", sa.Column("version", sa.Integer(), nullable=True))
    op.create_table(
        "konsep",
        sa.Column("naskah_id", sa.Integer(), nullable=False),
        sa.Column("drafter_person_id", sa.Integer(), nullable=False),
        sa.Column("drafter_position_id", sa.Integer(), nullable=False),
        sa.Column("signer_position_id", sa.Integer(), nullable=False),
        sa.Column("kepada", sa.JSON(), nullable=False),
        sa.Column("tembusan", sa.JSON(), nullable=False),
        sa.Column("reserved_number", sa.String(128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["naskah_id"], ["naskah.id"], name="fk_konsep_naskah_id_naskah", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["drafter_person_id"], ["person.id"], name="fk_konsep_drafter_person_id_person"
        ),
        sa.ForeignKeyConstraint(
            ["drafter_position_id"], ["position.id"], name="fk_konsep_drafter_position_id_position"
        ),
        sa.ForeignKeyConstraint(
            ["signer_position_id"], ["position.id"], name="fk_konsep_signer_position_id_position"
        ),
        sa.ForeignKeyConstraint(["letter_id"], ["naskah.id"], name="fk_konsep_letter_id_naskah"),
        sa.PrimaryKeyConstraint("naskah_id", name="pk_konsep"),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_inbound_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound.id"], name="fk_submission_inbound_id_inbound"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_submission_person_id_person"
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_inbound_id"],
            ["inbound.id"],
            name="fk_submission_confirmed_by_inbound_id_inbound",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission"),
    )


def downgrade() -> None:
    op.drop_table("submission")
    op.drop_table("konsep")
    op.drop_index("ix_naskah_verification_hash", table_name="naskah")
    op.drop_column("attachment", "version")
    op.drop_column("naskah", "verification_hash")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_naskah_origin_id_naskah", "naskah", type_="foreignkey")
    op.drop_column("naskah", "origin_id")
