"""`tnde backup create|verify|restore DIR`: the database and configuration, with a manifest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import Progress, shown_time

MISMATCH_TEXTS = {
    "missing": "backup.mismatch.missing",
    "size": "backup.mismatch.size",
    "sha256": "backup.mismatch.sha256",
}


def add_commands(commands: Any, t: Catalogue) -> None:
    backup = commands.add_parser("backup", help=t("help.backup")).add_subparsers(
        dest="backup_command", required=True
    )
    create = backup.add_parser("create", help=t("help.backup.create"))
    create.add_argument("directory", metavar="DIR", help=t("help.backup.directory_new"))
    create.set_defaults(handler=cmd_backup_create)
    verify = backup.add_parser("verify", help=t("help.backup.verify"))
    verify.add_argument("directory", metavar="DIR", help=t("help.backup.directory"))
    verify.set_defaults(handler=cmd_backup_verify)
    restore = backup.add_parser("restore", help=t("help.backup.restore"))
    restore.add_argument("directory", metavar="DIR", help=t("help.backup.directory"))
    restore.add_argument("--force", action="store_true", help=t("help.backup.force"))
    restore.add_argument("--config-to", metavar="DIR", help=t("help.backup.config_to"))
    restore.set_defaults(handler=cmd_backup_restore)


class _Reporter:
    """Notes on standard error, progress bars from gateway.cli.output."""

    def __init__(self, t: Catalogue) -> None:
        self.t = t

    def note(self, key: str, /, **fields: object) -> None:
        import sys

        print(self.t(key, **fields), file=sys.stderr, flush=True)

    def progress(self, total: int, key: str) -> Progress:
        return Progress(total, self.t(key))


def _failed(t: Catalogue, err: Exception, key: str) -> CommandError:
    """A BackupError's own text; anything else (an OSError) under `key`, which says in
    Indonesian what was being done."""
    from gateway.backup.errors import BackupError

    if isinstance(err, BackupError):
        return CommandError(t(err.key, **err.fields))
    return CommandError(t(key, error=err))


def cmd_backup_create(args: argparse.Namespace) -> int:
    from gateway.backup.errors import BackupError
    from gateway.backup.run import create_backup

    t: Catalogue = args.t
    directory = Path(args.directory)
    with ready_app(args) as app:
        try:
            manifest = create_backup(app.settings, app.db.engine, directory, _Reporter(t))
        except (BackupError, OSError) as err:
            raise _failed(t, err, "backup.create_failed") from err
    size = sum(entry.size for entry in manifest.files)
    print(
        t(
            "backup.created",
            path=str(directory),
            files=len(manifest.files),
            mib=f"{size / 1024 / 1024:.1f}",
            revision=manifest.alembic_revision,
        )
    )
    return 0


def cmd_backup_verify(args: argparse.Namespace) -> int:
    from gateway.backup.errors import BackupError
    from gateway.backup.run import verify_backup

    t: Catalogue = args.t
    try:
        manifest, problems = verify_backup(Path(args.directory), _Reporter(t))
    except (BackupError, OSError) as err:
        raise _failed(t, err, "backup.verify_failed") from err
    zone = args.settings.mail.timezone
    print(
        t(
            "backup.about",
            created=shown_time(manifest.created_at, zone),
            kind=manifest.database_kind,
            revision=manifest.alembic_revision,
            version=manifest.gateway_version,
        )
    )
    for problem in problems:
        print(t(MISMATCH_TEXTS[problem.problem], path=problem.path, count=len(problems)))
    if problems:
        print(t("backup.verify_bad", count=len(problems)))
        return 1
    print(t("backup.verify_ok", files=len(manifest.files)))
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    from gateway.backup.errors import BackupError
    from gateway.backup.manifest import read_manifest
    from gateway.backup.run import plan_config, restore_backup, restore_config

    t: Catalogue = args.t
    directory = Path(args.directory)
    config_to = Path(args.config_to) if args.config_to else None
    if config_to and config_to.resolve() == directory.resolve():
        raise CommandError(t("backup.config_to_same"))
    try:
        # The configuration's place is made and checked first (no clash, writable): a
        # problem there refuses before the database is touched.
        plan = plan_config(read_manifest(directory), config_to) if config_to else []
        restored = restore_backup(args.settings, directory, _Reporter(t), force=args.force)
    except (BackupError, OSError) as err:
        raise _failed(t, err, "backup.restore_failed") from err
    try:
        written = restore_config(directory, config_to, plan) if config_to else []
    except (BackupError, OSError) as err:
        # Only after the database was restored: say so, or a rerun meets "sudah berisi tabel".
        problem = t(err.key, **err.fields) if isinstance(err, BackupError) else err
        raise CommandError(
            t("backup.config_failed", revision=restored.revision, path=str(config_to),
              error=problem)
        ) from err  # fmt: skip
    print(t("backup.restored", revision=restored.revision))
    if restored.revision != restored.head:
        print(t("backup.migrate_hint", head=restored.head))
    else:
        print(t("backup.next"))
    for original, path in written:
        print(t("backup.config_written", path=str(path), original=original))
    if not config_to:
        for entry in restored.manifest.config_files():
            print(
                t(
                    "backup.config_in_backup",
                    path=str(directory / entry.path),
                    original=entry.original,
                )
            )
    return 0
