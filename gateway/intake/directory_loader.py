"""Load the recipient directory from the organisation tables, and cache it for RCPT."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.directory import RecipientDirectory
from gateway.db.engine import Database
from gateway.db.models import Position, Unit, UnitAddress

log = logging.getLogger("tnde.intake")


def load_directory(
    session: Session, domain: str, gateway_locals: tuple[str, ...]
) -> RecipientDirectory:
    """Units' official addresses and positions' handles at our domain, lower-case."""
    suffix = "@" + domain.lower()
    units: dict[str, str] = {}
    rows = session.execute(
        select(UnitAddress.address, Unit.code).join(Unit).where(Unit.active.is_(True))
    )
    for address, code in rows:
        if address.lower().endswith(suffix):
            units[address.lower()[: -len(suffix)]] = code
    positions = {
        handle.lower(): code
        for handle, code in session.execute(
            select(Position.handle, Unit.code)
            .join(Unit, Position.unit_id == Unit.id)
            .where(Position.active.is_(True))
        )
    }
    return RecipientDirectory(
        domain=domain.lower(),
        units=units,
        positions=positions,
        gateway=frozenset(local.lower() for local in gateway_locals),
    )


class DirectoryCache:
    """The last loaded directory, refreshed in the background every `ttl` seconds.

    RCPT answers from memory; if the database is down the last snapshot keeps working.
    """

    def __init__(self, loader: Callable[[], RecipientDirectory], ttl: float = 5.0) -> None:
        self._loader = loader
        self._ttl = ttl
        self._current: RecipientDirectory | None = None
        self._loaded_at = 0.0
        self._refreshing = False

    def get(self) -> RecipientDirectory | None:
        """The current snapshot (None if never loaded); triggers a refresh when stale."""
        if time.monotonic() - self._loaded_at > self._ttl and not self._refreshing:
            self._refreshing = True
            try:
                asyncio.get_running_loop().create_task(self._refresh())
            except RuntimeError:  # No loop (CLI use): refresh synchronously.
                self.refresh_now()
        return self._current

    async def _refresh(self) -> None:
        try:
            self._current = await asyncio.to_thread(self._loader)
            self._loaded_at = time.monotonic()
        except Exception as err:
            log.warning("recipient directory refresh failed, keeping the last one: %s", err)
            self._loaded_at = time.monotonic() - self._ttl + 1.0  # retry in a second
        finally:
            self._refreshing = False

    def refresh_now(self) -> RecipientDirectory:
        """Load synchronously (startup, tests, after an org import)."""
        try:
            self._current = self._loader()
            self._loaded_at = time.monotonic()
        finally:
            self._refreshing = False
        return self._current


def database_loader(
    db: Database, domain: str, gateway_locals: tuple[str, ...]
) -> Callable[[], RecipientDirectory]:
    """A loader closure reading the directory in a read-only transaction."""

    def load() -> RecipientDirectory:
        with db.read() as session:
            return load_directory(session, domain, gateway_locals)

    return load
