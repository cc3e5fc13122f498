"""Expand Outlook's TNEF (winmail.dat) into its body and real attachments."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tnefparse.tnef import TNEF

from gateway.parsing.charset import decode_bytes

log = logging.getLogger("tnde.parsing")
logging.getLogger("tnefparse").setLevel(logging.ERROR)


@dataclass
class TnefContent:
    """What a winmail.dat carried: a text body, an HTML body, and files."""

    body: str = ""
    html: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)


def is_tnef(content_type: str, filename: str) -> bool:
    """TNEF is declared as application/ms-tnef or arrives as winmail.dat."""
    return content_type in ("application/ms-tnef", "application/vnd.ms-tnef") or (
        filename.lower() == "winmail.dat"
    )


def expand_tnef(data: bytes) -> TnefContent | None:
    """Decode a TNEF blob; None when it is not valid TNEF (it is then kept as a file)."""
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as err:  # tnefparse raises bare errors on truncated input.
        log.info("winmail.dat is not decodable TNEF: %s", err)
        return None
    content = TnefContent(body=_text(tnef.body), html=_text(tnef.htmlbody))
    for index, attachment in enumerate(tnef.attachments, start=1):
        name = _text(attachment.long_filename()) or f"lampiran-tnef-{index}"
        content.files.append((name.strip("\x00").strip(), bytes(attachment.data or b"")))
    return content


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return decode_bytes(value.rstrip(b"\x00"))[0]
    return str(value).rstrip("\x00")
