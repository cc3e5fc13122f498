"""`tnde org import|export|list|show`: the organisation as YAML an administrator writes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, read_yaml, ready_app, write_yaml
from gateway.cli.output import dump_json, table


def add_commands(commands: Any, t: Catalogue) -> None:
    org = commands.add_parser("org", help=t("help.org")).add_subparsers(
        dest="org_command", required=True
    )
    importer = org.add_parser("import", help=t("help.org.import"))
    importer.add_argument("file")
    importer.add_argument("--keep-missing", action="store_true", help=t("help.org.keep_missing"))
    importer.set_defaults(handler=cmd_import)
    exporter = org.add_parser("export", help=t("help.org.export"))
    exporter.add_argument("file", nargs="?", help=t("help.output"))
    exporter.set_defaults(handler=cmd_export)
    listing = org.add_parser("list", help=t("help.org.list"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.set_defaults(handler=cmd_list)
    show = org.add_parser("show", help=t("help.org.show"))
    show.add_argument("key")
    show.add_argument("--json", action="store_true", help=t("help.json"))
    show.set_defaults(handler=cmd_show)


def cmd_import(args: argparse.Namespace) -> int:
    from gateway.org.document import OrgError, parse_org
    from gateway.org.store import import_org

    t: Catalogue = args.t
    data = read_yaml(args.file, t)
    try:
        with ready_app(args) as app:
            document = parse_org(data, app.settings.mail.domain)
            with app.db.write() as session:
                report = import_org(session, document, deactivate_missing=not args.keep_missing)
    except OrgError as err:
        raise CommandError(f"{args.file}: {err}") from err
    print(
        t(
            "org.imported",
            file=args.file,
            created=t.counts(report.created),
            updated=t.counts(report.updated),
            deactivated=t.counts(report.deactivated),
        )
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from gateway.org.store import export_org

    with ready_app(args) as app, app.db.read() as session:
        document = export_org(session, app.settings.mail.domain)
    write_yaml(document, args.file, args.t)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from gateway.db.models import Position, Unit

    with ready_app(args) as app, app.db.read() as session:
        rows = session.execute(
            select(Unit.code, Position.handle, Position.title, Position.is_head)
            .join(Position, Position.unit_id == Unit.id)
            .where(Unit.active.is_(True), Position.active.is_(True))
            .order_by(Unit.id, Position.id)
        ).all()
    items = [{"unit": r[0], "handle": r[1], "title": r[2], "head": r[3]} for r in rows]
    if args.json:
        dump_json(items)
    else:
        table(
            [[i["unit"], i["handle"], i["title"], "*" if i["head"] else ""] for i in items],
            args.t("org.headers").split("|"),
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    import yaml

    from gateway.org.holders import describe_position

    with ready_app(args) as app, app.db.read() as session:
        detail = describe_position(session, args.key, app.clock(), app.settings.mail.domain)
    if detail is None:
        raise CommandError(args.t("org.not_found", key=repr(args.key)))
    if args.json:
        dump_json(detail)
    else:
        sys.stdout.write(yaml.safe_dump(detail, allow_unicode=True, sort_keys=False))
    return 0
