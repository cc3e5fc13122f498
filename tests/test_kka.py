"""The KKA table: the shipped codes, `tnde kka import` (errors with their lines, upsert,
replace that keeps codes in use) and `tnde kka list`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.archive.kka import shipped_entries
from gateway.archive.kkafile import parse_kka_file
from gateway.db.models import Event, Klasifikasi
from tests.support.cli import run
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

SUBJECT = "Laporan Kasus Stunting Triwulan III"
REPORT = letter(subject=SUBJECT, body=f"Nomor: 400.7/123/2026\nPerihal: {SUBJECT}\n")
JRA = (
    "kode;nama;retensi_aktif;retensi_inaktif;nasib_akhir;keterangan\n"
    "400.7;Kesehatan;2;3;Musnah;contoh JRA uji\n"
    "400.7.1;Upaya Kesehatan;1;1;dinilai kembali;\n"
    "000.1;Ketatausahaan dan Kerumahtanggaan;2;8;permanen;\n"
)


def test_the_shipped_table_states_a_source_for_every_code_and_invents_no_retention() -> None:
    entries = shipped_entries()
    codes = {e.kode for e in entries}
    assert {"000", "000.8.3.3", "100.3.3.2", "400.7", "800.1.11.1", "900.1"} <= codes
    assert all(e.sumber for e in entries)
    # `sumber` is stored and shown (`kka list --json`): the regulation and public sources
    # only, never a note of how the table was researched.
    stored = [f"{e.sumber} {e.keterangan or ''}" for e in entries]
    assert all("Permendagri 83/2022" in e.sumber for e in entries if e.sumber)
    assert [s for s in stored if re.search(r"\.md\b|tidak dicatat|\[[VB]\]|seeder", s)] == []
    assert [e.kode for e in entries if e.has_retention or e.nasib_akhir] == []
    assert {f"{n}00" for n in range(10)} <= codes  # the ten top-level blocks


def test_every_error_of_a_csv_file_is_named_with_its_line(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    bad = tmp_path / "jra.csv"
    bad.write_text(
        "kode,nama,retensi_aktif,retensi_inaktif,nasib_akhir\n"
        "400.7,Kesehatan,2,3,musnah\n"
        "4007,Salah kode,2,3,musnah\n"  # line 3
        "400.8,,2,3,musnah\n"  # line 4: no name
        "400.9,Sosial,dua,3,musnah\n"  # line 5
        "400.10,PMD,2,3,dibakar\n"  # line 6
        "400.7,Kesehatan lagi,2,3,musnah\n"  # line 7: duplicate
        "400.11,Pertamanan,2,,\n",  # line 8: partial retention
        encoding="utf-8",
    )
    code, _, err = run(capsys, "kka", "import", str(bad))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(str(bad))]
    assert [line.split(":")[1] for line in lines] == ["3", "4", "5", "6", "7", "8"], err
    assert "4007" in lines[0] and "nama kosong" in lines[1] and "dua" in lines[2]
    assert "dibakar" in lines[3] and "baris 2" in lines[4] and "bersama" in lines[5]
    assert "6 kesalahan; tabel tidak diubah" in err
    with_yaml = tmp_path / "jra.yaml"
    with_yaml.write_text(
        "kka:\n  - {kode: '400.7', nama: Kesehatan}\n  - {kode: '400.7', nama: X}\n"
        "  - kode: '400.x'\n    nama: Y\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "kka", "import", str(with_yaml))
    assert code == 1
    assert f"{with_yaml}:3: kode 400.7 sudah ada di baris 2" in err
    assert f"{with_yaml}:4: kode '400.x'" in err


def test_a_wrong_header_is_one_line_before_anything_is_read(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    bad = tmp_path / "jra.csv"
    bad.write_text("kode,nama,retensi aktf\n400.7,Kesehatan,2\n", encoding="utf-8")
    code, _, err = run(capsys, "kka", "import", str(bad))
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and "retensi_aktf" in err


def test_import_upserts_then_replace_keeps_codes_a_naskah_uses(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> None:
    with gateway.smtp() as client:
        client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], REPORT)
    wait_for(lambda: settled(gateway.app) and naskah_rows(gateway.app))
    assert naskah_rows(gateway.app)[0].klasifikasi == "400.7"
    jra = tmp_path / "jra.csv"
    jra.write_text(JRA, encoding="utf-8")
    code, out, _ = run(capsys, "kka", "import", str(jra), "--by", "arsiparis")
    assert code == 0
    assert "1 kode ditambahkan, 2 diubah, 0 tetap, 0 dihapus" in out
    code, out, _ = run(capsys, "kka", "list", "--json", "400.7")
    rows = {r["kode"]: r for r in json.loads(out)}
    assert set(rows) == {"400.7", "400.7.1"}
    assert rows["400.7"]["retensi_aktif"] == 2 and rows["400.7"]["nasib_akhir"] == "musnah"
    assert rows["400.7"]["dipakai"] == 1 and rows["400.7.1"]["nasib_akhir"] == "dinilai_kembali"
    code, out, _ = run(capsys, "kka", "list", "400")
    assert "belum ditetapkan" in out and "musnah" in out
    # Replace with a table that lacks 400.7: it stays (a naskah carries it), the rest goes.
    only = tmp_path / "only.yaml"
    only.write_text("kka:\n  - {kode: '000', nama: Umum}\n", encoding="utf-8")
    code, out, _ = run(capsys, "kka", "import", str(only), "--replace")
    assert code == 0 and "masih dipakai naskah: 400.7" in out
    with gateway.app.db.read() as session:
        assert set(session.scalars(select(Klasifikasi.code))) == {"000", "400.7"}
        event = session.scalars(select(Event).where(Event.type == "kka_imported")).first()
        assert event is not None and event.actor == "arsiparis"
    # An administrator's replacement is not undone by the seed on the next `tnde init`.
    from gateway.seed import seed_reference

    with gateway.app.db.write() as session:
        assert seed_reference(session)["klasifikasi"] == 0


def test_parsing_keeps_semicolon_spreadsheets_and_a_bom(tmp_path: Path) -> None:
    entries, errors = parse_kka_file("x.csv", ("\ufeff" + JRA).encode("utf-8"))
    assert errors == []
    assert [(e.kode, e.line) for e in entries] == [("400.7", 2), ("400.7.1", 3), ("000.1", 4)]


def test_an_unquoted_yaml_code_is_refused_rather_than_read_as_a_number() -> None:
    _, errors = parse_kka_file("x.yaml", b"kka:\n  - {kode: 400.10, nama: PMD}\n")
    assert [(e.line, e.problem.key) for e in errors] == [(2, "kka.error.code_quote")]


def test_the_guide_examples_load_and_it_names_every_column() -> None:
    """docs/id/arsip.md stays true: its CSV and YAML examples read without an error, and
    it documents every import column, nasib akhir and srikandi.csv column."""
    from gateway.archive.kkafile import COLUMNS, NASIB_AKHIR
    from gateway.archive.srikandi import COLUMNS as SRIKANDI

    guide = (Path(__file__).parent.parent / "docs" / "id" / "arsip.md").read_text("utf-8")
    for kind in ("csv", "yaml"):
        blocks = re.findall(rf"```{kind}\n(.*?)```", guide, re.S)
        assert blocks, kind
        for block in blocks:
            entries, errors = parse_kka_file(f"x.{kind}", block.encode())
            assert errors == [] and entries, (kind, errors)
    assert [c for c in COLUMNS if f"`{c}`" not in guide] == []
    assert [n for n in NASIB_AKHIR if f"`{n}`" not in guide] == []
    assert [c for c in SRIKANDI if f"| {c} |" not in guide] == []


def test_a_yaml_item_that_cannot_be_built_is_an_error_on_its_line() -> None:
    """A tag PyYAML refuses or a value it cannot convert is one error on that item's line,
    not a crash; a key written twice in one item is refused (YAML would keep the last)."""
    data = (
        b"kka:\n"
        b"  - {kode: '000', nama: Umum}\n"
        b"  - {kode: !!int abc, nama: Salah}\n"  # line 3: ValueError
        b"  - kode: '100'\n"  # line 4
        b"    nama: Pemerintahan\n"
        b"    nama: Pemerintahan Umum\n"  # the same key twice
        b"  - {kode: !!python/object/apply:os.system [id], nama: X}\n"  # line 7
        b"  - {kode: '400', nama: Kesejahteraan}\n"
    )
    entries, errors = parse_kka_file("x.yaml", data)
    assert [e.kode for e in entries] == ["000", "400"]
    assert [(e.line, e.problem.key) for e in errors] == [
        (3, "kka.error.yaml"),
        (4, "kka.error.repeated_key"),
        (7, "kka.error.yaml"),
    ]
    assert "abc" in str(errors[0].problem.fields["error"])
    assert errors[1].problem.fields == {"keys": "nama"}


def test_yaml_errors_are_named_with_their_line_on_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    bad = tmp_path / "jra.yaml"
    bad.write_text(
        "kka:\n  - {kode: '000', nama: Umum}\n  - {kode: !!python/name:os.system '', nama: X}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "kka", "import", str(bad))
    assert code == 1 and "Traceback" not in err
    assert f"{bad}:3: YAML tidak terbaca" in err and "1 kesalahan; tabel tidak diubah" in err


def test_an_empty_retention_cell_keeps_the_loaded_jra_unless_cleared(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> None:
    """The guide's order either way round: a Lampiran without retention loaded after the
    JRA leaves the JRA's retention; --clear-retention wipes it on purpose. The audit event
    keeps the old and new value of every changed field."""
    jra = tmp_path / "jra.csv"
    jra.write_text(JRA, encoding="utf-8")
    assert run(capsys, "kka", "import", str(jra), "--by", "arsiparis")[0] == 0
    lampiran = tmp_path / "lampiran.csv"
    lampiran.write_text(
        "kode,nama,retensi_aktif,retensi_inaktif,nasib_akhir,sumber\n"
        "400.7,Kesehatan,,,,Lampiran Permendagri 83/2022\n"
        "000.1,Ketatausahaan dan Kerumahtanggaan,,,,Lampiran Permendagri 83/2022\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "kka", "import", str(lampiran), "--replace", "--by", "arsiparis")
    assert code == 0 and "tanpa retensi" not in out
    code, out, _ = run(capsys, "kka", "list", "--json")
    rows = {r["kode"]: r for r in json.loads(out)}
    assert (rows["400.7"]["retensi_aktif"], rows["400.7"]["retensi_inaktif"]) == (2, 3)
    assert rows["400.7"]["nasib_akhir"] == "musnah"
    assert rows["400.7"]["sumber"] == "Lampiran Permendagri 83/2022"
    with gateway.app.db.read() as session:
        event = session.scalars(
            select(Event).where(Event.type == "kka_imported").order_by(Event.id.desc())
        ).first()
        assert event is not None
        payload = event.payload
    assert payload["updated"] == 2 and payload["changes_not_logged"] == 0
    change = next(c for c in payload["changes"] if c["kode"] == "400.7")
    assert change["old"] == {"keterangan": "contoh JRA uji", "sumber": None}
    assert change["new"] == {"keterangan": None, "sumber": "Lampiran Permendagri 83/2022"}
    # The explicit wipe: the empty cells now mean "belum ditetapkan".
    code, out, _ = run(capsys, "kka", "import", str(lampiran), "--clear-retention")
    assert code == 0 and "2 kode tanpa retensi" in out
    code, out, _ = run(capsys, "kka", "list", "--json", "400.7")
    (row,) = [r for r in json.loads(out) if r["kode"] == "400.7"]
    assert (row["retensi_aktif"], row["retensi_inaktif"], row["nasib_akhir"]) == (None, None, None)
    with gateway.app.db.read() as session:
        event = session.scalars(
            select(Event).where(Event.type == "kka_imported").order_by(Event.id.desc())
        ).first()
        assert event is not None
        payload = event.payload
    assert payload["clear_retention"] is True
    change = next(c for c in payload["changes"] if c["kode"] == "400.7")
    assert change["old"] == {"retensi_aktif": 2, "retensi_inaktif": 3, "nasib_akhir": "musnah"}
    assert change["new"] == {"retensi_aktif": None, "retensi_inaktif": None, "nasib_akhir": None}
