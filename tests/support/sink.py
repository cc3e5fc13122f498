"""A scriptable SMTP sink (aiosmtpd) standing in for a smarthost or a recipient's MX."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.fixtures.ports import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: Any = None  # the client's (address, port): one per connection


@dataclass
class SinkHandler:
    """Answers DATA from a script of replies (then 250), recording what it accepted."""

    script: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            reply = self.script.pop(0) if self.script else "250 2.0.0 OK"
            if reply.startswith("250"):
                self.messages.append(
                    Received(
                        envelope.mail_from,
                        list(envelope.rcpt_tos),
                        envelope.original_content,
                        session.peer,
                    )
                )
        return reply


class Sink:
    """Start with `with Sink() as sink:`; `sink.port`, `sink.messages`, `sink.script`."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    @property
    def script(self) -> list[str]:
        return self.handler.script
