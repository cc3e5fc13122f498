"""The gateway checks senders itself: SPF, DKIM, DMARC against a real DNS server (nsd).

Letters arrive over real SMTP from chosen loopback addresses (127.0.0.2 is the agency's
mail server in the test zones, 127.0.0.3 is anyone else), signed with real RSA keys.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Event, Inbound, Naskah, Outbox
from gateway.parsing.authresults import from_authenticated, verdicts
from gateway.parsing.deceptive import lookalike_of
from tests.support.cli import run
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.dkimkeys import DkimKey
from tests.support.dnsserver import AuthoritativeDns
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import latest_inbound, settled

AGENCY = "kemendagri.go.id"
AGENCY_MX = "127.0.0.2"
STRANGER = "127.0.0.3"
OUR_ID = "gw.test"
TO = f"setda@{DOMAIN}"


@pytest.fixture(scope="module")
def keys() -> dict[str, DkimKey]:
    return {"agency": DkimKey.generate(), "fraud": DkimKey.generate()}


@pytest.fixture(scope="module")
def dns_server(keys: dict[str, DkimKey]) -> Iterator[AuthoritativeDns]:
    zones = {
        AGENCY: [
            f'@ IN TXT "v=spf1 ip4:{AGENCY_MX} -all"',
            '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@kemendagri.go.id"',
            keys["agency"].txt_record("s2026"),
        ],
        # An agency that publishes nothing (no SPF, no DKIM key, no DMARC).
        "sepi.go.id": ["@ IN A 127.0.0.9"],
        # A fraudster's own domain: its SPF and DKIM are real, and pass.
        "penipu.example": [
            f'@ IN TXT "v=spf1 ip4:{STRANGER} -all"',
            keys["fraud"].txt_record("x"),
        ],
        # One character away from the agency's domain (anyone may register a .id name),
        # with a valid SPF and DMARC of its own.
        "kemendagri-go.id": [
            f'@ IN TXT "v=spf1 ip4:{STRANGER} -all"',
            '_dmarc IN TXT "v=DMARC1; p=none"',
        ],
        # A real ministry one letter away from another's name (kemenkeu.go.id).
        "kemenkes.go.id": [
            f'@ IN TXT "v=spf1 ip4:{STRANGER} -all"',
            '_dmarc IN TXT "v=DMARC1; p=reject"',
        ],
    }
    server = AuthoritativeDns(zones).start()
    try:
        yield server
    finally:
        server.stop()


def start(db_url: str, nameserver_port: int, **sections: dict[str, Any]) -> RunningGateway:
    auth = {
        "verify_smtp": True,
        "nameservers": ["127.0.0.1"],
        "dns_port": nameserver_port,
        "dns_timeout": 1.0,
        "dns_budget": 3.0,
        **sections.pop("auth", {}),
    }
    settings = gateway_settings(db_url, auth=auth, **sections)
    app = App.build(settings, clock=FakeClock(OFFICE_HOURS))
    return RunningGateway(app).start()


@pytest.fixture
def gateway(sqlite_url: str, dns_server: AuthoritativeDns) -> Iterator[RunningGateway]:
    running = start(sqlite_url, dns_server.port)
    try:
        yield running
    finally:
        running.stop()


def agency_letter(sender: str = f"umum@{AGENCY}", subject: str = "Undangan rapat") -> bytes:
    return letter(
        to=TO,
        sender=sender,
        sender_name="Biro Umum Kemendagri",
        subject=subject,
        body=f"Nomor: 005/77/SJ\nPerihal: {subject}\n\nMohon hadir.\n",
    )


def deliver(
    gateway: RunningGateway, raw: bytes, mail_from: str, source_ip: str
) -> tuple[Inbound, Naskah | None]:
    """Send over SMTP from `source_ip`; the inbound row and its naskah once processed."""
    host, port = gateway.address("smtp")
    with smtplib.SMTP(host, port, timeout=30, source_address=(source_ip, 0)) as client:
        client.ehlo("mx.pengirim.example")
        client.sendmail(mail_from, [TO], raw)
    wait_for(lambda: settled(gateway.app), timeout=20, what="pipeline")
    return latest_inbound(gateway.app)


def outbox(app: App, kind: str) -> list[Outbox]:
    with app.db.read() as session:
        rows = list(session.scalars(select(Outbox).where(Outbox.kind == kind)))
        session.expunge_all()
    return rows


def events(app: App, type_: str) -> list[dict[str, Any]]:
    with app.db.read() as session:
        return [e.payload for e in session.scalars(select(Event).where(Event.type == type_))]


def text_of(row: Outbox) -> str:
    message = message_from_bytes(row.message, policy=policy.default)
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    assert body is not None
    return str(body.get_content())


def test_a_signed_letter_from_the_agencys_server_passes_and_is_shown_verified(
    db_url: str,
    dns_server: AuthoritativeDns,
    keys: dict[str, DkimKey],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = start(db_url, dns_server.port)
    try:
        raw = keys["agency"].sign(agency_letter(), AGENCY, "s2026")
        inbound, naskah = deliver(gateway, raw, f"umum@{AGENCY}", AGENCY_MX)
        assert inbound.state == "registered" and naskah is not None
        header = inbound.auth_header or ""
        assert header.startswith(f"Authentication-Results: {OUR_ID};"), header
        assert "spf=pass" in header and "dkim=pass" in header and "dmarc=pass" in header
        # Our verdict sits beside the message: the stored bytes are exactly those sent.
        assert inbound.raw_sha256 == hashlib.sha256(raw).hexdigest()
        assert naskah.raw_sha256 == inbound.raw_sha256
        auth = naskah.auth_results
        assert (auth["spf"], auth["dkim"], auth["dmarc"]) == ("pass", "pass", "pass")
        assert auth["source"] == "gateway" and auth["dkim_domains"] == [AGENCY]
        assert auth["dmarc_policy"] == "reject"
        (receipt,) = outbox(gateway.app, "receipt")
        assert receipt.rcpt_to == f"umum@{AGENCY}"
        notice = outbox(gateway.app, "notice")[0]
        assert "Keaslian      : Pengirim terverifikasi (DMARC lulus)" in text_of(notice)
        page = signed_in(gateway, "admin").get(f"/naskah/{naskah.id}")
        assert "Pengirim terverifikasi (DMARC lulus)" in page.body
        assert f"SPF pass, DKIM pass, DMARC pass; diperiksa oleh {OUR_ID}" in page.body
    finally:
        gateway.stop()
    monkeypatch.setenv("TNDE_DATABASE__URL", db_url)
    code, out, _ = run(capsys, "naskah", "show", str(naskah.id))
    assert code == 0
    assert "Pengirim terverifikasi (DMARC lulus) [SPF pass, DKIM pass, DMARC pass" in out
    code, out, _ = run(capsys, "naskah", "show", str(naskah.id), "--json")
    assert json.loads(out)["sender_verification"]["verdict"] == "verified"


def test_spf_fail_under_dmarc_reject_from_a_go_id_domain_is_quarantined_with_the_reason(
    gateway: RunningGateway,
) -> None:
    inbound, naskah = deliver(gateway, agency_letter(), f"umum@{AGENCY}", STRANGER)
    assert naskah is None and inbound.state == "quarantined"
    assert inbound.reason is not None
    assert inbound.reason.startswith("aturan instansi pemerintah gagal dmarc: DMARC gagal")
    assert "spf=fail" in (inbound.auth_header or "")
    assert "dmarc=fail" in (inbound.auth_header or "")
    assert outbox(gateway.app, "receipt") == []


def test_a_body_changed_after_signing_fails_dkim(
    gateway: RunningGateway, keys: dict[str, DkimKey]
) -> None:
    signed = keys["agency"].sign(agency_letter(), AGENCY, "s2026")
    tampered = signed.replace(b"Mohon hadir.", b"Mohon transfer.")
    assert tampered != signed
    inbound, naskah = deliver(gateway, tampered, f"umum@{AGENCY}", STRANGER)
    header = inbound.auth_header or ""
    assert "dkim=fail" in header and "header.d=kemendagri.go.id" in header, header
    assert "dmarc=fail" in header
    assert inbound.state == "quarantined" and naskah is None


def test_a_dkim_pass_for_another_domain_does_not_make_the_from_domain_pass(
    gateway: RunningGateway, keys: dict[str, DkimKey]
) -> None:
    # The fraudster signs with its own (valid) key and passes its own SPF: neither is
    # aligned with the From domain, so DMARC fails.
    raw = keys["fraud"].sign(agency_letter(), "penipu.example", "x")
    inbound, naskah = deliver(gateway, raw, "bounce@penipu.example", STRANGER)
    header = inbound.auth_header or ""
    assert "spf=pass" in header and "dkim=pass" in header and "header.d=penipu.example" in header
    assert "dmarc=fail" in header
    assert inbound.state == "quarantined" and naskah is None


def test_a_domain_without_records_registers_unverified_and_gets_no_receipt(
    gateway: RunningGateway,
) -> None:
    raw = agency_letter(sender="tu@sepi.go.id")
    inbound, naskah = deliver(gateway, raw, "tu@sepi.go.id", STRANGER)
    assert naskah is not None and inbound.state == "registered"
    auth = naskah.auth_results
    assert (auth["spf"], auth["dkim"], auth["dmarc"]) == ("none", "none", "none")
    assert outbox(gateway.app, "receipt") == []
    (suppressed,) = events(gateway.app, "receipt_suppressed")
    assert "neither SPF" in suppressed["reason"] and "spf=none" in suppressed["reason"]
    notice = outbox(gateway.app, "notice")[0]
    assert "Pengirim TIDAK terverifikasi (domain pengirim tidak menerbitkan DMARC)" in text_of(
        notice
    )


def test_dns_that_never_answers_gives_temperror_and_the_letter_still_registers(
    sqlite_url: str, keys: dict[str, DkimKey]
) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # takes queries and never answers
    try:
        gateway = start(
            sqlite_url,
            silent.getsockname()[1],
            auth={"dns_timeout": 0.3, "dns_budget": 1.0},
        )
        try:
            raw = keys["agency"].sign(agency_letter(), AGENCY, "s2026")
            inbound, naskah = deliver(gateway, raw, f"umum@{AGENCY}", AGENCY_MX)
        finally:
            gateway.stop()
    finally:
        silent.close()
    assert inbound.state == "registered" and naskah is not None
    auth = naskah.auth_results
    assert auth["spf"] == "temperror" and auth["dkim"] == "temperror"
    assert auth["dmarc"] == "temperror"


def test_authentication_results_in_direct_mail_are_ignored_even_from_trusted_ids(
    sqlite_url: str, dns_server: AuthoritativeDns
) -> None:
    forged = {
        "Authentication-Results": f"{OUR_ID}; spf=pass; dmarc=pass header.from={AGENCY}",
    }
    raw = letter(to=TO, sender=f"umum@{AGENCY}", headers=forged)
    raw = b"Authentication-Results: mx.banyumaskab.go.id; dmarc=pass header.from=" + (
        AGENCY.encode() + b"\r\n" + raw
    )
    gateway = start(
        sqlite_url, dns_server.port, mail={"trusted_authserv_ids": ["mx.banyumaskab.go.id"]}
    )
    try:
        inbound, naskah = deliver(gateway, raw, f"umum@{AGENCY}", STRANGER)
    finally:
        gateway.stop()
    assert inbound.state == "quarantined" and naskah is None
    assert "dmarc=fail" in (inbound.auth_header or "")


def test_a_lookalike_of_a_known_agency_domain_is_flagged_and_held(
    gateway: RunningGateway,
) -> None:
    raw = agency_letter(sender="umum@kemendagri-go.id")
    inbound, naskah = deliver(gateway, raw, "umum@kemendagri-go.id", STRANGER)
    # Its own SPF and DMARC pass: it really is kemendagri-go.id, which is the deception.
    assert "dmarc=pass" in (inbound.auth_header or "")
    assert inbound.state == "quarantined" and naskah is None
    assert inbound.reason is not None and "domain tiruan" in inbound.reason


def test_a_lookalike_letter_released_by_the_operator_warns_every_reader(
    gateway: RunningGateway,
) -> None:
    raw = agency_letter(sender="umum@kemendagri-go.id")
    inbound, _ = deliver(gateway, raw, "umum@kemendagri-go.id", STRANGER)
    from gateway.pipeline.worker import requeue

    requeue(gateway.app.db, [inbound.id], gateway.app.clock(), "operator", release=True)
    wait_for(lambda: settled(gateway.app), timeout=20, what="pipeline after release")
    with gateway.app.db.read() as session:
        naskah = session.scalars(select(Naskah)).one()
        assert naskah.auth_results["sender_flags"] == ["lookalike-domain"]
        assert naskah.auth_results["lookalike_of"] == AGENCY
        naskah_id = naskah.id
    notice = outbox(gateway.app, "notice")[0]
    assert f"PERINGATAN    : Domain pengirim meniru {AGENCY}" in text_of(notice)
    page = signed_in(gateway, "admin").get(f"/naskah/{naskah_id}")
    assert f"Domain pengirim meniru {AGENCY}" in page.body


def test_verdicts_ignore_headers_claiming_our_own_id_or_an_untrusted_one() -> None:
    headers = [
        "gw.test; dmarc=pass header.from=kemendagri.go.id",
        "mx.other.example; dmarc=pass header.from=kemendagri.go.id",
        "mx.banyumaskab.go.id; spf=pass smtp.mailfrom=a@kemendagri.go.id; dmarc=fail"
        " header.from=kemendagri.go.id",
    ]
    found = verdicts(headers, ("mx.banyumaskab.go.id", "gw.test"), None, "gw.test")
    assert found["authserv_id"] == "mx.banyumaskab.go.id" and found["dmarc"] == "fail"
    own = "Authentication-Results: gw.test; dmarc=pass header.from=kemendagri.go.id"
    mine = verdicts(headers, ("mx.banyumaskab.go.id",), own, "gw.test")
    assert mine["dmarc"] == "pass" and mine["source"] == "gateway"


@pytest.mark.parametrize(
    ("domain", "imitated"),
    [
        ("kemendagrl.go.id", AGENCY),
        ("kemendagri-go.id", AGENCY),
        ("kemendagri.go.id.example.com", AGENCY),
        ("k\u0435mendagri.go.id".encode("idna").decode("ascii"), AGENCY),  # Cyrillic е
        ("surat.kemendagrii.go.id", AGENCY),
        ("kemendagri.go.id", ""),
        ("surat.kemendagri.go.id", ""),
        ("bpn.go.id", ""),  # a real neighbour of bkn.go.id, not a look-alike
        ("gmail.com", ""),
    ],
)
def test_lookalike_domains(domain: str, imitated: str) -> None:
    assert lookalike_of(domain, frozenset({AGENCY, "bkn.go.id"})) == imitated


def test_a_proven_go_id_domain_close_to_another_agencys_name_is_not_flagged(
    sqlite_url: str, dns_server: AuthoritativeDns
) -> None:
    gateway = start(sqlite_url, dns_server.port, auth={"correspondent_domains": ["kemenkeu.go.id"]})
    try:
        raw = agency_letter(sender="tu@kemenkes.go.id")
        inbound, naskah = deliver(gateway, raw, "tu@kemenkes.go.id", STRANGER)
    finally:
        gateway.stop()
    assert inbound.state == "registered" and naskah is not None
    assert naskah.auth_results["sender_flags"] == []


def test_a_hostile_signature_domain_cannot_turn_a_forgery_into_unchecked(
    gateway: RunningGateway,
) -> None:
    # A DKIM-Signature whose d= is no domain at all: our verdict line must still read
    # back, and the forgery still fails DMARC.
    bogus = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=a@[x]; s=s; c=relaxed/relaxed;"
        b" h=from:subject; bh=AAAA; b=AAAA\r\n"
    )
    inbound, naskah = deliver(gateway, bogus + agency_letter(), f"umum@{AGENCY}", STRANGER)
    assert inbound.state == "quarantined" and naskah is None
    found = verdicts([], (), inbound.auth_header, OUR_ID)
    assert found["source"] == "gateway" and found["dmarc"] == "fail"
    # The details stay (the hostile d= is left out of them, not the whole line).
    assert f"smtp.mailfrom=umum@{AGENCY}" in (inbound.auth_header or "")
    assert "header.d=a@" not in (inbound.auth_header or "")


def test_dns_trouble_for_names_that_cannot_align_does_not_soften_a_fail(
    gateway: RunningGateway, keys: dict[str, DkimKey]
) -> None:
    # nsd refuses names outside its zones (SERVFAIL-like): a temporary error, but for a
    # signature domain and a MAIL FROM that could never align with kemendagri.go.id.
    extra = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=nowhere.example; s=x; c=relaxed/relaxed;"
        b" h=from:subject; bh=AAAA; b=AAAA\r\n"
    )
    inbound, naskah = deliver(gateway, extra + agency_letter(), "bounce@nowhere.example", STRANGER)
    header = inbound.auth_header or ""
    assert "spf=temperror" in header and "dkim=temperror" in header, header
    assert "dmarc=fail" in header
    assert inbound.state == "quarantined" and naskah is None


def test_a_header_added_above_a_genuine_signature_does_not_ride_on_it(
    gateway: RunningGateway, keys: dict[str, DkimKey]
) -> None:
    genuine = keys["agency"].sign(agency_letter(), AGENCY, "s2026")
    replayed = b"Subject: Segera transfer dana ke rekening berikut\r\n" + genuine
    inbound, naskah = deliver(gateway, replayed, f"umum@{AGENCY}", STRANGER)
    header = inbound.auth_header or ""
    assert "dkim=policy" in header and "dmarc=fail" in header, header
    assert inbound.state == "quarantined" and naskah is None


def test_a_broken_arc_set_is_a_verdict_not_a_failed_letter(
    gateway: RunningGateway, keys: dict[str, DkimKey]
) -> None:
    # A complete ARC set whose message signature ends in its instance tag: dkimpy used to
    # raise IndexError on it, which quarantined a genuine letter with a traceback.
    broken = b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA\r\n"
    broken += b"ARC-Message-Signature: a=rsa-sha256; d=x.example; s=s; h=from; bh=AAAA;"
    broken += b" b=AAAA; i=1\r\n"
    broken += b"ARC-Authentication-Results: i=1; x.example; spf=pass\r\n"
    raw = broken + keys["agency"].sign(agency_letter(), AGENCY, "s2026")
    inbound, naskah = deliver(gateway, raw, f"umum@{AGENCY}", AGENCY_MX)
    assert inbound.state == "registered" and naskah is not None, inbound.reason
    assert naskah.auth_results["dmarc"] == "pass"
    assert naskah.auth_results["arc"] in ("fail", "permerror")


def test_mail_from_a_relay_peer_is_treated_as_behind_a_trusted_mta(
    sqlite_url: str, dns_server: AuthoritativeDns
) -> None:
    upstream = f"mx.banyumaskab.go.id; dmarc=pass header.from={AGENCY}"
    raw = letter(to=TO, sender=f"umum@{AGENCY}", headers={"Authentication-Results": upstream})
    gateway = start(
        sqlite_url,
        dns_server.port,
        mail={"trusted_authserv_ids": ["mx.banyumaskab.go.id"]},
        auth={"relay_peers": [STRANGER]},
    )
    try:
        inbound, naskah = deliver(gateway, raw, f"umum@{AGENCY}", STRANGER)
    finally:
        gateway.stop()
    assert inbound.auth_header is None  # not checked by us: the relay did
    assert naskah is not None and naskah.auth_results["source"] == "upstream"
    assert naskah.auth_results["dmarc"] == "pass"


def test_our_own_line_that_does_not_read_back_fails_closed() -> None:
    found = verdicts([], (), "Authentication-Results: ;;; (", OUR_ID)
    assert found["trusted"] and found["source"] == "gateway" and found["dmarc"] == "permerror"
    # Direct mail without our line trusts nothing in the message.
    claimed = [f"mx.banyumaskab.go.id; dmarc=pass header.from={AGENCY}"]
    assert not verdicts(claimed, ("mx.banyumaskab.go.id",), None, OUR_ID, direct=True)["trusted"]


def test_an_internationalised_from_domain_is_compared_in_one_form() -> None:
    auth = {"trusted": True, "dmarc": "pass", "dmarc_from": "xn--dinks-esa.go.id"}
    assert from_authenticated(auth, "tu@dinkés.go.id")
    assert not from_authenticated(auth, "tu@dinkes.go.id")
