"""Routing end to end: letters over SMTP become dispositions and notices to the right people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Disposition, Inbound, Naskah, Outbox, Position
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

AUTH_DMARC_FAIL = "mx.banyumaskab.go.id; dmarc=fail header.from=kemkes.go.id"
EMAIL = {
    "sekda": "agus.nugroho@banyumaskab.go.id",
    "kabag.umum": "teguh.wibowo@banyumaskab.go.id",
    "kadinkes": "retno.widyastuti@banyumaskab.go.id",
    "sekdinkes": "budi.hartono@banyumaskab.go.id",
    "kabid.p2p": "anita.permatasari@banyumaskab.go.id",
    "kabid.aptika": "arif.budiman@banyumaskab.go.id",
    "kabid.perencanaan": "andi.firmansyah@banyumaskab.go.id",
    "kabappeda": "suryanto@banyumaskab.go.id",
    "kabag.hukum": "dewi.lestari@banyumaskab.go.id",
    "tu.dinkes": "wulan.sari@banyumaskab.go.id",
}


def start(
    db_url: str, now: dt.datetime = OFFICE_HOURS, **sections: dict[str, Any]
) -> RunningGateway:
    app = App.build(gateway_settings(db_url, **sections), clock=FakeClock(now))
    return RunningGateway(app).start()


@pytest.fixture
def office(db_url: str) -> Iterator[RunningGateway]:
    gateway = start(db_url)
    try:
        yield gateway
    finally:
        gateway.stop()


def send(
    gateway: RunningGateway, to: str, raw: bytes, sender: str = "tu@dinkes.jatengprov.go.id"
) -> None:
    with gateway.smtp() as client:
        client.sendmail(sender, [to], raw)
    wait_for(lambda: settled(gateway.app), what="pipeline")


def dispositions(app: App) -> list[tuple[str, str, tuple[str, ...]]]:
    with app.db.read() as session:
        rows = session.execute(
            select(Disposition.kind, Position.handle, Disposition.instructions)
            .join(Position, Disposition.to_position_id == Position.id)
            .order_by(Disposition.id)
        ).all()
    return [(kind, handle, tuple(instructions)) for kind, handle, instructions in rows]


def notices(app: App, kind: str | None = None) -> list[Outbox]:
    """Queued notices, optionally only those of dispositions of one kind."""
    with app.db.read() as session:
        query = select(Outbox).where(Outbox.kind == "notice").order_by(Outbox.id)
        if kind:
            query = query.join(Disposition, Outbox.disposition_id == Disposition.id).where(
                Disposition.kind == kind
            )
        return list(session.scalars(query))


@pytest.mark.parametrize(
    ("to", "sender", "subject", "body", "expected"),
    [
        (
            f"setda@{DOMAIN}",
            "tu@dinkes.jatengprov.go.id",
            "Permohonan data",
            "Mohon data.",
            [("disposisi", "sekda", ("KETAHUI",)), ("tembusan", "kabag.umum", ("KETAHUI",))],
        ),
        (
            f"dinkes@{DOMAIN}",
            "surat@kemkes.go.id",
            "Surveilans campak",
            "Mohon tindak lanjut.",
            [
                ("disposisi", "kadinkes", ("PELAJARI", "PROSES")),
                ("tembusan", "kabid.p2p", ("KETAHUI",)),
            ],
        ),
        (
            f"dinkes@{DOMAIN}",
            "bpjs@bpjs-kesehatan.go.id",
            "Undangan sosialisasi",
            "Hadirilah.",
            [("disposisi", "kadinkes", ("HADIRI", "WAKILI"))],
        ),
        (
            f"dinhubkominfo@{DOMAIN}",
            "tu@jatengprov.go.id",
            "Evaluasi SPBE",
            "Aplikasi dan jaringan.",
            [("disposisi", "kabid.aptika", ("PROSES", "LAPORAN"))],
        ),
        (
            f"bappeda@{DOMAIN}",
            "tu@jatengprov.go.id",
            "Jadwal Musrenbang",
            "Musrenbang 2027.",
            [("disposisi", "kabid.perencanaan", ("KOORDINASI", "BAHAN_RAPAT"))],
        ),
        (
            f"bappeda@{DOMAIN}",
            "tu@jatengprov.go.id",
            "Permohonan data",
            "Data statistik.",
            [("disposisi", "kabappeda", ())],
        ),
        (
            f"kabag.umum@{DOMAIN}",
            "tu@jatengprov.go.id",
            "Peminjaman aula",
            "Mohon izin.",
            [("disposisi", "kabag.umum", ())],
        ),
    ],
    ids=["setda", "kemkes", "undangan", "aptika", "musrenbang", "bappeda-head", "position-address"],
)
def test_each_demo_address_routes_to_the_expected_positions(
    office: RunningGateway, to: str, sender: str, subject: str, body: str, expected: list[Any]
) -> None:
    send(office, to, letter(to=to, sender=sender, subject=subject, body=body), sender)
    assert dispositions(office.app) == expected
    wanted = sorted(EMAIL[handle] for kind, handle, _ in expected)
    assert sorted(n.rcpt_to for n in notices(office.app)) == wanted
    (naskah,) = naskah_rows(office.app)
    assert naskah.status == "didisposisikan" and naskah.rule_set_version == 1


def test_notice_is_a_summary_card_in_bahasa_indonesia(office: RunningGateway) -> None:
    pdf = b"%PDF-1.4\nsurat\n"
    raw = letter(
        to=f"dinkes@{DOMAIN}",
        sender="surat@kemkes.go.id",
        attachments=[("surat.pdf", "application/pdf", pdf)],
    )
    send(office, f"dinkes@{DOMAIN}", raw, "surat@kemkes.go.id")
    notice = next(n for n in notices(office.app) if n.rcpt_to == EMAIL["kadinkes"])
    msg = message_from_bytes(notice.message, policy=policy.default)
    assert str(msg["Subject"]).startswith("[TNDE 00001/SM/DINKES/2026] Disposisi: ")
    text = msg.get_body(("plain",)).get_content()
    for expected in (
        "Yth. Kepala Dinas Kesehatan (dr. Retno Widyastuti, M.Kes.)",
        "Nomor agenda  : 00001/SM/DINKES/2026",
        "Nomor surat   : 400.7/123/2026",
        "Instruksi     : Teliti dan pelajari, Proses lebih lanjut",
        "Batas waktu   : Selasa, 8 Desember 2026 23.59 WIB",
        "Diteruskan oleh: Kepala Subbagian Umum Dinas Kesehatan (aturan: kemkes ke kadinkes)",
        "Menindaklanjuti surat ini: BALAS email ini",
    ):
        assert expected in text, expected
    assert [p.get_filename() for p in msg.iter_attachments()] == ["surat.pdf"]
    assert str(msg["Reply-To"]).startswith("balasan+") and str(msg["Reply-To"]).endswith(
        f"@{DOMAIN}"
    )
    html = msg.get_body(("html",)).get_content()
    assert "mailto:balasan%2B" in html or "mailto:balasan+" in html


def test_sangat_segera_is_due_the_same_day(office: RunningGateway) -> None:
    send(office, f"bappeda@{DOMAIN}", letter(to=f"bappeda@{DOMAIN}", subject="SANGAT SEGERA: Data"))
    with office.app.db.read() as session:
        (due,) = session.scalars(select(Disposition.due_at))
    assert due == dt.datetime(2026, 12, 1, 16, 59, 59, tzinfo=dt.UTC)  # 23:59:59 WIB today


def test_after_office_hours_the_registrar_gets_no_tembusan_of_its_own_letter(
    db_url: str,
) -> None:
    """The TU desk registers and forwards every letter; a copy to itself was noise."""
    gateway = start(db_url, now=dt.datetime(2026, 12, 1, 13, 30, tzinfo=dt.UTC))  # 20:30 WIB
    try:
        raw = letter(to=f"bappeda@{DOMAIN}", subject="Data", body="Mohon data statistik.")
        send(gateway, f"bappeda@{DOMAIN}", raw)
        assert dispositions(gateway.app) == [("disposisi", "kabappeda", ())]
    finally:
        gateway.stop()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 12, 14, 3, 0, tzinfo=dt.UTC), ["budi.hartono@banyumaskab.go.id"]),
        (dt.datetime(2026, 12, 24, 3, 0, tzinfo=dt.UTC), ["budi.hartono@banyumaskab.go.id"]),
        (dt.datetime(2026, 12, 24, 17, 30, tzinfo=dt.UTC), ["retno.widyastuti@banyumaskab.go.id"]),
        (dt.datetime(2026, 12, 11, 3, 0, tzinfo=dt.UTC), ["retno.widyastuti@banyumaskab.go.id"]),
    ],
    ids=["plh-first-day", "plh-last-day", "after-plh-wib-midnight", "before-plh"],
)
def test_plh_receives_the_positions_mail_only_in_its_date_range(
    sqlite_url: str, now: dt.datetime, expected: list[str]
) -> None:
    gateway = start(sqlite_url, now=now)
    try:
        send(gateway, f"kadinkes@{DOMAIN}", letter(to=f"kadinkes@{DOMAIN}", subject="Data"))
        # (At 00:30 WIB the after-hours rule also sends a tembusan to TU: not counted here.)
        assert [n.rcpt_to for n in notices(gateway.app, "disposisi")] == expected
        if expected[0].startswith("budi"):
            body = message_from_bytes(notices(gateway.app)[0].message, policy=policy.default)
            assert (
                "Yth. Plh. Kepala Dinas Kesehatan (Budi Hartono"
                in body.get_body(("plain",)).get_content()
            )
    finally:
        gateway.stop()


def test_definitif_holder_also_notified_when_configured(sqlite_url: str) -> None:
    gateway = start(
        sqlite_url,
        now=dt.datetime(2026, 12, 15, 3, 0, tzinfo=dt.UTC),
        workflow={"notify_definitif_when_acting": True},
    )
    try:
        send(gateway, f"kadinkes@{DOMAIN}", letter(to=f"kadinkes@{DOMAIN}", subject="Data"))
        assert sorted(n.rcpt_to for n in notices(gateway.app)) == [
            "budi.hartono@banyumaskab.go.id",
            "retno.widyastuti@banyumaskab.go.id",
        ]
    finally:
        gateway.stop()


def test_plt_of_a_vacant_position_gets_its_mail(office: RunningGateway) -> None:
    raw = letter(to=f"kabag.hukum@{DOMAIN}", subject="Rancangan Perbup", body="Mohon telaah.")
    send(office, f"kabag.hukum@{DOMAIN}", raw)
    assert [n.rcpt_to for n in notices(office.app)] == [EMAIL["kabag.hukum"]]


def test_secret_letters_leak_no_content_into_any_outgoing_message(office: RunningGateway) -> None:
    secret_line = "Rencana operasi gabungan tanggal 12 di lokasi X"
    attachment = b"%PDF-1.4\nlampiran rahasia 7f3a9c\n"
    raw = letter(
        to=f"setda@{DOMAIN}",
        subject="SANGAT RAHASIA: Rencana operasi gabungan",
        body=f"Perihal: Rencana operasi gabungan\n{secret_line}\n",
        attachments=[("rahasia.pdf", "application/pdf", attachment)],
    )
    send(office, f"setda@{DOMAIN}", raw)
    (naskah,) = naskah_rows(office.app)
    assert naskah.sifat_keamanan == "SR"
    with office.app.db.read() as session:
        outgoing = list(session.scalars(select(Outbox)))
    assert {o.kind for o in outgoing} == {"receipt", "notice"}
    for row in outgoing:
        message = message_from_bytes(row.message, policy=policy.default)
        decoded = "\n".join(
            part.get_content() if part.get_content_maintype() == "text" else ""
            for part in message.walk()
            if not part.is_multipart()
        ) + str(message["Subject"])
        for needle in ("Rencana operasi", "operasi gabungan", "lokasi X"):
            assert needle not in decoded, (row.kind, needle)
        assert b"7f3a9c" not in row.message and b"rahasia.pdf" not in row.message
        assert "00001/SM/SETDA/2026" in decoded


def test_rule_quarantine_holds_the_letter_until_released(db_url: str, tmp_path: Path) -> None:
    gateway = start(db_url, mail={"trusted_authserv_ids": ["mx.banyumaskab.go.id"]})
    try:
        raw = letter(
            to=f"setda@{DOMAIN}",
            headers={"Authentication-Results": AUTH_DMARC_FAIL},
        )
        send(gateway, f"setda@{DOMAIN}", raw)
        with gateway.app.db.read() as session:
            inbound = session.scalars(select(Inbound)).one()
        assert inbound.state == "quarantined"
        assert inbound.reason == (
            "aturan instansi pemerintah gagal dmarc: DMARC gagal untuk domain instansi"
            " pemerintah: kemungkinan surat palsu"
        )
        assert naskah_rows(gateway.app) == []
        from gateway.pipeline.worker import requeue

        requeue(gateway.app.db, [inbound.id], gateway.app.clock(), "operator", release=True)
        wait_for(lambda: naskah_rows(gateway.app), what="registration after release")
        assert dispositions(gateway.app)[0][1] == "sekda"
    finally:
        gateway.stop()


def test_ignore_registers_but_notifies_nobody(office: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}", subject="Buletin Kominfo edisi 3: undangan webinar")
    send(office, f"setda@{DOMAIN}", raw)
    (naskah,) = naskah_rows(office.app)
    assert naskah.status == "baru" and naskah.decision["ignore"] is True
    assert notices(office.app) == [] and dispositions(office.app) == []


def test_templates_can_be_overridden_from_a_directory(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "receipt.txt.j2").write_text(
        "Diterima dengan nomor {{ agenda_number }}.\n", encoding="utf-8"
    )
    gateway = start(sqlite_url, templates={"directory": str(tmp_path)})
    try:
        send(gateway, f"setda@{DOMAIN}", letter())
        with gateway.app.db.read() as session:
            receipt = session.scalars(select(Outbox).where(Outbox.kind == "receipt")).one()
    finally:
        gateway.stop()
    text = (
        message_from_bytes(receipt.message, policy=policy.default)
        .get_body(("plain",))
        .get_content()
    )
    assert text.replace("\r\n", "\n") == "Diterima dengan nomor 00001/SM/SETDA/2026.\n"


def test_registered_letter_records_its_decision_and_version(office: RunningGateway) -> None:
    send(
        office,
        f"dinkes@{DOMAIN}",
        letter(to=f"dinkes@{DOMAIN}", sender="x@kemkes.go.id"),
        "x@kemkes.go.id",
    )
    with office.app.db.read() as session:
        naskah = session.scalars(select(Naskah)).one()
    decision = naskah.decision
    assert decision["rule_set_version"] == 1
    assert [h["rule"] for h in decision["hits"]] == ["kemkes ke kadinkes"]
    assert decision["hits"][0]["reason"] == "sender_domain domain 'kemkes.go.id'"
    assert {"rule": "dmarc gagal", "reason": "dmarc not equals 'fail'"} in decision["misses"]


def test_files_over_the_notice_limit_are_listed_not_attached(sqlite_url: str) -> None:
    gateway = start(sqlite_url, workflow={"notice_max_attachment_bytes": 1000})
    try:
        big = b"%PDF-1.4\n" + b"x" * 3000
        raw = letter(to=f"dinkes@{DOMAIN}", attachments=[("besar.pdf", "application/pdf", big)])
        send(gateway, f"dinkes@{DOMAIN}", raw, "surat@kemkes.go.id")
        notice = next(n for n in notices(gateway.app) if n.rcpt_to == EMAIL["kadinkes"])
    finally:
        gateway.stop()
    msg = message_from_bytes(notice.message, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    assert "Lampiran (1):" in text and "besar.pdf" in text
    assert "Berkas terlalu besar untuk dikirim lewat email" in text
    assert list(msg.iter_attachments()) == []
