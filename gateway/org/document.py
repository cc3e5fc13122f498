"""The organisation YAML document: parse and validate (pure), errors name the field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.parsing.addresses import normalise_address
from rules.loader import control_character_path

ASSIGNMENT_KINDS = ("definitif", "plt", "plh")
_HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


class OrgError(ValueError):
    """The organisation document is invalid; the message names the field."""


@dataclass(frozen=True)
class PositionDoc:
    handle: str
    title: str
    unit: str
    superior: str | None = None
    head: bool = False
    registrar: bool = False
    notify_definitif_when_acting: bool = False


@dataclass(frozen=True)
class UnitDoc:
    code: str
    name: str
    parent: str | None
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class AssignmentDoc:
    position: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass(frozen=True)
class PersonDoc:
    name: str
    nip: str | None
    emails: tuple[str, ...]
    assignments: tuple[AssignmentDoc, ...]
    digest_opt_out: bool = False


@dataclass(frozen=True)
class OrgDocument:
    domain: str
    units: tuple[UnitDoc, ...] = ()
    positions: tuple[PositionDoc, ...] = ()
    people: tuple[PersonDoc, ...] = field(default_factory=tuple)


def parse_org(data: Any, default_domain: str) -> OrgDocument:
    """Validate a loaded YAML mapping; raise one OrgError listing every bad field."""
    if not isinstance(data, dict):
        raise OrgError("dokumen organisasi harus berupa tabel dengan 'units' dan 'people'")
    place = control_character_path(data)
    if place is not None:
        raise OrgError(f"{place}: teks memuat karakter kendali (mis. NUL); hapus karakter itu")
    domain = str(data.get("domain") or default_domain).lower()
    units, positions, people, problems = [], [], [], []
    for index, raw_unit in enumerate(_list(data, "units", "")):
        try:
            unit, unit_positions = _unit(raw_unit, f"units[{index}]", domain)
        except OrgError as err:
            problems.append(str(err))
            continue
        units.append(unit)
        positions.extend(unit_positions)
    for index, raw in enumerate(_list(data, "people", "")):
        try:
            people.append(_person(raw, f"people[{index}]"))
        except OrgError as err:
            problems.append(str(err))
    document = OrgDocument(domain, tuple(units), tuple(positions), tuple(people))
    if not problems:  # References are checked only between entries that parsed.
        problems = _check_references(document)
    if len(problems) == 1:
        raise OrgError(problems[0])
    if problems:
        # Every problem at once, each naming its place: one fix-and-retry.
        raise OrgError(f"{len(problems)} masalah:\n  " + "\n  ".join(problems))
    return document


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise OrgError(f"{where}{key} harus berupa daftar")
    return value


def _text(data: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise OrgError(f"{where}.{key} wajib diisi")
        return ""
    return str(value).strip()


def _unit(data: Any, where: str, domain: str) -> tuple[UnitDoc, list[PositionDoc]]:
    if not isinstance(data, dict):
        raise OrgError(f"{where} harus berupa tabel")
    code = _text(data, "code", where).upper()
    if not _CODE.match(code):
        raise OrgError(
            f"{where}.code {code!r} hanya boleh berisi huruf, angka, '_' dan '-' (mis. SETDA)"
        )
    addresses = []
    for i, item in enumerate(_list(data, "addresses", f"{where}.")):
        address = str(item).strip().lower()
        address = address if "@" in address else f"{address}@{domain}"
        if normalise_address(address) is None:
            raise OrgError(f"{where}.addresses[{i}] {item!r} bukan alamat email yang sah")
        addresses.append(address)
    unit = UnitDoc(
        code, _text(data, "name", where), _optional_upper(data.get("parent")), tuple(addresses)
    )
    positions = [
        _position(raw, f"{where}.positions[{i}]", code)
        for i, raw in enumerate(_list(data, "positions", f"{where}."))
    ]
    return unit, positions


def _optional_upper(value: Any) -> str | None:
    return str(value).strip().upper() if value else None


def _position(data: Any, where: str, unit: str) -> PositionDoc:
    if not isinstance(data, dict):
        raise OrgError(f"{where} harus berupa tabel")
    handle = _text(data, "handle", where).lower()
    if not _HANDLE.match(handle) or "+" in handle:
        raise OrgError(f"{where}.handle {handle!r} hanya boleh memakai a-z, 0-9, '.', '_' dan '-'")
    superior = data.get("superior")
    return PositionDoc(
        handle=handle,
        title=_text(data, "title", where),
        unit=unit,
        superior=str(superior).strip().lower() if superior else None,
        head=bool(data.get("head", False)),
        registrar=bool(data.get("registrar", False)),
        notify_definitif_when_acting=bool(data.get("notify_definitif_when_acting", False)),
    )


def _person(data: Any, where: str) -> PersonDoc:
    if not isinstance(data, dict):
        raise OrgError(f"{where} harus berupa tabel")
    emails = []
    for i, item in enumerate(_list(data, "emails", f"{where}.")):
        address = normalise_address(str(item))
        if address is None:
            raise OrgError(f"{where}.emails[{i}] {item!r} bukan alamat email yang sah")
        emails.append(address)
    assignments = tuple(
        _assignment(raw, f"{where}.assignments[{i}]")
        for i, raw in enumerate(_list(data, "assignments", f"{where}."))
    )
    nip = _text(data, "nip", where, required=False) or None
    if nip and not re.fullmatch(r"\d{18}", nip.replace(" ", "")):
        raise OrgError(f"{where}.nip {nip!r} harus terdiri atas 18 angka")
    return PersonDoc(
        name=_text(data, "name", where),
        nip=nip.replace(" ", "") if nip else None,
        emails=tuple(emails),
        assignments=assignments,
        digest_opt_out=bool(data.get("digest_opt_out", False)),
    )


def _assignment(data: Any, where: str) -> AssignmentDoc:
    if not isinstance(data, dict):
        raise OrgError(f"{where} harus berupa tabel")
    kind = _text(data, "kind", where, required=False).lower() or "definitif"
    if kind not in ASSIGNMENT_KINDS:
        raise OrgError(f"{where}.kind {kind!r} harus salah satu dari {', '.join(ASSIGNMENT_KINDS)}")
    valid_from, valid_to = (
        _date(data.get("from"), f"{where}.from"),
        _date(data.get("to"), f"{where}.to"),
    )
    if valid_from and valid_to and valid_to < valid_from:
        raise OrgError(f"{where}.to lebih awal daripada {where}.from")
    return AssignmentDoc(_text(data, "position", where).lower(), kind, valid_from, valid_to)


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise OrgError(
            f"{where} {value!r} harus berupa tanggal YYYY-MM-DD, mis. 2026-01-31"
        ) from err


def _check_references(document: OrgDocument) -> list[str]:
    """Unique codes/handles/addresses; parents, superiors and assignments must exist."""
    codes = [u.code for u in document.units]
    problems = _unique(codes, "kode unit")
    handles = [p.handle for p in document.positions]
    problems += _unique(handles, "handle jabatan")
    locals_ = [
        a.split("@")[0]
        for u in document.units
        for a in u.addresses
        if a.endswith("@" + document.domain)
    ]
    problems += _unique([a for u in document.units for a in u.addresses], "alamat unit")
    problems += [
        f"alamat {local}@{document.domain} dipakai sebagai alamat unit sekaligus handle jabatan"
        for local in sorted(set(locals_) & set(handles))
    ]
    problems += _unique([e for p in document.people for e in p.emails], "email pegawai")
    problems += _unique([p.nip for p in document.people if p.nip], "NIP")
    for unit in document.units:
        if unit.parent and unit.parent not in codes:
            problems.append(f"unit {unit.code}: parent {unit.parent} bukan unit dalam dokumen ini")
    for position in document.positions:
        if position.superior and position.superior not in handles:
            superior = position.superior
            problems.append(f"jabatan {position.handle}: superior {superior} tidak dikenal")
    for person in document.people:
        for assignment in person.assignments:
            if assignment.position not in handles:
                missing = assignment.position
                problems.append(f"pegawai {person.name}: jabatan {missing} tidak dikenal")
    return problems


def _unique(values: list[str], label: str) -> list[str]:
    """One problem per value that appears more than once."""
    seen: set[str] = set()
    twice: list[str] = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return [f"{label} {value!r} muncul dua kali" for value in twice]
