"""Hostile mail on the reply path, against a gateway in its default configuration.

Default configuration: mail straight over SMTP, no trusted upstream Authentication-Results,
so no From header is proven. A reply then acts only through its token; a reply matched by
subject tag or References changes nothing and asks the official to confirm by token.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Attachment, Disposition, Event, Naskah, Outbox
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply

SEKDA = "agus.nugroho@banyumaskab.go.id"
KABAG = "teguh.wibowo@banyumaskab.go.id"
KABAG_HUKUM_HANDLE = "kabag.hukum"
ATTACKER = "attacker@evil.example"
TRUSTED = "mx.banyumaskab.go.id"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OFFICE_HOURS)


def start(db_url: str, clock: FakeClock, **sections: dict[str, object]) -> RunningGateway:
    return RunningGateway(App.build(gateway_settings(db_url, **sections), clock=clock)).start()


@pytest.fixture
def gw(db_url: str, clock: FakeClock) -> Iterator[RunningGateway]:
    """Default mail settings: nothing upstream is trusted."""
    gateway = start(db_url, clock)
    try:
        yield gateway
    finally:
        gateway.stop()


def register_letter(gw: RunningGateway, **kwargs: object) -> None:
    raw = letter(to=f"setda@{DOMAIN}", **kwargs)  # type: ignore[arg-type]
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def agenda(app: App) -> str:
    with app.db.read() as session:
        return session.scalars(select(Naskah.agenda_number)).one()


def state(app: App) -> tuple[object, ...]:
    """Everything a forged command could change: dispositions and the letter's status."""
    with app.db.read() as session:
        dispositions = [
            (d.id, d.to_position_id, d.status, d.read_at, d.done_at)
            for d in session.scalars(select(Disposition).order_by(Disposition.id))
        ]
        statuses = list(session.scalars(select(Naskah.status)))
    return (dispositions, statuses)


def outbox_kinds(app: App) -> Counter[tuple[str, str]]:
    with app.db.read() as session:
        return Counter((o.kind, o.rcpt_to) for o in session.scalars(select(Outbox)))


def forged(to: str, tag: str, body: str) -> bytes:
    """The attack from the issue: anyone's server, the Sekda's From, a guessed subject tag."""
    return (
        f"From: Agus <{SEKDA}>\r\nTo: {to}\r\nSubject: Re: [TNDE {tag}] x\r\n"
        f"Message-ID: <forged-{abs(hash((to, body)))}@evil.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + body.replace("\n", "\r\n")
        + "\r\n"
    ).encode()


def send_forged(gw: RunningGateway, to: str, body: str) -> None:
    with gw.smtp() as client:
        client.sendmail(ATTACKER, [to], forged(to, agenda(gw.app), body))
    wait_for(lambda: settled(gw.app))


@pytest.mark.parametrize("local", ["balasan", "tnde"])
@pytest.mark.parametrize(
    "body",
    ["SELESAI sudah ditangani", f"DISPOSISI {KABAG_HUKUM_HANDLE}", "BATAL", "TOLAK x", "TERIMA"],
)
def test_forged_from_with_the_subject_tag_changes_nothing(
    gw: RunningGateway, local: str, body: str
) -> None:
    register_letter(gw)
    before, mail_before = state(gw.app), outbox_kinds(gw.app)
    send_forged(gw, f"{local}@{DOMAIN}", body)
    assert state(gw.app) == before
    new = outbox_kinds(gw.app) - mail_before
    # No notice, update or receipt: nothing that carries the letter's content, to anyone.
    assert {kind for kind, _ in new} == {"confirmation"}
    # The confirmation goes to the organisation's address for the Sekda, never to the
    # envelope sender, and it names the letter but carries none of its files.
    assert set(new) == {("confirmation", SEKDA)}
    confirmation = latest(gw.app, SEKDA, "confirmation")
    text = plain(confirmation)
    assert "Kami menerima perintah berikut atas nama Anda" in text
    assert "Balas KONFIRMASI untuk menjalankannya" in text
    assert body.split(maxsplit=1)[0] in text
    assert list(confirmation.iter_attachments()) == []
    assert str(confirmation["Reply-To"]).startswith("balasan+")
    with gw.app.db.read() as session:
        (event,) = session.scalars(select(Event).where(Event.type == "comment_unverified"))
    assert event.payload["from"] == SEKDA and event.payload["method"] in ("subject", "references")


def test_konfirmasi_by_the_official_runs_the_held_commands_once(gw: RunningGateway) -> None:
    register_letter(gw)
    send_forged(gw, f"tnde@{DOMAIN}", "DISPOSISI kabag.umum\nCATATAN: segera")
    assert len(state(gw.app)[0]) == 1
    confirmation = latest(gw.app, SEKDA, "confirmation")
    send_reply(gw, build_reply(confirmation, SEKDA, "KONFIRMASI"))
    dispositions = state(gw.app)[0]
    assert len(dispositions) == 2  # the held DISPOSISI ran, as the Sekda
    assert "Kepala Bagian Umum" in plain(latest(gw.app, SEKDA, "command_receipt"))
    assert [m for m in outgoing(gw.app, KABAG) if "Disposisi:" in str(m["Subject"])]
    # A second KONFIRMASI (or a replay) runs nothing again.
    send_reply(gw, build_reply(confirmation, SEKDA, "KONFIRMASI"))
    assert len(state(gw.app)[0]) == 2
    assert "sudah dijalankan" in plain(latest(gw.app, SEKDA, "command_receipt"))


def test_anything_but_konfirmasi_to_a_confirmation_runs_nothing(gw: RunningGateway) -> None:
    """The request quotes the attacker's lines; a reply other than KONFIRMASI must not act."""
    register_letter(gw)
    send_reply(gw, build_reply(latest(gw.app, SEKDA), SEKDA, "DISPOSISI kabag.umum"))
    send_forged(gw, f"tnde@{DOMAIN}", "SELESAI")
    before = state(gw.app)
    confirmation = latest(gw.app, SEKDA, "confirmation")
    send_reply(gw, build_reply(confirmation, SEKDA, "BATAL"))
    send_reply(gw, build_reply(confirmation, SEKDA, "bukan saya yang mengirim"))
    assert state(gw.app) == before
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "hanya boleh berisi KONFIRMASI" in receipt


def test_the_confirmation_shows_everything_that_would_run_and_no_file_rides_along(
    gw: RunningGateway,
) -> None:
    register_letter(gw)
    body = "DISPOSISI kabag.umum\nINSTRUKSI: hapus semua arsip\nCATATAN: CATATANPENYERANG"
    reply = build_reply(latest(gw.app, SEKDA), SEKDA, body, to=f"tnde@{DOMAIN}")
    del reply["In-Reply-To"], reply["References"]
    reply.add_attachment(b"MZ", maintype="application", subtype="octet-stream", filename="x.exe")
    send_reply(gw, reply, envelope_from=ATTACKER)
    text = plain(latest(gw.app, SEKDA, "confirmation"))
    assert "INSTRUKSI: hapus semua arsip" in text and "CATATANPENYERANG" in text
    assert "x.exe" in text and "TIDAK ikut dijalankan" in text
    send_reply(gw, build_reply(latest(gw.app, SEKDA, "confirmation"), SEKDA, "KONFIRMASI"))
    with gw.app.db.read() as session:
        files = list(session.scalars(select(Attachment.filename)))
    assert "x.exe" not in files


def test_a_held_command_does_not_run_once_the_disposition_is_closed(gw: RunningGateway) -> None:
    register_letter(gw)
    send_forged(gw, f"tnde@{DOMAIN}", "DISPOSISI kabag.umum")
    confirmation = latest(gw.app, SEKDA, "confirmation")
    send_reply(gw, build_reply(latest(gw.app, SEKDA), SEKDA, "SELESAI sudah"))
    before = state(gw.app)
    send_reply(gw, build_reply(confirmation, SEKDA, "KONFIRMASI"))
    assert state(gw.app) == before
    assert "tidak dijalankan" in plain(latest(gw.app, SEKDA, "command_receipt"))


def test_konfirmasi_from_anyone_else_runs_nothing(gw: RunningGateway) -> None:
    register_letter(gw)
    send_forged(gw, f"tnde@{DOMAIN}", "SELESAI")
    before = state(gw.app)
    confirmation = latest(gw.app, SEKDA, "confirmation")
    send_reply(gw, build_reply(confirmation, KABAG, "KONFIRMASI"))
    assert state(gw.app) == before


def test_konfirmasi_without_a_confirmation_request_is_refused(gw: RunningGateway) -> None:
    register_letter(gw)
    notice = latest(gw.app, SEKDA)
    send_reply(gw, build_reply(notice, SEKDA, "KONFIRMASI"))
    receipt = plain(latest(gw.app, SEKDA, "command_receipt"))
    assert "tidak ada perintah yang menunggu konfirmasi" in receipt


def test_a_genuine_tokenised_reply_still_acts(gw: RunningGateway) -> None:
    register_letter(gw)
    notice = latest(gw.app, SEKDA)
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum"))
    assert len(state(gw.app)[0]) == 2
    assert outgoing(gw.app, SEKDA, "confirmation") == []


def test_a_dmarc_pass_from_a_trusted_mta_acts_without_a_token(
    db_url: str, clock: FakeClock
) -> None:
    gw = start(db_url, clock, mail={"trusted_authserv_ids": [TRUSTED]})
    try:
        register_letter(gw)
        notice = latest(gw.app, SEKDA)
        passed = {"Authentication-Results": f"{TRUSTED}; dmarc=pass header.from=banyumaskab.go.id"}
        claimed = {"Authentication-Results": "evil.example; dmarc=pass header.from=x"}
        forged_ar = build_reply(notice, SEKDA, "TERIMA", to=f"tnde@{DOMAIN}", headers=claimed)
        send_reply(gw, forged_ar, envelope_from=ATTACKER)
        assert state(gw.app)[0][0][2] == "sent"  # an untrusted authserv-id proves nothing
        reply = build_reply(notice, SEKDA, "TERIMA", to=f"tnde@{DOMAIN}", headers=passed)
        send_reply(gw, reply)
        assert state(gw.app)[0][0][2] == "read"
    finally:
        gw.stop()


def test_a_flood_of_forged_replies_is_aggregated_and_never_silences_the_official(
    sqlite_url: str, clock: FakeClock
) -> None:
    gw = start(sqlite_url, clock, smtp={"unverified_replies_per_minute": 0})
    try:
        register_letter(gw)
        tag = agenda(gw.app)
        with gw.smtp() as client:
            for n in range(100):
                raw = forged(f"tnde@{DOMAIN}", tag, f"SELESAI percobaan {n}")
                raw = raw.replace(b"<forged-", f"<forged-{n}-".encode())
                client.sendmail(ATTACKER, [f"tnde@{DOMAIN}"], raw)
        wait_for(lambda: settled(gw.app), timeout=120)
        with gw.app.db.read() as session:
            attempts = session.scalars(select(Event).where(Event.type == "comment_unverified"))
            assert len(list(attempts)) == 100
        # One confirmation mail for the first; one alert for the second; the other 98
        # wait for the next hourly alert.
        assert len(outgoing(gw.app, SEKDA, "confirmation")) == 1
        (first,) = outgoing(gw.app, SEKDA, "security_alert")
        assert "(1 kali)" in plain(first)
        # The official's own command is still answered: the flood used none of his cap.
        send_reply(gw, build_reply(latest(gw.app, SEKDA), SEKDA, "STATUS"))
        assert "== STATUS ==" in plain(latest(gw.app, SEKDA, "command_receipt"))
        scheduler = gw.app.scheduler()
        assert scheduler.run_once()["unverified_alerts"] == 0  # not within the hour
        clock.advance(hours=1, minutes=1)
        assert scheduler.run_once()["unverified_alerts"] == 1
        assert scheduler.run_once()["unverified_alerts"] == 0  # each attempt reported once
        alerts = outgoing(gw.app, SEKDA, "security_alert")
        assert len(alerts) == 2
        assert "(98 kali)" in plain(alerts[1]) and "dan 78 lagi" in plain(alerts[1])
    finally:
        gw.stop()


def test_tokenless_replies_past_the_rate_get_450_and_tokenised_ones_pass(
    sqlite_url: str, clock: FakeClock
) -> None:
    gw = start(sqlite_url, clock, smtp={"unverified_replies_per_minute": 5})
    try:
        register_letter(gw)
        tag = agenda(gw.app)
        answers = []
        for n in range(7):
            raw = forged(f"tnde@{DOMAIN}", tag, f"SELESAI {n}")
            with gw.smtp() as client:
                try:
                    client.sendmail(ATTACKER, [f"tnde@{DOMAIN}"], raw)
                    answers.append(250)
                except smtplib.SMTPRecipientsRefused as err:
                    code, text = err.recipients[f"tnde@{DOMAIN}"]
                    answers.append(code)
                    assert text.startswith(b"4.7.1")
        assert answers == [250] * 5 + [450] * 2
        # A forged token is no way round the limit.
        with gw.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(ATTACKER, [f"balasan+{'a' * 42}@{DOMAIN}"], raw)
        wait_for(lambda: settled(gw.app))
        notice = latest(gw.app, SEKDA)
        send_reply(gw, build_reply(notice, SEKDA, "TERIMA"))  # its token: accepted, acts
        assert state(gw.app)[0][0][2] == "read"
    finally:
        gw.stop()


def test_a_huge_folded_subject_is_capped_in_every_mail_we_send(
    sqlite_url: str, clock: FakeClock
) -> None:
    gw = start(sqlite_url, clock)
    try:
        words = " ".join(f"kata{n:06d}" for n in range(90_000))  # about 1 MB, folded
        raw = letter(subject=words, body="Mohon ditindaklanjuti.\n")
        assert len(raw) > 1_000_000
        with gw.smtp() as client:
            client.sendmail(ATTACKER, [f"setda@{DOMAIN}"], raw)
        wait_for(lambda: settled(gw.app), timeout=60)
        with gw.app.db.read() as session:
            rows = list(session.scalars(select(Outbox)))
        assert {r.kind for r in rows} >= {"receipt", "notice"}
        for row in rows:
            assert len(bytes(row.message)) < 40_000, row.kind
            subject = str(make_header(decode_header(row.subject or "")))
            assert len(subject) <= 300, row.kind
        receipt = latest(gw.app, ATTACKER, "receipt")
        # An unauthenticated sender gets back nothing it wrote: the number and time only.
        assert "kata000001" not in receipt.as_string()
        assert "Nomor agenda" in plain(receipt)
        notice = plain(latest(gw.app, SEKDA))
        assert "kata000001" in notice and "…" in notice
    finally:
        gw.stop()


def test_an_officials_from_arriving_unauthenticated_is_marked(gw: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}", sender=KABAG, sender_name="Teguh Wibowo")
    with gw.smtp() as client:
        client.sendmail(KABAG, [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))
    assert "(PENGIRIM TIDAK TERVERIFIKASI)" in plain(latest(gw.app, SEKDA))
    assert "Pengirim tidak terverifikasi" in signed_in(gw).get("/").body  # the list too


def test_an_external_sender_is_not_marked(gw: RunningGateway) -> None:
    register_letter(gw)
    assert "TERVERIFIKASI" not in plain(latest(gw.app, SEKDA))


def test_receipt_to_an_spf_authenticated_sender_keeps_the_details(
    sqlite_url: str, clock: FakeClock
) -> None:
    gw = start(sqlite_url, clock, mail={"trusted_authserv_ids": [TRUSTED]})
    try:
        spf = {"Authentication-Results": f"{TRUSTED}; spf=pass smtp.mailfrom=dinkes.go.id"}
        raw = letter(headers=spf)
        with gw.smtp() as client:
            client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
        wait_for(lambda: settled(gw.app))
        receipt = latest(gw.app, "tu@dinkes.jatengprov.go.id", "receipt")
        assert "Undangan Rapat Koordinasi" in str(receipt["Subject"])
        assert "Perihal       : Undangan Rapat Koordinasi" in plain(receipt)
    finally:
        gw.stop()
