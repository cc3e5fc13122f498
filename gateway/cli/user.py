"""`tnde user add|passwd|disable|list` and `tnde token create`: who may use the panel."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import dump_json, shown_time, table


def add_commands(commands: Any, t: Catalogue) -> None:
    user = commands.add_parser("user", help=t("help.user")).add_subparsers(
        dest="user_command", required=True
    )
    adder = user.add_parser("add", help=t("help.user.add"))
    adder.add_argument("username")
    adder.add_argument("--role", choices=("admin", "operator", "pimpinan"), required=True)
    adder.add_argument("--unit", action="append", default=[], metavar="CODE")
    adder.add_argument("--password-stdin", action="store_true", help=t("help.user.stdin"))
    adder.add_argument("--if-absent", action="store_true", help=t("help.user.if_absent"))
    adder.set_defaults(handler=cmd_add)
    passwd = user.add_parser("passwd", help=t("help.user.passwd"))
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help=t("help.user.stdin"))
    passwd.set_defaults(handler=cmd_passwd)
    disable = user.add_parser("disable", help=t("help.user.disable"))
    disable.add_argument("username")
    disable.set_defaults(handler=cmd_disable)
    listing = user.add_parser("list", help=t("help.list"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.set_defaults(handler=cmd_list)
    token = commands.add_parser("token", help=t("help.token")).add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help=t("help.token.create"))
    create.add_argument("username")
    create.set_defaults(handler=cmd_token_create)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): one line from standard input, else a new random one."""
    from gateway.accounts.passwords import generated_password

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generated_password(), True


def cmd_add(args: argparse.Namespace) -> int:
    from gateway.accounts.users import UserError, add_user, find_user

    t: Catalogue = args.t
    with ready_app(args) as app, app.db.write() as session:
        if args.if_absent:
            try:
                find_user(session, args.username)
            except UserError:
                pass
            else:
                print(t("user.exists", username=args.username))
                return 0
        password, generated = _password(args)
        try:
            add_user(session, args.username, args.role, args.unit, password, app.clock())
        except UserError as err:
            raise CommandError(str(err)) from err
        _audit(session, app.clock(), "user_added", args.username, {"role": args.role})
    print(t("user.added", username=args.username.lower(), role=args.role))
    if generated:
        print(t("user.password_once", password=password))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from gateway.accounts.users import UserError, set_password

    t: Catalogue = args.t
    password, generated = _password(args)
    try:
        with ready_app(args) as app, app.db.write() as session:
            set_password(session, args.username, password, app.clock())
            _audit(session, app.clock(), "user_password_set", args.username, {})
    except UserError as err:
        raise CommandError(str(err)) from err
    print(t("user.password_set", username=args.username))
    if generated:
        print(t("user.password_once", password=password))
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from gateway.accounts.users import UserError, disable_user

    try:
        with ready_app(args) as app, app.db.write() as session:
            disable_user(session, args.username)
            _audit(session, app.clock(), "user_disabled", args.username, {})
    except UserError as err:
        raise CommandError(str(err)) from err
    print(args.t("user.disabled", username=args.username))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from gateway.accounts.users import list_users
    from gateway.registry import iso

    t: Catalogue = args.t
    zone = args.settings.mail.timezone
    with ready_app(args) as app, app.db.read() as session:
        users = list_users(session)
    items: list[dict[str, Any]] = [
        {
            "username": u.username,
            "role": u.role,
            "units": u.units,
            "active": u.active,
            "last_login_at": iso(u.last_login_at, zone),
        }
        for u in users
    ]
    if args.json:
        dump_json(items)
        return 0
    rows = [
        [
            i["username"],
            i["role"],
            ", ".join(i["units"]) or "-",
            t("common.yes") if i["active"] else t("common.no"),
            shown_time(i["last_login_at"], zone),
        ]
        for i in items
    ]
    table(rows, t("user.headers").split("|"))
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from gateway.accounts.tokens import create_api_token
    from gateway.accounts.users import UserError, find_user

    t: Catalogue = args.t
    try:
        with ready_app(args) as app, app.db.write() as session:
            user = find_user(session, args.username)
            if not user.active:
                raise UserError(t("user.inactive", username=args.username))
            token = create_api_token(session, user.id, app.clock())
            _audit(session, app.clock(), "api_token_created", args.username, {})
    except UserError as err:
        raise CommandError(str(err)) from err
    print(t("token.created", username=args.username))
    print(token)
    return 0


def _audit(session: Any, now: Any, kind: str, username: str, payload: dict[str, Any]) -> None:
    """Every change to who may sign in is on the audit trail, done from the command line."""
    from gateway.audit import record_event

    record_event(
        session,
        type=kind,
        actor="cli",
        channel="cli",
        now=now,
        payload={"username": username.lower(), **payload},
    )
