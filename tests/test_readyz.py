"""/readyz: 200 when the gateway can take mail; 503 with the reasons (JSON) when the
database is down or not at this code's migration, a listener stopped, or an IMAP account
has been failing longer than [metrics] imap_down_after. /readyz is public: a reason never
carries an error's text (it goes to the log, once). Real gateways, real sockets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from gateway.app import App
from gateway.config import ImapAccount
from gateway.db.models import ImapAccountState
from tests.fixtures.dovecot import DovecotInstance
from tests.fixtures.ports import free_port
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN
from tests.support.requirements import need_binary
from tests.support.tcpproxy import TcpProxy

ACCOUNT = "dinkes-imap"


def readyz(gateway: RunningGateway) -> tuple[int, dict[str, Any]]:
    url = f"{gateway.web_url.rstrip('/')}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def ready_gateway(db_url: str) -> Iterator[RunningGateway]:
    gateway = RunningGateway(App.build(gateway_settings(db_url))).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def test_ready_when_migrated_and_listening(ready_gateway: RunningGateway) -> None:
    assert readyz(ready_gateway) == (
        200,
        {"status": "ready", "listeners": {"smtp": True, "lmtp": True}},
    )


def test_not_ready_while_the_database_is_not_at_this_codes_migration(
    ready_gateway: RunningGateway,
) -> None:
    engine = ready_gateway.app.db.engine
    with engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()

    def at(revision: str) -> tuple[int, dict[str, Any]]:
        with engine.begin() as connection:
            update = text("UPDATE alembic_version SET version_num = :v")
            connection.execute(update, {"v": revision})
        try:
            return readyz(ready_gateway)
        finally:
            with engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})

    # Behind: an older migration this code ships.
    status, body = at("0014")
    assert status == 503 and body["status"] == "not_ready"
    (reason,) = body["reasons"]
    assert reason["check"] == "database"
    assert "0014" in reason["reason"] and head in reason["reason"]
    assert "jalankan `tnde init`" in reason["reason"]
    # Ahead: migrated by a newer program (rolled back since): init is not the answer.
    status, body = at("0099_baru")
    assert status == 503
    (reason,) = body["reasons"]
    assert "0099_baru" in reason["reason"] and "program ini lebih lama" in reason["reason"]
    assert "jangan jalankan `tnde init`" in reason["reason"]
    assert readyz(ready_gateway)[0] == 200  # migrated again: ready again


def test_not_ready_when_a_listener_stopped(ready_gateway: RunningGateway) -> None:
    running = ready_gateway.running
    assert running is not None
    server = running.listeners["lmtp"]
    ready_gateway.loop.call_soon_threadsafe(server.close)
    wait_for(lambda: not server.is_serving(), what="the LMTP listener closed")
    status, body = readyz(ready_gateway)
    assert status == 503
    assert body["listeners"] == {"smtp": True, "lmtp": False}
    assert [r["check"] for r in body["reasons"]] == ["listener"]
    assert "lmtp" in body["reasons"][0]["reason"]


def _failures(app: App) -> int:
    with app.db.read() as session:
        state = session.get(ImapAccountState, ACCOUNT)
        return state.consecutive_failures if state is not None else 0


def test_not_ready_once_an_imap_account_has_failed_longer_than_the_threshold(
    sqlite_url: str,
) -> None:
    # An account whose server is not there (a closed port): its poller really fails.
    account = _unreachable_account()
    settings = gateway_settings(sqlite_url, metrics={"imap_down_after": 600.0})
    app = App.build(dataclasses.replace(settings, imap=(account,)))
    gateway = RunningGateway(app).start()
    try:
        wait_for(lambda: _failures(app) > 0, timeout=30, what="the IMAP account failing")
        # Failing, but for less than imap_down_after (it never worked: since start).
        assert readyz(gateway)[0] == 200
        # Its last success was eleven minutes ago: past the threshold.
        last = app.clock() - dt.timedelta(minutes=11)
        with app.db.write() as session:
            state = session.scalars(select(ImapAccountState)).one()
            state.last_success_at = last
        status, body = readyz(gateway)
    finally:
        gateway.stop()
    assert status == 503
    (reason,) = body["reasons"]
    assert reason["check"] == "imap"
    assert ACCOUNT in reason["reason"] and "WIB" in reason["reason"]
    assert "tnde imap status" in reason["reason"]  # where the error itself is
    assert "127.0.0.1" not in reason["reason"]  # not the poller's error text


def _ready_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tnde.ready" and r.levelno == logging.WARNING
    ]


SECRET = "S3CRET-uji-7f1d"


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotInstance]:
    need_binary("dovecot", "dovecot-imapd")
    with DovecotInstance(tmp_path_factory.mktemp("dv"), {"tu": "sandi"}) as server:
        yield server


def test_an_imap_helpers_secret_never_reaches_the_public_body(
    sqlite_url: str, dovecot: DovecotInstance, caplog: pytest.LogCaptureFixture
) -> None:
    """A token_command that fails: its whole command line (with the client secret) is in
    the poller's error. /readyz, open to the office network, names only the account."""
    account = ImapAccount(
        name=ACCOUNT,
        host=dovecot.host,
        port=dovecot.port,
        tls="none",
        allow_plaintext=True,
        username="tu",
        auth="xoauth2",
        token_command=f"false --client-secret {SECRET}",
        deliver_to=f"dinkes@{DOMAIN}",
        timeout=5.0,
    )
    settings = gateway_settings(sqlite_url, metrics={"imap_down_after": 600.0})
    app = App.build(dataclasses.replace(settings, imap=(account,)))
    caplog.set_level(logging.INFO, logger="tnde.ready")
    gateway = RunningGateway(app).start()
    try:
        wait_for(lambda: _failures(app) > 0, timeout=30, what="the token command failing")
        with app.db.read() as session:
            stored = session.get_one(ImapAccountState, ACCOUNT).last_error or ""
        assert SECRET in stored  # what the poller keeps for `tnde imap status`
        with app.db.write() as session:
            state = session.get_one(ImapAccountState, ACCOUNT)
            state.last_success_at = app.clock() - dt.timedelta(minutes=11)
        answers = [readyz(gateway) for _ in range(3)]
    finally:
        gateway.stop()
    for status, body in answers:
        assert status == 503 and [r["check"] for r in body["reasons"]] == ["imap"]
        shown = json.dumps(body)
        assert SECRET not in shown and "client-secret" not in shown and "false" not in shown
        assert ACCOUNT in shown
    # The detail is in the log, once for three probes.
    logged = [line for line in _ready_warnings(caplog) if ACCOUNT in line]
    assert len(logged) == 1 and "token command failed" in logged[0]


def test_not_ready_while_the_database_is_down_without_its_error_text(
    proxied_pg: tuple[RunningGateway, TcpProxy], caplog: pytest.LogCaptureFixture
) -> None:
    gateway, proxy = proxied_pg
    assert readyz(gateway)[0] == 200
    caplog.set_level(logging.INFO, logger="tnde.ready")
    proxy.cut()
    try:
        answers = [readyz(gateway) for _ in range(3)]
    finally:
        proxy.restore()
    for status, body in answers:
        assert status == 503 and body["status"] == "not_ready"
        (reason,) = body["reasons"]
        assert reason["check"] == "database"
        assert "log" in reason["reason"]
        shown = json.dumps(body)
        # Not the driver's text: host, port, user, database name.
        for secret in (str(proxy.port), "postgres", "127.0.0.1", "connection", "psycopg"):
            assert secret not in shown, (secret, shown)
    logged = _ready_warnings(caplog)
    assert len(logged) == 1 and str(proxy.port) in logged[0]
    wait_for(lambda: readyz(gateway)[0] == 200, timeout=30, what="ready again")


def test_a_table_gone_between_the_checks_is_a_503_not_a_500(sqlite_url: str) -> None:
    """The IMAP check reads the database after the schema check: an error there is the
    database's 503 (it used to escape as aiohttp's 500)."""
    account = _unreachable_account()
    app = App.build(dataclasses.replace(gateway_settings(sqlite_url), imap=(account,)))
    gateway = RunningGateway(app).start()
    engine = app.db.engine
    try:
        wait_for(lambda: _failures(app) > 0, timeout=30, what="the poller has written its row")
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE imap_account_state RENAME TO imap_lama"))
        try:
            status, body = readyz(gateway)
        finally:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE imap_lama RENAME TO imap_account_state"))
    finally:
        gateway.stop()
    assert status == 503
    assert [r["check"] for r in body["reasons"]] == ["database"]
    assert "imap_account_state" not in json.dumps(body)


def _unreachable_account() -> ImapAccount:
    """An IMAP account whose server is not there (a closed port): its poller really fails."""
    return ImapAccount(
        name=ACCOUNT,
        host="127.0.0.1",
        port=free_port(),
        tls="none",
        allow_plaintext=True,
        username="tu",
        password="rahasia",
        deliver_to=f"dinkes@{DOMAIN}",
        timeout=5.0,
    )
