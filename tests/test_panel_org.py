"""Organisasi in the panel: the positions tree with today's holders for the desk, and
admins' edits previewed and validated exactly as `tnde org import`, then recorded."""

from __future__ import annotations

import html
import re

import yaml
from sqlalchemy import select

from gateway.db.models import Event, Position
from tests.support.gateway import RunningGateway
from tests.support.panel import signed_in


def hidden(body: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert found, name
    return html.unescape(found.group(1))


def textarea(body: str) -> str:
    found = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', body, re.S)
    assert found
    return html.unescape(found.group(1))


def title_of(gw: RunningGateway, handle: str) -> str:
    with gw.app.db.read() as session:
        return session.scalars(select(Position.title).where(Position.handle == handle)).one()


def test_the_desk_sees_the_tree_and_only_admins_edit(sqlite_gateway: RunningGateway) -> None:
    operator = signed_in(sqlite_gateway, "operator", ["SETDA"])
    page = operator.get("/organisasi")
    assert page.status == 200 and "Sekretaris Daerah" in page.body
    tree = page.body[page.body.index("Bupati Banyumas") :]
    assert tree.index("Sekretaris Daerah") < tree.index("Kepala Bagian Umum")
    assert "Dinas Kesehatan" not in page.body  # another unit and its people stay hidden
    assert "Dinas Kesehatan" in signed_in(sqlite_gateway).get("/organisasi").body
    assert operator.get("/organisasi/ubah").status == 403
    assert operator.post("/organisasi/uji", {"yaml": "units: []"}).status == 403
    assert operator.post("/organisasi/simpan", {"yaml": "x", "digest": "x"}).status == 403


def test_an_edit_is_previewed_validated_and_recorded(gateway: RunningGateway) -> None:
    admin = signed_in(gateway)
    text = textarea(admin.get("/organisasi/ubah").body)
    document = yaml.safe_load(text)
    for unit in document["units"]:
        for position in unit["positions"]:
            if position["handle"] == "kabag.umum":
                position["title"] = "Kepala Bagian Umum dan Protokol"
    changed = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)

    broken = changed.replace("superior: sekda", "superior: tidak.ada", 1)
    refused = admin.post("/organisasi/uji", {"yaml": broken})
    assert refused.status == 422 and "tidak.ada" in refused.body
    assert admin.post("/organisasi/uji", {"yaml": "units: ["}).status == 422

    shown = admin.post("/organisasi/uji", {"yaml": changed, "komentar": "nomenklatur baru"})
    assert shown.status == 200 and "Diubah: 1 jabatan" in shown.body
    assert title_of(gateway, "kabag.umum") == "Kepala Bagian Umum"  # a preview writes nothing
    digest = hidden(shown.body, "digest")
    tampered = admin.post("/organisasi/simpan", {"yaml": changed + "\n#x", "digest": digest})
    assert tampered.status == 400
    saved = admin.post(
        "/organisasi/simpan", {"yaml": changed, "digest": digest, "komentar": "nomenklatur baru"}
    )
    assert saved.status == 303 and saved.headers["Location"] == "/organisasi?disimpan=1"
    assert title_of(gateway, "kabag.umum") == "Kepala Bagian Umum dan Protokol"
    with gateway.app.db.read() as session:
        event = session.scalars(select(Event).where(Event.type == "org_edited")).one()
        assert event.actor == "admin-semua" and event.payload["updated"] == {"positions": 1}
    assert "Kepala Bagian Umum dan Protokol" in admin.get("/organisasi").body


def test_a_browser_s_line_ends_do_not_break_the_save(sqlite_gateway: RunningGateway) -> None:
    # Browsers submit a form field's newlines as CRLF; the previewed text must still match.
    admin = signed_in(sqlite_gateway)
    text = textarea(admin.get("/organisasi/ubah").body)
    shown = admin.post("/organisasi/uji", {"yaml": text})
    assert shown.status == 200
    saved = admin.post(
        "/organisasi/simpan",
        {"yaml": text.replace("\n", "\r\n"), "digest": hidden(shown.body, "digest")},
    )
    assert saved.status == 303
