"""Nota dinas and surat keluar by email over real SMTP: written, approved, numbered, sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import (
    Assignment,
    Disposition,
    Event,
    Inbound,
    Konsep,
    Naskah,
    Outbox,
    PersonEmail,
    Position,
    Submission,
)
from gateway.org.holders import holders
from gateway.registry import iter_naskah
from tests.support.cli import run
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, failure_dsn
from tests.support.panel import signed_in
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply
from tests.support.sink import Sink

ORG = "banyumaskab.go.id"
TRUSTED = "mx.banyumaskab.go.id"
SEKDA = f"agus.nugroho@{ORG}"
KABAG = f"teguh.wibowo@{ORG}"  # Kepala Bagian Umum (SETDA)
KASUBBAG = f"yuli.astuti@{ORG}"  # Kepala Subbagian TU (under the Kabag Umum)
STAF = f"nur.hidayah@{ORG}"  # staff of Bagian Umum, under the Kasubbag TU
KADINKES = f"retno.widyastuti@{ORG}"
AGENCY = "tu@dinkes.jatengprov.go.id"
PASS = {"Authentication-Results": f"{TRUSTED}; dmarc=pass header.from={ORG}"}
PDF_V1 = b"%PDF-1.4\n% konsep versi 1\n1 0 obj << >> endobj\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n% konsep versi 2, dasar hukum diperbarui\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OFFICE_HOURS)


@pytest.fixture
def smarthost() -> Iterator[Sink]:
    with Sink() as running:
        yield running


@pytest.fixture
def gw(db_url: str, clock: FakeClock, smarthost: Sink) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        db_url,
        mail={"trusted_authserv_ids": [TRUSTED]},
        web={"public_url": "http://tnde.example.go.id"},
        outbound={"smarthost": f"127.0.0.1:{smarthost.port}"},
    )
    gateway = RunningGateway(App.build(settings, clock=clock)).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def written(
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None = None,
    authenticated: bool = True,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=ORG)
    if authenticated:
        msg["Authentication-Results"] = PASS["Authentication-Results"]
    msg.set_content(body)
    for filename, ctype, data in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def deliver(gw: RunningGateway, msg: EmailMessage) -> None:
    recipients = [
        a.addr_spec for name in ("To", "Cc") for a in (msg[name].addresses if msg[name] else ())
    ]
    with gw.smtp() as client:
        client.send_message(msg, from_addr=msg["From"], to_addrs=recipients)
    wait_for(lambda: settled(gw.app), what="mail processed")


def rows(app: App, kind: str) -> list[Naskah]:
    with app.db.read() as session:
        return list(session.scalars(select(Naskah).where(Naskah.kind == kind).order_by(Naskah.id)))


def test_nota_dinas_to_sekda_is_numbered_delivered_and_answered(gw: RunningGateway) -> None:
    deliver(
        gw,
        written(
            KABAG,
            [f"sekda@{DOMAIN}"],
            "Usulan rapat evaluasi kearsipan",
            "Bersama ini kami usulkan rapat evaluasi kearsipan pada minggu depan.",
        ),
    )
    (nota,) = rows(gw.app, "nota_dinas")
    assert re.fullmatch(r"00001/ND/SETDA/\d{4}", nota.agenda_number)
    assert rows(gw.app, "surat_masuk") == []  # not an incoming letter any more
    receipt = plain(latest(gw.app, KABAG, "receipt"))
    assert nota.agenda_number in receipt and "Sekretaris Daerah" in receipt
    notice = latest(gw.app, SEKDA)
    assert "Nota dinas" in plain(notice) or "Usulan rapat" in str(notice["Subject"])
    send_reply(gw, build_reply(notice, SEKDA, "TANGGAPAN setuju, jadwalkan hari Kamis"))
    update = latest(gw.app, KABAG, "update")
    assert "setuju, jadwalkan hari Kamis" in plain(update)
    # The panel's buku agenda shows each register on its own.
    deliver(gw, written(AGENCY, [f"setda@{DOMAIN}"], "Undangan", "Isi.", authenticated=False))
    panel = signed_in(gw)
    memos = panel.get("/?register=nota_dinas").body
    assert nota.agenda_number in memos and "/SM/SETDA/" not in memos
    assert "/SM/SETDA/" in panel.get("/?register=surat_masuk").body


def test_nota_dinas_to_another_unit_is_in_both_registers(gw: RunningGateway) -> None:
    deliver(
        gw,
        written(
            KABAG,
            [f"kadinkes@{DOMAIN}"],
            "[SEGERA] Permintaan data tenaga kesehatan",
            "Mohon data tenaga kesehatan per puskesmas.",
            cc=[f"sekda@{DOMAIN}"],
        ),
    )
    (nota,) = rows(gw.app, "nota_dinas")
    (received,) = rows(gw.app, "surat_masuk")
    assert nota.kecepatan == "SEGERA" and nota.perihal == "Permintaan data tenaga kesehatan"
    assert received.origin_id == nota.id and received.nomor_surat == nota.agenda_number
    assert "/SM/DINKES/" in received.agenda_number
    with gw.app.db.read() as session:
        given = session.scalars(select(Disposition).order_by(Disposition.id)).all()
        kinds = sorted((d.naskah_id, d.kind) for d in given)
    assert kinds == sorted([(received.id, "disposisi"), (nota.id, "tembusan")])
    send_reply(gw, build_reply(latest(gw.app, KADINKES), KADINKES, "TANGGAPAN data terlampir"))
    assert "data terlampir" in plain(latest(gw.app, KABAG, "update"))


def test_unverified_nota_dinas_is_held_until_kirim(gw: RunningGateway) -> None:
    deliver(
        gw,
        written(
            KABAG,
            [f"sekda@{DOMAIN}"],
            "Nota dinas tanpa DMARC",
            "Isi nota dinas.",
            authenticated=False,
        ),
    )
    assert rows(gw.app, "nota_dinas") == [] and rows(gw.app, "surat_masuk") == []
    confirmation = latest(gw.app, KABAG, "confirmation")
    assert "balas KIRIM" in plain(confirmation).replace("Balas", "balas")
    # Anything but KIRIM to the token creates nothing; a forger's KIRIM neither.
    send_reply(gw, build_reply(confirmation, KABAG, "ya"))
    send_reply(gw, build_reply(confirmation, SEKDA, "KIRIM"))
    assert rows(gw.app, "nota_dinas") == []
    send_reply(gw, build_reply(confirmation, KABAG, "KIRIM"))
    (nota,) = rows(gw.app, "nota_dinas")
    assert nota.perihal == "Nota dinas tanpa DMARC"
    send_reply(gw, build_reply(confirmation, KABAG, "KIRIM"))  # a second KIRIM: nothing new
    assert len(rows(gw.app, "nota_dinas")) == 1
    with gw.app.db.read() as session:
        assert session.scalars(select(Submission)).one().state == "confirmed"


def test_mail_to_a_position_from_outside_stays_an_incoming_letter(gw: RunningGateway) -> None:
    deliver(gw, written(AGENCY, [f"sekda@{DOMAIN}"], "Undangan", "Isi.", authenticated=False))
    assert rows(gw.app, "nota_dinas") == [] and len(rows(gw.app, "surat_masuk")) == 1


def draft(authenticated: bool = True, head: str = "") -> EmailMessage:
    head = head or (
        f"KEPADA: Kepala Dinas Kesehatan Provinsi Jawa Tengah <{AGENCY}>\n"
        "TEMBUSAN: kadinkes\n"
        "KLASIFIKASI: 000.8.3.3\n"
        "PENANDATANGAN: sekda\n"
    )
    return written(
        STAF,
        [f"keluar@{DOMAIN}"],
        "Permohonan data kearsipan",
        head + "\nMohon diproses.\n",
        authenticated=authenticated,
        attachments=[("konsep.pdf", "application/pdf", PDF_V1)],
    )


def approve(gw: RunningGateway, *addresses: str, expect: bytes | None = None) -> None:
    """Each approver in turn answers their request with SETUJU."""
    for address in addresses:
        ask = latest(gw.app, address)
        if expect is not None:
            assert [p.get_content() for p in ask.iter_attachments()] == [expect]
        send_reply(gw, build_reply(ask, address, "SETUJU"))


def test_surat_keluar_round_trip(gw: RunningGateway, smarthost: Sink) -> None:
    deliver(gw, draft())
    (konsep_row,) = rows(gw.app, "konsep")
    receipt = plain(latest(gw.app, STAF, "receipt"))
    assert konsep_row.agenda_number in receipt
    assert "Kepala Subbagian Tata Usaha" in receipt and "Sekretaris Daerah" in receipt
    # Route: kasubbag.tu, kabag.umum, then the signer (sekda).
    approve(gw, KASUBBAG, expect=PDF_V1)
    ask = latest(gw.app, KABAG)
    # A forged SETUJU (right From, no token, no DMARC) and one from someone else do nothing.
    send_reply(gw, build_reply(ask, KABAG, "SETUJU", to=f"balasan@{DOMAIN}"))
    send_reply(gw, build_reply(ask, SEKDA, "SETUJU"))
    with gw.app.db.read() as session:
        assert session.get_one(Konsep, konsep_row.id).step == 1
    approve(gw, KABAG)
    ask = latest(gw.app, SEKDA)
    assert "TANDA TANGAN" in plain(ask)
    dashboard = signed_in(gw, "pimpinan", ["SETDA"]).get("/dasbor").body
    waiting = re.search(r'id="konsep-menunggu">(.*?)</table>', dashboard, re.S)
    assert waiting is not None and "Sekretaris Daerah" in waiting.group(1)
    send_reply(gw, build_reply(ask, SEKDA, "REVISI mohon dasar hukum diperbarui"))
    revision = latest(gw.app, STAF)
    assert "dasar hukum diperbarui" in plain(revision)
    new_version = [("konsep-v2.pdf", "application/pdf", PDF_V2)]
    send_reply(gw, build_reply(revision, STAF, "KIRIM sudah diperbaiki", attachments=new_version))
    # The route restarts at the first approver with version 2.
    approve(gw, KASUBBAG, KABAG, SEKDA, expect=PDF_V2)
    letter, sent, token = check_sent(gw)
    check_delivered(smarthost, letter)
    check_verification_page(gw, letter, token)
    check_reply_threads_back(gw, letter, sent)
    check_registers(gw, konsep_row, letter)


def check_registers(gw: RunningGateway, konsep_row: Naskah, letter: Naskah) -> None:
    """The panel shows the approval trail; the export carries approval and signer."""
    page = signed_in(gw).get(f"/naskah/{konsep_row.id}").body
    trail = re.findall(r'<tr data-step="(\w+)">(.*?)</tr>', page, re.S)
    assert [kind for kind, _ in trail] == ["paraf", "paraf", "ttd", "revisi"] + ["paraf"] * 2 + [
        "ttd"
    ]
    assert "minta revisi" in trail[2][1] and "Drs. Agus Nugroho" in trail[-1][1]
    assert f'href="/naskah/{letter.id}"' in page
    with gw.app.db.read() as session:
        (item,) = list(iter_naskah(session, kind="surat_keluar"))
    assert item["signer"]["title"] == "Sekretaris Daerah"
    assert [s["decision"] for s in item["approval"]] == [
        "setuju",
        "setuju",
        "revisi",
        "versi_baru",
        "setuju",
        "setuju",
        "setuju",
    ]
    assert item["recipients"] == [AGENCY, f"kadinkes@{DOMAIN}"]


def check_sent(gw: RunningGateway) -> tuple[Naskah, EmailMessage, str]:
    """Numbered, from the unit's address, the approved file unchanged, a verification link."""
    (letter,) = rows(gw.app, "surat_keluar")
    assert letter.agenda_number == f"000.8.3.3/1/SETDA/{letter.year}"
    (sent,) = outgoing(gw.app, AGENCY, "surat_keluar")
    assert str(sent["Subject"]) == f"{letter.agenda_number} Permohonan data kearsipan"
    assert sent["Auto-Submitted"] is None
    assert sent["From"].addresses[0].addr_spec == f"setda@{DOMAIN}"
    files = [(p.get_filename(), p.get_content()) for p in sent.iter_attachments()]
    assert files == [("konsep-v2.pdf", PDF_V2)]
    body = plain(sent)
    assert "Sekretaris Daerah" in body and "Drs. Agus Nugroho" in body
    link = re.search(r"http://tnde\.example\.go\.id/v/(\S+)", body)
    assert link is not None
    with gw.app.db.read() as session:
        stored = session.get_one(Naskah, letter.id).verification_hash
    assert stored == hashlib.sha256(link.group(1).encode()).hexdigest()
    # Internal tembusan: registered in DINKES's buku agenda, linked.
    (received,) = rows(gw.app, "surat_masuk")
    assert received.origin_id == letter.id and "/SM/DINKES/" in received.agenda_number
    # The drafter and the approvers get the sent copy.
    for address in (STAF, KASUBBAG, KABAG, SEKDA):
        assert outgoing(gw.app, address, "sent_copy")
    return letter, sent, link.group(1)


def check_delivered(smarthost: Sink, letter: Naskah) -> None:
    """What the smarthost received for the agency: the letter, its file byte-identical."""
    found = wait_for(
        lambda: [m for m in smarthost.messages if m.rcpt_tos == [AGENCY]] or None,
        what="the letter at the smarthost",
    )
    (received,) = found
    message = message_from_bytes(received.data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert str(message["Subject"]).startswith(letter.agenda_number)
    assert [p.get_content() for p in message.iter_attachments()] == [PDF_V2]


def check_verification_page(gw: RunningGateway, letter: Naskah, token: str) -> None:
    status, page = fetch(gw, f"/v/{token}")
    assert status == 200 and letter.agenda_number in page
    assert hashlib.sha256(PDF_V2).hexdigest() in page and "Drs. Agus Nugroho" in page
    assert fetch(gw, f"/v/{token[:-2]}xx")[0] == 404


def check_reply_threads_back(gw: RunningGateway, letter: Naskah, sent: EmailMessage) -> None:
    """The agency's answer is linked to the letter and goes to the drafter's position."""
    answer = EmailMessage()
    answer["From"] = f"TU Dinkes Provinsi <{AGENCY}>"
    answer["To"] = str(sent["From"])
    answer["Subject"] = f"Re: {sent['Subject']}"
    answer["Message-ID"] = make_msgid(domain="dinkes.jatengprov.go.id")
    answer["In-Reply-To"] = str(sent["Message-ID"])
    answer.set_content("Data kearsipan terlampir.")
    deliver(gw, answer)
    reply_row = rows(gw.app, "surat_masuk")[-1]
    assert reply_row.thread_parent_id == letter.id
    with gw.app.db.read() as session:
        given = session.scalars(
            select(Disposition).where(Disposition.naskah_id == reply_row.id)
        ).all()
        handles = [session.get_one(Position, d.to_position_id).handle for d in given]
    assert handles == ["staf.umum"]
    assert f"Balasan atas surat {letter.agenda_number}" in plain(latest(gw.app, STAF))


def test_setuju_proven_by_dmarc_but_not_by_the_token_changes_nothing(
    gw: RunningGateway,
) -> None:
    deliver(gw, draft())
    ask = latest(gw.app, KASUBBAG)
    # To the plain reply address (References match), with a trusted DMARC pass: the
    # reply is the Kasubbag's, but an approval must come to the address bound to them.
    send_reply(gw, build_reply(ask, KASUBBAG, "SETUJU", to=f"balasan@{DOMAIN}", headers=PASS))
    (konsep_row,) = rows(gw.app, "konsep")
    with gw.app.db.read() as session:
        assert session.get_one(Konsep, konsep_row.id).step == 0
    assert "alamat balasan khusus" in plain(latest(gw.app, KASUBBAG, "command_receipt"))


def test_reserved_number_is_used_and_a_duplicate_is_refused(gw: RunningGateway) -> None:
    head = f"KEPADA: <{AGENCY}>\nNOMOR: 000.8.3.3/77/SETDA/2026\nPENANDATANGAN: kabag.umum\n"
    deliver(gw, draft(head=head))
    approve(gw, KASUBBAG, KABAG)
    (letter,) = rows(gw.app, "surat_keluar")
    assert letter.agenda_number == "000.8.3.3/77/SETDA/2026" and letter.seq < 0
    deliver(gw, draft(head=head))
    assert len(rows(gw.app, "konsep")) == 1
    refusal = plain(latest(gw.app, STAF, "receipt"))
    assert "sudah dipakai" in refusal and "Permohonan data kearsipan" in refusal
    # The gapless series is untouched by the reserved number.
    head = f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8.3.3\nPENANDATANGAN: kabag.umum\n"
    deliver(gw, draft(head=head))
    approve(gw, KASUBBAG, KABAG)
    assert rows(gw.app, "surat_keluar")[-1].agenda_number.startswith("000.8.3.3/1/SETDA/")


def fetch(gw: RunningGateway, path: str) -> tuple[int, str]:
    request = urllib.request.Request(f"{gw.web_url.rstrip('/')}{path}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_unverified_draft_creates_nothing(gw: RunningGateway) -> None:
    deliver(gw, draft(authenticated=False))
    assert rows(gw.app, "konsep") == []
    assert "KIRIM" in plain(latest(gw.app, STAF, "confirmation"))


def test_draft_with_problems_is_refused_with_the_correct_form(gw: RunningGateway) -> None:
    deliver(gw, draft(head="KEPADA: bukan alamat@\nPENANDATANGAN: tidak.ada\n"))
    assert rows(gw.app, "konsep") == []
    answer = plain(latest(gw.app, STAF, "receipt"))
    assert "BELUM dicatat" in answer and "tidak.ada" in answer and "KLASIFIKASI:" in answer
    with gw.app.db.read() as session:
        inbound = session.scalars(select(Inbound).order_by(Inbound.id.desc())).first()
        assert inbound is not None and inbound.state == "ignored"
        assert session.scalars(select(Event).where(Event.type == "registered")).first() is None
        assert session.scalars(select(Outbox).where(Outbox.kind == "notice")).first() is None


def test_undelivered_letter_is_shown_to_the_drafter_and_the_tu_desk(gw: RunningGateway) -> None:
    deliver(gw, draft(head=f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kabag.umum\n"))
    approve(gw, KASUBBAG, KABAG)
    with gw.app.db.read() as session:
        row = session.scalars(select(Outbox).where(Outbox.kind == "surat_keluar")).one()
    with gw.smtp() as client:
        client.sendmail("<>", [row.mail_from], failure_dsn(row.mail_from, AGENCY))
    wait_for(lambda: settled(gw.app))
    for address in (STAF, KASUBBAG):  # the drafter, and the TU desk (kasubbag.tu)
        alert = latest(gw.app, address, "alert")
        assert AGENCY in str(alert["Subject"]) and "tidak dapat dikirim" in plain(alert)


def test_an_approver_is_reminded_before_the_step_is_due(
    gw: RunningGateway, clock: FakeClock
) -> None:
    deliver(gw, draft())
    scheduler = gw.app.scheduler()
    assert scheduler.run_once()["reminders"] == 0
    clock.set(clock() + dt.timedelta(days=2))  # the step is due in two workdays
    assert scheduler.run_once()["reminders"] == 1
    reminder = plain(latest(gw.app, KASUBBAG, "reminder"))
    assert "Permintaan paraf konsep berikut jatuh tempo" in reminder


def holder_email(app: App, handle: str) -> str:
    """The primary address of the definitif holder of a position (demo organisation)."""
    with app.db.read() as session:
        position = session.scalars(select(Position).where(Position.handle == handle)).one()
        day = dt.date(2026, 12, 1)
        (holder, *_) = holders(session, position, day)
        assert holder.email is not None
        return holder.email


def test_concurrent_signatures_in_two_units_give_gapless_numbers(pg_url: str) -> None:
    settings = gateway_settings(
        pg_url,
        mail={"trusted_authserv_ids": [TRUSTED]},
        worker={"concurrency": 4},
    )
    gw = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        drafters = {
            "SETDA": (STAF, "kabag.umum", [KASUBBAG]),
            "DINKES": (
                holder_email(gw.app, "staf.p2p"),
                "kadinkes",
                [holder_email(gw.app, "kabid.p2p")],
            ),
        }
        for unit, (drafter, signer, _) in drafters.items():
            for index in range(5):
                msg = written(
                    drafter,
                    [f"keluar@{DOMAIN}"],
                    f"Surat {unit} ke-{index}",
                    f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: {signer}\n",
                    attachments=[("surat.pdf", "application/pdf", PDF_V1 + str(index).encode())],
                )
                deliver(gw, msg)
        for _, _, before in drafters.values():
            for address in before:
                for ask in outgoing(gw.app, address):
                    send_reply(gw, build_reply(ask, address, "SETUJU"))
        # Every signer's SETUJU at once, from several SMTP clients: the workers race.
        replies = [
            build_reply(ask, holder_email(gw.app, signer), "SETUJU")
            for _, (_, signer, _) in drafters.items()
            for ask in outgoing(gw.app, holder_email(gw.app, signer))
            if "TANDA TANGAN" in plain(ask)
        ]
        assert len(replies) == 10

        def send(reply: EmailMessage) -> None:
            with gw.smtp() as client:
                client.send_message(reply, to_addrs=[a.addr_spec for a in reply["To"].addresses])

        with ThreadPoolExecutor(max_workers=5) as pool:
            list(pool.map(send, replies))
        wait_for(lambda: len(rows(gw.app, "surat_keluar")) == 10 or None, timeout=60)
        wait_for(lambda: settled(gw.app) or None, timeout=60)
        with gw.app.db.read() as session:
            numbers = session.execute(
                select(Naskah.unit_id, Naskah.seq).where(Naskah.kind == "surat_keluar")
            ).all()
        by_unit: dict[int, list[int]] = {}
        for unit_id, seq in numbers:
            by_unit.setdefault(unit_id, []).append(seq)
        assert sorted(sorted(s) for s in by_unit.values()) == [[1, 2, 3, 4, 5]] * 2
    finally:
        gw.stop()


def test_registers_by_kind_on_the_command_line(
    gw: RunningGateway, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(gw, written(KABAG, [f"sekda@{DOMAIN}"], "Nota dinas pertama", "Isi."))
    head = f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kabag.umum\n"
    deliver(gw, draft(head=head))
    approve(gw, KASUBBAG, KABAG)
    code, out, _ = run(capsys, "naskah", "list", "--kind", "nota_dinas", "--json")
    assert code == 0 and [i["kind"] for i in json.loads(out)] == ["nota_dinas"]
    code, out, _ = run(capsys, "agenda", "export", "--format", "json", "--kind", "surat_keluar")
    (letter,) = json.loads(out)
    assert letter["signer"]["title"] == "Kepala Bagian Umum"
    assert letter["signer"]["lines"][0] == "a.n. Sekretaris Daerah"
    assert [(s["position"], s["decision"]) for s in letter["approval"]] == [
        ("kasubbag.tu", "setuju"),
        ("kabag.umum", "setuju"),
    ]
    (konsep_row,) = rows(gw.app, "konsep")
    code, out, _ = run(capsys, "naskah", "show", konsep_row.agenda_number)
    assert code == 0 and "Alur persetujuan:" in out and "a.n. Sekretaris Daerah" in out


def test_only_a_superior_or_the_units_signer_may_sign(gw: RunningGateway) -> None:
    # The drafter's own position, or a unit they do not belong to: refused, nothing made.
    deliver(gw, draft(head=f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: staf.umum\n"))
    assert "bukan atasan Anda" in plain(latest(gw.app, STAF, "receipt"))
    other = draft(head=f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kasubbag.tu\n")
    other.replace_header("To", f"keluar+dinkes@{DOMAIN}")
    deliver(gw, other)
    assert "tidak memegang jabatan di unit DINKES" in plain(latest(gw.app, STAF, "receipt"))
    assert rows(gw.app, "konsep") == []


def test_an_approver_who_left_the_position_changes_nothing(gw: RunningGateway) -> None:
    deliver(gw, draft(head=f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\nPENANDATANGAN: kabag.umum\n"))
    approve(gw, KASUBBAG)
    ask = latest(gw.app, KABAG)
    with gw.app.db.write() as session:
        kabag = session.scalars(select(PersonEmail).where(PersonEmail.address == KABAG)).one()
        for held in session.scalars(
            select(Assignment).where(Assignment.person_id == kabag.person_id)
        ):
            held.valid_to = dt.date(2026, 11, 30)  # moved to another post yesterday
    send_reply(gw, build_reply(ask, KABAG, "SETUJU"))
    assert rows(gw.app, "surat_keluar") == []
    assert "tidak lagi memegang jabatan" in plain(latest(gw.app, KABAG, "command_receipt"))


def test_a_reserved_number_is_never_issued_again_by_the_series(gw: RunningGateway) -> None:
    signer = "PENANDATANGAN: kabag.umum\n"
    deliver(gw, draft(head=f"KEPADA: <{AGENCY}>\nNOMOR: 000.8/2/SETDA/2026\n{signer}"))
    approve(gw, KASUBBAG, KABAG)
    for _ in range(2):
        deliver(gw, draft(head=f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8\n{signer}"))
        approve(gw, KASUBBAG, KABAG)
    numbers = [row.agenda_number for row in rows(gw.app, "surat_keluar")]
    assert numbers == ["000.8/2/SETDA/2026", "000.8/1/SETDA/2026", "000.8/3/SETDA/2026"]


def test_a_nota_dinas_delivered_in_two_transactions_reaches_both(gw: RunningGateway) -> None:
    msg = written(KABAG, [f"sekda@{DOMAIN}", f"kadinkes@{DOMAIN}"], "Dua penerima", "Isi.")
    for recipient in (f"sekda@{DOMAIN}", f"kadinkes@{DOMAIN}"):
        with gw.smtp() as client:
            client.send_message(msg, from_addr=KABAG, to_addrs=[recipient])
        wait_for(lambda: settled(gw.app))
    (nota,) = rows(gw.app, "nota_dinas")
    with gw.app.db.read() as session:
        handles = sorted(
            session.get_one(Position, d.to_position_id).handle
            for d in session.scalars(select(Disposition))
        )
    assert nota.copies == 2 and handles == ["kadinkes", "sekda"]


def test_secret_drafts_stay_out_of_mail(gw: RunningGateway) -> None:
    # [RAHASIA] in the subject counts: such a letter is not mailed outside.
    secret = draft()
    secret.replace_header("Subject", "[RAHASIA] Data kepegawaian")
    deliver(gw, secret)
    assert "Rahasia/Sangat Rahasia tidak dikirim lewat email" in plain(
        latest(gw.app, STAF, "receipt")
    )
    # To an internal recipient it goes; no mail shows its perihal.
    internal = draft(
        head="KEPADA: kadinkes\nSIFAT: Rahasia\nPENANDATANGAN: kabag.umum\nKLASIFIKASI: 000.8\n"
    )
    internal.replace_header("Subject", "Data kepegawaian")
    deliver(gw, internal)
    approve(gw, KASUBBAG, KABAG)
    assert rows(gw.app, "surat_keluar")[-1].sifat_keamanan == "R"
    with gw.app.db.read() as session:
        subjects = [o.subject for o in session.scalars(select(Outbox))]
        bodies = [bytes(o.message) for o in session.scalars(select(Outbox))]
    assert subjects and not any("kepegawaian" in s for s in subjects)
    assert not any(b"kepegawaian" in body for body in bodies)


def test_forged_submissions_mail_an_official_at_most_five_times_an_hour(
    gw: RunningGateway,
) -> None:
    for index in range(7):
        deliver(gw, written(KABAG, [f"sekda@{DOMAIN}"], f"Palsu {index}", "x", authenticated=False))
    assert len(outgoing(gw.app, KABAG, "confirmation")) == 5
    with gw.app.db.read() as session:
        assert len(session.scalars(select(Submission)).all()) == 7
