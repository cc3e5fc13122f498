"""/api/v1 with bearer tokens: the same permissions as the panel pages."""

from __future__ import annotations

import json

from gateway.accounts.tokens import create_api_token
from gateway.accounts.users import disable_user
from gateway.db.models import WebUser
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PanelClient, make_user
from tests.support.queries import settled

SECRET_PERIHAL = "Rencana Mutasi Pejabat Eselon III"


def send(gw: RunningGateway, unit: str, body: str) -> None:
    raw = letter(to=f"{unit}@{DOMAIN}", subject="Surat", body=body)
    with gw.smtp() as client:
        client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def token_for(gw: RunningGateway, username: str, role: str, units: list[str]) -> str:
    from sqlalchemy import select

    make_user(gw, username, role, units)
    with gw.app.db.write() as session:
        user = session.scalars(select(WebUser).where(WebUser.username == username)).one()
        return create_api_token(session, user.id, gw.app.clock())


def test_api_lists_and_shows_with_the_panels_permissions(gateway: RunningGateway) -> None:
    send(gateway, "setda", "Nomor: 005/1/2026\nPerihal: Undangan Rapat Koordinasi\n")
    send(gateway, "setda", f"Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: {SECRET_PERIHAL}\n")
    send(gateway, "dinkes", "Nomor: 440/3/2026\nPerihal: Laporan Surveilans Campak\n")
    client = PanelClient(gateway)
    assert client.get("/api/v1/naskah").status == 401
    assert client.get("/api/v1/openapi.json").status == 200
    spec = json.loads(client.get("/api/v1/openapi.json").body)
    assert "/api/v1/naskah/{id}" in spec["paths"]
    wrong = client.request("/api/v1/naskah", headers={"Authorization": "Bearer tnde_salah"})
    assert wrong.status == 401

    token = token_for(gateway, "skrip-setda", "operator", ["SETDA"])
    auth = {"Authorization": f"Bearer {token}"}
    listing = json.loads(client.request("/api/v1/naskah", headers=auth).body)
    numbers = [item["agenda_number"] for item in listing["items"]]
    assert numbers == ["00002/SM/SETDA/2026", "00001/SM/SETDA/2026"] and listing["next"] is None
    secret = listing["items"][0]
    assert secret["masked"] and SECRET_PERIHAL not in json.dumps(listing)
    one = client.request("/api/v1/naskah/1", headers=auth)
    assert one.status == 200 and json.loads(one.body)["agenda_number"] == "00001/SM/SETDA/2026"
    assert client.request("/api/v1/naskah/3", headers=auth).status == 404  # DINKES's
    filtered = json.loads(client.request("/api/v1/naskah?q=undangan", headers=auth).body)
    assert [i["id"] for i in filtered["items"]] == [1]

    with gateway.app.db.write() as session:
        disable_user(session, "skrip-setda")
    assert client.request("/api/v1/naskah", headers=auth).status == 401
