"""`tnde inbound list` and `tnde requeue`: received messages; quarantine sent through again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, add_list_command, ready_app
from gateway.cli.output import dump_json, table


def add_commands(commands: Any, t: Catalogue) -> None:
    inbound = commands.add_parser("inbound", help=t("help.inbound"))
    inbound_commands = inbound.add_subparsers(dest="inbound_command", required=True)
    states = ", ".join(t(f"status.inbound.{s}") for s in ("quarantined", "received", "ignored"))
    add_list_command(inbound_commands, cmd_inbound_list, states, t)
    requeue_parser = commands.add_parser("requeue", help=t("help.requeue"))
    requeue_parser.add_argument("ids", nargs="*", type=int, metavar="ID")
    requeue_parser.add_argument("--all", action="store_true", help=t("help.requeue.all"))
    requeue_parser.add_argument("--release", action="store_true", help=t("help.requeue.release"))
    requeue_parser.set_defaults(handler=cmd_requeue)


def cmd_inbound_list(args: argparse.Namespace) -> int:
    from gateway.registry import list_inbound

    t: Catalogue = args.t
    state = t.value_for("status.inbound", args.state) if args.state else None
    with ready_app(args) as app:
        items = list_inbound(app.db, args.limit, state, app.settings.mail.timezone)
    if args.json:
        dump_json(items)
        return 0
    rows = [
        [
            i["id"],
            t.label("status.inbound", i["state"]),
            i["mail_from"],
            ",".join(i["rcpt_tos"]),
            i["reason"] or "",
        ]
        for i in items
    ]
    table(rows, t("inbound.headers").split("|"))
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    from gateway.pipeline.worker import requeue
    from gateway.registry import existing_inbound

    t: Catalogue = args.t
    if not args.ids and not args.all:
        raise CommandError(t("requeue.need_ids"), exit_code=2)
    with ready_app(args) as app:
        ids = None if args.all else list(args.ids)
        done = requeue(app.db, ids, app.clock(), actor="cli", release=args.release)
        known = existing_inbound(app.db, list(args.ids)) if args.ids else set()
    left = sorted(set(args.ids) - set(done)) if not args.all else []
    absent = [i for i in left if i not in known]
    not_held = [i for i in left if i in known]
    print(t("requeue.done", count=len(done), ids=", ".join(map(str, done)) or "-"))
    if absent:
        print(t("requeue.absent", ids=", ".join(map(str, absent))), file=sys.stderr)
    if not_held:
        print(t("requeue.not_held", ids=", ".join(map(str, not_held))), file=sys.stderr)
    return 1 if left else 0
