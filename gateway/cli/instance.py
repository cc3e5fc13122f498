"""`tnde init|demo|serve|worker|check`: prepare, seed, run and check one gateway instance."""

from __future__ import annotations

import argparse
import dataclasses
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, open_app, ready_app
from gateway.config import Settings, parse_listen, shown_url

if TYPE_CHECKING:
    from gateway.app import App


def add_commands(commands: Any, t: Catalogue) -> None:
    init = commands.add_parser("init", help=t("help.init"))
    init.set_defaults(handler=cmd_init)
    demo = commands.add_parser("demo", help=t("help.demo"))
    demo.add_argument("--if-empty", action="store_true", help=t("help.demo.if_empty"))
    demo.set_defaults(handler=cmd_demo)
    serve_parser = commands.add_parser("serve", help=t("help.serve"))
    serve_parser.add_argument("--banner", action="store_true", help=t("help.serve.banner"))
    serve_parser.add_argument(
        "--workers", type=int, metavar="N", default=None, help=t("help.serve.workers")
    )
    serve_parser.set_defaults(handler=cmd_serve)
    worker_parser = commands.add_parser("worker", help=t("help.worker"))
    # Set by `tnde serve --workers N` for its children: the pipe that wakes them.
    worker_parser.add_argument("--wake-fd", type=int, default=None, help=argparse.SUPPRESS)
    worker_parser.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    worker_parser.set_defaults(handler=cmd_worker)
    check = commands.add_parser("check", help=t("help.check"))
    check.add_argument("--no-dns", action="store_true", help=t("help.check.no_dns"))
    check.set_defaults(handler=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    from gateway.db.migrate import upgrade
    from gateway.seed import seed_reference

    t: Catalogue = args.t
    app = open_app(args)
    url = shown_url(app.settings.database.url)
    try:
        upgrade(app.db.engine)
        with app.db.write() as session:
            added = seed_reference(session)
    except Exception as err:
        raise CommandError(t("init.failed", url=url, error=err)) from err
    finally:
        app.close()
    print(t("init.ready", url=url))
    print(t("init.reference", **added))
    smtp = app.settings.smtp
    if not smtp.tls_cert and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        # A trial instance (SQLite) gets a certificate to try STARTTLS with; a production
        # one (PostgreSQL) uses its CA's, configured in [smtp] tls_cert and tls_key.
        folder = Path(url.removeprefix("sqlite:///")).parent.resolve() / "tls"
        cert, key = _development_certificate(folder, smtp.hostname or app.settings.mail.domain)
        print(t("init.tls", cert=cert, key=key))
    return 0


def _development_certificate(folder: Path, hostname: str) -> tuple[str, str]:
    """A self-signed certificate for STARTTLS while trying things out (var/tls/), made
    once; production uses a certificate from a CA in [smtp] tls_cert/tls_key."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = folder / "smtp-selfsigned.crt", folder / "smtp-selfsigned.key"
    if cert_path.exists() and key_path.exists():
        return str(cert_path), str(key_path)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(cert_path), str(key_path)


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.seed import has_organisation, seed_demo

    t: Catalogue = args.t
    with ready_app(args) as app, app.db.write() as session:
        if args.if_empty and has_organisation(session):
            print(t("demo.present"))
            return 0
        report = seed_demo(session, app.settings.mail.domain, app.clock())
    print(t("demo.loaded", created=t.counts(report.created), updated=t.counts(report.updated)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio

    # Before anything imports prometheus_client (the gateway does): see metrics_directory.
    from gateway.workerprocs import metrics_directory

    t: Catalogue = args.t
    if args.workers is not None:
        if args.workers < 0:
            raise CommandError(t("serve.workers_negative", value=args.workers))
        worker = dataclasses.replace(args.settings.worker, processes=args.workers)
        args.settings = dataclasses.replace(args.settings, worker=worker)
    with metrics_directory(args.settings.metrics.directory), ready_app(args) as app:
        from gateway.serve import ListenError, Running, serve  # aiohttp: only when serving

        def started(running: Running) -> None:
            print(banner(app, running, t) if args.banner else _short_banner(running, t), flush=True)

        try:
            flags = tuple(f for f, on in (("--debug", args.debug), ("-v", args.verbose)) if on)
            asyncio.run(serve(app, started, flags))
        except ListenError as err:
            raise CommandError(t("serve.cannot_listen", error=err)) from err
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import asyncio

    from gateway.workerprocs import run_worker_process

    with ready_app(args) as app:
        asyncio.run(run_worker_process(app, args.wake_fd, args.ready_fd))
    return 0


def _short_banner(running: Any, t: Catalogue) -> str:
    listeners = ", ".join(f"{k} {v}" for k, v in running.addresses.items())
    return t("serve.short", addresses=listeners)


def banner(app: App, running: Any, t: Catalogue) -> str:
    """What `make run` prints: where it listens and how to send a first letter."""
    from sqlalchemy import select

    from gateway.db.models import Unit

    domain = app.settings.mail.domain
    with app.db.read() as session:
        units = session.execute(
            select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.id)
        ).all()
        addresses = {
            u.code: [a.address for a in u.addresses] for u in session.scalars(select(Unit))
        }
    lines = [
        "",
        t("banner.running", url=shown_url(app.settings.database.url)),
        *(f"  {name.upper():5} {address}" for name, address in running.addresses.items()),
        "",
        t("banner.units"),
        *(f"  {', '.join(addresses.get(code, [])):40} {name}" for code, name in units),
        "",
    ]
    smtp = running.addresses.get("smtp", "127.0.0.1:2525")
    host, _, port = smtp.rpartition(":")
    to = f"setda@{domain}"
    body = (
        "Nomor: 005/123/Dinkes/2026\\nPerihal: Undangan Rapat Koordinasi Stunting\\n\\nMohon hadir."
    )
    lines += [
        t("banner.swaks"),
        f"  swaks --server {host} --port {port} --from tu@dinkes.jatengprov.go.id --to {to} \\",
        "        --header 'Subject: Undangan Rapat Koordinasi' \\",
        f"        --body $'{body}'",
        t("banner.python"),
        "  python3 -c '"
        + "; ".join(
            [
                "import smtplib",
                "from email.message import EmailMessage",
                "m = EmailMessage()",
                'm["From"] = "tu@dinkes.jatengprov.go.id"',
                f'm["To"] = "{to}"',
                'm["Subject"] = "Undangan Rapat Koordinasi"',
                f'm.set_content("{body}")',
                f'smtplib.SMTP("{host}", {port}).send_message(m)',
            ]
        )
        + "'",
        t("banner.panel", url=running.addresses.get("web", "")),
        t("banner.then"),
        "  .venv/bin/tnde naskah list --json",
        "  .venv/bin/tnde outbox list",
        t("banner.stop"),
    ]
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    t: Catalogue = args.t
    problems = 0
    source = t("check.defaults") if settings.source == "defaults" else settings.source
    print(t("check.config", source=source))
    try:
        revision = _schema_revision(args)
        shown = revision or t("check.db_not_initialised")
        print(t("check.db_ok", url=shown_url(settings.database.url), revision=shown))
        problems += revision is None
    except Exception as err:
        print(t("check.db_failed", error=err))
        problems += 1
    for name, value in (
        ("smtp", settings.smtp.listen),
        ("lmtp", settings.lmtp.listen),
        ("web", settings.web.listen),
    ):
        target = parse_listen(value, f"{name}.listen")
        if target is None:
            print(t("check.disabled", name=name))
            continue
        state = "check.port_free" if _port_free(*target) else "check.port_in_use"
        print(t(state, name=name, address=value))
    from gateway.cli import checks

    smarthost = settings.outbound.smarthost
    print(t("check.smarthost", host=smarthost) if smarthost else t("check.local_outbox"))
    # DNS of the mail domain (MX, SPF, DKIM, DMARC) and the smarthost: errors count,
    # warnings are advice.
    problems += checks.show(checks.outward(settings, dns=not args.no_dns), t)
    if settings.tracking.enabled and not settings.web.public_url:
        # Receipts would link agencies to the local listener: fine for the demo only.
        print(t("check.public_url_missing", listen=settings.web.listen))
    return 1 if problems else 0


def _schema_revision(args: argparse.Namespace) -> str | None:
    """The database's revision: on a SQLite file read with sqlite3 (quick, no SQLAlchemy),
    else through the engine, which also proves the database answers."""
    from gateway.cli.quickread import Unsure, schema_revision

    try:
        return schema_revision(args.settings.database.url)
    except Unsure:
        pass
    from sqlalchemy import text

    from gateway.db.migrate import current_revision

    app = open_app(args)
    try:
        with app.db.read() as session:
            session.execute(text("SELECT 1"))
        return current_revision(app.db.engine)
    finally:
        app.close()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
