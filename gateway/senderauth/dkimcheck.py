"""Every DKIM signature (RFC 6376) and the ARC chain (RFC 8617), verified with dkimpy."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import dkim
import dns.exception

from gateway.senderauth.lookup import Lookups

log = logging.getLogger("tnde.senderauth")
# dkimpy logs every failed signature at ERROR level; a bad signature is a verdict here.
_quiet = logging.getLogger("tnde.senderauth.dkim")
_quiet.setLevel(logging.CRITICAL)

# Signatures that could align with the From domain are all checked (up to this many);
# of the others (lists, forwarders, ESPs) only a few, so a message cannot buy worker time
# with signatures that could never count for DMARC. The rest are listed as not checked.
MAX_ALIGNED = 5
MAX_OTHERS = 2
MAX_LISTED = 20
# More ARC sets than any honest forwarding path adds.
MAX_ARC_SETS = 5
# A signature counts only if it covers these headers as the reader sees them: a second
# Subject or From added above a genuine signature must not ride on it.
COVERED: tuple[bytes, ...] = (
    b"from",
    b"subject",
    b"date",
    b"to",
    b"cc",
    b"reply-to",
    b"message-id",
    b"content-type",
)


@dataclass(frozen=True)
class Signature:
    """One DKIM-Signature's verdict: pass | fail | policy | permerror | temperror | neutral."""

    result: str
    domain: str = ""
    selector: str = ""
    identity: str = ""
    reason: str = ""


class _KeyFetch:
    """dkimpy's dnsfunc: our lookups, remembering why a key was not usable."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.failure = ""  # "" | temperror | permerror

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            records = self.lookups.txt(text.rstrip("."))
        except dns.exception.DNSException as err:
            self.failure = "temperror"
            raise dkim.DnsTimeoutError(str(err)) from err
        if not records:
            self.failure = "permerror"  # no key published: RFC 6376 PERMFAIL
            return None
        try:
            dkim.evaluate_pk(text, records[0])
        except Exception:  # a malformed or revoked key (p= empty): also PERMFAIL
            self.failure = "permerror"
        return records[0]


def check_dkim(
    raw: bytes, lookups: Lookups, could_align: Callable[[str], bool] = lambda _d: True
) -> list[Signature]:
    """One verdict per DKIM-Signature header, those that could align first; [] unsigned."""
    try:
        verifier = dkim.DKIM(raw, logger=_quiet, timeout=int(max(lookups.timeout, 1)))
    except Exception as err:  # dkimpy's parser raises on hostile header blocks
        return [Signature("permerror", reason=f"pesan: {err}"[:200])]
    present = Counter(name.lower() for name, _ in verifier.headers)
    signatures = [v for n, v in verifier.headers if n.lower() == b"dkim-signature"]
    order = sorted(range(len(signatures)), key=lambda i: not could_align(_tag(signatures[i], b"d")))
    verdicts: list[Signature] = []
    aligned_done = others_done = 0
    for index in order[:MAX_LISTED]:
        domain = _tag(signatures[index], b"d")
        aligned = could_align(domain)
        if (aligned and aligned_done >= MAX_ALIGNED) or (not aligned and others_done >= MAX_OTHERS):
            verdicts.append(
                Signature("neutral", domain, reason="tidak diperiksa: terlalu banyak tanda tangan")
            )
            continue
        aligned_done += aligned
        others_done += not aligned
        verdicts.append(_one(verifier, index, lookups, present))
    return verdicts


def _one(verifier: dkim.DKIM, index: int, lookups: Lookups, present: Counter[bytes]) -> Signature:
    fetch = _KeyFetch(lookups)
    reason, body_mismatch = "", False
    verifier.signature_fields = {}
    try:
        good = verifier.verify(idx=index, dnsfunc=fetch)
    except dkim.DKIMException as err:
        # A readable signature whose body hash does not match is a plain fail (RFC 8601
        # 2.7.1: the body changed); a malformed signature or key is a permerror.
        body_mismatch = "body hash" in str(err)
        good, reason = False, "body hash tidak cocok" if body_mismatch else str(err)
    except Exception as err:  # dkimpy has raised IndexError and others on hostile input
        log.info("DKIM signature %s could not be checked: %r", index, err)
        good, reason = False, f"{type(err).__name__}"
    fields = getattr(verifier, "signature_fields", {}) or {}
    domain, selector = _text(fields.get(b"d")), _text(fields.get(b"s"))
    identity = _text(fields.get(b"i"))
    if good:
        loose = _loose(fields, present)
        if loose:
            return Signature("policy", domain, selector, identity, loose)
        return Signature("pass", domain, selector, identity)
    if fetch.failure:
        result = fetch.failure
        reason = reason or ("DNS gagal" if result == "temperror" else "kunci publik tidak sah")
    elif reason and not body_mismatch:
        result = "permerror"
    else:
        result, reason = "fail", reason or "tanda tangan tidak cocok"
    return Signature(result, domain, selector, identity, reason[:200])


def _loose(fields: dict[bytes, bytes], present: Counter[bytes]) -> str:
    """Why a valid signature still does not vouch for what the reader sees, or ''."""
    if b"l" in fields:
        return "l= menandatangani sebagian isi saja"
    signed = Counter(h.strip().lower() for h in fields.get(b"h", b"").split(b":"))
    for name in COVERED:
        # From and Subject are what a reader goes by: every copy must be signed. Other
        # headers some signers leave out (Gmail does not sign Content-Type), but a copy
        # beyond those a signature covers was added after signing.
        must = name in (b"from", b"subject")
        if present[name] > signed[name] and (must or signed[name] > 0):
            return f"header {name.decode()} tambahan tidak ikut ditandatangani"
    return ""


def check_arc(raw: bytes, lookups: Lookups) -> tuple[str, str]:
    """(none | pass | fail | permerror | temperror, reason) of the ARC chain."""
    sets = raw.split(b"\r\n\r\n", 1)[0].lower().count(b"\narc-seal:")
    if sets > MAX_ARC_SETS:
        return "fail", f"{sets} set ARC, lebih dari {MAX_ARC_SETS}"
    fetch = _KeyFetch(lookups)
    try:
        chain = dkim.ARC(raw, logger=_quiet)
        cv, _results, comment = chain.verify(dnsfunc=fetch)
    except dkim.DKIMException as err:
        return ("temperror" if fetch.failure == "temperror" else "fail"), str(err)[:200]
    except Exception as err:  # e.g. IndexError on a truncated ARC-Message-Signature
        return "permerror", type(err).__name__
    if fetch.failure == "temperror":
        return "temperror", "DNS gagal"
    result = cv.decode("ascii").lower() if isinstance(cv, bytes) else str(cv or "fail").lower()
    return result, "" if comment == "success" else str(comment or "")[:200]


def _tag(header_value: bytes, name: bytes) -> str:
    """One tag of a DKIM-Signature value, read loosely (for ordering only)."""
    for part in header_value.split(b";"):
        key, _, value = part.partition(b"=")
        if key.strip().lower() == name:
            return _text(b"".join(value.split()))
    return ""


def _text(value: bytes | None) -> str:
    return value.decode("ascii", "replace").lower() if value else ""
