"""Text of PDF attachments, for letters whose fields are only in the scanned-in PDF."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from pypdf import PdfReader

from gateway.parsing.message import ParsedMessage

log = logging.getLogger("tnde.parsing")
logging.getLogger("pypdf").setLevel(logging.ERROR)

# The fields of a letter are on its first page; a long report is not read to the end.
MAX_PAGES = 2
MAX_PDF_BYTES = 30 * 1024 * 1024


def pdf_text(data: bytes, max_pages: int = MAX_PAGES) -> str:
    """Text of the first pages, or "" when the PDF has none or cannot be read."""
    if len(data) > MAX_PDF_BYTES:
        return ""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return ""
        pages = reader.pages[:max_pages]
        return "\n".join(page.extract_text() or "" for page in pages)
    except MemoryError:
        raise  # past the sandbox's limit: the caller reports it, it is not "no text"
    except Exception as err:  # pypdf raises many types on damaged files; text is optional.
        log.info("PDF text extraction failed: %s", err)
        return ""


# Reads one PDF's text; raises to say it went past its budget (a sandbox's limit).
TextReader = Callable[[bytes], str]
OVER_BUDGET = "pdf-text-over-budget"


def pdf_texts(
    parsed: ParsedMessage, limit: int = 3, read: TextReader = pdf_text
) -> list[tuple[str, str]]:
    """(filename, text) for the first PDF files of a message. A file whose reading went
    over budget has no text, and the message's defects say so (it is never quarantined
    for that alone)."""
    result = []
    for attachment in parsed.files:
        is_pdf = attachment.sniffed_type == "application/pdf" or (
            attachment.declared_type == "application/pdf" and attachment.data.startswith(b"%PDF")
        )
        if is_pdf:
            try:
                text = read(attachment.data)
            except Exception as err:  # MemoryError, a killed child: over its budget
                parsed.defects.append(
                    f"{OVER_BUDGET}: {attachment.filename} ({type(err).__name__})"
                )
                text = ""
            result.append((attachment.filename, text))
        if len(result) >= limit:
            break
    return result
