"""Requests per client address per minute, in memory (one panel process per node)."""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from aiohttp import web

_LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


class ClientLimit:
    """A sliding one-minute window per client; the least recently seen clients are
    forgotten past `max_clients`, so a flood of addresses cannot grow memory."""

    def __init__(
        self,
        per_minute: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute, self.max_clients, self.clock = per_minute, max_clients, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        now = self.clock()
        times = self._seen.pop(client, None) or deque()
        while times and now - times[0] >= 60.0:
            times.popleft()
        allowed = len(times) < self.per_minute
        if allowed:
            times.append(now)
        self._seen[client] = times
        while len(self._seen) > self.max_clients:
            self._seen.popitem(last=False)
        return allowed


def client_address(request: web.Request) -> str:
    """The client: the direct peer, or, when the peer is the nginx on this host
    (deploy/nginx/tnde.conf), the address nginx reports (X-Real-IP, else the last
    X-Forwarded-For hop, the one nginx itself appended). Headers from anyone else are
    ignored: they are the client's to forge."""
    peer = request.remote or ""
    if peer not in _LOOPBACK:
        return client_key(peer)
    real = request.headers.get("X-Real-IP", "").strip()
    if real:
        return client_key(real)
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    return client_key(hops[-1] if hops and hops[-1] else peer)


def client_key(address: str) -> str:
    """IPv6 clients by their /64 (one subscriber's whole prefix), IPv4 as they are."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
