"""The head of a konsep (surat keluar draft): KEPADA, TEMBUSAN, KLASIFIKASI… lines (pure).

The drafter writes the letter's particulars as the first lines of the mail body:

    KEPADA: Kepala Dinas Kesehatan Provinsi <tu@dinkes.jatengprov.go.id>, kadinkes
    TEMBUSAN: bupati
    KLASIFIKASI: 000.8.3.3
    SIFAT: Segera
    PENANDATANGAN: sekda
    NOMOR: 000.8.3.3/15/SETDA/2026

Field names are case-insensitive and may be followed by ":" or "="; the head ends at the
first line that is not a field (a blank line before it is allowed). A recipient is an
address (with or without a name) or the handle of a position in the organisation; which
of the two it is gets decided against the organisation later. Nothing here raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses

from email_validator import EmailNotValidError, validate_email

from gateway.parsing.naskah import sifat_from_words

FIELDS = ("KEPADA", "TEMBUSAN", "KLASIFIKASI", "SIFAT", "PENANDATANGAN", "NOMOR", "JENIS")
_ALIASES = {"YTH": "KEPADA", "TUJUAN": "KEPADA", "CC": "TEMBUSAN", "TTD": "PENANDATANGAN"}
_FIELD = re.compile(r"^\s*#?\s*(?P<name>[A-Za-z]+)\s*[:=]\s*(?P<value>.*)$")
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_KKA = re.compile(r"^\d{3}(?:\.\d{1,3}){0,4}$")
# The form shown with every problem.
EXAMPLE = (
    "KEPADA: Kepala Dinas Kesehatan Provinsi <tu@dinkes.jatengprov.go.id>, kadinkes\n"
    "TEMBUSAN: bupati\n"
    "KLASIFIKASI: 000.8.3.3\n"
    "SIFAT: Biasa\n"
    "PENANDATANGAN: sekda"
)


@dataclass(frozen=True)
class Addressee:
    """One recipient as written: an address (with a name), or a position handle."""

    written: str
    address: str = ""
    name: str = ""
    handle: str = ""


@dataclass
class KonsepHead:
    """The fields read from the head, the problems found, and the lines they came from."""

    kepada: list[Addressee] = field(default_factory=list)
    tembusan: list[Addressee] = field(default_factory=list)
    klasifikasi: str = ""
    keamanan: str = "B"
    kecepatan: str = "BIASA"
    penandatangan: str = ""
    nomor: str = ""
    jenis: str = ""
    problems: list[str] = field(default_factory=list)
    lines: int = 0  # how many lines of the body the head took


def read_konsep_head(text: str) -> KonsepHead:
    """Read the field lines at the top of `text`; problems say what is wrong, in Indonesian."""
    head = KonsepHead()
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if seen:
                head.lines = number
                break
            continue
        match = _FIELD.match(line)
        name = match["name"].upper() if match else ""
        name = _ALIASES.get(name, name)
        if match is None or name not in FIELDS:
            break
        head.lines = number
        seen.add(name)
        _take(head, name, match["value"].strip())
    if not head.kepada:
        head.problems.append("baris KEPADA: tidak ada atau kosong; sebutkan tujuan surat")
    return head


def _take(head: KonsepHead, name: str, value: str) -> None:
    if name == "KEPADA":
        head.kepada += _addressees(value, head.problems, "KEPADA")
    elif name == "TEMBUSAN":
        head.tembusan += _addressees(value, head.problems, "TEMBUSAN")
    elif name == "KLASIFIKASI":
        code = value.split(maxsplit=1)[0] if value.split() else ""
        if not _KKA.match(code):
            head.problems.append(
                f"KLASIFIKASI {value!r} bukan kode klasifikasi arsip (contoh: 000.8.3.3)"
            )
        head.klasifikasi = code
    elif name == "SIFAT":
        kecepatan, keamanan = sifat_from_words(value)
        if kecepatan is None and keamanan is None and "biasa" not in value.lower():
            head.problems.append(
                f"SIFAT {value!r} tidak dikenal (Biasa, Terbatas, Rahasia, Sangat Rahasia, "
                "Segera, Sangat Segera)"
            )
        head.kecepatan, head.keamanan = kecepatan or "BIASA", keamanan or "B"
    elif name == "PENANDATANGAN":
        head.penandatangan = value.strip().lower()
    elif name == "NOMOR":
        head.nomor = " ".join(value.split())[:128]
    elif name == "JENIS":
        head.jenis = " ".join(value.split())[:64]


def _addressees(value: str, problems: list[str], label: str) -> list[Addressee]:
    """Addresses (validated) and handles, split on commas and semicolons."""
    found: list[Addressee] = []
    for part in (p.strip() for p in re.split(r"[;,](?![^<]*>)", value)):
        if not part:
            continue
        if "@" not in part:
            handle = part.lower()
            if _HANDLE.match(handle):
                found.append(Addressee(part, handle=handle))
            else:
                problems.append(f"{label} {part!r} bukan alamat email maupun kode jabatan")
            continue
        name, address = getaddresses([part])[0]
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError as err:
            problems.append(f"{label} {part!r}: alamat tidak sah ({err})")
            continue
        found.append(Addressee(part, address=checked.normalized.lower(), name=name.strip()))
    return found
