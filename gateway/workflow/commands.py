"""The reply command language: parse the new part of a reply into commands (pure).

Keywords are case-insensitive, Indonesian first with English aliases, and may carry a
leading "#" and a trailing ":". Lines that are not commands are ignored when there are
commands, and form a comment when there are none. Nothing here raises on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.core.batas import read_batas


@dataclass(frozen=True)
class CommandSpec:
    """One reply command: everything the parser, the executor, BANTUAN and the notices'
    mailto links know about it. Add a command here and a handler in execute.py."""

    name: str
    aliases: tuple[str, ...]
    # targets: a list of positions or people; text: the rest of the line; block: the rest
    # of the line and the following lines up to a blank line or a command; none.
    arguments: str
    example: str
    help: str  # its part of BANTUAN, verbatim
    # A command that needs its argument: the problem reported when it is missing.
    missing: str = ""
    # (label, body) of the mailto link in notices, and its place among them.
    mailto: tuple[str, str] | None = None
    mailto_rank: int = 0


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "DISPOSISI",
        ("teruskan", "forward"),
        "targets",
        "DISPOSISI kabag.umum, kasubbag.tu\nINSTRUKSI: siapkan jawaban\n"
        "BATAS: 12-01-2027 (atau: 3 hari kerja)\nCATATAN: mohon dibahas",
        """\
DISPOSISI <tujuan>            (juga: TERUSKAN, FORWARD)
  Tujuan: kode jabatan (kabag.umum), nama jabatan (Kepala Bagian Umum) atau nama
  pejabat; beberapa tujuan dipisah koma. Hanya ke jabatan di bawah jabatan Anda.
  Baris berikutnya boleh berisi:
    INSTRUKSI: siapkan jawaban, koordinasikan
    BATAS: 12-01-2027   (atau: 12 Januari 2027, 3 hari, 3 hari kerja, besok)
    CATATAN: mohon dibahas besok pagi
  Contoh:
    DISPOSISI kabag.umum, kasubbag.tu
    INSTRUKSI: siapkan jawaban
    BATAS: 3 hari kerja

""",
        missing="DISPOSISI tanpa tujuan: sebutkan jabatan, nama jabatan atau nama pejabat",
        mailto=("Teruskan ke …", "DISPOSISI \nINSTRUKSI: \nBATAS: \nCATATAN: "),
        mailto_rank=4,
    ),
    CommandSpec(
        "SELESAI",
        ("done",),
        "text",
        "SELESAI laporan sudah dikirim",
        """\
SELESAI [catatan]             (juga: DONE)
  Menutup disposisi Anda; lampiran balasan menjadi berkas tindak lanjut.
  Contoh: SELESAI laporan terlampir

""",
        mailto=("Selesai", "SELESAI "),
        mailto_rank=2,
    ),
    CommandSpec(
        "TANGGAPAN",
        ("reply",),
        "block",
        "TANGGAPAN usul kami hadir pada rapat tersebut",
        """\
TANGGAPAN <teks>              (juga: REPLY)
  Mengirim tanggapan kepada pemberi disposisi.
  Contoh: TANGGAPAN usul kami hadir pada rapat tersebut

""",
        missing="TANGGAPAN tanpa isi tanggapan",
        mailto=("Tanggapan", "TANGGAPAN "),
        mailto_rank=3,
    ),
    CommandSpec(
        "TERIMA",
        ("ack",),
        "text",
        "TERIMA",
        "TERIMA                        (juga: ACK)   tanda sudah dibaca\n",
        mailto=("Terima", "TERIMA"),
        mailto_rank=1,
    ),
    CommandSpec(
        "TOLAK",
        ("reject",),
        "text",
        "TOLAK bukan tugas bidang kami",
        "TOLAK <alasan>                (juga: REJECT) mengembalikan disposisi yang salah alamat\n",
        missing="TOLAK memerlukan alasan",
    ),
    CommandSpec(
        "SETUJU",
        ("approve", "paraf"),
        "text",
        "SETUJU (atau: SETUJU dengan catatan singkat)",
        """\
SETUJU [catatan]              (juga: APPROVE, PARAF) menyetujui konsep surat keluar yang
  dimintakan paraf kepada Anda; dari penandatangan: menandatangani, lalu surat diberi
  nomor dan dikirim. Hanya sebagai balasan atas email permintaan paraf/tanda tangan.

""",
    ),
    CommandSpec(
        "REVISI",
        ("revise", "revision"),
        "block",
        "REVISI mohon dasar hukum pada paragraf 2 diperbarui",
        """\
REVISI <catatan>              (juga: REVISE) mengembalikan konsep kepada penyusunnya
  dengan catatan perbaikan.

""",
        missing="REVISI memerlukan catatan: apa yang perlu diperbaiki",
    ),
    CommandSpec(
        "TAUTAN",
        ("link",),
        "text",
        "TAUTAN (sebagai balasan atas email permintaan tanda tangan)",
        """\
TAUTAN                        (juga: LINK) meminta tautan penandatanganan baru (TTE BSrE)
  bila tautan lama hilang atau kedaluwarsa; hanya sebagai balasan atas email permintaan
  tanda tangan.

""",
    ),
    CommandSpec(
        "KIRIM",
        ("send", "submit"),
        "text",
        "KIRIM (dengan berkas konsep versi baru terlampir)",
        """\
KIRIM                         (juga: SEND) mengirim versi baru konsep (lampirkan berkasnya)
  sebagai balasan atas permintaan revisi; atau meneruskan nota dinas/konsep yang kami
  minta Anda konfirmasi.

""",
    ),
    CommandSpec(
        "BATAL",
        ("cancel",),
        "targets",
        "BATAL (atau: BATAL kabag.umum)",
        "BATAL [tujuan]                (juga: CANCEL) membatalkan disposisi Anda yang belum"
        " dibaca\n",
    ),
    CommandSpec(
        "STATUS",
        (),
        "text",
        "STATUS",
        "STATUS                        keadaan surat dan riwayatnya\n",
        mailto=("Status", "STATUS"),
        mailto_rank=5,
    ),
    CommandSpec(
        "BANTUAN",
        ("help",),
        "text",
        "BANTUAN",
        "BANTUAN                       (juga: HELP)  daftar ini\n",
        mailto=("Bantuan", "BANTUAN"),
        mailto_rank=6,
    ),
    CommandSpec(
        "KONFIRMASI",
        ("confirm",),
        "text",
        "KONFIRMASI (sebagai balasan atas email permintaan konfirmasi)",
        """\
KONFIRMASI                    (juga: CONFIRM) menjalankan perintah yang menunggu
  konfirmasi; hanya sebagai balasan atas email "Konfirmasi perintah" dari kami.
""",
    ),
)
SPECS = {spec.name: spec for spec in COMMANDS}
KEYWORDS = {word: spec.name for spec in COMMANDS for word in (spec.name.lower(), *spec.aliases)}
_HELP_HEAD = """\
Perintah ditulis di baris paling atas balasan (huruf besar atau kecil sama saja).
Teks yang dikutip dari email sebelumnya dan tanda tangan tidak dibaca.

"""
_HELP_TAIL = """
Balasan tanpa perintah dicatat sebagai komentar dan diteruskan kepada pemberi disposisi.
"""
# BANTUAN: the command reference, sent on request and in error receipts.
HELP = _HELP_HEAD + "".join(spec.help for spec in COMMANDS) + _HELP_TAIL


def mailto_commands() -> list[tuple[str, str]]:
    """(label, body) of the commands a phone user needs most, in the notices' order."""
    linked = sorted((s for s in COMMANDS if s.mailto), key=lambda s: s.mailto_rank)
    return [s.mailto for s in linked if s.mailto is not None]


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
EXAMPLES = {
    **{spec.name: spec.example for spec in COMMANDS},
    "instruksi": "INSTRUKSI: siapkan jawaban, koordinasikan",
    "batas": "BATAS: 12-01-2027, 12 Januari 2027, 3 hari, atau 3 hari kerja",
    "catatan": "CATATAN: mohon dibahas besok pagi",
}
_LINE = re.compile(r"^\s*#?(?P<word>[A-Za-z]+)\s*(?P<colon>:)?\s*(?P<rest>.*?)\s*$")
# Commas and semicolons always separate targets. "dan" / "and" / "&" may be part of a
# title (Kepala Subbagian Tata Usaha dan Kepegawaian): the executor splits on them only
# where the pieces are whole targets of the organisation (workflow/targets.py).
_SPLIT_TARGETS = re.compile(r"\s*[,;]\s*")
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
            continuing = SPECS[current.name].arguments == "block"
        elif match and word in SUB_KEYWORDS and match.group("colon"):
            _sub_line(SUB_KEYWORDS[word], match.group("rest"), line, current, result)
            continuing = False
        elif match and word in SUB_KEYWORDS and current is not None and current.name == "DISPOSISI":
            # "BATAS 3 hari" under a DISPOSISI: meant as a sub-line, written without the colon.
            key = SUB_KEYWORDS[word]
            current.batas_unreadable = True  # as meant, the DISPOSISI is incomplete
            reason = (
                f"{key.upper()} perlu titik dua ({key.upper()}: ...); DISPOSISI di atasnya "
                "tidak dilaksanakan"
            )
            result.problems.append(Problem(line, reason, EXAMPLES[key]))
            continuing = False
        elif continuing and current is not None:
            current.text = f"{current.text}\n{line}".strip()
        else:
            result.ignored.append(line)
    _finish(result)
    _mistyped(result)
    return result


# Short replies that are prose, however close they are to a keyword ("Trims" ~ TERIMA).
_PROSE = frozenset({"trims", "makasih", "terimakasih", "siap", "baik", "oke", "okay", "mohon"})


def _mistyped(result: ParsedReply) -> None:
    """A reply with no command whose first line looks like a misspelt one ("Selsai pak"):
    answer with the likely command instead of forwarding it as a comment."""
    if result.commands or result.problems:
        return
    first = next((line.strip() for line in result.new_text.split("\n") if line.strip()), "")
    match = _LINE.match(first)
    if match is None or len(first.split()) > 4:
        return
    word = match.group("word").lower()
    if len(word) < 4 or word in KEYWORDS or word in _PROSE:
        return
    allowed = 1 if len(word) <= 5 else 2
    close = sorted(
        (distance(word, keyword), KEYWORDS[keyword]) for keyword in KEYWORDS if len(keyword) >= 4
    )
    if close and close[0][0] <= allowed:
        name = close[0][1]
        reason = f"Perintah tidak dikenali: '{match.group('word')}'. Maksud Anda {name}?"
        result.problems.append(Problem(first, reason, SPECS[name].example))


def distance(a: str, b: str) -> int:
    """Levenshtein edit distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _looks_like_command(match: re.Match[str]) -> bool:
    """`Selesai.` or `Terima kasih` are prose, not commands."""
    rest, word = match.group("rest"), match.group("word").lower()
    if word == "terima" and rest.lower().startswith("kasih"):
        return False
    return not rest.startswith((".", "!", "?"))


def _start(name: str, rest: str, line: str, result: ParsedReply) -> Command:
    command = Command(name=name, line=line)
    if SPECS[name].arguments == "targets":
        command.targets = split_targets(rest)
    else:
        command.text = rest
    result.commands.append(command)
    return command


def split_targets(text: str) -> list[str]:
    """ "ke Kabag Umum, kasubbag.tu dan Nur Hidayah" -> ["Kabag Umum", "kasubbag.tu dan
    Nur Hidayah"]: "dan" is left for the executor, which knows the organisation."""
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
        spec = SPECS[command.name]
        given = command.targets if spec.arguments == "targets" else command.text
        if spec.missing and not given:
            result.problems.append(Problem(command.line, spec.missing, spec.example))
        else:
            kept.append(command)
    result.commands = kept
