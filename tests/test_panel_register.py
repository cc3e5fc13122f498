"""The buku agenda in the panel: filters, full-text search on both databases, keyset
pages, the CSV of exactly the filtered rows and the print view, per viewer."""

from __future__ import annotations

import csv
import io
import urllib.request
from pathlib import Path

from gateway.accounts.permissions import Viewer
from gateway.search import AgendaFilter, filtered, page_of
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled

SECRET_PERIHAL = "Rencana Mutasi Pejabat Eselon III"


def send(
    gw: RunningGateway, unit: str, body: str, sender: str = "tu@bkpsdm.jatengprov.go.id"
) -> None:
    raw = letter(to=f"{unit}@{DOMAIN}", subject="Surat", body=body, sender=sender)
    with gw.smtp() as client:
        client.sendmail(sender, [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def letters(gw: RunningGateway) -> None:
    send(gw, "setda", "Nomor: 005/1/2026\nPerihal: Undangan Rapat Koordinasi Stunting\n")
    send(gw, "setda", f"Nomor: 800/9/2026\nSifat: Rahasia\nPerihal: {SECRET_PERIHAL}\n")
    send(
        gw,
        "dinkes",
        "Nomor: 440/3/2026\nPerihal: Laporan Surveilans Campak\n\n"
        "Kasus campak di Kecamatan Ajibarang.",
        sender="surveilans@kemkes.go.id",
    )


def rows(body: str) -> list[str]:
    """The agenda numbers shown in the register table, in order."""
    import re

    return re.findall(r'<a href="/naskah/\d+">([^<]+)</a>', body)


def test_filters_and_full_text_search(gateway: RunningGateway) -> None:
    letters(gateway)
    admin = signed_in(gateway)
    assert rows(admin.get("/").body) == [
        "00001/SM/DINKES/2026",
        "00002/SM/SETDA/2026",
        "00001/SM/SETDA/2026",
    ]
    assert rows(admin.get("/?q=surveilans").body) == ["00001/SM/DINKES/2026"]
    assert rows(admin.get("/?q=ajibar").body) == ["00001/SM/DINKES/2026"]  # body, prefix
    assert rows(admin.get("/?q=rapat+stunting").body) == ["00001/SM/SETDA/2026"]
    assert rows(admin.get("/?q=rapat+campak").body) == []  # every word must match
    assert rows(admin.get('/?q="%20OR%20*').body) == []  # no query syntax from users
    # A secret letter is never found by what it says, except by an official who reads it.
    assert rows(admin.get("/?q=mutasi").body) == []
    assert rows(admin.get("/?unit=SETDA").body) == ["00002/SM/SETDA/2026", "00001/SM/SETDA/2026"]
    assert rows(admin.get("/?sifat=R").body) == ["00002/SM/SETDA/2026"]
    assert SECRET_PERIHAL not in admin.get("/?sifat=R").body
    assert rows(admin.get("/?pengirim=kemkes").body) == ["00001/SM/DINKES/2026"]
    assert rows(admin.get("/?dari=2000-01-01&sampai=2000-01-31").body) == []
    operator = signed_in(gateway, "operator", ["DINKES"])
    assert rows(operator.get("/").body) == ["00001/SM/DINKES/2026"]
    assert rows(operator.get("/?unit=SETDA").body) == []  # a filter widens nothing


def test_csv_export_is_exactly_the_filtered_rows_and_masks_secrets(
    gateway: RunningGateway,
) -> None:
    letters(gateway)
    admin = signed_in(gateway)
    answer = admin.get("/agenda.csv?unit=SETDA")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(answer.body)))
    assert [r["nomor_agenda"] for r in table] == ["00001/SM/SETDA/2026", "00002/SM/SETDA/2026"]
    assert table[1]["perihal"] == "(rahasia)" and SECRET_PERIHAL not in answer.body
    assert table[0]["tanggal_diterima"].endswith("WIB")
    printed = admin.get("/agenda/cetak?unit=SETDA").body
    assert "BUKU AGENDA SURAT MASUK" in printed and SECRET_PERIHAL not in printed
    assert printed.index("00001/SM/SETDA/2026") < printed.index("00002/SM/SETDA/2026")


def test_pages_are_keyset_and_complete(sqlite_gateway: RunningGateway) -> None:
    for index in range(7):
        send(sqlite_gateway, "dinkes", f"Nomor: 440/{index}/2026\nPerihal: Surat {index}\n")
    admin = Viewer("admin", "admin")
    app = sqlite_gateway.app
    seen: list[str] = []
    before = None
    with app.db.read() as session:
        query = filtered(session, AgendaFilter(), lambda q: q)
        while True:
            page = page_of(session, query, before, size=3)
            seen += [item["agenda_number"] for item in page.items]
            if page.next_before is None:
                break
            before = page.next_before
    assert seen == [f"{n:05d}/SM/DINKES/2026" for n in range(7, 0, -1)]
    assert admin.kind == "admin"
    # The link to the next page in the panel carries the filter along.
    body = signed_in(sqlite_gateway).get("/?unit=DINKES").body
    assert "sebelum=" not in body  # 7 rows fit one page of 50


def test_xlsx_export_is_the_filtered_rows_masked_and_inert(gateway: RunningGateway) -> None:
    from openpyxl import load_workbook

    letters(gateway)
    send(gateway, "setda", 'Nomor: 005/7/2026\nPerihal: =HYPERLINK("http://evil.example")\n')
    admin = signed_in(gateway)
    request = urllib.request.Request(admin.base + "/agenda.xlsx?unit=SETDA")
    with admin.opener.open(request, timeout=30) as answer:
        assert answer.headers["Content-Type"].endswith("spreadsheetml.sheet")
        workbook = load_workbook(io.BytesIO(answer.read()), read_only=True)
    rows = list(workbook["Buku Agenda"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["nomor_agenda", "tanggal_diterima"]
    table = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    numbers = [r["nomor_agenda"] for r in table]
    assert numbers == ["00001/SM/SETDA/2026", "00002/SM/SETDA/2026", "00003/SM/SETDA/2026"]
    assert table[1]["perihal"] == "(rahasia)" and str(table[0]["tanggal_diterima"]).endswith("WIB")
    assert table[2]["perihal"] == '=HYPERLINK("http://evil.example")'  # text, not a formula
    operator = signed_in(gateway, "operator", ["DINKES"])
    with operator.opener.open(urllib.request.Request(admin.base + "/agenda.xlsx")) as mine:
        own = list(load_workbook(io.BytesIO(mine.read()), read_only=True).active.iter_rows())
    assert len(own) == 2  # the header and DINKES's one letter


def test_an_xlsx_longer_than_a_sheet_says_it_was_cut(
    sqlite_gateway: RunningGateway, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from webadmin.xlsx import write_workbook

    letters(sqlite_gateway)
    path = str(tmp_path / "agenda.xlsx")
    written = write_workbook(path, sqlite_gateway.app, Viewer("admin", "a"), AgendaFilter(), 2)
    workbook = load_workbook(path, read_only=True)
    assert written == 2 and len(list(workbook["Buku Agenda"].iter_rows())) == 3
    note = next(workbook["Catatan"].iter_rows(values_only=True))[0]
    assert "Dipotong pada 2 surat" in str(note)
