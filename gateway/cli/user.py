"""`tnde user add|passwd|disable|list` and `tnde token create|list|revoke`: who may use
the panel."""

from __future__ import annotations

import argparse
import datetime as dt
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
    reset = user.add_parser("totp-reset", help=t("help.user.totp_reset"))
    reset.add_argument("username")
    reset.set_defaults(handler=cmd_totp_reset)
    listing = user.add_parser("list", help=t("help.list"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.set_defaults(handler=cmd_list)
    token = commands.add_parser("token", help=t("help.token")).add_subparsers(
        dest="token_command", required=True
    )
    create = token.add_parser("create", help=t("help.token.create"))
    create.add_argument("username")
    create.add_argument("--days", type=_days, default=365, metavar="N", help=t("help.token.days"))
    create.set_defaults(handler=cmd_token_create)
    tokens = token.add_parser("list", help=t("help.token.list"))
    tokens.add_argument("username")
    tokens.add_argument("--json", action="store_true", help=t("help.json"))
    tokens.set_defaults(handler=cmd_token_list)
    revoke = token.add_parser("revoke", help=t("help.token.revoke"))
    revoke.add_argument("token_id", type=int, metavar="ID")
    revoke.set_defaults(handler=cmd_token_revoke)


def _days(value: str) -> int:
    """A token's lifetime in days: 0 (no expiry) up to ten years."""
    days = int(value)
    if not 0 <= days <= 3650:
        raise argparse.ArgumentTypeError("0..3650")
    return days


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
    print(t("user.access_ended", username=args.username))
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


def cmd_totp_reset(args: argparse.Namespace) -> int:
    """Turn a user's second factor off (a lost phone); they enrol again in the panel."""
    from gateway.accounts.users import UserError, stop_totp

    try:
        with ready_app(args) as app, app.db.write() as session:
            stop_totp(session, args.username)
            _audit(session, app.clock(), "user_totp_reset", args.username, {})
    except UserError as err:
        raise CommandError(str(err)) from err
    print(args.t("user.totp_reset", username=args.username))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from gateway.accounts.users import list_users
    from gateway.entry import iso

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
            "totp": u.totp,
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
    from gateway.entry import iso

    t: Catalogue = args.t
    zone = args.settings.mail.timezone
    try:
        with ready_app(args) as app, app.db.write() as session:
            user = find_user(session, args.username)
            if not user.active:
                raise UserError(t("user.inactive", username=args.username))
            now = app.clock()
            token = create_api_token(session, user.id, now, days=args.days)
            _audit(session, now, "api_token_created", args.username, {"days": args.days})
    except UserError as err:
        raise CommandError(str(err)) from err
    print(t("token.created", username=args.username))
    if args.days:
        expires = iso(now + dt.timedelta(days=args.days), zone)
        print(t("token.expires", when=shown_time(expires, zone)))
    else:
        print(t("token.no_expiry"))
    print(token)  # last, alone on its line: scripts read it from there
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """A user's tokens by id (for `tnde token revoke ID`), never the tokens themselves."""
    from gateway.accounts.tokens import list_tokens
    from gateway.accounts.users import UserError, find_user
    from gateway.entry import iso

    t: Catalogue = args.t
    zone = args.settings.mail.timezone
    try:
        with ready_app(args) as app, app.db.read() as session:
            found = list_tokens(session, find_user(session, args.username).id)
            now = app.clock()
    except UserError as err:
        raise CommandError(str(err)) from err
    items: list[dict[str, Any]] = [
        {
            "id": k.id,
            "username": k.username,
            "state": _token_state(k.revoked, k.expires_at, now),
            "created_at": iso(k.created_at, zone),
            "expires_at": iso(k.expires_at, zone),
            "last_used_at": iso(k.last_used_at, zone),
        }
        for k in found
    ]
    if args.json:
        dump_json(items)
        return 0
    rows = [
        [
            i["id"],
            t(_STATE_TEXT[i["state"]]),
            shown_time(i["created_at"], zone),
            shown_time(i["expires_at"], zone) if i["expires_at"] else t("token.never"),
            shown_time(i["last_used_at"], zone),
        ]
        for i in items
    ]
    table(rows, t("token.headers").split("|"))
    return 0


_STATE_TEXT = {
    "active": "token.state.active",
    "expired": "token.state.expired",
    "revoked": "token.state.revoked",
}


def _token_state(revoked: bool, expires_at: dt.datetime | None, now: dt.datetime) -> str:
    if revoked:
        return "revoked"
    return "expired" if expires_at is not None and now >= expires_at else "active"


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from gateway.accounts.tokens import revoke_token

    t: Catalogue = args.t
    with ready_app(args) as app, app.db.write() as session:
        revoked = revoke_token(session, args.token_id)
        if revoked is None:
            raise CommandError(t("token.unknown", id=args.token_id))
        _audit(session, app.clock(), "api_token_revoked", revoked.username, {"id": revoked.id})
    print(t("token.revoked", id=revoked.id, username=revoked.username))
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
