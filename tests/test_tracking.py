"""The sending agency follows its letter: the receipt's link, STATUS by reply, the done
notice, and nothing it should not learn. End to end over SMTP and HTTP."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Event, Naskah, Outbox
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled
from tests.support.replies import build_reply, latest, outgoing, plain, send_reply

AGENCY = "tu@dinkes.jatengprov.go.id"
AGENCY_DOMAIN = "dinkes.jatengprov.go.id"
SEKDA = "agus.nugroho@banyumaskab.go.id"
SEKDA_NAME = "Agus Nugroho"
ATTACKER = "attacker@evil.example"
TRUSTED = "mx.banyumaskab.go.id"
PERIHAL = "Undangan Rapat Koordinasi Penanganan Stunting"
PROVEN = {"Authentication-Results": f"{TRUSTED}; dmarc=pass header.from={AGENCY_DOMAIN}"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OFFICE_HOURS)


def start(db_url: str, clock: FakeClock, **sections: dict[str, object]) -> RunningGateway:
    sections.setdefault("mail", {"trusted_authserv_ids": [TRUSTED]})
    return RunningGateway(App.build(gateway_settings(db_url, **sections), clock=clock)).start()


@pytest.fixture
def gw(db_url: str, clock: FakeClock) -> Iterator[RunningGateway]:
    gateway = start(db_url, clock)
    try:
        yield gateway
    finally:
        gateway.stop()


def send_letter(gw: RunningGateway, headers: dict[str, str] | None = None, body: str = "") -> None:
    raw = letter(
        to=f"setda@{DOMAIN}",
        sender=AGENCY,
        headers=PROVEN if headers is None else headers,
        body=body or f"Nomor: 400.7/123/2026\nPerihal: {PERIHAL}\n",
    )
    with gw.smtp() as client:
        client.sendmail(AGENCY, [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app), what="letter registered")


def receipt_link(gw: RunningGateway) -> tuple[EmailMessage, str]:
    receipt = latest(gw.app, AGENCY, "receipt")
    found = re.search(r"https?://\S+/lacak/([a-z0-9]+)", plain(receipt))
    assert found, plain(receipt)
    return receipt, found.group(0).rstrip(".")


def page(
    gw: RunningGateway, path: str, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(f"{gw.web_url.rstrip('/')}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def tracking_page(gw: RunningGateway, link: str) -> tuple[int, str, dict[str, str]]:
    return page(gw, "/lacak/" + link.rpartition("/lacak/")[2])


def milestone(html: str, key: str) -> str:
    found = re.search(rf'<li class="(\w+)" data-milestone="{key}">(.*?)</li>', html, re.S)
    assert found, f"milestone {key} not on the page"
    return f"{found.group(1)}: {re.sub(r'<[^>]+>', ' ', found.group(2))}"


def selesai_by_sekda(gw: RunningGateway, note: str = "sudah dihadiri") -> None:
    notice = latest(gw.app, SEKDA, "notice")
    send_reply(gw, build_reply(notice, SEKDA, f"SELESAI {note}"))


def events(app: App, kind: str) -> list[Event]:
    with app.db.read() as session:
        return list(session.scalars(select(Event).where(Event.type == kind)))


def test_an_agency_follows_its_letter_to_selesai_from_the_receipt_alone(
    gw: RunningGateway,
) -> None:
    send_letter(gw)
    receipt, link = receipt_link(gw)
    token = link.rpartition("/lacak/")[2]
    assert str(receipt["Reply-To"]) == f"balasan+{token}@{DOMAIN}"

    status, html, headers = tracking_page(gw, link)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert (
        headers["Referrer-Policy"] == "no-referrer"
        and "frame-ancestors 'none'" in (headers["Content-Security-Policy"])
    )
    assert "00001/SM/SETDA/2026" in html and "WIB" in html
    assert milestone(html, "diterima").startswith("sudah")
    disposed = milestone(html, "didisposisikan")
    # The demo rule disposes invitations to the Sekda: the page names the unit, not him.
    assert disposed.startswith("sudah") and "kepada Sekretariat Daerah" in disposed
    assert milestone(html, "selesai").startswith("belum")
    assert PERIHAL not in html and SEKDA_NAME not in html and "sekda" not in html.lower()

    selesai_by_sekda(gw, "rapat dihadiri, notulen di bagian umum")
    status, html, _ = tracking_page(gw, link)
    done = milestone(html, "selesai")
    assert done.startswith("sudah") and "oleh Sekretariat Daerah" in done and "WIB" in done
    assert milestone(html, "dalam_proses").startswith("sudah")
    assert "notulen" not in html  # the official's closing note is internal

    notice = latest(gw.app, AGENCY, "done_notice")
    text = plain(notice)
    assert "telah ditindaklanjuti oleh Sekretariat Daerah" in text and token in text
    assert PERIHAL not in text and SEKDA_NAME not in text and "notulen" not in text
    assert str(notice["Reply-To"]) == f"balasan+{token}@{DOMAIN}"
    # Once: a second look at the letter sends nothing more.
    tracking_page(gw, link)
    assert len(outgoing(gw.app, AGENCY, "done_notice")) == 1


def test_status_by_reply_answers_only_the_receipts_address(gw: RunningGateway) -> None:
    send_letter(gw)
    receipt, link = receipt_link(gw)
    send_reply(gw, build_reply(receipt, AGENCY, "STATUS", headers=PROVEN))
    answer = latest(gw.app, AGENCY, "tracking_status")
    text = plain(answer)
    assert "00001/SM/SETDA/2026" in text and "[x] Didisposisikan" in text
    assert "[ ] Selesai ditindaklanjuti: belum" in text and link in text
    assert PERIHAL not in text and SEKDA_NAME not in text

    # A forged STATUS from another address: recorded, nobody answered.
    forged = build_reply(receipt, ATTACKER, "STATUS")
    send_reply(gw, forged)
    assert outgoing(gw.app, ATTACKER, "tracking_status") == []
    assert len(outgoing(gw.app, AGENCY, "tracking_status")) == 1
    refused = events(gw.app, "tracking_reply_refused")
    assert [e.payload["from"] for e in refused] == [ATTACKER]

    # Anything else written to the receipt is what it always was: a letter to the unit,
    # registered (with its own receipt), whoever writes it. Nothing is lost.
    follow_up = build_reply(receipt, "kabid@dinkes.jatengprov.go.id", "Berikut revisi undangan.")
    send_reply(gw, follow_up)
    with gw.app.db.read() as session:
        numbers = list(session.scalars(select(Naskah.agenda_number).order_by(Naskah.id)))
    assert numbers == ["00001/SM/SETDA/2026", "00002/SM/SETDA/2026"]
    assert len(events(gw.app, "sender_message")) == 1
    assert len(outgoing(gw.app, AGENCY, "tracking_status")) == 1


def test_status_from_a_tagged_envelope_is_answered_at_the_receipts_address(
    gw: RunningGateway,
) -> None:
    """BATV/SRS envelopes change from mail to mail: the letter's From also counts."""
    send_letter(gw)
    receipt, _ = receipt_link(gw)
    send_reply(
        gw,
        build_reply(receipt, AGENCY, "Status?", headers=PROVEN),
        envelope_from="prvs=1234abcd=tu@dinkes.jatengprov.go.id",
    )
    assert len(outgoing(gw.app, AGENCY, "tracking_status")) == 1


def test_a_refusal_note_is_never_shown_to_the_agency(gw: RunningGateway) -> None:
    send_letter(gw)
    _, link = receipt_link(gw)
    notice = latest(gw.app, SEKDA, "notice")
    send_reply(gw, build_reply(notice, SEKDA, "TOLAK salah alamat, mohon Pak Budi kirim ulang"))
    status, html, _ = tracking_page(gw, link)
    assert status == 200 and milestone(html, "ditolak").startswith("sudah")
    assert "Pak Budi" not in html and "salah alamat" not in html


def test_the_done_notice_goes_once_even_if_the_letter_reopens(gw: RunningGateway) -> None:
    kabag = "teguh.wibowo@banyumaskab.go.id"
    tu = "yuli.astuti@banyumaskab.go.id"
    send_letter(gw)
    notice = latest(gw.app, SEKDA, "notice")
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kabag.umum"))
    send_reply(gw, build_reply(latest(gw.app, kabag, "notice"), kabag, "SELESAI"))
    assert len(outgoing(gw.app, AGENCY, "done_notice")) == 1
    send_reply(gw, build_reply(notice, SEKDA, "DISPOSISI kasubbag.tu"))
    with gw.app.db.read() as session:
        assert session.scalars(select(Naskah.status)).one() == "dalam_proses"
    send_reply(gw, build_reply(latest(gw.app, tu, "notice"), tu, "SELESAI"))
    with gw.app.db.read() as session:
        assert session.scalars(select(Naskah.status)).one() == "selesai"
    assert len(outgoing(gw.app, AGENCY, "done_notice")) == 1


def test_status_replies_are_limited_per_sender_and_letter(db_url: str, clock: FakeClock) -> None:
    gw = start(
        db_url,
        clock,
        mail={"trusted_authserv_ids": [TRUSTED]},
        tracking={"status_replies_per_day": 2},
    )
    try:
        send_letter(gw)
        receipt, _ = receipt_link(gw)
        for _ in range(3):
            send_reply(gw, build_reply(receipt, AGENCY, "STATUS", headers=PROVEN))
        assert len(outgoing(gw.app, AGENCY, "tracking_status")) == 2
        suppressed = events(gw.app, "tracking_status_suppressed")
        assert [e.payload.get("limit") for e in suppressed] == [2]
        clock.advance(days=1, hours=1)
        send_reply(gw, build_reply(receipt, AGENCY, "STATUS", headers=PROVEN))
        assert len(outgoing(gw.app, AGENCY, "tracking_status")) == 3
    finally:
        gw.stop()


def test_a_secret_letters_page_shows_only_the_number_and_the_dates(gw: RunningGateway) -> None:
    send_letter(gw, body=f"Nomor: 400.7/9/2026\nSifat: Rahasia\nPerihal: {PERIHAL}\n")
    receipt, link = receipt_link(gw)
    status, html, _ = tracking_page(gw, link)
    assert status == 200 and "00001/SM/SETDA/2026" in html
    assert PERIHAL not in html and "Sekretariat Daerah" not in html and "kepada" not in html
    assert "hanya nomor dan tanggal" in html
    send_reply(gw, build_reply(receipt, AGENCY, "STATUS", headers=PROVEN))
    text = plain(latest(gw.app, AGENCY, "tracking_status"))
    assert PERIHAL not in text and "Sekretariat Daerah" not in text


def test_unknown_forged_and_expired_tokens_get_the_same_page(
    gw: RunningGateway, clock: FakeClock
) -> None:
    send_letter(gw)
    _, link = receipt_link(gw)
    token = link.rpartition("/lacak/")[2]
    middle = len(token) // 2
    flipped = token[:middle] + ("a" if token[middle] != "a" else "b") + token[middle + 1 :]
    answers = [
        page(gw, f"/lacak/{candidate}")
        for candidate in (
            flipped,
            token[:-1] + ("z" if token[-1] != "z" else "y"),
            "a" * len(token),
            "tidakada",
            "x" * 500,
        )
    ]
    assert {status for status, _, _ in answers} == {404}
    assert len({body for _, body, _ in answers}) == 1
    unknown = answers[0][1]
    assert "tidak dikenal atau sudah tidak berlaku" in unknown

    selesai_by_sekda(gw)
    assert tracking_page(gw, link)[0] == 200
    clock.advance(days=366)  # tracking.retention_days = 365 after selesai
    status, body, headers = tracking_page(gw, link)
    assert (status, body) == (404, unknown) and headers["Cache-Control"] == "no-store"


def test_no_done_notice_to_an_unauthenticated_sender(gw: RunningGateway) -> None:
    send_letter(gw, headers={})  # no verdict at all: the From proves nothing
    _, link = receipt_link(gw)
    assert tracking_page(gw, link)[0] == 200
    selesai_by_sekda(gw)
    wait_for(lambda: events(gw.app, "done_notice_suppressed"), what="done notice decision")
    assert outgoing(gw.app, AGENCY, "done_notice") == []
    reasons = [e.payload["reason"] for e in events(gw.app, "done_notice_suppressed")]
    assert reasons == ["pengirim tidak terautentikasi"]


def test_tracking_switched_off_for_a_unit(db_url: str, clock: FakeClock) -> None:
    gw = start(
        db_url,
        clock,
        mail={"trusted_authserv_ids": [TRUSTED]},
        tracking={"units": {"SETDA": {"enabled": False}}},
    )
    try:
        send_letter(gw)
        receipt = latest(gw.app, AGENCY, "receipt")
        assert "/lacak/" not in plain(receipt)
        assert str(receipt["Reply-To"]) == f"setda@{DOMAIN}"
        selesai_by_sekda(gw)
        assert outgoing(gw.app, AGENCY, "done_notice") == []
    finally:
        gw.stop()


def test_the_page_is_rate_limited_per_client(db_url: str, clock: FakeClock) -> None:
    gw = start(db_url, clock, tracking={"page_requests_per_minute": 3})
    try:
        statuses = [page(gw, "/lacak/tidakada")[0] for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        status, body, headers = page(gw, "/lacak/tidakada")
        assert status == 429 and headers["Retry-After"] == "60" and "Terlalu banyak" in body
        # Behind the nginx on this host (a loopback peer) each real client has its own
        # budget, read from X-Real-IP as deploy/nginx/tnde.conf sets it.
        behind = {"X-Real-IP": "203.0.113.7"}
        assert [page(gw, "/lacak/tidakada", behind)[0] for _ in range(4)] == [404] * 3 + [429]
        other = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        assert page(gw, "/lacak/tidakada", other)[0] == 404
    finally:
        gw.stop()


def test_receipt_stores_nothing_new_and_the_letter_records_closure(gw: RunningGateway) -> None:
    """closed_at is set when the letter becomes selesai (links expire from it)."""
    send_letter(gw)
    with gw.app.db.read() as session:
        assert session.scalars(select(Naskah.closed_at)).one() is None
    selesai_by_sekda(gw)
    with gw.app.db.read() as session:
        naskah = session.scalars(select(Naskah)).one()
        assert naskah.status == "selesai" and naskah.closed_at is not None
        kinds = set(session.scalars(select(Outbox.kind)))
    assert {"receipt", "notice", "done_notice"} <= kinds
