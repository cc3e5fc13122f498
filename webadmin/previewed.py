"""A document edited in the panel (rules, organisation) is saved only exactly as it was
previewed: the posted text as the browser sent it, and an HMAC digest that proves it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aiohttp import web

from webadmin.auth import SECRET_KEY


def posted_text(form: Any, limit: int) -> str:
    """The posted YAML with line ends as we sent them: browsers submit every newline of a
    form field as CRLF, which would otherwise change the text (and its digest)."""
    return str(form.get("yaml", "")).replace("\r\n", "\n")[:limit]


def digest(request: web.Request, label: str, text: str) -> str:
    """The digest of a previewed text under [web] secret_key, one label per document kind."""
    message = f"tnde-{label}\0".encode() + text.encode("utf-8")
    return hmac.new(request.app[SECRET_KEY], message, hashlib.sha256).hexdigest()


def same_as_previewed(request: web.Request, label: str, text: str, form: Any) -> bool:
    """Whether the posted digest is the one the preview gave this very text."""
    submitted = str(form.get("digest", "")).encode("utf-8", "replace")
    return hmac.compare_digest(digest(request, label, text).encode("ascii"), submitted)
