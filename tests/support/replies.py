"""Helpers to find the notice someone got and answer it over SMTP like a mail client."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Outbox
from tests.support.gateway import RunningGateway, wait_for
from tests.support.queries import settled


def outgoing(app: App, to: str, kind: str = "notice") -> list[EmailMessage]:
    """Messages of one kind queued for one address, oldest first, parsed."""
    with app.db.read() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.rcpt_to == to, Outbox.kind == kind).order_by(Outbox.id)
        )
        return [message_from_bytes(bytes(r.message), policy=policy.default) for r in rows]  # type: ignore[misc]


def latest(app: App, to: str, kind: str = "notice") -> EmailMessage:
    found = wait_for(lambda: outgoing(app, to, kind), what=f"a {kind} to {to}")
    return found[-1]


def build_reply(
    notice: EmailMessage,
    sender: str,
    body: str,
    sender_name: str = "",
    to: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    quote: bool = True,
) -> EmailMessage:
    """A top-posted reply with the notice quoted below, as Gmail would write it."""
    reply = EmailMessage()
    reply["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    reply["To"] = to or str(notice["Reply-To"])
    reply["Subject"] = f"Re: {notice['Subject']}"
    reply["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    reply["In-Reply-To"] = str(notice["Message-ID"])
    reply["References"] = str(notice["Message-ID"])
    for name, value in (headers or {}).items():
        reply[name] = value
    quoted = ""
    if quote:
        original = notice.get_body(("plain",))
        text = original.get_content() if original is not None else ""
        quoted = (
            "\n\nPada Sel, 1 Des 2026 pukul 10.00 TNDE Gateway <tnde@x> menulis:\n"
            + "\n".join("> " + line for line in text.splitlines())
        )
    reply.set_content(body + quoted)
    for filename, ctype, data in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        reply.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return reply


def send_reply(
    gateway: RunningGateway, reply: EmailMessage, envelope_from: str | None = None
) -> None:
    """Deliver over SMTP to the reply's To address and wait for the pipeline."""
    with gateway.smtp() as client:
        client.send_message(
            reply,
            from_addr=envelope_from or reply["From"].addresses[0].addr_spec,
            to_addrs=[a.addr_spec for a in reply["To"].addresses],
        )
    wait_for(lambda: settled(gateway.app), what="reply processed")


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content().replace("\r\n", "\n") if body is not None else ""
