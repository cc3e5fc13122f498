"""Letter metadata from a parsed message: perihal, nomor, tanggal, sifat, lampiran (pure).

Every extracted field records where it came from (subject, body line, PDF line), so an
operator can see why the register says what it says and correct it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gateway.parsing.message import ParsedMessage

MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "nopember": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
}
_NUMBER_WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "sebelas": 11,
    "se": 1,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|tr|trs|aw|wg|sv|vs|antw|bls|balas|jawab)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_SIFAT_WORDS = r"sangat\s+segera|amat\s+segera|kilat|segera|sangat\s+rahasia|rahasia|terbatas"
_SUBJECT_SIFAT_PREFIX = re.compile(
    rf"^\s*\[?\s*(?:{_SIFAT_WORDS}|penting|biasa)\s*\]?\s*(?:[-–—:/,|&]+\s*|\s+(?=\w))",
    re.IGNORECASE,
)
_FIELD_LINE = r"^[ \t>*]*{label}[ \t]*[:：][ \t]*(?P<value>.+?)[ \t]*$"
_PERIHAL = re.compile(_FIELD_LINE.format(label=r"(?:perihal|hal)"), re.IGNORECASE | re.MULTILINE)
_NOMOR = re.compile(
    _FIELD_LINE.format(label=r"(?:nomor(?:[ \t]+surat)?|no\.?)"), re.IGNORECASE | re.MULTILINE
)
_TANGGAL = re.compile(
    _FIELD_LINE.format(label=r"(?:tanggal(?:[ \t]+surat)?|tgl\.?(?:[ \t]+surat)?)"),
    re.IGNORECASE | re.MULTILINE,
)
_SIFAT = re.compile(
    _FIELD_LINE.format(label=r"sifat(?:[ \t]+surat)?"), re.IGNORECASE | re.MULTILINE
)
_LAMPIRAN = re.compile(_FIELD_LINE.format(label=r"lampiran"), re.IGNORECASE | re.MULTILINE)
_PLACE_DATE = re.compile(
    rf"^[ \t]*[A-Z][A-Za-z .'-]{{2,40}},[ \t]*(?P<day>\d{{1,2}})[ \t]+(?P<month>{_MONTH_RE})\.?"
    rf"[ \t]+(?P<year>\d{{4}})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_DATE_WORDS = re.compile(
    rf"\b(?P<day>\d{{1,2}})[ \t]+(?P<month>{_MONTH_RE})\.?[ \t]+(?P<year>\d{{4}})\b", re.IGNORECASE
)
_DATE_NUMERIC = re.compile(r"\b(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})\b")
_DATE_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_SUBJECT_NOMOR = re.compile(r"\bnomor\s*[:.]?\s*(?P<value>[\w.-]+(?:/[\w.-]+)+)", re.IGNORECASE)
_KKA = re.compile(r"^(?P<code>\d{3}(?:\.\d{1,3}){0,4})\s*/")
_COLUMN_GAP = re.compile(r"\s{3,}|\t")
_BODY_KECEPATAN = re.compile(r"\b(SANGAT SEGERA|AMAT SEGERA|KILAT|SEGERA)\b")

JENIS_KEYWORDS = (
    ("undangan", "surat_undangan"),
    ("nota dinas", "nota_dinas"),
    ("surat edaran", "surat_edaran"),
    ("surat tugas", "surat_tugas"),
    ("surat perintah", "surat_perintah"),
    ("pengumuman", "pengumuman"),
    ("laporan", "laporan"),
    ("rekomendasi", "rekomendasi"),
    ("berita acara", "berita_acara"),
    ("surat keterangan", "surat_keterangan"),
    ("surat kuasa", "surat_kuasa"),
    ("telaahan staf", "telaahan_staf"),
)


@dataclass(frozen=True)
class TextSource:
    """A text to search for fields, with the label recorded as the field's origin."""

    label: str  # body | forwarded | pdf:<filename>
    text: str


@dataclass
class Metadata:
    """Extracted letter fields plus, for each, where it was found."""

    perihal: str = ""
    nomor_surat: str | None = None
    tanggal_surat: dt.date | None = None
    kecepatan: str = "BIASA"
    keamanan: str = "B"
    lampiran_count: int = 0
    jenis: str | None = None
    klasifikasi: str | None = None
    isi_ringkas: str = ""
    sender_agency: str = ""
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)


def extract_metadata(parsed: ParsedMessage, pdf_texts: list[tuple[str, str]]) -> Metadata:
    """Read the letter fields from body, forwarded letters, PDF text and subject."""
    texts = list(_text_sources(parsed, pdf_texts))
    meta = Metadata()
    _perihal(meta, parsed, texts)
    _nomor(meta, parsed, texts)
    _tanggal(meta, texts)
    _sifat(meta, parsed, texts)
    _lampiran(meta, parsed, texts)
    _jenis(meta)
    _klasifikasi(meta)
    meta.isi_ringkas = summary(parsed.text or (texts[0].text if texts else ""))
    meta.sender_agency = _agency(parsed)
    return meta


def _text_sources(parsed: ParsedMessage, pdf_texts: list[tuple[str, str]]) -> Iterator[TextSource]:
    """Body first, then each forwarded letter's body, then PDF attachments' text."""
    if parsed.text:
        yield TextSource("body", parsed.text)
    for inner in parsed.forwarded:
        if inner.text:
            yield TextSource("forwarded", inner.text)
    for filename, text in pdf_texts:
        if text.strip():
            yield TextSource(f"pdf:{filename}", text)


def _search(
    pattern: re.Pattern[str], texts: list[TextSource]
) -> tuple[str, TextSource, int] | None:
    """First match of a field line over the sources: (value, source, line number)."""
    for source in texts:
        match = pattern.search(source.text)
        if match:
            value = _COLUMN_GAP.split(match.group("value").strip())[0].strip()
            if value:
                line = source.text.count("\n", 0, match.start()) + 1
                return value, source, line
    return None


def _record(meta: Metadata, name: str, source: str, line: int | None, text: str) -> None:
    entry: dict[str, Any] = {"source": source, "text": text[:300]}
    if line is not None:
        entry["line"] = line
    meta.sources[name] = entry


def clean_subject(subject: str) -> str:
    """Subject without Re:/Fwd:/FW:/TR: prefixes and leading sifat stamps."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", subject)
        subject = _SUBJECT_SIFAT_PREFIX.sub("", subject)
    return _tidy(subject)


def _tidy(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    return value.rstrip(" .,;:-–—").strip()


def _perihal(meta: Metadata, parsed: ParsedMessage, texts: list[TextSource]) -> None:
    found = _search(_PERIHAL, texts)
    if found:
        value, source, line = found
        meta.perihal = _tidy(value)
        _record(meta, "perihal", source.label, line, value)
        return
    subject = parsed.subject
    label = "subject"
    if parsed.forwarded and parsed.forwarded[0].subject and _PREFIX.match(subject or "fwd:"):
        subject, label = parsed.forwarded[0].subject, "forwarded:subject"
    meta.perihal = clean_subject(subject)
    _record(meta, "perihal", label, None, subject)


def _nomor(meta: Metadata, parsed: ParsedMessage, texts: list[TextSource]) -> None:
    found = _search(_NOMOR, texts)
    if found:
        value, source, line = found
        meta.nomor_surat = _tidy(value)
        _record(meta, "nomor_surat", source.label, line, value)
        return
    match = _SUBJECT_NOMOR.search(parsed.subject)
    if match:
        meta.nomor_surat = match.group("value")
        _record(meta, "nomor_surat", "subject", None, parsed.subject)


def parse_indonesian_date(text: str) -> dt.date | None:
    """12 Januari 2026, 12 Jan. 2026, 12-01-2026, 12/01/2026 or 2026-01-12."""
    for pattern in (_DATE_WORDS, _DATE_NUMERIC, _DATE_ISO):
        match = pattern.search(text)
        if not match:
            continue
        month_text = match.group("month").lower()
        month = MONTHS.get(month_text) if not month_text.isdigit() else int(month_text)
        try:
            return dt.date(int(match.group("year")), month or 0, int(match.group("day")))
        except ValueError:
            continue
    return None


def _tanggal(meta: Metadata, texts: list[TextSource]) -> None:
    found = _search(_TANGGAL, texts)
    if found:
        value, source, line = found
        date = parse_indonesian_date(value)
        if date:
            meta.tanggal_surat = date
            _record(meta, "tanggal_surat", source.label, line, value)
            return
    for source in texts:
        match = _PLACE_DATE.search(source.text)
        if match:
            date = parse_indonesian_date(match.group(0))
            if date:
                meta.tanggal_surat = date
                line = source.text.count("\n", 0, match.start()) + 1
                _record(meta, "tanggal_surat", source.label, line, match.group(0).strip())
                return


def sifat_from_words(text: str) -> tuple[str | None, str | None]:
    """(kecepatan, keamanan) named in a text, most specific word first."""
    lowered = re.sub(r"\s+", " ", text.lower())
    kecepatan = None
    if re.search(r"\b(sangat segera|amat segera|kilat)\b", lowered):
        kecepatan = "SANGAT_SEGERA"
    elif re.search(r"\bsegera\b", lowered):
        kecepatan = "SEGERA"
    keamanan = None
    if re.search(r"\bsangat rahasia\b", lowered):
        keamanan = "SR"
    elif re.search(r"\brahasia\b", lowered):
        keamanan = "R"
    elif re.search(r"\bterbatas\b", lowered):
        keamanan = "T"
    return kecepatan, keamanan


def _sifat(meta: Metadata, parsed: ParsedMessage, texts: list[TextSource]) -> None:
    """Sifat line first; then the subject; then an upper-case urgency stamp in the body."""
    found = _search(_SIFAT, texts)
    if found:
        value, source, line = found
        kecepatan, keamanan = sifat_from_words(value)
        if re.search(r"\bbiasa\b", value, re.IGNORECASE):
            kecepatan, keamanan = kecepatan or "BIASA", keamanan or "B"
        if kecepatan:
            meta.kecepatan = kecepatan
            _record(meta, "kecepatan", source.label, line, value)
        if keamanan:
            meta.keamanan = keamanan
            _record(meta, "keamanan", source.label, line, value)
    subject = parsed.forwarded[0].subject if parsed.forwarded else ""
    for text, label in ((parsed.subject, "subject"), (subject, "forwarded:subject")):
        kecepatan, keamanan = sifat_from_words(text)
        if kecepatan and "kecepatan" not in meta.sources:
            meta.kecepatan = kecepatan
            _record(meta, "kecepatan", label, None, text)
        if keamanan and "keamanan" not in meta.sources:
            meta.keamanan = keamanan
            _record(meta, "keamanan", label, None, text)
    if "kecepatan" not in meta.sources:
        # In running text "segera" is an ordinary word; only an upper-case stamp counts.
        for source in texts:
            match = _BODY_KECEPATAN.search(source.text)
            if match:
                meta.kecepatan = sifat_from_words(match.group(1))[0] or "BIASA"
                line = source.text.count("\n", 0, match.start()) + 1
                _record(meta, "kecepatan", source.label, line, match.group(1))
                break


def parse_lampiran(value: str) -> int | None:
    """'1 (satu) berkas' -> 1, 'dua berkas' -> 2, '-' / 'nihil' -> 0; None if unreadable."""
    value = value.strip().lower()
    if value in ("-", "--", "—", "nihil", "tidak ada", "0", "") or value.startswith("tidak ada"):
        return 0
    match = re.match(r"(\d+)", value)
    if match:
        return int(match.group(1))
    word = re.match(r"([a-z]+)", value)
    if word and word.group(1) in _NUMBER_WORDS:
        return _NUMBER_WORDS[word.group(1)]
    return None


def _lampiran(meta: Metadata, parsed: ParsedMessage, texts: list[TextSource]) -> None:
    found = _search(_LAMPIRAN, texts)
    if found:
        value, source, line = found
        count = parse_lampiran(value)
        if count is not None:
            meta.lampiran_count = count
            _record(meta, "lampiran_count", source.label, line, value)
            return
    meta.lampiran_count = len(parsed.files)
    _record(meta, "lampiran_count", "attachments", None, f"{len(parsed.files)} berkas")


def _jenis(meta: Metadata) -> None:
    lowered = meta.perihal.lower()
    for keyword, jenis in JENIS_KEYWORDS:
        if keyword in lowered:
            meta.jenis = jenis
            _record(meta, "jenis", "perihal", None, keyword)
            return


def _klasifikasi(meta: Metadata) -> None:
    """Under Permendagri 83/2022 a nomor starts with its kode klasifikasi (400.7/…)."""
    if meta.nomor_surat:
        match = _KKA.match(meta.nomor_surat)
        if match:
            meta.klasifikasi = match.group("code")
            _record(meta, "klasifikasi", "nomor_surat", None, meta.nomor_surat)


def summary(text: str, limit: int = 300) -> str:
    """The first sentences of the body, without greeting lines and field lines."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">") or re.match(r"^[\w ]{2,20}\s*:", stripped):
            continue
        lines.append(stripped)
        if sum(len(item) for item in lines) > limit:
            break
    joined = re.sub(r"\s+", " ", " ".join(lines)).strip()
    return joined[:limit].rstrip() + ("…" if len(joined) > limit else "")


def _agency(parsed: ParsedMessage) -> str:
    organisation = parsed.headers.get("organization", "")
    if organisation:
        return organisation
    if parsed.sender is None:
        return ""
    return parsed.sender.name or parsed.sender.address.rpartition("@")[2]
