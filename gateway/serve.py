"""`tnde serve`: SMTP, LMTP, web panel, pipeline workers and outbox on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from gateway.app import App
from gateway.config import Settings, parse_listen, unreadable
from gateway.core.tokens import is_authentic
from gateway.intake.groupcommit import GroupCommit
from gateway.intake.replylimit import UnverifiedReplyLimit
from gateway.intake.smtp import IntakeHandler, SharedLimits, start_listener
from gateway.intake.store import Envelope
from gateway.isolation.memory import large_allocations_returnable
from gateway.metrics import (
    PROCESSES,
    multiprocess_directory,
    remove_stale_directories,
    start_listener_counts,
)
from gateway.workerprocs import WorkerProcesses
from webadmin.app import create_app
from webadmin.health import LISTENERS

log = logging.getLogger("tnde.serve")
# How long shutdown waits for an IMAP poller to notice the stop event (it checks it at
# least once per IDLE round or poll interval); after that the daemon thread is abandoned.
THREAD_STOP_SECONDS = 30.0
# How long `serve` waits for its worker processes to start before it reports itself
# started anyway (a child that cannot start is restarted by WorkerProcesses.watch).
WORKERS_READY_SECONDS = 60.0


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The STARTTLS context of the SMTP listener, or None without a certificate."""
    smtp = settings.smtp
    if not smtp.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(smtp.tls_cert, smtp.tls_key)
    except (OSError, ssl.SSLError) as err:
        raise unreadable("smtp.tls_cert", f"{smtp.tls_cert}: {err}") from err
    return context


@dataclass
class Running:
    """Handles of everything `serve` started, for a clean shutdown."""

    servers: list[asyncio.Server] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # IMAP pollers are blocking threads of their own (not the default executor, which SMTP
    # storage and the workers need); they watch this event to stop.
    thread_stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    web_runner: web.AppRunner | None = None
    addresses: dict[str, str] = field(default_factory=dict)
    # Registration in processes of its own ([worker] processes > 0), else None.
    workers: WorkerProcesses | None = None
    listeners: dict[str, asyncio.Server] = field(default_factory=dict)  # for /readyz


class ListenError(Exception):
    """A listener could not bind its address (in use, not ours, no permission)."""

    def __init__(self, key: str, target: tuple[str, int] | None, err: OSError) -> None:
        host, port = target or ("?", 0)
        reason = err.strerror or str(err)
        super().__init__(f"{key} {host}:{port}: {reason} (alamat tidak dapat dipakai)")


def make_store(app: App, wake: Callable[[], None]) -> Callable[[bytes, Envelope], Awaitable[int]]:
    """The storage callable intake uses: a group commit (messages of all sessions that
    arrive during one commit share the next), then wake the workers."""
    committer = GroupCommit(app.db, app.clock)

    async def store(raw: bytes, envelope: Envelope) -> int:
        inbound_id = await committer.store(raw, envelope)
        try:
            wake()
        except Exception:  # committed: the 250 stands; a worker finds it by polling
            log.exception("waking the workers failed")
        return inbound_id

    return store


def _load_secret(app: App) -> None:
    with app.db.read() as session:
        app.ctx.reply_secret(session)


def reply_limit(app: App) -> UnverifiedReplyLimit:
    """The SMTP listener's limit on tokenless replies, checking tokens with our secret."""

    def authentic(token: str) -> bool:
        secret = app.ctx.secret.loaded()
        if secret is None:  # Read once (a thread at start has normally done it already).
            try:
                with app.db.read() as session:
                    secret = app.ctx.reply_secret(session)
            except Exception as err:  # Database down: count it; never a 5xx for a reply.
                log.warning("reply secret unavailable, token not checked: %s", err)
                return False
        return is_authentic(secret, token)

    mail = app.settings.mail
    return UnverifiedReplyLimit(
        app.settings.smtp.unverified_replies_per_minute, mail.reply_local, authentic
    )


def _start_metrics(settings: Settings) -> None:
    """This process counted as live; what a serve killed with SIGKILL left in a
    persistent [metrics] directory removed."""
    PROCESSES.labels("serve").set(1)
    directory = multiprocess_directory()
    if settings.metrics.directory and directory is not None:
        remove_stale_directories(directory)


async def start(app: App, stop: asyncio.Event, worker_flags: tuple[str, ...] = ()) -> Running:
    """Start every configured listener and background task; return their handles.
    `worker_flags`: the command line's global flags, for worker processes."""
    settings = app.settings
    running = Running()
    await asyncio.to_thread(_start_metrics, settings)
    wake = asyncio.Event()
    _ = app.ctx  # built here, once, before worker threads share it
    try:
        await asyncio.to_thread(app.directory.refresh_now)
    except Exception as err:  # Start anyway: RCPT answers 451 until the database is back.
        log.error("could not load the recipient directory: %s", err)
    try:
        await asyncio.to_thread(_load_secret, app)
    except Exception as err:
        log.error("could not read the reply-token secret: %s", err)
    if settings.worker.processes > 0:
        running.workers = WorkerProcesses(
            settings.worker.processes, _config_path(settings), worker_flags
        )
        running.workers.start()
    workers = running.workers

    def notify() -> None:
        wake.set()
        if workers is not None:
            workers.wake()

    store = make_store(app, notify)
    shared = SharedLimits(settings.smtp.max_data_in_memory)
    for source, conf in (("smtp", settings.smtp), ("lmtp", settings.lmtp)):
        target = parse_listen(conf.listen, f"{source}.listen")
        if target is None:
            continue
        handler = IntakeHandler(
            source=source,
            directory=app.directory.get,
            store=store,
            allow_bare_lf_from=conf.allow_bare_lf_from,
            lmtp=source == "lmtp",
            reply_limit=reply_limit(app) if source == "smtp" else None,
        )
        try:
            server = await start_listener(
                handler,
                *target,
                max_message_size=settings.mail.max_message_size,
                hostname=settings.smtp.hostname or settings.mail.domain,
                timeout=conf.timeout,
                max_connections_per_ip=settings.smtp.max_connections_per_ip,
                max_sessions=settings.smtp.max_sessions,
                max_data_in_memory=settings.smtp.max_data_in_memory,
                tls_context=_tls_context(settings) if source == "smtp" else None,
                require_starttls=settings.smtp.require_starttls,
                shared=shared,
            )
        except OSError as err:
            await shutdown(running)
            raise ListenError(f"{source}.listen", target, err) from err
        running.servers.append(server)
        running.listeners[source] = server
        start_listener_counts(source)
        running.addresses[source] = _bound(server)
    try:
        await _start_web(app, running)
    except OSError as err:
        await shutdown(running)
        raise ListenError("web.listen", parse_listen(settings.web.listen, "web"), err) from err
    if workers is None:
        for _ in range(max(1, settings.worker.concurrency)):
            running.tasks.append(asyncio.create_task(app.worker().run(stop, wake)))
    else:
        running.tasks.append(asyncio.create_task(workers.watch(stop)))
        running.addresses["workers"] = f"{workers.count} ({_pids(workers)})"
    running.tasks.append(asyncio.create_task(app.outbox_sender().run(stop)))
    running.tasks.append(asyncio.create_task(app.scheduler().run(stop)))
    _start_imap(app, running, notify)
    return running


def _config_path(settings: Settings) -> str | None:
    return None if settings.source == "defaults" else settings.source


def _pids(workers: WorkerProcesses) -> str:
    return "pid " + ", ".join(str(pid) for pid in workers.pids())


def _start_imap(app: App, running: Running, notify: Callable[[], None]) -> None:
    """One thread per enabled [[imap]] account; each fails and recovers on its own."""
    loop = asyncio.get_running_loop()

    def stored(_inbound_id: int) -> None:
        loop.call_soon_threadsafe(notify)

    for account in app.settings.imap:
        if account.enabled:
            poller = app.imap_poller(account, stored)
            thread = threading.Thread(
                target=poller.run,
                args=(running.thread_stop,),
                name=f"imap-{account.name}",
                daemon=True,  # a poller stuck in a network call must not keep the process alive
            )
            thread.start()
            running.threads.append(thread)
            running.addresses[f"imap:{account.name}"] = (
                f"{account.host} {','.join(account.folders)}"
            )


async def _start_web(app: App, running: Running) -> None:
    target = parse_listen(app.settings.web.listen, "web.listen")
    if target is None:
        return
    application = create_app(app)
    listeners = running.listeners
    application[LISTENERS] = lambda: {name: s.is_serving() for name, s in listeners.items()}
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, target[0], target[1])
    await site.start()
    running.web_runner = runner
    sockets = getattr(site._server, "sockets", None) or []
    port = sockets[0].getsockname()[1] if sockets else target[1]
    running.addresses["web"] = f"http://{target[0]}:{port}/"


def _bound(server: asyncio.Server) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"{host}:{port}"


async def shutdown(running: Running) -> None:
    """Stop accepting, let sessions finish their reply, stop background tasks."""
    for server in running.servers:
        server.close()
    for server in running.servers:
        await server.wait_closed()
    if running.web_runner is not None:
        await running.web_runner.cleanup()
    running.thread_stop.set()
    for task in running.tasks:
        task.cancel()
    await asyncio.gather(*running.tasks, return_exceptions=True)
    joins = (asyncio.to_thread(thread.join, THREAD_STOP_SECONDS) for thread in running.threads)
    await asyncio.gather(*joins)
    if running.workers is not None:
        await asyncio.to_thread(running.workers.stop)


async def serve(
    app: App,
    on_started: Callable[[Running], None] | None = None,
    worker_flags: tuple[str, ...] = (),
) -> None:
    """Run until SIGINT or SIGTERM."""
    large_allocations_returnable()  # messages of many MB must not stay in RSS at rest
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    running = await start(app, stop, worker_flags)
    if running.workers is not None:
        # Mail is already accepted; the banner waits until letters are also registered,
        # or until a stop request, which then comes first.
        ready = asyncio.create_task(running.workers.wait_ready(WORKERS_READY_SECONDS))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({ready, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not ready.done():
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
        elif not ready.result():
            log.warning("worker processes not registering after %.0f s", WORKERS_READY_SECONDS)
    if on_started and not stop.is_set():
        on_started(running)
    await stop.wait()
    log.info("stopping")
    await shutdown(running)
