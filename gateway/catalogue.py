"""The message catalogue: every text a person reads on the command line or in the panel.

Bahasa Indonesia is the default; `[ui] language = "en"` selects English. The texts live
in `gateway/data/messages/*.toml` (one file per area: cli, config, ...), one table per
key with an `id` and an `en` entry, so a translator sees both side by side. Mail to
officials and senders (notices, receipts) is official correspondence and stays in Bahasa
Indonesia whatever the setting.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from string import Formatter

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@cache
def load_messages() -> dict[str, dict[str, str]]:
    """Key -> {language: text}, read once per process; a key defined twice is an error."""
    messages: dict[str, dict[str, str]] = {}
    for path in sorted((Path(__file__).parent / "data" / "messages").glob("*.toml")):
        for key, entry in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if key in messages:
                raise ValueError(f"{path.name}: {key} is already defined in another file")
            messages[key] = entry
    return messages


def placeholders(text: str) -> set[str]:
    """The {names} a text expects."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


class Catalogue:
    """Texts in one language; an unknown key shows itself so a gap is visible, not fatal."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        self.language = language
        self._messages = load_messages()

    def __call__(self, key: str, /, **fields: object) -> str:
        entry = self._messages.get(key)
        if entry is None:
            return key
        text = entry.get(self.language) or entry[DEFAULT_LANGUAGE]
        return text.format(**fields) if fields else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def label(self, group: str, value: str) -> str:
        """A stored value (a state, an event type) as a person reads it; the value itself
        when the catalogue has no label for it."""
        key = f"{group}.{value}"
        return self(key) if key in self._messages else value

    def value_for(self, group: str, shown: str) -> str:
        """The stored value behind a label in either language, so `--state dikarantina`
        means `quarantined`; anything else is returned as given."""
        prefix = group + "."
        wanted = shown.casefold()
        for key, entry in self._messages.items():
            if key.startswith(prefix) and wanted in {text.casefold() for text in entry.values()}:
                return key[len(prefix) :]
        return shown

    def counts(self, counts: dict[str, int]) -> str:
        """{"units": 4, "people": 9} -> "4 unit, 9 pegawai"; nothing -> "tidak ada"."""
        if not counts:
            return self("common.nothing")
        return ", ".join(
            self(f"count.{kind}", count=count) if self.has(f"count.{kind}") else f"{count} {kind}"
            for kind, count in counts.items()
        )

    def event(self, event_type: str) -> str:
        """An audit event type as the timeline shows it: registered -> Diregistrasi."""
        return self.label("event", event_type)
