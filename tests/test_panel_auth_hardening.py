"""The panel's sign-in under attack, over real HTTP against a running gateway: open
redirects, hostile characters, lockouts and floods by strangers, races, unbounded writes,
deactivated officials, password changes and API tokens, timing, and cookie mix-ups."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select

from gateway.accounts.tokens import create_api_token, user_for_token
from gateway.accounts.users import find_user, set_password
from gateway.app import App
from gateway.config import load_settings
from gateway.db.models import (
    Event,
    LoginFailure,
    LoginLink,
    Person,
    PersonEmail,
    WebSession,
    WebUser,
)
from tests.support.cli import run
from tests.support.gateway import RunningGateway, wait_for
from tests.support.panel import PASSWORD, Answer, PanelClient, make_user, signed_in
from tests.support.replies import outgoing, plain

SEKDA = "agus.nugroho@banyumaskab.go.id"
WRONG = "tebakan-yang-salah"
ROOT = Path(__file__).parent.parent


def post_from(client: PanelClient, path: str, form: dict[str, str], address: str) -> Answer:
    """A form post with the client's form token, from `address` as the local nginx
    reports it (X-Real-IP from a loopback peer)."""
    return client.request(path, {"csrf_token": client.csrf, **form}, {"X-Real-IP": address})


def login_from(client: PanelClient, username: str, password: str, address: str) -> Answer:
    client.get("/login")
    return post_from(client, "/login", {"username": username, "password": password}, address)


def ask_link(client: PanelClient, address: str = "10.0.0.5", email: str = SEKDA) -> Answer:
    client.get("/masuk")
    return post_from(client, "/masuk", {"email": email}, address)


def links_mailed(gw: RunningGateway, to: str = SEKDA) -> list[str]:
    """The /masuk/<token> paths of every sign-in link mailed to `to`, oldest first."""
    paths = []
    for mail in outgoing(gw.app, to, "login_link"):
        found = re.search(r"https?://\S+(/masuk/\S+)", plain(mail))
        assert found is not None
        paths.append(found.group(1))
    return paths


def wait_links(gw: RunningGateway, count: int) -> list[str]:
    return wait_for(lambda: len(links_mailed(gw)) == count and links_mailed(gw), what="links")


def web_events(gw: RunningGateway, kind: str) -> list[Event]:
    with gw.app.db.read() as session:
        query = select(Event).where(Event.channel == "web", Event.type == kind)
        return list(session.scalars(query))


def count(gw: RunningGateway, model: Any, *where: Any) -> int:
    with gw.app.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def sekda_id(gw: RunningGateway) -> int:
    with gw.app.db.read() as session:
        found = session.scalar(select(PersonEmail.person_id).where(PersonEmail.address == SEKDA))
    assert found is not None
    return found


def signed_in_official(gw: RunningGateway, address: str = "10.0.0.5") -> PanelClient:
    browser = PanelClient(gw)
    before = len(links_mailed(gw))
    ask_link(browser, address)
    path = wait_links(gw, before + 1)[-1]
    assert browser.get(path).status == 303
    return browser


# --- 1. open redirect ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example",
     "https://evil.example/", "/ /evil.example", "/%2f/evil.example", "/\x00/evil"],
)  # fmt: skip
def test_next_never_leaves_the_site(sqlite_gateway: RunningGateway, target: str) -> None:
    make_user(sqlite_gateway, "admin1", "admin")
    client = PanelClient(sqlite_gateway)
    client.get("/login")
    answer = client.post("/login", {"username": "admin1", "password": PASSWORD, "next": target})
    assert answer.status == 303 and answer.headers["Location"] == "/"
    page = PanelClient(sqlite_gateway).get("/login?next=" + quote(target, safe="/"))
    assert 'name="next" value="/"' in page.body


def test_next_keeps_a_path_on_the_site(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "admin1", "admin")
    client = PanelClient(sqlite_gateway)
    client.get("/login?next=/naskah/1")
    answer = client.post(
        "/login", {"username": "admin1", "password": PASSWORD, "next": "/naskah/1?tab=isi"}
    )
    assert answer.status == 303 and answer.headers["Location"] == "/naskah/1?tab=isi"


# --- 2. hostile characters -----------------------------------------------------------------


def test_control_characters_get_the_form_back_never_a_500(gateway: RunningGateway) -> None:
    make_user(gateway, "admin1", "admin")
    client = PanelClient(gateway)
    for form in (
        {"username": "admin1\x00", "password": PASSWORD},
        {"username": "admin1", "password": "kata\x00sandi-salah"},
        {"username": "a" * 300, "password": PASSWORD},
    ):
        client.get("/login")
        answer = client.post("/login", form)
        assert answer.status == 400, form
        assert "karakter yang tidak diizinkan" in answer.body and "<form" in answer.body
    assert count(gateway, LoginFailure) == 0  # refused before the database
    sent = ask_link(client, email=SEKDA + "\x00")
    assert sent.status == 200 and "tautan masuk telah dikirim" in sent.body
    assert links_mailed(gateway) == []  # an address with a NUL is nobody's
    for path in ("/masuk/%00abc", "/masuk/abc%00def" + "x" * 30, "/masuk/surat/%00",
                 "/masuk/surat/%C3%A9t%C3%A9", "/masuk/surat/ab%0Acd"):  # fmt: skip
        answer = client.get(path)
        assert answer.status == 404 and "Tautan ini tidak berlaku" in answer.body, path
    client.get("/masuk")
    assert client.post("/masuk/surat/%00ab").status == 404
    # The right password still works afterwards: nothing above counted as a failure.
    assert client.login("admin1").status == 303


# --- 3. lockouts, quotas and floods by strangers -------------------------------------------


def test_a_stranger_cannot_lock_an_admin_out_of_their_desk(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "admin1", "admin")
    attacker = PanelClient(sqlite_gateway)
    answers = [login_from(attacker, "admin1", WRONG, "10.0.0.66").status for _ in range(6)]
    assert answers == [401] * 5 + [429]  # the stranger's own address is throttled
    desk = PanelClient(sqlite_gateway)
    assert login_from(desk, "admin1", PASSWORD, "10.0.0.5").status == 303


def test_guessing_from_many_addresses_spares_the_usual_desk(
    sqlite_gateway: RunningGateway,
) -> None:
    make_user(sqlite_gateway, "admin1", "admin")
    desk = PanelClient(sqlite_gateway)
    assert login_from(desk, "admin1", PASSWORD, "10.0.0.5").status == 303  # the usual desk
    attacker = PanelClient(sqlite_gateway)
    for n in range(10):  # 5 failures from each of 10 addresses: the account's ceiling (50)
        for _ in range(5):
            assert login_from(attacker, "admin1", WRONG, f"10.0.1.{n}").status == 401
    elsewhere = login_from(PanelClient(sqlite_gateway), "admin1", PASSWORD, "10.0.2.1")
    assert elsewhere.status == 429 and "dari banyak alamat" in elsewhere.body
    assert login_from(PanelClient(sqlite_gateway), "admin1", PASSWORD, "10.0.0.5").status == 303
    limits = [e.payload["limits"] for e in web_events(sqlite_gateway, "login_throttled")]
    assert sum("account" in x for x in limits) == 1


def test_a_stranger_cannot_use_up_an_officials_links(sqlite_gateway: RunningGateway) -> None:
    stranger = PanelClient(sqlite_gateway)
    for _ in range(7):
        assert ask_link(stranger, "10.0.0.66").status == 200
    wait_links(sqlite_gateway, 5)  # the stranger's quota for this official
    official = PanelClient(sqlite_gateway)
    ask_link(official, "10.0.0.5")
    path = wait_links(sqlite_gateway, 6)[-1]
    assert official.get(path).status == 303
    # Reaching the limit is recorded once; the refusals after it write nothing.
    assert len(web_events(sqlite_gateway, "login_link_limited")) == 1
    assert web_events(sqlite_gateway, "login_link_refused") == []


def test_sign_in_posts_are_limited_per_client(sqlite_gateway: RunningGateway) -> None:
    client = PanelClient(sqlite_gateway)
    client.get("/login")
    form = {"username": "a", "password": "b", "csrf_token": "x"}
    statuses = [
        client.request(path, form, {"X-Real-IP": "10.0.0.66"}).status
        for path in ["/login"] * 20 + ["/masuk"] * 5 + ["/masuk/surat/abcdefgh"] * 5
    ]
    assert statuses == [403] * 30  # a form token is still needed under the limit
    for path in ("/login", "/masuk", "/masuk/surat/abcdefgh"):
        answer = client.request(path, form, {"X-Real-IP": "10.0.0.66"})
        assert answer.status == 429 and "terlalu banyak permintaan" in answer.body, path
    assert client.request("/login", form, {"X-Real-IP": "10.0.0.5"}).status == 403


def _all_at_once(count: int, attempt: Callable[[int], Answer]) -> list[int]:
    """`count` requests released together from as many threads."""
    barrier = threading.Barrier(count)

    def go(n: int) -> int:
        barrier.wait()
        return attempt(n).status

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(go, range(count)))


def test_concurrent_failures_and_link_requests_respect_the_limits(
    gateway: RunningGateway,
) -> None:
    make_user(gateway, "operator1", "operator", ["SETDA"])
    clients = [PanelClient(gateway) for _ in range(12)]
    for client in clients:
        client.get("/login")
    statuses = _all_at_once(
        12, lambda n: clients[n].post("/login", {"username": "operator1", "password": WRONG})
    )
    assert sorted(statuses) == [401] * 5 + [429] * 7
    assert count(gateway, LoginFailure, LoginFailure.username == "operator1") == 5
    browsers = [PanelClient(gateway) for _ in range(10)]
    for browser in browsers:
        browser.get("/masuk")
    statuses = _all_at_once(10, lambda n: browsers[n].post("/masuk", {"email": SEKDA}))
    assert statuses == [200] * 10
    wait_links(gateway, 5)
    time.sleep(0.5)  # any request that slipped past the limit would show by now
    assert count(gateway, LoginLink) == 5 and len(links_mailed(gateway)) == 5


def test_concurrent_sign_ins_on_different_accounts_all_get_an_answer(
    gateway: RunningGateway,
) -> None:
    """Their audit events race for the same place in the system chain; the loser's
    transaction runs again rather than answering 500."""
    clients = [PanelClient(gateway) for _ in range(12)]
    for client in clients:
        client.get("/login")
    form = {"password": WRONG}
    statuses = _all_at_once(
        12,
        lambda n: post_from(clients[n], "/login", {**form, "username": f"orang{n}"}, f"10.3.0.{n}"),
    )
    assert statuses == [401] * 12
    assert len(web_events(gateway, "login_failed")) == 12


# --- 4. bounded writes ---------------------------------------------------------------------


def test_throttled_attempts_write_nothing(sqlite_gateway: RunningGateway) -> None:
    make_user(sqlite_gateway, "operator1", "operator", ["SETDA"])
    client = PanelClient(sqlite_gateway)
    answers = [client.login("operator1", WRONG).status for _ in range(12)]
    assert answers == [401] * 5 + [429] * 7
    assert count(sqlite_gateway, LoginFailure) == 5
    assert len(web_events(sqlite_gateway, "login_failed")) == 5
    [throttled] = web_events(sqlite_gateway, "login_throttled")
    assert throttled.actor == "operator1" and throttled.payload["limits"] == ["account_client"]


@contextmanager
def auth_writes(gw: RunningGateway) -> Iterator[list[str]]:
    """Write transactions (BEGIN IMMEDIATE on SQLite) opened by webadmin/auth.py."""
    seen: list[str] = []

    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("sqlite_deferred"):
            return  # a read transaction
        frames = [f.name for f in traceback.extract_stack() if f.filename.endswith("auth.py")]
        if frames:
            seen.append(frames[-1])

    event.listen(gw.app.db.engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(gw.app.db.engine, "begin", on_begin)


def test_sessions_and_tokens_are_read_without_writing(sqlite_gateway: RunningGateway) -> None:
    client = signed_in(sqlite_gateway, "admin")
    with auth_writes(sqlite_gateway) as seen:
        for _ in range(3):
            assert client.get("/").status == 200
    assert seen == []
    sqlite_gateway.app.clock.advance(minutes=2)  # type: ignore[attr-defined]
    with auth_writes(sqlite_gateway) as seen:
        for _ in range(3):
            assert client.get("/").status == 200
    assert len(seen) == 1  # the idle timer restarted once

    app = sqlite_gateway.app
    with app.db.write() as session:
        token = create_api_token(session, find_user(session, "admin-semua").id, app.clock())
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.request("/api/v1/naskah", headers=bearer).status == 200  # first use noted
    with auth_writes(sqlite_gateway) as seen:
        for _ in range(3):
            assert client.request("/api/v1/naskah", headers=bearer).status == 200
    assert seen == []


def test_stale_sign_in_rows_are_purged_at_sign_in(sqlite_gateway: RunningGateway) -> None:
    app = sqlite_gateway.app
    now = app.clock()
    person = sekda_id(sqlite_gateway)

    def link(name: str, age: dt.timedelta) -> LoginLink:
        return LoginLink(
            token_hash=name * 64, person_id=person, browser_hash="b" * 64,
            created_at=now - age, expires_at=now - age + dt.timedelta(minutes=15),
        )  # fmt: skip

    def web_session(name: str, last_seen: dt.timedelta) -> WebSession:
        return WebSession(
            id=name * 64, person_id=person, csrf_token="c", created_at=now - last_seen,
            last_seen_at=now - last_seen, expires_at=now + dt.timedelta(hours=1), remote="",
        )  # fmt: skip

    with app.db.write() as session:
        session.add_all([
            LoginFailure(username="lama", remote="10.9.9.9", at=now - dt.timedelta(hours=1)),
            LoginFailure(username="baru", remote="10.9.9.9", at=now - dt.timedelta(minutes=1)),
            link("a", dt.timedelta(hours=3)),
            link("b", dt.timedelta(minutes=30)),  # expired, still counts towards the quota
            web_session("c", dt.timedelta(hours=3)),  # idle too long
            web_session("d", dt.timedelta(minutes=5)),
        ])  # fmt: skip
    make_user(sqlite_gateway, "admin1", "admin")
    assert PanelClient(sqlite_gateway).login("admin1").status == 303
    with app.db.read() as session:
        assert list(session.scalars(select(LoginFailure.username))) == ["baru"]
        assert list(session.scalars(select(LoginLink.token_hash))) == ["b" * 64]
        kept = set(session.scalars(select(WebSession.id).where(WebSession.person_id == person)))
    assert kept == {"d" * 64}


# --- 5. officials no longer active ---------------------------------------------------------


def test_a_deactivated_official_gets_no_link_and_loses_the_session(
    sqlite_gateway: RunningGateway,
) -> None:
    official = signed_in_official(sqlite_gateway)
    assert official.get("/").status == 200
    other = PanelClient(sqlite_gateway)
    ask_link(other)
    pending = wait_links(sqlite_gateway, 2)[-1]
    with sqlite_gateway.app.db.write() as session:
        session.get_one(Person, sekda_id(sqlite_gateway)).active = False
    assert official.get("/").status == 303  # the session ended
    assert other.get(pending).status == 404  # the link mailed before does not open
    assert ask_link(PanelClient(sqlite_gateway)).status == 200  # the same answer...
    time.sleep(0.5)
    assert len(links_mailed(sqlite_gateway)) == 2  # ...and no mail


# --- 6. password changes, API tokens, stored session ids -----------------------------------


def test_a_new_password_ends_sessions_and_api_tokens(sqlite_gateway: RunningGateway) -> None:
    app = sqlite_gateway.app
    client = signed_in(sqlite_gateway, "operator", ["SETDA"])
    with app.db.write() as session:
        token = create_api_token(session, find_user(session, "operator-setda").id, app.clock())
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.request("/api/v1/naskah", headers=bearer).status == 200
    with app.db.write() as session:
        set_password(session, "operator-setda", "kata-sandi-baru-sekali", app.clock())
    assert client.get("/").status == 303
    assert client.request("/api/v1/naskah", headers=bearer).status == 401
    assert (
        PanelClient(sqlite_gateway).login("operator-setda", "kata-sandi-baru-sekali").status == 303
    )


def test_tokens_are_listed_revoked_one_by_one_and_expire(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cli_env: str
) -> None:
    import io

    run(capsys, "user", "add", "tu.dinkes", "--role", "operator", "--unit", "DINKES")
    code, out, _ = run(capsys, "token", "create", "tu.dinkes", "--days", "1")
    assert code == 0 and "berlaku sampai" in out
    short = out.strip().splitlines()[-1]
    code, out, _ = run(capsys, "token", "create", "tu.dinkes", "--days", "0")
    assert code == 0 and "berlaku sampai dicabut" in out
    forever = out.strip().splitlines()[-1]
    yearly = run(capsys, "token", "create", "tu.dinkes")[1].strip().splitlines()[-1]
    assert all(t.startswith("tnde_") for t in (short, forever, yearly))
    code, out, _ = run(capsys, "token", "list", "tu.dinkes", "--json")
    items = json.loads(out)
    assert [i["state"] for i in items] == ["active"] * 3 and items[1]["expires_at"] is None
    assert short not in out and forever not in out  # ids, never the tokens
    code, out, _ = run(capsys, "token", "revoke", str(items[1]["id"]))
    assert code == 0 and "dicabut" in out
    code, out, _ = run(capsys, "token", "list", "tu.dinkes")
    assert code == 0 and "dicabut" in out and "NOMOR" in out
    code, _, err = run(capsys, "token", "revoke", "99999")
    assert code == 1 and "tidak ada token API nomor 99999" in err
    app = App.build(load_settings())
    try:
        now = dt.datetime.now(dt.UTC)
        with app.db.read() as session:
            assert user_for_token(session, short, now) is not None
            assert user_for_token(session, short, now + dt.timedelta(days=2)) is None
            assert user_for_token(session, forever, now) is None  # revoked
            assert user_for_token(session, yearly, now + dt.timedelta(days=300)) is not None
            assert user_for_token(session, yearly, now + dt.timedelta(days=366)) is None
    finally:
        app.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-baru-sekali\n"))
    code, out, _ = run(capsys, "user", "passwd", "tu.dinkes", "--password-stdin")
    assert code == 0 and "token API-nya dicabut" in out
    code, out, _ = run(capsys, "token", "list", "tu.dinkes", "--json")
    assert [i["state"] for i in json.loads(out)] == ["revoked"] * 3


def test_the_session_table_holds_no_usable_session_id(sqlite_gateway: RunningGateway) -> None:
    client = signed_in(sqlite_gateway, "admin")
    cookie = client.cookie("tnde_sesi")
    assert cookie is not None
    session_id = cookie.value.rpartition(".")[0]
    with sqlite_gateway.app.db.read() as session:
        stored = list(session.scalars(select(WebSession.id)))
    assert stored == [hashlib.sha256(session_id.encode()).hexdigest()]


def test_the_upgrade_keeps_live_sessions_under_their_hashed_ids(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    from gateway.db.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
    try:
        upgrade(engine, "0008")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO web_session (id, csrf_token, created_at, last_seen_at, "
                    "expires_at, remote) VALUES ('id-di-cookie', 'c', :t, :t, :t, '')"
                ),
                {"t": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
            )
        upgrade(engine)
        with engine.connect() as connection:
            stored = list(connection.execute(text("SELECT id FROM web_session")).scalars())
    finally:
        engine.dispose()
    assert stored == [hashlib.sha256(b"id-di-cookie").hexdigest()]


# --- 7. timing -----------------------------------------------------------------------------


def test_asking_for_a_link_takes_as_long_for_any_address(sqlite_gateway: RunningGateway) -> None:
    from webadmin.auth import ANSWER_AFTER

    def timed(email: str) -> float:
        browser = PanelClient(sqlite_gateway)
        browser.get("/masuk")
        started = time.monotonic()
        answer = browser.post("/masuk", {"email": email})
        assert answer.status == 200 and "tautan masuk telah dikirim" in answer.body
        return time.monotonic() - started

    known, unknown = timed(SEKDA), timed("orang.luar@gmail.com")
    assert ANSWER_AFTER <= known < ANSWER_AFTER + 0.3
    assert ANSWER_AFTER <= unknown < ANSWER_AFTER + 0.3
    assert abs(known - unknown) < 0.2
    wait_links(sqlite_gateway, 1)  # the known address did get its link


# --- 8. session changes at a link, cookie purposes, staff browsers, nginx --------------------


def test_opening_a_link_ends_the_browsers_previous_session(
    sqlite_gateway: RunningGateway,
) -> None:
    official = signed_in_official(sqlite_gateway)
    first = official.cookie("tnde_sesi")
    assert first is not None
    ask_link(official)
    assert official.get(wait_links(sqlite_gateway, 2)[-1]).status == 303
    second = official.cookie("tnde_sesi")
    assert second is not None and second.value != first.value
    person = sekda_id(sqlite_gateway)
    assert count(sqlite_gateway, WebSession, WebSession.person_id == person) == 1


def test_a_session_cookie_is_no_nonce_cookie(sqlite_gateway: RunningGateway) -> None:
    client = signed_in(sqlite_gateway, "admin")
    cookie = client.cookie("tnde_sesi")
    assert cookie is not None
    fresh = PanelClient(sqlite_gateway)
    answer = fresh.request("/login", headers={"Cookie": f"tnde_pra={cookie.value}"})
    issued = re.search(r"tnde_pra=([^;]+)", answer.headers["Set-Cookie"])
    assert issued is not None and issued.group(1).strip('"') != cookie.value


def test_a_staff_browser_cannot_open_an_officials_link(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway, "admin")
    ask_link(admin)
    path = wait_links(sqlite_gateway, 1)[-1]
    refused = admin.get(path)
    assert refused.status == 409 and "keluar dulu" in refused.body
    assert 'action="/logout"' in refused.body
    with sqlite_gateway.app.db.read() as session:
        assert session.scalars(select(LoginLink.used_at)).one() is None  # still unused
        assert session.scalars(select(WebUser.username)).one() == "admin-semua"
    assert "admin-semua" in admin.get("/").body  # still the admin, not the official
    admin.get("/")
    assert admin.post("/logout").status == 303
    assert admin.get(path).status == 303  # signed out first: now it opens, deliberately


def test_nginx_keeps_sign_in_tokens_out_of_the_access_log() -> None:
    conf = (ROOT / "deploy" / "nginx" / "tnde.conf").read_text(encoding="utf-8")
    block = re.search(r"location /masuk/ \{(.*?)\n    \}", conf, re.S)
    assert block is not None and "access_log off;" in block.group(1)
    assert "proxy_set_header X-Real-IP $remote_addr;" in block.group(1)
    assert "deny  all;" in block.group(1)  # the same office-network allow-list as /


def test_non_ascii_form_tokens_and_cookies_are_refused_not_a_500(
    sqlite_gateway: RunningGateway,
) -> None:
    client = PanelClient(sqlite_gateway)
    client.get("/login")
    answer = client.post("/login", {"username": "a", "password": "b", "csrf_token": "é" * 40})
    assert answer.status == 403
    admin = signed_in(sqlite_gateway, "admin")
    assert admin.post("/logout", {"csrf_token": "é"}).status == 403
    assert admin.get("/").status == 200  # still signed in
    cookie = admin.cookie("tnde_sesi")
    assert cookie is not None
    forged = cookie.value.rpartition(".")[0] + ".é"  # the right id, a non-ASCII MAC
    for name in ("tnde_sesi", "tnde_pra"):
        answer = PanelClient(sqlite_gateway).request(
            "/login", headers={"Cookie": f"{name}={forged}"}
        )
        assert answer.status == 200, name
