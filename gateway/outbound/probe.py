"""Whether the smarthost answers: connect, EHLO, STARTTLS and AUTH as the sender would."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from gateway.config import OutboundSettings, parse_listen


@dataclass(frozen=True)
class Probe:
    """The smarthost's answer: its greeting when it took EHLO (and TLS and AUTH when
    configured), else what went wrong."""

    ok: bool
    detail: str


def probe_smarthost(settings: OutboundSettings, helo: str, timeout: float) -> Probe:
    """One connection, closed with QUIT; no mail is sent (blocking)."""
    target = parse_listen(settings.smarthost, "outbound.smarthost")
    if target is None:
        return Probe(False, "no smarthost configured")
    try:
        with smtplib.SMTP(timeout=timeout, local_hostname=helo) as client:
            code, banner = client.connect(*target)
            if code != 220:
                return Probe(False, _text(code, banner))
            greeting = _text(code, banner)
            code, answer = client.ehlo()
            if code != 250:
                return Probe(False, _text(code, answer))
            if settings.starttls:
                if not client.has_extn("starttls"):
                    return Probe(False, "STARTTLS not offered")
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password)
            return Probe(True, greeting)
    except smtplib.SMTPResponseException as err:
        return Probe(False, _text(err.smtp_code, err.smtp_error))
    except (OSError, smtplib.SMTPException) as err:
        return Probe(False, f"{type(err).__name__}: {err}"[:300])


def _text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"[:300]
