"""Structured logs: JSON lines naming the letter (Message-ID, inbound id, agenda number),
and nothing secret in any line through a Sangat Rahasia letter's life: the letter over
SMTP, a disposition by reply with its token, a panel sign-in and the letter's page."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway import logs
from gateway.app import App
from gateway.db.models import Inbound, Naskah, Outbox
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PASSWORD, PanelClient, make_user
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, send_reply
from tests.support.sink import Sink

SEKDA = "agus.nugroho@banyumaskab.go.id"
KABAG = "teguh.wibowo@banyumaskab.go.id"
TRUSTED = "mx.banyumaskab.go.id"
PERIHAL = "Rencana operasi penertiban gabungan"
SECRET_LINE = "Titik kumpul di gudang Kalibagor pukul 02.00"
NOTE = "koordinasikan dengan Satpol PP secara tertutup"
MESSAGE_ID = "<sr-300-12@dinkes.jatengprov.go.id>"
TNDE = str(Path(sys.executable).with_name("tnde"))


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every line the root logger writes at DEBUG, as `tnde serve` would with
    `[log] format = "json"` (the test runner's own handlers stay)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.LetterFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(text: str) -> list[dict[str, Any]]:
    """Each line as JSON; fails on a line that is not one object."""
    entries = []
    for line in text.splitlines():
        entry = json.loads(line)
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "message"} <= set(entry), line
        assert dt.datetime.fromisoformat(entry["time"]).utcoffset() == dt.timedelta(0), line
        entries.append(entry)
    return entries


def test_a_sangat_rahasia_letter_is_named_in_the_logs_and_never_quoted(
    sqlite_url: str, captured: io.StringIO
) -> None:
    clock = FakeClock(OFFICE_HOURS)
    with Sink() as smarthost:
        settings = gateway_settings(
            sqlite_url,
            mail={"trusted_authserv_ids": [TRUSTED]},
            outbound={"smarthost": f"127.0.0.1:{smarthost.port}"},
        )
        gateway = RunningGateway(App.build(settings, clock=clock)).start()
        try:
            raw = letter(
                to=f"setda@{DOMAIN}",
                subject=f"SANGAT RAHASIA: {PERIHAL}",
                body=f"Nomor: 300/12/2026\nSifat: Sangat Rahasia\nPerihal: {PERIHAL}\n\n"
                f"{SECRET_LINE}\n",
                message_id=MESSAGE_ID,
            )
            with gateway.smtp() as client:
                client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
            wait_for(lambda: settled(gateway.app), what="the letter registered")
            notice = latest(gateway.app, SEKDA)
            token = str(notice["Reply-To"]).partition("+")[2].partition("@")[0]
            assert len(token) > 20
            reply = build_reply(notice, SEKDA, f"DISPOSISI kabag.umum\nCATATAN: {NOTE}")
            send_reply(gateway, reply)
            make_user(gateway, "tu-setda", "operator", ["SETDA"])
            panel = PanelClient(gateway)
            assert panel.login("tu-setda").status == 303
            session_cookie = panel.cookie("tnde_sesi")
            assert session_cookie is not None and session_cookie.value
            with gateway.app.db.read() as session:
                naskah = session.scalars(select(Naskah)).one()
                number, naskah_id = naskah.agenda_number, naskah.id
                assert naskah.sifat_keamanan == "SR"
                inbound_id = session.scalars(
                    select(Inbound.id).where(Inbound.message_id == MESSAGE_ID)
                ).one()
                reply_inbound = session.scalars(
                    select(Inbound.id).where(Inbound.message_id == reply["Message-ID"])
                ).one()
            page = panel.get(f"/naskah/{naskah_id}")
            assert page.status == 200 and number in page.body
            csrf = panel.csrf
            wait_for(
                lambda: _all_sent(gateway.app), timeout=20, what="the outbox sent to the smarthost"
            )
        finally:
            gateway.stop()
    entries = parsed(captured.getvalue())
    about = [e for e in entries if e.get("inbound_id") == inbound_id]
    assert about, "no line named the letter"
    # Every line about the letter names its Message-ID too: from the moment it is stored
    # (intake reads it from the header) to each mail sent about it.
    assert all(e.get("message_id") == MESSAGE_ID for e in about if "outbox_id" not in e), about
    assert any(e["logger"] == "tnde.intake" for e in about)
    registered = [e for e in about if e["message"] == f"inbound {inbound_id}: registered"]
    assert [e.get("agenda_number") for e in registered] == [number]
    sent = [e for e in about if "outbox_id" in e]
    assert sent and all(e.get("agenda_number") == number for e in sent), sent
    assert all(e["message_id"].startswith("<tnde.") for e in sent), sent
    # The reply names its own inbound row and the letter it answers.
    answered = [e for e in entries if e.get("inbound_id") == reply_inbound]
    assert any(e.get("agenda_number") == number for e in answered), answered
    text = captured.getvalue()
    for secret in (
        PERIHAL,
        "operasi penertiban",
        SECRET_LINE,
        "gudang Kalibagor",
        NOTE,
        token,
        PASSWORD,
        session_cookie.value,
        csrf,
    ):
        assert secret and secret.lower() not in text.lower(), secret


def test_a_nota_dinas_line_names_its_number(sqlite_url: str, captured: io.StringIO) -> None:
    settings = gateway_settings(sqlite_url, mail={"trusted_authserv_ids": [TRUSTED]})
    gateway = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        memo = EmailMessage()
        memo["From"] = KABAG
        memo["To"] = f"sekda@{DOMAIN}"
        memo["Subject"] = "Usulan rapat evaluasi kearsipan"
        memo["Message-ID"] = "<nd-1@banyumaskab.go.id>"
        memo["Authentication-Results"] = f"{TRUSTED}; dmarc=pass header.from=banyumaskab.go.id"
        memo.set_content("Bersama ini kami usulkan rapat evaluasi kearsipan.")
        with gateway.smtp() as client:
            client.send_message(memo, from_addr=KABAG, to_addrs=[f"sekda@{DOMAIN}"])
        wait_for(lambda: settled(gateway.app), what="the nota dinas registered")
        with gateway.app.db.read() as session:
            number = session.scalars(
                select(Naskah.agenda_number).where(Naskah.kind == "nota_dinas")
            ).one()
    finally:
        gateway.stop()
    done = [e for e in parsed(captured.getvalue()) if e["message"].endswith(": registered")]
    assert [(e["message_id"], e.get("agenda_number")) for e in done] == [
        ("<nd-1@banyumaskab.go.id>", number)
    ]


def test_a_number_rolled_back_is_not_named_after_the_rollback(
    sqlite_url: str, tmp_path: Path, captured: io.StringIO
) -> None:
    """Registration takes a number, then the notice cannot be rendered: the transaction
    rolls back (the next letter gets that number) and the letter is quarantined. The
    quarantine lines name the letter, never the number it did not keep."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("notice.txt.j2", "notice.html.j2"):
        (templates / name).write_text('{% include "tidak-ada.j2" %}\n', encoding="utf-8")
    settings = gateway_settings(sqlite_url, templates={"directory": str(templates)})
    gateway = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        with gateway.smtp() as client:
            client.sendmail(
                "tu@dinkes.jatengprov.go.id",
                [f"setda@{DOMAIN}"],
                letter(to=f"setda@{DOMAIN}", message_id=MESSAGE_ID),
            )
        wait_for(lambda: settled(gateway.app), what="the letter quarantined")
        with gateway.app.db.read() as session:
            inbound = session.scalars(select(Inbound)).one()
            assert inbound.state == "quarantined", inbound.reason
            assert "tidak-ada.j2" in (inbound.reason or "")
            assert session.scalars(select(Naskah)).all() == []
    finally:
        gateway.stop()
    about = [e for e in parsed(captured.getvalue()) if e.get("inbound_id") == inbound.id]
    after = [e for e in about if "quarantined" in e["message"]]
    assert [e["message"].partition(":")[0] for e in after] == [
        f"inbound {inbound.id} quarantined",
        f"inbound {inbound.id}",
    ], after
    # The number was taken and given back: the lines after the rollback do not name it.
    assert all("agenda_number" not in e and e["message_id"] == MESSAGE_ID for e in after), after


def test_an_answer_rolled_back_is_not_logged(
    sqlite_url: str, tmp_path: Path, captured: io.StringIO
) -> None:
    """A reply that answers a notice and is copied to the unit: the answer is handled,
    then registering the copy fails (its notice cannot be rendered) and everything rolls
    back. No line says the disposition was answered."""
    gateway = RunningGateway(App.build(gateway_settings(sqlite_url))).start()
    try:
        with gateway.smtp() as client:
            client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], letter())
        wait_for(lambda: settled(gateway.app), what="the letter registered")
        notice = latest(gateway.app, SEKDA)
    finally:
        gateway.stop()
    # The same database, now with notice templates that cannot be rendered.
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("notice.txt.j2", "notice.html.j2"):
        (templates / name).write_text('{% include "tidak-ada.j2" %}\n', encoding="utf-8")
    settings = gateway_settings(sqlite_url, templates={"directory": str(templates)})
    broken = RunningGateway(App.build(settings)).start()
    try:
        reply = build_reply(notice, SEKDA, "Mohon dijadwalkan.", headers={"Cc": f"setda@{DOMAIN}"})
        token_address = notice["Reply-To"].addresses[0].addr_spec
        with broken.smtp() as client:
            client.send_message(reply, from_addr=SEKDA, to_addrs=[token_address, f"setda@{DOMAIN}"])
        wait_for(lambda: settled(broken.app), what="the reply processed")
        with broken.app.db.read() as session:
            row = session.scalars(select(Inbound).order_by(Inbound.id.desc())).first()
            assert row is not None and row.mail_from == SEKDA
            assert row.state == "quarantined" and "tidak-ada.j2" in (row.reason or ""), row.reason
    finally:
        broken.stop()
    about = [e for e in parsed(captured.getvalue()) if e.get("inbound_id") == row.id]
    assert any(e["message"] == f"inbound {row.id}: quarantined" for e in about), about
    assert not [e for e in about if "answers disposition" in e["message"]], about


def _all_sent(app: App) -> bool:
    with app.db.read() as session:
        states = set(session.scalars(select(Outbox.state)))
    return states == {"sent"}


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`tnde serve` with one worker process, JSON logs at DEBUG to a file."""
    port = free_port()
    config = tmp_path / "tnde.toml"
    config.write_text('[log]\nformat = "json"\nlevel = "debug"\n', encoding="utf-8")
    output = tmp_path / "serve.log"
    env = serve_env(sqlite_url, port, {"TNDE_WORKER__PROCESSES": "1"})
    with open(output, "wb") as out:
        serve = subprocess.Popen(
            [TNDE, "--config", str(config), "serve"], env=env, stdout=out, stderr=out
        )
    try:
        wait_for_port("127.0.0.1", port, 30)
        yield serve, port, output
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)


def test_tnde_serve_and_its_worker_processes_write_json_lines(
    served: tuple[subprocess.Popen[bytes], int, Path], sqlite_url: str
) -> None:
    serve, port, output = served
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(to=f"dinkes@{DOMAIN}", message_id=MESSAGE_ID),
        )
    app = App.build(gateway_settings(sqlite_url))
    try:
        wait_for(lambda: settled(app), timeout=30, what="registered by the worker process")
        with app.db.read() as session:
            number = session.scalars(select(Naskah.agenda_number)).one()
    finally:
        app.close()
    serve.send_signal(signal.SIGTERM)
    serve.wait(30)
    lines = [
        line
        for line in output.read_text(encoding="utf-8").splitlines()
        if line.startswith("{")  # the startup banner is plain output on stdout
    ]
    entries = parsed("\n".join(lines))
    registered = [e for e in entries if e.get("agenda_number") == number]
    assert registered, entries
    assert registered[0]["message_id"] == MESSAGE_ID and registered[0]["process"] != serve.pid
    assert any(e["logger"] == "tnde.intake" and e["process"] == serve.pid for e in entries)


def test_log_settings_are_checked_when_the_configuration_loads(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.cli import run

    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    monkeypatch.setenv("TNDE_LOG__FORMAT", "yaml")
    monkeypatch.setenv("TNDE_LOG__LEVEL", "loud")
    code, _, err = run(capsys, "check")
    assert code == 2 and "log.format: 'yaml'" in err and "log.level: 'loud'" in err


def test_text_lines_carry_the_letter_too_and_tokens_are_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.TextFormatter())
    handler.addFilter(logs.LetterFilter())
    log = logging.getLogger("tnde.test")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with logs.letter(inbound_id=7, message_id="<a@b>"):
            logs.note(agenda_number="00001/SM/SETDA/2026")
            log.info("to balasan+%s@%s", "abcdefghijklmnopqrstuvwxyz234567", DOMAIN)
        log.info("after the letter")
    finally:
        log.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first.endswith(
        f"to balasan+[token]@{DOMAIN} "
        "[message_id=<a@b> inbound_id=7 agenda_number=00001/SM/SETDA/2026]"
    )
    assert second.endswith("after the letter")


def _deep_error(depth: int) -> None:
    """Raise from `depth` alternating frames (a traceback Python cannot fold)."""

    def ping(n: int) -> None:
        if n == 0:
            raise ValueError("innermost")
        pong(n - 1)

    def pong(n: int) -> None:
        ping(n)

    ping(depth)


def test_a_long_json_line_is_cut_to_one_pipe_write() -> None:
    """A deep traceback and a long message: the line stays within LINE_BYTES (under
    PIPE_BUF), keeping the traceback's end and the message's beginning, marked."""
    try:
        _deep_error(150)
    except ValueError:
        record = logging.LogRecord(
            "tnde.test", logging.ERROR, __file__, 1, "failed: %s", ("x" * 6000,), sys.exc_info()
        )
    line = logs.JsonFormatter().format(record)
    assert len(line.encode("utf-8")) + 1 <= logs.LINE_BYTES < 4096
    entry = json.loads(line)
    assert entry["exception"].startswith(logs.CUT_HEAD), entry["exception"][:200]
    assert entry["exception"].endswith("ValueError: innermost")
    assert entry["exception"].count("in ping") > 5
    assert entry["message"].startswith("failed: xxx") and entry["message"].endswith(logs.CUT_TAIL)
    # A short line is left whole.
    short = logging.LogRecord("tnde.test", logging.INFO, __file__, 1, "ok %s", ("x" * 50,), None)
    assert json.loads(logs.JsonFormatter().format(short))["message"] == "ok " + "x" * 50


_WRITER = """
import logging, sys
from gateway import logs

def ping(n):
    if n == 0:
        raise ValueError("innermost")
    pong(n - 1)

def pong(n):
    ping(n)

logs.configure("json", "info", sys.stderr, force=True)
for n in range(int(sys.argv[1])):
    try:
        ping(150)
    except ValueError:
        logging.getLogger("tnde.test").exception("line %s of %s: %s", n, sys.argv[2], "y" * 3000)
"""


def test_json_lines_of_several_processes_on_one_pipe_stay_whole() -> None:
    """As `tnde serve` and its worker processes: several writers, one stderr pipe."""
    read_fd, write_fd = os.pipe()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, "40", f"writer{n}"],
            stderr=write_fd,
            cwd=Path(__file__).parent.parent,
        )
        for n in range(4)
    ]
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        # A slow reader: the pipe stays full, so the writers wait on it together.
        while chunk := pipe.read(4096):
            chunks.append(chunk)
            time.sleep(0.002)
    output = b"".join(chunks).decode("utf-8")
    assert all(w.wait(60) == 0 for w in writers)
    entries = [json.loads(line) for line in output.splitlines()]
    assert len(entries) == 160
    for n in range(4):
        mine = [e for e in entries if f" of writer{n}: " in e["message"]]
        assert len(mine) == 40 and all(e["exception"].endswith("innermost") for e in mine)


def test_text_lines_show_the_time_in_the_mail_timezone(tmp_path: Path) -> None:
    """Text lines name their zone: the [mail] timezone and its offset, not the host's
    clock without one."""
    record = logging.makeLogRecord(
        {
            "name": "tnde.test",
            "levelname": "INFO",
            "msg": "hello",
            "created": dt.datetime(2026, 12, 1, 15, 5, 3, tzinfo=dt.UTC).timestamp(),
        }
    )
    assert logs.TextFormatter().format(record) == "2026-12-01 22:05:03 +0700 INFO tnde.test: hello"
    assert (
        logs.TextFormatter("Asia/Jayapura").format(record)
        == "2026-12-02 00:05:03 +0900 INFO tnde.test: hello"
    )


def test_log_format_json_is_for_serve_and_its_workers_only(tmp_path: Path) -> None:
    """`[log] format = "json"` is for a log collector reading `tnde serve`; a person
    running another command reads text lines, timed in [mail] timezone."""
    config = tmp_path / "tnde.toml"
    config.write_text('[log]\nformat = "json"\n', encoding="utf-8")
    env = {
        **os.environ,
        "TNDE_DATABASE__URL": f"sqlite:///{tmp_path / 'tnde.sqlite3'}",
        "TNDE_MAIL__TIMEZONE": "Asia/Jayapura",
    }
    env.pop("TNDE_CONFIG", None)
    done = subprocess.run(
        [TNDE, "--config", str(config), "-v", "init"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and not any(line.startswith("{") for line in lines), lines[:3]
    stamped = [line for line in lines if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)]
    assert stamped and all(line[19:26] == " +0900 " for line in stamped), stamped[:3]
    assert any(" INFO alembic" in line for line in stamped), stamped[:3]
