"""Reading a KKA table file (CSV or YAML): every row validated, every error with its line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import yaml

COLUMNS = (
    "kode",
    "nama",
    "retensi_aktif",
    "retensi_inaktif",
    "nasib_akhir",
    "keterangan",
    "sumber",
)
REQUIRED = ("kode", "nama")
NASIB_AKHIR = ("musnah", "permanen", "dinilai_kembali")
# 000, 000.1, 000.1.10.2 ... (Permendagri 83/2022: numeric, dot-separated).
KKA_CODE = re.compile(r"[0-9]{3}(\.[0-9]{1,3}){0,5}")
MAX_YEARS = 100


@dataclass(frozen=True)
class KkaEntry:
    """One code of the table as a file gives it."""

    kode: str
    nama: str
    retensi_aktif: int | None = None
    retensi_inaktif: int | None = None
    nasib_akhir: str | None = None
    keterangan: str | None = None
    sumber: str | None = None
    line: int = 0

    @property
    def parent(self) -> str | None:
        return self.kode.rsplit(".", 1)[0] if "." in self.kode else None

    @property
    def has_retention(self) -> bool:
        return self.retensi_aktif is not None


@dataclass(frozen=True)
class Problem:
    """What is wrong: a catalogue key (`kka.error.*`) and its fields."""

    key: str
    fields: dict[str, Any]


def problem(key: str, **fields: Any) -> Problem:
    return Problem(key, fields)


@dataclass(frozen=True)
class FileError:
    """A problem on one line of the file."""

    line: int
    problem: Problem


class KkaFileError(ValueError):
    """The file as a whole cannot be read (not CSV/YAML, wrong shape)."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.key)
        self.problem = found


def parse_kka_file(name: str, data: bytes) -> tuple[list[KkaEntry], list[FileError]]:
    """Entries and every error found (all at once, with line numbers); CSV by extension
    .csv, else YAML."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise KkaFileError(problem("kka.error.not_utf8", offset=err.start + 1)) from None
    rows = _csv_rows(text) if name.lower().endswith((".csv", ".txt")) else _yaml_rows(text)
    entries: list[KkaEntry] = []
    errors: list[FileError] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        entry, problems = _entry(line, row)
        errors.extend(FileError(line, p) for p in problems)
        if entry is None:
            continue
        if entry.kode in seen:
            errors.append(
                FileError(
                    line, problem("kka.error.duplicate", code=entry.kode, first=seen[entry.kode])
                )
            )
            continue
        seen[entry.kode] = line
        entries.append(entry)
    if not rows:
        errors.append(FileError(1, problem("kka.error.empty")))
    return entries, errors


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Rows keyed by the header (comma, semicolon or tab, as spreadsheets save them)."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        return []
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        raise KkaFileError(
            problem(
                "kka.error.header",
                unknown=", ".join(unknown) or "-",
                missing=", ".join(missing) or "-",
                columns=", ".join(COLUMNS),
            )
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row: dict[str, Any] = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            row["__extra__"] = len(cells) - len(header)
        rows.append((reader.line_num, row))
    return rows


def _yaml_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """A list of mappings, or a mapping with the list under `kka`; each with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise KkaFileError(problem("kka.error.yaml", error=err)) from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        found = [value for key, value in root.value if getattr(key, "value", None) == "kka"]
        if not found:
            raise KkaFileError(problem("kka.error.yaml_key"))
        root = found[0]
    if not isinstance(root, yaml.SequenceNode):
        raise KkaFileError(problem("kka.error.yaml_list"))
    loader = yaml.SafeLoader("")
    rows: list[tuple[int, dict[str, Any]]] = []
    for node in root.value:
        line = node.start_mark.line + 1
        try:
            value = loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as err:
            # `kode: !!int abc`, a `!!python/...` tag, an unhashable key: this item only.
            loader.constructed_objects, loader.recursive_objects = {}, {}
            rows.append((line, {"__error__": _first_line(err)}))
            continue
        if not isinstance(value, dict):
            rows.append((line, {"__shape__": True}))
            continue
        row: dict[str, Any] = {str(k): v for k, v in value.items()}
        twice = _repeated_keys(node)
        if twice:
            row["__repeated__"] = twice
        rows.append((line, row))
    return rows


def _repeated_keys(node: yaml.Node) -> list[str]:
    """Keys written twice in one item (YAML would silently keep the last one)."""
    if not isinstance(node, yaml.MappingNode):
        return []
    seen: set[str] = set()
    twice: list[str] = []
    for key, _ in node.value:
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
        if name and name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    return twice


def _first_line(err: Exception) -> str:
    """The error without PyYAML's position lines (the line is reported separately)."""
    if isinstance(err, yaml.MarkedYAMLError):
        return " ".join(x for x in (err.context, err.problem) if x) or type(err).__name__
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _entry(line: int, row: dict[str, Any]) -> tuple[KkaEntry | None, list[Problem]]:
    if row.get("__shape__"):
        return None, [problem("kka.error.shape")]
    if row.get("__error__"):
        return None, [problem("kka.error.yaml", error=row["__error__"])]
    problems = []
    if row.get("__repeated__"):
        problems.append(problem("kka.error.repeated_key", keys=", ".join(row["__repeated__"])))
    if row.get("__extra__"):
        problems.append(problem("kka.error.extra_cells"))
    unknown = sorted(k for k in row if k not in COLUMNS and not k.startswith("__"))
    if unknown:
        problems.append(problem("kka.error.unknown_keys", keys=", ".join(unknown)))
    kode = _text(row.get("kode"))
    nama = _text(row.get("nama"))
    if isinstance(row.get("kode"), int | float) and not isinstance(row.get("kode"), bool):
        # YAML reads 400.10 as the number 400.1: the code must be quoted to survive.
        problems.append(problem("kka.error.code_quote", code=kode))
    elif not kode:
        problems.append(problem("kka.error.code_empty"))
    elif not KKA_CODE.fullmatch(kode):
        problems.append(problem("kka.error.code_form", code=kode))
    if not nama:
        problems.append(problem("kka.error.name_empty"))
    elif len(nama) > 255:
        problems.append(problem("kka.error.name_long"))
    aktif = _years(row.get("retensi_aktif"), "retensi_aktif", problems)
    inaktif = _years(row.get("retensi_inaktif"), "retensi_inaktif", problems)
    nasib = _text(row.get("nasib_akhir")).lower().replace(" ", "_").replace("-", "_") or None
    if nasib is not None and nasib not in NASIB_AKHIR:
        problems.append(problem("kka.error.nasib", value=nasib, allowed=", ".join(NASIB_AKHIR)))
    given = [v is not None for v in (aktif, inaktif, nasib)]
    if any(given) and not all(given) and not problems:
        problems.append(problem("kka.error.retention_together"))
    if problems:
        return None, problems
    return (
        KkaEntry(
            kode=kode,
            nama=nama,
            retensi_aktif=aktif,
            retensi_inaktif=inaktif,
            nasib_akhir=nasib,
            keterangan=_text(row.get("keterangan")) or None,
            sumber=_text(row.get("sumber")) or None,
            line=line,
        ),
        [],
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _years(value: Any, name: str, problems: list[Problem]) -> int | None:
    text = _text(value)
    if not text:
        return None
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > MAX_YEARS:
        problems.append(problem("kka.error.years", column=name, value=text, most=MAX_YEARS))
        return None
    return int(text)
