"""Minimal TNEF (winmail.dat) writer after [MS-OXTNEF]; run it to rebuild and check the corpus."""

from __future__ import annotations

import datetime as dt
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TNEF_SIGNATURE = 0x223E9F78
LVL_MESSAGE = 0x01
LVL_ATTACHMENT = 0x02

# Attribute types (atp*) of the legacy TNEF attributes.
ATP_STRING = 0x0001
ATP_TEXT = 0x0002
ATP_DATE = 0x0003
ATP_SHORT = 0x0004
ATP_BYTE = 0x0006
ATP_WORD = 0x0007
ATP_DWORD = 0x0008

# Attribute ids (low word of the attribute DWORD).
ATT_SUBJECT = 0x8004
ATT_DATE_SENT = 0x8005
ATT_MESSAGE_CLASS = 0x8008
ATT_MESSAGE_ID = 0x8009
ATT_BODY = 0x800C
ATT_PRIORITY = 0x800D
ATT_ATTACH_DATA = 0x800F
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_CREATE_DATE = 0x8012
ATT_ATTACH_MODIFY_DATE = 0x8013
ATT_DATE_MODIFIED = 0x8020
ATT_ATTACH_REND_DATA = 0x9002
ATT_ATTACHMENT = 0x9005
ATT_TNEF_VERSION = 0x9006
ATT_OEM_CODEPAGE = 0x9007

# MAPI property types and tags used inside attAttachment.
PT_LONG = 0x0003
PT_STRING8 = 0x001E
PR_ATTACH_SIZE = 0x0E20
PR_DISPLAY_NAME = 0x3001
PR_ATTACH_EXTENSION = 0x3703
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_RENDERING_POSITION = 0x370B
PR_ATTACH_MIME_TAG = 0x370E
ATTACH_BY_VALUE = 1


@dataclass(frozen=True)
class TnefFile:
    """One attached file inside the TNEF stream."""

    name: str
    data: bytes
    mime_type: str
    created: dt.datetime


def checksum(data: bytes) -> int:
    """TNEF attribute checksum: the sum of the data bytes modulo 65536."""
    return sum(data) & 0xFFFF


def attribute(level: int, att_id: int, atp: int, data: bytes) -> bytes:
    """level(1) | id(2) | type(2) | length(4) | data | checksum(2), little-endian."""
    return (
        struct.pack("<BHHI", level, att_id, atp, len(data))
        + data
        + struct.pack("<H", checksum(data))
    )


def _date(moment: dt.datetime) -> bytes:
    weekday = (moment.weekday() + 1) % 7  # TNEF counts from Sunday = 0
    return struct.pack(
        "<7H",
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        weekday,
    )


def _sz(text: str) -> bytes:
    return text.encode("cp1252") + b"\0"


def _mapi_props(props: Sequence[tuple[int, int, int | str]]) -> bytes:
    out = struct.pack("<I", len(props))
    for prop_type, tag, value in props:
        out += struct.pack("<HH", prop_type, tag)
        if prop_type == PT_LONG:
            assert isinstance(value, int)
            out += struct.pack("<I", value & 0xFFFFFFFF)
        else:
            assert isinstance(value, str)
            raw = _sz(value)
            out += struct.pack("<II", 1, len(raw)) + raw + b"\0" * (-len(raw) % 4)
    return out


def build_tnef(
    subject: str,
    body: str,
    files: Sequence[TnefFile],
    sent: dt.datetime,
    message_id_hex: str,
    key: int = 0x4A1D,
) -> bytes:
    """A winmail.dat as Outlook writes for a plain-text/RTF note with attached files.

    ``body`` uses CRLF line ends (as Outlook stores it) and must be cp1252-encodable.
    """
    msg = LVL_MESSAGE
    out = bytearray(struct.pack("<IH", TNEF_SIGNATURE, key))  # appended to in place
    out += attribute(msg, ATT_TNEF_VERSION, ATP_DWORD, struct.pack("<I", 0x00010000))
    out += attribute(msg, ATT_OEM_CODEPAGE, ATP_BYTE, struct.pack("<II", 1252, 0))
    out += attribute(msg, ATT_MESSAGE_CLASS, ATP_WORD, _sz("IPM.Microsoft Mail.Note"))
    out += attribute(msg, ATT_SUBJECT, ATP_STRING, _sz(subject))
    out += attribute(msg, ATT_DATE_SENT, ATP_DATE, _date(sent))
    out += attribute(msg, ATT_DATE_MODIFIED, ATP_DATE, _date(sent))
    out += attribute(msg, ATT_MESSAGE_ID, ATP_STRING, _sz(message_id_hex))
    out += attribute(msg, ATT_PRIORITY, ATP_SHORT, struct.pack("<H", 2))  # normal
    out += attribute(msg, ATT_BODY, ATP_TEXT, body.encode("cp1252"))
    att = LVL_ATTACHMENT
    for file in files:
        # AttachType 1 (file), position -1 (end), no rendering size, no flags.
        rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0)
        out += attribute(att, ATT_ATTACH_REND_DATA, ATP_BYTE, rend)
        out += attribute(att, ATT_ATTACH_TITLE, ATP_STRING, _sz(file.name))
        out += attribute(att, ATT_ATTACH_CREATE_DATE, ATP_DATE, _date(file.created))
        out += attribute(att, ATT_ATTACH_MODIFY_DATE, ATP_DATE, _date(file.created))
        out += attribute(att, ATT_ATTACH_DATA, ATP_BYTE, file.data)
        extension = "." + file.name.rsplit(".", 1)[-1] if "." in file.name else ""
        props = _mapi_props(
            [
                (PT_LONG, PR_ATTACH_SIZE, len(file.data)),
                (PT_STRING8, PR_DISPLAY_NAME, file.name),
                (PT_STRING8, PR_ATTACH_EXTENSION, extension),
                (PT_LONG, PR_ATTACH_METHOD, ATTACH_BY_VALUE),
                (PT_STRING8, PR_ATTACH_LONG_FILENAME, file.name),
                (PT_LONG, PR_RENDERING_POSITION, -1),
                (PT_STRING8, PR_ATTACH_MIME_TAG, file.mime_type),
            ]
        )
        out += attribute(att, ATT_ATTACHMENT, ATP_BYTE, props)
    return bytes(out)


def check_with_tnefparse(blob: bytes, files: Sequence[TnefFile], body_snippet: str) -> None:
    """Raise AssertionError unless tnefparse reads back every name, byte and checksum."""
    from tnefparse import TNEF

    parsed = TNEF(blob, do_checksum=True)
    bad = [obj.name for obj in parsed.objects if not obj.good_checksum]
    assert not bad, f"bad checksums on attributes {bad}"
    assert len(parsed.attachments) == len(files), parsed.attachments
    for got, want in zip(parsed.attachments, files, strict=True):
        assert got.name == want.name, (got.name, want.name)
        assert got.long_filename() == want.name, got.long_filename()
        assert got.data == want.data, f"{want.name}: data differs"
    body = parsed.body.decode("cp1252") if isinstance(parsed.body, bytes) else str(parsed.body)
    assert body_snippet in body, body[:200]


def main() -> None:
    """Rebuild the corpus (which includes outlook_winmail_dat.eml) and verify it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build_corpus

    build_corpus.main()


if __name__ == "__main__":
    main()
