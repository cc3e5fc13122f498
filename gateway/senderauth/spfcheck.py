"""SPF (RFC 7208) of the client IP and MAIL FROM (or HELO) with pyspf over our resolver."""

from __future__ import annotations

import contextvars
from typing import Any

import dns.exception
import spf

from gateway.senderauth.lookup import Lookups

RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")

# pyspf reads its DNS function from a module attribute and offers no other seam. We set
# it once to a dispatcher that uses the Lookups of the check running in this thread, so
# the resolver and the letter's budget are still passed in per call, never shared.
_current: contextvars.ContextVar[Lookups] = contextvars.ContextVar("spf_lookups")


def _lookup(name: str, qtype: str, strict: Any = True, timeout: float = 0) -> list[Any]:
    try:
        found = _current.get().answer(name, qtype)
    except dns.exception.DNSException as err:
        raise spf.TempError(f"DNS {err}") from err
    if found is None:
        return []
    values: list[Any] = []
    for rdata in found:
        if qtype in ("A", "AAAA"):
            values.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            values.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            values.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            values.append(((name, qtype), rdata.strings))
    return values


spf.DNSLookup = _lookup


def check_spf(ip: str, mail_from: str, helo: str, lookups: Lookups) -> tuple[str, str]:
    """(result, explanation); an empty MAIL FROM (a bounce) is checked by its HELO name."""
    if not ip:
        return "none", "no client address"
    token = _current.set(lookups)
    try:
        query = spf.query(
            i=ip,
            s=mail_from,
            h=helo or "",
            timeout=lookups.timeout,
            querytime=max(lookups.deadline_left(), 0.001),
        )
        result, _code, explanation = query.check()
    except Exception as err:  # pyspf raises on a few malformed inputs: not a verdict
        return "permerror", f"{type(err).__name__}: {err}"
    finally:
        _current.reset(token)
    result = str(result).lower()
    return (result if result in RESULTS else "permerror"), str(explanation or "")
