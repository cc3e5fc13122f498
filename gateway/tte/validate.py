"""PAdES signatures in a PDF, validated with pyHanko against the configured trust roots.

Offline by design: the gateway fetches nothing (no OCSP, CRL or AIA), so revocation is
reported as not checked unless the signer embedded it. The verdict of each signature:
valid, modified (the document changed after signing), untrusted (intact, but no chain
to a configured root), invalid (a broken or expired signature), unreadable.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import asdict, dataclass

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

# pyHanko logs every failed check at WARNING/ERROR; here a failed check is a verdict.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

# A signed PDF carries a /ByteRange; a PDF without one is not parsed again here.
SIGNED_MARKER = b"/ByteRange"
MAX_SIGNED_FILES = 10
MAX_SIGNATURES_PER_FILE = 5
# Changes after signing that keep a signature whole: timestamps and validation data,
# filling form fields the signer left open (as PAdES and DocMDP allow).
ALLOWED_LATER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)
REVOCATION_UNCHECKED = "revocation"


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of one PDF, as stored on the letter (JSON-ready with as_dict)."""

    filename: str
    field: str
    result: str  # valid | modified | untrusted | invalid | unreadable
    signer: str = ""  # the certificate's common name
    subject: str = ""  # the whole subject, as a person reads it
    issuer: str = ""
    signed_at: str = ""  # ISO 8601 UTC
    time_source: str = ""  # timestamp (a TSA's token) | signer (the signer's own clock)
    intact: bool = False  # the signed bytes are unchanged
    unchanged_after: bool = False  # nothing but allowed updates after signing
    trusted: bool = False  # a chain to a configured root, valid at the signing time
    not_checked: tuple[str, ...] = ()
    # Why, as a code the display explains: valid_then_expired_now, not_valid_when_signed,
    # or pyHanko's AdES indication (no_certificate_chain_found, ...), or an error.
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["not_checked"] = list(self.not_checked)
        return data


class PdfSignatureValidator:
    """Validates every embedded signature of a PDF against the trust roots given."""

    def __init__(self, roots: list[x509.Certificate]) -> None:
        self.roots = roots

    def check(self, filename: str, data: bytes) -> list[SignatureCheck]:
        """The signatures of one PDF; [] when it carries none."""
        if SIGNED_MARKER not in data:
            return []
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = list(reader.embedded_signatures)[:MAX_SIGNATURES_PER_FILE]
        except Exception as err:  # a malformed PDF: reported, never a failed letter
            return [SignatureCheck(filename, "", "unreadable", detail=_short(err))]
        checks = []
        for signature in signatures:
            try:
                checks.append(self._one(filename, signature))
            except Exception as err:  # pyHanko raises on malformed signature objects
                name = str(getattr(signature, "field_name", "") or "")
                checks.append(SignatureCheck(filename, name, "unreadable", detail=_short(err)))
        return checks

    def _one(self, filename: str, signature: object) -> SignatureCheck:
        status = validate_pdf_signature(signature, self._context(None))  # type: ignore[arg-type]
        # The signing time the signer claims: its CMS signing-time, else the /M entry.
        reported: dt.datetime | None = status.signer_reported_dt or getattr(
            signature, "self_reported_timestamp", None
        )
        note = ""
        if (
            not status.trusted
            and status.trust_problem_indic in _EXPIRY
            and reported is not None
            and status.timestamp_validity is None
        ):
            # Expired today: was it valid when, by the signer's own clock, it was signed?
            status = validate_pdf_signature(signature, self._context(reported))  # type: ignore[arg-type]
            note = "valid_then_expired_now" if status.trusted else "not_valid_when_signed"
        return _summarise(
            filename, str(getattr(signature, "field_name", "") or ""), status, reported, note
        )

    def _context(self, moment: dt.datetime | None) -> ValidationContext:
        return ValidationContext(
            trust_roots=list(self.roots),
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=moment,
        )


def _summarise(
    filename: str,
    field: str,
    status: PdfSignatureStatus,
    reported: dt.datetime | None,
    note: str,
) -> SignatureCheck:
    cert = status.signing_cert
    names = cert.subject.native if cert is not None else {}
    timestamp = status.timestamp_validity
    signed_at: dt.datetime | None = reported
    source = "signer" if reported else ""
    if timestamp is not None and timestamp.valid:
        signed_at, source = timestamp.timestamp, "timestamp"
    unchanged = (
        bool(status.intact)
        and (status.modification_level in ALLOWED_LATER if status.modification_level else True)
        and status.docmdp_ok is not False
    )
    if not status.intact or not unchanged:
        result = "modified"
    elif not status.valid:
        result = "invalid"
    elif not status.trusted:
        # A certificate outside its validity when the document was signed is a broken
        # signature; anything else that stops the chain means "not one of ours".
        result = "invalid" if status.trust_problem_indic in _EXPIRY else "untrusted"
    else:
        result = "valid"
    not_checked = [] if status.revocation_details else [REVOCATION_UNCHECKED]
    if source == "signer":
        not_checked.append("trusted-time")
    return SignatureCheck(
        filename=filename,
        field=field,
        result=result,
        signer=str(names.get("common_name", "") or ""),
        subject=cert.subject.human_friendly if cert is not None else "",
        issuer=cert.issuer.human_friendly if cert is not None else "",
        signed_at=signed_at.astimezone(dt.UTC).isoformat() if signed_at else "",
        time_source=source,
        intact=bool(status.intact),
        unchanged_after=unchanged,
        trusted=bool(status.trusted),
        not_checked=tuple(not_checked),
        detail=note or _problem(status),
    )


_EXPIRY = (
    AdESIndeterminate.EXPIRED,
    AdESIndeterminate.NOT_YET_VALID,
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
)


def _problem(status: PdfSignatureStatus) -> str:
    indication = status.trust_problem_indic
    return str(getattr(indication, "name", "")).lower() if indication is not None else ""


def _short(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"[:200]
