"""/readyz (ready to take mail, JSON) and /metrics (Prometheus text format) of the gateway.

/healthz (webadmin/views.py) says the process is alive and its database answers;
/readyz says it is ready: the database is reachable and migrated to this code's head,
the SMTP/LMTP listeners are serving, and no enabled IMAP account has been failing longer
than `[metrics] imap_down_after`; else 503 with the reasons. Both need no sign-in.

Decision: /readyz stays public (load balancers probe it, and nginx passes it from the
office network), so a reason names only the check that failed, in a fixed text: never
the error itself, which can hold a database's host and user or an IMAP helper's command
line with its secret. The error goes to the gateway's log at WARNING, once per distinct
error of a check (not at every probe).

Who may read /metrics (decided here, documented in deploy/tnde.example.toml [metrics]):
Prometheus scrapes without a panel sign-in, so a request is let in when it carries
"Authorization: Bearer <[metrics] token>" (compared in constant time; no token
configured: none is accepted), or when it comes straight (no proxy header) from an
address in `[metrics] allow_from` (loopback by default). A request with X-Forwarded-For,
X-Real-IP or Forwarded came through a proxy such as the panel's nginx, whose own peer
address is loopback: it never counts as local, so the office network cannot read
/metrics through nginx. Everyone else gets 403.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import REGISTRY
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.engine import make_url

from gateway.catalogue import Catalogue
from gateway.db.health import imap_health, schema, snapshot
from gateway.metrics import StateCollector, multiprocess_directory
from gateway.timefmt import waktu
from webadmin.appkey import APP_KEY, app_of

if TYPE_CHECKING:
    from gateway.app import App

log = logging.getLogger("tnde.ready")

# Set by `tnde serve`: whether each listener (smtp, lmtp) is serving. A panel started
# without listeners (tests of the panel alone) has none to check.
LISTENERS: web.AppKey[Callable[[], dict[str, bool]]] = web.AppKey("tnde_listeners")
SCRAPE: web.AppKey[Scrape] = web.AppKey("tnde_scrape")
STARTED: web.AppKey[dt.datetime] = web.AppKey("tnde_started")
PROBLEMS: web.AppKey[Problems] = web.AppKey("tnde_ready_problems")
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


class Scrape:
    """What /metrics shows: the processes' counts, then the database's state."""

    def __init__(self, app: App) -> None:
        # Only the enabled accounts: one disabled or removed must not keep an alert firing.
        accounts = [a.name for a in app.settings.imap if a.enabled]
        self.state = StateCollector(
            lambda: snapshot(app.db, app.clock(), accounts), lambda: disks(app)
        )

    def collect(self) -> Iterable[Metric]:
        directory = multiprocess_directory()
        if directory is not None:
            # Every process of this `tnde serve` wrote its values there (and the dead
            # ones' counts stay): add them up. No registry: read once per scrape.
            files = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]
            yield from files.collect()  # type: ignore[no-untyped-call]
        else:
            yield from REGISTRY.collect()
        yield from self.state.collect()


def disk_paths(app: App) -> list[str]:
    """[metrics] disk_paths and the directory of a SQLite database, absolute."""
    paths = list(app.settings.metrics.disk_paths)
    url = make_url(app.settings.database.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        paths.append(str(Path(url.database).parent))
    return sorted({str(Path(p).resolve()) for p in paths})


def disks(app: App) -> dict[str, tuple[int, int]]:
    """Free and total bytes of each path's disk (a path that is gone is left out)."""
    found = {}
    for path in disk_paths(app):
        try:
            usage = shutil.disk_usage(path)
        except OSError:
            continue
        found[path] = (usage.free, usage.total)
    return found


def may_scrape(request: web.Request) -> bool:
    """A bearer token from [metrics] token, or a direct request from [metrics] allow_from."""
    settings = app_of(request).settings.metrics
    header = request.headers.get("Authorization", "")
    if settings.token and header[:7].lower() == "bearer ":
        return hmac.compare_digest(header[7:].strip().encode(), settings.token.encode())
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        peer = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return False  # a Unix socket or nothing: not an address we can allow
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in ipaddress.ip_network(item, strict=False) for item in settings.allow_from)


async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text format; state queries run off the event loop."""
    if not may_scrape(request):
        t = Catalogue(app_of(request).settings.ui.language)
        raise web.HTTPForbidden(text=t("ops.metrics.forbidden"))
    body = await asyncio.to_thread(generate_latest, request.app[SCRAPE])
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    return response


class Problems:
    """What /readyz last logged for each check: an error is logged when it first shows
    (or changes), not at every probe; a check that passes again is forgotten."""

    def __init__(self) -> None:
        self.logged: dict[str, str] = {}
        self.lock = threading.Lock()

    def failing(self, check: str, detail: str) -> None:
        with self.lock:
            if self.logged.get(check) == detail:
                return
            self.logged[check] = detail
        log.warning("/readyz: %s: %s", check, detail)

    def passing(self, *checks: str) -> None:
        with self.lock:
            for check in checks:
                if self.logged.pop(check, None) is not None:
                    log.info("/readyz: %s passes again", check)


def not_ready(
    app: App,
    listening: dict[str, bool] | None,
    started: dt.datetime,
    problems: Problems | None = None,
) -> list[dict[str, str]]:
    """Why the gateway is not ready: one {check, reason} each; empty when it is. A
    reason is a fixed text per check; the error behind it goes to the log (`problems`)."""
    t = Catalogue(app.settings.ui.language)
    zone = app.settings.mail.timezone
    problems = problems or Problems()
    reasons = [
        {"check": "listener", "reason": t("ops.ready.listener_down", name=name)}
        for name, serving in sorted((listening or {}).items())
        if not serving
    ]
    accounts = [a.name for a in app.settings.imap if a.enabled]
    try:
        state = schema(app.db)
    except Exception as err:  # unreachable, refused, wrong credentials
        problems.failing("database", f"unreachable: {type(err).__name__}: {err}")
        reasons.append({"check": "database", "reason": t("ops.ready.database_down")})
        return reasons
    if not state.migrated:
        current, head = state.current or "-", state.head or "-"
        key = "ops.ready.database_newer" if state.ahead else "ops.ready.not_migrated"
        problems.failing("database", f"schema at {current}, this program's head is {head}")
        reasons.append({"check": "database", "reason": t(key, current=current, head=head)})
        return reasons  # the other tables may not be there yet
    limit = dt.timedelta(seconds=app.settings.metrics.imap_down_after)
    now = app.clock()
    try:
        health = imap_health(app.db, accounts, started) if accounts else []
    except Exception as err:  # the database went away between the checks
        problems.failing("database", f"IMAP state unreadable: {type(err).__name__}: {err}")
        reasons.append({"check": "database", "reason": t("ops.ready.database_down")})
        return reasons
    problems.passing("database")
    for account in health:
        check = f"imap {account.account}"
        if account.failing_since is not None and now - account.failing_since > limit:
            problems.failing(check, account.last_error or "-")
            since = waktu(account.failing_since, zone)
            reason = t("ops.ready.imap_down", account=account.account, since=since)
            reasons.append({"check": "imap", "reason": reason})
        else:
            problems.passing(check)
    return reasons


async def readyz(request: web.Request) -> web.Response:
    """200 {"status": "ready"} or 503 {"status": "not_ready", "reasons": [...]}."""
    app = app_of(request)
    probe = request.app.get(LISTENERS)
    listening = probe() if probe is not None else None
    started, problems = request.app[STARTED], request.app[PROBLEMS]
    reasons = await asyncio.to_thread(not_ready, app, listening, started, problems)
    body: dict[str, Any] = {"status": "not_ready" if reasons else "ready"}
    if listening is not None:
        body["listeners"] = listening
    if reasons:
        body["reasons"] = reasons
    return web.json_response(body, status=503 if reasons else 200)


def add_routes(application: web.Application) -> None:
    """/readyz and /metrics (public paths in webadmin/auth.py; /metrics checks itself)."""
    app = application[APP_KEY]
    application[SCRAPE] = Scrape(app)
    application[STARTED] = app.clock()
    application[PROBLEMS] = Problems()
    application.router.add_get("/readyz", readyz, name="ready")
    application.router.add_get("/metrics", metrics, name="metrics")
