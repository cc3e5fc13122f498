"""Jinja2 rendering of outgoing mail; an administrator's directory overrides built-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from gateway import timefmt
from gateway.outbound.clip import clip_body


class Renderer:
    """Renders `<name>.txt.j2` and `<name>.html.j2` pairs for one kind of mail."""

    def __init__(self, override_dir: str = "", zone: str = "Asia/Jakarta") -> None:
        loaders: list[Any] = []
        if override_dir:
            loaders.append(FileSystemLoader(override_dir))
        loaders.append(PackageLoader("gateway", "templates"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["tanggal"] = _tanggal
        # Sender-written text (perihal, names, numbers) is capped wherever we repeat it.
        self.env.filters["ringkas"] = clip_body
        self.env.filters["waktu"] = lambda value: timefmt.waktu(value, zone) if value else "-"

    def render(self, name: str, context: dict[str, Any]) -> tuple[str, str]:
        """(plain text, HTML) of a template pair."""
        text = self.env.get_template(f"{name}.txt.j2").render(context)
        html = self.env.get_template(f"{name}.html.j2").render(context)
        return text, html


def _tanggal(value: dt.date | None) -> str:
    return timefmt.tanggal(value) if value else "-"
