"""A queued message as a person reads it: decoded headers, the text, the attachments."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

SHOWN_HEADERS = (
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "Auto-Submitted",
)


def readable(raw: bytes) -> str:
    """Decoded headers, the plain-text body and the list of attachments."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    lines = [f"{name}: {msg[name]}" for name in SHOWN_HEADERS if msg[name] is not None]
    body = msg.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else "(tanpa teks)"
    files = [
        f"  - {part.get_filename()} ({part.get_content_type()}, "
        f"{len(part.get_payload(decode=True) or b'')} byte)"
        for part in msg.iter_attachments()
        if isinstance(part, EmailMessage)
    ]
    attachments = ["", f"Lampiran ({len(files)}):", *files] if files else []
    return "\n".join([*lines, "", text.rstrip("\n"), *attachments]) + "\n"
