"""Hand one message to the smarthost; 4xx and connection trouble are temporary, 5xx not."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from gateway.config import OutboundSettings, parse_listen
from gateway.parsing.addresses import ascii_address


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one attempt: sent, temporary (retry later) or permanent (give up)."""

    outcome: str
    detail: str


def _classify(code: int, message: bytes | str) -> DeliveryResult:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    detail = f"{code} {text}".strip()
    if 500 <= code < 600:
        return DeliveryResult("permanent", detail)
    return DeliveryResult("temporary", detail)


def deliver(
    settings: OutboundSettings, helo: str, mail_from: str, rcpt: str, message: bytes
) -> DeliveryResult:
    """One SMTP transaction to the smarthost on a connection of its own (blocking)."""
    with SmarthostSession(settings, helo) as session:
        return session.send(mail_from, rcpt, message)


class SmarthostSession:
    """One connection to the smarthost for several messages (blocking; run it in a
    thread). Opening a connection (TCP, greeting, EHLO, STARTTLS, AUTH) cost more than
    sending a notice, so a batch shares one; after trouble the next message opens a
    fresh one."""

    def __init__(self, settings: OutboundSettings, helo: str) -> None:
        self.settings = settings
        self.helo = helo
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmarthostSession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _connected(self, host: str, port: int) -> smtplib.SMTP:
        if self._client is None:
            settings = self.settings
            client = smtplib.SMTP(host, port, timeout=settings.timeout, local_hostname=self.helo)
            try:
                client.ehlo()
                if settings.starttls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if settings.username:
                    client.login(settings.username, settings.password)
            except BaseException:
                client.close()
                raise
            self._client = client
        return self._client

    def send(self, mail_from: str, rcpt: str, message: bytes) -> DeliveryResult:
        """One message; the connection stays open for the next unless it failed."""
        target = parse_listen(self.settings.smarthost, "outbound.smarthost")
        if target is None:
            return DeliveryResult("temporary", "no smarthost configured")
        sender, recipient = _on_the_wire(mail_from), _on_the_wire(rcpt)
        if sender is None:
            # Our own envelope sender (configuration): not the recipient's fault, so never
            # a permanent failure that would mark the recipient's address undeliverable.
            return DeliveryResult("temporary", f"alamat pengirim amplop tidak sah: {mail_from!r}")
        if recipient is None:
            return DeliveryResult("permanent", f"alamat penerima tidak sah: {rcpt!r}")
        try:
            client = self._connected(*target)
            client.sendmail(sender, [recipient], message)
            return DeliveryResult("sent", "250 accepted by smarthost")
        except smtplib.SMTPRecipientsRefused as err:
            self._reset()
            code, text = err.recipients.get(recipient, (450, b"recipient refused"))
            return _classify(code, text)
        except smtplib.SMTPResponseException as err:
            # Sender refused, DATA refused, auth failure: the server said why, with a code.
            self._reset()
            return _classify(err.smtp_code, err.smtp_error)
        except (OSError, smtplib.SMTPException) as err:
            # Connection refused, timeouts, TLS trouble: the smarthost may come back.
            self.close()
            return DeliveryResult("temporary", f"{type(err).__name__}: {err}")

    def _reset(self) -> None:
        """After a refusal: RSET for the next message, or a fresh connection if that fails."""
        if self._client is None:
            return
        try:
            self._client.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


def _on_the_wire(address: str) -> str | None:
    """The address as the smarthost gets it, or None when it cannot be sent safely: no
    control character, space or angle bracket (a CR or LF would be a second SMTP command;
    smtplib does not check), ASCII (an internationalised domain in its IDNA form)."""
    if not address:
        return address  # the null sender of bounces
    if any(not ch.isprintable() or ch.isspace() or ch in "<>" for ch in address):
        return None
    if address.count("@") < 1:
        return None
    converted = ascii_address(address)
    if converted is not None:
        return converted
    # email-validator refuses some deliverable forms (a .local domain, a quoted local
    # part): pass them as written when they are plain ASCII.
    return address if address.isascii() else None
