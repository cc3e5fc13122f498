"""What a backup holds besides the database: the configuration file and the files it names.

Decision (also in docs/id/cadangan-dan-pemulihan.md): a backup is everything needed to run
the same gateway on a new machine, so it holds

- the database (the register, blobs of every original and attachment, the audit trail,
  and the secrets kept there: the reply-token secret and the panel's cookie key);
- the configuration file the command was started with (`settings.source`), when there
  is one;
- every file that file names and that exists: `[dkim] private_key`, `[smtp] tls_cert`
  and `tls_key`, each of `[tte] trust_roots` (a directory with everything under it), and
  `[templates] directory` (everything under it).

Not included: values given only in the environment (`TNDE_*`, for example in a systemd
EnvironmentFile), passwords a `password_command` or `token_command` prints, and the
development certificate of a SQLite trial when no setting names it. The backup holds
private keys, so its directory is made 0700 and every file 0600.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gateway.config import Settings

CONFIG_DIR = "config"


@dataclass(frozen=True)
class ConfigFile:
    """A file to copy into the backup: what names it, where it is, where it goes."""

    role: str
    source: Path
    stored: PurePosixPath  # relative to the backup directory


def config_files(settings: Settings) -> list[ConfigFile]:
    """The configuration file and the existing files it names, each stored once."""
    found: list[ConfigFile] = []
    if settings.source != "defaults" and Path(settings.source).is_file():
        source = Path(settings.source)
        found.append(ConfigFile("config", source, PurePosixPath(CONFIG_DIR, source.name)))
    named: list[tuple[str, str]] = [
        ("dkim.private_key", settings.dkim.private_key),
        ("smtp.tls_cert", settings.smtp.tls_cert),
        ("smtp.tls_key", settings.smtp.tls_key),
        *(("tte.trust_roots", root) for root in settings.tte.trust_roots),
        ("templates.directory", settings.templates.directory),
    ]
    for index, (role, value) in enumerate(named):
        if not value:
            continue
        path = Path(value)
        # Each setting gets its own folder, so two files with one name do not collide.
        base = PurePosixPath(CONFIG_DIR, f"{index:02d}-{role}")
        if path.is_file():
            found.append(ConfigFile(role, path, base / path.name))
        elif path.is_dir():
            for inner in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = PurePosixPath(*inner.relative_to(path).parts)
                found.append(ConfigFile(role, inner, base / path.name / relative))
    return found
