"""Panel users: create, change password, disable, list, and sign in with throttling."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.orm import Session

from gateway.accounts.locks import hold
from gateway.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from gateway.accounts.tokens import revoke_user_tokens
from gateway.accounts.totp import accepted_step
from gateway.db.models import LoginFailure, Unit, WebSession, WebUser

ROLES = ("admin", "operator", "pimpinan")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Failed logins in this window count towards the limits below.
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 20
MAX_FAILURES_PER_ACCOUNT = 50  # from all clients together (see authenticate)


class UserError(ValueError):
    """A user command or sign-in refused; the message says why (Indonesian)."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    units: list[str]
    active: bool
    last_login_at: dt.datetime | None
    totp: bool = False


def add_user(
    session: Session, username: str, role: str, units: list[str], password: str, now: dt.datetime
) -> WebUser:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError(f"nama pengguna {username!r} tidak sah (huruf kecil, angka, . _ -)")
    if role not in ROLES:
        raise UserError(f"peran {role!r} tidak dikenal; pilih {', '.join(ROLES)}")
    if session.scalars(select(WebUser).where(WebUser.username == username)).first():
        raise UserError(f"pengguna {username} sudah ada")
    codes = known_unit_codes(session, units)
    if role in ("operator", "pimpinan") and not codes:
        raise UserError(f"peran {role} memerlukan --unit KODE")
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user = WebUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        units=codes,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    return user


def known_unit_codes(session: Session, units: list[str]) -> list[str]:
    """The codes as the organisation spells them (any case typed), or UserError."""
    known = {code.upper(): code for code in session.scalars(select(Unit.code))}
    unknown = [u for u in units if u.upper() not in known]
    if unknown:
        raise UserError(f"unit tidak dikenal: {', '.join(unknown)}")
    return [known[u.upper()] for u in units]


def find_user(session: Session, username: str) -> WebUser:
    user = session.scalars(select(WebUser).where(WebUser.username == username.lower())).first()
    if user is None:
        raise UserError(f"tidak ada pengguna {username}")
    return user


def set_password(session: Session, username: str, password: str, now: dt.datetime) -> None:
    """A new password is a fresh start: every browser signed in as the user is signed out
    and every API token of the user is revoked (whoever knew the old password may have
    signed in or made a token with it); `tnde token create` issues new tokens."""
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user = find_user(session, username)
    user.password_hash, user.password_changed_at = hash_password(password), now
    end_access(session, user.id)


def disable_user(session: Session, username: str) -> None:
    """No more sign-ins; the user's sessions and API tokens stop working at once."""
    user = find_user(session, username)
    user.active = False
    end_access(session, user.id)


def end_access(session: Session, user_id: int) -> None:
    """End every session of the user and revoke every API token."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    revoke_user_tokens(session, user_id)


def list_users(session: Session) -> list[UserInfo]:
    return [
        UserInfo(
            u.id,
            u.username,
            u.role,
            list(u.units or []),
            u.active,
            u.last_login_at,
            bool(u.totp_secret),
        )
        for u in session.scalars(select(WebUser).order_by(WebUser.username))
    ]


def has_users(session: Session) -> bool:
    return session.scalars(select(WebUser.id).limit(1)).first() is not None


class Throttled(UserError):
    """A sign-in refused before its password was checked: a failure limit holds. Nothing
    is recorded for it, so a flood of refused attempts writes nothing."""


class BadCredentials(UserError):
    """A wrong username or password (or a disabled user), recorded as a failure.
    `filled` names the limits this failure filled (reached exactly): the one moment a
    throttle is worth an audit event."""

    def __init__(
        self, message: str, filled: tuple[str, ...] = (), second_factor: bool = False
    ) -> None:
        super().__init__(message)
        self.filled = filled
        # The password was right and the TOTP code was not: for the audit trail only (the
        # person asking is told the same as for a wrong password).
        self.second_factor = second_factor


@dataclass(frozen=True)
class _Failures:
    """Failed sign-ins in the window: this account from this client, this client on any
    account, this account from any client."""

    pair: int
    client: int
    account: int


def authenticate(
    session: Session,
    username: str,
    password: str,
    remote: str,
    now: dt.datetime,
    code: str = "",
    signing_in: bool = True,
) -> WebUser:
    """The user whose password this is, or Throttled / BadCredentials. With TOTP turned
    on, `code` must be a fresh one; `signing_in=False` checks the password alone (asked
    again before changing it) under the same limits, without counting as a sign-in.

    Failures are counted per (account, client address), not per account alone, so a
    stranger's guesses lock out the stranger's address and not the account: an admin
    keeps signing in from their own desk while someone else hammers the account. Three
    limits over FAILURE_WINDOW, each refusing without checking the password:

    - 5 failures on one account from one client address;
    - 20 failures from one client address on any accounts (one client guessing widely);
    - 50 failures on one account from all addresses together (guessing spread over many
      addresses). This ceiling does not apply at the address the account last signed in
      from successfully (`last_login_from`): the usual desk is never locked out by others.

    Every failure is recorded in the database, so the limits hold across processes, and
    the count and the insert happen under a lock on the account and the address
    (locks.hold), so concurrent attempts cannot slip past a limit together."""
    username, remote = username.strip().lower()[:64], remote[:64]
    hold(session, f"login-account:{username}", f"login-client:{remote}")
    user = session.scalars(select(WebUser).where(WebUser.username == username)).first()
    known_desk = user is not None and user.last_login_from == remote
    over = _over_limit(_failures(session, username, remote, now), known_desk)
    if over:
        raise Throttled(_THROTTLED[over])
    stored = user.password_hash if user is not None else DUMMY_HASH
    password_ok = verify_password(stored, password) and user is not None and user.active
    step = _second_factor(user, code, now) if password_ok and user is not None else None
    code_missing = (
        signing_in and password_ok and user is not None and bool(user.totp_secret)
    ) and step is None
    if not password_ok or code_missing:
        session.add(LoginFailure(username=username, remote=remote, at=now))
        session.flush()
        filled = _filled(_failures(session, username, remote, now), known_desk)
        # One message for every case: it must not tell that the password was right.
        raise BadCredentials(_WRONG, filled, second_factor=code_missing)
    assert user is not None
    if step is not None:
        user.totp_last_step = step
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if signing_in:  # a password asked again (to change it) is not a sign-in
        user.last_login_at, user.last_login_from = now, remote
    return user


_WRONG = "nama pengguna, kata sandi atau kode TOTP salah"


def _second_factor(user: WebUser, code: str, now: dt.datetime) -> int | None:
    """The accepted TOTP step, or None (also when the user has no second factor)."""
    if not user.totp_secret:
        return None
    return accepted_step(user.totp_secret, code, now, user.totp_last_step)


def start_totp(session: Session, user_id: int, secret: str, code: str, now: dt.datetime) -> None:
    """Turn the second factor on once the user's app shows a code for this secret. An
    active one is never replaced here: changing it takes a reset (admin or CLI) first, so a
    borrowed session cannot swap in a secret of its own."""
    user = session.get_one(WebUser, user_id)
    if user.totp_secret:
        raise UserError("kode TOTP sudah aktif; minta admin mematikannya dulu untuk menggantinya")
    step = accepted_step(secret, code, now, None)
    if step is None:
        raise UserError("kode tidak cocok; periksa jam ponsel dan coba kode berikutnya")
    user.totp_secret, user.totp_last_step = secret, step


def stop_totp(session: Session, username: str) -> None:
    """Turn the second factor off (a lost phone: `tnde user totp-reset`, or by an admin)."""
    user = find_user(session, username)
    user.totp_secret, user.totp_last_step = None, None


_THROTTLED = {
    "account_client": "terlalu banyak percobaan gagal untuk akun ini; coba lagi 15 menit lagi",
    "client": "terlalu banyak percobaan gagal dari alamat ini; coba lagi 15 menit lagi",
    "account": (
        "terlalu banyak percobaan gagal untuk akun ini dari banyak alamat; masuklah dari "
        "komputer tempat Anda terakhir berhasil masuk, atau coba lagi 15 menit lagi"
    ),
}


def _limits(failures: _Failures, known_desk: bool) -> list[tuple[str, int, int]]:
    """(name, count, limit) of each limit that applies to this attempt."""
    limits = [
        ("account_client", failures.pair, MAX_FAILURES_PER_ACCOUNT_AND_CLIENT),
        ("client", failures.client, MAX_FAILURES_PER_CLIENT),
    ]
    if not known_desk:
        limits.append(("account", failures.account, MAX_FAILURES_PER_ACCOUNT))
    return limits


def _over_limit(failures: _Failures, known_desk: bool) -> str:
    return next((n for n, count, limit in _limits(failures, known_desk) if count >= limit), "")


def _filled(failures: _Failures, known_desk: bool) -> tuple[str, ...]:
    return tuple(n for n, count, limit in _limits(failures, known_desk) if count == limit)


def _failures(session: Session, username: str, remote: str, now: dt.datetime) -> _Failures:
    """The three counts in one query over the window's rows of this account or client."""
    mine, here = LoginFailure.username == username, LoginFailure.remote == remote
    query = select(
        func.count(case((and_(mine, here), 1))),
        func.count(case((here, 1))),
        func.count(case((mine, 1))),
    ).where(LoginFailure.at >= now - FAILURE_WINDOW, or_(mine, here))
    pair, client, account = session.execute(query).one()
    return _Failures(int(pair), int(client), int(account))
