"""`tnde imap test ACCOUNT` and `tnde imap status`: check and watch the IMAP accounts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import dump_json, shown_time, table
from gateway.config import ImapAccount, Settings

if TYPE_CHECKING:
    from gateway.db.models import ImapAccountState


def add_commands(commands: Any, t: Catalogue) -> None:
    imap = commands.add_parser("imap", help=t("help.imap"))
    sub = imap.add_subparsers(dest="imap_command", required=True)
    test = sub.add_parser("test", help=t("help.imap.test"))
    test.add_argument("account")
    test.set_defaults(handler=cmd_test)
    status = sub.add_parser("status", help=t("help.imap.status"))
    status.add_argument("--json", action="store_true", help=t("help.json"))
    status.set_defaults(handler=cmd_status)


def _account(settings: Settings, name: str, t: Catalogue) -> ImapAccount:
    for account in settings.imap:
        if account.name == name:
            return account
    known = ", ".join(a.name for a in settings.imap) or t("imap.none_configured")
    raise CommandError(t("imap.no_account", name=repr(name), known=known))


def cmd_test(args: argparse.Namespace) -> int:
    from gateway.intake.imap.connection import ImapAccountError, connect
    from gateway.intake.imap.poller import describe

    t: Catalogue = args.t
    account = _account(args.settings, args.account, t)
    print(
        t(
            "imap.account",
            name=account.name,
            username=account.username,
            host=account.host,
            tls=account.tls,
        )
    )
    try:
        client = connect(account)
    except ImapAccountError as err:
        print(t("imap.failed", error=err))
        return 1
    try:
        print(t("imap.login_ok"))
        capabilities = sorted(c.decode() for c in client.capabilities())
        print(t("imap.capabilities", names=" ".join(capabilities)))
        for flag, meaning in (("IDLE", "push (IDLE)"), ("MOVE", "MOVE"), ("UIDPLUS", "UIDPLUS")):
            state = t("common.yes") if flag in capabilities else t("common.no")
            print(f"  {meaning:12} {state}")
        folders = [name for _, _, name in client.list_folders()]
        print(t("imap.folders", count=len(folders), names=", ".join(folders)))
        problems = 0
        for folder in account.folders:
            if not client.folder_exists(folder):
                print(t("imap.folder_missing", folder=repr(folder)))
                problems += 1
                continue
            info = describe(client.select_folder(folder, readonly=True))
            print(
                t(
                    "imap.folder",
                    folder=repr(folder),
                    count=info.get("EXISTS", 0),
                    uidvalidity=info.get("UIDVALIDITY"),
                    uidnext=info.get("UIDNEXT"),
                )
            )
        if account.after != "move":
            target = t("imap.after_flag", flag=account.flag)
        elif client.folder_exists(account.move_to):
            target = t("imap.after_move", folder=account.move_to)
        else:
            target = t("imap.after_move_new", folder=account.move_to)
        print(t("imap.after", target=target))
    finally:
        client.logout()
    return 1 if problems else 0


def cmd_status(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from gateway.db.models import ImapAccountState
    from gateway.intake.imap import ledger

    zone = args.settings.mail.timezone
    with ready_app(args) as app, app.db.read() as session:
        states = {s.account: s for s in session.scalars(select(ImapAccountState))}
        items = [
            _status(a, states.get(a.name), ledger.counts(session, a.name), zone)
            for a in app.settings.imap
        ]
    if args.json:
        dump_json(items)
        return 0
    table(
        [
            [
                i["account"],
                shown_time(i["last_success_at"], zone),
                shown_time(i["last_error_at"], zone),
                i["consecutive_failures"],
                " ".join(f"{k}={v}" for k, v in i["ledger"].items()) or "-",
            ]
            for i in items
        ],
        args.t("imap.headers").split("|"),
    )
    for item in items:
        if item["last_error"]:
            print(f"{item['account']}: {item['last_error']}")
    return 0


def _status(
    account: ImapAccount, state: ImapAccountState | None, counts: dict[str, int], zone: str
) -> dict[str, Any]:
    from gateway.entry import iso

    return {
        "account": account.name,
        "host": account.host,
        "folders": list(account.folders),
        "enabled": account.enabled,
        "last_success_at": iso(state.last_success_at, zone) if state else None,
        "last_error_at": iso(state.last_error_at, zone) if state else None,
        "last_error": state.last_error if state else None,
        "consecutive_failures": state.consecutive_failures if state else 0,
        "capabilities": state.capabilities if state else None,
        "ledger": counts,
    }
