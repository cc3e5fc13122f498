"""The one error a backup or restore raises: a catalogue key and the values it names."""

from __future__ import annotations


class BackupError(Exception):
    """Something the administrator can fix; `key` is a text in messages/backup.toml."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(f"{key}: {fields}")
        self.key = key
        self.fields = fields
