"""An archive package (zip) of one year's naskah for the unit kearsipan: per naskah the
original mail, its files, metadata.json and timeline.json; at the root srikandi.csv,
paket.json and SHA256SUMS over every other file. Written as it goes (one file in
memory at a time), to a temporary name renamed into place when complete."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gateway.archive.due import retention_dict
from gateway.archive.kka import table_entries
from gateway.archive.names import safe_name, unique_name
from gateway.archive.retention import retention_of
from gateway.archive.srikandi import COLUMNS, srikandi_row
from gateway.audit import record_event
from gateway.catalogue import Catalogue
from gateway.core.verdict import sender_verdict, signature_lines
from gateway.db.blobs import get_blob
from gateway.db.engine import Database
from gateway.db.models import Naskah, Unit
from gateway.entry import iso
from gateway.registry import MASK, SECRET_LEVELS, naskah_detail, redact_secret
from gateway.timefmt import local

FORMAT = "tnde-arsip/1"
SUMS = "SHA256SUMS"
EML = "asli.eml"
FILES_DIR = "lampiran"
_CHUNK = 1 << 16
# The archive's own texts (verdicts) are Indonesian, whatever the command line speaks.
_ID = Catalogue("id")


@dataclass(frozen=True)
class ExportFilter:
    year: int
    unit: str | None = None
    kka: str | None = None  # the code and every code below it
    include_secret: bool = False  # the content of SR/R naskah, not only their register entry


@dataclass
class ExportSummary:
    naskah: int = 0
    files: int = 0
    secret_included: int = 0
    secret_withheld: int = 0
    missing_blobs: list[str] = field(default_factory=list)
    sums_sha256: str = ""


def _selection(flt: ExportFilter) -> Select[Any]:
    query = select(Naskah.id).join(Unit, Naskah.unit_id == Unit.id).where(Naskah.year == flt.year)
    if flt.unit:
        query = query.where(Unit.code == flt.unit.upper())
    if flt.kka:
        query = query.where(
            (Naskah.klasifikasi == flt.kka) | Naskah.klasifikasi.startswith(flt.kka + ".")
        )
    return query


def count_for_export(db: Database, flt: ExportFilter) -> int:
    with db.read() as session:
        query = select(func.count()).select_from(_selection(flt).subquery())
        return int(session.execute(query).scalar_one())


class _Writer:
    """Adds members to the zip and remembers each one's SHA-256 for SHA256SUMS."""

    def __init__(self, archive: zipfile.ZipFile, when: dt.datetime) -> None:
        self.archive = archive
        self.stamp = when.timetuple()[:6]
        self.sums: list[tuple[str, str]] = []

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def put(self, path: str, data: bytes) -> None:
        self.archive.writestr(self._info(path), data)
        self.sums.append((path, hashlib.sha256(data).hexdigest()))

    def put_json(self, path: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n"
        self.put(path, text.encode("utf-8"))

    def put_stream(self, path: str, stream: IO[bytes]) -> None:
        digest = hashlib.sha256()
        with self.archive.open(self._info(path), "w", force_zip64=True) as out:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        self.sums.append((path, digest.hexdigest()))


def write_package(
    db: Database,
    flt: ExportFilter,
    target: Path,
    zone: str,
    now: dt.datetime,
    step: Callable[[], None] = lambda: None,
) -> ExportSummary:
    """Write the package to `target` (replaced only once complete)."""
    summary = ExportSummary()
    with db.read() as session:
        ids = list(session.scalars(_selection(flt).order_by(Naskah.id)))
        table = table_entries(session)
    today = local(now, zone).date()
    handle, temporary = tempfile.mkstemp(prefix=".tnde-arsip-", suffix=".zip", dir=target.parent)
    os.close(handle)
    try:
        with (
            zipfile.ZipFile(temporary, "w", allowZip64=True) as archive,
            tempfile.TemporaryFile("w+b") as rows_file,
        ):
            writer = _Writer(archive, local(now, zone))
            rows = _CsvRows(rows_file)
            folders: set[str] = set()
            listing = []
            for naskah_id in ids:
                listing.append(
                    _one(db, naskah_id, writer, rows, folders, table, flt, zone, today, summary)
                )
                summary.naskah += 1
                step()
            rows_file.seek(0)
            writer.put_stream("srikandi.csv", rows_file)
            writer.put_json(
                "paket.json",
                {
                    "format": FORMAT,
                    "dibuat": iso(now, zone),
                    "filter": {
                        "tahun": flt.year,
                        "unit": flt.unit,
                        "kka": flt.kka,
                        "termasuk_isi_rahasia": flt.include_secret,
                    },
                    "jumlah_naskah": summary.naskah,
                    "naskah": listing,
                    "catatan": (
                        f"{SUMS} memuat SHA-256 setiap berkas lain dalam paket ini; "
                        "periksa dengan `tnde archive verify` atau `sha256sum -c SHA256SUMS`."
                    ),
                },
            )
            sums = "".join(f"{digest}  {path}\n" for path, digest in writer.sums).encode()
            archive.writestr(writer._info(SUMS), sums)
            summary.files = len(writer.sums)
            summary.sums_sha256 = hashlib.sha256(sums).hexdigest()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


def record_export(
    session: Session,
    flt: ExportFilter,
    summary: ExportSummary,
    target: Path,
    actor: str,
    now: dt.datetime,
) -> None:
    """The audit event of a written package: who, what was selected, whether the content
    of SR/R naskah left with it, and the SHA-256 of its SHA256SUMS (the handover record's
    number)."""
    record_event(
        session,
        type="archive_exported",
        actor=actor,
        channel="cli",
        now=now,
        payload={
            "file": target.name,
            "directory": str(target.resolve().parent),
            "filter": {"year": flt.year, "unit": flt.unit, "kka": flt.kka},
            "include_secret": flt.include_secret,
            "naskah": summary.naskah,
            "secret": summary.secret_included + summary.secret_withheld,
            "secret_included": summary.secret_included,
            "files": summary.files,
            "missing_files": len(summary.missing_blobs),
            "sums_sha256": summary.sums_sha256,
        },
    )


class _CsvRows:
    """srikandi.csv, gathered in a temporary file while the folders are written (a zip
    takes one member at a time); UTF-8 with a BOM so spreadsheet programs read it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        stream.write("\ufeff".encode())
        self.add(list(COLUMNS))

    def add(self, cells: list[str]) -> None:
        line = _csv_line(cells)
        self.stream.write(line.encode("utf-8"))


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _one(
    db: Database,
    naskah_id: int,
    writer: _Writer,
    rows: _CsvRows,
    folders: set[str],
    table: dict[str, Any],
    flt: ExportFilter,
    zone: str,
    today: dt.date,
    summary: ExportSummary,
) -> dict[str, Any]:
    """One naskah's folder and its srikandi.csv row; its line of paket.json."""
    detail = naskah_detail(db, str(naskah_id), zone)
    assert detail is not None  # selected a moment ago; naskah are never deleted
    detail.pop("received_at_dt", None)
    secret = detail["sifat"]["keamanan"] in SECRET_LEVELS
    with_content = not secret or flt.include_secret
    # A withheld SR/R naskah's folder is named by its id: the file listing of a package
    # shows no more than its register entry does.
    name = f"naskah-{naskah_id}" if not with_content else detail["agenda_number"]
    folder = unique_name(safe_name(name, "naskah"), folders)
    with db.read() as session:
        naskah = session.get_one(Naskah, naskah_id)
        retention = retention_of(naskah.klasifikasi, naskah.year, table, today)
        reason = naskah.legal_hold_reason
        hold = {
            "aktif": naskah.legal_hold,
            "alasan": reason if with_content or not reason else MASK,
            "sejak": iso(naskah.legal_hold_since, zone),
        }
        files: dict[str, Any] = {"eml": None, "lampiran": []}
        if with_content:
            try:
                writer.put(f"{folder}/{EML}", get_blob(session, naskah.raw_sha256))
                files["eml"] = EML
            except KeyError:
                summary.missing_blobs.append(f"{folder}/{EML}")
            taken: set[str] = {EML.lower()}
            for attachment in detail["attachments"]:
                name = unique_name(safe_name(attachment["filename"], "lampiran"), taken)
                path = f"{FILES_DIR}/{name}"
                try:
                    writer.put(f"{folder}/{path}", get_blob(session, attachment["sha256"]))
                except KeyError:
                    summary.missing_blobs.append(f"{folder}/{path}")
                    path = ""
                files["lampiran"].append({**attachment, "berkas": path or None})
    auth = detail.get("auth_results") or {}
    verdict = sender_verdict(auth, detail.get("sender"), _ID)
    detail["verifikasi"] = {
        "pengirim": {
            "hasil": verdict.key,
            "label": verdict.label,
            "rincian": verdict.detail,
            "peringatan": list(verdict.warnings),
        },
        "tte": signature_lines(auth, _ID, zone) if with_content else [],
    }
    if secret:
        summary.secret_included += with_content
        summary.secret_withheld += not with_content
    if not with_content:
        detail = redact_secret(detail)
        detail["auth_results"] = None
    timeline = detail.pop("timeline", [])
    shown_code = detail.get("klasifikasi")
    detail["kka"] = {
        "kode": shown_code,
        **(retention_dict(retention) if with_content else {"status": retention.state}),
    }
    detail["legal_hold"] = hold
    detail["rahasia"] = secret
    detail["isi_disertakan"] = with_content
    detail["berkas"] = files
    writer.put_json(f"{folder}/metadata.json", detail)
    writer.put_json(f"{folder}/timeline.json", timeline)
    kka_name = retention.entry.name if retention.entry and with_content else None
    rows.add(srikandi_row(detail, kka_name, folder))
    return {
        "folder": folder,
        "nomor_agenda": detail["agenda_number"],
        "jenis_register": detail["kind"],
        "rahasia": secret,
        "isi_disertakan": with_content,
    }
