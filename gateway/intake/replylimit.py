"""Per-client rate limit on replies without an authentic token (answered 450 4.7.1).

A reply to one of our notices normally goes to balasan+<token>@domain. Mail to the
gateway's own addresses without an authentic token can only be matched by References or
the subject tag, which anyone can guess; past `[smtp] unverified_replies_per_minute` from
one client address such mail is deferred at RCPT, so a flood of forged replies slows to
a trickle without touching genuine, tokenised replies.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.core.directory import Recipient

WINDOW_SECONDS = 60.0
# Past this many client addresses, idle ones are forgotten (checked only then: O(n) rarely).
MAX_TRACKED = 10_000
# postmaster@ must always be accepted (RFC 5321 4.5.1).
NEVER_LIMITED = ("postmaster",)


@dataclass
class UnverifiedReplyLimit:
    """Sliding one-minute window of tokenless replies per client IP address."""

    per_minute: int
    reply_local: str
    token_is_authentic: Callable[[str], bool]
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def counts(self, recipient: Recipient, mail_from: str) -> bool:
        """Whether this recipient makes the message a tokenless reply."""
        if recipient.kind != "gateway" or recipient.local in NEVER_LIMITED or not mail_from:
            return False  # A null sender is a bounce: classified as such, never acts.
        if recipient.local == self.reply_local and recipient.tag:
            return not self.token_is_authentic(recipient.tag)
        return True

    def allow(self, peer_ip: str) -> bool:
        """Record one attempt; False when this client is past its rate."""
        if self.per_minute <= 0:
            return True
        now = self.clock()
        seen = self._seen.setdefault(peer_ip, deque())
        while seen and now - seen[0] >= WINDOW_SECONDS:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return False
        seen.append(now)
        if len(self._seen) > MAX_TRACKED:
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose newest attempt left the window, so memory stays bounded."""
        for ip in [ip for ip, times in self._seen.items() if now - times[-1] >= WINDOW_SECONDS]:
            del self._seen[ip]
