"""The archive on real letters registered through a real gateway: a naskah's KKA code,
the retention schedule years later with a legal hold, the export package and its check."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.db.blobs import get_blob
from gateway.db.models import Event, Naskah
from tests.support.cli import run
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

PDF = b"%PDF-1.4\n% laporan stunting\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SUBJECT = "Laporan Kasus Stunting Triwulan III"
JRA = (
    "kode,nama,retensi_aktif,retensi_inaktif,nasib_akhir\n"
    "400.7,Kesehatan,2,3,musnah\n"
    "000.1,Ketatausahaan dan Kerumahtanggaan,1,1,permanen\n"
)


@pytest.fixture
def letters(
    capsys: pytest.CaptureFixture[str], cli_env: str, gateway: RunningGateway, tmp_path: Path
) -> Iterator[dict[str, Naskah]]:
    """Three letters of 2026: one with a KKA in its nomor and a PDF ("../" in the file
    name), one without any nomor, one Rahasia; the pemda's JRA loaded for two codes."""
    with gateway.smtp() as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}"],
            letter(
                subject=SUBJECT,
                body=f"Nomor: 400.7/123/2026\nPerihal: {SUBJECT}\n",
                attachments=[("../laporan stunting.pdf", "application/pdf", PDF)],
            ),
        )
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}"],
            letter(subject="Permohonan data pegawai", body="Mohon data pegawai.\n"),
        )
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}"],
            letter(
                subject="Hasil audit khusus",
                body="Nomor: 400.7/9/2026\nSifat: Rahasia\nPerihal: Hasil audit khusus\n",
                attachments=[("audit.pdf", "application/pdf", PDF + b"% rahasia\n")],
            ),
        )
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 3)
    jra = tmp_path / "jra.csv"
    jra.write_text(JRA, encoding="utf-8")
    assert run(capsys, "kka", "import", str(jra))[0] == 0
    report, plain, secret = naskah_rows(gateway.app)
    assert report.klasifikasi == "400.7" and plain.klasifikasi is None
    assert secret.sifat_keamanan == "R" and report.year == 2026
    yield {"report": report, "plain": plain, "secret": secret}


def _due(capsys: pytest.CaptureFixture[str], on: str) -> dict[str, list[dict[str, object]]]:
    code, out, _ = run(capsys, "archive", "due", "--on", on, "--json")
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


def _agendas(items: object) -> list[str]:
    assert isinstance(items, list)
    return [str(i["agenda_number"]) for i in items]


def test_kka_is_set_by_the_operator_and_retention_is_scheduled_years_later_with_hold(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    gateway: RunningGateway,
    letters: dict[str, Naskah],
) -> None:
    report, plain = letters["report"].agenda_number, letters["plain"].agenda_number
    secret = letters["secret"].agenda_number
    # In 2027 everything with retention is still active; the letter without KKA needs one.
    due = _due(capsys, "2027-06-01")
    assert due["pindah_inaktif"] == [] and due["penyusutan"] == []
    assert [(i["agenda_number"], i["status"]) for i in due["perlu_perhatian"]] == [
        (plain, "tanpa_kka")
    ]
    # The operator gives it a code: only codes in the table, and the change is recorded.
    code, _, err = run(capsys, "naskah", "kka", plain, "123.4")
    assert code == 1 and "123.4 tidak ada dalam tabel KKA" in err
    code, out, _ = run(capsys, "naskah", "kka", plain, "000.1", "--by", "operator-tu")
    assert code == 0 and "- -> 000.1" in out
    with gateway.app.db.read() as session:
        event = session.scalars(
            select(Event).where(Event.type == "kka_set", Event.naskah_id == letters["plain"].id)
        ).one()
        assert (event.actor, event.payload["old"], event.payload["new"]) == (
            "operator-tu",
            None,
            "000.1",
        )
    code, out, _ = run(capsys, "naskah", "show", plain)
    assert "Kode klasifikasi ditetapkan" in out and "operator-tu" in out
    assert (
        "000.1 Ketatausahaan dan Kerumahtanggaan; aktif s.d. 2027-12-31, "
        "inaktif s.d. 2028-12-31, nasib akhir permanen"
    ) in out
    # 2028: 000.1 (1 + 1 years) is past active retention; 400.7 (2 + 3) still active.
    due = _due(capsys, "2028-01-01")
    assert _agendas(due["pindah_inaktif"]) == [plain]
    assert due["pindah_inaktif"][0]["aktif_sampai"] == "2027-12-31"
    # 2029: 000.1 is past inactive retention (permanen); 400.7 moves to the unit kearsipan.
    due = _due(capsys, "2029-01-01")
    assert sorted(_agendas(due["pindah_inaktif"])) == sorted([report, secret])
    assert [(i["agenda_number"], i["nasib_akhir"]) for i in due["penyusutan"]] == [
        (plain, "permanen")
    ]
    # 2032: 400.7 past 2026 + 2 + 3: musnah proposed, unless held.
    code, _, err = run(capsys, "archive", "hold", report, "--reason", " ")
    assert code == 1 and "alasan" in err
    # Without --by, the person behind sudo is recorded, not "root".
    monkeypatch.setenv("SUDO_USER", "siti.arsip")
    code, out, _ = run(capsys, "archive", "hold", report, "--reason", "Perkara 12/Pdt.G/2031")
    assert code == 0 and "tidak akan diusulkan" in out
    assert run(capsys, "archive", "hold", report, "--reason", "lagi")[0] == 1
    code, out, _ = run(capsys, "naskah", "show", report, "--json")
    shown = json.loads(out)["arsip"]
    assert shown["legal_hold"] is True and shown["legal_hold_reason"] == "Perkara 12/Pdt.G/2031"
    assert shown["aktif_sampai"] == "2028-12-31" and shown["nasib_akhir"] == "musnah"
    due = _due(capsys, "2032-01-01")
    assert [(i["agenda_number"], i["nasib_akhir"]) for i in due["penyusutan"]] == [
        (plain, "permanen"),
        (secret, "musnah"),
    ]
    assert _agendas(due["ditahan"]) == [report]
    assert due["ditahan"][0]["legal_hold_reason"] == "Perkara 12/Pdt.G/2031"
    code, out, _ = run(capsys, "archive", "due", "--on", "2032-01-01")
    assert "Ditahan (legal hold), tidak diusulkan (1)" in out and "usul musnah (1)" in out
    assert "(rahasia)" in out and "Hasil audit" not in out
    _release_needs_a_reason(capsys, gateway, letters["report"])
    # --year limits the schedule to one registration year; nothing was ever deleted.
    assert _due_year(capsys, 2025) == 0
    assert len(naskah_rows(gateway.app)) == 3


def _release_needs_a_reason(
    capsys: pytest.CaptureFixture[str], gateway: RunningGateway, held: Naskah
) -> None:
    report = held.agenda_number
    # Lifting a hold needs a reason too ("Alasan wajib"): none, or a blank one, is refused.
    with pytest.raises(SystemExit):
        run(capsys, "archive", "release", report)
    code, _, err = run(capsys, "archive", "release", report, "--reason", "  ")
    assert code == 1 and "alasan pencabutan" in err
    assert _agendas(_due(capsys, "2032-01-01")["ditahan"]) == [report]
    assert run(capsys, "archive", "release", report, "--reason", "perkara selesai")[0] == 0
    due = _due(capsys, "2032-01-01")
    assert report in _agendas(due["penyusutan"]) and due["ditahan"] == []
    code, _, err = run(capsys, "archive", "release", report, "--reason", "lagi")
    assert code == 1 and "tidak sedang ditahan" in err
    with gateway.app.db.read() as session:
        events = list(
            session.scalars(select(Event).where(Event.naskah_id == held.id).order_by(Event.id))
        )
    assert [e.type for e in events[-2:]] == ["legal_hold_set", "legal_hold_released"]
    assert [e.actor for e in events[-2:]] == ["siti.arsip", "siti.arsip"]
    assert events[-1].payload["reason"] == "perkara selesai"


def _due_year(capsys: pytest.CaptureFixture[str], year: int) -> int:
    code, out, _ = run(
        capsys, "archive", "due", "--year", str(year), "--on", "2040-01-01", "--json"
    )
    assert code == 0
    found = json.loads(out)
    return sum(
        len(found[k]) for k in ("pindah_inaktif", "penyusutan", "ditahan", "perlu_perhatian")
    )


def _sums(archive: zipfile.ZipFile) -> dict[str, str]:
    lines = archive.read("SHA256SUMS").decode().splitlines()
    return {line[66:]: line[:64] for line in lines}


def _export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    target = tmp_path / "arsip-2026.zip"
    code, out, err = run(capsys, "archive", "export", "--year", "2026", "-o", str(target))
    assert code == 0, err
    assert "3 naskah" in out and "1 naskah SR/R hanya data registernya" in out
    assert "Ekspor arsip" in err  # progress on the command line
    return target


def test_export_holds_every_file_with_its_sum_metadata_and_srikandi_rows(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    gateway: RunningGateway,
    letters: dict[str, Naskah],
    tmp_path: Path,
) -> None:
    report, secret = letters["report"], letters["secret"]
    hold = ("archive", "hold", secret.agenda_number, "--reason", "Pemeriksaan BPK 2027")
    assert run(capsys, *hold)[0] == 0
    monkeypatch.setenv("SUDO_USER", "siti.arsip")
    target = _export(capsys, tmp_path)
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        sums = _sums(archive)
        # Every file but SHA256SUMS itself is listed, with its true SHA-256.
        assert set(sums) == names - {"SHA256SUMS"}
        for name, digest in sums.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
        folder = report.agenda_number.replace("/", "-")
        with gateway.app.db.read() as session:
            raw = get_blob(session, report.raw_sha256)
        assert archive.read(f"{folder}/asli.eml") == raw
        assert archive.read(f"{folder}/lampiran/laporan stunting.pdf") == PDF
        meta = json.loads(archive.read(f"{folder}/metadata.json"))
        assert meta["agenda_number"] == report.agenda_number and meta["perihal"] == SUBJECT
        assert meta["kka"]["kode"] == "400.7" and meta["kka"]["kka_nama"] == "Kesehatan"
        assert meta["kka"]["aktif_sampai"] == "2028-12-31"
        assert meta["kka"]["inaktif_sampai"] == "2031-12-31"
        assert meta["kka"]["nasib_akhir"] == "musnah"
        assert meta["dispositions"] and meta["verifikasi"]["pengirim"]["hasil"]
        assert meta["berkas"]["lampiran"][0]["berkas"] == "lampiran/laporan stunting.pdf"
        assert meta["legal_hold"]["aktif"] is False
        timeline = json.loads(archive.read(f"{folder}/timeline.json"))
        assert timeline[0]["type"] == "registered"
        # The Rahasia letter: its register entry and timeline, masked, no content, in a
        # folder named by its id; the reason of its hold is masked too.
        hidden = f"naskah-{secret.id}"
        assert {n.split("/")[0] for n in names if n.startswith("naskah-")} == {hidden}
        assert sorted(n for n in names if n.startswith(hidden)) == [
            f"{hidden}/metadata.json",
            f"{hidden}/timeline.json",
        ]
        masked = json.loads(archive.read(f"{hidden}/metadata.json"))
        assert masked["rahasia"] is True and masked["isi_disertakan"] is False
        assert masked["perihal"] == "(rahasia)" and "audit" not in json.dumps(masked).lower()
        assert masked["legal_hold"] | {"sejak": None} == {
            "aktif": True,
            "alasan": "(rahasia)",
            "sejak": None,
        }
        assert "BPK" not in json.dumps(masked)
        assert masked["outbox"] and {o["to"] for o in masked["outbox"]} == {"(rahasia)"}
        assert masked["agenda_number"] == secret.agenda_number  # the register number stays
        rows = list(csv.DictReader(io.StringIO(archive.read("srikandi.csv").decode("utf-8-sig"))))
        paket = json.loads(archive.read("paket.json"))
    assert paket["jumlah_naskah"] == 3 and paket["filter"]["tahun"] == 2026
    by_agenda = {r["Nomor Agenda"]: r for r in rows}
    row = by_agenda[report.agenda_number]
    assert row["Nomor Naskah"] == "400.7/123/2026" and row["Hal"] == SUBJECT
    assert row["Klasifikasi"] == "400.7 - Kesehatan" and row["Sifat Naskah"] == "Biasa"
    assert (
        row["Tingkat Urgensi"] == "Biasa"
        and row["Pengirim"] == "TU Dinkes Provinsi <tu@dinkes.jatengprov.go.id>"
    )
    assert f"setda@{DOMAIN}" in row["Penerima"] and row["Folder"] == folder
    hidden_row = by_agenda[secret.agenda_number]
    assert (hidden_row["Hal"], hidden_row["Sifat Naskah"], hidden_row["Folder"]) == (
        "(rahasia)",
        "Rahasia",
        hidden,
    )
    _check_export_event(gateway, target)

    code, out, _ = run(capsys, "archive", "verify", str(target))
    assert code == 0 and f"{len(sums)} berkas cocok" in out


def _check_export_event(gateway: RunningGateway, target: Path) -> None:
    """The export's audit event: the person behind sudo, no SR/R content, its SUMS."""
    with zipfile.ZipFile(target) as archive:
        sums = hashlib.sha256(archive.read("SHA256SUMS")).hexdigest()
    with gateway.app.db.read() as session:
        (event,) = session.scalars(select(Event).where(Event.type == "archive_exported"))
        assert event.actor == "siti.arsip"
        assert event.payload["include_secret"] is False and event.payload["secret"] == 1
        assert event.payload["secret_included"] == 0 and event.payload["naskah"] == 3
        assert event.payload["sums_sha256"] == sums
        assert event.payload["file"] == target.name


def test_verify_names_a_changed_missing_extra_or_damaged_file(
    capsys: pytest.CaptureFixture[str], letters: dict[str, Naskah], tmp_path: Path
) -> None:
    target = _export(capsys, tmp_path)
    folder = letters["report"].agenda_number.replace("/", "-")
    # One byte changed inside one file (the zip rewritten around it): named as changed.
    changed = tmp_path / "changed.zip"
    _rewrite(target, changed, f"{folder}/lampiran/laporan stunting.pdf", flip=True)
    code, out, err = run(capsys, "archive", "verify", str(changed))
    assert code == 1 and f"BERUBAH: {folder}/lampiran/laporan stunting.pdf" in out
    assert "1 masalah" in err
    # A file added and one taken away: both named.
    extra = tmp_path / "extra.zip"
    _rewrite(target, extra, f"{folder}/metadata.json", drop=True, add="catatan.txt")
    code, out, _ = run(capsys, "archive", "verify", str(extra))
    assert code == 1
    assert f"HILANG: {folder}/metadata.json" in out and "TAMBAHAN" in out and "catatan.txt" in out
    # A second member under an existing name (zip readers show only one of the two).
    twice = tmp_path / "twice.zip"
    twice.write_bytes(target.read_bytes())
    with zipfile.ZipFile(twice, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("paket.json", b"{}")
    code, out, _ = run(capsys, "archive", "verify", str(twice))
    assert code == 1 and "TAMBAHAN (tidak ada di SHA256SUMS): paket.json" in out
    # One byte of the zip file itself flipped inside a member's data: named as damaged.
    damaged = tmp_path / "damaged.zip"
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo(f"{folder}/asli.eml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    code, out, _ = run(capsys, "archive", "verify", str(damaged))
    assert code == 1 and f"RUSAK (tidak terbaca): {folder}/asli.eml" in out
    # Not a package at all: one line, non-zero.
    code, _, err = run(capsys, "archive", "verify", str(tmp_path / "nothing.zip"))
    assert code == 1 and err.count("\n") == 1


def test_export_filters_and_includes_secret_content_only_when_asked(
    capsys: pytest.CaptureFixture[str],
    gateway: RunningGateway,
    letters: dict[str, Naskah],
    tmp_path: Path,
) -> None:
    secret = letters["secret"]
    target = tmp_path / "rahasia.zip"
    code, out, _ = run(
        capsys, "archive", "export", "--year", "2026", "--unit", "setda", "--kka", "400",
        "--include-rahasia", "-o", str(target), "--by", "operator-tu",
    )  # fmt: skip
    assert code == 0 and "2 naskah" in out and "PERHATIAN" in out
    with zipfile.ZipFile(target) as archive:
        folder = secret.agenda_number.replace("/", "-")
        assert archive.read(f"{folder}/lampiran/audit.pdf") == PDF + b"% rahasia\n"
        meta = json.loads(archive.read(f"{folder}/metadata.json"))
    assert meta["rahasia"] is True and meta["isi_disertakan"] is True
    assert meta["perihal"] == "Hasil audit khusus"
    assert run(capsys, "archive", "verify", str(target))[0] == 0
    # The export is on the audit trail, with who, what and whether SR/R content left.
    with gateway.app.db.read() as session:
        (event,) = session.scalars(select(Event).where(Event.type == "archive_exported"))
        assert event.actor == "operator-tu" and event.naskah_id is None
        payload = event.payload
    assert payload["filter"] == {"year": 2026, "unit": "setda", "kka": "400"}
    assert payload["include_secret"] is True and payload["secret_included"] == 1
    assert (payload["naskah"], payload["secret"], payload["file"]) == (2, 1, "rahasia.zip")
    with zipfile.ZipFile(target) as archive:
        sums = hashlib.sha256(archive.read("SHA256SUMS")).hexdigest()
    assert payload["sums_sha256"] == sums
    # Nothing matches: refused before anything is written; the package there stays.
    before = target.read_bytes()
    code, _, err = run(capsys, "archive", "export", "--year", "2019", "-o", str(target))
    assert code == 1 and "tahun 2019" in err
    assert target.read_bytes() == before


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_an_export_that_fails_midway_leaves_the_earlier_package_and_no_temporary_file(
    capsys: pytest.CaptureFixture[str],
    gateway: RunningGateway,
    letters: dict[str, Naskah],
    tmp_path: Path,
    failure: type[BaseException],
) -> None:
    """Ctrl-C or a full disk after the first naskah: the package already at the target is
    untouched, the temporary file is gone, and no export is recorded."""
    from gateway.archive.package import ExportFilter, write_package

    target = _export(capsys, tmp_path)
    before = target.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    written = []

    def step() -> None:
        written.append(1)
        if len(written) == 2:
            raise failure("midway")

    app = gateway.app
    with pytest.raises(failure, match="midway"):
        write_package(app.db, ExportFilter(year=2026), target, "Asia/Jakarta", app.clock(), step)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no temporary file left
    with gateway.app.db.read() as session:
        exported = session.scalars(select(Event).where(Event.type == "archive_exported"))
        assert len(list(exported)) == 1  # the first, complete export only


def _rewrite(
    source: Path, target: Path, name: str, *, flip: bool = False, drop: bool = False, add: str = ""
) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == name:
                if drop:
                    continue
                if flip:
                    data = bytes([data[0] ^ 0x01]) + data[1:]
            new.writestr(info, data)
        if add:
            new.writestr(add, b"tambahan\n")


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("SM/0001/2026", "SM-0001-2026"),
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("CON.pdf", "berkas_CON.pdf"),
        (".htaccess", "htaccess"),
        ("", "berkas"),
        ("surat\x00rahasia\r\n.pdf", "surat_rahasia_.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        # 100 characters but 300+ bytes: ext4 allows 255 bytes a name.
        ("\u6587" * 100 + ".pdf", "\u6587" * 65 + ".pdf"),
        ("\ua9b2" * 100, "\ua9b2" * 66),
    ],
)
def test_names_in_a_package_are_safe_on_every_file_system(given: str, safe: str) -> None:
    from gateway.archive.names import safe_name, unique_name

    assert safe_name(given) == safe
    assert len(unique_name(safe, set()).encode()) <= 200
    taken: set[str] = set()
    assert [unique_name("a.pdf", taken), unique_name("A.PDF", taken)] == ["a.pdf", "A (2).PDF"]


def _patch_central(
    source: Path, target: Path, name: str, *, flags: int = 0, method: int = -1
) -> None:
    """Copy a zip, setting bits of one member's flags (0x1: encrypted) or its compression
    method in the central directory, as another zip program could have written it."""
    data = bytearray(source.read_bytes())
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0 and data[at + 46 : at + 46 + len(encoded)] != encoded:
        at = data.find(b"PK\x01\x02", at + 4)
    assert at >= 0, name
    data[at + 8] |= flags
    if method >= 0:
        data[at + 10 : at + 12] = method.to_bytes(2, "little")
    target.write_bytes(bytes(data))


def test_verify_names_an_encrypted_or_unreadable_member_damaged_and_bounds_sha256sums(
    capsys: pytest.CaptureFixture[str], letters: dict[str, Naskah], tmp_path: Path
) -> None:
    target = _export(capsys, tmp_path)
    folder = letters["report"].agenda_number.replace("/", "-")
    # An encrypted member (zipfile: RuntimeError) and a compression method zipfile cannot
    # read (NotImplementedError, 99 = AES): each named as damaged, the rest checked.
    for label, patch in (("encrypted", {"flags": 0x1}), ("method", {"method": 99})):
        changed = tmp_path / f"{label}.zip"
        _patch_central(target, changed, f"{folder}/asli.eml", **patch)
        code, out, err = run(capsys, "archive", "verify", str(changed))
        assert code == 1 and f"RUSAK (tidak terbaca): {folder}/asli.eml" in out, (label, err)
        assert "1 masalah" in err and "Traceback" not in err
    # SHA256SUMS itself unreadable: one line, non-zero.
    locked = tmp_path / "locked.zip"
    _patch_central(target, locked, "SHA256SUMS", flags=0x1)
    code, out, err = run(capsys, "archive", "verify", str(locked))
    assert code == 1 and "SHA256SUMS di" in err and "rusak" in err and err.count("\n") == 1
    # A SHA256SUMS far larger than one line per member (a zip bomb): refused unread.
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"a\n")
        archive.writestr("SHA256SUMS", b"0" * (5 << 20))
    code, _, err = run(capsys, "archive", "verify", str(bomb))
    assert code == 1 and "lebih dari" in err and err.count("\n") == 1


def test_the_schedule_and_show_name_what_is_missing_without_calling_it_secret(
    capsys: pytest.CaptureFixture[str],
    cli_env: str,
    gateway: RunningGateway,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A plain letter without perihal is "-", not "(rahasia)", in the schedule; a code the
    table does not know is named as such in `naskah show`, not as retention not yet set."""
    with gateway.smtp() as client:
        for body in ("Nomor: 400.7/55/2026\n", "Nomor: 950.1/7/2026\n"):
            client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], letter(subject="", body=body))
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 2)
    untitled, unknown = naskah_rows(gateway.app)
    assert not untitled.perihal and not untitled.is_secret and unknown.klasifikasi == "950.1"
    jra = tmp_path / "jra.csv"
    jra.write_text(JRA, encoding="utf-8")
    assert run(capsys, "kka", "import", str(jra))[0] == 0
    code, out, _ = run(capsys, "archive", "due", "--on", "2029-01-01")
    assert code == 0 and untitled.agenda_number in out and "(rahasia)" not in out
    code, out, _ = run(capsys, "naskah", "show", unknown.agenda_number)
    assert code == 0 and "950.1; kode tidak ada dalam tabel" in out
    assert "belum ditetapkan" not in out
    code, out, _ = run(capsys, "naskah", "show", untitled.agenda_number)
    assert "400.7 Kesehatan; aktif s.d. 2028-12-31" in out
    # The operator's change without --by: the person behind sudo is recorded.
    monkeypatch.setenv("SUDO_USER", "siti.arsip")
    assert run(capsys, "naskah", "kka", unknown.agenda_number, "000.1")[0] == 0
    with gateway.app.db.read() as session:
        event = session.scalars(select(Event).where(Event.type == "kka_set")).one()
    assert event.actor == "siti.arsip"
