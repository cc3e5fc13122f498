"""One naskah as the metadata SRIKANDI asks for when a letter is registered there by hand
(Registrasi Naskah Masuk / Keluar), one CSV row per naskah of an archive package."""

from __future__ import annotations

from typing import Any

from gateway.catalogue import Catalogue
from gateway.registry import spreadsheet_text

# SRIKANDI's form labels (Registrasi Naskah Masuk / Keluar), then ours.
COLUMNS = (
    "Nomor Naskah",
    "Tanggal Naskah",
    "Hal",
    "Jenis Naskah",
    "Sifat Naskah",
    "Tingkat Urgensi",
    "Klasifikasi",
    "Pengirim",
    "Penerima",
    "Tembusan",
    "Nomor Agenda",
    "Folder",
)
# Our register kinds as SRIKANDI names the jenis when the naskah has none of its own.
_KIND_JENIS = {
    "surat_masuk": "Surat",
    "nota_dinas": "Nota Dinas",
    "surat_keluar": "Surat",
    "konsep": "Konsep Naskah",
}
# SRIKANDI's values are Indonesian whatever the panel's language.
_ID = Catalogue("id")


def srikandi_row(item: dict[str, Any], kka_name: str | None, folder: str) -> list[str]:
    """The CSV cells for one naskah_detail dict (masked already when the content of an
    SR/R letter is left out). Every text is made inert for spreadsheets."""
    sifat = item.get("sifat") or {}
    keamanan, kecepatan = sifat.get("keamanan") or "B", sifat.get("kecepatan") or "BIASA"
    code = item.get("klasifikasi") or ""
    konsep = item.get("konsep") or {}
    kepada = [_person(r) for r in konsep.get("kepada") or []]
    tembusan = [_person(r) for r in konsep.get("tembusan") or []]
    if not kepada:
        kepada = [str(r) for r in item.get("recipients") or []]
    number = item.get("nomor_surat") or ""
    if not number and item.get("kind") in ("nota_dinas", "surat_keluar"):
        number = item.get("agenda_number") or ""  # our own letters: the register number
    cells = [
        number,
        item.get("tanggal_surat") or "",
        item.get("perihal") or "",
        _jenis(item),
        _ID.label("sifat.keamanan", keamanan),
        _ID.label("sifat.kecepatan", kecepatan),
        f"{code} - {kka_name}" if code and kka_name and code != "(rahasia)" else code,
        _sender(item),
        "; ".join(kepada),
        "; ".join(tembusan),
        item.get("agenda_number") or "",
        folder,
    ]
    return [spreadsheet_text(str(cell)) for cell in cells]


def _jenis(item: dict[str, Any]) -> str:
    jenis = item.get("jenis")
    if jenis and jenis != "(rahasia)":
        return str(jenis).replace("_", " ").title()
    return jenis or _KIND_JENIS.get(str(item.get("kind")), "")


def _sender(item: dict[str, Any]) -> str:
    agency, name, address = (item.get(k) or "" for k in ("sender_agency", "sender_name", "sender"))
    who = agency or name
    return f"{who} <{address}>" if who and address else who or address


def _person(recipient: Any) -> str:
    if isinstance(recipient, dict):
        name, address = recipient.get("name") or "", recipient.get("address") or ""
        return f"{name} <{address}>" if name and address else name or address
    return str(recipient)
