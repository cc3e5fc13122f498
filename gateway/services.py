"""The application's services, built once in the composition root and passed down.

Settings, templates, the sender identity, the clock, the reply-token secret, the cached
organisation, and the two things every flow does: queue an outgoing mail and record a
system event.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.audit import record_event
from gateway.config import Settings
from gateway.core.tokens import make_login_request_token, make_tracking_token
from gateway.db.models import Event, Outbox
from gateway.db.secret import read_secret
from gateway.org.cache import OrgCache
from gateway.outbound.compose import Identity, OutgoingMail, compose
from gateway.outbound.outbox import enqueue
from gateway.outbound.render import Renderer
from gateway.parsing.message import Limits
from gateway.timefmt import local

# Kinds that count against the per-recipient daily cap. Notices and updates never do, and
# neither do the security mail about unverified replies (confirmation, security_alert),
# which is bounded per letter and hour instead: a flood of forged replies must never use
# up the cap that answers the official's own commands.
CAPPED_KINDS = ("reminder", "escalation", "digest", "command_receipt", "alert", "tracking_status")


class ReplySecret:
    """The HMAC key of reply tokens: read from the configuration or database once."""

    def __init__(self, configured: str) -> None:
        self._configured = configured
        self._value: bytes | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> bytes:
        """The secret; the first call reads it (and, on an old database, makes it)."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = read_secret(session, self._configured)
        return self._value

    def loaded(self) -> bytes | None:
        """The secret if already read, without touching the database."""
        return self._value


@dataclass(frozen=True)
class Services:
    """Dependencies of every flow besides the database, built once in the composition root."""

    settings: Settings
    renderer: Renderer
    identity: Identity
    clock: Callable[[], dt.datetime]
    secret: ReplySecret
    org: OrgCache

    @property
    def limits(self) -> Limits:
        worker = self.settings.worker
        return Limits(max_depth=worker.max_mime_depth, max_parts=worker.max_mime_parts)

    def reply_secret(self, session: Session) -> bytes:
        return self.secret.get(session)

    def tracking_links(self, session: Session, naskah_id: int, address: str) -> tuple[str, str]:
        """(page, Reply-To) of a receipt: /lacak/<token> and balasan+<token>@domain, the
        token binding the letter to the address the receipt goes to. Without [web]
        public_url the page is on the local listener (enough for the demo)."""
        token = make_tracking_token(self.reply_secret(session), naskah_id, address)
        mail = self.settings.mail
        return f"{self.panel_base()}/lacak/{token}", f"{mail.reply_local}+{token}@{mail.domain}"

    def panel_base(self) -> str:
        """Where the panel is reached: [web] public_url, else the local listener (demo)."""
        web = self.settings.web
        return web.public_url.rstrip("/") or f"http://{web.listen}"

    def secret_letter_url(
        self, session: Session, person_id: int, naskah_id: int, now: dt.datetime
    ) -> str:
        """An SR/R notice's link for one holder: asks for a one-time sign-in link to the
        holder's own address, then opens the letter (valid as long as reply tokens)."""
        mail = self.settings.mail
        expires = local(now, mail.timezone).date() + dt.timedelta(days=mail.reply_token_days)
        token = make_login_request_token(self.reply_secret(session), person_id, naskah_id, expires)
        return f"{self.panel_base()}/masuk/surat/{token}"

    def system_event(
        self,
        session: Session,
        type: str,
        now: dt.datetime,
        payload: dict[str, Any] | None = None,
        *,
        naskah_id: int | None = None,
        disposition_id: int | None = None,
        inbound_id: int | None = None,
    ) -> Event:
        """An event the gateway itself records (actor and channel "system")."""
        return record_event(
            session,
            type=type,
            actor="system",
            channel="system",
            now=now,
            payload=payload,
            naskah_id=naskah_id,
            disposition_id=disposition_id,
            inbound_id=inbound_id,
        )

    def sent_today(self, session: Session, address: str, now: dt.datetime) -> int:
        """Capped automatic mails already queued to `address` since local midnight."""
        zone = self.settings.mail.timezone
        today = local(now, zone)
        midnight = dt.datetime.combine(today.date(), dt.time(), today.tzinfo)
        return int(
            session.execute(
                select(func.count())
                .select_from(Outbox)
                .where(
                    Outbox.rcpt_to == address,
                    Outbox.kind.in_(CAPPED_KINDS),
                    Outbox.created_at >= midnight.astimezone(dt.UTC),
                )
            ).scalar_one()
        )

    def queue_mail(
        self,
        session: Session,
        mail: OutgoingMail,
        now: dt.datetime,
        *,
        naskah_id: int | None = None,
        disposition_id: int | None = None,
        person_id: int | None = None,
        inbound_id: int | None = None,
    ) -> Outbox | None:
        """The one way to queue a mail: compose, enqueue; capped kinds past the daily
        limit are recorded (mail_capped), not sent."""
        if mail.kind in CAPPED_KINDS:
            limit = self.settings.workflow.max_auto_mails_per_day
            if self.sent_today(session, mail.to_address, now) >= limit:
                self.system_event(
                    session,
                    "mail_capped",
                    now,
                    naskah_id=naskah_id,
                    disposition_id=disposition_id,
                    payload={"to": mail.to_address, "kind": mail.kind, "limit": limit},
                )
                return None
        return enqueue(
            session,
            compose(mail, self.identity, now),
            kind=mail.kind,
            rcpt_to=mail.to_address,
            identity=self.identity,
            now=now,
            naskah_id=naskah_id,
            disposition_id=disposition_id,
            person_id=person_id,
            inbound_id=inbound_id,
        )


def make_services(settings: Settings, clock: Callable[[], dt.datetime]) -> Services:
    """Build the services from settings (instance id defaults to host name + domain)."""
    mail = settings.mail
    identity = Identity(
        domain=mail.domain,
        from_local=mail.sender_local,
        from_name=mail.sender_name,
        instance_id=mail.instance_id or f"{socket.gethostname()}/{mail.domain}",
    )
    renderer = Renderer(settings.templates.directory, mail.timezone)
    return Services(
        settings, renderer, identity, clock, ReplySecret(mail.reply_secret), OrgCache(mail.domain)
    )
