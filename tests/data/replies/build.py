"""Writes the reply corpus (tests/data/replies/*.eml + replies.toml) and checks it.

``python tests/data/replies/build.py`` rewrites every template and the manifest, then runs the
checks; ``python tests/data/replies/build.py --check`` only checks what is on disk.

Deterministic: no clock, no randomness (boundaries and ids are hashes of fixed seeds). The
templates carry placeholders only in header fields, written literally as ``{token}``,
``{notice_message_id}``, ``{reply_message_id}``, ``{from_name}``, ``{from_address}`` and
``{date}``; substitute them with plain string replacement (never ``str.format``: the MSO and
Apple HTML contain CSS braces).
"""

from __future__ import annotations

import base64
import html
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from make_pdf import build_text_pdf, kop
from mimeutil import b64_lines, fake_b64, hexid, message, multipart, part, qp

HERE = Path(__file__).resolve().parent

# ------------------------------------------------------------------ placeholders

TOKEN = "{token}"
NOTICE_ID = "{notice_message_id}"
REPLY_ID = "{reply_message_id}"
FROM_NAME = "{from_name}"
FROM_ADDR = "{from_address}"
DATE = "{date}"

GW = "tnde.banyumaskab.go.id"
REPLY_ADDR = f"balasan+{TOKEN}@{GW}"
FROM = f'"{FROM_NAME}" <{FROM_ADDR}>'

# Values used by the checks (and a sensible default for tests).
SAMPLE = {
    "{token}": "aaaaaaiaaaaaojwbv4v5xynktnxmdyvn4hljj5a7y4",
    "{notice_message_id}": "<notice.1.1.20261201T030000Z.7c1f9e2a@tnde.banyumaskab.go.id>",
    "{reply_message_id}": "<reply-sample-0001@banyumaskab.go.id>",
    "{from_name}": "Drs. Agus Nugroho, M.M.",
    "{from_address}": "agus.nugroho@banyumaskab.go.id",
    "{date}": "Tue, 01 Dec 2026 10:14:27 +0700",
}

# ------------------------------------------------------------------ the notice being replied to

AGENDA = "00001/SM/SETDA/2026"
PERIHAL = "Undangan Rapat Koordinasi Penanganan Stunting"
NOTICE_SUBJECT = f"[TNDE {AGENDA}] Disposisi: {PERIHAL}"
GATEWAY = f"TNDE Gateway <tnde@{GW}>"
ADDRESSEE = "Drs. Agus Nugroho, M.M. <agus.nugroho@banyumaskab.go.id>"
ADDRESSEE_QUOTED = '"Drs. Agus Nugroho, M.M." <agus.nugroho@banyumaskab.go.id>'
# The token that was in the notice's own mailto links. Quoted copies carry it literally:
# placeholders live only in headers (base64 and quoted-printable bodies cannot hold them safely).
NOTICE_TOKEN = base64.b32encode(bytes.fromhex(hexid("notice-token", 52))).decode().rstrip("=")
NOTICE_TOKEN = NOTICE_TOKEN.lower()

CARD = [
    ("Nomor agenda", AGENDA),
    ("Diterima", "Selasa, 1 Desember 2026 09.58 WIB"),
    ("Dari", "Dinas Kesehatan Provinsi Jawa Tengah <tu@dinkes.jatengprov.go.id>"),
    ("Nomor surat", "400.7.7/0215/2026"),
    ("Tanggal surat", "26 November 2026"),
    ("Perihal", PERIHAL),
    ("Sifat", "Biasa / Segera"),
    ("Instruksi", "Hadiri, Laporkan hasilnya"),
    ("Batas waktu", "Selasa, 8 Desember 2026 16.00 WIB"),
]
DISPOSED_BY = "Bupati Banyumas"

NOTICE_TEXT = (
    "Yth. Sekretaris Daerah (Drs. Agus Nugroho, M.M.),\n"
    "\n"
    "Surat masuk berikut didisposisikan kepada Bapak/Ibu.\n"
    "\n"
    + "".join(f"  {label:<14}: {value}\n" for label, value in CARD)
    + f"  Didisposisikan oleh: {DISPOSED_BY}\n"
    "\n"
    "Lampiran (1):\n"
    "  - surat_undangan.pdf (48.2 KB)\n"
    "\n"
    f"Lihat surat dan riwayatnya: https://{GW}/naskah/1\n"
    "\n"
    "Menindaklanjuti surat ini: BALAS email ini dan tulis perintah di baris paling atas.\n"
    "  TERIMA                      tanda sudah dibaca\n"
    "  DISPOSISI kabag.umum        teruskan ke bawahan (jabatan, nama jabatan atau nama), lalu\n"
    "    INSTRUKSI: siapkan jawaban    BATAS: 3 hari kerja    CATATAN: ...   "
    "(masing-masing satu baris)\n"
    "  SELESAI laporan terlampir   selesai; lampiran balasan menjadi berkas tindak lanjut\n"
    "  TANGGAPAN isi tanggapan     tanggapan kepada pemberi disposisi\n"
    "  TOLAK alasan                kembalikan (bukan tujuan yang tepat)\n"
    "  BATAL                       batalkan disposisi Anda yang belum dibaca\n"
    "  STATUS / BANTUAN            riwayat surat / daftar perintah lengkap\n"
    "Balasan tanpa perintah dicatat sebagai komentar. "
    "Setiap perintah dijawab dengan tanda terima.\n"
    "\n"
    "--\n"
    f"Pesan ini dikirim otomatis oleh TNDE Gateway ({GW}).\n"
    "Bantuan: Helpdesk TNDE Diskominfo, telp. (0281) 000000\n"
)

HELP_ROWS = [
    ("TERIMA", "tanda sudah dibaca"),
    (
        "DISPOSISI kabag.umum",
        "teruskan ke bawahan; baris berikutnya boleh INSTRUKSI:, BATAS:, CATATAN:",
    ),
    ("SELESAI catatan", "selesai; lampiran balasan menjadi berkas tindak lanjut"),
    ("TANGGAPAN isi", "tanggapan kepada pemberi disposisi"),
    ("TOLAK alasan", "kembalikan (bukan tujuan yang tepat)"),
    ("BATAL", "batalkan disposisi Anda yang belum dibaca"),
    ("STATUS / BANTUAN", "riwayat surat / daftar perintah lengkap"),
]
LINK_BODIES = [
    ("Terima", "TERIMA"),
    ("Selesai", "SELESAI "),
    ("Tanggapan", "TANGGAPAN "),
    ("Teruskan ke …", "DISPOSISI \nINSTRUKSI: \nBATAS: \nCATATAN: "),
    ("Status", "STATUS"),
    ("Bantuan", "BANTUAN"),
]


def mailto(body: str) -> str:
    subject = quote(f"Re: {NOTICE_SUBJECT}", safe="")
    return f"mailto:balasan+{NOTICE_TOKEN}@{GW}?subject={subject}&body={quote(body, safe='')}"


def notice_html() -> str:
    """The notice's HTML body content (what HTML-quoting clients put in their blockquote)."""
    card = "".join(
        f"<tr><th>{label}</th><td>{html.escape(value, quote=False)}</td></tr>\n"
        for label, value in CARD
    )
    help_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>\n" for k, v in HELP_ROWS)
    links = " ·\n".join(
        f'<a href="{html.escape(mailto(body))}">{label}</a>' for label, body in LINK_BODIES
    )
    return (
        "<p>Yth. Sekretaris Daerah (Drs. Agus Nugroho, M.M.),</p>\n"
        "<p>Surat masuk berikut <b>didisposisikan</b> kepada Bapak/Ibu.</p>\n"
        f'<table class="kartu">\n{card}'
        f"<tr><th>Didisposisikan oleh</th><td>{DISPOSED_BY}</td></tr>\n</table>\n"
        "<p>Lampiran (1):</p>\n<ul><li>surat_undangan.pdf (48.2 KB)</li></ul>\n"
        f'<p><a href="https://{GW}/naskah/1">Lihat surat dan riwayatnya</a></p>\n'
        "<p><b>Menindaklanjuti surat ini:</b> balas email ini dan tulis perintah di baris"
        " paling atas,\natau ketuk salah satu tautan berikut:\n"
        f"{links}</p>\n"
        f'<table class="kartu">\n{help_rows}</table>\n'
        '<p class="catatan">Balasan tanpa perintah dicatat sebagai komentar. Setiap perintah'
        " dijawab dengan tanda terima.</p>\n"
        f'<p class="catatan">Pesan ini dikirim otomatis oleh TNDE Gateway ({GW}).<br>\n'
        "Bantuan: Helpdesk TNDE Diskominfo, telp. (0281) 000000</p>\n"
    )


def notice_rendered_text() -> str:
    """How Outlook/Zimbra/OWA render the quoted HTML notice in their text/plain alternative:
    no '>' prefix, one table cell per line, links as 'label<url>'."""
    out = [
        "Yth. Sekretaris Daerah (Drs. Agus Nugroho, M.M.),",
        "",
        "Surat masuk berikut didisposisikan kepada Bapak/Ibu.",
        "",
    ]
    for label, value in [*CARD, ("Didisposisikan oleh", DISPOSED_BY)]:
        out += [label, value]
    out += [
        "",
        "Lampiran (1):",
        "",
        "  *   surat_undangan.pdf (48.2 KB)",
        "",
        f"Lihat surat dan riwayatnya<https://{GW}/naskah/1>",
        "",
        "Menindaklanjuti surat ini: balas email ini dan tulis perintah di baris paling atas,"
        " atau ketuk salah satu tautan berikut: "
        + " · ".join(f"{label}<{mailto(body)}>" for label, body in LINK_BODIES),
        "",
    ]
    for key, value in HELP_ROWS:
        out += [key, value]
    out += [
        "",
        "Balasan tanpa perintah dicatat sebagai komentar. Setiap perintah dijawab dengan"
        " tanda terima.",
        "",
        f"Pesan ini dikirim otomatis oleh TNDE Gateway ({GW}).",
        "Bantuan: Helpdesk TNDE Diskominfo, telp. (0281) 000000",
    ]
    return "\n".join(out) + "\n"


def notice_mso_html() -> str:
    """The notice as Outlook re-renders it inside its own reply (Word HTML)."""

    def para(text: str) -> str:
        return f'<p class="MsoNormal">{text}<o:p></o:p></p>\n'

    def row(label: str, value: str) -> str:
        return (
            '<tr>\n<td style="padding:3.0pt 9.0pt 3.0pt 0cm">\n'
            f'<p class="MsoNormal"><span style="color:#555555">{label}</span></p>\n</td>\n'
            '<td style="padding:3.0pt 0cm 3.0pt 0cm">\n'
            f'<p class="MsoNormal"><b>{html.escape(value, quote=False)}</b></p>\n</td>\n</tr>\n'
        )

    table = "".join(row(k, v) for k, v in [*CARD, ("Didisposisikan oleh", DISPOSED_BY)])
    help_table = "".join(row(k, v) for k, v in HELP_ROWS)
    links = " &#183; ".join(
        f'<a href="{html.escape(mailto(body))}">{html.escape(label)}</a>'
        for label, body in LINK_BODIES
    )
    return (
        para("Yth. Sekretaris Daerah (Drs. Agus Nugroho, M.M.),")
        + para("Surat masuk berikut <b>didisposisikan</b> kepada Bapak/Ibu.")
        + '<table class="MsoNormalTable" border="0" cellpadding="0">\n'
        + table
        + "</table>\n"
        + para("Lampiran (1):")
        + '<ul type="disc">\n<li class="MsoNormal" style="mso-list:l0 level1 lfo1">'
        "surat_undangan.pdf (48.2 KB)<o:p></o:p></li>\n</ul>\n"
        + para(f'<a href="https://{GW}/naskah/1">Lihat surat dan riwayatnya</a>')
        + para(
            "<b>Menindaklanjuti surat ini:</b> balas email ini dan tulis perintah di baris"
            f" paling atas, atau ketuk salah satu tautan berikut: {links}"
        )
        + '<table class="MsoNormalTable" border="0" cellpadding="0">\n'
        + help_table
        + "</table>\n"
        + para(
            '<span style="font-size:9.0pt;color:#555555">Balasan tanpa perintah dicatat'
            " sebagai komentar. Setiap perintah dijawab dengan tanda terima.</span>"
        )
        + para(
            '<span style="font-size:9.0pt;color:#555555">Pesan ini dikirim otomatis oleh'
            f" TNDE Gateway ({GW}).<br>\nBantuan: Helpdesk TNDE Diskominfo, telp. (0281)"
            " 000000</span>"
        )
    )


# ------------------------------------------------------------------ MIME helpers


def qp_part(content_type: str, text: str, charset: str = "utf-8") -> str:
    return part(
        f"Content-Type: {content_type}\nContent-Transfer-Encoding: quoted-printable",
        qp(text, charset) + ("" if text.endswith("\n") else "\n"),
    )


def b64_text_part(content_type: str, text: str) -> str:
    return part(
        f"Content-Type: {content_type}\nContent-Transfer-Encoding: base64",
        b64_lines(text.encode("utf-8")) + "\n",
    )


def gt_quote(text: str, empty: str = ">") -> str:
    """'> ' before every line, ``empty`` for empty lines (Gmail, Thunderbird, Apple)."""
    lines = text.rstrip("\n").split("\n")
    return "".join(f"> {line}\n" if line else f"{empty}\n" for line in lines)


def subject_header(prefix: str, fold: str = "\n ") -> str:
    """Subject folded before 'Penanganan' (where 78 columns run out), as most clients do."""
    head = f"{prefix} [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi"
    return f"Subject: {head}{fold}Penanganan Stunting"


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def flowed(lines: Sequence[str], width: int = 72) -> str:
    """RFC 3676 format=flowed: long lines soft-wrapped with a trailing space (delsp=no)."""
    out: list[str] = []
    for line in lines:
        if line == "-- " or len(line) <= width:
            out.append(line)
            continue
        words = line.split(" ")
        current = ""
        for word in words:
            if current and len(current) + len(word) + 1 > width:
                out.append(current + " ")
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "\n".join(out) + "\n"


def outlook_boundary(seed: str, counter: int) -> str:
    high, low = hexid(seed, 4, upper=True), hexid(seed + "low", 8, upper=True)
    return f"----=_NextPart_000_{counter:04X}_01DD{high}.{low}"


def exchange_boundary(seed: str, kind: str = "000") -> str:
    return f"_{kind}_{hexid(seed, 32, upper=True)}EXCH02banyumaskabgoid_"


def thread_index(seed: str) -> str:
    return base64.b64encode(b"\x01\xdd" + bytes.fromhex(hexid(seed, 40))).decode("ascii")


def received(host: str, ip: str, seed: str, rcpt: str = REPLY_ADDR) -> str:
    """Our MX's trace line (the last hop before the gateway)."""
    qid = "4fK" + fake_b64(seed, 11).replace("+", "x").replace("/", "y")
    return (
        f"Received: from {host} ({host} [{ip}])\n"
        f"\tby mx.tnde.banyumaskab.go.id (Postfix) with ESMTPS id {qid}\n"
        f"\tfor <{rcpt}>; {DATE}\n"
    )


EXCHANGE_RECEIVED = (
    received("mail.banyumaskab.go.id", "203.0.113.25", "exch")
    + "Received: from EXCH02.banyumaskab.go.id (10.10.1.22) by EXCH01.banyumaskab.go.id\n"
    " (10.10.1.21) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.39; " + DATE + "\n"
)


def gmail_trace(seed: str) -> str:
    sig = fake_b64(seed + "sig", 340)
    sig_lines = "\n         ".join(sig[i : i + 70] for i in range(0, len(sig), 70))
    return (
        f"Received: by mail-lj1-f{170 + int(hexid(seed, 2), 16) % 30}.google.com with SMTP id"
        f" 38308e7fff4ca-{hexid(seed + 'id', 11)}so1{int(hexid(seed, 5), 16)}1fa.2\n"
        f"        for <{REPLY_ADDR}>; {DATE}\n"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n"
        f"        d=gmail.com; s=20230601; t=1796094867; x=1796699667; darn={GW};\n"
        "        h=to:subject:message-id:date:from:in-reply-to:references\n"
        "         :mime-version:from:to:cc:subject:date:message-id:reply-to;\n"
        f"        bh={fake_b64(seed + 'bh', 43)}=;\n"
        f"        b={sig_lines}\n"
        f"X-Gm-Message-State: AOJu0Y{fake_b64(seed + 'st', 64)}\n"
        f"X-Google-Smtp-Source: AGHT+IF{fake_b64(seed + 'src', 72)}\n"
        f"X-Received: by 2002:a05:651c:{hexid(seed + 'v', 3)}:b0:{hexid(seed + 'w', 3)}:"
        f"{hexid(seed + 'z', 4)} with SMTP id 38308e7fff4ca-{hexid(seed + 'id', 11)}mr"
        f"{int(hexid(seed + 'n', 6), 16)}1fa.12;\n        {DATE}\n"
    )


def gmail_boundary(seed: str) -> str:
    return "000000000000" + hexid(seed, 16)


# ------------------------------------------------------------------ HTML -> text (for checks)


class _Text(HTMLParser):
    BLOCK = frozenset(
        {"p", "div", "br", "tr", "li", "blockquote", "hr", "table", "ul", "ol", "pre"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "body", "html"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "head", "script", "title"):
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "head", "script", "title"):
            self.skip = max(0, self.skip - 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in self.BLOCK and tag != "br":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data if self.pre else re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return "".join(parser.out).replace("\xa0", " ")


def unflow(text: str) -> str:
    """RFC 3676 reading (delsp=no): a line ending in a space joins the next one."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line != "-- " and line.endswith(" ") and not line.startswith(">"):
            pending += line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


# ------------------------------------------------------------------ the cases


@dataclass
class Case:
    file: str
    client: str
    posting: str
    build: Callable[[], bytes]
    expected_new_text: list[str]
    commands: list[dict[str, Any]] = field(default_factory=list)
    html_only: bool = False
    automatic: bool = False
    forwarded: bool = False
    threading: bool = True
    sender: str = "addressee"
    sample_from: str = ""
    to: str = REPLY_ADDR
    subject_prefix: str = "Re:"
    not_understood: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    comment: str | None = None
    attachments: list[str] = field(default_factory=list)
    note: str = ""


CASES: list[Case] = []


def add(case: Case) -> None:
    CASES.append(case)


def cmd(name: str, line: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "line": line, **fields}


# ---------------------------------------------------------------- Outlook (Windows) family


def outlook_header_block(locale: str) -> tuple[str, str]:
    """(text, html) of Outlook's 'From:/Sent:/To:/Subject:' block before the quoted notice."""
    if locale == "id":
        rows = [
            ("Dari", f"TNDE Gateway <tnde@{GW}>"),
            ("Dikirim", "Selasa, 01 Desember 2026 10.00"),
            ("Kepada", ADDRESSEE),
            ("Perihal", NOTICE_SUBJECT),
        ]
    else:
        rows = [
            ("From", f"TNDE Gateway <tnde@{GW}> "),
            ("Sent", "Tuesday, December 1, 2026 10:00 AM"),
            ("To", ADDRESSEE),
            ("Subject", NOTICE_SUBJECT),
        ]
    text = "".join(f"{k}: {v}\n" for k, v in rows)
    cells = "<br>\n".join(f"<b>{k}:</b> {esc(v)}" for k, v in rows)
    block = (
        '<div>\n<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'\n<p class="MsoNormal">{cells}<o:p></o:p></p>\n'
        "</div>\n</div>\n"
    )
    return text, block


MSO_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" \
xmlns:o="urn:schemas-microsoft-com:office:office" \
xmlns:w="urn:schemas-microsoft-com:office:word" \
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" \
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;
	mso-ligatures:standardcontextual;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:blue;
	text-decoration:underline;}
span.EmailStyle20
	{mso-style-type:personal-reply;
	font-family:"Calibri",sans-serif;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;
	mso-ligatures:none;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
"""


def mso_lines(lines: Sequence[str]) -> str:
    return "".join(
        f'<p class="MsoNormal">{esc(line)}<o:p></o:p></p>\n'
        if line
        else '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        for line in lines
    )


def outlook_desktop(
    seed: str,
    lines: Sequence[str],
    *,
    locale: str = "en",
    threading: bool = True,
    exchange: bool = True,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    """Outlook 2016/2019/365 for Windows, HTML compose: alternative { QP text, QP MSO html },
    inside mixed with the attachment when there is one."""
    block_text, block_html = outlook_header_block(locale)
    text = "\n".join(lines) + "\n\n" + block_text + "\n" + notice_rendered_text()
    body_lang = "IN" if locale == "id" else "EN-US"
    markup = (
        MSO_HEAD
        + f'<body lang="{body_lang}" link="blue" vlink="purple" style="word-wrap:break-word">\n'
        '<div class="WordSection1">\n'
        + mso_lines(lines)
        + '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        + block_html
        + '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        + notice_mso_html()
        + "</div>\n</body>\n</html>\n"
    )
    if exchange:
        alt_boundary = exchange_boundary(seed)
        mixed_boundary = exchange_boundary(seed, "004")
    else:
        alt_boundary = outlook_boundary(seed, 0x1B)
        mixed_boundary = outlook_boundary(seed, 0x1A)
    alternative = multipart(
        alt_boundary,
        [
            qp_part('text/plain; charset="utf-8"', text),
            qp_part('text/html; charset="utf-8"', markup),
        ],
    )
    if attachment:
        name, data = attachment
        content_type = f'multipart/mixed;\n\tboundary="{mixed_boundary}"'
        body = multipart(
            mixed_boundary,
            [
                part(
                    f'Content-Type: multipart/alternative;\n\tboundary="{alt_boundary}"',
                    alternative,
                ),
                part(
                    f'Content-Type: application/pdf; name="{name}"\n'
                    f"Content-Description: {name}\n"
                    f'Content-Disposition: attachment; filename="{name}"; size={len(data)};\n'
                    '\tcreation-date="Tue, 01 Dec 2026 03:11:40 GMT";\n'
                    '\tmodification-date="Tue, 01 Dec 2026 03:11:40 GMT"\n'
                    "Content-Transfer-Encoding: base64",
                    b64_lines(data) + "\n",
                ),
            ],
        )
    else:
        content_type = f'multipart/alternative;\n\tboundary="{alt_boundary}"'
        body = alternative
    prefix = "RE:"
    threading_headers = f"References: {NOTICE_ID}\nIn-Reply-To: {NOTICE_ID}\n" if threading else ""
    if exchange:
        headers = (
            EXCHANGE_RECEIVED + f"From: {FROM}\n"
            f'To: "{REPLY_ADDR}" <{REPLY_ADDR}>\n' + subject_header(prefix) + "\n"
            f"Thread-Topic: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
            " Penanganan Stunting\n"
            f"Thread-Index: {thread_index(seed)}\n"
            f"Date: {DATE}\n"
            f"Message-ID: {REPLY_ID}\n" + threading_headers + "Accept-Language: id-ID, en-US\n"
            "Content-Language: id-ID\n"
            + ("X-MS-Has-Attach: yes\n" if attachment else "X-MS-Has-Attach:\n")
            + "X-MS-TNEF-Correlator:\n"
            "x-originating-ip: [10.10.4.57]\n"
            f"Content-Type: {content_type}\n"
            "MIME-Version: 1.0\n"
        )
        preamble = ""
    else:
        headers = (
            received("desktop-setda07.banyumaskab.go.id", "203.0.113.47", seed) + f"From: {FROM}\n"
            f"To: <{REPLY_ADDR}>\n" + threading_headers + subject_header(prefix) + "\n"
            f"Date: {DATE}\n"
            f"Message-ID: {REPLY_ID}\n"
            "MIME-Version: 1.0\n"
            f"Content-Type: {content_type}\n"
            "X-Mailer: Microsoft Outlook 16.0\n"
            f"Thread-Index: {thread_index(seed)}\n"
            f"Content-Language: {'id' if locale == 'id' else 'en-us'}\n"
        )
        preamble = "This is a multipart message in MIME format.\n"
    if preamble:
        body = preamble + "\n" + body
    return message(headers, body)


def outlook_plain(seed: str, lines: Sequence[str], *, locale: str, threading: bool) -> bytes:
    """Outlook for Windows in plain-text compose mode: one text/plain part, the notice under
    '-----Original Message-----' (or '-----Pesan Asli-----'), not '>'-prefixed."""
    if locale == "id":
        block = (
            "-----Pesan Asli-----\n"
            f"Dari: TNDE Gateway <tnde@{GW}> \n"
            "Dikirim: Selasa, 01 Desember 2026 10.00\n"
            f"Kepada: {ADDRESSEE}\n"
            f"Subjek: {NOTICE_SUBJECT}\n"
        )
    else:
        block = (
            "-----Original Message-----\n"
            f"From: TNDE Gateway <tnde@{GW}> \n"
            "Sent: Tuesday, December 1, 2026 10:00 AM\n"
            f"To: {ADDRESSEE}\n"
            f"Subject: {NOTICE_SUBJECT}\n"
        )
    text = "\n".join(lines) + "\n\n" + block + "\n" + NOTICE_TEXT
    threading_headers = f"References: {NOTICE_ID}\nIn-Reply-To: {NOTICE_ID}\n" if threading else ""
    headers = (
        received("desktop-setda07.banyumaskab.go.id", "203.0.113.47", seed) + f"From: {FROM}\n"
        f"To: <{REPLY_ADDR}>\n" + threading_headers + subject_header("RE:") + "\n"
        f"Thread-Topic: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
        " Penanganan Stunting\n"
        f"Date: {DATE}\n"
        f"Message-ID: {REPLY_ID}\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain;\n\tcharset="us-ascii"\n'
        "Content-Transfer-Encoding: 7bit\n"
        "X-Mailer: Microsoft Outlook 16.0\n"
        f"Thread-Index: {thread_index(seed)}\n"
        f"Content-Language: {'id' if locale == 'id' else 'en-us'}\n"
    )
    return message(headers, text)


def outlook_cloud(seed: str, lines: Sequence[str], *, mobile: bool) -> bytes:
    """Outlook on the web / Outlook for Android through Exchange Online: underscore rule,
    'From:/Sent:/To:/Subject:' block; the app adds 'Get Outlook for Android'."""
    new_text = "\n".join(lines)
    new_html = "".join(
        '<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont,'
        " Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt;"
        f' color: rgb(0, 0, 0);">{esc(line) if line else "<br>"}</div>\n'
        for line in lines
    )
    if mobile:
        new_text += "\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>"
        new_html = (
            f'<div dir="auto">{"".join(f"{esc(x)}<br>" if x else "<br>" for x in lines)}</div>\n'
            '<div dir="auto"><br></div>\n<div id="ms-outlook-mobile-signature" dir="auto">'
            'Get <a href="https://aka.ms/AAb9ysg">Outlook for Android</a></div>\n'
        )
    sent = "Tuesday, December 1, 2026 10:00:00 AM" if mobile else "Tuesday, December 1, 2026 10:00"
    block = (
        "________________________________\n"
        f"From: TNDE Gateway <tnde@{GW}>\n"
        f"Sent: {sent}\n"
        f"To: {ADDRESSEE}\n"
        f"Subject: {NOTICE_SUBJECT}\n"
    )
    text = new_text + "\n" + block + "\n" + notice_rendered_text()
    markup = (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n'
        '</head>\n<body dir="ltr">\n'
        + new_html
        + '<hr style="display:inline-block;width:98%" tabindex="-1">\n'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt"'
        f' color="#000000"><b>From:</b> TNDE Gateway &lt;tnde@{GW}&gt;<br>\n'
        f"<b>Sent:</b> {sent}<br>\n"
        f"<b>To:</b> {esc(ADDRESSEE)}<br>\n"
        f"<b>Subject:</b> {esc(NOTICE_SUBJECT)}</font>\n<div>&nbsp;</div>\n</div>\n"
        f"<div>\n{notice_html()}</div>\n</body>\n</html>\n"
    )
    boundary = f"_000_{hexid(seed, 40, upper=True)}SI2PR06MB5140apcp_"
    msid = hexid(seed + "msip", 8)
    headers = (
        received("SI2PR06MB5140.apcprd06.prod.outlook.com", "2001:db8:4:1bd::9", seed)
        + f"From: {FROM}\n"
        f'To: "{REPLY_ADDR}" <{REPLY_ADDR}>\n' + subject_header("Re:") + "\n"
        f"Thread-Topic: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
        " Penanganan Stunting\n"
        f"Thread-Index: {thread_index(seed)}\n"
        f"Date: {DATE}\n"
        f"Message-ID: {REPLY_ID}\n"
        f"References: {NOTICE_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        "Accept-Language: en-US\n"
        "Content-Language: en-US\n"
        "X-MS-Has-Attach:\n"
        "X-MS-TNEF-Correlator:\n"
        f"msip_labels: MSIP_Label_{msid}-0000-4000-8000-000000000001_Enabled=True\n"
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"\n'
        "MIME-Version: 1.0\n"
    )
    body = multipart(
        boundary,
        [
            qp_part('text/plain; charset="utf-8"', text),
            qp_part('text/html; charset="utf-8"', markup),
        ],
    )
    return message(headers, body)


def outlook_mac(seed: str, lines: Sequence[str]) -> bytes:
    """Outlook for Mac 16: Content-type (lower-case t) multipart/alternative, B_ boundary,
    'From:/Date:/To:/Subject:' block."""
    rows = [
        ("From", f"TNDE Gateway <tnde@{GW}>"),
        ("Date", "Tuesday, 1 December 2026 at 10.00"),
        ("To", ADDRESSEE_QUOTED),
        ("Subject", NOTICE_SUBJECT),
    ]
    text = (
        "\n".join(lines)
        + "\n\n \n\n"
        + "".join(f"{k}: {v}\n" for k, v in rows)
        + "\n"
        + notice_rendered_text()
    )
    new_html = "".join(
        f'<div><p class="MsoNormal"><span lang="EN-GB">{esc(x)}<o:p></o:p></span></p></div>'
        if x
        else '<div><p class="MsoNormal"><span lang="EN-GB"><o:p>&nbsp;</o:p></span></p></div>'
        for x in lines
    )
    block = "".join(f"<b>{k}: </b>{esc(v)}<br>" for k, v in rows)
    markup = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type '
        'content="text/html; charset=utf-8"><meta name=Generator content="Microsoft Word 15 '
        '(filtered medium)"><style><!--\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;'
        '\n\tfont-size:12.0pt;\n\tfont-family:"Aptos",sans-serif;}\n--></style></head>'
        '<body lang=en-ID link="#467886" vlink="#96607D" style=\'word-wrap:break-word\'>'
        f"<div class=WordSection1>{new_html}"
        '<div><p class="MsoNormal"><span lang="EN-GB"><o:p>&nbsp;</o:p></span></p></div>'
        '<div id="mail-editor-reference-message-container"><div><div style=\'border:none;'
        "border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        f"<p class=MsoNormal style='margin-bottom:12.0pt'><span style='color:black'>{block}"
        "</span></p></div>"
        f"{notice_html()}</div></div></div></body></html>\n"
    )
    boundary = f"B_3{int(hexid(seed, 8), 16) % 10**9:09d}_{int(hexid(seed + 'b', 8), 16) % 10**9}"
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed)
        + "User-Agent: Microsoft-MacOutlook/16.92.24120731\n"
        f"Date: {DATE}\n" + subject_header("Re:") + "\n"
        f"From: {FROM}\n"
        f"To: <{REPLY_ADDR}>\n"
        f"Message-ID: {REPLY_ID}\n"
        f"Thread-Topic: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
        " Penanganan Stunting\n"
        f"References: {NOTICE_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        "Mime-version: 1.0\n"
        f'Content-type: multipart/alternative;\n\tboundary="{boundary}"\n'
    )
    body = multipart(
        boundary,
        [
            part(
                'Content-type: text/plain;\n\tcharset="UTF-8"\n'
                "Content-transfer-encoding: quoted-printable",
                qp(text),
            ),
            part(
                'Content-type: text/html;\n\tcharset="UTF-8"\n'
                "Content-transfer-encoding: quoted-printable",
                qp(markup),
            ),
        ],
        preamble="> This message is in MIME format. Since your mail reader does not understand\n"
        "this format, some or all of this message may not be legible.\n",
    )
    return message(headers, body)


def exchange_autoreply(seed: str) -> bytes:
    """Exchange 2016 out-of-office reply (Indonesian): to the notice's sender, not Reply-To."""
    text = (
        "Yth. Bapak/Ibu,\n\n"
        "Saya sedang cuti sampai dengan 7 Desember 2026.\n"
        "Selesai cuti saya akan menindaklanjuti email Bapak/Ibu.\n"
        "Untuk hal yang mendesak silakan menghubungi Kepala Bagian Umum\n"
        "(kabag.umum@banyumaskab.go.id).\n\n"
        "Salam,\nAgus Nugroho\n"
    )
    markup = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" id="owaParaStyle"></style>\n</head>\n'
        '<body fpstyle="1" ocsi="0">\n<div style="direction: ltr;font-family: Tahoma;'
        'color: #000000;font-size: 10pt;">\n'
        "<p>Yth. Bapak/Ibu,</p>\n"
        "<p>Saya sedang cuti sampai dengan 7 Desember 2026.<br>\n"
        "Selesai cuti saya akan menindaklanjuti email Bapak/Ibu.<br>\n"
        "Untuk hal yang mendesak silakan menghubungi Kepala Bagian Umum<br>\n"
        "(kabag.umum@banyumaskab.go.id).</p>\n"
        "<p>Salam,<br>\nAgus Nugroho</p>\n</div>\n</body>\n</html>\n"
    )
    boundary = exchange_boundary(seed)
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed, rcpt=f"tnde@{GW}")
        + f"From: {FROM}\n"
        f"To: TNDE Gateway <tnde@{GW}>\n" + subject_header("Balasan Otomatis:") + "\n"
        f"Thread-Topic: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
        " Penanganan Stunting\n"
        f"Thread-Index: {thread_index(seed)}\n"
        f"Date: {DATE}\n"
        f"Message-ID: {REPLY_ID}\n"
        f"References: {NOTICE_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        "Auto-Submitted: auto-replied\n"
        "X-MS-Has-Attach:\n"
        "X-Auto-Response-Suppress: All\n"
        f"X-MS-Exchange-Inbox-Rules-Loop: {FROM_ADDR}\n"
        "X-MS-TNEF-Correlator:\n"
        "Content-Language: id-ID\n"
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"\n'
        "MIME-Version: 1.0\n"
    )
    body = multipart(
        boundary,
        [
            part(
                'Content-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit',
                text,
            ),
            qp_part('text/html; charset="utf-8"', markup),
        ],
    )
    return message(headers, body)


# ---------------------------------------------------------------- Gmail family


def gmail_attr(locale: str, app: bool) -> tuple[str, str]:
    """(plain, html) attribution line. Gmail's text part wraps it near 76 columns."""
    addr = f"tnde@{GW}"
    if locale == "id":
        when = "Sel, 1 Des 2026 10.00," if app else "Sel, 1 Des 2026 pukul 10.00"
        head, tail = f"Pada {when} TNDE Gateway <{addr}>", "menulis:"
    else:
        when = "Tue, Dec 1, 2026, 10:00" if app else "Tue, Dec 1, 2026 at 10:00\u202fAM"
        head, tail = f"On {when} TNDE Gateway <{addr}>", "wrote:"
    plain = f"{head}\n{tail}" if len(head) + len(tail) + 1 > 76 else f"{head} {tail}"
    markup = esc(f"{head} {tail}").replace(
        esc(f"<{addr}>"), f'&lt;<a href="mailto:{addr}">{addr}</a>&gt;'
    )
    return plain, markup


def gmail_new_html(lines: Sequence[str], app: bool) -> str:
    """Gmail composer markup: first line bare, then one <div> per line, <div><br></div> blank."""
    attr = ' dir="auto"' if app else ""
    if not lines:
        return f'<div dir="{"auto" if app else "ltr"}"><br></div>'
    first, rest = lines[0], lines[1:]
    inner = esc(first) + "".join(f"<div{attr}>{esc(x) if x else '<br>'}</div>" for x in rest)
    return f'<div dir="{"auto" if app else "ltr"}">{inner}</div>'


def gmail(
    seed: str,
    lines: Sequence[str],
    *,
    locale: str = "en",
    app: bool = False,
    signature: Sequence[str] = (),
    mailto_new: bool = False,
) -> bytes:
    """Gmail web / Gmail app reply: alternative { QP text with '> ' quote, QP html with
    div.gmail_quote }. ``mailto_new``: a new message from a notice's mailto link (no quote)."""
    text = "\n".join(lines)
    new_html = gmail_new_html(lines, app)
    if signature:
        text += "\n\n-- \n" + "\n".join(signature)
        new_html += (
            '<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
            '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
            f'<div dir="ltr">{esc(signature[0])}'
            + "".join(f"<div>{esc(x)}</div>" for x in signature[1:])
            + "</div></div>"
        )
    if mailto_new:
        text += "\n"
        markup = new_html + "\n"
    else:
        plain_attr, html_attr = gmail_attr(locale, app)
        text += "\n\n" + plain_attr + "\n\n" + gt_quote(NOTICE_TEXT)
        markup = (
            new_html + '<br><div class="gmail_quote gmail_quote_container"><div dir="ltr"'
            f' class="gmail_attr">{html_attr}<br></div><blockquote class="gmail_quote"'
            ' style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
            f'padding-left:1ex">{notice_html()}</blockquote></div>\n'
        )
    boundary = gmail_boundary(seed)
    threading_headers = "" if mailto_new else f"References: {NOTICE_ID}\nIn-Reply-To: {NOTICE_ID}\n"
    headers = (
        gmail_trace(seed) + "MIME-Version: 1.0\n" + threading_headers + f"From: {FROM}\n"
        f"Date: {DATE}\n"
        f"Message-ID: {REPLY_ID}\n" + subject_header("Re:") + "\n"
        f"To: {REPLY_ADDR}\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n'
    )
    body = multipart(
        boundary,
        [
            qp_part('text/plain; charset="UTF-8"', text + ("" if text.endswith("\n") else "\n")),
            qp_part('text/html; charset="UTF-8"', markup),
        ],
    )
    return message(headers, body)


def gmail_forward(seed: str, lines: Sequence[str]) -> bytes:
    """Gmail web (Indonesian UI) 'Teruskan': the notice inline under '---------- Pesan terusan
    ---------', not '>'-quoted, with Gmail's half-localised 'Dari:/Date:/Subject:/To:' block."""
    block_plain = (
        "---------- Pesan terusan ---------\n"
        f"Dari: TNDE Gateway <tnde@{GW}>\n"
        "Date: Sel, 1 Des 2026 pukul 10.00\n"
        f"Subject: {NOTICE_SUBJECT}\n"
        f"To: {ADDRESSEE_QUOTED}\n"
    )
    text = "\n".join(lines) + "\n\n" + block_plain + "\n\n" + NOTICE_TEXT
    block_html = (
        '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
        '---------- Pesan terusan ---------<br>Dari: <strong class="gmail_sendername"'
        ' dir="auto">TNDE Gateway</strong> <span dir="auto">&lt;<a'
        f' href="mailto:tnde@{GW}">tnde@{GW}</a>&gt;</span><br>Date: Sel, 1 Des 2026 pukul'
        f" 10.00<br>Subject: {esc(NOTICE_SUBJECT)}<br>To: Drs. Agus Nugroho, M.M. &lt;<a"
        ' href="mailto:agus.nugroho@banyumaskab.go.id">agus.nugroho@banyumaskab.go.id</a>&gt;'
        f"<br></div><br><br>{notice_html()}</div>\n"
    )
    markup = gmail_new_html(lines, False) + "<br>" + block_html
    boundary = gmail_boundary(seed)
    headers = (
        gmail_trace(seed) + "MIME-Version: 1.0\n"
        f"References: {NOTICE_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"From: {FROM}\n"
        f"Date: {DATE}\n"
        f"Message-ID: {REPLY_ID}\n"
        f"Subject: Fwd: [TNDE {AGENDA}] Disposisi: Undangan Rapat Koordinasi\n"
        " Penanganan Stunting\n"
        f"To: {REPLY_ADDR}\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n'
    )
    body = multipart(
        boundary,
        [
            qp_part('text/plain; charset="UTF-8"', text),
            qp_part('text/html; charset="UTF-8"', markup),
        ],
    )
    return message(headers, body)


# ---------------------------------------------------------------- Apple


def apple_uuid(seed: str) -> str:
    h = hexid(seed, 32, upper=True)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


IOS_ATTR = f"Pada 1 Des 2026, pukul 10.00, TNDE Gateway <tnde@{GW}> menulis:"


def iphone(seed: str, lines: Sequence[str], *, mailto_new: bool = False) -> bytes:
    """iOS Mail (Indonesian): 'Dikirim dari iPhone saya', the attribution itself inside the
    quote, a BOM before the quoted text; a mailto-link message is one plain us-ascii part."""
    footer = "Dikirim dari iPhone saya"
    if mailto_new:
        headers = (
            received("mail.banyumaskab.go.id", "203.0.113.25", seed)
            + "Content-Type: text/plain;\n\tcharset=us-ascii\n"
            "Content-Transfer-Encoding: 7bit\n"
            f"From: {FROM}\n"
            "Mime-Version: 1.0 (1.0)\n" + subject_header("Re:") + "\n"
            f"Date: {DATE}\n"
            f"Message-Id: {REPLY_ID}\n"
            f"To: {REPLY_ADDR}\n"
            "X-Mailer: iPhone Mail (22B91)\n"
        )
        return message(headers, "\n".join(lines) + f"\n\n{footer}\n")
    text = (
        "\n".join(lines)
        + f"\n\n{footer}\n\n"
        + f"> {IOS_ATTR}\n> \n> \ufeff"
        + gt_quote(NOTICE_TEXT, empty="> ")[2:]
    )
    new_html = "".join(f'<div dir="ltr">{esc(x) if x else "<br>"}</div>' for x in lines)
    markup = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        f'<body dir="auto">{new_html}<div dir="ltr"><br id="lineBreakAtBeginningOfSignature">'
        f'<div dir="ltr">{footer}</div><div dir="ltr"><br><blockquote type="cite">'
        f'{esc(IOS_ATTR)}<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">'
        f"\ufeff{notice_html()}</div></blockquote></div></body></html>\n"
    )
    boundary = f"Apple-Mail-{apple_uuid(seed)}"
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed)
        + f"Content-Type: multipart/alternative; boundary={boundary}\n"
        "Content-Transfer-Encoding: 7bit\n"
        f"From: {FROM}\n"
        "Mime-Version: 1.0 (1.0)\n" + subject_header("Re:") + "\n"
        f"Date: {DATE}\n"
        f"Message-Id: {REPLY_ID}\n"
        f"References: {NOTICE_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"To: {REPLY_ADDR}\n"
        "X-Mailer: iPhone Mail (22B91)\n"
    )
    body = multipart(
        boundary,
        [
            qp_part("text/plain;\n\tcharset=utf-8", text),
            qp_part("text/html;\n\tcharset=utf-8", markup),
        ],
    )
    return message(headers, body)


def apple_mac(seed: str, lines: Sequence[str]) -> bytes:
    """Apple Mail 16 on macOS (Indonesian): the quoted attribution, blockquote type=cite."""
    text = "\n".join(lines) + f"\n\n> {IOS_ATTR}\n> \n" + gt_quote(NOTICE_TEXT, empty="> ")
    first, rest = lines[0], lines[1:]
    markup = (
        '<html aria-label="message body"><head><meta http-equiv="content-type"'
        ' content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word;'
        ' -webkit-nbsp-mode: space; line-break: after-white-space;">'
        f'{esc(first)}<br id="lineBreakAtBeginningOfMessage">'
        + "".join(f"<div>{esc(x) if x else '<br>'}</div>" for x in rest)
        + f'<div><br><blockquote type="cite"><div>{esc(IOS_ATTR)}</div>'
        '<br class="Apple-interchange-newline"><div>'
        f"{notice_html()}</div></blockquote></div><br></body></html>\n"
    )
    boundary = f"Apple-Mail=_{apple_uuid(seed)}"
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed) + f"From: {FROM}\n"
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"\n'
        "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4.3\\))\n"
        + subject_header("Re:")
        + "\n"
        f"Date: {DATE}\n"
        f"References: {NOTICE_ID}\n"
        f"To: {REPLY_ADDR}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"Message-Id: {REPLY_ID}\n"
        "X-Mailer: Apple Mail (2.3826.300.87.4.3)\n"
    )
    body = multipart(
        boundary,
        [
            part(
                "Content-Transfer-Encoding: quoted-printable\n"
                "Content-Type: text/plain;\n\tcharset=utf-8",
                qp(text),
            ),
            part(
                "Content-Transfer-Encoding: quoted-printable\n"
                "Content-Type: text/html;\n\tcharset=utf-8",
                qp(markup),
            ),
        ],
    )
    return message(headers, body)


# ---------------------------------------------------------------- Thunderbird


TB_ATTR = "Pada 01/12/26 10.00, TNDE Gateway menulis:"


def thunderbird_headers(content_type: str, encoding: str = "") -> str:
    return (
        received("mail.banyumaskab.go.id", "203.0.113.25", "tb") + f"Message-ID: {REPLY_ID}\n"
        f"Date: {DATE}\n"
        "MIME-Version: 1.0\n"
        "User-Agent: Mozilla Thunderbird\n" + subject_header("Re:") + "\n"
        f"To: {REPLY_ADDR}\n"
        f"References: {NOTICE_ID}\n"
        "Content-Language: id\n"
        f"From: {FROM}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"Content-Type: {content_type}\n"
        + (f"Content-Transfer-Encoding: {encoding}\n" if encoding else "")
    )


def thunderbird_bottom(lines: Sequence[str]) -> bytes:
    """Thunderbird 128 plain-text compose, reply below the quote, format=flowed."""
    text = TB_ATTR + "\n" + gt_quote(NOTICE_TEXT) + "\n" + flowed(lines)
    headers = thunderbird_headers("text/plain; charset=UTF-8; format=flowed", "7bit")
    return message(headers, text)


def thunderbird_html_top(seed: str, lines: Sequence[str], signature: Sequence[str]) -> bytes:
    """Thunderbird 128 HTML compose, reply above the quote, signature (with '-- ') between the
    reply and the quote; text alternative is format=flowed."""
    text = flowed([*lines, "", "-- ", *signature]) + "\n" + TB_ATTR + "\n" + gt_quote(NOTICE_TEXT)
    paragraphs = "".join(f"    <p>{esc(x)}<br>\n    </p>\n" for x in lines if x)
    sig = "\n".join(esc(x) for x in signature)
    quoted = "\n".join("      " + x for x in notice_html().rstrip("\n").split("\n"))
    markup = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n'
        "  </head>\n  <body>\n"
        + paragraphs
        + f'    <pre class="moz-signature" cols="72">-- \n{sig}</pre>\n'
        f'    <div class="moz-cite-prefix">{TB_ATTR}<br>\n    </div>\n'
        f'    <blockquote type="cite">\n{quoted}\n    </blockquote>\n'
        "  </body>\n</html>\n"
    )
    boundary = "------------" + alnum_boundary(seed)
    headers = thunderbird_headers(f'multipart/alternative;\n boundary="{boundary}"')
    body = multipart(
        boundary,
        [
            part(
                "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
                "Content-Transfer-Encoding: 7bit",
                text,
            ),
            part("Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 8bit", markup),
        ],
        preamble="This is a multi-part message in MIME format.",
    )
    return message(headers, body)


def alnum_boundary(seed: str) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    raw = bytes.fromhex(hexid(seed, 48))
    return "".join(alphabet[b % len(alphabet)] for b in raw[:24])


# ---------------------------------------------------------------- webmails and phones


def html_only_webmail(seed: str, new_html: str) -> bytes:
    """A webmail sending text/html only (no text/plain alternative); Roundcube-style markup:
    <div>/<br> lines, the quote as <blockquote type="cite">."""
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />'
        "</head><body style='font-size: 10pt; font-family: Verdana,Geneva,sans-serif'>\n"
        + new_html
        + "\n<p>&nbsp;</p>\n"
        '<p id="reply-intro">Pada 2026-12-01 10:00, TNDE Gateway menulis:</p>\n'
        '<blockquote type="cite" style="padding: 0 0.4em; border-left: #1010ff 2px solid;'
        ' margin: 0">\n<!-- html ignored --><!-- head ignored --><!-- meta ignored -->\n'
        f"{notice_html()}</blockquote>\n</body></html>\n"
    )
    headers = (
        received("webmail.banyumaskab.go.id", "203.0.113.30", seed) + "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=UTF-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        f"Date: {DATE}\n"
        f"From: {FROM}\n"
        f"To: {REPLY_ADDR}\n" + subject_header("Re:") + "\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"References: {NOTICE_ID}\n"
        f"Message-ID: {REPLY_ID}\n"
        "X-Sender: agus.nugroho@banyumaskab.go.id\n"
        "User-Agent: Roundcube Webmail/1.6.9\n"
    )
    return message(headers, qp(markup))


def yahoo(seed: str, lines: Sequence[str]) -> bytes:
    """Yahoo Mail web (Indonesian UI), 'Bls:': the text part indents the quote with spaces
    (no '>') under an indented attribution with trailing spaces."""
    attr = f"Pada Selasa, 1 Desember 2026 10.00.00 GMT+7, TNDE Gateway <tnde@{GW}> menulis:"
    quoted = "".join(f" {line}\n" for line in NOTICE_TEXT.rstrip("\n").split("\n"))
    text = "\n".join(lines) + "\n\n    " + attr + "  \n \n" + quoted
    new_html = "".join(
        f'<div dir="ltr" data-setdir="false">{esc(x) if x else "<br>"}</div>' for x in lines
    )
    qid = f"yahoo_quoted_{int(hexid(seed, 8), 16) % 10**10}"
    markup = (
        '<html><head></head><body><div class="ydp2c1a7b3fyahoo-style-wrap" style="font-family:'
        'Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;"><div></div>\n'
        f"        {new_html}<div><br></div>\n        \n        </div>"
        f'<div id="{qid}" class="yahoo_quoted">\n'
        "            <div style=\"font-family:'Helvetica Neue', Helvetica, Arial, sans-serif;"
        'font-size:13px;color:#26282a;">\n                \n'
        f"                <div>\n                    {esc(attr)}\n                </div>\n"
        "                <div><br></div>\n                <div><br></div>\n"
        f'                <div><div dir="ltr">{notice_html()}</div></div>\n'
        "            </div>\n        </div></body></html>\n"
    )
    boundary = f"----=_Part_{int(hexid(seed, 6), 16)}_{int(hexid(seed + 'p', 7), 16)}.1796087670000"
    headers = (
        "Received: from sonic301-21.consmr.mail.sg3.yahoo.com"
        " (sonic301-21.consmr.mail.sg3.yahoo.com [198.51.100.84])\n"
        "\tby mx.tnde.banyumaskab.go.id (Postfix) with ESMTPS id 4fKq7Yh2Lz\n"
        f"\tfor <{REPLY_ADDR}>; {DATE}\n"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=yahoo.com; s=s2048;"
        " t=1796094867; bh="
        + fake_b64(seed + "bh", 43)
        + "=; h=Date:From:To:In-Reply-To:References:Subject:From:Subject:Reply-To; b="
        + fake_b64(seed + "b", 120)
        + "\n"
        f"X-YMail-OSG: {fake_b64(seed + 'osg', 70)}\n"
        f"X-Sonic-MF: <{FROM_ADDR}>\n"
        f"X-Sonic-ID: {apple_uuid(seed).lower()}\n"
        f"Date: {DATE}\n"
        f"From: {FROM}\n"
        f'To: "{REPLY_ADDR}" <{REPLY_ADDR}>\n'
        f"Message-ID: {REPLY_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"References: {NOTICE_ID}\n" + subject_header("Bls:") + "\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative; \n\tboundary="{boundary}"\n'
        "X-Mailer: WebService/1.1.23923 YMailNorrin\n"
    )
    body = multipart(
        boundary,
        [
            qp_part("text/plain; charset=UTF-8", text),
            qp_part("text/html; charset=UTF-8", markup),
        ],
    )
    return message(headers, body)


def samsung(seed: str, lines: Sequence[str]) -> bytes:
    """Samsung Email (Android, Indonesian): base64 text and html, the signature 'Dikirim dari
    ponsel cerdas Samsung Galaxy saya.', then '-------- Pesan asli --------'."""
    footer = "Dikirim dari ponsel cerdas Samsung Galaxy saya."
    block = [
        "-------- Pesan asli --------",
        f"Dari: TNDE Gateway <tnde@{GW}> ",
        "Tanggal: 01/12/26 10.00 (GMT+07:00) ",
        f"Ke: {ADDRESSEE_QUOTED} ",
        f"Subjek: {NOTICE_SUBJECT} ",
    ]
    text = (
        "\n".join(lines)
        + f"\n\n\n\n{footer}\n\n\n"
        + "\n".join(block)
        + "\n\n"
        + notice_rendered_text()
    )
    new_html = "".join(f'<div dir="auto">{esc(x) if x else "<br>"}</div>' for x in lines)
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        f'<body dir="auto">{new_html}<div dir="auto"><br></div><div dir="auto"><br></div>'
        '<div dir="auto"><br></div><div id="composer_signature" dir="auto"><div'
        f' style="font-size:85%;color:#575757" dir="auto">{footer}</div></div><div dir="auto">'
        '<br></div><div><br></div><div align="left" dir="auto" style="font-size:100%;'
        'color:#000000">'
        + "".join(f"<div>{esc(x)}</div>" for x in block)
        + f"<br></div>{notice_html()}</body></html>\n"
    )
    boundary = f"--_com.samsung.android.email_{int(hexid(seed, 12), 16) % 10**15:015d}"
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed)
        + f"Date: {DATE}\n"
        + subject_header("Re:")
        + "\n"
        f"Message-ID: {REPLY_ID}\n"
        "Importance: normal\n"
        f"From: {FROM}\n"
        f"To: {REPLY_ADDR}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"References: {NOTICE_ID}\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n'
    )
    body = multipart(
        boundary,
        [
            b64_text_part("text/plain; charset=utf-8", text),
            b64_text_part("text/html; charset=utf-8", markup),
        ],
    )
    return message(headers, body)


def zimbra(seed: str, lines: Sequence[str]) -> bytes:
    """Zimbra 8.8 web client (HTML compose): '----- Original Message -----' with
    'From:/To:/Sent:/Subject:' in the text part, hr#zwchr and data-marker divs in the html."""
    block_rows = [
        ("From", f'"TNDE Gateway" <tnde@{GW}>'),
        ("To", ADDRESSEE_QUOTED),
        ("Sent", "Tuesday, December 1, 2026 10:00:00 AM"),
        ("Subject", NOTICE_SUBJECT),
    ]
    text = (
        "\n".join(lines)
        + "\n\n----- Original Message -----\n"
        + "".join(f"{k}: {v}\n" for k, v in block_rows)
        + "\n"
        + notice_rendered_text()
    )
    bogus = '<br data-mce-bogus="1">'
    new_html = "".join(f"<div>{esc(x) if x else bogus}</div>" for x in lines)
    markup = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt;'
        f' color: #000000">{new_html}<div><br></div><hr id="zwchr" data-marker="__DIVIDER__">'
        '<div data-marker="__HEADERS__">'
        + "".join(f"<b>{k}: </b>{esc(v)}<br>" for k, v in block_rows)
        + f'</div><br><div data-marker="__QUOTED_TEXT__">{notice_html()}</div></div>'
        "</body></html>\n"
    )
    boundary = f"=_{apple_uuid(seed).lower()}"
    headers = (
        received("mail.banyumaskab.go.id", "203.0.113.25", seed) + f"Date: {DATE}\n"
        f"From: {FROM}\n"
        f"To: {REPLY_ADDR}\n"
        f"Message-ID: {REPLY_ID}\n"
        f"In-Reply-To: {NOTICE_ID}\n"
        f"References: {NOTICE_ID}\n" + subject_header("Re:") + "\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative; \n\tboundary="{boundary}"\n'
        "X-Originating-IP: [10.10.3.44]\n"
        "X-Mailer: Zimbra 8.8.15_GA_4581 (ZimbraWebClient - GC131 (Win)/8.8.15_GA_4581)\n"
        f"Thread-Topic: Disposisi: Undangan Rapat Koordinasi Penanganan Stunting\n"
        f"Thread-Index: {fake_b64(seed + 'ti', 28)}\n"
    )
    body = multipart(
        boundary,
        [
            qp_part("text/plain; charset=utf-8", text),
            qp_part("text/html; charset=utf-8", markup),
        ],
    )
    return message(headers, body)


def laporan_pdf() -> bytes:
    lines = [
        *kop(
            "SEKRETARIAT DAERAH",
            "",
            "Jl. Kabupaten No. 1 Purwokerto 53114, Telp. (0281) 000000",
        ),
        "",
        ("b", "LAPORAN TINDAK LANJUT"),
        f"Nomor agenda : {AGENDA}",
        f"Perihal      : {PERIHAL}",
        "",
        "Rapat koordinasi tanggal 3 Desember 2026 telah dihadiri oleh",
        "Asisten Pemerintahan dan Kesejahteraan Rakyat. Hasil rapat:",
        "1. Data prevalensi stunting per kecamatan diserahkan ke Dinkes Provinsi.",
        "2. Rembuk stunting kabupaten dijadwalkan minggu kedua Januari 2027.",
        "",
        "Purwokerto, 4 Desember 2026",
        "Sekretaris Daerah,",
        "",
        "Drs. Agus Nugroho, M.M.",
    ]
    return build_text_pdf(
        lines, title="Laporan Tindak Lanjut", author="Setda", created="D:20261204091500+07'00'"
    )


# ================================================================== the corpus

SIG_AGUS = ["Drs. Agus Nugroho, M.M.", "Sekretaris Daerah Kabupaten Banyumas"]

add(
    Case(
        file="outlook_top_disposisi_multiline.eml",
        client="Outlook 2019 (Windows, English UI) via Exchange 2016, Content-Language id-ID",
        posting="top",
        subject_prefix="RE:",
        build=lambda: outlook_desktop(
            "c01",
            [
                "DISPOSISI kabag.umum, kasubbag.tu",
                "INSTRUKSI: siapkan jawaban, koordinasikan",
                "BATAS: 12-01-2027",
                "CATATAN: mohon dibahas besok pagi",
                "",
                *SIG_AGUS,
            ],
        ),
        expected_new_text=[
            "DISPOSISI kabag.umum, kasubbag.tu",
            "INSTRUKSI: siapkan jawaban, koordinasikan",
            "BATAS: 12-01-2027",
            "CATATAN: mohon dibahas besok pagi",
            *SIG_AGUS,
        ],
        commands=[
            cmd(
                "DISPOSISI",
                "DISPOSISI kabag.umum, kasubbag.tu",
                targets=["kabag.umum", "kasubbag.tu"],
                instruksi=["siapkan jawaban", "koordinasikan"],
                batas="12-01-2027",
                catatan="mohon dibahas besok pagi",
            )
        ],
        ignored=SIG_AGUS,
        note="Outlook signature has no '-- ' separator: its lines are in the new part and ignored;"
        " the unprefixed quoted notice below the From:/Sent: block has lines starting"
        " with DISPOSISI/TERIMA/SELESAI",
    )
)

add(
    Case(
        file="outlook_plain_nothreading_selesai.eml",
        client="Outlook 2016 (Windows), plain-text compose, over SMTP",
        posting="top",
        subject_prefix="RE:",
        threading=False,
        build=lambda: outlook_plain(
            "c02",
            ["SELESAI sudah dihadiri Asisten Perekonomian dan Pembangunan, notulen menyusul"],
            locale="en",
            threading=False,
        ),
        expected_new_text=[
            "SELESAI sudah dihadiri Asisten Perekonomian dan Pembangunan, notulen menyusul"
        ],
        commands=[
            cmd(
                "SELESAI",
                "SELESAI sudah dihadiri Asisten Perekonomian dan Pembangunan, notulen menyusul",
                text="sudah dihadiri Asisten Perekonomian dan Pembangunan, notulen menyusul",
            )
        ],
        note="no In-Reply-To/References (Thread-Index/Thread-Topic only): matching falls back to"
        " the token; quote under '-----Original Message-----' is not '>'-prefixed",
    )
)

add(
    Case(
        file="outlook_id_top_tanggapan.eml",
        client="Outlook 365 (Windows, Indonesian UI) via Exchange 2016",
        posting="top",
        subject_prefix="RE:",
        build=lambda: outlook_desktop(
            "c03",
            [
                "TANGGAPAN Kami mendukung rapat koordinasi ini; Asisten Kesra akan hadir mewakili.",
                "Data prevalensi stunting per kecamatan sudah kami minta dari Dinkes.",
                "",
                "Salam,",
                "Agus",
            ],
            locale="id",
        ),
        expected_new_text=[
            "TANGGAPAN Kami mendukung rapat koordinasi ini; Asisten Kesra akan hadir mewakili.",
            "Data prevalensi stunting per kecamatan sudah kami minta dari Dinkes.",
            "Salam,",
            "Agus",
        ],
        commands=[
            cmd(
                "TANGGAPAN",
                "TANGGAPAN Kami mendukung rapat koordinasi ini; Asisten Kesra akan hadir mewakili.",
                text="Kami mendukung rapat koordinasi ini; Asisten Kesra akan hadir mewakili.\n"
                "Data prevalensi stunting per kecamatan sudah kami minta dari Dinkes.",
            )
        ],
        ignored=["Salam,", "Agus"],
        note="Indonesian 'Dari:/Dikirim:/Kepada:/Perihal:' block; TANGGAPAN text runs to the"
        " blank line, the closing after it is not part of it",
    )
)

add(
    Case(
        file="gmail_top_teruskan_title.eml",
        client="Gmail web (English UI)",
        posting="top",
        build=lambda: gmail(
            "c04",
            [
                "Teruskan ke Kepala Bagian Umum",
                "Catatan: mohon disiapkan bahan paparan untuk rapat",
            ],
        ),
        expected_new_text=[
            "Teruskan ke Kepala Bagian Umum",
            "Catatan: mohon disiapkan bahan paparan untuk rapat",
        ],
        commands=[
            cmd(
                "DISPOSISI",
                "Teruskan ke Kepala Bagian Umum",
                targets=["Kepala Bagian Umum"],
                catatan="mohon disiapkan bahan paparan untuk rapat",
            )
        ],
        note="alias TERUSKAN with the preposition 'ke' (dropped) and a position title; the"
        " attribution is wrapped over two lines ('... <tnde@...>' / 'wrote:') and has"
        " U+202F before AM",
    )
)

add(
    Case(
        file="gmail_id_top_selesai.eml",
        client="Gmail web (Indonesian UI)",
        posting="top",
        build=lambda: gmail("c05", ["SELESAI"], locale="id"),
        expected_new_text=["SELESAI"],
        commands=[cmd("SELESAI", "SELESAI")],
        note="'Pada Sel, 1 Des 2026 pukul 10.00 TNDE Gateway <...>' / 'menulis:' wrapped over"
        " two lines; SELESAI without catatan",
    )
)

add(
    Case(
        file="gmail_android_terima.eml",
        client="Gmail app (Android, Indonesian)",
        posting="top",
        build=lambda: gmail("c06", ["TERIMA", "ok siap"], locale="id", app=True),
        expected_new_text=["TERIMA", "ok siap"],
        commands=[cmd("TERIMA", "TERIMA")],
        ignored=["ok siap"],
        note="TERIMA takes no argument, so the next line is not glued to it: it is ignored",
    )
)

add(
    Case(
        file="iphone_disposisi_nama.eml",
        client="iOS Mail 18 (iPhone, Indonesian)",
        posting="top",
        build=lambda: iphone(
            "c07",
            [
                "Disposisi Rina Kusumawati",
                "Catatan: tolong diwakili, saya ada rapat di provinsi",
            ],
        ),
        expected_new_text=[
            "Disposisi Rina Kusumawati",
            "Catatan: tolong diwakili, saya ada rapat di provinsi",
        ],
        commands=[
            cmd(
                "DISPOSISI",
                "Disposisi Rina Kusumawati",
                targets=["Rina Kusumawati"],
                catatan="tolong diwakili, saya ada rapat di provinsi",
            )
        ],
        note="capitalised by the phone keyboard; a person's name as target; the new part ends at"
        " 'Dikirim dari iPhone saya'; the attribution is inside the '>' quote; CATATAN keeps"
        " its comma",
    )
)

add(
    Case(
        file="thunderbird_bottom_flowed_disposisi.eml",
        client="Thunderbird 128 (Windows, Indonesian), plain text, format=flowed",
        posting="bottom",
        build=lambda: thunderbird_bottom(
            [
                "DISPOSISI kabag.umum",
                "INSTRUKSI: hadiri, laporkan hasilnya",
                "CATATAN: rapat ini menyangkut target penurunan stunting 14 persen tahun 2027,"
                " mohon Kabag Umum hadir sendiri dan tidak diwakilkan",
            ]
        ),
        expected_new_text=[
            "DISPOSISI kabag.umum",
            "INSTRUKSI: hadiri, laporkan hasilnya",
            "CATATAN: rapat ini menyangkut target penurunan stunting 14 persen tahun 2027,"
            " mohon Kabag Umum hadir sendiri dan tidak diwakilkan",
        ],
        commands=[
            cmd(
                "DISPOSISI",
                "DISPOSISI kabag.umum",
                targets=["kabag.umum"],
                instruksi=["hadiri", "laporkan hasilnya"],
                catatan="rapat ini menyangkut target penurunan stunting 14 persen tahun 2027,"
                " mohon Kabag Umum hadir sendiri dan tidak diwakilkan",
            )
        ],
        note="answer below the quote; the CATATAN line is soft-wrapped (trailing space) and must"
        " be unflowed into one line",
    )
)

add(
    Case(
        file="thunderbird_top_signature_selesai.eml",
        client="Thunderbird 128 (Windows, Indonesian), HTML compose, reply above quote",
        posting="top",
        build=lambda: thunderbird_html_top(
            "c09",
            ["SELESAI sudah diwakili Asisten Pemerintahan dan Kesra"],
            [*SIG_AGUS, "DISPOSISI cepat, pelayanan tepat!"],
        ),
        expected_new_text=["SELESAI sudah diwakili Asisten Pemerintahan dan Kesra"],
        commands=[
            cmd(
                "SELESAI",
                "SELESAI sudah diwakili Asisten Pemerintahan dan Kesra",
                text="sudah diwakili Asisten Pemerintahan dan Kesra",
            )
        ],
        note="the motto line 'DISPOSISI cepat, pelayanan tepat!' is below '-- ' and must not be"
        " read; html has pre.moz-signature and div.moz-cite-prefix",
    )
)

add(
    Case(
        file="webmail_htmlonly_batal.eml",
        client="Webmail sending text/html only (Roundcube 1.6 markup)",
        posting="top",
        html_only=True,
        build=lambda: html_only_webmail(
            "c10",
            "<div>BATAL</div>\n<div>salah pilih tujuan, nanti saya disposisi&nbsp;ulang<br></div>"
            "\n<div><br></div>\n<div>Agus &amp; staf</div>",
        ),
        expected_new_text=[
            "BATAL",
            "salah pilih tujuan, nanti saya disposisi ulang",
            "Agus & staf",
        ],
        commands=[cmd("BATAL", "BATAL")],
        ignored=["salah pilih tujuan, nanti saya disposisi ulang", "Agus & staf"],
        note="no text/plain part; &nbsp; becomes a space, &amp; becomes &; BATAL without target"
        " (the next line is not its argument)",
    )
)

add(
    Case(
        file="gmail_top_done_signature.eml",
        client="Gmail web (English UI) with a Gmail signature",
        posting="top",
        build=lambda: gmail(
            "c11a",
            ["DONE sudah dibahas dengan Bappeda tadi pagi"],
            signature=["Agus Nugroho", "Setda Kab. Banyumas"],
        ),
        expected_new_text=["DONE sudah dibahas dengan Bappeda tadi pagi"],
        commands=[
            cmd(
                "SELESAI",
                "DONE sudah dibahas dengan Bappeda tadi pagi",
                text="sudah dibahas dengan Bappeda tadi pagi",
            )
        ],
        note="English alias DONE; Gmail signature under '-- ' (span.gmail_signature_prefix)",
    )
)

add(
    Case(
        file="outlook_mac_forward_colon.eml",
        client="Outlook for Mac 16.92",
        posting="top",
        build=lambda: outlook_mac(
            "c11b", ["FORWARD: kasubbag.tu", "INSTRUKSI: arsipkan", "", "Thanks"]
        ),
        expected_new_text=["FORWARD: kasubbag.tu", "INSTRUKSI: arsipkan", "Thanks"],
        commands=[
            cmd(
                "DISPOSISI",
                "FORWARD: kasubbag.tu",
                targets=["kasubbag.tu"],
                instruksi=["arsipkan"],
            )
        ],
        ignored=["Thanks"],
        note="English alias with trailing colon; Outlook for Mac's 'From:/Date:/To:/Subject:' block"
        " (a line with a lone space before it)",
    )
)

add(
    Case(
        file="outlook_android_help.eml",
        client="Outlook for Android via Exchange Online",
        posting="top",
        build=lambda: outlook_cloud("c11c", ["HELP"], mobile=True),
        expected_new_text=["HELP"],
        commands=[cmd("BANTUAN", "HELP")],
        note="footer 'Get Outlook for Android<https://aka.ms/AAb9ysg>' (link glued on in the text"
        " part) and the '________________________________' rule",
    )
)

add(
    Case(
        file="gmail_ios_hashtag_selesai.eml",
        client="Gmail app (iOS, English)",
        posting="top",
        build=lambda: gmail("c12a", ["#selesai"], app=True),
        expected_new_text=["#selesai"],
        commands=[cmd("SELESAI", "#selesai")],
        note="lower case with leading '#'; the app's attribution 'On Tue, Dec 1, 2026, 10:00 ...'",
    )
)

add(
    Case(
        file="applemail_mac_selesai_colon.eml",
        client="Apple Mail 16 (macOS, Indonesian)",
        posting="top",
        build=lambda: apple_mac("c12b", ["Selesai: laporan hasil rapat menyusul besok"]),
        expected_new_text=["Selesai: laporan hasil rapat menyusul besok"],
        commands=[
            cmd(
                "SELESAI",
                "Selesai: laporan hasil rapat menyusul besok",
                text="laporan hasil rapat menyusul besok",
            )
        ],
        note="keyword with trailing colon, mixed case; attribution line is itself '>'-quoted",
    )
)

add(
    Case(
        file="owa_comment_only.eml",
        client="Outlook on the web (Microsoft 365, English UI)",
        posting="top",
        build=lambda: outlook_cloud("c13", ["Siap, akan saya pelajari dulu."], mobile=False),
        expected_new_text=["Siap, akan saya pelajari dulu."],
        comment="Siap, akan saya pelajari dulu.",
        note="no command: the whole new part is a comment",
    )
)

add(
    Case(
        file="gmail_android_disposisi_no_target.eml",
        client="Gmail app (Android, Indonesian)",
        posting="top",
        build=lambda: gmail("c14a", ["Disposisi"], locale="id", app=True),
        expected_new_text=["Disposisi"],
        not_understood=["Disposisi"],
        note="DISPOSISI without a target is not understood (answer with help), not a comment",
    )
)

add(
    Case(
        file="outlook_id_plain_disposisi_bad_batas.eml",
        client="Outlook 2019 (Windows, Indonesian UI), plain-text compose, over SMTP",
        posting="top",
        subject_prefix="RE:",
        build=lambda: outlook_plain(
            "c14b",
            ["DISPOSISI kabag.umum", "INSTRUKSI: terbang", "BATAS: besok lusa"],
            locale="id",
            threading=True,
        ),
        expected_new_text=["DISPOSISI kabag.umum", "INSTRUKSI: terbang", "BATAS: besok lusa"],
        commands=[
            cmd("DISPOSISI", "DISPOSISI kabag.umum", targets=["kabag.umum"], instruksi=["terbang"])
        ],
        not_understood=["BATAS: besok lusa"],
        note="unknown instruction is read as written (validated later); an unparseable BATAS is"
        " not understood and leaves batas unset; quote under '-----Pesan Asli-----' with"
        " 'Dari:/Dikirim:/Kepada:/Subjek:'",
    )
)

add(
    Case(
        file="gmail_top_unknown_keyword.eml",
        client="Gmail web (English UI)",
        posting="top",
        build=lambda: gmail("c14c", ["HAPUS semua"]),
        expected_new_text=["HAPUS semua"],
        comment="HAPUS semua",
        note="an unknown word in command position is plain text: the reply is a comment",
    )
)

add(
    Case(
        file="zimbra_multiple_commands.eml",
        client="Zimbra 8.8.15 web client (English UI), HTML compose",
        posting="top",
        build=lambda: zimbra(
            "c15",
            [
                "TERIMA",
                "DISPOSISI kasubbag.tu, Kepala Bagian Umum",
                "BATAS: 12 Januari 2027",
                "CATATAN: koordinasikan dengan Dinkes untuk data stunting",
                "",
                "Terima kasih",
            ],
        ),
        expected_new_text=[
            "TERIMA",
            "DISPOSISI kasubbag.tu, Kepala Bagian Umum",
            "BATAS: 12 Januari 2027",
            "CATATAN: koordinasikan dengan Dinkes untuk data stunting",
            "Terima kasih",
        ],
        commands=[
            cmd("TERIMA", "TERIMA"),
            cmd(
                "DISPOSISI",
                "DISPOSISI kasubbag.tu, Kepala Bagian Umum",
                targets=["kasubbag.tu", "Kepala Bagian Umum"],
                batas="12 Januari 2027",
                catatan="koordinasikan dengan Dinkes untuk data stunting",
            ),
        ],
        ignored=["Terima kasih"],
        note="two commands in order; 'Terima kasih' is thanks, not TERIMA (TERIMA takes no"
        " argument); '----- Original Message -----' separator",
    )
)

add(
    Case(
        file="yahoo_status.eml",
        client="Yahoo Mail web (Indonesian UI)",
        posting="top",
        subject_prefix="Bls:",
        build=lambda: yahoo("c16a", ["STATUS"]),
        expected_new_text=["STATUS"],
        commands=[cmd("STATUS", "STATUS")],
        note="Yahoo's text part indents the attribution by 4 spaces (trailing spaces too) and the"
        " quoted notice by 1 space, no '>'",
    )
)

add(
    Case(
        file="iphone_mailto_bantuan.eml",
        client="iOS Mail 18 (iPhone, Indonesian), new message from the notice's mailto link",
        posting="none",
        threading=False,
        build=lambda: iphone("c16b", ["BANTUAN"], mailto_new=True),
        expected_new_text=["BANTUAN"],
        commands=[cmd("BANTUAN", "BANTUAN")],
        note="tapping the 'Bantuan' link: a new message (text/plain us-ascii, no quote, no"
        " In-Reply-To/References); only the token identifies the disposition",
    )
)

add(
    Case(
        file="samsung_tolak.eml",
        client="Samsung Email (Android, Indonesian)",
        posting="top",
        build=lambda: samsung(
            "c17a", ["TOLAK bukan kewenangan Setda, mohon diarahkan ke Dinas Kesehatan"]
        ),
        expected_new_text=["TOLAK bukan kewenangan Setda, mohon diarahkan ke Dinas Kesehatan"],
        commands=[
            cmd(
                "TOLAK",
                "TOLAK bukan kewenangan Setda, mohon diarahkan ke Dinas Kesehatan",
                text="bukan kewenangan Setda, mohon diarahkan ke Dinas Kesehatan",
            )
        ],
        note="base64 text and html; footer 'Dikirim dari ponsel cerdas Samsung Galaxy saya.' (note"
        " 'cerdas'), then '-------- Pesan asli --------' with 'Dari:/Tanggal:/Ke:/Subjek:'",
    )
)

add(
    Case(
        file="outlook_id_plain_batal_target.eml",
        client="Outlook 2019 (Windows, Indonesian UI), plain-text compose, over SMTP",
        posting="top",
        subject_prefix="RE:",
        build=lambda: outlook_plain("c17b", ["BATAL kasubbag.tu"], locale="id", threading=True),
        expected_new_text=["BATAL kasubbag.tu"],
        commands=[cmd("BATAL", "BATAL kasubbag.tu", targets=["kasubbag.tu"], text="kasubbag.tu")],
        note="BATAL with a target",
    )
)

add(
    Case(
        file="outlook_attachment_selesai_pdf.eml",
        client="Outlook 2019 (Windows, English UI) via Exchange 2016",
        posting="top",
        subject_prefix="RE:",
        build=lambda: outlook_desktop(
            "c18",
            ["SELESAI laporan tindak lanjut terlampir", "", "Salam,", "Agus"],
            attachment=("laporan_tindak_lanjut.pdf", laporan_pdf()),
        ),
        expected_new_text=["SELESAI laporan tindak lanjut terlampir", "Salam,", "Agus"],
        commands=[
            cmd(
                "SELESAI",
                "SELESAI laporan tindak lanjut terlampir",
                text="laporan tindak lanjut terlampir",
            )
        ],
        ignored=["Salam,", "Agus"],
        attachments=["laporan_tindak_lanjut.pdf"],
        note="mixed { alternative, PDF }: the PDF is the tindak lanjut file",
    )
)

add(
    Case(
        file="exchange_autoreply_cuti.eml",
        client="Exchange 2016 automatic reply (out of office), Indonesian",
        posting="none",
        automatic=True,
        subject_prefix="Balasan Otomatis:",
        to=f"tnde@{GW}",
        build=lambda: exchange_autoreply("c21"),
        expected_new_text=[],
        note="Auto-Submitted: auto-replied; sent to the notice's sender (tnde@), not to Reply-To;"
        " its 'Selesai cuti ...' line must not become SELESAI: nothing is read",
    )
)

add(
    Case(
        file="gmail_forward_notice.eml",
        client="Gmail web (Indonesian UI), Forward",
        posting="top",
        forwarded=True,
        sender="other",
        sample_from="Sri Wahyuni <sri.wahyuni@banyumaskab.go.id>",
        subject_prefix="Fwd:",
        build=lambda: gmail_forward("c22", ["Mohon izin meneruskan untuk arsip Bagian Umum."]),
        expected_new_text=["Mohon izin meneruskan untuk arsip Bagian Umum."],
        comment="Mohon izin meneruskan untuk arsip Bagian Umum.",
        note="someone other than the addressee forwards the notice; the notice is inline and NOT"
        " '>'-quoted below '---------- Pesan terusan ---------', so its help lines (TERIMA,"
        " DISPOSISI kabag.umum, SELESAI ...) must not be read",
    )
)

add(
    Case(
        file="gmail_top_greeting_then_command.eml",
        client="Gmail web (Indonesian UI)",
        posting="top",
        build=lambda: gmail(
            "c23",
            [
                "Baik,",
                "DISPOSISI kabag.umum",
                "INSTRUKSI: hadiri, laporkan hasilnya",
                "BATAS: 3 hari kerja",
                "",
                "Terima kasih.",
            ],
            locale="id",
        ),
        expected_new_text=[
            "Baik,",
            "DISPOSISI kabag.umum",
            "INSTRUKSI: hadiri, laporkan hasilnya",
            "BATAS: 3 hari kerja",
            "Terima kasih.",
        ],
        commands=[
            cmd(
                "DISPOSISI",
                "DISPOSISI kabag.umum",
                targets=["kabag.umum"],
                instruksi=["hadiri", "laporkan hasilnya"],
                batas="3 hari kerja",
            )
        ],
        ignored=["Baik,", "Terima kasih."],
        note="a greeting line before the command is ignored, the command is still read",
    )
)

add(
    Case(
        file="gmail_android_mailto_teruskan.eml",
        client="Gmail app (Android, Indonesian), new message from the 'Teruskan ke …' mailto link",
        posting="none",
        threading=False,
        build=lambda: gmail(
            "c24",
            ["DISPOSISI kabag.umum", "INSTRUKSI: hadiri", "BATAS: ", "CATATAN: "],
            locale="id",
            app=True,
            mailto_new=True,
        ),
        expected_new_text=["DISPOSISI kabag.umum", "INSTRUKSI: hadiri", "BATAS:", "CATATAN:"],
        commands=[
            cmd("DISPOSISI", "DISPOSISI kabag.umum", targets=["kabag.umum"], instruksi=["hadiri"])
        ],
        note="the pre-filled template left 'BATAS: ' and 'CATATAN: ' empty: empty means not given"
        " (neither not understood nor ignored); no quote, no In-Reply-To",
    )
)

add(
    Case(
        file="iphone_empty_reply.eml",
        client="iOS Mail 18 (iPhone, Indonesian)",
        posting="top",
        build=lambda: iphone("c25", []),
        expected_new_text=[],
        note="sent by accident: only the footer above the quote; nothing to read, not even an"
        " empty comment",
    )
)


# ------------------------------------------------------------------ manifest


def toml_str(value: str) -> str:
    if "\n" in value:
        return '"""\n' + value.replace("\\", "\\\\").replace('"""', '\\"""') + '"""'
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


MANIFEST_HEAD = """\
# Replies to a TNDE notice, as real mail clients build them, and what the command parser must
# read from each. Written by build.py (edit the cases there, then run it); README.md explains.
#
# Placeholders (header fields only; replace literally, not with str.format):
#   {token} {notice_message_id} {reply_message_id} {from_name} {from_address} {date}
#   {notice_message_id}/{reply_message_id} include the angle brackets. {from_name} sits inside
#   double quotes in From: and must be ASCII without '"' or '\\'.
#
# Keys per [[reply]]
#   file, client, note
#   posting            top | bottom | none (none: nothing quoted at all)
#   html_only          no text/plain part: read the text/html converted to text
#   automatic          machine reply: read nothing at all
#   forwarded          a forward of the notice, not a reply
#   threading          false: no In-Reply-To/References, match by the token in To: only
#   sender             addressee | other (other: send it from someone who is not the addressee,
#                      e.g. sample_from)
#   to                 addr-spec the message is addressed to (also the RCPT TO to use)
#   subject_prefix     what precedes "[TNDE ...]" in Subject
#   expected_new_text  the new part the parser isolates: each line stripped, blank lines
#                      dropped, soft-wrapped (format=flowed) lines joined, joined by \\n
#   [[reply.command]]  in order: name (canonical Indonesian), line (the line it starts on,
#                      stripped), targets (DISPOSISI and BATAL), instruksi, batas, catatan
#                      (DISPOSISI); absent = not given; text (argument of
#                      SELESAI/TANGGAPAN/TOLAK/BATAL; absent = none)
#   not_understood     lines that start with a command keyword but cannot be read
#   ignored            other lines of the new part when it has a command or a not-understood line
#   comment            the new part (joined by \\n) when it has neither; absent: no comment
#   attachments        file names attached to the reply
"""


def manifest() -> str:
    out = [MANIFEST_HEAD]
    for case in CASES:
        out.append("[[reply]]")
        out.append(f"file = {toml_str(case.file)}")
        out.append(f"client = {toml_str(case.client)}")
        out.append(f"posting = {toml_str(case.posting)}")
        out.append(f"html_only = {toml_value(case.html_only)}")
        out.append(f"automatic = {toml_value(case.automatic)}")
        out.append(f"forwarded = {toml_value(case.forwarded)}")
        out.append(f"threading = {toml_value(case.threading)}")
        out.append(f"sender = {toml_str(case.sender)}")
        if case.sample_from:
            out.append(f"sample_from = {toml_str(case.sample_from)}")
        out.append(f"to = {toml_str(case.to)}")
        out.append(f"subject_prefix = {toml_str(case.subject_prefix)}")
        out.append(f"expected_new_text = {toml_str(chr(10).join(case.expected_new_text))}")
        if case.not_understood:
            out.append(f"not_understood = {toml_value(case.not_understood)}")
        if case.ignored:
            out.append(f"ignored = {toml_value(case.ignored)}")
        if case.comment is not None:
            out.append(f"comment = {toml_str(case.comment)}")
        if case.attachments:
            out.append(f"attachments = {toml_value(case.attachments)}")
        out.append(f"note = {toml_str(case.note)}")
        for command in case.commands:
            out.append("[[reply.command]]")
            for key in ("name", "line", "targets", "instruksi", "batas", "catatan", "text"):
                if key in command:
                    out.append(f"{key} = {toml_value(command[key])}")
        out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------ checks


def substitute(raw: bytes) -> bytes:
    for key, value in SAMPLE.items():
        raw = raw.replace(key.encode(), value.encode())
    return raw


def body_text(msg: EmailMessage) -> tuple[str, str]:
    """(text/plain as read, html converted to text); either may be empty."""
    plain = markup = ""
    for sub in msg.walk():
        if sub.is_multipart() or sub.get_content_disposition() == "attachment":
            continue
        kind = sub.get_content_type()
        if kind == "text/plain" and not plain:
            plain = str(sub.get_content()).replace("\r\n", "\n")
            if sub.get_param("format", "").lower() == "flowed":
                plain = unflow(plain)
        elif kind == "text/html" and not markup:
            markup = html_to_text(str(sub.get_content()))
    return plain, markup


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\ufeff", "").split("\n") if line.strip()]


def check_case(case: Case, entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    path = HERE / case.file
    raw = path.read_bytes()
    if re.search(rb"(?<!\r)\n|\r(?!\n)", raw):
        problems.append("bare CR or LF")
    if any(len(line) > 998 for line in raw.split(b"\r\n")):
        problems.append("a line longer than 998 octets")
    header_end = raw.index(b"\r\n\r\n")
    body_part = raw[header_end:]
    for key in SAMPLE:
        if key.encode() in body_part:
            problems.append(f"placeholder {key} outside the header")
    msg = message_from_bytes(substitute(raw), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    for sub in msg.walk():
        if sub.defects:
            problems.append(f"defects in {sub.get_content_type()}: {sub.defects}")
    to = case.to.replace("{token}", SAMPLE["{token}"])
    if to not in str(msg["To"]):
        problems.append(f"To {msg['To']!r} lacks {to}")
    if str(msg["Message-ID"]).strip() != SAMPLE["{reply_message_id}"]:
        problems.append("Message-ID")
    if str(msg["From"].addresses[0].addr_spec) != SAMPLE["{from_address}"]:
        problems.append("From")
    if msg["From"].addresses[0].display_name != SAMPLE["{from_name}"]:
        problems.append("From display name")
    has_irt = msg["In-Reply-To"] is not None
    if has_irt != case.threading:
        problems.append(f"In-Reply-To present={has_irt}, threading={case.threading}")
    subject = str(msg["Subject"])
    if subject != f"{case.subject_prefix} {NOTICE_SUBJECT}":
        problems.append(f"Subject {subject!r}")
    if msg["Date"] is None or msg["Date"].datetime is None:
        problems.append("Date")
    return problems + check_attachments(case, msg) + check_reading(case, entry, msg)


def check_attachments(case: Case, msg: EmailMessage) -> list[str]:
    problems: list[str] = []
    names = [
        sub.get_filename()
        for sub in msg.walk()
        if not sub.is_multipart() and sub.get_content_disposition() == "attachment"
    ]
    if names != case.attachments:
        problems.append(f"attachments {names}")
    for sub in msg.walk():
        if sub.get_content_type() == "application/pdf":
            data = sub.get_content()
            if not (isinstance(data, bytes) and data.startswith(b"%PDF-")):
                problems.append("pdf")
    return problems


def check_reading(case: Case, entry: dict[str, Any], msg: EmailMessage) -> list[str]:
    """The manifest's expectations against the bodies: the new part opens the body (top
    posting) or follows the quote (bottom), in the text part and in the html part."""
    problems: list[str] = []
    plain, markup = body_text(msg)
    if case.html_only != (not plain and bool(markup)):
        problems.append("html_only does not match the MIME structure")
    expected = case.expected_new_text
    if entry["expected_new_text"].split("\n") != (expected or [""]):
        problems.append("manifest expected_new_text differs")
    for label, text in (("text", plain), ("html", markup)):
        if not text:
            continue
        got = lines_of(text)
        if not expected:
            continue
        if case.posting in ("top", "none"):
            if got[: len(expected)] != expected:
                problems.append(f"{label}: new part does not open the body: {got[:6]}")
        else:
            starts = [i for i in range(len(got)) if got[i : i + len(expected)] == expected]
            if not starts or starts[0] == 0:
                problems.append(f"{label}: bottom-posted text not found after the quote")
    wanted = set(expected)
    for command in case.commands:
        if command["line"] not in wanted:
            problems.append(f"command line {command['line']!r} not in the new part")
    for line in case.ignored + case.not_understood:
        if line not in wanted:
            problems.append(f"{line!r} not in the new part")
    if case.comment is not None and case.comment != "\n".join(expected):
        problems.append("comment is not the new part")
    if case.comment is not None and (case.commands or case.not_understood):
        problems.append("comment together with commands")
    return problems


def check() -> int:
    manifest_data = tomllib.loads((HERE / "replies.toml").read_text(encoding="utf-8"))
    entries = {entry["file"]: entry for entry in manifest_data["reply"]}
    failures = 0
    on_disk = {p.name for p in HERE.glob("*.eml")}
    if on_disk != set(entries):
        print("manifest and files differ:", sorted(on_disk ^ set(entries)))
        failures += 1
    if len(CASES) != len(entries):
        print("duplicate file names in the cases")
        failures += 1
    for case in CASES:
        problems = check_case(case, entries[case.file])
        if problems:
            failures += 1
            print(f"FAIL {case.file}")
            for problem in problems:
                print(f"     {problem}")
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    for case in CASES:
        if f"`{case.file}`" not in readme:
            print(f"README.md does not describe {case.file}")
            failures += 1
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main() -> None:
    if "--check" not in sys.argv[1:]:
        for case in CASES:
            (HERE / case.file).write_bytes(case.build())
        (HERE / "replies.toml").write_text(manifest(), encoding="utf-8")
    sys.exit(check())


if __name__ == "__main__":
    main()
