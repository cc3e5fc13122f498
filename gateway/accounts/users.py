"""Panel users: create, change password, disable, list, and sign in with throttling."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from gateway.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from gateway.db.models import LoginFailure, Unit, WebUser

ROLES = ("admin", "operator", "pimpinan")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Failed logins in this window count towards the limits below.
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


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
    codes = _unit_codes(session, units)
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


def _unit_codes(session: Session, units: list[str]) -> list[str]:
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
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    user = find_user(session, username)
    user.password_hash, user.password_changed_at = hash_password(password), now


def disable_user(session: Session, username: str) -> None:
    """No more sign-ins; the user's sessions and API tokens stop working at once."""
    user = find_user(session, username)
    user.active = False
    from gateway.db.models import ApiToken, WebSession

    for row in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
        session.delete(row)
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.revoked = True


def list_users(session: Session) -> list[UserInfo]:
    return [
        UserInfo(u.id, u.username, u.role, list(u.units or []), u.active, u.last_login_at)
        for u in session.scalars(select(WebUser).order_by(WebUser.username))
    ]


def has_users(session: Session) -> bool:
    return session.scalars(select(WebUser.id).limit(1)).first() is not None


def authenticate(
    session: Session, username: str, password: str, remote: str, now: dt.datetime
) -> WebUser:
    """The user whose password this is, or UserError. Refused without checking the password
    while the account or the client address is over its failure limit; every failure is
    recorded, so the limits hold across processes sharing the database."""
    username = username.strip().lower()[:64]
    since = now - FAILURE_WINDOW
    if _failures(session, LoginFailure.username == username, since) >= MAX_FAILURES_PER_ACCOUNT:
        raise UserError("terlalu banyak percobaan gagal untuk akun ini; coba lagi 15 menit lagi")
    if _failures(session, LoginFailure.remote == remote, since) >= MAX_FAILURES_PER_ADDRESS:
        raise UserError("terlalu banyak percobaan gagal dari alamat ini; coba lagi 15 menit lagi")
    user = session.scalars(select(WebUser).where(WebUser.username == username)).first()
    stored = user.password_hash if user is not None else DUMMY_HASH
    if not verify_password(stored, password) or user is None or not user.active:
        session.add(LoginFailure(username=username, remote=remote[:64], at=now))
        raise UserError("nama pengguna atau kata sandi salah")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def _failures(session: Session, condition: ColumnElement[bool], since: dt.datetime) -> int:
    query = (
        select(func.count()).select_from(LoginFailure).where(condition, LoginFailure.at >= since)
    )
    return int(session.execute(query).scalar_one())
