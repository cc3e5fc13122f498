"""The panel's sign-in, hardened: session rows keyed by the SHA-256 of the cookie's id, the
client address of a user's last sign-in and of each login link, and API token expiry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.add_column(sa.Column("last_login_from", sa.String(length=64), nullable=True))
    with op.batch_alter_table("login_link") as batch:
        batch.add_column(
            sa.Column("remote", sa.String(length=64), nullable=False, server_default="")
        )
    op.create_index("ix_login_link_person_created", "login_link", ["person_id", "created_at"])
    op.create_index("ix_login_link_remote_created", "login_link", ["remote", "created_at"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column("expires_at", gateway.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    _hash_session_ids()


def _hash_session_ids() -> None:
    """Live sessions stay signed in: each stored id becomes its SHA-256, which is what the
    panel now looks up for the id in the cookie (SQLite has no SHA-256 in SQL)."""
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM web_session"))]
    for session_id in ids:
        digest = hashlib.sha256(session_id.encode("utf-8")).hexdigest()
        bind.execute(
            sa.text("UPDATE web_session SET id = :new WHERE id = :old"),
            {"new": digest, "old": session_id},
        )


def downgrade() -> None:
    # A hashed id cannot be turned back into the cookie's: everyone signs in again.
    op.execute("DELETE FROM web_session")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
    op.drop_index("ix_login_link_remote_created", table_name="login_link")
    op.drop_index("ix_login_link_person_created", table_name="login_link")
    with op.batch_alter_table("login_link") as batch:
        batch.drop_column("remote")
    with op.batch_alter_table("web_user") as batch:
        batch.drop_column("last_login_from")
