"""`tnde outbox list|show`: the mail the gateway sends, and one message as it was queued."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, add_list_command, ready_app
from gateway.cli.output import dump_json, table


def add_commands(commands: Any, t: Catalogue) -> None:
    outbox = commands.add_parser("outbox", help=t("help.outbox"))
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True)
    states = ", ".join(
        t(f"status.outbox.{s}") for s in ("queued", "sending", "sent", "failed", "bounced")
    )
    add_list_command(outbox_commands, cmd_outbox_list, states, t)
    outbox_show = outbox_commands.add_parser("show", help=t("help.outbox.show"))
    outbox_show.add_argument("id", type=int)
    outbox_show.add_argument("--raw", action="store_true", help=t("help.outbox.raw"))
    outbox_show.set_defaults(handler=cmd_outbox_show)


def cmd_outbox_list(args: argparse.Namespace) -> int:
    from gateway.registry import list_outbox

    t: Catalogue = args.t
    state = t.value_for("status.outbox", args.state) if args.state else None
    with ready_app(args) as app:
        items = list_outbox(app.db, args.limit, state, app.settings.mail.timezone)
    if args.json:
        dump_json(items)
        return 0
    table(
        [
            [
                i["id"],
                t.label("outbox.kind", i["kind"]),
                t.label("status.outbox", i["state"]),
                i["to"],
                i["subject"],
            ]
            for i in items
        ],
        t("outbox.headers").split("|"),
    )
    return 0


def cmd_outbox_show(args: argparse.Namespace) -> int:
    from gateway.registry import outbox_message

    t: Catalogue = args.t
    with ready_app(args) as app:
        found = outbox_message(app.db, args.id)
    if found is None:
        raise CommandError(t("outbox.not_found", id=args.id))
    row, message = found
    print(
        t(
            "outbox.summary",
            state=row["state"],
            attempts=row["attempts"],
            mail_from=row["mail_from"],
            to=row["to"],
        )
    )
    if args.raw:
        sys.stdout.write(message.decode("utf-8", "replace"))
        return 0
    from gateway.outbound.readable import readable

    sys.stdout.write(readable(message))
    return 0
