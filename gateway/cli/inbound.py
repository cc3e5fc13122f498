"""`tnde inbound list` and `tnde requeue`: received messages; quarantine sent through again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.cli.common import CommandError, add_list_command, ready_app
from gateway.cli.output import dump_json, table


def add_commands(commands: Any) -> None:
    inbound = commands.add_parser("inbound", help="received messages and quarantine")
    inbound_commands = inbound.add_subparsers(dest="inbound_command", required=True)
    add_list_command(inbound_commands, cmd_inbound_list, "e.g. quarantined, received, ignored")
    requeue_parser = commands.add_parser("requeue", help="send quarantined mail through again")
    requeue_parser.add_argument("ids", nargs="*", type=int, metavar="ID")
    requeue_parser.add_argument("--all", action="store_true", help="every quarantined message")
    requeue_parser.add_argument(
        "--release",
        action="store_true",
        help="the operator checked it: a rule's quarantine no longer applies",
    )
    requeue_parser.set_defaults(handler=cmd_requeue)


def cmd_inbound_list(args: argparse.Namespace) -> int:
    from gateway.registry import list_inbound

    with ready_app(args) as app:
        items = list_inbound(app.db, args.limit, args.state, app.settings.mail.timezone)
    if args.json:
        dump_json(items)
        return 0
    rows = [
        [i["id"], i["state"], i["mail_from"], ",".join(i["rcpt_tos"]), i["reason"] or ""]
        for i in items
    ]
    table(rows, ["ID", "STATE", "FROM", "TO", "REASON"])
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    from gateway.pipeline.worker import requeue
    from gateway.registry import existing_inbound

    if not args.ids and not args.all:
        raise CommandError("give message IDs or --all", exit_code=2)
    with ready_app(args) as app:
        ids = None if args.all else list(args.ids)
        done = requeue(app.db, ids, app.clock(), actor="cli", release=args.release)
        known = existing_inbound(app.db, list(args.ids)) if args.ids else set()
    left = sorted(set(args.ids) - set(done)) if not args.all else []
    absent = [i for i in left if i not in known]
    not_held = [i for i in left if i in known]
    print(f"requeued {len(done)} message(s): {', '.join(map(str, done)) or '-'}")
    if absent:
        print(f"no such message: {', '.join(map(str, absent))}", file=sys.stderr)
    if not_held:
        print(f"not quarantined (left alone): {', '.join(map(str, not_held))}", file=sys.stderr)
    return 1 if left else 0
