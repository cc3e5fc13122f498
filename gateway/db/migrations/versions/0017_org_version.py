"""A counter every change to the organisation bumps, so workers can cache the org

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 20:00:00

The worker reads units, addresses, positions, people, assignments, instructions and
holidays for every letter. gateway/org/cache.py keeps them in memory and reloads when
org_version.value has moved. Triggers, not application code, bump it: every writer
(panel, `tnde org import`, bounce handling marking an address undeliverable, a DBA's
manual UPDATE) is covered without having to remember. SQLite fires per row (three
triggers a table); PostgreSQL once per statement, TRUNCATE included.

The new value is never one an earlier transaction could have written and rolled back
(a counter + 1 would be: a rolled-back change, then another change, gives the same
number twice, and a worker that cached the first would keep it). PostgreSQL takes it
from a sequence, which a rollback does not rewind; SQLite from random(), 64 bits.

A later migration that rebuilds one of these tables in SQLite batch mode drops its
triggers with it and must create them again (tests/test_org_cache.py checks every table
at head). On PostgreSQL every org write now also locks the org_version row until its
transaction ends: org writes (panel, import, bounce marking) queue behind each other,
and they are rare and short enough to afford it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Kept in step with gateway.db.models.ORG_TABLES (tests/test_org_cache.py checks both).
ORG_TABLES = (
    "unit",
    "unit_address",
    "position",
    "person",
    "person_email",
    "assignment",
    "instruction",
    "holiday",
)
# An upsert, not an UPDATE: a restore or a TRUNCATE that empties org_version must not
# leave every later change unseen (an UPDATE of no row moves nothing).
_UPSERT = (
    "INSERT INTO org_version (id, value) VALUES (1, {value}) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value"
)
SQLITE_BUMP = _UPSERT.format(value="random()")
POSTGRESQL_BUMP = _UPSERT.format(value="nextval('org_version_seq')")


def upgrade() -> None:
    op.create_table(
        "org_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO org_version (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        for table in ORG_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER org_version_{table}_{event.lower()} "
                    f'AFTER {event} ON "{table}" BEGIN {SQLITE_BUMP}; END'
                )
        return
    op.execute("CREATE SEQUENCE org_version_seq")
    op.execute(
        "CREATE FUNCTION org_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {POSTGRESQL_BUMP}; RETURN NULL; END $$"
    )
    for table in ORG_TABLES:
        op.execute(
            "CREATE TRIGGER org_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION org_version_bump()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in ORG_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS org_version_{table}_{event}")
    else:
        for table in ORG_TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS org_version_bump ON "{table}"')
        op.execute("DROP FUNCTION org_version_bump()")
        op.execute("DROP SEQUENCE org_version_seq")
    op.drop_table("org_version")
