"""Jejak audit in the panel: admins only, filtered and paged, SR/R payloads hidden, and
the chain check finds an edited event."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from gateway.db.models import Event
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled
from webadmin.audit_page import AuditFilter, audit_rows


def send(gw: RunningGateway, body: str) -> None:
    raw = letter(to=f"setda@{DOMAIN}", body=body)
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def test_the_trail_is_for_admins_and_filters(gateway: RunningGateway) -> None:
    send(gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat\n")
    send(gateway, "Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: Mutasi Pejabat\n")
    for role, units in (("operator", ["SETDA"]), ("pimpinan", ["SETDA"])):
        viewer = signed_in(gateway, role, units)
        assert viewer.get("/jejak").status == 403
        assert "/jejak" not in viewer.get("/").body
    admin = signed_in(gateway)
    page = admin.get("/jejak")
    assert page.status == 200 and "00001/SM/SETDA/2026" in page.body
    assert "Mutasi Pejabat" not in page.body  # the SR/R letter's events show no payload
    mine = admin.get("/jejak?naskah=00002/SM/SETDA/2026").body
    assert "00001/SM/SETDA/2026" not in mine and "(rahasia)" in mine
    logins = admin.get("/jejak?jenis=login&saluran=web").body
    assert "admin-semua" in logins and "/naskah/" not in logins
    assert admin.get("/jejak?tanggal=0001-01-01&naskah=%00&saluran=x").status == 200
    assert admin.get("/jejak?tanggal=2000-01-01").body.count("<tr>") == 1  # header only


def test_the_chain_check_finds_an_edited_event(sqlite_gateway: RunningGateway) -> None:
    send(sqlite_gateway, "Nomor: 005/1/2026\nPerihal: Undangan Rapat\n")
    admin = signed_in(sqlite_gateway)
    admin.get("/jejak")
    intact = admin.post("/jejak/periksa")
    assert intact.status == 200 and "Rantai utuh" in intact.body
    with sqlite_gateway.app.db.write() as session:
        first = session.scalars(select(Event).order_by(Event.id)).first()
        assert first is not None
        session.execute(update(Event).where(Event.id == first.id).values(actor="penyusup"))
    broken = admin.post("/jejak/periksa")
    assert "Rantai RUSAK" in broken.body and "content was altered" in broken.body


def test_the_trail_pages_by_key(sqlite_gateway: RunningGateway) -> None:
    for n in range(30):  # each letter writes several events: more than one page
        send(sqlite_gateway, f"Nomor: 005/{n}/2026\nPerihal: Surat {n}\n")
    app = sqlite_gateway.app
    first, before = audit_rows(app, AuditFilter(), None)
    assert len(first) == 100 and before == first[-1]["id"]
    second, _ = audit_rows(app, AuditFilter(), before)
    assert second and max(e["id"] for e in second) < min(e["id"] for e in first)
    with app.db.read() as session:
        total = len(session.scalars(select(Event.id)).all())
    seen, key = 0, None
    while True:
        page, key = audit_rows(app, AuditFilter(), key)
        seen += len(page)
        if key is None:
            break
    assert seen == total
    link = re.search(
        r'href="(/jejak\?[^"]*sebelum=\d+)"', signed_in(sqlite_gateway).get("/jejak").body
    )
    assert link  # the page links the next one (ids moved on: signing in is an event)
