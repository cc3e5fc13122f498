"""The `tnde` command line contract: commands, JSON fields, exports, requeue."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.cli.main import main
from gateway.db.models import Inbound
from tests.support.cli import run
from tests.support.databases import fresh_pg_database
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

LIST_FIELDS = {
    "id",
    "agenda_number",
    "year",
    "unit",
    "kind",
    "status",
    "sender",
    "sender_name",
    "perihal",
    "nomor_surat",
    "tanggal_surat",
    "sifat",
    "received_at",
    "message_id",
    "sha256",
    "attachments",
}


@pytest.fixture
def with_letters(cli_env: str, gateway: RunningGateway) -> Iterator[RunningGateway]:
    pdf = b"%PDF-1.4\n% test\n"
    with gateway.smtp() as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(attachments=[("surat.pdf", "application/pdf", pdf)]),
        )
        client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], letter(subject="Kedua"))
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 2)
    yield gateway


def test_init_on_an_empty_postgres_database_then_demo_is_idempotent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, postgres_run: object
) -> None:
    for url in fresh_pg_database():
        monkeypatch.setenv("TNDE_DATABASE__URL", url)
        assert run(capsys, "demo")[0] == 1  # not initialised yet: a clear refusal
        code, out, _ = run(capsys, "init")
        assert code == 0 and "basis data siap" in out and "19 instruksi" in out
        assert run(capsys, "init")[1].count(" 0 instruksi") == 1  # a second init adds nothing
        assert "Dibuat: 4 unit, " in run(capsys, "demo", "--if-empty")[1]
        assert "sudah ada; demo tidak dimuat" in run(capsys, "demo", "--if-empty")[1]
        assert "Dibuat: tidak ada; diperbarui: tidak ada" in run(capsys, "demo")[1]


def test_naskah_list_json_has_the_contract_fields(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "naskah", "list", "--json")
    assert code == 0
    items = json.loads(out)
    assert len(items) == 2
    for item in items:
        assert set(item) >= LIST_FIELDS, LIST_FIELDS - set(item)
    dinkes = next(i for i in items if i["unit"] == "DINKES")
    assert dinkes["agenda_number"] == "00001/SM/DINKES/2026"
    assert dinkes["nomor_surat"] == "400.7/123/2026"
    (attachment,) = dinkes["attachments"]
    assert attachment["filename"] == "surat.pdf" and attachment["content_type"] == "application/pdf"
    assert {"filename", "content_type", "size", "sha256"} <= set(attachment)


def test_naskah_show_by_agenda_number_and_by_id(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "naskah", "show", "00001/SM/SETDA/2026", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["perihal"] == "Undangan Rapat Koordinasi Penanganan Stunting"
    assert shown["field_sources"]["perihal"]["source"] == "body"
    assert [e["type"] for e in shown["timeline"]][:2] == ["registered", "receipt_queued"]
    code, out, _ = run(capsys, "naskah", "show", str(shown["id"]))
    assert code == 0 and "Perihal" in out and "dari body baris" in out
    assert run(capsys, "naskah", "show", "99999/SM/X/2026")[0] == 1


def test_agenda_export_csv_and_json_with_filters(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "agenda", "export", "--format", "csv", "--unit", "dinkes")
    assert code == 0 and "1 naskah diekspor" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["nomor_agenda"] for r in rows] == ["00001/SM/DINKES/2026"]
    assert rows[0]["perihal"] == "Undangan Rapat Koordinasi Penanganan Stunting"
    target = tmp_path / "agenda.json"
    assert (
        run(capsys, "agenda", "export", "--format", "json", "--year", "2026", "-o", str(target))[0]
        == 0
    )
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    run(capsys, "agenda", "export", "--format", "json", "--year", "1999", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == []


def test_requeue_sends_a_quarantined_message_through_again(
    capsys: pytest.CaptureFixture[str],
    cli_env: str,
    gateway: RunningGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gateway.pipeline.worker as worker_module

    real = worker_module.register_letter
    calls = {"n": 0}

    def broken_once(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated bug in registration")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(worker_module, "register_letter", broken_once)
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], letter())
    wait_for(lambda: settled(gateway.app))
    code, out, _ = run(capsys, "inbound", "list", "--state", "quarantined", "--json")
    (quarantined,) = json.loads(out)
    assert "simulated bug in registration" in quarantined["reason"]
    assert naskah_rows(gateway.app) == []
    code, out, _ = run(capsys, "requeue", str(quarantined["id"]))
    assert code == 0 and f"1 pesan diproses ulang: {quarantined['id']}" in out
    wait_for(lambda: len(naskah_rows(gateway.app)) == 1 and settled(gateway.app))
    assert naskah_rows(gateway.app)[0].seq == 1  # the failed attempt burnt no number
    assert run(capsys, "requeue", str(quarantined["id"]))[0] == 1  # no longer quarantined


def test_requeue_without_arguments_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    assert run(capsys, "requeue")[0] == 2


def test_outbox_list_and_show(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "outbox", "list", "--json")
    rows = json.loads(out)
    assert sorted(r["kind"] for r in rows) == ["notice", "notice", "receipt", "receipt"]
    receipt = next(r for r in rows if r["kind"] == "receipt")
    code, out, _ = run(capsys, "outbox", "show", str(receipt["id"]))
    assert code == 0 and "Auto-Submitted: auto-replied" in out
    code, out, _ = run(capsys, "outbox", "list", "--state", "sent", "--json")
    assert json.loads(out) == []


def test_audit_verify_detects_tampering(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and "rantai diperiksa: BAIK" in out
    from gateway.db.models import Event

    with with_letters.app.db.write() as session:
        session.execute(update(Event).where(Event.id == 1).values(actor="mallory"))
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1 and "content was altered" in out


def test_config_errors_name_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text('[smtp]\nlisten = "127.0.0.1:2525"\nlisen = "x"\n', encoding="utf-8")
    code, _, err = run(capsys, "--config", str(config), "check")
    assert code == 2 and "lisen" in err
    monkeypatch.setenv("TNDE_WORKER__POLL_INTERVAL", '"fast"')
    code, _, err = run(capsys, "check")
    assert code == 2 and "worker.poll_interval" in err


def test_inbound_state_filter(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    # Both letters registered; mark one quarantined so the filter has something to leave out.
    with with_letters.app.db.write() as session:
        session.execute(update(Inbound).where(Inbound.id == 1).values(state="quarantined"))
    code, out, _ = run(capsys, "inbound", "list", "--state", "registered", "--json")
    assert code == 0 and [item["id"] for item in json.loads(out)] == [2]
    code, out, _ = run(capsys, "inbound", "list", "--state", "quarantined", "--json")
    assert code == 0 and [item["id"] for item in json.loads(out)] == [1]


def test_holidays_add_list_remove_and_import(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "holidays", "add", "2026-02-22", "Hari Jadi Kabupaten Banyumas")
    assert code == 0 and "adalah hari libur" in out
    # Adding the same day again renames it instead of failing.
    assert run(capsys, "holidays", "add", "2026-02-22", "Hari Jadi Banyumas")[0] == 0
    code, out, _ = run(capsys, "holidays", "list", "--year", "2026", "--json")
    local = [row for row in json.loads(out) if row["kind"] == "lokal"]
    assert local == [{"date": "2026-02-22", "name": "Hari Jadi Banyumas", "kind": "lokal"}]
    assert run(capsys, "holidays", "remove", "2026-02-22")[0] == 0
    code, _, err = run(capsys, "holidays", "remove", "2026-02-22")
    assert code == 1 and "tidak ada dalam daftar hari libur" in err

    bad = tmp_path / "libur.yaml"
    bad.write_text("- {date: 2026-03-02, name: Libur A}\n- {date: 2026-03-03}\n", encoding="utf-8")
    code, _, err = run(capsys, "holidays", "import", str(bad))
    assert code == 1 and "entri ke-2 (2026-03-03): name wajib diisi" in err
    bad.write_text(
        "- {date: 2026-03-02, name: Libur A}\n- {date: 2026-3-3, name: B}\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "holidays", "import", str(bad))
    assert code == 1 and "entri ke-2: date '2026-3-3' bukan tanggal yang sah" in err
    assert "YYYY-MM-DD" in err and "isoformat" not in err
    good = tmp_path / "libur-ok.yaml"
    good.write_text(
        "- {date: 2026-03-02, name: Libur A}\n"
        "- {date: '2026-03-03', name: Libur B, kind: cuti_bersama}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "holidays", "import", str(good))
    assert code == 0 and "2 hari libur diimpor" in out
    code, out, _ = run(capsys, "holidays", "list", "--year", "2026", "--json")
    march = [row for row in json.loads(out) if row["date"].startswith("2026-03-0")]
    assert march == [
        {"date": "2026-03-02", "name": "Libur A", "kind": "lokal"},
        {"date": "2026-03-03", "name": "Libur B", "kind": "cuti_bersama"},
    ]


def test_a_misspelt_timezone_stops_every_command_with_one_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TNDE_MAIL__TIMEZONE", "Asia/Jakrta")
    for command in (["check"], ["serve"]):
        code, out, err = run(capsys, *command)
        assert code == 2 and "mail.timezone" in err and "Traceback" not in err + out


def test_requeue_of_a_message_that_does_not_exist_says_so(
    capsys: pytest.CaptureFixture[str], cli_env: str
) -> None:
    code, _, err = run(capsys, "requeue", "999")
    assert code == 1 and "pesan tidak ada: 999" in err and "dibiarkan" not in err


def test_outbox_show_decodes_and_raw_gives_the_bytes(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "outbox", "list", "--json")
    # The Kepala Dinas Kesehatan's notice of the first letter (the one with surat.pdf).
    notice = next(
        r for r in json.loads(out) if r["kind"] == "notice" and r["to"].startswith("retno.")
    )
    code, out, _ = run(capsys, "outbox", "show", str(notice["id"]))
    assert code == 0 and "Subject: [TNDE " in out and "Nomor agenda  :" in out
    assert "Content-Transfer-Encoding" not in out and "=?utf-8?" not in out
    assert "Lampiran (1):" in out and "surat.pdf" in out
    code, raw, _ = run(capsys, "outbox", "show", "--raw", str(notice["id"]))
    assert "Content-Transfer-Encoding" in raw


def test_a_closed_pipe_is_not_an_error(
    cli_env: str, with_letters: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tnde naskah list | head -1`: the reader is gone before we write."""
    import os
    import sys

    from gateway.cli.main import main

    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = os.fdopen(write_end, "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        assert main(["naskah", "list"]) == 0
    finally:
        stdout.close()


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.cli.quickread as quickread_module
    import gateway.registry as registry_module

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("disk on fire")

    # Both read paths: the quick SQLite reader and the ORM one PostgreSQL takes.
    monkeypatch.setattr(quickread_module, "naskah_list", broken)
    monkeypatch.setattr(registry_module, "load_naskah_list", broken)
    code, _, err = run(capsys, "naskah", "list")
    assert code == 1 and err.strip().endswith("(--debug menampilkan rinciannya)")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "--debug", "naskah", "list")
    assert code == 1 and "Traceback" in err and "disk on fire" in err


def test_serve_on_a_port_in_use_says_so_in_one_line(sqlite_url: str) -> None:
    import socket
    import subprocess
    import sys

    from tests.support.gateway import serve_env

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        tnde = str(Path(sys.executable).with_name("tnde"))
        env = serve_env(sqlite_url, port)
        result = subprocess.run(
            [tnde, "serve"], env=env, capture_output=True, timeout=60, check=False
        )
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err, err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith(f"tnde: tidak dapat mendengarkan: smtp.listen 127.0.0.1:{port}")
    )


def test_times_people_read_are_wib_and_json_keeps_the_offset(
    capsys: pytest.CaptureFixture[str], with_letters: RunningGateway
) -> None:
    """A letter received at 00.30 WIB on 1 December (17.30 UTC on 30 November)."""
    import datetime as dt

    from gateway.db.models import Naskah

    utc = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC)
    with with_letters.app.db.write() as session:
        session.execute(update(Naskah).values(received_at=utc))
    _, out, _ = run(capsys, "naskah", "list", "--json")
    received = json.loads(out)[0]["received_at"]
    assert received == "2026-12-01T00:30:00+07:00"
    assert dt.datetime.fromisoformat(received) == utc
    _, out, _ = run(capsys, "naskah", "list")
    assert "Selasa, 1 Desember 2026 00.30 WIB" in out and "DITERIMA" in out
    _, out, _ = run(capsys, "naskah", "show", "1")
    assert "Diterima      : Selasa, 1 Desember 2026 00.30 WIB" in out
    _, out, _ = run(capsys, "agenda", "export", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["tanggal_diterima"] == "Selasa, 1 Desember 2026 00.30 WIB"
    _, out, _ = run(capsys, "agenda", "export", "--format", "json")
    assert json.loads(out)[0]["received_at"] == "2026-12-01T00:30:00+07:00"


def test_help_does_not_import_the_database_layer() -> None:
    """`tnde --help` stays quick: command modules import SQLAlchemy (and the rule model,
    dozens of dataclasses) only when they run."""
    import subprocess
    import sys

    code = (
        "import sys; from gateway.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules "
        "if m.startswith(('sqlalchemy', 'gateway.db', 'rules.model'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout


# check without DNS: the mail domain's records are tests/test_check_dns.py's, against nsd.
@pytest.mark.parametrize("command", [["naskah", "list"], ["check", "--no-dns"]])
def test_reading_commands_leave_the_running_parts_unimported(
    command: list[str], cli_env: str, with_letters: RunningGateway
) -> None:
    """`naskah list` and `check` start fast: no Alembic, templates, MIME or PDF parser,
    IMAP client, web server, DNS resolver, DKIM or cryptography is imported to read the
    register or check a configuration without DNS and DKIM key; on SQLite, not even
    SQLAlchemy."""
    import subprocess
    import sys

    heavy = ("alembic", "jinja2", "pypdf", "imapclient", "aiohttp", "aiosmtpd")
    heavy += ("dns", "dkim", "cryptography")
    if cli_env.startswith("sqlite"):  # PostgreSQL is read through the ORM
        heavy += ("sqlalchemy",)
    code = (
        "import sys; from gateway.cli.main import main; "
        f"code = main({command!r}); "
        f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_people_read_indonesian_by_default_and_english_when_configured(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    with_letters: RunningGateway,
) -> None:
    code, out, _ = run(capsys, "naskah", "show", "1")
    assert code == 0
    assert "Alur waktu:" in out and "Diregistrasi" in out and "Nomor agenda  :" in out
    assert "Timeline" not in out and " registered " not in out
    _, out, _ = run(capsys, "outbox", "list")
    assert out.split()[:5] == ["ID", "JENIS", "KEADAAN", "KEPADA", "SUBJEK"]
    assert "tanda terima" in out and "antre" in out
    with pytest.raises(SystemExit):
        main(["naskah", "--help"])
    assert "satu naskah menurut nomor agenda atau id" in capsys.readouterr().out

    monkeypatch.setenv("TNDE_UI__LANGUAGE", "en")
    _, out, _ = run(capsys, "naskah", "show", "1")
    assert "Timeline:" in out and "Registered" in out and "Agenda number :" in out
    _, out, _ = run(capsys, "outbox", "list", "--state", "antre")  # a label works as a filter
    assert out.split()[:5] == ["ID", "KIND", "STATE", "TO", "SUBJECT"] and "receipt" in out
    with pytest.raises(SystemExit):
        main(["naskah", "--help"])
    assert "one naskah by agenda number or id" in capsys.readouterr().out


def test_argparse_speaks_the_catalogue_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usage, section titles and argparse's own errors: Indonesian, one line of error."""
    monkeypatch.delenv("TNDE_UI__LANGUAGE", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["agenda", "export", "--format", "xml"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("penggunaan: tnde agenda export")
    assert err.splitlines()[-1] == (
        "tnde agenda export: galat: argumen --format: pilihan 'xml' tidak dikenal"
        " (pilih dari 'csv', 'json')"
    )
    with pytest.raises(SystemExit):
        main(["naskah"])
    assert "wajib diisi: PERINTAH" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "argumen posisi:" in out and "opsi:" in out and "tampilkan bantuan ini" in out
    monkeypatch.setenv("TNDE_UI__LANGUAGE", "en")
    with pytest.raises(SystemExit):
        main(["naskah", "list", "--bogus"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "tnde: error: unrecognized arguments: --bogus"
    )


def test_user_commands_add_list_passwd_disable_and_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cli_env: str
) -> None:
    import io

    from gateway.accounts.passwords import verify_password
    from gateway.app import App
    from gateway.config import load_settings
    from gateway.db.models import ApiToken, WebUser

    code, out, _ = run(capsys, "user", "add", "admin", "--role", "admin", "--if-absent")
    assert code == 0 and "pengguna admin (admin) ditambahkan" in out
    generated = out.split("sekali ini): ", 1)[1].strip()
    assert len(generated) == 16
    code, out, _ = run(capsys, "user", "add", "admin", "--role", "admin", "--if-absent")
    assert code == 0 and "sudah ada" in out and "kata sandi" not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-tu-dinkes\n"))
    code, out, _ = run(
        capsys,
        "user",
        "add",
        "tu.dinkes",
        "--role",
        "operator",
        "--unit",
        "DINKES",
        "--password-stdin",
    )
    assert code == 0 and "kata sandi (" not in out  # a chosen password is never echoed
    code, _, err = run(capsys, "user", "add", "staf", "--role", "operator")
    assert code == 1 and err.strip() == "tnde: peran operator memerlukan --unit KODE"
    code, _, err = run(capsys, "user", "add", "x2", "--role", "operator", "--unit", "ENTAH")
    assert code == 1 and "unit tidak dikenal: ENTAH" in err
    code, out, _ = run(capsys, "user", "list", "--json")
    assert [(u["username"], u["role"], u["units"]) for u in json.loads(out)] == [
        ("admin", "admin", []),
        ("tu.dinkes", "operator", ["DINKES"]),
    ]
    code, out, _ = run(capsys, "token", "create", "tu.dinkes")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("tnde_")
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-baru-sekali\n"))
    assert run(capsys, "user", "passwd", "tu.dinkes", "--password-stdin")[0] == 0
    code, out, _ = run(capsys, "user", "totp-reset", "tu.dinkes")
    assert code == 0 and "TOTP tu.dinkes dimatikan" in out
    code, _, err = run(capsys, "user", "totp-reset", "tidak.ada")
    assert code == 1 and "tidak ada pengguna tidak.ada" in err
    assert run(capsys, "user", "disable", "tu.dinkes")[0] == 0
    app = App.build(load_settings())
    try:
        with app.db.read() as session:
            user = session.scalars(select(WebUser).where(WebUser.username == "tu.dinkes")).one()
            assert not user.active and verify_password(user.password_hash, "kata-sandi-baru-sekali")
            assert token not in user.password_hash
            stored = session.scalars(select(ApiToken)).one()
            assert stored.revoked and token not in stored.token_hash  # only its hash is kept
    finally:
        app.close()
