"""`tnde rules import|export|history|rollback|test`: versioned routing rules."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, read_yaml, ready_app, write_yaml
from gateway.cli.output import Progress, dump_json, shown_time, table


def add_commands(commands: Any, t: Catalogue) -> None:
    rules = commands.add_parser("rules", help=t("help.rules")).add_subparsers(
        dest="rules_command", required=True
    )
    importer = rules.add_parser("import", help=t("help.rules.import"))
    importer.add_argument("file")
    importer.add_argument("--author", default=getpass.getuser())
    importer.add_argument("--comment", "-m", default="", help=t("help.rules.comment"))
    importer.set_defaults(handler=cmd_import)
    exporter = rules.add_parser("export", help=t("help.rules.export"))
    exporter.add_argument("file", nargs="?", help=t("help.output"))
    exporter.add_argument("--version", type=int)
    exporter.set_defaults(handler=cmd_export)
    hist = rules.add_parser("history", help=t("help.rules.history"))
    hist.add_argument("--json", action="store_true", help=t("help.json"))
    hist.set_defaults(handler=cmd_history)
    back = rules.add_parser("rollback", help=t("help.rules.rollback"))
    back.add_argument("version", type=int)
    back.add_argument("--author", default=getpass.getuser())
    back.set_defaults(handler=cmd_rollback)
    test = rules.add_parser("test", help=t("help.rules.test"))
    test.add_argument("--last", type=int, default=100, help=t("help.rules.last"))
    test.add_argument("--rules", metavar="FILE", help=t("help.rules.candidate"))
    test.add_argument("--json", action="store_true", help=t("help.json"))
    test.add_argument("--all", action="store_true", help=t("help.rules.all"))
    test.set_defaults(handler=cmd_test)


def cmd_import(args: argparse.Namespace) -> int:
    from gateway.routing.store import save_version
    from rules.errors import RuleError

    t: Catalogue = args.t
    document = read_yaml(args.file, t)
    try:
        with ready_app(args) as app, app.db.write() as session:
            version = save_version(session, document, args.author, args.comment, app.clock())
    except RuleError as err:
        raise CommandError(t("rules.refused", file=args.file, error=err)) from err
    print(t("rules.saved", version=version, count=len(document.get("rules") or [])))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from gateway.routing.store import current_document, document_of

    try:
        with ready_app(args) as app, app.db.read() as session:
            if args.version:
                document, version = document_of(session, args.version), args.version
            else:
                version, document = current_document(session)
    except LookupError as err:
        raise CommandError(str(err)) from err
    write_yaml(
        document, args.file, args.t, header=args.t("rules.export_header", version=version) + "\n"
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from gateway.entry import iso
    from gateway.routing.store import history

    with ready_app(args) as app, app.db.read() as session:
        versions = history(session)
    items = [
        {
            "version": v.version,
            "author": v.author,
            "created_at": iso(v.created_at, args.settings.mail.timezone),
            "rules": v.rules,
            "comment": v.comment,
            "restored_from": v.restored_from,
        }
        for v in versions
    ]
    if args.json:
        dump_json(items)
    else:
        zone = args.settings.mail.timezone
        table(
            [
                [
                    i["version"],
                    shown_time(str(i["created_at"]), zone),
                    i["author"],
                    i["rules"],
                    i["comment"],
                ]
                for i in items
            ],
            args.t("rules.history_headers").split("|"),
        )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from gateway.routing.store import rollback
    from rules.errors import RuleError

    try:
        with ready_app(args) as app, app.db.write() as session:
            version = rollback(session, args.version, args.author, app.clock())
    except (LookupError, RuleError) as err:
        raise CommandError(args.t("rules.rollback_refused", error=err)) from err
    print(args.t("rules.rollback_done", version=args.version, new=version))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from gateway.registry import count_naskah
    from gateway.routing.cache import compile_routing
    from gateway.routing.dryrun import compare_recent
    from gateway.routing.store import current_document
    from gateway.routing.vocab import vocabulary_from_db
    from rules.errors import RuleError
    from rules.loader import compile_document

    t: Catalogue = args.t
    candidate_document = read_yaml(args.rules, t) if args.rules else None
    with ready_app(args) as app, app.db.read() as session:
        settings = app.settings
        vocabulary = vocabulary_from_db(session)
        version, document = current_document(session)
        current = compile_routing(document, vocabulary, version)
        if candidate_document is not None:
            try:  # Refuse an invalid candidate exactly as `rules import` would.
                compile_document(candidate_document, vocabulary)
            except RuleError as err:
                raise CommandError(f"{args.rules}: {err}") from err
        candidate = compile_routing(candidate_document or document, vocabulary, None)
        progress = Progress(min(args.last, count_naskah(session)), t("rules.test_progress"))
        comparisons = list(
            compare_recent(
                session,
                args.last,
                current,
                candidate,
                app.directory_for(session),
                app.ctx.limits,
                settings.mail.timezone,
                app.sender_trust,
                progress.step,
                pdf_signatures=app.pdf_signatures,
            )
        )
        progress.finish()
    return _report(args, comparisons, version)


def _report(args: argparse.Namespace, comparisons: list[Any], version: int | None) -> int:
    """A table of the letters (changed ones, or all with --all), then each change in words."""
    from gateway.routing.dryrun import changes, describe

    t: Catalogue = args.t
    changed = [c for c in comparisons if c.changed]
    if args.json:
        dump_json(
            [
                {
                    "naskah_id": c.naskah_id,
                    "agenda_number": c.agenda_number,
                    "changed": c.changed,
                    "current": c.current,
                    "candidate": c.candidate,
                    "current_rules": c.current_rules,
                    "candidate_rules": c.candidate_rules,
                    "changes": [
                        {"field": field, "current": before, "candidate": after}
                        for field, before, after in changes(c)
                    ],
                }
                for c in comparisons
                if c.changed or args.all
            ]
        )
        return 0
    shown = [c for c in comparisons if c.changed or args.all]
    if shown:
        rows = [
            [
                c.agenda_number,
                t("rules.test_changed") if c.changed else t("rules.test_same"),
                ", ".join(c.current_rules) or "-",
                ", ".join(c.candidate_rules) or "-",
                ", ".join(t(f"rules.field.{field}") for field, _, _ in changes(c)) or "-",
                c.perihal,
            ]
            for c in shown
        ]
        table(rows, t("rules.test_headers").split("|"))
    if changed:
        print()
        print(t("rules.test_details"))
        for c in changed:
            print(c.agenda_number)
            for field, before, after in changes(c):
                label = t(f"rules.field.{field}")
                yes, no = t("common.yes"), t("common.no")
                print(f"  {label}: {describe(before, yes, no)} -> {describe(after, yes, no)}")
    print(t("rules.test_summary", count=len(comparisons), version=version, changed=len(changed)))
    return 0
