"""Checks the corpus: CRLF, parsing, manifest, TNEF/PDF round trips and the field rules."""

from __future__ import annotations

import email
import html.parser
import io
import re
import sys
import tempfile
import tomllib
from email import policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

DATA_DIR = Path(__file__).resolve().parent.parent
MANIFEST = DATA_DIR / "corpus.toml"
MAX_DEPTH = 50

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8,
    "agu": 8, "agt": 8, "ags": 8, "agus": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
    "okt": 10, "november": 11, "nov": 11, "nopember": 11, "desember": 12, "des": 12,
}  # fmt: skip
PREFIX = re.compile(r"^\s*(?:re|fwd?|tr|aw|bls|balas)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
SIFAT_PREFIX = re.compile(
    r"^\s*(?:(?:sangat|amat)\s+segera|segera|kilat|sangat\s+rahasia|rahasia|terbatas|biasa|penting)"
    r"(?:\s*[-–—:,/]\s*|\s+)",
    re.IGNORECASE,
)


def check_crlf(name: str, data: bytes) -> list[str]:
    """Every line break must be CRLF: no bare LF, no bare CR."""
    problems = []
    bare_lf = data.replace(b"\r\n", b"").count(b"\n")
    bare_cr = data.replace(b"\r\n", b"").count(b"\r")
    if bare_lf or bare_cr:
        problems.append(f"{name}: {bare_lf} bare LF, {bare_cr} bare CR")
    if not data.endswith(b"\r\n"):
        problems.append(f"{name}: does not end with CRLF")
    return problems


# ------------------------------------------------------------------ a small reference reader


class _HtmlText(html.parser.HTMLParser):
    """HTML to text: block elements break lines, table cells of one row stay on one line."""

    BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "table", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag == "td":
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data.replace("\xa0", " ").replace("\n", " "))


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    return "".join(parser.out)


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (those ending in a space)."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line == "-- ":
            if buffer:
                out.append(buffer)
                buffer = ""
            out.append(line)
            continue
        unstuffed = line.removeprefix(" ")  # space-stuffing
        if unstuffed.endswith(" "):
            buffer += unstuffed[:-1] if delsp else unstuffed
        else:
            out.append(buffer + unstuffed)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def decode_part(part: Message) -> str:
    raw = part.get_payload(decode=True)
    assert isinstance(raw, bytes)
    charset = part.get_content_charset()
    for candidate in (charset, "utf-8", "cp1252"):
        if candidate is None:
            continue
        try:
            text = raw.decode(candidate)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    else:
        text = raw.decode("latin-1")
    text = text.replace("\r\n", "\n")
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    if str(part.get_param("format", "")).lower() == "flowed":
        return unflow(text, str(part.get_param("delsp", "no")).lower() == "yes")
    return text


def children_of(part: Message) -> list[Message]:
    payload = part.get_payload()
    assert isinstance(payload, list)
    return [child for child in payload if isinstance(child, Message)]


def depth_of(part: Message, level: int = 1) -> int:
    if not part.is_multipart():
        return level
    return max((depth_of(p, level + 1) for p in children_of(part)), default=level)


def header_text(msg: EmailMessage, name: str) -> str:
    """Decoded header; raw 8-bit bytes are read as UTF-8 (then cp1252)."""
    for key, value in msg.raw_items():
        if key.lower() != name.lower():
            continue
        raw = str(value).encode("ascii", "surrogateescape")
        if any(b > 127 for b in raw):
            try:
                return " ".join(raw.decode("utf-8").split())
            except UnicodeDecodeError:
                return " ".join(raw.decode("cp1252").split())
        return " ".join(str(msg[name]).split())
    return ""


class Reader:
    """Walks a message the way the gateway is meant to, collecting texts and files."""

    def __init__(self, msg: EmailMessage) -> None:
        self.bodies: list[str] = []
        self.files: list[str] = []
        self.pdf_texts: list[str] = []
        self.inner: list[Reader] = []
        self.cids: set[str] = set()
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                self.cids |= set(re.findall(r"cid:([^\"'>\s]+)", decode_part_raw(part)))
        self._walk(msg)

    def _walk(self, part: Message) -> None:
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = children_of(part)[0]
            assert isinstance(inner, EmailMessage)
            self.inner.append(Reader(inner))
            return
        if part.is_multipart():
            children = children_of(part)
            if ctype == "multipart/alternative":
                plain = [c for c in children if c.get_content_type() == "text/plain"]
                chosen = plain[0] if plain else children[-1]
                others = [
                    c for c in children if c is not chosen and c.get_content_maintype() != "text"
                ]
                for child in [chosen, *others]:
                    self._walk(child)
            else:
                for child in children:
                    self._walk(child)
            return
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            self.bodies.append(decode_part(part))
            return
        if ctype == "text/calendar":
            return
        if ctype in ("application/pkcs7-signature", "application/x-pkcs7-signature"):
            return
        cid = (part.get("Content-ID") or "").strip("<> ")
        if cid and cid in self.cids:
            return  # inline image shown by the HTML
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        if ctype == "application/ms-tnef" or (filename or "").lower() == "winmail.dat":
            from tnefparse import TNEF

            self.files.append(filename or "winmail.dat")
            tnef = TNEF(payload)
            for attachment in tnef.attachments:
                self.files.append(attachment.long_filename())
                if attachment.long_filename().lower().endswith(".pdf"):
                    self.pdf_texts.append(pdf_text(attachment.data))
            return
        self.files.append(filename or "")
        if ctype == "application/pdf" or (filename or "").lower().endswith(".pdf"):
            self.pdf_texts.append(pdf_text(payload))

    def real_attachments(self) -> list[str]:
        return [f for f in self.files if f.lower() != "winmail.dat"]


def decode_part_raw(part: Message) -> str:
    raw = part.get_payload(decode=True)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def field(texts: list[str], labels: str) -> str | None:
    pattern = re.compile(
        rf"^[ \t>]*(?:{labels})[ \t]*:[ \t]*(.+?)[ \t]*$", re.IGNORECASE | re.MULTILINE
    )
    for text in texts:
        match = pattern.search(text)
        if match:
            return " ".join(match.group(1).split())
    return None


def parse_date(value: str) -> str | None:
    value = value.strip()
    match = re.search(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", value)
    if match and match.group(2).lower() in MONTHS:
        return f"{match.group(3)}-{MONTHS[match.group(2).lower()]:02d}-{int(match.group(1)):02d}"
    match = re.search(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})", value)
    if match:
        return f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
    return None


def place_date(texts: list[str]) -> str | None:
    names = "|".join(sorted(MONTHS, key=len, reverse=True))
    day_month_year = rf"(\d{{1,2}}[ \t]+(?:{names})\.?[ \t]+\d{{4}})"
    pattern = re.compile(
        rf"^[ \t]*[A-Z][A-Za-z .]+,[ \t]*{day_month_year}[ \t]*$", re.IGNORECASE | re.MULTILINE
    )
    for text in texts:
        for match in pattern.finditer(text):
            line = match.group(0).strip()
            weekday = line.split(",")[0].strip().lower()
            if weekday in {"senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"}:
                continue
            return parse_date(match.group(1))
    return None


def sifat(value: str) -> tuple[str | None, str | None]:
    v = value.upper()
    kecepatan = None
    if re.search(r"\b(SANGAT|AMAT) SEGERA\b|\bKILAT\b", v):
        kecepatan = "SANGAT_SEGERA"
    elif re.search(r"\bSEGERA\b", v):
        kecepatan = "SEGERA"
    keamanan = None
    if "SANGAT RAHASIA" in v:
        keamanan = "SR"
    elif re.search(r"\bRAHASIA\b", v):
        keamanan = "R"
    elif re.search(r"\bTERBATAS\b", v):
        keamanan = "T"
    return kecepatan, keamanan


def lampiran_value(value: str) -> int | None:
    value = value.strip()
    if value in ("-", "–") or value.lower().startswith("nihil"):
        return 0
    match = re.match(r"(\d+)", value)
    return int(match.group(1)) if match else None


def clean_subject(subject: str) -> str:
    previous = None
    while previous != subject:
        previous = subject
        subject = PREFIX.sub("", subject)
        subject = SIFAT_PREFIX.sub("", subject)
    return " ".join(subject.split()).rstrip(" .,;:-")


def extract(msg: EmailMessage) -> dict[str, Any]:
    """Reference extraction after the rules in the brief (used only to check the manifest)."""
    reader = Reader(msg)
    source = reader
    if reader.inner and not field(reader.bodies, "perihal|hal|nomor"):
        source = reader.inner[0]
    bodies = [b for b in source.bodies if b.strip()]
    texts = bodies + source.pdf_texts
    result: dict[str, Any] = {}
    perihal = field(bodies, "perihal|hal") or field(source.pdf_texts, "perihal|hal")
    subject = header_text(msg, "subject")
    result["perihal"] = " ".join((perihal or clean_subject(subject)).split()).rstrip(" .,;:")
    nomor = field(bodies, r"nomor(?:[ \t]+surat)?|no\.?") or field(
        source.pdf_texts, r"nomor(?:[ \t]+surat)?|no\.?"
    )
    if nomor:
        result["nomor_surat"] = nomor
    tanggal_line = field(texts, r"tanggal(?:[ \t]+surat)?")
    tanggal = parse_date(tanggal_line) if tanggal_line else None
    result["tanggal_surat"] = tanggal or place_date(texts)
    sifat_line = field(texts, "sifat")
    kecepatan, keamanan = sifat(sifat_line or "")
    if sifat_line and re.fullmatch(r"\s*biasa\s*", sifat_line, re.IGNORECASE):
        kecepatan, keamanan = "BIASA", "B"
    subj_k, subj_r = sifat(subject)
    body_k, _ = sifat("\n".join(bodies))
    result["kecepatan"] = kecepatan or subj_k or body_k
    result["keamanan"] = keamanan or subj_r
    lampiran_line = field(texts, "lampiran")
    lamp = lampiran_value(lampiran_line) if lampiran_line else None
    result["lampiran"] = lamp if lamp is not None else len(reader.real_attachments())
    result["attachments"] = reader.files + [f for inner in reader.inner for f in inner.files]
    result["body"] = "\n".join(bodies)
    return result


# ------------------------------------------------------------------ checks


def check_case(entry: dict[str, Any], data: bytes) -> list[str]:
    name = entry.get("file") or entry["name"]
    problems = check_crlf(name, data)
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    for part in msg.walk():  # touch every header the way a parser would
        for key in part:
            _ = part[key]
    depth = depth_of(msg)
    if entry["expect"] == "quarantined":
        if depth <= MAX_DEPTH:
            problems.append(f"{name}: quarantine expected but depth is {depth}")
        return problems
    if depth > MAX_DEPTH:
        problems.append(f"{name}: depth {depth} > {MAX_DEPTH} but expected registered")
    from_addr = msg["from"].addresses[0].addr_spec.lower() if msg["from"] else ""
    if entry.get("sender") and from_addr != entry["sender"]:
        problems.append(f"{name}: sender {from_addr!r} != {entry['sender']!r}")
    recipients = " ".join(str(msg.get(h, "")) for h in ("to", "cc")).lower()
    if entry["to"] not in recipients:
        problems.append(f"{name}: envelope recipient {entry['to']} not in To/Cc")
    if entry.get("message_id_synthesized", False) != (msg["message-id"] is None):
        problems.append(f"{name}: message_id_synthesized does not match the headers")
    got = extract(msg)
    if "perihal" in entry and got["perihal"] != entry["perihal"]:
        problems.append(f"{name}: perihal {got['perihal']!r} != {entry['perihal']!r}")
    if "perihal_contains" in entry and entry["perihal_contains"] not in got["perihal"]:
        problems.append(f"{name}: perihal {got['perihal']!r} lacks {entry['perihal_contains']!r}")
    for key in ("nomor_surat", "tanggal_surat", "kecepatan", "keamanan", "lampiran"):
        if got.get(key) != entry.get(key) and (key in entry or key != "lampiran"):
            problems.append(f"{name}: {key} {got.get(key)!r} != manifest {entry.get(key)!r}")
    if "attachments" in entry and sorted(got["attachments"]) != sorted(entry["attachments"]):
        problems.append(f"{name}: attachments {got['attachments']} != {entry['attachments']}")
    if "min_attachments" in entry and len(got["attachments"]) < entry["min_attachments"]:
        problems.append(
            f"{name}: {len(got['attachments'])} attachments < {entry['min_attachments']}"
        )
    for snippet in entry.get("body_contains", []):
        if snippet not in got["body"]:
            problems.append(f"{name}: body lacks {snippet!r}")
    return problems


def check_tnef_case() -> list[str]:
    """winmail.dat must carry surat_undangan.pdf whose text has the letter fields."""
    from tnefparse import TNEF

    msg = email.message_from_bytes(
        (DATA_DIR / "outlook_winmail_dat.eml").read_bytes(), policy=policy.default
    )
    for part in msg.walk():
        if part.get_content_type() == "application/ms-tnef":
            tnef = TNEF(part.get_payload(decode=True), do_checksum=True)
            names = [a.long_filename() for a in tnef.attachments]
            if names != ["surat_undangan.pdf"] or tnef.attachments[0].name != "surat_undangan.pdf":
                return [f"outlook_winmail_dat.eml: TNEF names {names}"]
            if any(not obj.good_checksum for obj in tnef.objects):
                return ["outlook_winmail_dat.eml: TNEF checksum mismatch"]
            text = pdf_text(tnef.attachments[0].data)
            if "Perihal : Undangan Rapat Koordinasi Penanganan Stunting" not in text:
                return [f"outlook_winmail_dat.eml: PDF text {text[:80]!r}"]
            return []
    return ["outlook_winmail_dat.eml: no application/ms-tnef part"]


def check_pdf_case() -> list[str]:
    """The PDF's extracted text must contain the five letter lines, each on its own line."""
    msg = email.message_from_bytes(
        (DATA_DIR / "pdf_letter_nomor_perihal.eml").read_bytes(), policy=policy.default
    )
    assert isinstance(msg, EmailMessage)
    for part in msg.iter_attachments():
        if part.get_content_type() == "application/pdf":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            lines = pdf_text(payload).splitlines()
            wanted = [
                "Nomor : 400.7/123/2026",
                "Sifat : Segera",
                "Lampiran : 1 (satu) berkas",
                "Perihal : Undangan Rapat Koordinasi Penanganan Stunting Tingkat Kabupaten",
                "Purwokerto, 12 Januari 2026",
            ]
            missing = [w for w in wanted if w not in lines]
            return [f"pdf_letter_nomor_perihal.eml: PDF lines missing {missing}"] if missing else []
    return ["pdf_letter_nomor_perihal.eml: no PDF"]


def main() -> None:
    """Run every check; exit 1 listing the problems if any."""
    manifest = tomllib.loads(MANIFEST.read_text("utf-8"))
    problems: list[str] = []
    listed = set()
    for entry in manifest["case"]:
        if "generated" in entry:
            module_name, func_name = entry["generated"].split(".")
            module = __import__(module_name)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{entry['name']}.eml"
                getattr(module, func_name)(path)
                data = path.read_bytes()
            size_ok = len(data) > 20 * 1024 * 1024
            if not size_ok:
                problems.append(f"{entry['name']}: only {len(data)} bytes")
        else:
            listed.add(entry["file"])
            path = DATA_DIR / entry["file"]
            if not path.exists():
                problems.append(f"{entry['file']}: listed but missing")
                continue
            data = path.read_bytes()
        problems += check_case(entry, data)
    on_disk = {p.name for p in DATA_DIR.glob("*.eml")}
    problems += [f"{n}: on disk but not in corpus.toml" for n in sorted(on_disk - listed)]
    problems += check_tnef_case() + check_pdf_case()
    for problem in problems:
        print("PROBLEM", problem)
    print(f"{len(manifest['case'])} cases checked, {len(problems)} problems")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
