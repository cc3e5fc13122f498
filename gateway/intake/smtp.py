"""SMTP and LMTP listeners on aiosmtpd: one handler, one storage path, two protocols."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from gateway.core.directory import RecipientDirectory
from gateway.intake.dataread import read_data
from gateway.intake.replylimit import UnverifiedReplyLimit
from gateway.intake.store import Envelope
from gateway.isolation.memory import return_memory
from gateway.logs import letter, raw_message_id, redact
from gateway.metrics import count_reply

log = logging.getLogger("tnde.intake")
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection

# Replies, each with an RFC 3463 enhanced code and a short Indonesian gloss for the
# human who reads the bounce.
R250 = "250 2.0.0 OK: accepted as {id} (diterima)"
R421_TOO_MANY = "421 4.7.0 Too many connections from your address (terlalu banyak koneksi)"
R452_BUDGET = (
    "452 4.3.1 Too much mail being received at once, try again later"
    " (server sedang sibuk menerima surat, coba lagi nanti)"
)
R421_BUSY = (
    "421 4.3.2 Too many connections in all, try again later (server sedang penuh, coba lagi nanti)"
)
R451_STORE = "451 4.3.0 Temporary failure storing the message, try again later (gangguan sementara)"
R451_DIRECTORY = "451 4.3.0 Recipient directory unavailable, try again later (gangguan sementara)"
R550_UNKNOWN = "550 5.1.1 <{address}>: no such unit or position here (alamat tujuan tidak dikenal)"
R450_UNVERIFIED = (
    "450 4.7.1 Too many replies without a valid reply address from your address, try again"
    " later (terlalu banyak balasan tanpa alamat balasan bertoken)"
)
R552_SIZE = "552 5.3.4 Message too big: the limit is {limit} bytes (ukuran pesan melebihi batas)"
R554_BARE_NEWLINE = (
    "554 5.6.0 Message refused: bare CR or LF line ending in DATA; use CRLF"
    " (SMTP smuggling protection, CVE-2024-27305 class)"
)
R500_LINE = "500 5.5.2 Line too long: the limit is 998 characters (RFC 5322 2.1.1)"

# aiosmtpd answers size and line errors itself without enhanced codes; rewrite them.
_DATA_REFUSALS = {"size": R552_SIZE, "line": R500_LINE, "budget": R452_BUDGET}
_AIOSMTPD_REWRITES = (
    ("552 Error: Too much mail data", "size"),
    ("552 Error: message size exceeds fixed maximum message size", "size"),
    ("500 Line too long", "line"),
    ("530 Must issue a STARTTLS command first", "starttls"),
)
R530_STARTTLS = "530 5.7.0 Must issue a STARTTLS command first (wajib STARTTLS terlebih dahulu)"

# `<dot-atom@host.name>` and parameters: the forward-path or reverse-path of nearly all
# mail; quoted local parts, address literals, source routes go the long way.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PLAIN_PATH = re.compile(rf"\s*<({_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*)>(?:\s+(.*)|)\Z")

# A CR not followed by LF, or an LF not preceded by CR.
_BARE_NEWLINE = re.compile(rb"\r(?!\n)|(?<!\r)\n")


def has_bare_newline(raw: bytes) -> bool:
    """A CR without LF or an LF without CR anywhere. Counting runs in C; only when the
    counts differ does the regex look (it costs about 1 ms per 20 KiB)."""
    pairs = raw.count(b"\r\n")
    if raw.count(b"\r") == pairs and raw.count(b"\n") == pairs:
        return False
    return _BARE_NEWLINE.search(raw) is not None


StoreFunc = Callable[[bytes, Envelope], Awaitable[int]]
# After a burst of large messages, hand freed memory back to the system.
TRIM_AFTER_BURST = 64 * 1024 * 1024
# Reserved beyond a declared SIZE: dot-stuffing and a client's final CRLF.
SLACK = 64 * 1024
# Reserved for a body of undeclared size before its first byte (then grown as it comes).
FIRST_RESERVATION = 256 * 1024


@dataclass
class DataBudget:
    """Bytes of message data the listeners may hold in memory at once, across sessions.

    Each DATA reserves, before the 354, the SIZE its client declared in MAIL FROM (RFC
    1870, with slack), else FIRST_RESERVATION, and more as its body grows past that
    (_Reservation). Past the budget, or past one address's share of it, DATA is answered
    "452 4.3.1" (after the body when it grew too far) and the client retries. This
    counts message bytes, not process memory: holding a message costs the process about
    three times its size while it is received and stored (measured, bench/hostile.py).
    """

    capacity: int
    # One address may hold at most this share, so a few idle DATA sessions from one
    # client cannot keep everyone else waiting.
    per_address_share: float = 0.25
    reserved: int = 0
    peak: int = 0
    by_address: Counter[str] = field(default_factory=Counter)

    def reserve(self, size: int, address: str = "", own: int = 0) -> bool:
        """Reserve `size` more bytes for `address`; `own` is what the asking message
        holds already (it grows as its body arrives)."""
        if self.reserved + size > self.capacity:
            return False
        held = self.by_address[address]
        if held > own and held + size > self.capacity * self.per_address_share:
            # An address's only message may use the whole budget; beside another of its
            # messages, the address stays within its share.
            return False
        self.reserved += size
        self.by_address[address] += size
        self.peak = max(self.peak, self.reserved)
        return True

    def release(self, size: int, address: str = "") -> None:
        self.reserved = max(0, self.reserved - size)
        self.by_address[address] -= size
        if self.by_address[address] <= 0:
            del self.by_address[address]
        if self.reserved == 0 and self.peak > TRIM_AFTER_BURST:
            self.peak = 0
            return_memory()


class _Reservation:
    """One DATA's share of the budget: a first part before the 354, more as bytes arrive.

    A declared SIZE (RFC 1870) is reserved up front with slack for dot-stuffing; without
    one, FIRST_RESERVATION, doubled as the body grows, up to the size limit. So clients
    that declare nothing (smtp-source, some scanners) are not each charged the full
    size limit: twenty of them from one address are not told 452 for 20 KiB letters."""

    def __init__(self, budget: DataBudget | None, address: str, limit: int | None) -> None:
        self.budget = budget
        self.address = address
        self.ceiling = (limit or (budget.capacity if budget else 0)) + SLACK
        self.held = 0

    def start(self, declared: int | None) -> bool:
        first = FIRST_RESERVATION if declared is None else declared + declared // 8 + SLACK
        return self._take(min(first, self.ceiling))

    def cover(self, size: int) -> bool:
        """Make the reservation cover `size` bytes; False when the budget cannot. It grows
        by doubling (few budget calls), or by just what is needed when that is all left."""
        if self.budget is None or size <= self.held:
            return True
        return self._take(max(size, min(self.held * 2, self.ceiling))) or self._take(size)

    def _take(self, total: int) -> bool:
        if self.budget is None:
            return True
        if not self.budget.reserve(total - self.held, self.address, own=self.held):
            return False
        self.held = total
        return True

    def release(self) -> None:
        if self.budget is not None and self.held:
            self.budget.release(self.held, self.address)
            self.held = 0


class SharedLimits:
    """What all listeners of a process share: the budget for message data in memory."""

    def __init__(self, max_data_in_memory: int) -> None:
        self.budget = DataBudget(max_data_in_memory) if max_data_in_memory > 0 else None


def _declared_size(options: list[str]) -> int | None:
    for option in options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


DirectoryFunc = Callable[[], RecipientDirectory | None]


@dataclass
class IntakeHandler:
    """aiosmtpd handler: validate recipients, store DATA durably, then answer."""

    source: str  # smtp | lmtp
    directory: DirectoryFunc
    store: StoreFunc
    allow_bare_lf_from: tuple[str, ...] = ()
    lmtp: bool = False
    # SMTP only: behind Postfix (LMTP) every message comes from the one trusted peer.
    reply_limit: UnverifiedReplyLimit | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        directory = self.directory()
        if directory is None:
            # The directory never loaded (database down since start): let the client retry.
            return R451_DIRECTORY
        recipient = directory.resolve(address)
        if recipient is None:
            # Unknown local part, foreign domain or relay trick: we never relay.
            log.info("rcpt refused %s from %s", redact(address), session.peer)
            return R550_UNKNOWN.format(address=_printable(address))
        limit = self.reply_limit
        if limit is not None and limit.counts(recipient, envelope.mail_from or ""):
            peer_ip = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
            if not limit.allow(peer_ip):
                shown = redact(address)
                log.warning("rcpt %s deferred: tokenless reply rate from %s", shown, peer_ip)
                return R450_UNVERIFIED
        envelope.rcpt_tos.append(recipient.address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        peer_ip = session.peer[0] if session.peer else ""
        if peer_ip not in self.allow_bare_lf_from and has_bare_newline(raw):
            # Bare CR/LF is how smuggled messages hide a second end-of-data marker.
            return self._per_recipient(envelope, R554_BARE_NEWLINE)
        meta = Envelope(
            source=self.source,
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            peer=_peer_text(session.peer),
            helo=session.host_name,
        )
        with letter(message_id=raw_message_id(raw)):
            try:
                inbound_id = await self.store(raw, meta)
            except Exception:
                # Nothing was committed (rolled back): the client keeps the mail.
                log.exception("storing message from %s failed", meta.peer)
                return self._per_recipient(envelope, R451_STORE)
            rcpts = ", ".join(redact(r) for r in meta.rcpt_tos)
            with letter(inbound_id=inbound_id):
                log.info("accepted inbound %s from %s for %s", inbound_id, meta.mail_from, rcpts)
        return self._per_recipient(envelope, R250.format(id=inbound_id))

    async def handle_exception(self, error: Exception) -> str:
        log.exception("SMTP session error", exc_info=error)
        return R451_STORE

    def _per_recipient(self, envelope: Any, status: str) -> str:
        """LMTP answers once per accepted recipient (RFC 2033); SMTP answers once."""
        if not self.lmtp:
            return status
        return "\r\n".join(status for _ in envelope.rcpt_tos)


def _printable(address: str) -> str:
    """Strip control characters before echoing an address back in a reply."""
    return "".join(ch for ch in address if ch.isprintable() and ch not in "<>")[:320]


def _peer_text(peer: Any) -> str | None:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer) if peer else None


class _GatewayProtocolMixin:
    """Connection caps and enhanced status codes on top of aiosmtpd's protocol."""

    connections: Counter[str]
    envelope: Any
    session: Any
    line_length_limit: int
    _reader: asyncio.StreamReader
    _writer: asyncio.StreamWriter
    _set_post_data_state: Callable[[], None]

    async def _call_handler_hook(self, command: str, *args: Any) -> Any:
        status = await super()._call_handler_hook(command, *args)  # type: ignore[misc]
        if command in ("RCPT", "DATA") and isinstance(status, str):
            self._count(command.lower(), status)  # the handler decided: accept or refuse
        return status

    def _count(self, stage: str, status: str) -> None:
        listener = getattr(getattr(self, "event_handler", None), "source", "smtp")
        count_reply(listener, stage, status)

    max_per_ip: int
    max_sessions: int = 0
    budget: DataBudget | None = None
    data_size_limit: int | None
    _peer_ip: str = ""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parsing, with a fast path for the plain `<local@domain>`
        every MTA sends: the library's parser (and a class it builds on every call) was
        a tenth of the intake's CPU. Anything unusual goes to aiosmtpd as before."""
        plain = _PLAIN_PATH.match(arg)
        if plain is None:
            return super()._getaddr(arg)  # type: ignore[misc, no-any-return]
        address, rest = plain.group(1), plain.group(2) or ""
        limit = getattr(self, "local_part_limit", 0)
        if limit and len(address.rpartition("@")[0]) > limit:
            return None, None
        return address, rest

    async def smtp_DATA(self, arg: str) -> None:
        envelope = getattr(self, "envelope", None)
        session = getattr(self, "session", None)
        if arg or envelope is None or not envelope.rcpt_tos or not session or not session.host_name:
            await super().smtp_DATA(arg)  # type: ignore[misc]  # it answers these itself
            return
        reservation = _Reservation(self.budget, self._peer_ip, self.data_size_limit)
        if not reservation.start(_declared_size(envelope.mail_options)):
            self._count("data", R452_BUDGET)
            await self.push(R452_BUDGET)
            return
        try:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            try:
                read = await read_data(
                    self._reader, self.data_size_limit, self.line_length_limit, reservation.cover
                )
            except asyncio.IncompleteReadError:
                self._writer.close()  # the client went away mid-DATA: nothing to answer
                return
            if read.refused:
                refusal = _DATA_REFUSALS[read.refused].format(limit=self.data_size_limit)
                # LMTP answers after the body once per accepted recipient (RFC 2033 4.2).
                handler = getattr(self, "event_handler", None)
                if isinstance(handler, IntakeHandler):
                    refusal = handler._per_recipient(envelope, refusal)
                self._set_post_data_state()
                self._count("data", refusal)
                await self.push(refusal)
                return
            envelope.content = envelope.original_content = read.content
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            await self.push(status)
        finally:
            reservation.release()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if getattr(self, "_counted", False):
            # aiosmtpd calls this again with the TLS transport after STARTTLS: the same
            # session, already counted (counting it twice would never be undone).
            super().connection_made(transport)  # type: ignore[misc]
            return
        peer = transport.get_extra_info("peername")
        self._peer_ip = peer[0] if isinstance(peer, tuple) else str(peer)
        self.connections[self._peer_ip] += 1
        self._counted = True
        refusal = ""
        if self.max_per_ip and self.connections[self._peer_ip] > self.max_per_ip:
            refusal = R421_TOO_MANY
        elif self.max_sessions and self.connections.total() > self.max_sessions:
            # A global cap too: many addresses together must not use up the open-file
            # limit and starve everyone (each refused socket is closed at once).
            refusal = R421_BUSY
        if refusal:
            # Refuse before the greeting; the client retries later (4xx).
            assert isinstance(transport, asyncio.WriteTransport)
            self._count("connect", refusal)
            transport.write(refusal.encode() + b"\r\n")
            transport.close()
        super().connection_made(transport)  # type: ignore[misc]

    def connection_lost(self, error: Exception | None) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            self.connections[self._peer_ip] -= 1
            if self.connections[self._peer_ip] <= 0:
                del self.connections[self._peer_ip]
        super().connection_lost(error)  # type: ignore[misc]

    async def push(self, status: str | bytes) -> None:
        if isinstance(status, str):
            if status.startswith(("250-AUTH", "250 AUTH")):
                # No accounts log in here: aiosmtpd would advertise AUTH after STARTTLS
                # and invite a client to send a password we have no use for.
                return
            status = self._rewrite(status)
        await super().push(status)  # type: ignore[misc]

    def _rewrite(self, status: str) -> str:
        for prefix, kind in _AIOSMTPD_REWRITES:
            if status.startswith(prefix):
                if kind == "size":
                    return R552_SIZE.format(limit=self.data_size_limit)
                if kind == "starttls":
                    return R530_STARTTLS
                return R500_LINE
        return status


class GatewaySMTP(_GatewayProtocolMixin, SMTP):
    """SMTP with our reply texts and per-IP connection cap."""


class GatewayLMTP(_GatewayProtocolMixin, LMTP):
    """LMTP (RFC 2033) with our reply texts and per-IP connection cap."""


async def start_listener(
    handler: IntakeHandler,
    host: str,
    port: int,
    *,
    max_message_size: int,
    hostname: str,
    timeout: float,
    max_connections_per_ip: int,
    max_sessions: int = 0,
    max_data_in_memory: int = 0,
    tls_context: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    shared: SharedLimits | None = None,
) -> asyncio.Server:
    """Listen on host:port with the SMTP or LMTP protocol on the running loop; with a TLS
    context the SMTP listener offers STARTTLS (aiosmtpd 1.4.6+ discards commands sent in
    the same packet as STARTTLS, CVE-2024-34083)."""
    loop = asyncio.get_running_loop()
    # Sessions are counted per listener (LMTP's one peer is the trusted MTA); message
    # bytes in memory for the whole process, across listeners.
    connections: Counter[str] = Counter()
    budget = (shared or SharedLimits(max_data_in_memory)).budget
    protocol_class = GatewayLMTP if handler.lmtp else GatewaySMTP
    tls: dict[str, Any] = {}
    if tls_context is not None:
        tls = {"tls_context": tls_context, "require_starttls": require_starttls}

    def factory() -> Any:
        protocol = protocol_class(
            handler,
            data_size_limit=max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname or None,
            ident="tnde-gateway",
            timeout=timeout,
            loop=loop,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
            **tls,
        )
        protocol.connections = connections
        protocol.max_per_ip = max_connections_per_ip
        protocol.max_sessions = max_sessions
        protocol.budget = budget
        return protocol

    return await loop.create_server(factory, host, port, reuse_address=True)
