"""Composition root: builds every dependency once from the settings, passes them down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from gateway.config import ImapAccount, Settings, unreadable
from gateway.core.directory import RecipientDirectory
from gateway.db.engine import Database, make_engine
from gateway.intake.directory_loader import DirectoryCache, database_loader, load_directory
from gateway.routing.cache import RoutingCache
from gateway.timefmt import utcnow
from gateway.ttl import Reused

if TYPE_CHECKING:
    # The running parts (worker, pollers, sender, scheduler) are imported when built, so
    # a command such as `tnde naskah list` does not pay for the parser, PDF reader and
    # IMAP client at start-up.
    from gateway.core.prepared import PdfSignatureCheck, SenderTrust
    from gateway.intake.imap.poller import AccountPoller
    from gateway.isolation.pdftext import PdfTextSandbox
    from gateway.outbound.dkimsign import DkimSigner
    from gateway.outbound.sender import OutboxSender
    from gateway.pipeline.worker import Worker
    from gateway.senderauth.verify import Verifier
    from gateway.services import Services
    from gateway.workflow.scheduler import Scheduler


@dataclass
class App:
    """The wired application: database, clock, services, directory."""

    settings: Settings
    db: Database
    clock: Callable[[], dt.datetime]
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
        cache = DirectoryCache(database_loader(db, mail.domain, settings.gateway_locals()))
        return cls(settings, db, clock, cache)

    @cached_property
    def ctx(self) -> Services:
        """Mail composition, templates and identity: built when first needed, so commands
        that only read the register skip the template engine and the MIME parser."""
        from gateway.services import make_services

        return make_services(self.settings, self.clock)

    def directory_for(self, session: Session) -> RecipientDirectory:
        """The directory as the worker sees it (reloaded after worker.refresh_interval)."""
        mail = self.settings.mail
        return self._worker_directory.get(
            lambda: load_directory(session, mail.domain, self.settings.gateway_locals())
        )

    def fresh_directory(self) -> RecipientDirectory:
        """The same directory for threads without a session (IMAP pollers): its own read."""
        mail = self.settings.mail
        return self._worker_directory.get(
            database_loader(self.db, mail.domain, self.settings.gateway_locals())
        )

    def worker(self) -> Worker:
        from gateway.pipeline.worker import Worker

        return Worker(
            self.db,
            self.ctx,
            self.directory_for,
            self.routing,
            self.sender_trust,
            self.verifier,
            self.pdf_signatures,
            self.pdf_sandbox.for_letter,
        )

    @cached_property
    def pdf_sandbox(self) -> PdfTextSandbox:
        """The child process that reads PDF text within [worker] extraction limits."""
        from gateway.isolation.pdftext import PdfTextSandbox

        worker = self.settings.worker
        return PdfTextSandbox(worker.extraction_timeout, worker.extraction_memory_mb)

    @cached_property
    def pdf_signatures(self) -> PdfSignatureCheck | None:
        """Validates TTE in PDF files against [tte] trust_roots, or None when off."""
        tte = self.settings.tte
        if not tte.verify_incoming:
            return None
        from gateway.tte.trust import TrustStoreError, load_roots
        from gateway.tte.validate import PdfSignatureValidator

        try:
            validator = PdfSignatureValidator(load_roots(tte.trust_roots))
        except TrustStoreError as err:
            raise unreadable("tte.trust_roots", str(err)) from err

        def check(filename: str, data: bytes) -> list[dict[str, Any]]:
            return [c.as_dict() for c in validator.check(filename, data)]

        return check

    @cached_property
    def sender_trust(self) -> SenderTrust:
        """Whose Authentication-Results count, and the domains a sender must not imitate."""
        from gateway.core.prepared import SenderTrust

        settings = self.settings
        own = {settings.mail.domain.lower()}
        return SenderTrust(
            trusted_ids=settings.mail.trusted_authserv_ids,
            own_id=settings.auth.own_id(settings),
            known_domains=frozenset(d.lower() for d in settings.auth.correspondent_domains),
            own_domains=frozenset(own),
            verify_smtp=settings.auth.verify_smtp,
            relay_peers=frozenset(settings.auth.relay_peers),
        )

    @cached_property
    def verifier(self) -> Verifier | None:
        """The sender checks of mail received directly over SMTP, or None when off."""
        auth = self.settings.auth
        if not auth.verify_smtp:
            return None
        from gateway.senderauth.lookup import make_resolver
        from gateway.senderauth.verify import Verifier

        return Verifier(
            self.settings.auth.own_id(self.settings),
            make_resolver(auth.nameservers, auth.dns_port),
            timeout=auth.dns_timeout,
            # A letter still being checked must not look abandoned to another worker:
            # the budget stays well inside the claim's lease.
            budget=min(auth.dns_budget, self.settings.worker.lease_seconds / 2),
        )

    def outbox_sender(self) -> OutboxSender:
        from gateway.db.models import Outbox
        from gateway.outbound.sender import OutboxSender
        from gateway.workflow.bounces import record_undeliverable

        def undeliverable(session: Session, row: Outbox, detail: str, now: dt.datetime) -> None:
            record_undeliverable(session, self.ctx, row, detail, now)

        return OutboxSender(self.db, self.settings, self.clock, undeliverable, self.dkim_signer())

    def dkim_signer(self) -> DkimSigner | None:
        """The DKIM signer of [dkim], or None without a key; ConfigError when unreadable."""
        from gateway.outbound.dkimsign import DkimKeyError, DkimSigner

        dkim = self.settings.dkim
        if not dkim.private_key:
            return None
        try:
            return DkimSigner.from_file(
                dkim.signing_domain(self.settings), dkim.selector, dkim.private_key
            )
        except DkimKeyError as err:
            raise unreadable("dkim.private_key", str(err)) from err

    def imap_poller(self, account: ImapAccount, on_stored: Callable[[int], None]) -> AccountPoller:
        """A poller for one account, storing through the same path as SMTP."""
        from gateway.intake.imap.poller import AccountPoller, PollerDeps
        from gateway.workflow.intake_alerts import report_too_big

        def too_big(account: ImapAccount, folder: str, uid: int, size: int) -> None:
            with self.db.write() as session:
                report_too_big(session, self.ctx, account, folder, uid, size, self.clock())

        deps = PollerDeps(
            self.db, self.settings, self.clock, self.fresh_directory, on_stored, too_big
        )
        return AccountPoller(deps, account)

    def scheduler(self) -> Scheduler:
        from gateway.workflow.scheduler import Scheduler

        return Scheduler(self.db, self.ctx, self.clock)

    def close(self) -> None:
        if "pdf_sandbox" in self.__dict__:
            self.pdf_sandbox.close()
        self.db.dispose()
