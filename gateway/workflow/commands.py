"""The reply command language: parse the new part of a reply into commands (pure).

Keywords are case-insensitive, Indonesian first with English aliases, and may carry a
leading "#" and a trailing ":". Lines that are not commands are ignored when there are
commands, and form a comment when there are none. Nothing here raises on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.core.batas import read_batas

KEYWORDS = {
    "disposisi": "DISPOSISI",
    "teruskan": "DISPOSISI",
    "forward": "DISPOSISI",
    "selesai": "SELESAI",
    "done": "SELESAI",
    "tanggapan": "TANGGAPAN",
    "reply": "TANGGAPAN",
    "terima": "TERIMA",
    "ack": "TERIMA",
    "tolak": "TOLAK",
    "reject": "TOLAK",
    "batal": "BATAL",
    "cancel": "BATAL",
    "status": "STATUS",
    "bantuan": "BANTUAN",
    "help": "BANTUAN",
    "konfirmasi": "KONFIRMASI",
    "confirm": "KONFIRMASI",
}
SUB_KEYWORDS = {
    "instruksi": "instruksi",
    "instruction": "instruksi",
    "instructions": "instruksi",
    "batas": "batas",
    "due": "batas",
    "deadline": "batas",
    "tenggat": "batas",
    "catatan": "catatan",
    "note": "catatan",
}
# TANGGAPAN's text may continue on the following lines, up to a blank line or a command;
# every other command takes the rest of its own line only.
TEXT_COMMANDS = ("TANGGAPAN",)
EXAMPLES = {
    "DISPOSISI": "DISPOSISI kabag.umum, kasubbag.tu\nINSTRUKSI: siapkan jawaban\n"
    "BATAS: 12-01-2027 (atau: 3 hari kerja)\nCATATAN: mohon dibahas",
    "SELESAI": "SELESAI laporan sudah dikirim",
    "TANGGAPAN": "TANGGAPAN usul kami hadir pada rapat tersebut",
    "TERIMA": "TERIMA",
    "TOLAK": "TOLAK bukan tugas bidang kami",
    "BATAL": "BATAL (atau: BATAL kabag.umum)",
    "STATUS": "STATUS",
    "BANTUAN": "BANTUAN",
    "KONFIRMASI": "KONFIRMASI (sebagai balasan atas email permintaan konfirmasi)",
    "instruksi": "INSTRUKSI: siapkan jawaban, koordinasikan",
    "batas": "BATAS: 12-01-2027, 12 Januari 2027, 3 hari, atau 3 hari kerja",
    "catatan": "CATATAN: mohon dibahas besok pagi",
}
_LINE = re.compile(r"^\s*#?(?P<word>[A-Za-z]+)\s*(?P<colon>:)?\s*(?P<rest>.*?)\s*$")
_SPLIT_TARGETS = re.compile(r"\s*(?:,|;|\s&\s|\sdan\s|\sand\s)\s*", re.IGNORECASE)
_TARGET_PREFIX = re.compile(r"^(ke|kepada|to)\s+", re.IGNORECASE)


@dataclass
class Command:
    """One command as written (values are validated by the executor, not here)."""

    name: str
    line: str
    text: str = ""
    targets: list[str] = field(default_factory=list)
    instruksi: list[str] = field(default_factory=list)
    batas: str = ""
    catatan: str = ""
    # A BATAS line was given but could not be read: the DISPOSISI is not carried out.
    batas_unreadable: bool = False


@dataclass(frozen=True)
class Problem:
    """A line that looked like a command but could not be read, and the correct form."""

    line: str
    reason: str
    example: str


@dataclass
class ParsedReply:
    """Commands in order, problems, ignored lines, or the comment when there is no command."""

    new_text: str
    commands: list[Command] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def comment(self) -> str:
        """The whole new text is a comment when it holds no command at all."""
        return "" if self.commands or self.problems else self.new_text


def parse_reply(new_text: str) -> ParsedReply:
    """Read commands from the author's new text (see quotes.new_text)."""
    result = ParsedReply(new_text=new_text)
    current: Command | None = None
    continuing = False  # still inside a TANGGAPAN's text
    for raw in new_text.split("\n"):
        line = raw.strip()
        if not line:
            continuing = False
            continue
        match = _LINE.match(line)
        word = match.group("word").lower() if match else ""
        if match and word in KEYWORDS and _looks_like_command(match):
            current = _start(KEYWORDS[word], match.group("rest"), line, result)
            continuing = current.name in TEXT_COMMANDS
        elif match and word in SUB_KEYWORDS and match.group("colon"):
            _sub_line(SUB_KEYWORDS[word], match.group("rest"), line, current, result)
            continuing = False
        elif continuing and current is not None:
            current.text = f"{current.text}\n{line}".strip()
        else:
            result.ignored.append(line)
    _finish(result)
    return result


def _looks_like_command(match: re.Match[str]) -> bool:
    """`Selesai.` or `Terima kasih` are prose, not commands."""
    rest, word = match.group("rest"), match.group("word").lower()
    if word == "terima" and rest.lower().startswith("kasih"):
        return False
    return not rest.startswith((".", "!", "?"))


def _start(name: str, rest: str, line: str, result: ParsedReply) -> Command:
    command = Command(name=name, line=line)
    if name in ("DISPOSISI", "BATAL"):
        command.targets = split_targets(rest)
    else:
        command.text = rest
    result.commands.append(command)
    return command


def split_targets(text: str) -> list[str]:
    """ "ke Kabag Umum, kasubbag.tu dan Nur Hidayah" -> three targets."""
    text = _TARGET_PREFIX.sub("", text.strip())
    return [
        _TARGET_PREFIX.sub("", t).strip(" .") for t in _SPLIT_TARGETS.split(text) if t.strip(" .")
    ]


def _sub_line(key: str, rest: str, line: str, current: Command | None, result: ParsedReply) -> None:
    if current is None or current.name != "DISPOSISI":
        reason = f"{key.upper()} hanya berlaku di bawah baris DISPOSISI"
        result.problems.append(Problem(line, reason, EXAMPLES["DISPOSISI"]))
        return
    if not rest:
        return  # An empty line left over from the mailto template: not given.
    if key == "instruksi":
        current.instruksi = [item for item in (i.strip() for i in rest.split(",")) if item]
    elif key == "batas" and read_batas(rest) is None:
        current.batas_unreadable = True
        reason = f"BATAS '{rest}' tidak dipahami; DISPOSISI di atasnya tidak dilaksanakan"
        result.problems.append(Problem(line, reason, EXAMPLES["batas"]))
    elif key == "batas":
        current.batas = rest
    else:
        current.catatan = rest


def _finish(result: ParsedReply) -> None:
    """Commands missing what they need become problems with the correct form."""
    kept = []
    for command in result.commands:
        if command.name == "DISPOSISI" and not command.targets:
            reason = "DISPOSISI tanpa tujuan: sebutkan jabatan, nama jabatan atau nama pejabat"
            result.problems.append(Problem(command.line, reason, EXAMPLES["DISPOSISI"]))
        elif command.name == "TOLAK" and not command.text:
            reason = "TOLAK memerlukan alasan"
            result.problems.append(Problem(command.line, reason, EXAMPLES["TOLAK"]))
        elif command.name == "TANGGAPAN" and not command.text:
            reason = "TANGGAPAN tanpa isi tanggapan"
            result.problems.append(Problem(command.line, reason, EXAMPLES["TANGGAPAN"]))
        else:
            kept.append(command)
    result.commands = kept
