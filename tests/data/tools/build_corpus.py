"""Writes every committed tests/data/*.eml deterministically (``python build_corpus.py``)."""

from __future__ import annotations

import base64
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_pdf
import make_tnef
from make_pdf import build_scanned_pdf, build_text_pdf, kop
from mimeutil import (
    WIB,
    alnum,
    b64_lines,
    crlf,
    docx_bytes,
    dummy_pkcs7_signature,
    ew_b,
    fake_b64,
    fill,
    hexid,
    infographic_png,
    letter_photo_jpeg,
    logo_png,
    mail_date,
    message,
    multipart,
    part,
    qp,
    xlsx_bytes,
)

DATA_DIR = Path(__file__).resolve().parent.parent
GW = "tnde.banyumaskab.go.id"
CASES: dict[str, Callable[[], bytes]] = {}


def case(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    """Register a builder for ``tests/data/<name>``."""

    def register(func: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES[name] = func
        return func

    return register


# ------------------------------------------------------------------ MIME assembly helpers


def hdr(content_type: str, encoding: str) -> str:
    """Content-Type and Content-Transfer-Encoding header lines of a part."""
    return f"Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}"


def b64_part(headers: str, data: bytes) -> str:
    return part(headers, b64_lines(data) + "\n")


def filetime(moment: dt.datetime) -> tuple[int, int]:
    """High and low DWORD of a Windows FILETIME (what Outlook puts in boundaries and ids)."""
    ticks = int((moment.timestamp() + 11644473600) * 10_000_000)
    return ticks >> 32, ticks & 0xFFFFFFFF


def outlook_ids(moment: dt.datetime, seed: str, counter: int) -> tuple[str, str]:
    """(boundary, Message-ID local part) as Outlook 2016+ writes them over SMTP/IMAP."""
    high, low = filetime(moment)
    boundary = f"----=_NextPart_000_{counter:04X}_{high:08X}.{low:08X}"
    local = f"{counter:04x}{high:08x}${low:08x}${hexid(seed, 8)}$"
    return boundary, local


def wib(day: int, hour: int, minute: int, second: int, month: int = 1) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


def letter_pdf(lines: Sequence[make_pdf.Line], title: str, author: str, created: str) -> bytes:
    return build_text_pdf(lines, title=title, author=author, created=created)


def thread_index(seed: str) -> str:
    """Outlook's Thread-Index: 22 bytes (FILETIME-ish header + GUID), base64."""
    return base64.b64encode(b"\x01\xdc" + bytes.fromhex(hexid(seed, 40))).decode("ascii")


def gmail_headers(seed: str, to: str, when: str) -> str:
    """The trace/DKIM block Google's outbound servers put on a Gmail message."""
    host = f"mail-pj1-f{40 + int(hexid(seed, 2), 16) % 20}.google.com"
    dkim = fill(
        """Received: by {{host}} with SMTP id 98e67ed59e1d1-{{smtpid}}so{{num}}a91.1
        for <{{to}}>; {{when}}
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=gmail.com; s=20230601; t={{t}}; x={{x}}; darn={{darn}};
        h=to:subject:message-id:date:from:mime-version:from:to:cc:subject
         :date:message-id:reply-to;
        bh={{bh}};
        b={{sig}}
X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=1e100.net; s=20230601; t={{t}}; x={{x}};
        h=to:subject:message-id:date:from:mime-version:x-gm-message-state
         :from:to:cc:subject:date:message-id:reply-to;
        bh={{bh}};
        b={{gsig}}
X-Gm-Message-State: AOJu0Y{{state}}
X-Gm-Gg: ASbGnc{{gg}}
X-Google-Smtp-Source: AGHT+IF{{source}}
X-Received: by 2002:a17:90b:{{v6}} with SMTP id 98e67ed59e1d1-{{smtpid}}mr{{num}}a91.9;
        {{when}}
""",
        host=host,
        smtpid=hexid(seed + "id", 11),
        num=str(int(hexid(seed + "n", 6), 16)),
        to=to,
        when=when,
        t=str(1768000000 + int(hexid(seed + "t", 5), 16)),
        x=str(1768600000 + int(hexid(seed + "t", 5), 16)),
        darn=to.split("@")[1],
        bh=b64_of(seed + "bh", 32),
        sig=folded(b64_of(seed + "sig", 256), 70, "\n         "),
        gsig=folded(b64_of(seed + "gsig", 256), 70, "\n         "),
        state=fake_b64(seed + "st", 60),
        gg=fake_b64(seed + "gg", 60),
        source=fake_b64(seed + "src", 60),
        v6=":".join([hexid(seed + "v", 4), "b0", hexid(seed + "w", 3), hexid(seed + "z", 4)]),
    )
    return dkim


def b64_of(seed: str, size: int) -> str:
    """Base64 of ``size`` deterministic bytes (DKIM body hashes and signatures)."""
    return base64.b64encode(bytes.fromhex(hexid(seed, size * 2))).decode("ascii")


def folded(text: str, width: int, joiner: str) -> str:
    return joiner.join(text[i : i + width] for i in range(0, len(text), width))


def gmail_message_id(seed: str) -> str:
    return f"<CA{alnum(seed, 10)}+{alnum(seed + '2', 22)}-{alnum(seed + '3', 16)}@mail.gmail.com>"


def gmail_boundary(seed: str) -> str:
    return "0000000000" + hexid(seed, 18)


# ================================================================== the cases


@case("outlook_winmail_dat.eml")
def outlook_winmail_dat() -> bytes:
    """Outlook 2016 via on-prem Exchange 2016 with 'Rich Text' forced: TNEF winmail.dat."""
    sent = wib(12, 9, 41, 7)
    body = """Semarang, 12 Januari 2026

Yth. Sekretaris Daerah Kabupaten Banyumas
di Purwokerto

Nomor    : 400.7.7/0215/2026
Sifat    : Segera
Lampiran : 1 (satu) berkas
Perihal  : Undangan Rapat Koordinasi Penanganan Stunting

Dengan hormat,

Dalam rangka percepatan penurunan stunting di Provinsi Jawa Tengah, bersama ini kami
mengundang Bapak/Ibu untuk hadir pada:

   Hari/Tanggal : Kamis, 22 Januari 2026
   Waktu        : 09.00 WIB s.d. selesai
   Tempat       : Ruang Rapat Lt. 3 Dinas Kesehatan Provinsi Jawa Tengah,
                  Jl. Piere Tendean No. 24 Semarang

Surat undangan selengkapnya terlampir. Atas perhatian dan kehadirannya kami
ucapkan terima kasih.

Kepala Dinas Kesehatan Provinsi Jawa Tengah
u.b. Sekretaris

Subbag Umum dan Kepegawaian
Dinas Kesehatan Provinsi Jawa Tengah
Telp. (024) 8416xxx
"""
    pdf = letter_pdf(
        [
            *kop(
                "DINAS KESEHATAN",
                "",
                "Jalan Piere Tendean Nomor 24 Semarang 50132",
                "PEMERINTAH PROVINSI JAWA TENGAH",
            ),
            "",
            "Semarang, 12 Januari 2026",
            "",
            "Nomor : 400.7.7/0215/2026",
            "Sifat : Segera",
            "Lampiran : 1 (satu) berkas",
            "Perihal : Undangan Rapat Koordinasi Penanganan Stunting",
            "",
            "Yth. Sekretaris Daerah Kabupaten Banyumas",
            "di Purwokerto",
            "",
            "Dalam rangka percepatan penurunan stunting di Provinsi Jawa Tengah, dengan hormat",
            "kami mengundang Bapak/Ibu pada hari Kamis, 22 Januari 2026 pukul 09.00 WIB",
            "bertempat di Ruang Rapat Lt. 3 Dinas Kesehatan Provinsi Jawa Tengah.",
            "",
            "KEPALA DINAS KESEHATAN",
            "PROVINSI JAWA TENGAH",
        ],
        title="Undangan Rakor Stunting",
        author="Subbag Umum Dinkes Prov Jateng",
        created="D:20260112084512+07'00'",
    )
    pdf_file = make_tnef.TnefFile("surat_undangan.pdf", pdf, "application/pdf", wib(12, 8, 45, 12))
    msgid_hex = hexid("winmail-msgid", 32)
    tnef = make_tnef.build_tnef(
        subject="Undangan Rapat Koordinasi Penanganan Stunting",
        body=body.replace("\n", "\r\n"),
        files=[pdf_file],
        sent=sent.replace(tzinfo=None) - dt.timedelta(hours=7),
        message_id_hex=hexid("winmail-entryid", 48).upper(),
    )
    try:
        make_tnef.check_with_tnefparse(tnef, [pdf_file], "Penanganan Stunting")
    except ImportError:
        print("tnefparse is not installed: winmail.dat written but not read back", file=sys.stderr)
    mid = f"{msgid_hex}@EXCH01.dinkes.jatengprov.go.id"
    boundary = f"_000_{msgid_hex}EXCH01dinkesjatengprovgoid_"
    headers = fill(
        """Received: from EXCH01.dinkes.jatengprov.go.id (unknown [10.20.1.11])
	by mail.dinkes.jatengprov.go.id (Postfix) with ESMTPS id 4dQk2F1xZ7z9sVt
	for <setda@{{gw}}>; Mon, 12 Jan 2026 09:41:11 +0700 (WIB)
Received: from EXCH01.dinkes.jatengprov.go.id (10.20.1.11) by
 EXCH01.dinkes.jatengprov.go.id (10.20.1.11) with Microsoft SMTP Server
 (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id
 15.1.2507.39; Mon, 12 Jan 2026 09:41:09 +0700
Received: from EXCH01.dinkes.jatengprov.go.id ([fe80::5d1c:2a4b:91e3:7f20]) by
 EXCH01.dinkes.jatengprov.go.id ([fe80::5d1c:2a4b:91e3:7f20%12]) with mapi id
 15.01.2507.039; Mon, 12 Jan 2026 09:41:08 +0700
From: Subbag Umum dan Kepegawaian Dinkes Prov Jateng <tu@dinkes.jatengprov.go.id>
To: "setda@{{gw}}" <setda@{{gw}}>
Subject: Undangan Rapat Koordinasi Penanganan Stunting
Thread-Topic: Undangan Rapat Koordinasi Penanganan Stunting
Thread-Index: {{ti}}
Date: {{date}}
Message-ID: <{{mid}}>
Accept-Language: id-ID, en-US
Content-Language: id-ID
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator: <{{mid}}>
x-originating-ip: [10.20.3.57]
Content-Type: multipart/mixed;
	boundary="{{boundary}}"
MIME-Version: 1.0
""",
        gw=GW,
        ti=thread_index("winmail"),
        date=mail_date(2026, 1, 12, 9, 41, 7),
        mid=mid,
        boundary=boundary,
    )
    text = part(
        hdr('text/plain; charset="iso-8859-1"', "quoted-printable"),
        qp(body, "iso-8859-1"),
    )
    tnef_part = b64_part(
        'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        "Content-Description: winmail.dat\n"
        f'Content-Disposition: attachment; filename="winmail.dat"; size={len(tnef)};\n'
        '\tcreation-date="Mon, 12 Jan 2026 02:41:08 GMT";\n'
        '\tmodification-date="Mon, 12 Jan 2026 02:41:08 GMT"\n'
        "Content-Transfer-Encoding: base64",
        tnef,
    )
    return message(headers, multipart(boundary, [text, tnef_part]))


@case("gmail_multipart_alternative.eml")
def gmail_multipart_alternative() -> bytes:
    """Gmail web: multipart/mixed { multipart/alternative { text, html }, PDF }."""
    seed = "gmail-web"
    to = f"dinkes@{GW}"
    text = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas

Nomor : 443.1/021/PKM-KBR1/I/2026
Sifat : Segera
Lampiran : 1 (satu) berkas
Perihal : Laporan Kejadian Luar Biasa (KLB) Diare di Desa Karangsari

Dengan hormat,
Bersama ini kami laporkan terjadinya peningkatan kasus diare di Desa Karangsari, Kecamatan \
Kembaran sejak 10 Januari 2026 sebanyak 27 kasus (2 dirujuk ke RSUD Prof. Dr. Margono \
Soekarjo). Laporan lengkap dan line list kasus kami lampirkan.

Demikian laporan ini kami sampaikan, atas perhatiannya kami ucapkan terima kasih.

Kembaran, 13 Januari 2026
Kepala Puskesmas Kembaran I

dr. Hendra Wicaksono
NIP. 19800312 200903 1 004

--
Puskesmas Kembaran I
Jl. Raya Kembaran No. 5, Kembaran, Kab. Banyumas
"""
    paragraphs = text.strip("\n").split("\n")
    html_lines = "<br>".join(
        line.replace("&", "&amp;").replace("<", "&lt;") if line != "--" else "-- "
        for line in paragraphs
    )
    html = f'<div dir="ltr">{html_lines}</div>\n'
    pdf = letter_pdf(
        [
            *kop(
                "DINAS KESEHATAN", "PUSKESMAS KEMBARAN I", "Jl. Raya Kembaran No. 5 Kembaran 53182"
            ),
            "",
            "Kembaran, 13 Januari 2026",
            "Nomor : 443.1/021/PKM-KBR1/I/2026",
            "Sifat : Segera",
            "Lampiran : 1 (satu) berkas",
            "Perihal : Laporan Kejadian Luar Biasa (KLB) Diare di Desa Karangsari",
            "",
            "Yth. Kepala Dinas Kesehatan Kabupaten Banyumas",
            "",
            "Jumlah kasus: 27 (laki-laki 12, perempuan 15); dirujuk: 2; meninggal: 0.",
            "Sumber dugaan: air sumur gali di RT 02 RW 04.",
        ],
        title="Laporan KLB Diare Karangsari",
        author="PKM Kembaran I",
        created="D:20260113140512+07'00'",
    )
    outer, inner = gmail_boundary(seed + "o"), gmail_boundary(seed + "i")
    when = "Mon, 12 Jan 2026 23:22:53 -0800 (PST)"  # = 14:22:53 WIB on the 13th
    att_id = "f_mkc" + alnum(seed + "att", 6).lower() + "0"
    headers = gmail_headers(seed, to, when) + fill(
        """MIME-Version: 1.0
From: Puskesmas Kembaran I <puskesmaskembaran1@gmail.com>
Date: Tue, 13 Jan 2026 14:22:51 +0700
Message-ID: {{mid}}
Subject: Laporan KLB Diare Desa Karangsari
To: {{to}}
Content-Type: multipart/mixed; boundary="{{outer}}"
""",
        mid=gmail_message_id(seed),
        to=to,
        outer=outer,
    )
    alternative = part(
        f'Content-Type: multipart/alternative; boundary="{inner}"',
        multipart(
            inner,
            [
                part(
                    hdr('text/plain; charset="UTF-8"', "quoted-printable"),
                    qp(text),
                ),
                part(
                    hdr('text/html; charset="UTF-8"', "quoted-printable"),
                    qp(html),
                ),
            ],
        ),
    )
    name = "Laporan_KLB_Diare_Karangsari.pdf"
    attachment = b64_part(
        f'Content-Type: application/pdf; name="{name}"\n'
        f'Content-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\nContent-ID: <{att_id}>\nX-Attachment-Id: {att_id}",
        pdf,
    )
    return message(headers, multipart(outer, [alternative, attachment]))


@case("thunderbird_plain_with_pdf.eml")
def thunderbird_plain_with_pdf() -> bytes:
    """Thunderbird 115: format=flowed text (a soft-wrapped Perihal line) and a PDF."""
    boundary = "------------" + alnum("tb-plain", 24)
    # format=flowed: a line ending in a space continues on the next one (RFC 3676).
    text = """Kepada Yth.
Kepala Dinas Perhubungan, Komunikasi dan Informatika
Kabupaten Banyumas
di Purwokerto

Nomor    : 500.12/0087/2026
Sifat    : Biasa
Lampiran : 1 (satu) berkas
Perihal  : Permintaan Data Infrastruktur TIK untuk Penyusunan\x20
Masterplan Smart Province 2026

Dengan hormat,

Dalam rangka penyusunan Masterplan Smart Province Jawa Tengah Tahun 2026,\x20
kami mohon bantuan Saudara untuk mengisi formulir data infrastruktur TIK\x20
(jaringan intra pemerintah, pusat data, dan layanan aplikasi) sebagaimana\x20
terlampir, paling lambat tanggal 30 Januari 2026.

Atas perhatian dan kerja samanya kami ucapkan terima kasih.

Semarang, 14 Januari 2026
a.n. Kepala Dinas Komunikasi dan Informatika
Provinsi Jawa Tengah
Sekretaris

--\x20
Subbag Umum dan Kepegawaian
Diskominfo Provinsi Jawa Tengah
"""
    pdf = letter_pdf(
        [
            *kop(
                "DINAS KOMUNIKASI DAN INFORMATIKA",
                "",
                "Jalan Menteri Supeno I Nomor 2 Semarang 50243",
                "PEMERINTAH PROVINSI JAWA TENGAH",
            ),
            "",
            "Nomor : 500.12/0087/2026",
            "Perihal : Permintaan Data Infrastruktur TIK untuk Penyusunan Masterplan Smart Province"
            " 2026",
            "",
            "FORMULIR DATA INFRASTRUKTUR TIK KABUPATEN/KOTA",
            "1. Jaringan intra pemerintah (jumlah titik, bandwidth)",
            "2. Pusat data (tier, kapasitas rak, virtualisasi)",
            "3. Layanan aplikasi (jumlah, hosting, integrasi SPBE)",
        ],
        title="Formulir Data TIK",
        author="Diskominfo Jateng",
        created="D:20260114095530+07'00'",
    )
    name = "500.12-0087-2026 Permintaan Data TIK.pdf"
    headers = fill(
        """Received: from [10.33.4.21] (unknown [10.33.4.21])
	(Authenticated sender: persuratan@diskominfo.jatengprov.go.id)
	by mail.diskominfo.jatengprov.go.id (Postfix) with ESMTPSA id 4dR1x2Y3zKz1xQ
	for <dinhubkominfo@{{gw}}>; Wed, 14 Jan 2026 10:05:35 +0700 (WIB)
Message-ID: <3c9b0f5e-6a1d-4e27-9b8f-2d4c6e8a0b1c@diskominfo.jatengprov.go.id>
Date: {{date}}
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: id
To: dinhubkominfo@{{gw}}
From: Diskominfo Prov Jateng <persuratan@diskominfo.jatengprov.go.id>
Subject: Permintaan Data Infrastruktur TIK Kabupaten Banyumas
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 14, 10, 5, 33),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr("text/plain; charset=UTF-8; format=flowed", "7bit"),
                text,
            ),
            b64_part(
                f'Content-Type: application/pdf; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                pdf,
            ),
        ],
        preamble="This is a multi-part message in MIME format.",
    )
    return message(headers, body)


@case("apple_mail_html.eml")
def apple_mail_html() -> bytes:
    """Apple Mail 16: alternative { QP text, related { QP html, inline PNG by cid } }."""
    outer = "Apple-Mail=_6F2C1A3E-9B4D-4E8A-B7C1-0D2E3F4A5B6C"
    related = "Apple-Mail=_0B8E7D6C-5A4F-4321-9E8D-7C6B5A4F3E2D"
    cid = "8A7B6C5D-4E3F-4A2B-9C1D-0E9F8A7B6C5D"
    text = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas,

Menindaklanjuti laporan peningkatan kasus pneumonia pada anak di beberapa \
negara dan provinsi, kami mohon Dinas Kesehatan kabupaten/kota meningkatkan \
kewaspadaan dini, memperkuat surveilans ILI/SARI di puskesmas dan rumah \
sakit, serta melaporkan kasus melalui SKDR paling lambat 1×24 jam.

Infografis kewaspadaan kami sertakan di bawah ini untuk disebarluaskan.

Salam sehat,
dr. Rina Kusumawardani, M.Epid
Tim Kerja Surveilans – Direktorat Surveilans dan Karantina Kesehatan
Kementerian Kesehatan RI
"""
    html = f"""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">\
</head>\
<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">\
<div>Yth. Kepala Dinas Kesehatan Kabupaten Banyumas,</div><div><br></div>\
<div>Menindaklanjuti laporan peningkatan kasus pneumonia pada anak di beberapa negara dan \
provinsi, \
kami mohon Dinas Kesehatan kabupaten/kota meningkatkan <b>kewaspadaan dini</b>, memperkuat \
surveilans ILI/SARI di puskesmas dan rumah sakit, serta melaporkan kasus melalui SKDR paling \
lambat 1×24 jam.</div><div><br></div>\
<div>Infografis kewaspadaan kami sertakan di bawah ini untuk disebarluaskan.</div><div><br></div>\
<div><img apple-inline="yes" id="4D1E2F3A-5B6C-4D7E-8F9A-0B1C2D3E4F5A" width="320" height="240" \
src="cid:{cid}"></div><div><br></div>\
<div>Salam sehat,</div><div>dr. Rina Kusumawardani, M.Epid</div>\
<div>Tim Kerja Surveilans – Direktorat Surveilans dan Karantina Kesehatan</div>\
<div>Kementerian Kesehatan RI</div></body></html>
"""
    headers = fill(
        """Received: from smtpclient.apple (unknown [10.100.12.34])
	(Authenticated sender: rina.kusumawardani@kemkes.go.id)
	by mail.kemkes.go.id (Postfix) with ESMTPSA id 4dS7mN0pQrz5wKc
	for <dinkes@{{gw}}>; Thu, 15 Jan 2026 08:12:47 +0700 (WIB)
From: Rina Kusumawardani <rina.kusumawardani@kemkes.go.id>
Content-Type: multipart/alternative;
	boundary="{{outer}}"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4.3\\))
Subject: Kewaspadaan Peningkatan Kasus Pneumonia pada Anak
Message-Id: <9E4B2D1C-7A3F-4B6E-8C5D-1F2A3B4C5D6E@kemkes.go.id>
Date: {{date}}
To: dinkes@{{gw}}
X-Mailer: Apple Mail (2.3826.300.87.4.3)
""",
        gw=GW,
        outer=outer,
        date=mail_date(2026, 1, 15, 8, 12, 44),
    )
    image = b64_part(
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: inline;\n\tfilename=infografis_pneumonia.png\n"
        'Content-Type: image/png;\n\tx-unix-mode=0644;\n\tname="infografis_pneumonia.png"\n'
        f"Content-Id: <{cid}>",
        infographic_png(),
    )
    body = multipart(
        outer,
        [
            part(
                "Content-Transfer-Encoding: quoted-printable\n"
                "Content-Type: text/plain;\n\tcharset=utf-8",
                qp(text),
            ),
            part(
                f'Content-Type: multipart/related;\n\ttype="text/html";\n\tboundary="{related}"',
                multipart(
                    related,
                    [
                        part(
                            "Content-Transfer-Encoding: quoted-printable\n"
                            "Content-Type: text/html;\n\tcharset=utf-8",
                            qp(html),
                        ),
                        image,
                    ],
                ),
            ),
        ],
    )
    return message(headers, body)


@case("html_only.eml")
def html_only() -> bytes:
    """PHPMailer notification from an e-office app: text/html only, fields in a table."""
    rows = [
        ("Nomor", "800.1.11.1/0044/BKPSDM/2026"),
        ("Tanggal Surat", "16 Januari 2026"),
        ("Sifat", "Terbatas"),
        ("Lampiran", "2 (dua) berkas"),
        ("Perihal", "Penyampaian Daftar Nominatif Calon Peserta Seleksi Terbuka JPT Pratama"),
        ("Pengirim", "Kepala BKPSDM Kabupaten Banyumas"),
    ]
    table = "\n".join(
        f'<tr><td style="padding:4px 8px;width:140px">{k}</td><td style="padding:4px 2px">:</td>'
        f'<td style="padding:4px 8px">{v}</td></tr>'
        for k, v in rows
    )
    html = f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="UTF-8"><title>Naskah Masuk</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;background:#f4f6f8">
<div style="max-width:640px;margin:0 auto;background:#fff;border:1px solid #dde3ea">
<div style="background:#0b5394;color:#fff;padding:12px 16px;font-size:16px">
<strong>E-Office BKPSDM Kabupaten Banyumas</strong></div>
<div style="padding:16px">
<p>Yth. <strong>Sekretaris Daerah Kabupaten Banyumas</strong>,</p>
<p>Terdapat naskah dinas baru yang ditujukan kepada Bapak/Ibu dengan rincian sebagai berikut:</p>
<table style="border-collapse:collapse;font-size:14px">
{table}
</table>
<p>Naskah dan lampirannya dapat diunduh melalui tautan berikut (berlaku 7 hari):<br>
<a href="https://eoffice.bkpsdm.banyumaskab.go.id/naskah/unduh/7f3c9a21e4b8">\
Unduh naskah dinas</a></p>
<p>Purwokerto, 16 Januari 2026<br>BKPSDM Kabupaten Banyumas</p>
<p style="font-size:12px;color:#777">Email ini dikirim otomatis oleh aplikasi E-Office, mohon tidak
membalas email ini.</p>
</div></div>
</body></html>
"""
    headers = fill(
        """Received: from eoffice.bkpsdm.banyumaskab.go.id \
(eoffice.bkpsdm.banyumaskab.go.id [10.10.4.20])
	by mx.banyumaskab.go.id (Postfix) with ESMTPS id 4dT2bC6vWqz2nLp
	for <setda@{{gw}}>; Fri, 16 Jan 2026 10:30:04 +0700 (WIB)
Date: {{date}}
To: setda@{{gw}}
From: E-Office BKPSDM Banyumas <eoffice@bkpsdm.banyumaskab.go.id>
Reply-To: BKPSDM Kabupaten Banyumas <bkpsdm@banyumaskab.go.id>
Subject: [E-Office] Naskah Masuk 800.1.11.1/0044/BKPSDM/2026
Message-ID: <{{mid}}@eoffice.bkpsdm.banyumaskab.go.id>
X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable
""",
        gw=GW,
        date=mail_date(2026, 1, 16, 10, 30, 2),
        mid=alnum("phpmailer", 43),
    )
    return message(headers, qp(html))


@case("iso8859_body_no_charset.eml")
def iso8859_body_no_charset() -> bytes:
    """PHP mail() from a kecamatan web form: text/plain, no charset, raw cp1252 8-bit body."""
    body = """Kepada Yth.
Sekretaris Daerah Kabupaten Banyumas
di Purwokerto

Nomor    : 360/017/2026
Sifat    : Segera
Lampiran : -
Perihal  : Pemberitahuan Apel Siaga “Banyumas Tanggap Bencana” Tahun 2026

Dengan hormat,

Sehubungan dengan prakiraan cuaca ekstrem dari BMKG (suhu siang hari 25°C–33°C
dengan curah hujan tinggi), kami beritahukan bahwa Apel Siaga “Banyumas Tanggap
Bencana” akan dilaksanakan pada:

  hari/tanggal : Senin, 19 Januari 2026
  pukul        : 07.30 WIB
  tempat       : Lapangan Kecamatan Sumbang

Apel dipimpin oleh Bpk. Agüs Riyanto, S.Sos., Camat Sumbang, dan diikuti unsur
Forkopimcam, relawan desa tangguh bencana serta pegiat Café Literasi Sumbang.

Demikian untuk menjadi perhatian.

Sumbang, 16 Januari 2026
Camat Sumbang

Agüs Riyanto, S.Sos.
"""
    headers = fill(
        """Received: from web.banyumaskab.go.id (web.banyumaskab.go.id [10.10.2.15])
	by mx.banyumaskab.go.id (Postfix) with ESMTP id 7C1D2E3F4A
	for <setda@{{gw}}>; Fri, 16 Jan 2026 09:15:36 +0700 (WIB)
Received: by web.banyumaskab.go.id (Postfix, from userid 33)
	id 6A1B2C3D4E; Fri, 16 Jan 2026 09:15:33 +0700 (WIB)
To: setda@{{gw}}
Subject: Pemberitahuan Apel Siaga Bencana
X-PHP-Originating-Script: 33:kirim_surat.php
From: Kecamatan Sumbang <kec.sumbang@banyumaskab.go.id>
Reply-To: kec.sumbang@banyumaskab.go.id
MIME-Version: 1.0
Content-type: text/plain
Content-Transfer-Encoding: 8bit
X-Mailer: PHP/7.4.33
Message-Id: <20260116021533.6A1B2C3D4E@web.banyumaskab.go.id>
Date: Fri, 16 Jan 2026 09:15:33 +0700 (WIB)
""",
        gw=GW,
    )
    return crlf(headers.strip("\n").encode("ascii") + b"\n\n" + body.encode("cp1252"))


@case("broken_rfc2047_subject.eml")
def broken_rfc2047_subject() -> bytes:
    """Subject damaged three ways: charset label utf8, base64 without padding, no closing ?=."""
    subject = (
        "=?utf8?Q?Permohonan_Narasumber_?=\n"
        " =?UTF-8?B?U29zaWFsaXNhc2kgUGVuY2VnYWhhbiBTdHVudGluZw?=\n"
        " =?iso-8859-1?Q?di_Kec=2E_Cilongok"
    )
    text = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas

Dengan hormat, sehubungan dengan kegiatan sosialisasi pencegahan stunting bagi
kader posyandu se-Kecamatan Cilongok pada hari Rabu, 28 Januari 2026, kami mohon
kesediaan Bapak/Ibu menugaskan satu orang narasumber dari Bidang Kesehatan
Masyarakat.

Terima kasih.

Puskesmas Cilongok I
"""
    headers = fill(
        """Received: from pkm-cilongok1 (unknown [10.10.7.33])
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTP id 3B4C5D6E7F
	for <dinkes@{{gw}}>; Mon, 19 Jan 2026 11:02:19 +0700 (WIB)
From: "Puskesmas Cilongok I" <pkm.cilongok1@dinkes.banyumaskab.go.id>
To: dinkes@{{gw}}
Subject: {{subject}}
Date: {{date}}
Message-ID: <20260119110217.4F21@pkm-cilongok1.dinkes.banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit
""",
        gw=GW,
        subject=subject,
        date=mail_date(2026, 1, 19, 11, 2, 17),
    )
    return message(headers, text)


@case("eightbit_header_bytes.eml")
def eightbit_header_bytes() -> bytes:
    """An in-house app that writes raw UTF-8 into Subject and the From display name."""
    headers = fill(
        """Received: from simpus.dinkes.banyumaskab.go.id \
(simpus.dinkes.banyumaskab.go.id [10.10.7.5])
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTP id 5E6F7A8B9C
	for <setda@{{gw}}>; Tue, 20 Jan 2026 08:47:02 +0700 (WIB)
From: Siti Nur’aini – Promkes Dinkes <promkes@dinkes.banyumaskab.go.id>
To: setda@{{gw}}
Subject: Undangan Sosialisasi GERMAS – Gerakan Masyarakat Hidup Sehat di Desa Kedungbanteng
Date: {{date}}
Message-ID: <simpus.20260120084700.00412@dinkes.banyumaskab.go.id>
X-Mailer: SIMPUS Notifikasi 3.2
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
""",
        gw=GW,
        date=mail_date(2026, 1, 20, 8, 47, 0),
    )
    text = """Yth. Bapak Sekretaris Daerah,

Mohon berkenan hadir dan membuka kegiatan Sosialisasi GERMAS (Gerakan Masyarakat
Hidup Sehat) pada hari Kamis, 29 Januari 2026 pukul 08.00 WIB di Balai Desa
Kedungbanteng. Kegiatan meliputi senam bersama, cek kesehatan gratis, dan
gerakan makan buah & sayur.

Narahubung: Siti Nur’aini (0812-2xxx-4xxx)

Seksi Promosi Kesehatan – Dinas Kesehatan Kabupaten Banyumas
"""
    return message(headers, text)


@case("no_message_id.eml")
def no_message_id() -> bytes:
    """A copier's scan-to-email: no Message-ID, an image-only PDF (no text layer)."""
    boundary = "KM_Boundary_20260116091502_0001"
    scan = letter_photo_jpeg(None, seed=1)
    pdf = build_scanned_pdf(scan, 96, 128, "SKM_C300i26011609150", "D:20260116091500+07'00'")
    name = "SKM_C300i26011609150.pdf"
    headers = fill(
        """Received: from KM5C6D7E (unknown [10.10.5.40])
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTP id 8D9E0F1A2B
	for <setda@{{gw}}>; Fri, 16 Jan 2026 09:15:07 +0700 (WIB)
Date: {{date}}
From: "Scanner Sekretariat Dinkes" <scan.sekretariat@dinkes.banyumaskab.go.id>
To: setda@{{gw}}
Subject: Surat Permohonan Rekomendasi Izin Operasional Klinik
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 16, 9, 15, 2),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr("text/plain; charset=UTF-8", "7bit"),
                "Terlampir hasil pindai surat.\n\n"
                "Device Name: bizhub C300i\nDevice Location: Sekretariat Dinkes\n",
            ),
            b64_part(
                f'Content-Type: application/pdf; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                pdf,
            ),
        ],
    )
    return message(headers, body)


@case("forwarded_letter_rfc822.eml")
def forwarded_letter_rfc822() -> bytes:
    """Thunderbird 'Forward as Attachment': the Kemenkes letter travels as message/rfc822."""
    sent = wib(9, 16, 20, 41)
    inner_boundary, inner_local = outlook_ids(sent, "bian-inner", 0x3C)
    inner_text = """Jakarta, 9 Januari 2026

Yth. Kepala Dinas Kesehatan Provinsi dan Kabupaten/Kota
di seluruh Indonesia

Nomor    : IM.02.01/C/0123/2026
Sifat    : Segera
Lampiran : 1 (satu) berkas
Hal      : Pelaksanaan Bulan Imunisasi Anak Nasional (BIAN) Tahun 2026

Dengan hormat,

Dalam rangka menutup kesenjangan imunitas akibat rendahnya cakupan imunisasi rutin,
Kementerian Kesehatan akan melaksanakan Bulan Imunisasi Anak Nasional (BIAN) pada
bulan Maret 2026. Petunjuk teknis pelaksanaan kami sampaikan sebagaimana terlampir.

Atas perhatian dan kerja sama Saudara kami ucapkan terima kasih.

Direktur Imunisasi
"""
    pdf = letter_pdf(
        [
            ("kop", "KEMENTERIAN KESEHATAN REPUBLIK INDONESIA"),
            ("kop", "DIREKTORAT JENDERAL PENANGGULANGAN PENYAKIT"),
            ("kop2", "Jalan H.R. Rasuna Said Blok X.5 Kav. 4-9 Jakarta 12950"),
            ("rule", ""),
            "",
            "Jakarta, 9 Januari 2026",
            "Nomor : IM.02.01/C/0123/2026",
            "Sifat : Segera",
            "Lampiran : 1 (satu) berkas",
            "Hal : Pelaksanaan Bulan Imunisasi Anak Nasional (BIAN) Tahun 2026",
            "",
            "Yth. Kepala Dinas Kesehatan Provinsi dan Kabupaten/Kota di seluruh Indonesia",
        ],
        title="SE BIAN 2026",
        author="Direktorat Imunisasi",
        created="D:20260109161522+07'00'",
    )
    inner_headers = fill(
        """Received: from mail.kemkes.go.id (mail.kemkes.go.id [203.0.113.25])
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPS id 4dN0aB1cDez7hJk
	for <sekretariat@dinkes.banyumaskab.go.id>; Fri,  9 Jan 2026 16:20:49 +0700 (WIB)
From: "Direktorat Imunisasi Kemenkes" <tu.imunisasi@kemkes.go.id>
To: <sekretariat@dinkes.banyumaskab.go.id>
Subject: Surat Edaran Pelaksanaan BIAN 2026
Date: {{date}}
Message-ID: <{{local}}@kemkes.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{{boundary}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        date=mail_date(2026, 1, 9, 16, 20, 41),
        local=inner_local,
        boundary=inner_boundary,
        ti=thread_index("bian"),
    )
    pdf_name = "SE_BIAN_2026.pdf"
    inner = part(
        inner_headers,
        multipart(
            inner_boundary,
            [
                part(
                    hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                    inner_text,
                ),
                b64_part(
                    f'Content-Type: application/pdf;\n\tname="{pdf_name}"\n'
                    "Content-Transfer-Encoding: base64\n"
                    f'Content-Disposition: attachment;\n\tfilename="{pdf_name}"',
                    pdf,
                ),
            ],
            preamble="This is a multipart message in MIME format.\n",
        ),
    )
    boundary = "------------" + alnum("tb-fwd", 24)
    eml_name = "Surat Edaran Pelaksanaan BIAN 2026.eml"
    headers = fill(
        """Received: from [10.10.7.12] (unknown [10.10.7.12])
	(Authenticated sender: sekretariat@dinkes.banyumaskab.go.id)
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPSA id 4dV3cD4eFgz1mNp
	for <dinkes@{{gw}}>; Wed, 21 Jan 2026 07:58:12 +0700 (WIB)
Message-ID: <7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e5f@dinkes.banyumaskab.go.id>
Date: {{date}}
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: id
To: dinkes@{{gw}}
From: Sekretariat Dinkes Banyumas <sekretariat@dinkes.banyumaskab.go.id>
Subject: Fwd: Surat Edaran Pelaksanaan BIAN 2026
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 21, 7, 58, 10),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr("text/plain; charset=UTF-8; format=flowed", "7bit"),
                "Mohon diregistrasi dan didisposisikan ke Bidang P2P.\n\n"
                "Surat aslinya dari Kemenkes terlampir.\n\n-- \nSekretariat Dinkes Banyumas\n",
            ),
            part(
                "Content-Type: message/rfc822; charset=UTF-8;\n"
                f' name="{eml_name}"\n'
                f'Content-Disposition: attachment;\n filename="{eml_name}"\n'
                "Content-Transfer-Encoding: 7bit",
                inner,
            ),
        ],
        preamble="This is a multi-part message in MIME format.",
    )
    return message(headers, body)


@case("pdf_letter_nomor_perihal.eml")
def pdf_letter_nomor_perihal() -> bytes:
    """Outlook 2016 cover note; every letter field is only in the attached PDF's text."""
    sent = wib(12, 10, 3, 55)
    boundary, local = outlook_ids(sent, "pdf-letter", 0x1F)
    alt = boundary.replace("_000_", "_001_")
    text = (
        "Yth. Kepala Bappeda Kabupaten Banyumas\n\nDengan hormat,\n"
        "bersama ini kami kirimkan surat sebagaimana terlampir.\n"
        "Terima kasih.\n\nSubbag Umum Dinas Kesehatan Kabupaten Banyumas\n"
    )
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">'
        '<head><meta http-equiv=Content-Type content="text/html; charset=us-ascii">'
        '<meta name=Generator content="Microsoft Word 15 (filtered medium)"></head>'
        '<body lang=EN-US link="#0563C1" vlink="#954F72"><div class=WordSection1>'
        "<p class=MsoNormal>Yth. Kepala Bappeda Kabupaten Banyumas<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p class=MsoNormal>Dengan hormat,<o:p></o:p></p>"
        "<p class=MsoNormal>bersama ini kami kirimkan surat sebagaimana terlampir.<o:p></o:p></p>"
        "<p class=MsoNormal>Terima kasih.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p class=MsoNormal>Subbag Umum Dinas Kesehatan Kabupaten Banyumas<o:p></o:p></p>"
        "</div></body></html>\n"
    )
    pdf = letter_pdf(
        [
            *kop("DINAS KESEHATAN", "", "Jalan Rumah Sakit Nomor 1 Purwokerto 53112"),
            "",
            "Purwokerto, 12 Januari 2026",
            "",
            "Nomor : 400.7/123/2026",
            "Sifat : Segera",
            "Lampiran : 1 (satu) berkas",
            "Perihal : Undangan Rapat Koordinasi Penanganan Stunting Tingkat Kabupaten",
            "",
            "Yth. Kepala Bappeda Kabupaten Banyumas",
            "di Purwokerto",
            "",
            "Dengan hormat, dalam rangka evaluasi aksi konvergensi penurunan stunting tahun 2025,",
            "kami mengundang Saudara pada hari Selasa, 20 Januari 2026 pukul 09.00 WIB",
            "di Aula Dinas Kesehatan Kabupaten Banyumas.",
            "",
            "KEPALA DINAS KESEHATAN",
            "KABUPATEN BANYUMAS",
        ],
        title="Undangan Rakor Stunting",
        author="Subbag Umum Dinkes Banyumas",
        created="D:20260112095911+07'00'",
    )
    name = "Undangan Rakor Stunting.pdf"
    headers = fill(
        """Received: from DESKTOP-UMUM02 (unknown [10.10.3.52])
	(Authenticated sender: umum@dinkes.banyumaskab.go.id)
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPSA id 4dQm7T2wXyz4bRs
	for <bappeda@{{gw}}>; Mon, 12 Jan 2026 10:03:58 +0700 (WIB)
From: "Subbag Umum Dinkes Banyumas" <umum@dinkes.banyumaskab.go.id>
To: <bappeda@{{gw}}>
Subject: kiriman surat dari Dinkes
Date: {{date}}
Message-ID: <{{local}}@dinkes.banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{{boundary}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        gw=GW,
        date=mail_date(2026, 1, 12, 10, 3, 55),
        local=local,
        boundary=boundary,
        ti=thread_index("pdf-letter"),
    )
    body = multipart(
        boundary,
        [
            part(
                f'Content-Type: multipart/alternative;\n\tboundary="{alt}"',
                multipart(
                    alt,
                    [
                        part(
                            hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                            text,
                        ),
                        part(
                            hdr('text/html;\n\tcharset="us-ascii"', "quoted-printable"),
                            qp(html, "us-ascii"),
                        ),
                    ],
                ),
            ),
            b64_part(
                f'Content-Type: application/pdf;\n\tname="{name}"\n'
                "Content-Transfer-Encoding: base64\n"
                f'Content-Disposition: attachment;\n\tfilename="{name}"',
                pdf,
            ),
        ],
        preamble="This is a multipart message in MIME format.\n",
    )
    return message(headers, body)


PUSKESMAS = [
    "Lumbir", "Wangon I", "Wangon II", "Jatilawang", "Rawalo", "Kebasen", "Kemranjen I",
    "Kemranjen II", "Sumpiuh I", "Sumpiuh II", "Tambak I", "Tambak II", "Somagede", "Kalibagor",
    "Banyumas", "Patikraja", "Purwojati", "Ajibarang I", "Ajibarang II", "Gumelar", "Pekuncen",
    "Cilongok I", "Cilongok II", "Karanglewas", "Kedungbanteng", "Baturraden I", "Baturraden II",
    "Sumbang I", "Sumbang II", "Kembaran I", "Kembaran II", "Sokaraja I", "Sokaraja II",
    "Purwokerto Selatan", "Purwokerto Barat", "Purwokerto Timur I", "Purwokerto Timur II",
    "Purwokerto Utara I", "Purwokerto Utara II",
]  # fmt: skip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def seventy_files() -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) of the 70 attachments, in mail order."""
    files: list[tuple[str, str, bytes]] = []
    for i, pkm in enumerate(PUSKESMAS):
        slug = pkm.replace(" ", "_")
        rows: list[list[str | int]] = [
            ["Puskesmas", "Balita ditimbang", "Gizi kurang", "Stunting"],
            [pkm, 400 + i * 17 % 300, 5 + i % 9, 11 + i * 7 % 23],
        ]
        files.append((f"Lap_Gizi_Des2025_PKM_{slug}.xlsx", XLSX, xlsx_bytes(rows)))
    for pkm in PUSKESMAS[:12]:
        slug = pkm.replace(" ", "_")
        pdf = letter_pdf(
            [
                f"REKAP GIZI BURUK DESEMBER 2025 - PUSKESMAS {pkm.upper()}",
                "",
                "Kasus baru: 0",
                "Kasus lama: 1",
            ],
            title=f"Rekap Gizi Buruk {pkm}",
            author=f"PKM {pkm}",
            created="D:20260105080000+07'00'",
        )
        files.append((f"Rekap_Gizi_Buruk_Des2025_{slug}.pdf", "application/pdf", pdf))
    for pkm in PUSKESMAS[12:20]:
        slug = pkm.replace(" ", "_")
        doc = docx_bytes([f"Notulen Validasi Data Gizi Puskesmas {pkm}", "Tanggal: 6 Januari 2026"])
        files.append((f"Notulen_Validasi_{slug}.docx", DOCX, doc))
    for n, pkm in enumerate(PUSKESMAS[20:26]):
        slug = pkm.replace(" ", "_")
        files.append((f"Foto_Posyandu_{slug}.jpg", "image/jpeg", letter_photo_jpeg(None, seed=n)))
    for pkm in PUSKESMAS[26:31]:
        slug = pkm.replace(" ", "_")
        note = f"Catatan Puskesmas {pkm}:\r\n"
        note += "Data Desember 2025 sudah divalidasi bersama bidan desa.\r\n"
        files.append((f"Catatan_{slug}.txt", "text/plain", note.encode("ascii")))
    assert len(files) == 70, len(files)
    return files


@case("seventy_attachments.eml")
def seventy_attachments() -> bytes:
    """Thunderbird with 70 small attachments (xlsx, pdf, docx, jpg, txt) from 39 puskesmas."""
    boundary = "------------" + alnum("tb-seventy", 24)
    text = """Yth. Kepala Bappeda Kabupaten Banyumas

Nomor    : 440/0310/Kesmas/2026
Sifat    : Biasa
Lampiran : 70 (tujuh puluh) file
Perihal  : Penyampaian Laporan Bulanan Program Gizi Puskesmas Desember 2025

Dengan hormat,
bersama ini kami sampaikan laporan bulanan program gizi dari 39 puskesmas se-Kabupaten\x20
Banyumas bulan Desember 2025 beserta rekap gizi buruk, notulen validasi data, dan\x20
dokumentasi kegiatan posyandu.

Purwokerto, 22 Januari 2026
Kepala Bidang Kesehatan Masyarakat
"""
    parts = [
        part(
            hdr("text/plain; charset=UTF-8; format=flowed", "7bit"),
            text,
        )
    ]
    for name, ctype, data in seventy_files():
        parts.append(
            b64_part(
                f'Content-Type: {ctype}; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                data,
            )
        )
    headers = fill(
        """Received: from [10.10.3.64] (unknown [10.10.3.64])
	(Authenticated sender: kesmas@dinkes.banyumaskab.go.id)
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPSA id 4dW5eF6gHjz2pQr
	for <bappeda@{{gw}}>; Thu, 22 Jan 2026 15:41:27 +0700 (WIB)
Message-ID: <b4c5d6e7-f809-4a1b-8c2d-3e4f5a6b7c8d@dinkes.banyumaskab.go.id>
Date: {{date}}
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: id
To: bappeda@{{gw}}
From: Bidang Kesmas Dinkes Banyumas <kesmas@dinkes.banyumaskab.go.id>
Subject: Laporan Bulanan Program Gizi Puskesmas Desember 2025
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 22, 15, 41, 20),
        boundary=boundary,
    )
    return message(
        headers, multipart(boundary, parts, preamble="This is a multi-part message in MIME format.")
    )


def nested(depth: int, seed: str, to: str, subject: str, when: tuple[int, int, int, int]) -> bytes:
    """``depth`` multipart/mixed containers inside each other (the root counts as level 1),
    with a text part and a PDF in the innermost one."""
    day, hour, minute, second = when
    text = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas

Nomor    : 100.3.3.2/015/Huk/2026
Sifat    : Biasa
Lampiran : 1 (satu) berkas
Perihal  : Penyampaian Salinan Keputusan Bupati tentang Tim Percepatan Penurunan Stunting

Bersama ini kami sampaikan salinan Keputusan Bupati Banyumas tentang Tim
Percepatan Penurunan Stunting Kabupaten Banyumas Tahun 2026 untuk dapat
dipergunakan sebagaimana mestinya.

Purwokerto, 23 Januari 2026
Kepala Bagian Hukum Setda Kabupaten Banyumas
"""
    pdf = letter_pdf(
        [
            *kop("SEKRETARIAT DAERAH", "BAGIAN HUKUM", "Jalan Kabupaten Nomor 1 Purwokerto 53114"),
            "",
            "KEPUTUSAN BUPATI BANYUMAS",
            "TENTANG TIM PERCEPATAN PENURUNAN STUNTING KABUPATEN BANYUMAS TAHUN 2026",
        ],
        title="SK Tim Percepatan Penurunan Stunting",
        author="Bagian Hukum Setda",
        created="D:20260123090000+07'00'",
    )
    name = "SK_Tim_Percepatan_Penurunan_Stunting_2026.pdf"
    boundaries = [f"=_level{n:02d}_{hexid(seed + str(n), 12)}" for n in range(1, depth + 1)]
    innermost = multipart(
        boundaries[-1],
        [
            part(hdr("text/plain; charset=us-ascii", "7bit"), text),
            b64_part(
                f'Content-Type: application/pdf; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                pdf,
            ),
        ],
    )
    body = innermost
    for boundary, inner_boundary in zip(
        reversed(boundaries[:-1]), reversed(boundaries[1:]), strict=True
    ):
        body = multipart(
            boundary, [part(f'Content-Type: multipart/mixed; boundary="{inner_boundary}"', body)]
        )
    headers = fill(
        """Received: from gateway.banyumaskab.go.id (gateway.banyumaskab.go.id [10.10.1.3])
	by mx.banyumaskab.go.id (Postfix) with ESMTPS id {{qid}}
	for <{{to}}>; {{date}}
From: "Bagian Hukum Setda Banyumas" <bagian.hukum@banyumaskab.go.id>
To: {{to}}
Subject: {{subject}}
Date: {{date}}
Message-ID: <{{mid}}@banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        qid=hexid(seed + "q", 10).upper(),
        to=to,
        subject=subject,
        date=mail_date(2026, 1, day, hour, minute, second),
        mid=hexid(seed + "m", 24),
        boundary=boundaries[0],
    )
    return message(headers, body)


@case("deeply_nested_multiparts.eml")
def deeply_nested_multiparts() -> bytes:
    """12 levels of multipart/mixed (mail re-wrapped by several disclaimer/AV relays)."""
    return nested(
        12,
        "nest12",
        f"dinkes@{GW}",
        "Salinan SK Tim Percepatan Penurunan Stunting 2026",
        (23, 13, 10, 5),
    )


@case("too_deep_multiparts.eml")
def too_deep_multiparts() -> bytes:
    """80 levels of multipart/mixed: beyond the 50-level limit, must be quarantined."""
    return nested(
        80,
        "nest80",
        f"setda@{GW}",
        "Salinan SK Tim Percepatan Penurunan Stunting 2026",
        (23, 13, 12, 40),
    )


@case("sangat_segera_rahasia.eml")
def sangat_segera_rahasia() -> bytes:
    """Roundcube webmail; sifat (SANGAT SEGERA, RAHASIA) only in the subject."""
    text = """Yth. Bapak Sekretaris Daerah Kabupaten Banyumas,

Dengan hormat, kami laporkan hasil investigasi awal kejadian keracunan pangan
pada acara hajatan di Desa Pancurendang, Kecamatan Ajibarang, tanggal 17 Januari
2026. Jumlah korban 46 orang, 9 orang dirawat inap di RSUD Ajibarang dan
seluruhnya dalam kondisi stabil. Sampel makanan telah dikirim ke Labkesda
untuk pemeriksaan.

Laporan lengkap beserta data korban akan kami serahkan langsung kepada Bapak.

Purwokerto, 19 Januari 2026
Kepala Dinas Kesehatan Kabupaten Banyumas
"""
    headers = fill(
        """Received: from webmail.dinkes.banyumaskab.go.id (localhost [127.0.0.1])
	(Authenticated sender: kadinkes@dinkes.banyumaskab.go.id)
	by mail.dinkes.banyumaskab.go.id (Postfix) with ESMTPA id 2C3D4E5F6A
	for <setda@{{gw}}>; Mon, 19 Jan 2026 19:36:12 +0700 (WIB)
MIME-Version: 1.0
Date: {{date}}
From: Kepala Dinas Kesehatan <kadinkes@dinkes.banyumaskab.go.id>
To: setda@{{gw}}
Subject: SANGAT SEGERA - RAHASIA: Laporan Investigasi Kasus Keracunan Pangan di
 Kecamatan Ajibarang
Message-ID: <{{mid}}@dinkes.banyumaskab.go.id>
X-Sender: kadinkes@dinkes.banyumaskab.go.id
User-Agent: Roundcube Webmail/1.6.5
Content-Type: text/plain; charset=US-ASCII;
 format=flowed
Content-Transfer-Encoding: 7bit
""",
        gw=GW,
        date=mail_date(2026, 1, 19, 19, 36, 10),
        mid=hexid("roundcube", 32),
    )
    return message(headers, text)


@case("undangan_rapat_with_date_in_body.eml")
def undangan_rapat_with_date_in_body() -> bytes:
    """Outlook 2016 over SMTP, alternative text+html; Nomor/Tanggal/Hal/Lampiran in the body."""
    sent = wib(3, 14, 7, 31, month=2)
    boundary, local = outlook_ids(sent, "undangan-bappeda", 0x2A)
    text = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas

Nomor: 005/456/Bappeda/2026
Tanggal: 3 Februari 2026
Lampiran: -
Hal: Undangan Rapat Koordinasi Penyusunan Rancangan Awal RKPD Tahun 2027

Dengan hormat,
Dalam rangka penyusunan Rancangan Awal RKPD Kabupaten Banyumas Tahun 2027, kami
mengundang Bapak/Ibu untuk hadir pada:

Hari/Tanggal : Selasa, 10 Februari 2026
Waktu        : 09.00 WIB s.d. selesai
Tempat       : Ruang Rapat Bappeda Lt. 2, Jl. Kabupaten No. 1 Purwokerto
Acara        : Pembahasan Isu Strategis dan Prioritas Pembangunan 2027

Mengingat pentingnya acara tersebut, dimohon hadir tepat waktu.

Kepala Bappeda Kabupaten Banyumas
"""
    html_body = "".join(
        f"<p class=MsoNormal>{line if line else '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>\n"
        for line in text.rstrip("\n").split("\n")
    )
    html = (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">'
        '<head><meta http-equiv=Content-Type content="text/html; charset=us-ascii">'
        '<meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--\n'
        "p.MsoNormal, li.MsoNormal, div.MsoNormal\n"
        '\t{margin:0cm;\n\tfont-size:11.0pt;\n\tfont-family:"Calibri",sans-serif;}\n'
        '--></style></head><body lang=EN-ID link="#0563C1" vlink="#954F72">'
        f"<div class=WordSection1>\n{html_body}</div></body></html>\n"
    )
    headers = fill(
        """Received: from BAPPEDA-PC05 (unknown [10.10.6.25])
	(Authenticated sender: bappeda@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dZ1fG2hJkz5rSt
	for <dinkes@{{gw}}>; Tue,  3 Feb 2026 14:07:34 +0700 (WIB)
From: "Bappeda Kabupaten Banyumas" <bappeda@banyumaskab.go.id>
To: <dinkes@{{gw}}>
Cc: <dinhubkominfo@{{gw}}>
Subject: Undangan Rapat Koordinasi Penyusunan Rancangan Awal RKPD 2027
Date: {{date}}
Message-ID: <{{local}}@banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="{{boundary}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        gw=GW,
        date=mail_date(2026, 2, 3, 14, 7, 31),
        local=local,
        boundary=boundary,
        ti=thread_index("undangan-bappeda"),
    )
    body = multipart(
        boundary,
        [
            part(
                hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                text,
            ),
            part(
                hdr('text/html;\n\tcharset="us-ascii"', "quoted-printable"),
                qp(html, "us-ascii"),
            ),
        ],
        preamble="This is a multipart message in MIME format.\n",
    )
    return message(headers, body)


@case("re_fw_prefix_subject.eml")
def re_fw_prefix_subject() -> bytes:
    """Outlook (Indonesian UI) reply quoting a forward chain; subject 'RE: FW: TR: Fwd: ...'."""
    sent = wib(20, 9, 12, 48)
    boundary, local = outlook_ids(sent, "re-fw", 0x44)
    text = """Selamat pagi Bapak/Ibu,

Berikut kami kirimkan data jumlah penduduk per kecamatan Semester II Tahun 2025
sesuai permintaan (file terlampir). Data bersumber dari database SIAK per
31 Desember 2025.

Terima kasih.

Bidang Pemanfaatan Data dan Inovasi Pelayanan
Disdukcapil Kabupaten Banyumas

Dari: Bappeda Kabupaten Banyumas <bappeda@banyumaskab.go.id>
Dikirim: Senin, 19 Januari 2026 10.12
Kepada: disdukcapil@banyumaskab.go.id
Subjek: FW: TR: Fwd: Permohonan Data Jumlah Penduduk per Kecamatan Semester II 2025

Mohon bantuan Disdukcapil untuk menindaklanjuti permintaan di bawah ini.

Dari: BPS Kabupaten Banyumas <bps3302@bps.go.id>
Dikirim: Jumat, 16 Januari 2026 14.03
Kepada: bappeda@banyumaskab.go.id
Subjek: TR: Fwd: Permohonan Data Jumlah Penduduk per Kecamatan Semester II 2025

Yth. Bappeda, mohon data jumlah penduduk per kecamatan Semester II 2025 untuk
publikasi Kabupaten Banyumas Dalam Angka 2026.
"""
    data = xlsx_bytes(
        [
            ["Kecamatan", "Laki-laki", "Perempuan", "Jumlah"],
            ["Lumbir", 24812, 24390, 49202],
            ["Wangon", 41277, 40765, 82042],
            ["Jatilawang", 32104, 31856, 63960],
        ]
    )
    name = "Data_Penduduk_per_Kecamatan_Sem_II_2025.xlsx"
    headers = fill(
        """Received: from DUKCAPIL-PDI03 (unknown [10.10.8.43])
	(Authenticated sender: disdukcapil@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dV8gH9jKlz3tUv
	for <bappeda@{{gw}}>; Tue, 20 Jan 2026 09:12:51 +0700 (WIB)
From: "Disdukcapil Kabupaten Banyumas" <disdukcapil@banyumaskab.go.id>
To: "'Bappeda Kabupaten Banyumas'" <bappeda@{{gw}}>
References: <{{ref}}@banyumaskab.go.id>
In-Reply-To: <{{ref}}@banyumaskab.go.id>
Subject: RE: FW: TR: Fwd: Permohonan Data Jumlah Penduduk per Kecamatan Semester II
 2025
Date: {{date}}
Message-ID: <{{local}}@banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{{boundary}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        gw=GW,
        ref=outlook_ids(wib(19, 10, 12, 3), "re-fw-ref", 0x31)[1],
        date=mail_date(2026, 1, 20, 9, 12, 48),
        local=local,
        boundary=boundary,
        ti=thread_index("re-fw"),
    )
    body = multipart(
        boundary,
        [
            part(
                hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                text,
            ),
            b64_part(
                f'Content-Type: {XLSX};\n\tname="{name}"\n'
                "Content-Transfer-Encoding: base64\n"
                f'Content-Disposition: attachment;\n\tfilename="{name}"',
                data,
            ),
        ],
        preamble="This is a multipart message in MIME format.\n",
    )
    return message(headers, body)


@case("utf8_rfc2047_base64_subject.eml")
def utf8_rfc2047_base64_subject() -> bytes:
    """Zimbra web client; Subject as folded UTF-8 B encoded words with an em dash."""
    boundary = "=_" + "-".join(
        [hexid("zimbra-b", 8), hexid("zimbra-c", 4), hexid("zimbra-d", 4), "a1b2", hexid("z", 12)]
    )
    subject = (
        "Surat Edaran Gubernur — Penggunaan Aplikasi Srikandi dalam Tata Naskah Dinas Elektronik"
    )
    encoded = "\n ".join(ew_b(subject, "utf-8"))
    text = """Yth. Bupati/Wali Kota se-Jawa Tengah
u.p. Sekretaris Daerah

Nomor : 000.5.3/0021/2026
Sifat : Biasa

Bersama ini kami sampaikan Surat Edaran Gubernur Jawa Tengah mengenai kewajiban
penggunaan aplikasi Srikandi untuk seluruh naskah dinas di lingkungan pemerintah
daerah mulai 1 Maret 2026. Surat edaran lengkap dapat diunduh di laman JDIH
Provinsi Jawa Tengah.

Semarang, 20 Januari 2026
Biro Umum Setda Provinsi Jawa Tengah
"""
    html = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; '
        'color: #000000"><div>'
        + "</div><div>".join(
            line if line else '<br data-mce-bogus="1">' for line in text.rstrip("\n").split("\n")
        )
        + "</div></div></body></html>\n"
    )
    headers = fill(
        """Received: from mail.jatengprov.go.id (localhost [127.0.0.1])
	by mail.jatengprov.go.id (Postfix) with ESMTPS id 3E4F5A6B7C
	for <setda@{{gw}}>; Tue, 20 Jan 2026 13:45:09 +0700 (WIB)
X-Virus-Scanned: amavis at jatengprov.go.id
Received: from mail.jatengprov.go.id (localhost [127.0.0.1])
	by localhost (mail.jatengprov.go.id [127.0.0.1]) (amavis, port 10026) with ESMTP
	id Xk3pQ8vR2tYw; Tue, 20 Jan 2026 13:45:08 +0700 (WIB)
Received: from mail.jatengprov.go.id (mail.jatengprov.go.id [10.1.1.20])
	by mail.jatengprov.go.id (Postfix) with ESMTP id 1A2B3C4D5E
	for <setda@{{gw}}>; Tue, 20 Jan 2026 13:45:07 +0700 (WIB)
Date: Tue, 20 Jan 2026 13:45:07 +0700 (WIB)
From: Biro Umum Setda Prov Jateng <biroumum@jatengprov.go.id>
To: setda@{{gw}}
Message-ID: <1542093871.184203.1768891507552.JavaMail.zimbra@jatengprov.go.id>
Subject: {{subject}}
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="{{boundary}}"
X-Originating-IP: [10.1.14.87]
X-Mailer: Zimbra 8.8.15_GA_4581 (ZimbraWebClient - GC131 (Win)/8.8.15_GA_4581)
Thread-Index: {{ti}}
Thread-Topic: Surat Edaran Gubernur
""",
        gw=GW,
        subject=encoded,
        boundary=boundary,
        ti=base64.b64encode(bytes.fromhex(hexid("zimbra-ti", 32))).decode("ascii"),
    )
    body = multipart(
        boundary,
        [
            part(hdr("text/plain; charset=utf-8", "7bit"), text),
            part(
                hdr("text/html; charset=utf-8", "quoted-printable"),
                qp(html),
            ),
        ],
    )
    return message(headers, body)


@case("windows1252_declared.eml")
def windows1252_declared() -> bytes:
    """Windows Live Mail 2012: charset=Windows-1252, quoted-printable, smart quotes and en dash."""
    sent = wib(21, 15, 3, 27)
    high, low = filetime(sent)
    boundary = f"----=_NextPart_000_0007_{high:08X}.{low:08X}"
    text = """Kepada Yth.
Sekretaris Daerah Kabupaten Banyumas
di Purwokerto

Nomor         : 700.1.2.2/045/Inspt/2026
Tanggal Surat : 21-01-2026
Sifat         : Rahasia
Lampiran      : 1 (satu) bendel
Perihal       : Penyampaian Laporan Hasil Evaluasi “SAKIP” Tahun 2025 – Perangkat Daerah

Dengan hormat,

Bersama ini kami sampaikan Laporan Hasil Evaluasi atas Implementasi Sistem
Akuntabilitas Kinerja Instansi Pemerintah (“SAKIP”) Tahun 2025 pada 27 Perangkat
Daerah. Dokumen fisik (1 bendel) kami kirimkan melalui kurir.

Demikian, atas perhatian Bapak kami sampaikan terima kasih.

Inspektur Kabupaten Banyumas
"""
    html = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n'
        '<HTML><HEAD>\n<META content="text/html; charset=windows-1252" http-equiv=Content-Type>\n'
        '<META name=GENERATOR content="MSHTML 11.00.10570.1001"></HEAD>\n'
        '<BODY style="PADDING-LEFT: 10px; PADDING-RIGHT: 10px; PADDING-TOP: 15px" '
        "id=MailContainerBody "
        'leftMargin=0 topMargin=0 CanvasTabStop="true" name="Compose message area">\n'
        + "\n".join(
            f"<DIV><FONT face=Calibri>{nbsp(line)}</FONT></DIV>"
            if line
            else "<DIV><FONT face=Calibri></FONT>&nbsp;</DIV>"
            for line in text.rstrip("\n").split("\n")
        )
        + "</BODY></HTML>\n"
    )
    headers = fill(
        """Received: from InspektoratPC01 (unknown [10.10.9.17])
	(Authenticated sender: inspektorat@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dW2hJ3kLmz6vWx
	for <setda@{{gw}}>; Wed, 21 Jan 2026 15:03:30 +0700 (WIB)
Message-ID: <{{mid}}@InspektoratPC01>
From: "Inspektorat Kab. Banyumas" <inspektorat@banyumaskab.go.id>
To: <setda@{{gw}}>
Subject: Penyampaian Hasil Evaluasi SAKIP 2025
Date: {{date}}
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="{{boundary}}"
X-Priority: 3
X-MSMail-Priority: Normal
Importance: Normal
X-Mailer: Microsoft Windows Live Mail 16.4.3528.331
X-MimeOLE: Produced By Microsoft MimeOLE V16.4.3528.331
""",
        gw=GW,
        mid=hexid("wlm", 32, upper=True),
        date=mail_date(2026, 1, 21, 15, 3, 27),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr('text/plain;\n\tcharset="Windows-1252"', "quoted-printable"),
                qp(text, "cp1252"),
            ),
            part(
                hdr('text/html;\n\tcharset="Windows-1252"', "quoted-printable"),
                qp(html, "cp1252"),
            ),
        ],
        preamble="This is a multi-part message in MIME format.\n",
    )
    return message(headers, body)


@case("mobile_gmail_android.eml")
def mobile_gmail_android() -> bytes:
    """Gmail app on Android: a two-line note and a JPEG photo of a printed letter."""
    seed = "gmail-android"
    to = f"setda@{GW}"
    text = (
        "Pak, berikut foto surat undangan dari Kemenag Banyumas. Aslinya menyusul via kurir.\n\n"
        "Dikirim dari ponsel Android\n"
    )
    html = (
        '<div dir="auto">Pak, berikut foto surat undangan dari Kemenag Banyumas. '
        "Aslinya menyusul via "
        'kurir.<div dir="auto"><br></div><div dir="auto">Dikirim dari ponsel Android</div></div>\n'
    )
    photo = letter_photo_jpeg(("samsung", "SM-A546E", "2026:01:22 08:15:30"), seed=2)
    name = "IMG_20260122_081530.jpg"
    outer, inner = gmail_boundary(seed + "o"), gmail_boundary(seed + "i")
    att_id = "19be" + hexid(seed + "att", 8) + "_f0"
    headers = gmail_headers(seed, to, "Wed, 21 Jan 2026 17:17:02 -0800 (PST)") + fill(
        """MIME-Version: 1.0
From: Eko Prasetyo <ekoprasetyo.bms@gmail.com>
Date: Thu, 22 Jan 2026 08:16:58 +0700
Message-ID: {{mid}}
Subject: Foto surat undangan Kemenag
To: {{to}}
Content-Type: multipart/mixed; boundary="{{outer}}"
""",
        mid=gmail_message_id(seed),
        to=to,
        outer=outer,
    )
    alternative = part(
        f'Content-Type: multipart/alternative; boundary="{inner}"',
        multipart(
            inner,
            [
                part('Content-Type: text/plain; charset="UTF-8"', text),
                part('Content-Type: text/html; charset="UTF-8"', html),
            ],
        ),
    )
    image = b64_part(
        f'Content-Type: image/jpeg; name="{name}"\n'
        f'Content-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\nContent-ID: <{att_id}>\nX-Attachment-Id: {att_id}",
        photo,
    )
    return message(headers, multipart(outer, [alternative, image]))


@case("signed_smime_like.eml")
def signed_smime_like() -> bytes:
    """Thunderbird S/MIME signed (BSrE-style certificate): multipart/signed, dummy smime.p7s."""
    outer = "------------ms" + str(int(hexid("smime", 12), 16))[:24].zfill(24)
    mixed = "------------" + alnum("tb-smime-mixed", 24)
    text = """Yth. Kepala Dinas Kesehatan Kabupaten/Kota
di seluruh Indonesia

Nomor    : GZ.01.02/B/0045/2026
Sifat    : Biasa
Lampiran : 1 (satu) berkas
Perihal  : Penyampaian Petunjuk Teknis Pemberian Makanan Tambahan Tahun 2026

Dengan hormat,

Bersama ini kami sampaikan Petunjuk Teknis Pemberian Makanan Tambahan (PMT)\x20
Berbahan Pangan Lokal bagi Balita dan Ibu Hamil Tahun 2026 untuk dapat\x20
dijadikan acuan pelaksanaan di daerah.

Jakarta, 22 Januari 2026
Sekretaris Direktorat Jenderal Kesehatan Masyarakat

--\x20
Sekretariat Ditjen Kesehatan Masyarakat
Kementerian Kesehatan RI
"""
    pdf = letter_pdf(
        [
            ("kop", "KEMENTERIAN KESEHATAN REPUBLIK INDONESIA"),
            ("kop", "DIREKTORAT JENDERAL KESEHATAN MASYARAKAT"),
            ("rule", ""),
            "",
            "PETUNJUK TEKNIS PEMBERIAN MAKANAN TAMBAHAN BERBAHAN PANGAN LOKAL",
            "BAGI BALITA DAN IBU HAMIL TAHUN 2026",
        ],
        title="Juknis PMT 2026",
        author="Ditjen Kesmas",
        created="D:20260122101500+07'00'",
    )
    name = "Juknis_PMT_2026.pdf"
    signed = part(
        f'Content-Type: multipart/mixed; boundary="{mixed}"',
        multipart(
            mixed,
            [
                part(
                    hdr("text/plain; charset=UTF-8; format=flowed", "7bit"),
                    text,
                ),
                b64_part(
                    f'Content-Type: application/pdf; name="{name}"\n'
                    f'Content-Disposition: attachment; filename="{name}"\n'
                    "Content-Transfer-Encoding: base64",
                    pdf,
                ),
            ],
        )
        + "\n",
    )
    signature = b64_part(
        'Content-Type: application/pkcs7-signature; name="smime.p7s"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="smime.p7s"\n'
        "Content-Description: S/MIME Cryptographic Signature",
        dummy_pkcs7_signature("smime-sig"),
    )
    headers = fill(
        """Received: from [10.200.3.18] (unknown [10.200.3.18])
	(Authenticated sender: setditjen.kesmas@kemkes.go.id)
	by mail.kemkes.go.id (Postfix) with ESMTPSA id 4dW9kL0mNpz7xYz
	for <dinkes@{{gw}}>; Thu, 22 Jan 2026 10:21:40 +0700 (WIB)
Message-ID: <e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b@kemkes.go.id>
Date: {{date}}
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: id
To: dinkes@{{gw}}
From: Sekretariat Ditjen Kesmas <setditjen.kesmas@kemkes.go.id>
Subject: Penyampaian Juknis PMT Berbahan Pangan Lokal 2026
Content-Type: multipart/signed; protocol="application/pkcs7-signature";
 micalg=sha-256; boundary="{{outer}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 22, 10, 21, 37),
        outer=outer,
    )
    body = multipart(
        outer,
        [signed, signature],
        preamble="This is a cryptographically signed message in MIME format.\n",
    )
    return message(headers, body)


def ics_fold(lines: Sequence[str]) -> bytes:
    """iCalendar content lines, folded at 75 octets, CRLF (RFC 5545)."""
    out = b""
    for line in lines:
        raw = line.encode("utf-8")
        first = True
        while raw:
            limit = 75 if first else 74
            cut = min(limit, len(raw))
            while cut < len(raw) and (raw[cut] & 0xC0) == 0x80:
                cut -= 1
            out += (b"" if first else b" ") + raw[:cut] + b"\r\n"
            raw = raw[cut:]
            first = False
    return out


@case("calendar_invite_undangan.eml")
def calendar_invite_undangan() -> bytes:
    """Exchange 2016 meeting request: alternative { text, html, text/calendar method=REQUEST }."""
    msgid_hex = hexid("invite", 32)
    boundary = f"_000_{msgid_hex}EXCHBMS01banyumaskabgoid_"
    uid = "040000008200E00074C5B7101A82E00800000000" + hexid("invite-uid", 56).upper()
    description = (
        "Mengharap kehadiran Bapak/Ibu pada Rapat Evaluasi Capaian Indikator SPM Bidang Kesehatan "
        "Triwulan IV Tahun 2025. Undangan resmi menyusul melalui TNDE.\\n\\nAgenda:\\n"
        "1. Paparan capaian SPM Bidang Kesehatan\\n"
        "2. Identifikasi permasalahan dan rencana tindak lanjut\\n"
    )
    ics = ics_fold(
        [
            "BEGIN:VCALENDAR",
            "METHOD:REQUEST",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VTIMEZONE",
            "TZID:SE Asia Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0700",
            "TZOFFSETTO:+0700",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0700",
            "TZOFFSETTO:+0700",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "ORGANIZER;CN=Sekretariat Bappeda:mailto:sekretariat.bappeda@banyumaskab.go.id",
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=dinkes@{GW}:mailto:dinkes@{GW}",
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=dinhubkominfo@{GW}:"
            f"mailto:dinhubkominfo@{GW}",
            f"DESCRIPTION;LANGUAGE=id-ID:{description}",
            f"UID:{uid}",
            "SUMMARY;LANGUAGE=id-ID:Rapat Evaluasi Capaian SPM Bidang Kesehatan Triwulan IV 2025",
            "DTSTART;TZID=SE Asia Standard Time:20260210T090000",
            "DTEND;TZID=SE Asia Standard Time:20260210T120000",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            "DTSTAMP:20260126T031512Z",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            "SEQUENCE:0",
            "LOCATION;LANGUAGE=id-ID:Ruang Rapat Bappeda Lt. 2",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
            "X-MICROSOFT-CDO-OWNERAPPTID:2124633015",
            "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",
            "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
            "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
            "X-MICROSOFT-CDO-IMPORTANCE:1",
            "X-MICROSOFT-CDO-INSTTYPE:0",
            "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
            "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
            "X-MICROSOFT-LOCATIONS:[]",
            "BEGIN:VALARM",
            "DESCRIPTION:REMINDER",
            "TRIGGER;RELATED=START:-PT15M",
            "ACTION:DISPLAY",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    text = """Mengharap kehadiran Bapak/Ibu pada Rapat Evaluasi Capaian Indikator SPM Bidang
Kesehatan Triwulan IV Tahun 2025. Undangan resmi menyusul melalui TNDE.

Agenda:
1. Paparan capaian SPM Bidang Kesehatan
2. Identifikasi permasalahan dan rencana tindak lanjut
"""
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "</head><body><div>"
        + "".join(f"<p>{line}</p>" for line in text.rstrip("\n").split("\n") if line)
        + "</div></body></html>\n"
    )
    headers = fill(
        """Received: from EXCH-BMS01.banyumaskab.go.id (unknown [10.10.1.21])
	by mx.banyumaskab.go.id (Postfix) with ESMTPS id 4dY3mN4pQrz8aBc
	for <dinkes@{{gw}}>; Mon, 26 Jan 2026 10:15:16 +0700 (WIB)
Received: from EXCH-BMS01.banyumaskab.go.id (10.10.1.21) by
 EXCH-BMS01.banyumaskab.go.id (10.10.1.21) with Microsoft SMTP Server
 (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id
 15.1.2507.39; Mon, 26 Jan 2026 10:15:14 +0700
Received: from EXCH-BMS01.banyumaskab.go.id ([fe80::a4c1:6e2f:3b7d:9e01]) by
 EXCH-BMS01.banyumaskab.go.id ([fe80::a4c1:6e2f:3b7d:9e01%13]) with mapi id
 15.01.2507.039; Mon, 26 Jan 2026 10:15:13 +0700
From: Sekretariat Bappeda <sekretariat.bappeda@banyumaskab.go.id>
To: "dinkes@{{gw}}" <dinkes@{{gw}}>,
	"dinhubkominfo@{{gw}}" <dinhubkominfo@{{gw}}>
Subject: Rapat Evaluasi Capaian SPM Bidang Kesehatan Triwulan IV 2025
Thread-Topic: Rapat Evaluasi Capaian SPM Bidang Kesehatan Triwulan IV 2025
Thread-Index: {{ti}}
Date: {{date}}
Message-ID: <{{mid}}@EXCH-BMS01.banyumaskab.go.id>
Accept-Language: id-ID, en-US
Content-Language: id-ID
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-originating-ip: [10.10.6.30]
Content-Type: multipart/alternative;
	boundary="{{boundary}}"
MIME-Version: 1.0
""",
        gw=GW,
        ti=thread_index("invite"),
        date=mail_date(2026, 1, 26, 10, 15, 12),
        mid=msgid_hex,
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr('text/plain; charset="iso-8859-1"', "quoted-printable"),
                qp(text),
            ),
            part(
                hdr('text/html; charset="iso-8859-1"', "quoted-printable"),
                qp(html),
            ),
            b64_part(
                hdr('text/calendar; charset="utf-8"; method=REQUEST', "base64"),
                ics,
            ),
        ],
    )
    return message(headers, body)


@case("bare_minimum_headers.eml")
def bare_minimum_headers() -> bytes:
    """Only From, To and Subject (no Date, Message-ID, MIME-Version, Received)."""
    return crlf(
        "From: kel.bobosan@banyumaskab.go.id\n"
        f"To: setda@{GW}\n"
        "Subject: Laporan Kegiatan Kerja Bakti Bulan Januari 2026\n"
        "\n"
        "Kerja bakti RW 01 s.d. RW 07 Kelurahan Bobosan telah dilaksanakan.\n"
        "Peserta 214 orang, sampah terangkut 3,5 ton.\n"
        "Lurah Bobosan\n"
    )


@case("outlook_mso_html_nested_inline.eml")
def outlook_mso_html_nested_inline() -> bytes:
    """Outlook 2016 HTML: mixed { related { alternative { text, html }, image001.png }, docx }."""
    sent = wib(23, 10, 48, 19)
    high, low = filetime(sent)
    b0, local = outlook_ids(sent, "mso", 0x09)
    b1 = f"----=_NextPart_001_000A_{high:08X}.{low:08X}"
    b2 = f"----=_NextPart_002_000B_{high:08X}.{low:08X}"
    cid = f"image001.png@{high:08X}.{low:08X}"
    fields = [
        ("Nomor", "000.8.3/0102/Dinhubkominfo/2026"),
        ("Sifat", "Biasa"),
        ("Lampiran", "1 (satu) berkas"),
        ("Perihal", "Permohonan Fasilitasi Pembahasan Rancangan Peraturan Bupati tentang SPBE"),
    ]
    text = (
        "Yth. Sekretaris Daerah Kabupaten Banyumas\n\n"
        + "".join(f"{k:<9}: {v}\n" for k, v in fields)
        + """
Dengan hormat,

Bersama ini kami sampaikan draf Rancangan Peraturan Bupati tentang
Penyelenggaraan Sistem Pemerintahan Berbasis Elektronik (SPBE) Kabupaten
Banyumas untuk dapat difasilitasi pembahasannya bersama Bagian Hukum.

Purwokerto, 23 Januari 2026

Salam,

[cid:image001.png@{{cid}}]
Dinas Perhubungan, Komunikasi dan Informatika
Kabupaten Banyumas
"""
    ).replace("{{cid}}", cid.split("@")[1])
    rows = "".join(
        f"<tr><td width=96 valign=top style='width:72.0pt;padding:0cm 5.4pt 0cm 5.4pt'>"
        f"<p class=MsoNormal>{k}<o:p></o:p></p></td>"
        f"<td valign=top style='padding:0cm 5.4pt 0cm 5.4pt'>"
        f"<p class=MsoNormal>: {v}<o:p></o:p></p></td></tr>\n"
        for k, v in fields
    )
    html = f"""<html xmlns:v="urn:schemas-microsoft-com:vml" \
xmlns:o="urn:schemas-microsoft-com:office:office" \
xmlns:w="urn:schemas-microsoft-com:office:word" \
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" \
xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type \
content="text/html; charset=us-ascii">
<meta name=Generator content="Microsoft Word 15 (filtered medium)"><!--[if !mso]><style>\
v\\:* {{behavior:url(#default#VML);}}
o\\:* {{behavior:url(#default#VML);}}
w\\:* {{behavior:url(#default#VML);}}
.shape {{behavior:url(#default#VML);}}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
	{{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}}
@font-face
	{{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;
	mso-fareast-language:EN-US;}}
span.EmailStyle17
	{{mso-style-type:personal-compose;
	font-family:"Calibri",sans-serif;
	color:windowtext;}}
@page WordSection1
	{{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}}
div.WordSection1
	{{page:WordSection1;}}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]--></head><body lang=EN-ID link="#0563C1" vlink="#954F72" \
style='word-wrap:break-word'><div class=WordSection1>
<p class=MsoNormal>Yth. Sekretaris Daerah Kabupaten Banyumas<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<table class=MsoTableGrid border=0 cellspacing=0 cellpadding=0 \
style='border-collapse:collapse;border:none'>
{rows}</table>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Dengan hormat,<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Bersama ini kami sampaikan draf Rancangan Peraturan Bupati tentang \
Penyelenggaraan \
Sistem Pemerintahan Berbasis Elektronik (SPBE) Kabupaten Banyumas untuk dapat difasilitasi \
pembahasannya bersama Bagian Hukum.<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Purwokerto, 23 Januari 2026<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Salam,<o:p></o:p></p>
<p class=MsoNormal><span style='mso-fareast-language:EN-ID'><img width=40 height=40 \
style='width:.4166in;\
height:.4166in' id="Picture_x0020_1" src="cid:{cid}"></span><o:p></o:p></p>
<p class=MsoNormal><b>Dinas Perhubungan, Komunikasi dan Informatika<o:p></o:p></b></p>
<p class=MsoNormal>Kabupaten Banyumas<o:p></o:p></p>
</div></body></html>
"""
    doc = docx_bytes(
        [
            "RANCANGAN PERATURAN BUPATI BANYUMAS",
            "NOMOR ... TAHUN 2026",
            "TENTANG PENYELENGGARAAN SISTEM PEMERINTAHAN BERBASIS ELEKTRONIK",
            "DENGAN RAHMAT TUHAN YANG MAHA ESA",
            "BUPATI BANYUMAS,",
        ]
    )
    name = "Draft_Perbup_SPBE_2026.docx"
    headers = fill(
        """Received: from DINHUB-KOMINFO07 (unknown [10.10.4.77])
	(Authenticated sender: dinhubkominfo@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dX0nP1qRsz9bCd
	for <setda@{{gw}}>; Fri, 23 Jan 2026 10:48:22 +0700 (WIB)
From: "Dinhubkominfo Kab. Banyumas" <dinhubkominfo@banyumaskab.go.id>
To: <setda@{{gw}}>
Subject: Draft Perbup tentang Penyelenggaraan SPBE
Date: {{date}}
Message-ID: <{{local}}@banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{{b0}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        gw=GW,
        date=mail_date(2026, 1, 23, 10, 48, 19),
        local=local,
        b0=b0,
        ti=thread_index("mso"),
    )
    alternative = part(
        f'Content-Type: multipart/alternative;\n\tboundary="{b2}"',
        multipart(
            b2,
            [
                part(
                    hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                    text,
                ),
                part(
                    hdr('text/html;\n\tcharset="us-ascii"', "quoted-printable"),
                    qp(html, "us-ascii"),
                ),
            ],
        )
        + "\n",
    )
    related = part(
        f'Content-Type: multipart/related;\n\ttype="multipart/alternative";\n\tboundary="{b1}"',
        multipart(
            b1,
            [
                alternative,
                b64_part(
                    'Content-Type: image/png;\n\tname="image001.png"\n'
                    "Content-Transfer-Encoding: base64\n"
                    f"Content-ID: <{cid}>",
                    logo_png(),
                ),
            ],
        )
        + "\n",
    )
    attachment = b64_part(
        f'Content-Type: {DOCX};\n\tname="{name}"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment;\n\tfilename="{name}"',
        doc,
    )
    body = multipart(
        b0, [related, attachment], preamble="This is a multipart message in MIME format.\n"
    )
    return message(headers, body)


@case("lotus_notes_domino.eml")
def lotus_notes_domino() -> bytes:
    """HCL Notes 12 via Domino: boundaries with spaces, X-MIMETrack, Notes-style Message-ID."""
    stamp = "0012789A48258B2A"
    mixed = f"=_mixed {stamp}_="
    alternative = f"=_alternative {stamp}_="
    text = """Kepada Yth.
Bupati Banyumas
c.q. Kepala Bappeda Kabupaten Banyumas

Nomor    : S-45/PK.3/2026
Tanggal  : 26 Jan 2026
Sifat    : Segera
Lampiran : 1 (satu) berkas
Hal      : Penyampaian Rincian Alokasi Dana Alokasi Khusus Fisik Tahun Anggaran 2026

Dengan hormat, bersama ini disampaikan rincian alokasi DAK Fisik TA 2026 untuk
Kabupaten Banyumas beserta ketentuan penyampaian usulan kegiatan melalui aplikasi
KRISNA paling lambat 27 Februari 2026.

Direktur Dana Transfer Khusus
"""
    html = (
        '<font size=2 face="sans-serif">'
        + "<br>".join(line if line else "" for line in text.rstrip("\n").split("\n"))
        + "</font><br>\n"
    )
    pdf = letter_pdf(
        [
            ("kop", "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA"),
            ("kop", "DIREKTORAT JENDERAL PERIMBANGAN KEUANGAN"),
            ("rule", ""),
            "",
            "RINCIAN ALOKASI DAK FISIK TA 2026 - KABUPATEN BANYUMAS",
            "Bidang Kesehatan dan KB, Bidang Pendidikan, Bidang Jalan, Bidang Air Minum",
        ],
        title="Rincian DAK Fisik 2026",
        author="DJPK",
        created="D:20260126101500+07'00'",
    )
    name = "Rincian_DAK_Fisik_2026_Kab_Banyumas.pdf"
    headers = fill(
        """Received: from nsmail01.kemenkeu.go.id (nsmail01.kemenkeu.go.id [198.51.100.41])
	by mx1.kemenkeu.go.id (Postfix) with ESMTPS id 4dY7qR8sTuz1cDe
	for <bappeda@{{gw}}>; Mon, 26 Jan 2026 10:21:39 +0700 (WIB)
MIME-Version: 1.0
Subject: Penyampaian Rincian Alokasi DAK Fisik TA 2026
To: bappeda@{{gw}}
X-KeepSent: 5B1E2D3C:4A6F7B8C-48258B2A:00123456;
 type=4; name=$KeepSent
X-Mailer: HCL Notes Release 12.0.2FP2 March 06, 2023
Message-ID: <OF5B1E2D3C.4A6F7B8C-ON48258B2A.00123456-48258B2A.0012789A@kemenkeu.go.id>
From: "Direktorat Dana Transfer Khusus" <ditdtk@kemenkeu.go.id>
Date: {{date}}
X-MIMETrack: Serialize by Router on NSMAIL01/KEMENKEU(Release 12.0.2FP2|March 06, 2023) at
 01/26/2026 10:21:35 AM,
	Serialize complete at 01/26/2026 10:21:35 AM
Content-Type: multipart/mixed; boundary="{{mixed}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 26, 10, 21, 33),
        mixed=mixed,
    )
    body = multipart(
        mixed,
        [
            part(
                f'Content-Type: multipart/alternative; boundary="{alternative}"',
                "\n"
                + multipart(
                    alternative,
                    [
                        part('Content-Type: text/plain; charset="US-ASCII"', text),
                        part('Content-Type: text/html; charset="US-ASCII"', html),
                    ],
                ),
            ),
            b64_part(
                f'Content-Type: application/pdf; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                pdf,
            ),
        ],
        preamble="This is a multipart message in MIME format.\n",
    )
    return message(headers, body)


@case("yahoo_mail_reply.eml")
def yahoo_mail_reply() -> bytes:
    """Yahoo Mail web (Indonesian UI): 'Bls:' reply, alternative text + QP html, times in UTC."""
    boundary = "----=_Part_2284117_1493262057.1769483500122"
    text = """Yth. Bapak/Ibu Kepala Bappeda Kabupaten Banyumas,

Menindaklanjuti arahan Bapak, bersama ini kami sampaikan kembali permohonan
rekomendasi Bantuan Keuangan Khusus untuk pembangunan jalan desa (rabat beton
sepanjang 850 m di Dusun II). Proposal dan RAB sudah kami unggah ke aplikasi
SIPD sesuai petunjuk.

Karangsalam, 27 Jan 2026
Kepala Desa Karangsalam

Sutrisno


    Pada Senin, 26 Januari 2026 10.22.31 WIB, Bappeda Kabupaten Banyumas \
<bappeda@banyumaskab.go.id> \
menulis:

 Mohon proposal dilengkapi dengan RAB dan foto lokasi, kemudian diajukan kembali.
"""
    html = (
        '<html><head></head><body><div class="ydp5e3b2a1cyahoo-style-wrap" '
        'style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">'
        + "".join(
            f"<div>{line}</div>" if line else "<div><br></div>" for line in text.split("\n")[:11]
        )
        + '</div><div id="ydp8c1d2e3fyahoo_quoted_5512349872" class="ydp8c1d2e3fyahoo_quoted">'
        "<div>Pada Senin, 26 Januari 2026 10.22.31 WIB, Bappeda Kabupaten Banyumas "
        "&lt;bappeda@banyumaskab.go.id&gt; menulis:</div><div><br></div>"
        "<div>Mohon proposal dilengkapi dengan RAB dan foto lokasi, kemudian diajukan kembali."
        "</div>"
        "</div></body></html>\n"
    )
    headers = fill(
        """DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=yahoo.co.id; s=s2048; \
t=1769483505;
	bh={{bh}}; h=Date:From:To:In-Reply-To:References:Subject:From:Subject:Reply-To;
	b={{b1}}
X-SONIC-DKIM-SIGN: v=1; a=rsa-sha256; c=relaxed/relaxed; d=yahoo.com; s=s2048; t=1769483505;
	bh={{bh}}; h=X-Sonic-MF:Date:From:To:Subject:From:Subject;
	b={{b3}}
X-YMail-OSG: {{osg}}
X-Sonic-MF: <pemdes.karangsalam@yahoo.co.id>
X-Sonic-ID: 4c1a9e2b-7d3f-4e5a-9b8c-1d2e3f4a5b6c
Received: from sonic.gate.mail.ne1.yahoo.com by sonic310.consmr.mail.sg3.yahoo.com with HTTP;
 Tue, 27 Jan 2026 03:11:45 +0000
Date: Tue, 27 Jan 2026 03:11:40 +0000 (UTC)
From: Pemdes Karangsalam <pemdes.karangsalam@yahoo.co.id>
To: "bappeda@{{gw}}" <bappeda@{{gw}}>
Message-ID: <2090553461.2284118.1769483500123@mail.yahoo.com>
In-Reply-To: <000001dc8e3f$41b2c3d0$c5184970$@banyumaskab.go.id>
References: <000001dc8e3f$41b2c3d0$c5184970$@banyumaskab.go.id>
Subject: Bls: Permohonan Rekomendasi Bantuan Keuangan Khusus Desa Karangsalam
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="{{boundary}}"
X-Mailer: WebService/1.1.25032 YMailNorrin
""",
        gw=GW,
        bh=b64_of("yahoo-bh", 32),
        b1=folded(b64_of("yahoo-b1", 256), 76, "\n\t "),
        b3=folded(b64_of("yahoo-b3", 256), 76, "\n\t "),
        osg=fake_b64("yahoo-osg", 60).replace("+", ".").replace("/", "_"),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(hdr("text/plain; charset=UTF-8", "7bit"), text),
            part(
                hdr("text/html; charset=UTF-8", "quoted-printable"),
                qp(html),
            ),
        ],
    )
    return message(headers, body)


def nbsp(line: str) -> str:
    """Windows Live Mail keeps leading spaces as &nbsp;."""
    return line.replace(" ", "&nbsp;") if line.startswith("  ") else line


def rfc2231_param(name: str, value: str, chunk: int = 54) -> str:
    """``name*0*=UTF-8''...; name*1*=...`` continuations as Thunderbird writes them."""
    encoded = "".join(
        chr(b) if b < 0x80 and (chr(b).isalnum() or chr(b) in "-._") else f"%{b:02X}"
        for b in value.encode("utf-8")
    )
    pieces = []
    while encoded:
        cut = min(chunk, len(encoded))
        while "%" in encoded[max(0, cut - 2) : cut]:
            cut -= 1
        pieces.append(encoded[:cut])
        encoded = encoded[cut:]
    lines = [f"{name}*0*=UTF-8''{pieces[0]}"] + [
        f"{name}*{i}*={p}" for i, p in enumerate(pieces[1:], 1)
    ]
    return ";\n ".join(lines)


def ew_q(text: str) -> str:
    """RFC 2047 Q encoded words (UTF-8) as Thunderbird puts them in Content-Type name=."""
    out = ""
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if byte < 0x80 and (char.isalnum() or char in "-.!*+/"):
            out += char
        else:
            out += "_" if char == " " else f"={byte:02X}"
    chunks = []
    while out:
        cut = min(60, len(out))
        while "=" in out[max(0, cut - 2) : cut]:
            cut -= 1
        chunks.append(out[:cut])
        out = out[cut:]
    return "\n ".join(f"=?UTF-8?Q?{c}?=" for c in chunks)


@case("attachment_filename_rfc2231.eml")
def attachment_filename_rfc2231() -> bytes:
    """Thunderbird: non-ASCII PDF name, RFC 2231 continuations in filename, RFC 2047 in name=."""
    boundary = "------------" + alnum("tb-2231", 24)
    name = "Surat Undangan – Musrenbang Kecamatan Kedungbanteng Tahun 2026.pdf"
    pdf = letter_pdf(
        [
            *kop(
                "KECAMATAN KEDUNGBANTENG",
                "",
                "Jalan Raya Kedungbanteng Nomor 1 Kedungbanteng 53152",
            ),
            "",
            "Kedungbanteng, 27 Januari 2026",
            "",
            "Nomor : 050/012/2026",
            "Sifat : Penting",
            "Lampiran : 1 (satu) lembar",
            "Perihal : Undangan Musrenbang Kecamatan Kedungbanteng Tahun 2026",
            "",
            "Yth. Kepala Bappeda Kabupaten Banyumas",
            "",
            "Dengan hormat, kami mengundang Bapak/Ibu pada Musyawarah Perencanaan Pembangunan",
            "Kecamatan Kedungbanteng hari Rabu, 4 Februari 2026 pukul 08.30 WIB di Pendopo"
            " Kecamatan.",
            "",
            "CAMAT KEDUNGBANTENG",
        ],
        title="Undangan Musrenbang Kecamatan Kedungbanteng",
        author="Kecamatan Kedungbanteng",
        created="D:20260127081000+07'00'",
    )
    text = (
        "Selamat pagi,\n\nTerlampir surat undangan Musrenbang Kecamatan Kedungbanteng.\n\n"
        "-- \nKecamatan Kedungbanteng\nKabupaten Banyumas\n"
    )
    headers = fill(
        """Received: from [10.10.11.9] (unknown [10.10.11.9])
	(Authenticated sender: kec.kedungbanteng@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dY9sT0uVwz2dEf
	for <bappeda@{{gw}}>; Tue, 27 Jan 2026 08:14:05 +0700 (WIB)
Message-ID: <0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0@banyumaskab.go.id>
Date: {{date}}
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: id
To: bappeda@{{gw}}
From: Kecamatan Kedungbanteng <kec.kedungbanteng@banyumaskab.go.id>
Subject: Undangan Musrenbang Kecamatan
Content-Type: multipart/mixed; boundary="{{boundary}}"
""",
        gw=GW,
        date=mail_date(2026, 1, 27, 8, 14, 2),
        boundary=boundary,
    )
    body = multipart(
        boundary,
        [
            part(
                hdr("text/plain; charset=UTF-8; format=flowed", "7bit"),
                text,
            ),
            b64_part(
                f'Content-Type: application/pdf;\n name="{ew_q(name)}"\n'
                f"Content-Disposition: attachment;\n {rfc2231_param('filename', name)}\n"
                "Content-Transfer-Encoding: base64",
                pdf,
            ),
        ],
        preamble="This is a multi-part message in MIME format.",
    )
    return message(headers, body)


@case("attachment_filename_rfc2047.eml")
def attachment_filename_rfc2047() -> bytes:
    """Outlook 2016: non-ASCII attachment name as RFC 2047 words inside quoted name/filename."""
    sent = wib(28, 11, 30, 2)
    boundary, local = outlook_ids(sent, "rfc2047-name", 0x15)
    name = "Rekapitulasi Anggaran Perjalanan Dinas – Triwulan IV 2025.xlsx"
    words = " ".join(ew_b(name, "utf-8", max_bytes=40))
    data = xlsx_bytes(
        [
            ["Perangkat Daerah", "Pagu", "Realisasi"],
            ["Sekretariat Daerah", 1250000000, 1187450000],
            ["Bappeda", 420000000, 401230000],
        ]
    )
    text = """Yth. Sekretaris Daerah Kabupaten Banyumas

Dengan hormat, bersama ini kami sampaikan rekapitulasi anggaran perjalanan dinas
Triwulan IV Tahun Anggaran 2025 sebagaimana file terlampir.

Terima kasih.

Bidang Anggaran BPKAD Kabupaten Banyumas
"""
    headers = fill(
        """Received: from BPKAD-ANG02 (unknown [10.10.5.62])
	(Authenticated sender: bpkad@banyumaskab.go.id)
	by mx.banyumaskab.go.id (Postfix) with ESMTPSA id 4dZ4vW5xYzz3fGh
	for <setda@{{gw}}>; Wed, 28 Jan 2026 11:30:05 +0700 (WIB)
From: "BPKAD Kab. Banyumas" <bpkad@banyumaskab.go.id>
To: <setda@{{gw}}>
Subject: Rekap anggaran perjalanan dinas TW IV 2025
Date: {{date}}
Message-ID: <{{local}}@banyumaskab.go.id>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="{{boundary}}"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: {{ti}}
Content-Language: id
""",
        gw=GW,
        date=mail_date(2026, 1, 28, 11, 30, 2),
        local=local,
        boundary=boundary,
        ti=thread_index("rfc2047-name"),
    )
    body = multipart(
        boundary,
        [
            part(
                hdr('text/plain;\n\tcharset="us-ascii"', "7bit"),
                text,
            ),
            b64_part(
                f'Content-Type: {XLSX};\n\tname="{words}"\nContent-Transfer-Encoding: base64\n'
                f'Content-Disposition: attachment;\n\tfilename="{words}"',
                data,
            ),
        ],
        preamble="This is a multipart message in MIME format.\n",
    )
    return message(headers, body)


# ================================================================== driver


def build_all() -> dict[str, bytes]:
    """Every committed case, name -> bytes."""
    return {name: builder() for name, builder in CASES.items()}


def main() -> None:
    """Write all .eml files into tests/data/ and run the corpus checks."""
    for name, data in build_all().items():
        (DATA_DIR / name).write_bytes(data)
        print(f"{len(data):>8}  {name}")
    try:
        import pypdf  # noqa: F401
        import tnefparse  # noqa: F401
    except ImportError:
        print("verification skipped: use a Python with tnefparse and pypdf (the project venv)")
        return
    import verify_corpus

    verify_corpus.main()


if __name__ == "__main__":
    main()
