"""DISPOSISI targets as people write them: titles with "dan", several targets, ambiguity."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Disposition, Position
from gateway.workflow.commands import split_targets
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply

SEKDA = "agus.nugroho@banyumaskab.go.id"


@pytest.fixture
def gw(sqlite_url: str) -> Iterator[RunningGateway]:
    gateway = RunningGateway(App.build(gateway_settings(sqlite_url), clock=FakeClock(OFFICE_HOURS)))
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


def dispose(gw: RunningGateway, command: str) -> list[str]:
    """Send a letter to Setda, reply to Sekda's notice; the handles disposed to, in order."""
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], letter())
    wait_for(lambda: settled(gw.app))
    send_reply(gw, build_reply(latest(gw.app, SEKDA), SEKDA, command))
    with gw.app.db.read() as session:
        handles = dict(session.execute(select(Position.id, Position.handle)).all())
        rows = session.scalars(
            select(Disposition).where(Disposition.parent_id.is_not(None)).order_by(Disposition.id)
        )
        return [handles[d.to_position_id] for d in rows]


def test_a_title_containing_dan_is_one_target(gw: RunningGateway) -> None:
    assert dispose(gw, "DISPOSISI Kepala Subbagian Tata Usaha dan Kepegawaian") == ["kasubbag.tu"]
    notices = [
        m
        for m in outgoing(gw.app, "yuli.astuti@banyumaskab.go.id")
        if "Disposisi" in str(m["Subject"])
    ]
    assert len(notices) == 1


def test_another_unit_title_with_dan_resolves_instead_of_being_ambiguous(
    gw: RunningGateway,
) -> None:
    assert dispose(gw, "DISPOSISI Kepala Bidang Perencanaan dan Pengendalian") == [
        "kabid.perencanaan"
    ]


def test_dan_between_two_whole_targets_splits(gw: RunningGateway) -> None:
    assert dispose(gw, "DISPOSISI Kepala Bagian Umum dan kabag.hukum") == [
        "kabag.umum",
        "kabag.hukum",
    ]


def test_the_same_target_twice_gives_one_disposition(gw: RunningGateway) -> None:
    assert dispose(gw, "DISPOSISI kabag.umum, Kepala Bagian Umum dan kabag.umum") == ["kabag.umum"]


def test_an_ambiguous_target_lists_the_candidates_with_handles(gw: RunningGateway) -> None:
    assert dispose(gw, "DISPOSISI Kepala Bagian") == []
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "Kepala Bagian Umum (kabag.umum)" in receipt
    assert "Kepala Bagian Hukum (kabag.hukum)" in receipt and "tulis kode jabatannya" in receipt


def test_the_parser_leaves_dan_to_the_organisation() -> None:
    assert split_targets("ke Kabag Umum, kasubbag.tu dan Nur Hidayah; kepada X") == [
        "Kabag Umum",
        "kasubbag.tu dan Nur Hidayah",
        "X",
    ]


def test_a_mistyped_command_is_answered_not_forwarded_as_a_comment(gw: RunningGateway) -> None:
    assert dispose(gw, "Selsai pak") == []
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "Perintah tidak dikenali: 'Selsai'. Maksud Anda SELESAI?" in receipt
    assert "SELESAI laporan sudah dikirim" in receipt  # the correct form
    assert outgoing(gw.app, "yuli.astuti@banyumaskab.go.id", "update") == []  # not forwarded


def test_prose_close_to_a_keyword_is_still_a_comment(gw: RunningGateway) -> None:
    dispose(gw, "Trims, sudah saya terima suratnya")
    assert outgoing(gw.app, SEKDA, "command_receipt") == []
    assert outgoing(gw.app, "yuli.astuti@banyumaskab.go.id", "update")


def test_a_sub_line_without_its_colon_stops_the_disposisi_and_says_why(
    gw: RunningGateway,
) -> None:
    assert dispose(gw, "DISPOSISI kabag.umum\nBATAS 3 hari kerja") == []
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "BATAS perlu titik dua" in receipt and "BATAS: 12-01-2027" in receipt


def naskah_status(gw: RunningGateway) -> str:
    from gateway.db.models import Naskah

    with gw.app.db.read() as session:
        return str(session.scalars(select(Naskah.status)).one())


def test_the_status_says_where_the_letter_is_and_show_says_who_holds_it(
    gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.cli import run

    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], letter())
    wait_for(lambda: settled(gw.app))
    assert naskah_status(gw) == "didisposisikan"
    notice = latest(gw.app, SEKDA)
    send_reply(gw, build_reply(notice, SEKDA, "HAPUS semua"))  # refused, but read
    assert naskah_status(gw) == "dalam_proses"
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum\nBATAS: 2 hari kerja"))
    assert naskah_status(gw) == "dalam_proses"
    monkeypatch.setenv("TNDE_DATABASE__URL", str(gw.app.settings.database.url))
    _, out, _ = run(capsys, "naskah", "show", "1")
    assert "Keadaan       : dalam proses" in out
    assert "Dipegang oleh : Kepala Bagian Umum (Teguh Wibowo" in out
    kabag = next(
        m
        for m in outgoing(gw.app, "teguh.wibowo@banyumaskab.go.id")
        if "Disposisi" in str(m["Subject"])
    )
    send_reply(gw, build_reply(kabag, "teguh.wibowo@banyumaskab.go.id", "TOLAK bukan tugas kami"))
    send_reply(gw, build_reply(notice, SEKDA, "BATAL"))
    assert naskah_status(gw) in ("dalam_proses", "ditolak")


def test_a_letter_nobody_finished_in_time_is_shown_late(
    gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    dispose(gw, "DISPOSISI kabag.umum\nBATAS: 12-12-2026")
    clock = gw.app.clock
    assert isinstance(clock, FakeClock)
    clock.set(dt.datetime(2026, 12, 14, 3, 0, tzinfo=dt.UTC))
    monkeypatch.setenv("TNDE_DATABASE__URL", str(gw.app.settings.database.url))
    from gateway.db.models import Naskah
    from gateway.workflow.status import whereabouts

    with gw.app.db.read() as session:
        found = whereabouts(session, session.scalars(select(Naskah)).one(), clock())
    assert found.label == "dalam proses, terlambat" and found.held_by[0]["late"] is True
