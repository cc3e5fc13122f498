"""`tnde holidays list|add|remove|import`: the business calendar's non-working days."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, read_yaml, ready_app
from gateway.cli.output import dump_json, table


def add_commands(commands: Any, t: Catalogue) -> None:
    from gateway.core.calendar import HOLIDAY_KINDS

    holidays = commands.add_parser("holidays", help=t("help.holidays"))
    sub = holidays.add_subparsers(dest="holidays_command", required=True)
    listing = sub.add_parser("list", help=t("help.list"))
    listing.add_argument("--year", type=int, help=t("help.holidays.year"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.set_defaults(handler=cmd_list)
    adder = sub.add_parser("add", help=t("help.holidays.add"))
    adder.add_argument("date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    adder.add_argument("name")
    adder.add_argument("--kind", choices=HOLIDAY_KINDS, default="lokal")
    adder.set_defaults(handler=cmd_add)
    remover = sub.add_parser("remove", help=t("help.holidays.remove"))
    remover.add_argument("date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    remover.set_defaults(handler=cmd_remove)
    importer = sub.add_parser("import", help=t("help.holidays.import"))
    importer.add_argument("file")
    importer.set_defaults(handler=cmd_import)


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import extract, select

    from gateway.db.models import Holiday

    with ready_app(args) as app, app.db.read() as session:
        query = select(Holiday).order_by(Holiday.day)
        if args.year:
            query = query.where(extract("year", Holiday.day) == args.year)
        rows = [
            {"date": h.day.isoformat(), "name": h.name, "kind": h.kind}
            for h in session.scalars(query)
        ]
    if args.json:
        dump_json(rows)
    else:
        headers = args.t("holidays.headers").split("|")
        table([[r["date"], r["kind"], r["name"]] for r in rows], headers)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from gateway.db.models import Holiday

    with ready_app(args) as app, app.db.write() as session:
        session.merge(Holiday(day=args.date, name=args.name, kind=args.kind))
    print(args.t("holidays.added", date=args.date.isoformat(), name=args.name, kind=args.kind))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from gateway.db.models import Holiday

    with ready_app(args) as app, app.db.write() as session:
        existing = session.get(Holiday, args.date)
        if existing is None:
            raise CommandError(args.t("holidays.not_listed", date=args.date.isoformat()))
        session.delete(existing)
    print(args.t("holidays.removed", date=args.date.isoformat()))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from gateway.core.calendar import parse_holidays
    from gateway.db.models import Holiday

    try:
        parsed = parse_holidays(read_yaml(args.file, args.t) or [])
    except ValueError as err:
        raise CommandError(f"{args.file}: {err}") from err
    with ready_app(args) as app, app.db.write() as session:
        for day, name, kind in parsed:
            session.merge(Holiday(day=day, name=name, kind=kind))
    print(args.t("holidays.imported", count=len(parsed), file=args.file))
    return 0
