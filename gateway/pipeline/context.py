"""What the pipeline needs besides the database: settings, templates, identity, clock."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.config import Settings
from gateway.outbound.compose import Identity
from gateway.outbound.render import Renderer
from gateway.parsing.message import Limits


@dataclass(frozen=True)
class PipelineContext:
    """Dependencies of the worker stages, built once in the composition root."""

    settings: Settings
    renderer: Renderer
    identity: Identity
    clock: Callable[[], dt.datetime]
    # Values that never change while the process runs (e.g. the reply-token secret).
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def limits(self) -> Limits:
        worker = self.settings.worker
        return Limits(max_depth=worker.max_mime_depth, max_parts=worker.max_mime_parts)


def make_context(settings: Settings, clock: Callable[[], dt.datetime]) -> PipelineContext:
    """Build the context from settings (instance id defaults to host name + domain)."""
    mail = settings.mail
    identity = Identity(
        domain=mail.domain,
        from_local=mail.sender_local,
        from_name=mail.sender_name,
        instance_id=mail.instance_id or f"{socket.gethostname()}/{mail.domain}",
    )
    renderer = Renderer(settings.templates.directory, mail.timezone)
    return PipelineContext(settings, renderer, identity, clock)
