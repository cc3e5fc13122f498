"""A real gateway (SMTP, LMTP, web, workers, outbox) on free ports, in a background thread."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import smtplib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gateway.app import App
from gateway.config import Settings
from gateway.serve import Running, shutdown, start

T = TypeVar("T")


def gateway_settings(db_url: str, **sections: dict[str, Any]) -> Settings:
    """Settings for tests: listeners on port 0, fast polling, the demo domain."""
    base = Settings()
    values: dict[str, Any] = {
        "database": {"url": db_url},
        "smtp": {"listen": "127.0.0.1:0", "hostname": "gw.test"},
        "lmtp": {"listen": "127.0.0.1:0"},
        "web": {"listen": "127.0.0.1:0"},
        # Tests change rules and organisation between letters: see changes at once.
        # In-process gateways register in their own process: a worker process would read
        # its settings from the environment, not from these.
        "worker": {"poll_interval": 0.05, "refresh_interval": 0.0, "processes": 0},
        # Tests drive the scheduler by hand (run_once) with a fake clock.
        "workflow": {"scheduler_interval": 3600.0},
        "outbound": {"poll_interval": 0.05},
        "mail": {"instance_id": "test-instance"},
        # As behind a trusted relay: tests speak for the upstream MTA with
        # Authentication-Results of mail.trusted_authserv_ids. The gateway's own checks
        # run against a real DNS server in test_sender_authentication.py.
        "auth": {"verify_smtp": False},
    }
    for name, overrides in sections.items():
        values.setdefault(name, {}).update(overrides)
    for name, overrides in values.items():
        section = getattr(base, name)
        base = dataclasses.replace(base, **{name: dataclasses.replace(section, **overrides)})
    return base


def serve_env(db_url: str, smtp_port: int, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """Environment of a `tnde serve` subprocess: SMTP only, no TNDE_* from the caller's shell."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TNDE_")}
    env.update(
        {
            "TNDE_DATABASE__URL": db_url,
            "TNDE_SMTP__LISTEN": f"127.0.0.1:{smtp_port}",
            "TNDE_LMTP__LISTEN": "",
            "TNDE_WEB__LISTEN": "",
            **(extra or {}),
        }
    )
    return env


class RunningGateway:
    """Starts `gateway.serve.start` on its own event loop; stop() shuts it down cleanly."""

    def __init__(self, app: App) -> None:
        if app.settings.worker.processes:
            # A worker process would read its settings from the environment, not from the
            # ones this test built: register in this process.
            worker = dataclasses.replace(app.settings.worker, processes=0)
            app.settings = dataclasses.replace(app.settings, worker=worker)
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.running: Running | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> RunningGateway:
        self.thread.start()
        self.running = self.call(self._start())
        return self

    async def _start(self) -> Running:
        self._stop = asyncio.Event()
        return await start(self.app, self._stop)

    def call(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        if self.running is not None:
            assert self._stop is not None
            self.loop.call_soon_threadsafe(self._stop.set)
            self.call(shutdown(self.running))
            self.running = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.app.close()

    def address(self, name: str) -> tuple[str, int]:
        assert self.running is not None
        host, _, port = self.running.addresses[name].rpartition(":")
        return host, int(port)

    @property
    def web_url(self) -> str:
        assert self.running is not None
        return self.running.addresses["web"]

    def smtp(self) -> smtplib.SMTP:
        host, port = self.address("smtp")
        return smtplib.SMTP(host, port, timeout=30)

    def lmtp(self) -> smtplib.LMTP:
        host, port = self.address("lmtp")
        return smtplib.LMTP(host, port, timeout=30)


def wait_for(predicate: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll until `predicate` returns something truthy; fail with `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(0.05)
