"""Reply-by-email over real SMTP: the full chain, the spoof matrix, loops and deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Attachment, Disposition, Event, Naskah, Outbox, PersonEmail, Position
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, failure_dsn, letter
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply

SEKDA = "agus.nugroho@banyumaskab.go.id"
KABAG = "teguh.wibowo@banyumaskab.go.id"
STAF = "nur.hidayah@banyumaskab.go.id"
TU = "yuli.astuti@banyumaskab.go.id"
TRUSTED = "mx.banyumaskab.go.id"
SEKDA_DOMAIN = "banyumaskab.go.id"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OFFICE_HOURS)


@pytest.fixture
def gw(db_url: str, clock: FakeClock) -> Iterator[RunningGateway]:
    settings = gateway_settings(db_url, mail={"trusted_authserv_ids": [TRUSTED]})
    gateway = RunningGateway(App.build(settings, clock=clock)).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def incoming_letter(gw: RunningGateway) -> EmailMessage:
    """A letter to setda@ (the demo rule sends it to Sekda); returns Sekda's notice."""
    raw = letter(to=f"setda@{DOMAIN}", subject="Permohonan Data Stunting", body="Mohon data.")
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))
    return latest(gw.app, SEKDA)


def dispositions(app: App) -> list[tuple[str, str, str]]:
    """(from, to, status) for every disposition, oldest first."""
    with app.db.read() as session:
        handles = dict(session.execute(select(Position.id, Position.handle)).all())
        return [
            (handles.get(d.from_position_id, "-"), handles[d.to_position_id], d.status)
            for d in session.scalars(
                select(Disposition).where(Disposition.kind == "disposisi").order_by(Disposition.id)
            )
        ]


def snapshot(app: App) -> list[tuple[object, ...]]:
    with app.db.read() as session:
        return [
            (d.id, d.status, d.read_at, d.done_at)
            for d in session.scalars(select(Disposition).order_by(Disposition.id))
        ]


def events(app: App, kind: str) -> list[Event]:
    with app.db.read() as session:
        return list(session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def test_full_chain_sekda_to_kabag_to_staff_and_back(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    send_reply(
        gw,
        build_reply(
            notice,
            SEKDA,
            "DISPOSISI kabag.umum\nINSTRUKSI: siapkan jawaban\n"
            "BATAS: 3 hari kerja\nCATATAN: koordinasikan dengan Dinkes",
        ),
    )
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "DISPOSISI kepada Kepala Bagian Umum, batas Jumat, 4 Desember 2026 23.59 WIB" in receipt
    kabag_notice = next(m for m in outgoing(gw.app, KABAG) if "Disposisi:" in str(m["Subject"]))
    text = plain(kabag_notice)
    assert (
        "Instruksi     : Siapkan jawaban" in text
        and "Catatan       : koordinasikan dengan Dinkes" in text
    )
    assert "Didisposisikan oleh: Drs. Agus Nugroho, M.M. (Sekretaris Daerah)" in text
    send_reply(gw, build_reply(kabag_notice, KABAG, "Teruskan ke Nur Hidayah\nBATAS: 2 hari kerja"))
    staff_notice = latest(gw.app, STAF)
    pdf = b"%PDF-1.4\ndraf jawaban\n"
    send_reply(
        gw,
        build_reply(
            staff_notice,
            STAF,
            "SELESAI draf jawaban terlampir",
            attachments=[("draf_jawaban.pdf", "application/pdf", pdf)],
        ),
    )
    update = latest(gw.app, KABAG, "update")
    assert "Nur Hidayah" in plain(update) and "draf jawaban terlampir" in plain(update)
    assert [p.get_filename() for p in update.iter_attachments()] == ["draf_jawaban.pdf"]
    assert dispositions(gw.app) == [
        ("kasubbag.tu", "sekda", "forwarded"),
        ("sekda", "kabag.umum", "forwarded"),
        ("kabag.umum", "staf.umum", "done"),
    ]
    with gw.app.db.read() as session:
        naskah = session.scalars(select(Naskah)).one()
        follow_up = session.scalars(
            select(Attachment).where(Attachment.origin == "tindak_lanjut")
        ).one()
    # Every open branch ended in a done leaf: the letter is done (its tree says so).
    assert naskah.status == "selesai" and follow_up.filename == "draf_jawaban.pdf"
    # The Kabag can still close his own disposition, by replying to the update.
    send_reply(gw, build_reply(update, KABAG, "SELESAI sudah dikirim ke Dinkes"))
    assert dispositions(gw.app)[1] == ("sekda", "kabag.umum", "done")


def test_any_verified_reply_marks_read_and_a_plain_reply_is_a_comment(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    send_reply(gw, build_reply(notice, SEKDA, "Siap, akan saya pelajari dulu."))
    assert dispositions(gw.app)[0][2] == "read"
    (comment,) = events(gw.app, "comment")
    assert comment.payload["text"] == "Siap, akan saya pelajari dulu."
    # Forwarded to the giver (the TU desk that registered it on behalf of the rule).
    assert "Siap, akan saya pelajari dulu." in plain(latest(gw.app, TU, "update"))
    assert outgoing(gw.app, SEKDA, "command_receipt") == []


@pytest.mark.parametrize(
    ("case", "sender", "headers", "to_owner_token"),
    [
        ("colleague-in-cc", KABAG, {}, True),
        ("forwarded-notice", "adik.sepupu@gmail.com", {}, True),
        (
            "spoofed-from-dmarc-fail",
            SEKDA,
            {"Authentication-Results": f"{TRUSTED}; dmarc=fail header.from=banyumaskab.go.id"},
            True,
        ),
        ("owner-address-via-another-token", KABAG, {}, False),
    ],
)
def test_spoof_matrix_changes_nothing(
    gw: RunningGateway, case: str, sender: str, headers: dict[str, str], to_owner_token: bool
) -> None:
    notice = incoming_letter(gw)
    before = snapshot(gw.app)
    outbox_before = len(outgoing(gw.app, SEKDA, "security_alert"))
    to = None if to_owner_token else f"balasan+{'a' * 39}@{DOMAIN}"
    reply = build_reply(notice, sender, "DISPOSISI kabag.umum\nSELESAI", to=to, headers=headers)
    send_reply(gw, reply)
    assert snapshot(gw.app) == before, case
    # Every case is recorded as unverified; the real owner hears about it,
    # the sender gets no receipt.
    (unverified,) = events(gw.app, "comment_unverified")
    assert unverified.payload["from"] == sender
    assert len(outgoing(gw.app, SEKDA, "security_alert")) == outbox_before + 1
    assert outgoing(gw.app, sender, "command_receipt") == []


def test_expired_token_changes_nothing_even_from_the_owner(
    gw: RunningGateway, clock: FakeClock
) -> None:
    notice = incoming_letter(gw)
    before = snapshot(gw.app)
    clock.advance(days=91)
    reply = build_reply(notice, SEKDA, "SELESAI")
    del reply["In-Reply-To"], reply["References"]
    send_reply(gw, reply)
    assert snapshot(gw.app) == before
    (unverified,) = events(gw.app, "comment_unverified")
    assert unverified.payload["reason"] == "alamat balasan sudah kedaluwarsa"


def test_the_same_reply_twice_acts_once(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    reply = build_reply(notice, SEKDA, "DISPOSISI kabag.umum")
    send_reply(gw, reply)
    send_reply(gw, reply)
    assert [d[1] for d in dispositions(gw.app)] == ["sekda", "kabag.umum"]
    assert len(outgoing(gw.app, SEKDA, "command_receipt")) == 1
    assert len(events(gw.app, "reply_duplicate")) == 1


def test_matching_falls_back_to_references_then_subject_tag(gw: RunningGateway) -> None:
    """Without a token only a proven From acts: here our MTA reported a DMARC pass."""
    notice = incoming_letter(gw)
    dmarc_pass = {"Authentication-Results": f"{TRUSTED}; dmarc=pass header.from={SEKDA_DOMAIN}"}
    by_references = build_reply(notice, SEKDA, "TERIMA", to=f"tnde@{DOMAIN}", headers=dmarc_pass)
    send_reply(gw, by_references)
    assert dispositions(gw.app)[0][2] == "read"
    by_subject = build_reply(
        notice, SEKDA, "DISPOSISI kabag.umum", to=f"tnde@{DOMAIN}", headers=dmarc_pass
    )
    del by_subject["In-Reply-To"], by_subject["References"]
    send_reply(gw, by_subject)
    assert [d[1] for d in dispositions(gw.app)] == ["sekda", "kabag.umum"]


def test_errors_are_answered_with_the_correct_form_and_change_nothing(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    body = "\n".join(
        [
            "DISPOSISI",
            "DISPOSISI kabag.umum",
            "BATAS: besok lusa",
            "DISPOSISI wabup",
            "INSTRUKSI: terbang",
            "HAPUS semua",
        ]
    )
    send_reply(gw, build_reply(notice, SEKDA, body))
    assert [d[1] for d in dispositions(gw.app)] == ["sekda"]
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "Tidak ada perintah yang dilaksanakan." in receipt
    assert '"DISPOSISI": DISPOSISI tanpa tujuan' in receipt
    assert "BATAS 'besok lusa' tidak dipahami" in receipt
    assert "Wakil Bupati Banyumas tidak berada di bawah jabatan Anda" in receipt
    assert "Bentuk yang benar:" in receipt and "DISPOSISI kabag.umum, kasubbag.tu" in receipt
    assert "- HAPUS semua" in receipt  # listed as ignored, not silently dropped


def test_batal_only_while_unread_and_tolak_returns_to_the_giver(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum, kabag.hukum"))
    kabag_notice = next(m for m in outgoing(gw.app, KABAG) if "Disposisi:" in str(m["Subject"]))
    send_reply(gw, build_reply(kabag_notice, KABAG, "TERIMA"))
    send_reply(gw, build_reply(notice, SEKDA, "BATAL"))
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "BATAL: disposisi kepada Kepala Bagian Hukum dibatalkan" in receipt
    assert "Kepala Bagian Umum sudah dibaca, tidak dapat dibatalkan" in receipt
    send_reply(gw, build_reply(kabag_notice, KABAG, "TOLAK bukan tugas Bagian Umum"))
    statuses = {d[1]: d[2] for d in dispositions(gw.app)}
    assert statuses == {"sekda": "forwarded", "kabag.umum": "rejected", "kabag.hukum": "cancelled"}
    assert "bukan tugas Bagian Umum" in plain(latest(gw.app, SEKDA, "update"))


def test_status_and_bantuan_answer_with_sections(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    send_reply(gw, build_reply(notice, SEKDA, "STATUS\nBANTUAN"))
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "== STATUS ==" in receipt and "Nomor agenda : 00001/SM/SETDA/2026" in receipt
    assert "== BANTUAN ==" in receipt and "SELESAI [catatan]" in receipt


def test_auto_replies_and_loops_never_act(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    before = snapshot(gw.app)
    ooo = build_reply(
        notice, SEKDA, "Saya sedang cuti. SELESAI", headers={"Auto-Submitted": "auto-replied"}
    )
    ooo.replace_header("Subject", f"Balasan Otomatis: {notice['Subject']}")
    send_reply(gw, ooo)
    ours = build_reply(notice, SEKDA, "SELESAI", headers={"X-TNDE-Loop": "another-gateway"})
    send_reply(gw, ours)
    assert snapshot(gw.app) == before
    assert len(events(gw.app, "auto_reply")) == 1
    assert outgoing(gw.app, SEKDA, "command_receipt") == []


def test_a_bounced_notice_marks_the_address_and_alerts_the_tu_desk(gw: RunningGateway) -> None:
    incoming_letter(gw)
    with gw.app.db.read() as session:
        notice_row = session.scalars(select(Outbox).where(Outbox.rcpt_to == SEKDA)).one()
    dsn = failure_dsn(notice_row.mail_from, SEKDA)
    with gw.smtp() as client:
        client.sendmail("<>", [notice_row.mail_from], dsn)
    wait_for(lambda: settled(gw.app))
    with gw.app.db.read() as session:
        row = session.get_one(Outbox, notice_row.id)
        email = session.scalars(select(PersonEmail).where(PersonEmail.address == SEKDA)).one()
    assert row.state == "bounced" and "5.1.1" in (row.last_error or "")
    assert email.undeliverable_since is not None
    alert = latest(gw.app, TU, "alert")
    assert SEKDA in str(alert["Subject"])


def test_reminder_then_escalation_to_the_superior(gw: RunningGateway, clock: FakeClock) -> None:
    notice = incoming_letter(gw)
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum\nBATAS: 2 hari kerja"))
    scheduler = gw.app.scheduler()
    assert scheduler.run_once()["reminders"] == 0
    clock.set(dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC))  # Thursday 10:00, due Thu 23:59
    counts = scheduler.run_once()
    assert counts["reminders"] == 1 and "Pengingat batas waktu" in str(
        latest(gw.app, KABAG, "reminder")["Subject"]
    )
    assert scheduler.run_once()["reminders"] == 0  # once only
    clock.set(dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.UTC))  # Friday: overdue
    counts = scheduler.run_once()
    assert counts["escalations"] == 2  # Kabag Umum and his superior, the Sekda
    assert "Bawahan terlambat" in str(latest(gw.app, SEKDA, "escalation")["Subject"])
    assert scheduler.run_once()["escalations"] == 0


def test_daily_digest_once_per_day_after_the_hour(gw: RunningGateway, clock: FakeClock) -> None:
    incoming_letter(gw)
    scheduler = gw.app.scheduler()
    clock.set(dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC))  # 07:00 WIB
    assert scheduler.run_once()["digests"] >= 1
    digest = plain(latest(gw.app, SEKDA, "digest"))
    assert "00001/SM/SETDA/2026: Permohonan Data Stunting" in digest
    assert scheduler.run_once()["digests"] == 0


def test_html_only_reply_reads_commands_not_the_quote(gw: RunningGateway) -> None:
    notice = incoming_letter(gw)
    reply = build_reply(notice, SEKDA, "", quote=False)
    reply.set_content(
        "<div>DISPOSISI kabag.umum<br>CATATAN: segera</div><div class='gmail_quote'>"
        "<blockquote>SELESAI ini kutipan</blockquote></div>",
        subtype="html",
    )
    send_reply(gw, reply)
    assert [(d[1], d[2]) for d in dispositions(gw.app)] == [
        ("sekda", "forwarded"),
        ("kabag.umum", "sent"),
    ]


def test_a_follow_up_file_does_not_make_a_later_notice_claim_the_letter_is_too_large(
    db_url: str, clock: FakeClock
) -> None:
    settings = gateway_settings(
        db_url,
        mail={"trusted_authserv_ids": [TRUSTED]},
        workflow={"notice_max_attachment_bytes": 2000},
    )
    gw = RunningGateway(App.build(settings, clock=clock)).start()
    try:
        small = b"%PDF-1.4\nsurat\n"
        raw = letter(to=f"setda@{DOMAIN}", attachments=[("surat.pdf", "application/pdf", small)])
        with gw.smtp() as client:
            client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
        wait_for(lambda: settled(gw.app))
        notice = latest(gw.app, SEKDA)
        big = ("data.pdf", "application/pdf", b"%PDF-1.4\n" + b"x" * 5000)
        send_reply(gw, build_reply(notice, SEKDA, "TANGGAPAN data awal", attachments=[big]))
        send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum"))
        kabag_notice = next(m for m in outgoing(gw.app, KABAG) if "Disposisi:" in str(m["Subject"]))
    finally:
        gw.stop()
    # The new holder gets the letter's own file, and the notice lists exactly what it carries.
    assert [p.get_filename() for p in kabag_notice.iter_attachments()] == ["surat.pdf"]
    text = plain(kabag_notice)
    assert "Lampiran (1):" in text and "surat.pdf" in text
    assert "terlalu besar" not in text
