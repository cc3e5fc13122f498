"""DMARC (RFC 7489): the From domain's policy and whether SPF or DKIM align with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dns.exception

from gateway.senderauth.dkimcheck import Signature
from gateway.senderauth.lookup import Lookups

POLICIES = ("none", "quarantine", "reject")
OrgDomain = Callable[[str], str]


@dataclass(frozen=True)
class Dmarc:
    """The verdict, the policy the domain asks for, and where the record came from."""

    result: str  # pass | fail | none | temperror | permerror
    header_from: str = ""
    policy: str = ""  # the p= (or sp= for a subdomain) that applies; "" without a record
    record_domain: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PolicyRecord:
    """The DMARC record found for a From domain (tags empty when none was published)."""

    tags: dict[str, str]
    domain: str = ""
    error: str = ""  # set when DNS did not answer: the verdict is then temperror


def parse_record(text: bytes) -> dict[str, str] | None:
    """The tags of a DMARC record, or None when it is not one (section 6.3)."""
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        return None
    tags: dict[str, str] = {}
    for part in decoded.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags.setdefault(name.strip().lower(), value.strip())
    # v=DMARC1 must be the first tag; anything else is not a DMARC record.
    if next(iter(tags), "") != "v" or tags["v"] != "DMARC1":
        return None
    if tags.get("p", "").lower() not in POLICIES:
        # The domain publishes DMARC but no valid policy: it asks for nothing (none), and
        # discovery stops here rather than trying the organisational domain.
        tags["p"] = "none"
    tags["p"] = tags["p"].lower()
    if tags.get("sp", "").lower() not in POLICIES:
        tags.pop("sp", None)
    else:
        tags["sp"] = tags["sp"].lower()
    return tags


def find_record(from_domain: str, org_domain: OrgDomain, lookups: Lookups) -> PolicyRecord:
    """The record of the From domain, else of its organisational domain (6.6.3)."""
    try:
        for domain in dict.fromkeys((from_domain, org_domain(from_domain))):
            found = [r for r in (parse_record(t) for t in lookups.txt(f"_dmarc.{domain}")) if r]
            if len(found) == 1:
                return PolicyRecord(found[0], domain)
            if len(found) > 1:
                return PolicyRecord({})  # more than one record: as if none was published
    except dns.exception.DNSException as err:
        return PolicyRecord({}, error=f"DNS: {err}"[:200])
    return PolicyRecord({})


def evaluate(
    from_domain: str,
    record: PolicyRecord,
    *,
    spf_result: str,
    spf_domain: str,
    signatures: list[Signature],
    org_domain: OrgDomain,
) -> Dmarc:
    """DMARC of one From domain, given its record and the SPF and DKIM verdicts."""
    if not from_domain:
        return Dmarc("permerror", reason="pesan tanpa satu alamat From yang sah")
    if record.error:
        return Dmarc("temperror", from_domain, reason=record.error)
    if not record.tags:
        return Dmarc("none", from_domain, reason="domain tidak menerbitkan DMARC")
    tags = record.tags
    subdomain = record.domain != from_domain
    policy = tags.get("sp", tags["p"]) if subdomain else tags["p"]
    spf_aligned = aligns(spf_domain, from_domain, tags.get("aspf", "r").lower(), org_domain)
    if spf_result == "pass" and spf_aligned:
        return Dmarc("pass", from_domain, policy, record.domain, f"SPF selaras ({spf_domain})")
    dkim_mode = tags.get("adkim", "r").lower()
    aligned = [s for s in signatures if aligns(s.domain, from_domain, dkim_mode, org_domain)]
    for signature in aligned:
        if signature.result == "pass":
            reason = f"DKIM selaras ({signature.domain})"
            return Dmarc("pass", from_domain, policy, record.domain, reason)
    # Only an unanswered check of an identifier that could have aligned may hide a pass;
    # a temporary error anywhere else (a stranger's d=, a stranger's MAIL FROM) must not
    # soften a fail.
    if (spf_result == "temperror" and spf_aligned) or any(s.result == "temperror" for s in aligned):
        return Dmarc("temperror", from_domain, policy, record.domain, "DNS gagal saat memeriksa")
    reason = "tidak ada SPF atau DKIM yang lulus dan selaras"
    return Dmarc("fail", from_domain, policy, record.domain, reason)


def aligns(domain: str, from_domain: str, mode: str, org_domain: OrgDomain) -> bool:
    """Identifier alignment: the same domain (strict) or organisational domain (relaxed)."""
    if not domain or not from_domain:
        return False
    if mode == "s":
        return domain == from_domain
    return org_domain(domain) == org_domain(from_domain)
