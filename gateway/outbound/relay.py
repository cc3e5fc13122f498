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
    """One SMTP transaction to the smarthost (blocking; run it in a thread)."""
    target = parse_listen(settings.smarthost, "outbound.smarthost")
    if target is None:
        return DeliveryResult("temporary", "no smarthost configured")
    for role, address in (("sender", mail_from), ("recipient", rcpt)):
        # Only a validated address reaches the SMTP client: a CR or LF in one would be a
        # second command to the smarthost (smtplib does not check).
        if address and ascii_address(address) != address.lower():
            return DeliveryResult("permanent", f"invalid {role} address {address!r}")
    host, port = target
    try:
        with smtplib.SMTP(host, port, timeout=settings.timeout, local_hostname=helo) as client:
            client.ehlo()
            if settings.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password)
            client.sendmail(mail_from, [rcpt], message)
            return DeliveryResult("sent", "250 accepted by smarthost")
    except smtplib.SMTPRecipientsRefused as err:
        code, text = err.recipients.get(rcpt, (450, b"recipient refused"))
        return _classify(code, text)
    except smtplib.SMTPResponseException as err:
        # Sender refused, DATA refused, auth failure: the server said why, with a code.
        return _classify(err.smtp_code, err.smtp_error)
    except (OSError, smtplib.SMTPException) as err:
        # Connection refused, timeouts, TLS trouble: the smarthost may come back.
        return DeliveryResult("temporary", f"{type(err).__name__}: {err}")
