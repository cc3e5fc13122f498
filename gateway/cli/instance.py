"""`tnde init|demo|serve|check`: prepare, seed, run and check one gateway instance."""

from __future__ import annotations

import argparse
import asyncio
import socket
from typing import TYPE_CHECKING, Any

from gateway.cli.common import CommandError, open_app, ready_app
from gateway.config import Settings, parse_listen

if TYPE_CHECKING:
    from gateway.app import App


def add_commands(commands: Any) -> None:
    init = commands.add_parser("init", help="create or upgrade the database schema")
    init.set_defaults(handler=cmd_init)
    demo = commands.add_parser("demo", help="load the Banyumas demo organisation")
    demo.add_argument("--if-empty", action="store_true", help="only if no unit exists yet")
    demo.set_defaults(handler=cmd_demo)
    serve_parser = commands.add_parser("serve", help="run SMTP, LMTP, web, workers, outbox")
    serve_parser.add_argument("--banner", action="store_true", help="print how to send a letter")
    serve_parser.set_defaults(handler=cmd_serve)
    check = commands.add_parser("check", help="check configuration, database and ports")
    check.set_defaults(handler=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    from gateway.db.migrate import upgrade
    from gateway.seed import seed_reference

    app = open_app(args)
    try:
        upgrade(app.db.engine)
        with app.db.write() as session:
            added = seed_reference(session)
    except Exception as err:
        raise CommandError(f"init failed for {app.settings.database.url}: {err}") from err
    finally:
        app.close()
    print(f"database ready: {app.settings.database.url}")
    counts = (
        f"{added['instructions']} instructions, {added['klasifikasi']} klasifikasi,"
        f" {added['holidays']} holidays"
    )
    print(f"reference data added: {counts}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.seed import has_organisation, seed_demo

    with ready_app(args) as app, app.db.write() as session:
        if args.if_empty and has_organisation(session):
            print("organisation already present; demo not loaded")
            return 0
        report = seed_demo(session, app.settings.mail.domain, app.clock())
    created, updated = report.created or "nothing", report.updated or "nothing"
    print(f"demo organisation loaded: created {created}, updated {updated}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.serve import ListenError, Running, serve  # aiohttp: only when serving

    with ready_app(args) as app:

        def started(running: Running) -> None:
            print(banner(app, running) if args.banner else _short_banner(running), flush=True)

        try:
            asyncio.run(serve(app, started))
        except ListenError as err:
            raise CommandError(f"cannot listen: {err}") from err
    return 0


def _short_banner(running: Any) -> str:
    return "tnde serving " + ", ".join(f"{k} {v}" for k, v in running.addresses.items())


def banner(app: App, running: Any) -> str:
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
        f"tnde-gateway is running (database {app.settings.database.url})",
        *(f"  {name.upper():5} {address}" for name, address in running.addresses.items()),
        "",
        "Unit addresses:",
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
        "Send a first letter with swaks:",
        f"  swaks --server {host} --port {port} --from tu@dinkes.jatengprov.go.id --to {to} \\",
        "        --header 'Subject: Undangan Rapat Koordinasi' \\",
        f"        --body $'{body}'",
        "or with plain Python:",
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
        "Then look at the register and the receipt:",
        "  .venv/bin/tnde naskah list --json",
        "  .venv/bin/tnde outbox list",
        "Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from gateway.db.migrate import current_revision

    settings: Settings = args.settings
    problems = 0
    print(f"configuration: {settings.source}")
    app = open_app(args)
    try:
        with app.db.read() as session:
            session.execute(text("SELECT 1"))
        revision = current_revision(app.db.engine)
        print(f"database: ok ({settings.database.url}, schema {revision or 'NOT INITIALISED'})")
        problems += revision is None
    except Exception as err:
        print(f"database: FAILED ({err})")
        problems += 1
    finally:
        app.close()
    for name, value in (
        ("smtp", settings.smtp.listen),
        ("lmtp", settings.lmtp.listen),
        ("web", settings.web.listen),
    ):
        target = parse_listen(value, f"{name}.listen")
        if target is None:
            print(f"{name}: disabled")
            continue
        free = _port_free(*target)
        print(f"{name}: {value} {'free' if free else 'IN USE (is tnde already running?)'}")
    smarthost = settings.outbound.smarthost
    print(f"outbound: {'smarthost ' + smarthost if smarthost else 'local outbox only'}")
    return 1 if problems else 0


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
