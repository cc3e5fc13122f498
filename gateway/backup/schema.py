"""Which Alembic revisions this code knows: a backup from a newer schema is refused."""

from __future__ import annotations

from gateway.db.migrate import alembic_config


def known_revisions() -> tuple[set[str], str]:
    """Every revision the shipped migrations define, and the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revisions = {rev.revision for rev in script.walk_revisions()}
    return revisions, script.get_current_head() or ""
