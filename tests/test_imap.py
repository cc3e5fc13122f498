"""IMAP intake against a real Dovecot: IDLE, backlog, crashes, UIDVALIDITY, isolation."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.utils import make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from gateway.app import App
from gateway.cli.main import main
from gateway.config import ImapAccount
from gateway.db.models import ImapLedger, Inbound, Naskah, Unit, UnitAddress
from tests.fixtures.dovecot import DovecotInstance
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled
from tests.support.requirements import need_binary

USER, PASSWORD = "setda", "rahasia: dengan spasi"
TNDE = str(Path(sys.executable).with_name("tnde"))


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotInstance]:
    need_binary("dovecot", "dovecot-imapd")
    with DovecotInstance(
        tmp_path_factory.mktemp("dv"), {USER: PASSWORD, "dinkes": "sandi"}
    ) as server:
        yield server


def account(server: DovecotInstance, **changes: object) -> ImapAccount:
    base = ImapAccount(
        name="setda-zimbra",
        host=server.host,
        port=server.port,
        tls="none",
        allow_plaintext=True,
        username=USER,
        password=PASSWORD,
        deliver_to=f"setda@{DOMAIN}",
        timeout=10.0,
        idle_restart=60.0,
        reconcile_interval=60.0,
        poll_interval=1.0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def mailbox(server: DovecotInstance, user: str = USER, password: str = PASSWORD) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    client.login(user, password)
    return client


def append(
    server: DovecotInstance, count: int = 1, folder: str = "INBOX", size: int = 0, **kw: object
) -> list[bytes]:
    raws = []
    with mailbox(server) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for index in range(count):
            body = f"Perihal: Surat nomor {index}\n" + ("x" * 76 + "\n") * (size // 77)
            raw = letter(
                subject=f"Surat IMAP {index}",
                body=body,
                message_id=make_msgid(domain="pemda.go.id"),
                **kw,
            )  # type: ignore[arg-type]
            client.append(folder, raw)
            raws.append(raw)
    return raws


def folder_counts(server: DovecotInstance) -> dict[str, int]:
    with mailbox(server) as client:
        return {
            name: client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            for _, _, name in client.list_folders()
        }


def naskah_subjects(app: App) -> list[str]:
    with app.db.read() as session:
        return sorted(session.scalars(select(Naskah.subject)))


def running(db_url: str, *accounts: ImapAccount) -> RunningGateway:
    settings = dataclasses.replace(gateway_settings(db_url), imap=tuple(accounts))
    return RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()


def test_new_mail_while_idling_is_registered_and_moved(
    dovecot: DovecotInstance, db_url: str
) -> None:
    gateway = running(db_url, account(dovecot))
    try:
        wait_for(lambda: _ledger_account_seen(gateway.app), what="first sync")
        append(dovecot)
        wait_for(
            lambda: naskah_subjects(gateway.app) == ["Surat IMAP 0"], timeout=15, what="IDLE push"
        )
        wait_for(lambda: folder_counts(dovecot).get("Teregistrasi") == 1, what="moved")
        assert folder_counts(dovecot)["INBOX"] == 0
        with gateway.app.db.read() as session:
            (row,) = session.scalars(select(ImapLedger))
            inbound = session.get_one(Inbound, row.inbound_id)
        assert (row.state, inbound.source, inbound.rcpt_tos) == (
            "moved",
            "imap",
            [f"setda@{DOMAIN}"],
        )
        assert inbound.source_ref == f"setda-zimbra/INBOX/{row.uidvalidity}/{row.uid}"
    finally:
        gateway.stop()


def test_an_address_added_after_start_is_recognised_in_imap_mail(
    dovecot: DovecotInstance, sqlite_url: str
) -> None:
    gateway = running(sqlite_url, account(dovecot))
    try:
        wait_for(lambda: _ledger_account_seen(gateway.app), what="first sync")
        # No SMTP traffic follows: the poller itself must see the organisation change.
        with gateway.app.db.write() as session:
            dinkes = session.scalars(select(Unit).where(Unit.code == "DINKES")).one()
            session.add(UnitAddress(unit_id=dinkes.id, address=f"humas.dinkes@{DOMAIN}"))
        append(dovecot, to=f"humas.dinkes@{DOMAIN}")
        wait_for(lambda: naskah_subjects(gateway.app) == ["Surat IMAP 0"], timeout=15)
        with gateway.app.db.read() as session:
            (inbound,) = session.scalars(select(Inbound))
        assert inbound.rcpt_tos == [f"humas.dinkes@{DOMAIN}"]
    finally:
        gateway.stop()


def _ledger_account_seen(app: App) -> bool:
    from gateway.db.models import ImapAccountState

    with app.db.read() as session:
        state = session.get(ImapAccountState, "setda-zimbra")
        return bool(state and state.last_success_at)


def test_backlog_is_registered_once_with_flag_mode(
    dovecot: DovecotInstance, sqlite_url: str
) -> None:
    append(dovecot, 40)
    gateway = running(sqlite_url, account(dovecot, after="flag", idle=False, fetch_chunk=7))
    try:
        wait_for(lambda: len(naskah_subjects(gateway.app)) == 40, timeout=60, what="backlog")
    finally:
        gateway.stop()
    assert folder_counts(dovecot)["INBOX"] == 40  # flagged and left in place
    with mailbox(dovecot) as client:
        client.select_folder("INBOX")
        flagged = client.search(["KEYWORD", "$Teregistrasi"])
        unseen = client.search(["UNSEEN"])
    assert len(flagged) == 40 and len(unseen) == 40  # BODY.PEEK[] never set \\Seen
    # A second run reads nothing again.
    gateway = running(sqlite_url, account(dovecot, after="flag", idle=False))
    try:
        wait_for(lambda: _ledger_account_seen(gateway.app))
        assert len(naskah_subjects(gateway.app)) == 40
    finally:
        gateway.stop()


def test_crash_between_store_and_move_neither_loses_nor_duplicates(
    dovecot: DovecotInstance, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poller dies right after the commit, before touching the mailbox."""
    from gateway.intake.imap import poller as poller_module

    append(dovecot, 3)
    app = App.build(gateway_settings(sqlite_url), clock=FakeClock(OFFICE_HOURS))
    crashing = app.imap_poller(account(dovecot), lambda _id: None)

    def die(*args: object, **kwargs: object) -> None:
        raise SystemExit("simulated kill after commit")

    monkeypatch.setattr(crashing, "_dispose", die)
    with pytest.raises(SystemExit), poller_module.connect(crashing.account) as client:
        crashing.sync_all(client)
    with app.db.read() as session:
        assert {r.state for r in session.scalars(select(ImapLedger))} == {"stored"}
    assert folder_counts(dovecot)["INBOX"] == 3
    fresh = app.imap_poller(account(dovecot), lambda _id: None)
    with poller_module.connect(fresh.account) as client:
        assert fresh.sync_all(client) == 0  # nothing stored twice; the moves are finished
    assert folder_counts(dovecot) == {"INBOX": 0, "Teregistrasi": 3}
    with app.db.read() as session:
        assert {r.state for r in session.scalars(select(ImapLedger))} == {"moved"}
        assert len(list(session.scalars(select(Inbound)))) == 3
    app.close()


def test_kill_9_of_serve_mid_backlog_then_restart(
    dovecot: DovecotInstance, pg_url: str, tmp_path: Path
) -> None:
    """A real SIGKILL at an arbitrary moment: after restart every message exactly once."""
    total = 120
    append(dovecot, total)
    port = free_port()
    settings = {
        "TNDE_WORKER__POLL_INTERVAL": "0.05",
        "TNDE_IMAP__0__NAME": "setda-zimbra",
        "TNDE_IMAP__0__HOST": dovecot.host,
        "TNDE_IMAP__0__PORT": str(dovecot.port),
        "TNDE_IMAP__0__TLS": "none",
        "TNDE_IMAP__0__ALLOW_PLAINTEXT": "true",
        "TNDE_IMAP__0__USERNAME": USER,
        "TNDE_IMAP__0__PASSWORD": f'"{PASSWORD}"',
        "TNDE_IMAP__0__DELIVER_TO": f"setda@{DOMAIN}",
        "TNDE_IMAP__0__FETCH_CHUNK": "5",
        # A message the killed worker had claimed is taken over when its lease ends.
        "TNDE_WORKER__LEASE_SECONDS": "5",
    }
    env = serve_env(pg_url, port, settings)
    app = App.build(gateway_settings(pg_url))
    try:
        first_log = (tmp_path / "serve1.log").open("wb")
        server = subprocess.Popen([TNDE, "serve"], env=env, stdout=first_log, stderr=first_log)
        wait_for_port("127.0.0.1", port, 30)
        wait_for(lambda: _ledger_count(app) >= 10, timeout=60, what="the backlog under way")
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        partial = _ledger_count(app)
        registered_at_kill = len(naskah_subjects(app))
        # The kill must land mid-backlog, or the restart proves nothing: fail, not pass.
        assert registered_at_kill < total, "the kill landed after the whole backlog was done"
        second_log = (tmp_path / "serve2.log").open("wb")
        server = subprocess.Popen([TNDE, "serve"], env=env, stdout=second_log, stderr=second_log)
        try:
            wait_for(
                lambda: len(naskah_subjects(app)) == total and settled(app),
                timeout=120,
                what="catch-up",
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        subjects = naskah_subjects(app)
        assert len(set(subjects)) == total and len(subjects) == total, (partial, registered_at_kill)
        wait_for(lambda: folder_counts(dovecot).get("Teregistrasi") == total, timeout=30)
        assert folder_counts(dovecot)["INBOX"] == 0
    finally:
        app.close()


def _last_error(app: App, name: str) -> str | None:
    from gateway.db.models import ImapAccountState

    with app.db.read() as session:
        state = session.get(ImapAccountState, name)
        return state.last_error if state else None


def _ledger_count(app: App) -> int:
    with app.db.read() as session:
        return len(list(session.scalars(select(ImapLedger.id))))


def test_uidvalidity_change_resyncs_without_duplicates(
    dovecot: DovecotInstance, sqlite_url: str
) -> None:
    raws = append(dovecot, 2, folder="Surat")
    settings_account = account(dovecot, folders=("Surat",), after="flag", idle=False)
    app = App.build(gateway_settings(sqlite_url), clock=FakeClock(OFFICE_HOURS))
    poller = app.imap_poller(settings_account, lambda _id: None)
    from gateway.intake.imap.connection import connect

    with connect(settings_account) as client:
        assert poller.sync_all(client) == 2
    # The folder is deleted and recreated: new UIDVALIDITY, the same two letters plus one.
    with mailbox(dovecot) as client:
        client.delete_folder("Surat")
        client.create_folder("Surat")
        for raw in raws:
            client.append("Surat", raw)
        client.append(
            "Surat", letter(subject="Surat baru", message_id=make_msgid(domain="x.go.id"))
        )
    with connect(settings_account) as client:
        assert poller.sync_all(client) == 1  # only the new one is stored
    with app.db.read() as session:
        rows = list(session.scalars(select(ImapLedger).order_by(ImapLedger.id)))
        inbound = list(session.scalars(select(Inbound)))
    old, new = rows[:2], rows[2:]
    assert len({r.uidvalidity for r in old}) == 1 and len({r.uidvalidity for r in new}) == 1
    assert old[0].uidvalidity != new[0].uidvalidity
    # The two letters seen before link to their first Inbound rows; one new row only.
    assert [r.inbound_id for r in new[:2]] == [r.inbound_id for r in old]
    assert len(inbound) == 3 and {r.state for r in rows} == {"flagged"}
    app.close()


def test_server_restart_during_idle_reconnects(dovecot: DovecotInstance, sqlite_url: str) -> None:
    gateway = running(sqlite_url, account(dovecot))
    try:
        wait_for(lambda: _ledger_account_seen(gateway.app))
        dovecot.restart()
        append(dovecot)
        wait_for(
            lambda: naskah_subjects(gateway.app) == ["Surat IMAP 0"],
            timeout=30,
            what="after restart",
        )
    finally:
        gateway.stop()


def test_wrong_password_on_one_account_does_not_stop_the_other(
    dovecot: DovecotInstance,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = account(
        dovecot,
        name="dinkes-salah",
        username="dinkes",
        password="keliru",
        deliver_to=f"dinkes@{DOMAIN}",
    )
    gateway = running(sqlite_url, broken, account(dovecot))
    try:
        append(dovecot)
        wait_for(lambda: naskah_subjects(gateway.app) == ["Surat IMAP 0"], timeout=20)
        wait_for(lambda: _last_error(gateway.app, "dinkes-salah"), what="failure recorded")
        with gateway.smtp() as client:  # SMTP intake is unaffected too
            client.sendmail("a@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter(subject="lewat SMTP"))
        wait_for(lambda: len(naskah_subjects(gateway.app)) == 2)
    finally:
        gateway.stop()
    monkeypatch.setenv("TNDE_DATABASE__URL", sqlite_url)
    for index, item in enumerate((broken, account(dovecot))):
        for key in (
            "name",
            "host",
            "port",
            "tls",
            "allow_plaintext",
            "username",
            "password",
            "deliver_to",
        ):
            value = getattr(item, key)
            text = str(value).lower() if isinstance(value, bool) else str(value)
            monkeypatch.setenv(
                f"TNDE_IMAP__{index}__{key.upper()}",
                f'"{text}"' if isinstance(value, str) else text,
            )
    assert main(["imap", "status"]) == 0
    out = capsys.readouterr().out
    assert "dinkes-salah" in out and "authentication failed" in out.lower()
    assert main(["imap", "test", "setda-zimbra"]) == 0
    out = capsys.readouterr().out
    assert "masuk: berhasil" in out and "push (IDLE)" in out
    assert "folder yang dipantau 'INBOX'" in out
    assert main(["imap", "test", "dinkes-salah"]) == 1


def test_oversized_message_is_not_downloaded_and_moved_aside(
    dovecot: DovecotInstance, sqlite_url: str
) -> None:
    append(dovecot, 1, size=120_000)
    append(dovecot, 1)
    settings_account = account(
        dovecot, max_message_size=50_000, too_big_folder="Terlalu-Besar", idle=False
    )
    gateway = running(sqlite_url, settings_account)
    try:
        wait_for(lambda: len(naskah_subjects(gateway.app)) == 1, timeout=20)
        wait_for(lambda: folder_counts(dovecot).get("Terlalu-Besar") == 1)

        def ledger_states() -> list[str]:
            with gateway.app.db.read() as session:
                return sorted(r.state for r in session.scalars(select(ImapLedger)))

        # The ledger records the move just after the server made it: wait for both.
        states = wait_for(lambda: (s := ledger_states()) == ["moved", "too_big"] and s) or []
        with gateway.app.db.read() as session:
            assert len(list(session.scalars(select(Inbound)))) == 1
    finally:
        gateway.stop()
    assert states == ["moved", "too_big"]


def test_without_move_capability_copy_and_expunge_are_used(
    tmp_path_factory: pytest.TempPathFactory, sqlite_url: str
) -> None:
    need_binary("dovecot", "dovecot-imapd")
    with DovecotInstance(
        tmp_path_factory.mktemp("nomove"), {USER: PASSWORD}, disable_move=True
    ) as server:
        with mailbox(server) as client:
            assert b"MOVE" not in client.capabilities()
        append(server, 2)
        gateway = running(sqlite_url, account(server, idle=False))
        try:
            wait_for(lambda: len(naskah_subjects(gateway.app)) == 2, timeout=20)
            wait_for(lambda: folder_counts(server) == {"INBOX": 0, "Teregistrasi": 2})
        finally:
            gateway.stop()


def test_threads_stop_with_the_gateway(dovecot: DovecotInstance, sqlite_url: str) -> None:
    before = threading.active_count()
    gateway = running(sqlite_url, account(dovecot))
    wait_for(lambda: _ledger_account_seen(gateway.app))
    gateway.stop()
    wait_for(lambda: threading.active_count() <= before + 1, timeout=15, what="poller thread exit")


def test_non_ascii_folder_names_use_modified_utf7(
    dovecot: DovecotInstance, sqlite_url: str
) -> None:
    """Folder names with non-ASCII characters travel in modified UTF-7 (RFC 3501 5.1.3)."""
    folder, target = "Surat Dinas – Penting", "Sudah Dicatat é"
    append(dovecot, 1, folder=folder)
    watched = account(dovecot, folders=(folder,), move_to=target, idle=False)
    gateway = running(sqlite_url, watched)
    try:
        wait_for(lambda: len(naskah_subjects(gateway.app)) == 1, timeout=20)
        wait_for(lambda: folder_counts(dovecot).get(target) == 1, timeout=20)
    finally:
        gateway.stop()
    assert folder_counts(dovecot)[folder] == 0
