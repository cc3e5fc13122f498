"""Composition root: builds every dependency once from the settings, passes them down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gateway.config import ImapAccount, Settings
from gateway.core.directory import RecipientDirectory
from gateway.db.engine import Database, make_engine
from gateway.db.models import Outbox
from gateway.intake.directory_loader import DirectoryCache, database_loader, load_directory
from gateway.intake.imap.poller import AccountPoller, PollerDeps
from gateway.outbound.sender import OutboxSender
from gateway.pipeline.worker import Worker
from gateway.routing.cache import RoutingCache
from gateway.services import Services, make_services
from gateway.timefmt import utcnow
from gateway.ttl import Reused
from gateway.workflow.bounces import record_undeliverable
from gateway.workflow.intake_alerts import report_too_big
from gateway.workflow.scheduler import Scheduler


@dataclass
class App:
    """The wired application: database, clock, services, directory."""

    settings: Settings
    db: Database
    clock: Callable[[], dt.datetime]
    ctx: Services
    directory: DirectoryCache
    routing: RoutingCache = field(init=False)
    _worker_directory: Reused[RecipientDirectory] = field(init=False)

    def __post_init__(self) -> None:
        refresh = self.settings.worker.refresh_interval
        self.routing = RoutingCache(refresh)
        self._worker_directory = Reused(refresh)

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], dt.datetime] = utcnow) -> App:
        db = Database(make_engine(settings.database))
        mail = settings.mail
        cache = DirectoryCache(database_loader(db, mail.domain, mail.gateway_addresses))
        return cls(settings, db, clock, make_services(settings, clock), cache)

    def directory_for(self, session: Session) -> RecipientDirectory:
        """The directory as the worker sees it (reloaded after worker.refresh_interval)."""
        mail = self.settings.mail
        return self._worker_directory.get(
            lambda: load_directory(session, mail.domain, mail.gateway_addresses)
        )

    def fresh_directory(self) -> RecipientDirectory:
        """The same directory for threads without a session (IMAP pollers): its own read."""
        mail = self.settings.mail
        return self._worker_directory.get(
            database_loader(self.db, mail.domain, mail.gateway_addresses)
        )

    def worker(self) -> Worker:
        return Worker(self.db, self.ctx, self.directory_for, self.routing)

    def outbox_sender(self) -> OutboxSender:
        def undeliverable(session: Session, row: Outbox, detail: str, now: dt.datetime) -> None:
            record_undeliverable(session, self.ctx, row, detail, now)

        return OutboxSender(self.db, self.settings, self.clock, undeliverable)

    def imap_poller(self, account: ImapAccount, on_stored: Callable[[int], None]) -> AccountPoller:
        """A poller for one account, storing through the same path as SMTP."""

        def too_big(account: ImapAccount, folder: str, uid: int, size: int) -> None:
            with self.db.write() as session:
                report_too_big(session, self.ctx, account, folder, uid, size, self.clock())

        deps = PollerDeps(
            self.db, self.settings, self.clock, self.fresh_directory, on_stored, too_big
        )
        return AccountPoller(deps, account)

    def scheduler(self) -> Scheduler:
        return Scheduler(self.db, self.ctx, self.clock)

    def close(self) -> None:
        self.db.dispose()
