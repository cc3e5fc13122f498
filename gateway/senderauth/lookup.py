"""DNS for sender checks: one cached resolver, and a time budget per letter."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import dns.exception
import dns.name
import dns.resolver

# A name that cannot be asked at all (from a hostile d= or MAIL FROM) has no record; it
# must never read as a temporary DNS failure, which would soften a DMARC fail.
_MALFORMED = (
    dns.name.NameTooLong,
    dns.name.LabelTooLong,
    dns.name.EmptyLabel,
    dns.name.BadEscape,
    dns.name.IDNAException,
    dns.exception.SyntaxError,
    UnicodeError,
)


def make_resolver(nameservers: tuple[str, ...], port: int) -> dns.resolver.Resolver:
    """A resolver with its own answer cache; the system's servers when none are given."""
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
        resolver.port = port
    # Answers are kept for their TTL, so a busy day's letters from one agency cost one
    # lookup of its SPF, DKIM key and DMARC record.
    resolver.cache = dns.resolver.LRUCache(20_000)
    return resolver


class FailureCache:
    """Names whose lookup timed out lately: asked again only after `ttl` seconds, so a
    sender pointing at a dead server costs the worker its timeout once, not per letter."""

    def __init__(self, ttl: float = 60.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def failed(self, name: str, rdtype: str) -> bool:
        with self._lock:
            until = self._until.get((name.lower(), rdtype))
            return until is not None and until > time.monotonic()

    def remember(self, name: str, rdtype: str) -> None:
        with self._lock:
            if len(self._until) >= self.size:
                self._until.clear()  # crude, bounded: a flood of names costs memory never
            self._until[(name.lower(), rdtype)] = time.monotonic() + self.ttl


class OutOfTime(dns.exception.Timeout):
    """The letter's DNS budget is spent (or the name failed lately): a temporary error."""


@dataclass
class Lookups:
    """The lookups of one letter: each bounded by `timeout`, all together by `budget`."""

    resolver: dns.resolver.Resolver
    timeout: float
    budget: float
    failures: FailureCache | None = None
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.budget

    def deadline_left(self) -> float:
        """Seconds left of this letter's budget."""
        return self.deadline - time.monotonic()

    def answer(self, name: str, rdtype: str) -> dns.resolver.Answer | None:
        """The answer, or None when the name or the record type does not exist.

        A timeout, a server failure or a spent budget raises a DNSException: the caller
        reports `temperror`, which is not the same as "no record".
        """
        left = self.deadline_left()
        if left <= 0:
            raise OutOfTime("DNS budget for this letter spent")  # type: ignore[no-untyped-call]
        if self.failures is not None and self.failures.failed(name, rdtype):
            raise OutOfTime(f"{name} did not answer lately")  # type: ignore[no-untyped-call]
        try:
            return self.resolver.resolve(
                name, rdtype, lifetime=min(self.timeout, left), search=False
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, *_MALFORMED):
            return None
        except dns.exception.DNSException:
            if self.failures is not None:
                self.failures.remember(name, rdtype)
            raise

    def txt(self, name: str) -> list[bytes]:
        """Every TXT record at a name, each one's strings joined (RFC 7208 3.3)."""
        found = self.answer(name, "TXT")
        if found is None:
            return []
        return [b"".join(rdata.strings) for rdata in found]
