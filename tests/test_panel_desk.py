"""The TU desk in the panel: Karantina (requeue, release, discard, raw message) and Kotak
keluar (decoded, retry), each limited to the units an operator works for."""

from __future__ import annotations

from sqlalchemy import select, update

from gateway.db.models import Event, Inbound, Naskah, Outbox
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled

EXE = [("pembaruan.exe", "application/octet-stream", b"MZ\x90\x00 not really a program")]


def quarantined_letter(gw: RunningGateway, unit: str = "setda") -> None:
    raw = letter(to=f"{unit}@{DOMAIN}", attachments=EXE)
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def states(gw: RunningGateway) -> list[str]:
    with gw.app.db.read() as session:
        return [i.state for i in session.scalars(select(Inbound).order_by(Inbound.id))]


def test_quarantine_release_discard_and_the_raw_message(gateway: RunningGateway) -> None:
    quarantined_letter(gateway)
    quarantined_letter(gateway)
    assert states(gateway) == ["quarantined", "quarantined"]
    admin = signed_in(gateway)
    listing = admin.get("/karantina")
    assert listing.status == 200 and "lampiran berupa program" in listing.body
    raw = admin.get("/karantina/1/eml")
    assert raw.status == 200 and raw.headers["Content-Type"] == "message/rfc822"
    assert "pembaruan.exe" in raw.body
    assert admin.post("/karantina/2", {"aksi": "buang"}).status == 400  # a reason is required
    assert admin.post("/karantina/2", {"aksi": "buang", "alasan": "spam"}).status == 303
    assert admin.post("/karantina/1", {"aksi": "lepas"}).status == 303
    wait_for(lambda: settled(gateway.app) and states(gateway)[0] == "registered")
    assert states(gateway) == ["registered", "ignored"]
    with gateway.app.db.read() as session:
        discarded = session.scalars(select(Event).where(Event.type == "discarded")).one()
        assert discarded.actor == "admin-semua" and discarded.channel == "web"
        assert discarded.payload["reason"] == "spam"
        assert session.scalars(select(Naskah.agenda_number)).one() == "00001/SM/SETDA/2026"
    assert "lampiran berupa program" not in admin.get("/karantina").body


def test_operators_see_only_their_units_and_others_see_nothing(
    sqlite_gateway: RunningGateway,
) -> None:
    quarantined_letter(sqlite_gateway, "setda")
    other = signed_in(sqlite_gateway, "operator", ["DINKES"])
    assert "lampiran berupa program" not in other.get("/karantina").body
    assert other.get("/karantina/1/eml").status == 404
    assert other.post("/karantina/1", {"aksi": "lepas"}).status == 404
    assert states(sqlite_gateway) == ["quarantined"]
    own = signed_in(sqlite_gateway, "operator", ["SETDA"])
    assert "lampiran berupa program" in own.get("/karantina").body
    pimpinan = signed_in(sqlite_gateway, "pimpinan", ["SETDA"])
    assert pimpinan.get("/karantina").status == 403
    assert pimpinan.get("/kotak-keluar").status == 403


def test_outbox_decoded_and_retried(sqlite_gateway: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}")
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    admin = signed_in(sqlite_gateway)
    listing = admin.get("/kotak-keluar")
    assert "tanda terima" in listing.body and "tu@dinkes.jatengprov.go.id" in listing.body
    message = admin.get("/kotak-keluar/1")
    assert message.status == 200 and "Surat Saudara telah kami terima" in message.body
    with sqlite_gateway.app.db.write() as session:
        session.execute(update(Outbox).where(Outbox.id == 1).values(state="failed"))
    assert admin.post("/kotak-keluar/1/kirim-ulang").status == 303
    with sqlite_gateway.app.db.read() as session:
        assert session.get_one(Outbox, 1).state in ("queued", "sending", "sent")
    assert signed_in(sqlite_gateway, "operator", ["DINKES"]).get("/kotak-keluar/1").status == 404


def test_the_outbox_never_shows_a_usable_sign_in_link(sqlite_gateway: RunningGateway) -> None:
    """A sign-in link in the outbox would let staff sign in as the official it was for."""
    import re

    from tests.support.panel import PanelClient

    sekda = "agus.nugroho@banyumaskab.go.id"
    raw = letter(to=f"setda@{DOMAIN}", body="Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Mutasi\n")
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    admin = signed_in(sqlite_gateway)
    admin.get("/masuk")
    admin.post("/masuk", {"email": sekda}, csrf=True)
    with sqlite_gateway.app.db.read() as session:
        rows = {o.kind: o.id for o in session.scalars(select(Outbox))}
    for kind in ("login_link", "notice"):
        body = admin.get(f"/kotak-keluar/{rows[kind]}").body
        assert "[disembunyikan]" in body, kind
        assert not re.search(r"/masuk/(surat/)?[a-z0-9_-]{16,}", body, re.I), kind
    assert PanelClient(sqlite_gateway).get("/naskah/1").status == 303


def test_a_message_for_two_units_is_decided_by_an_admin(sqlite_gateway: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}, dinkes@{DOMAIN}", attachments=EXE)
    both = [f"setda@{DOMAIN}", f"dinkes@{DOMAIN}"]
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", both, raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    assert states(sqlite_gateway) == ["quarantined"]
    dinkes = signed_in(sqlite_gateway, "operator", ["DINKES"])
    listing = dinkes.get("/karantina").body
    assert "lampiran berupa program" in listing and "admin yang memutuskan" in listing
    assert dinkes.post("/karantina/1", {"aksi": "lepas"}).status == 404
    assert dinkes.get("/karantina/1/eml").status == 404
    assert "Karantina: <b>1</b>" in dinkes.get("/dasbor").body
    assert states(sqlite_gateway) == ["quarantined"]
    admin = signed_in(sqlite_gateway)
    assert "admin yang memutuskan" not in admin.get("/karantina").body
    assert admin.post("/karantina/1", {"aksi": "lepas"}).status == 303


def test_the_desk_never_opens_a_secret_message(sqlite_gateway: RunningGateway) -> None:
    body = "Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Penyidikan\nIsi yang rahasia.\n"
    raw = letter(to=f"setda@{DOMAIN}", body=body, attachments=EXE)
    with sqlite_gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(sqlite_gateway.app))
    admin = signed_in(sqlite_gateway)
    refused = admin.get("/karantina/1/eml")
    assert refused.status == 403 and "Isi yang rahasia" not in refused.body


def test_own_quarantine_is_listed_however_many_others_wait(sqlite_gateway: RunningGateway) -> None:
    quarantined_letter(sqlite_gateway, "dinkes")
    with sqlite_gateway.app.db.write() as session:
        first = session.get_one(Inbound, 1)
        for _ in range(600):  # other units' quarantine, newer than DINKES's message
            session.add(
                Inbound(
                    source="smtp",
                    mail_from="x@example.org",
                    rcpt_tos=[f"setda@{DOMAIN}"],
                    raw_sha256=first.raw_sha256,
                    size=first.size,
                    received_at=first.received_at,
                    state="quarantined",
                    reason="uji",
                )
            )
    dinkes = signed_in(sqlite_gateway, "operator", ["DINKES"])
    assert "lampiran berupa program" in dinkes.get("/karantina").body
    assert dinkes.get("/karantina/1/eml").status == 200
    assert "Karantina: <b>1</b>" in dinkes.get("/dasbor").body
    assert "Karantina: <b>601</b>" in signed_in(sqlite_gateway).get("/dasbor").body
