"""One letter's sender checks in order, written as our own Authentication-Results."""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
from dataclasses import dataclass, field

import dns.resolver
from authres import (
    AuthenticationResultsHeader,
    DKIMAuthenticationResult,
    SPFAuthenticationResult,
)
from authres.arc import ARCAuthenticationResult
from authres.dmarc import DMARCAuthenticationResult
from publicsuffixlist import PublicSuffixList

from gateway.parsing.addresses import normalise_address, peer_address
from gateway.parsing.authresults import alabel
from gateway.senderauth.dkimcheck import Signature, check_arc, check_dkim
from gateway.senderauth.dmarc import Dmarc, aligns, evaluate, find_record
from gateway.senderauth.lookup import FailureCache, Lookups
from gateway.senderauth.spfcheck import check_spf

log = logging.getLogger("tnde.senderauth")
_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.SMTPUTF8)
# What may stand in a property of the line we write: a domain or selector in LDH form,
# an address whose parts are plain ASCII. Anything else is left out (the verdict stays),
# so a hostile d=, HELO or MAIL FROM can never bend the line we read back.
_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,252})$")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9.-]{1,253}$")


@dataclass(frozen=True)
class Verifier:
    """Checks senders of mail received directly; shared by every worker of a process."""

    authserv_id: str
    resolver: dns.resolver.Resolver
    timeout: float = 5.0
    budget: float = 20.0
    failures: FailureCache = field(default_factory=FailureCache)
    psl: PublicSuffixList = field(default_factory=PublicSuffixList)  # read once (~50 ms)

    def org_domain(self, domain: str) -> str:
        """The organisational domain (a.b.kemkes.go.id -> kemkes.go.id)."""
        domain = domain.lower().rstrip(".")
        return str(self.psl.privatesuffix(domain) or domain)

    def header(self, raw: bytes, peer: str, mail_from: str, helo: str) -> str:
        """The `Authentication-Results: ...` header line for this message; never raises."""
        try:
            return self._header(raw, peer, mail_from, helo)
        except Exception:  # a bug or a library failing on hostile input: log, do not lose
            log.exception("sender checks failed; the letter is recorded as temperror")
            return f"Authentication-Results: {self.authserv_id}; dmarc=temperror (internal error)"

    def _header(self, raw: bytes, peer: str, mail_from: str, helo: str) -> str:
        lookups = Lookups(self.resolver, self.timeout, self.budget, self.failures)
        from_domain = _from_domain(raw)
        # The From domain's own record first, from a fresh budget: nothing the sender
        # adds (slow DNS for other names, many signatures) can crowd it out.
        record = find_record(from_domain, self.org_domain, lookups) if from_domain else None
        spf_domain = _alabel(mail_from.rpartition("@")[2] if mail_from else helo or "")
        # pyspf reads the domain after the first "@"; give it the one we align with.
        identity = _safe_address(mail_from) or (f"postmaster@{spf_domain}" if mail_from else "")
        spf_result, spf_reason = check_spf(peer_address(peer), identity, helo, lookups)
        mode = (record.tags.get("adkim", "r") if record else "r").lower()

        def could_align(domain: str) -> bool:
            return aligns(domain, from_domain, mode, self.org_domain)

        signatures = check_dkim(raw, lookups, could_align)
        arc_result, arc_reason = check_arc(raw, lookups)
        dmarc = (
            evaluate(
                from_domain,
                record,
                spf_result=spf_result,
                spf_domain=spf_domain,
                signatures=signatures,
                org_domain=self.org_domain,
            )
            if record is not None
            else Dmarc("permerror", reason="pesan tanpa satu alamat From yang sah")
        )
        line = self._line(
            spf_result, spf_reason, mail_from, helo, signatures, arc_result, arc_reason, dmarc
        )
        # What we store must read back as what we decided, or the letter would count as
        # unchecked: keep only the verdicts when anything in the details stood in the way.
        if _reads_back(line, dmarc.result):
            return line
        log.warning("sender verdict details dropped: they did not read back: %r", line)
        bare = [
            SPFAuthenticationResult(result=spf_result),
            DKIMAuthenticationResult(result=_dkim_summary(signatures)),
            ARCAuthenticationResult(result=arc_result),
            DMARCAuthenticationResult(
                result=dmarc.result,
                header_from=_safe_name(dmarc.header_from) or None,
                policy=dmarc.policy or None,
            ),
        ]
        return str(AuthenticationResultsHeader(authserv_id=self.authserv_id, results=bare))

    def _line(
        self,
        spf_result: str,
        spf_reason: str,
        mail_from: str,
        helo: str,
        signatures: list[Signature],
        arc_result: str,
        arc_reason: str,
        dmarc: Dmarc,
    ) -> str:
        mailfrom = _safe_address(mail_from)
        results: list[object] = [
            SPFAuthenticationResult(
                result=spf_result,
                result_comment=_comment(spf_reason),
                smtp_mailfrom=mailfrom or None,
                smtp_helo=_safe_name(helo) or None if not mail_from else None,
            )
        ]
        if not signatures:
            results.append(DKIMAuthenticationResult(result="none"))
        for signature in signatures:
            results.append(
                DKIMAuthenticationResult(
                    result=signature.result,
                    result_comment=_comment(signature.reason),
                    header_d=_safe_name(signature.domain) or None,
                    header_s=_safe_name(signature.selector) or None,
                )
            )
        results.append(
            ARCAuthenticationResult(result=arc_result, result_comment=_comment(arc_reason))
        )
        results.append(
            DMARCAuthenticationResult(
                result=dmarc.result,
                result_comment=_comment(dmarc.reason),
                header_from=_safe_name(dmarc.header_from) or None,
                policy=dmarc.policy or None,
            )
        )
        return str(AuthenticationResultsHeader(authserv_id=self.authserv_id, results=results))


def _reads_back(line: str, dmarc: str) -> bool:
    try:
        parsed = AuthenticationResultsHeader.parse(line)
    except Exception:
        return False
    return [str(r.result) for r in parsed.results][-1:] == [dmarc]


def _dkim_summary(signatures: list[Signature]) -> str:
    results = {s.result for s in signatures}
    return "pass" if "pass" in results else (signatures[0].result if signatures else "none")


def _from_domain(raw: bytes) -> str:
    """The domain of the one From address, as an A-label; '' when not exactly one.

    Read with the same header parser and address validation as the letter itself
    (email.headerregistry, then email-validator), never with email.utils.getaddresses:
    its parsing of crafted addresses differs between Python releases (CVE-2023-27043),
    and DMARC must judge the domain the reader is shown.
    """
    headers = _HEADERS.parsebytes(raw)
    values = headers.get_all("From") or []
    if len(values) != 1:
        return ""
    try:
        addresses = list(getattr(values[0], "addresses", ()) or ())
    except Exception:  # the policy's parser raises on some malformed headers
        return ""
    if len(addresses) != 1:
        return ""
    address = normalise_address(str(addresses[0].addr_spec))
    return _alabel(address.rpartition("@")[2]) if address else ""


def _alabel(domain: str) -> str:
    """The domain's A-label when it is a usable domain name, else ''."""
    ascii_form = alabel(domain)
    return ascii_form if ascii_form.isascii() and _NAME.match(ascii_form) else ""


def _safe_name(value: str) -> str:
    value = value.lower()
    return value if _NAME.match(value) else ""


def _safe_address(value: str) -> str:
    local, _, domain = value.rpartition("@")
    candidate = f"{local}@{_alabel(domain)}" if local else ""
    return candidate if _ADDRESS.match(candidate) else ""


def _comment(reason: str) -> str | None:
    text = "".join(ch for ch in reason if " " <= ch < "\x7f" and ch not in "()\\;")
    return text[:200] or None
