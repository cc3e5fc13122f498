"""A surat keluar drafted, approved and signed by email over real SMTP, then exported: its
package carries the approval trail, the signer, the signed file and its SRIKANDI row."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.gateway import RunningGateway
from tests.support.replies import build_reply, latest, send_reply
from tests.test_naskah_dinas import (  # noqa: F401 - clock, smarthost, gw are fixtures
    AGENCY,
    KABAG,
    KASUBBAG,
    PDF_V1,
    PDF_V2,
    SEKDA,
    STAF,
    approve,
    clock,
    deliver,
    draft,
    gw,
    rows,
    smarthost,
)


def test_a_signed_surat_keluar_is_exported_with_approvals_signer_and_srikandi_row(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    gw: RunningGateway,  # noqa: F811
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    monkeypatch.setenv("TNDE_DATABASE__URL", db_url)
    deliver(gw, draft())
    approve(gw, KASUBBAG, KABAG, SEKDA, expect=PDF_V1)
    (letter,) = rows(gw.app, "surat_keluar")
    target = tmp_path / "keluar.zip"
    code, _, err = run(
        capsys, "archive", "export", "--year", str(letter.year), "--kka", "000.8", "-o", str(target)
    )
    assert code == 0, err
    folder = letter.agenda_number.replace("/", "-")
    with zipfile.ZipFile(target) as archive:
        meta = json.loads(archive.read(f"{folder}/metadata.json"))
        signed = archive.read(f"{folder}/lampiran/{meta['attachments'][0]['filename']}")
        rows_ = list(csv.DictReader(io.StringIO(archive.read("srikandi.csv").decode("utf-8-sig"))))
    assert signed == PDF_V1
    assert meta["kind"] == "surat_keluar" and meta["signer"]["title"] == "Sekretaris Daerah"
    assert [step["decision"] for step in meta["approval"]] == ["setuju", "setuju", "setuju"]
    assert meta["kka"]["kode"] == "000.8.3.3" and meta["kka"]["status"] == "belum_ditetapkan"
    (row,) = [r for r in rows_ if r["Nomor Agenda"] == letter.agenda_number]
    assert row["Nomor Naskah"] == letter.agenda_number
    assert row["Klasifikasi"] == "000.8.3.3 - SOP"
    assert AGENCY in row["Penerima"] and "kadinkes@" in row["Tembusan"]
    assert row["Pengirim"].startswith("Sekretariat Daerah")
    assert run(capsys, "archive", "verify", str(target))[0] == 0


SECRET_HEAD = (
    "KEPADA: kadinkes\nSIFAT: Rahasia\nPENANDATANGAN: kabag.umum\nNOMOR: 000.8/5/SETDA/2026\n"
)
REVISI_NOTE = "hapus nama pegawai Bambang Sulistyo dari lampiran"
PERIHAL = "Data kepegawaian khusus"


def test_a_secret_konsep_through_revisi_is_exported_without_any_of_its_text(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    gw: RunningGateway,  # noqa: F811
    tmp_path: Path,
) -> None:
    """An SR/R konsep and the surat keluar it became, exported without --include-rahasia:
    no REVISI note (stored as the next step's version), no recipient (konsep, outbox,
    srikandi.csv), no reserved number, no perihal; folders named by id. The register
    number stays (it is not content). With --include-rahasia all of it is there."""
    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    monkeypatch.setenv("TNDE_DATABASE__URL", db_url)
    secret = draft(head=SECRET_HEAD)
    secret.replace_header("Subject", PERIHAL)
    deliver(gw, secret)
    ask = latest(gw.app, KASUBBAG)
    send_reply(gw, build_reply(ask, KASUBBAG, f"REVISI {REVISI_NOTE}"))
    revision = latest(gw.app, STAF)
    new_version = [("konsep-v2.pdf", "application/pdf", PDF_V2)]
    send_reply(gw, build_reply(revision, STAF, "KIRIM sudah diperbaiki", attachments=new_version))
    approve(gw, KASUBBAG, KABAG)
    (konsep,) = rows(gw.app, "konsep")
    (letter,) = rows(gw.app, "surat_keluar")
    assert letter.sifat_keamanan == "R" and letter.agenda_number == "000.8/5/SETDA/2026"
    target = tmp_path / "rahasia.zip"
    code, _, err = run(capsys, "archive", "export", "--year", str(letter.year), "-o", str(target))
    assert code == 0, err
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        metas = {
            row.kind: json.loads(archive.read(f"naskah-{row.id}/metadata.json"))
            for row in (konsep, letter)
        }
        everything = "\n".join(archive.read(n).decode("utf-8", "replace") for n in names)
        rows_ = list(csv.DictReader(io.StringIO(archive.read("srikandi.csv").decode("utf-8-sig"))))
    assert not any(n.startswith(("000.8-5", "KONSEP", "SETDA")) for n in names), names
    for meta in metas.values():
        assert meta["rahasia"] is True and meta["isi_disertakan"] is False
        steps = meta["approval"]
        assert [s["kind"] for s in steps] == ["paraf", "revisi", "paraf", "ttd"]
        assert {s["version"] for s in steps} == {"(rahasia)"}
        assert meta["konsep"]["reserved_number"] == "(rahasia)"
        assert meta["konsep"]["kepada"] == [] and meta["recipients"] == []
    assert {o["to"] for o in metas["surat_keluar"]["outbox"]} == {"(rahasia)"}
    assert metas["surat_keluar"]["agenda_number"] == letter.agenda_number
    for text in (REVISI_NOTE, "Bambang", PERIHAL, "kepegawaian", "retno.widyastuti"):
        assert text not in everything, text
    (row,) = [r for r in rows_ if r["Nomor Agenda"] == letter.agenda_number]
    assert (row["Hal"], row["Penerima"], row["Tembusan"]) == ("(rahasia)", "", "")
    assert row["Nomor Naskah"] == "(rahasia)" and "000.8" not in row["Klasifikasi"]
    assert row["Folder"] == f"naskah-{letter.id}"
    # With the content: the REVISI note and the recipients are there.
    full = tmp_path / "lengkap.zip"
    code, _, err = run(
        capsys, "archive", "export", "--year", str(letter.year), "--include-rahasia",
        "-o", str(full),
    )  # fmt: skip
    assert code == 0, err
    with zipfile.ZipFile(full) as archive:
        folder = letter.agenda_number.replace("/", "-")
        meta = json.loads(archive.read(f"{folder}/metadata.json"))
    assert meta["approval"][1]["version"] == REVISI_NOTE
    assert meta["konsep"]["reserved_number"] == letter.agenda_number
