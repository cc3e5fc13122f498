"""`tnde rules import|export|history|rollback|test`: versioned routing rules."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from gateway.cli.common import CommandError, read_yaml, ready_app, write_yaml
from gateway.cli.output import Progress, dump_json, table


def add_commands(commands: Any) -> None:
    rules = commands.add_parser("rules", help="routing rules (versioned)").add_subparsers(
        dest="rules_command", required=True
    )
    importer = rules.add_parser("import", help="validate a YAML file and save it as a new version")
    importer.add_argument("file")
    importer.add_argument("--author", default=getpass.getuser())
    importer.add_argument("--comment", "-m", default="", help="why this change")
    importer.set_defaults(handler=cmd_import)
    exporter = rules.add_parser("export", help="write the current (or a given) version as YAML")
    exporter.add_argument("file", nargs="?")
    exporter.add_argument("--version", type=int)
    exporter.set_defaults(handler=cmd_export)
    hist = rules.add_parser("history", help="every saved version")
    hist.add_argument("--json", action="store_true")
    hist.set_defaults(handler=cmd_history)
    back = rules.add_parser("rollback", help="make an older version current again")
    back.add_argument("version", type=int)
    back.add_argument("--author", default=getpass.getuser())
    back.set_defaults(handler=cmd_rollback)
    test = rules.add_parser("test", help="dry run over recent letters: current vs candidate rules")
    test.add_argument("--last", type=int, default=100)
    test.add_argument("--rules", metavar="FILE", help="candidate rules (default: current rules)")
    test.add_argument("--json", action="store_true")
    test.add_argument("--all", action="store_true", help="also list letters that do not change")
    test.set_defaults(handler=cmd_test)


def cmd_import(args: argparse.Namespace) -> int:
    from gateway.routing.store import save_version
    from rules.model import RuleError

    document = read_yaml(args.file)
    try:
        with ready_app(args) as app, app.db.write() as session:
            version = save_version(session, document, args.author, args.comment, app.clock())
    except RuleError as err:
        raise CommandError(f"{args.file}: refused, nothing saved: {err}") from err
    print(f"saved rule set version {version} ({len(document.get('rules') or [])} rules)")
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
    write_yaml(document, args.file, header=f"# rule set version {version}\n")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from gateway.registry import iso
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
        table(
            [[i["version"], i["created_at"], i["author"], i["rules"], i["comment"]] for i in items],
            ["VERSION", "SAVED (UTC)", "AUTHOR", "RULES", "COMMENT"],
        )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from gateway.routing.store import rollback
    from rules.model import RuleError

    try:
        with ready_app(args) as app, app.db.write() as session:
            version = rollback(session, args.version, args.author, app.clock())
    except (LookupError, RuleError) as err:
        raise CommandError(f"rollback refused: {err}") from err
    print(f"version {args.version} is current again as version {version}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from gateway.routing.cache import compile_routing
    from gateway.routing.dryrun import compare_recent
    from gateway.routing.store import current_document
    from gateway.routing.vocab import vocabulary_from_db
    from rules.loader import compile_document
    from rules.model import RuleError

    candidate_document = read_yaml(args.rules) if args.rules else None
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
        progress = Progress(args.last, "dry run")
        comparisons = list(
            compare_recent(
                session,
                args.last,
                current,
                candidate,
                app.directory_for(session),
                app.ctx.limits,
                settings.mail.timezone,
                settings.mail.trusted_authserv_ids,
                progress.step,
            )
        )
        progress.finish()
    return _report(args, comparisons, version)


def _report(args: argparse.Namespace, comparisons: list[Any], version: int | None) -> int:
    from gateway.routing.dryrun import diff_lines

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
                }
                for c in comparisons
                if c.changed or args.all
            ]
        )
        return 0
    for c in comparisons:
        if not c.changed and not args.all:
            continue
        mark = "CHANGED" if c.changed else "same"
        print(f"{c.agenda_number}  [{mark}]  {c.perihal[:60]}")
        now_rules = ", ".join(c.current_rules) or "-"
        print(f"  rules now: {now_rules}; candidate: {', '.join(c.candidate_rules) or '-'}")
        for line in diff_lines(c):
            print(line)
    print(
        f"{len(comparisons)} letters checked against version {version}: {len(changed)} would change"
    )
    return 0
