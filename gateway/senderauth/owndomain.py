"""The gateway's own mail domain in DNS: MX, SPF, DKIM key and DMARC, as findings."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import dns.exception

from gateway.senderauth.dmarc import POLICIES, parse_record
from gateway.senderauth.findings import ERROR, OK, WARNING, DkimExpected, Finding
from gateway.senderauth.lookup import Lookups

# RFC 7208 4.6.4: more than ten terms that cost a DNS lookup make SPF a permerror.
SPF_MAX_LOOKUPS = 10
_SPF_LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
_MECHANISM = re.compile(
    r"^(?P<qualifier>[+?~-]?)(?P<name>all|include|a|mx|ptr|ip4|ip6|exists)"
    r"(?::(?P<value>[^/\s]*))?(?P<cidr>(?:/\d{1,3})?(?://\d{1,3})?)$",
    re.IGNORECASE,
)
_DUAL_CIDR = re.compile(r"(?:/(?P<ip4>\d{1,3}))?(?://(?P<ip6>\d{1,3}))?")
_MODIFIER = re.compile(r"^(?P<name>[a-z][a-z0-9._-]*)=(?P<value>\S*)$", re.IGNORECASE)


def check_domain(
    domain: str,
    lookups: Lookups,
    org_domain: Callable[[str], str],
    mx_host: str = "",
    dkim: DkimExpected | None = None,
) -> list[Finding]:
    """MX (pointing at `mx_host` when given), SPF, the DKIM record when the gateway signs,
    and DMARC of `domain`. A DNS failure is an error of the record it stopped."""
    findings = []
    checks: list[tuple[str, str, Callable[[], list[Finding]]]] = [
        ("MX", domain, lambda: _mx(domain, lookups, mx_host)),
        ("SPF", domain, lambda: _spf(domain, lookups)),
    ]
    if dkim is not None:
        checks.append(("DKIM", dkim.name, lambda: _dkim(dkim, lookups)))
    checks.append(("DMARC", f"_dmarc.{domain}", lambda: _dmarc(domain, lookups, org_domain)))
    for what, name, check in checks:
        try:
            findings += check()
        except dns.exception.DNSException as err:
            if what == "DKIM":
                fields = {"name": name, "error": _short(err)}
                findings.append(Finding(ERROR, "check.dkim_dns_failed", fields))
            else:
                fields = {"what": what, "name": name, "error": _short(err)}
                findings.append(Finding(ERROR, "check.dns.failed", fields))
    return findings


def _short(err: BaseException) -> str:
    return (str(err) or type(err).__name__)[:300]


def _host(name: object) -> str:
    return str(name).rstrip(".").lower()


def _mx(domain: str, lookups: Lookups, expected: str) -> list[Finding]:
    answer = lookups.answer(domain, "MX")
    if answer is None:
        if _addresses(domain, lookups):
            return [Finding(WARNING, "check.dns.mx_implicit", {"domain": domain})]
        return [Finding(WARNING, "check.dns.mx_missing", {"domain": domain})]
    targets = sorted((r.preference, _host(r.exchange)) for r in answer)
    if any(host in ("", ".") for _, host in targets):
        return [Finding(ERROR, "check.dns.mx_null", {"domain": domain})]
    hosts = ", ".join(f"{host} ({pref})" for pref, host in targets)
    findings = []
    unresolved = [host for _, host in targets if not _addresses(host, lookups)]
    if unresolved:
        fields = {"domain": domain, "hosts": ", ".join(unresolved)}
        level = ERROR if len(unresolved) == len(targets) else WARNING
        findings.append(Finding(level, "check.dns.mx_no_address", fields))
    if expected and _host(expected) not in {host for _, host in targets}:
        fields = {"domain": domain, "hosts": hosts, "expected": _host(expected)}
        findings.append(Finding(WARNING, "check.dns.mx_elsewhere", fields))
    if not findings:
        findings.append(Finding(OK, "check.dns.mx_ok", {"domain": domain, "hosts": hosts}))
    return findings


def _addresses(name: str, lookups: Lookups) -> bool:
    return any(lookups.answer(name, rdtype) is not None for rdtype in ("A", "AAAA"))


def _spf_records(domain: str, lookups: Lookups) -> list[str]:
    return [
        r.decode("ascii", "replace")
        for r in lookups.txt(domain)
        if r.lower() == b"v=spf1" or r.lower().startswith(b"v=spf1 ")
    ]


def _spf(domain: str, lookups: Lookups) -> list[Finding]:
    records = _spf_records(domain, lookups)
    if not records:
        return [Finding(WARNING, "check.dns.spf_missing", {"domain": domain})]
    if len(records) > 1:
        return [Finding(ERROR, "check.dns.spf_many", {"domain": domain, "count": len(records)})]
    record = records[0]
    fields = {"domain": domain, "record": record}
    problem = spf_problem(record)
    if problem:
        return [Finding(ERROR, "check.dns.spf_invalid", {**fields, "term": problem})]
    terms = record.split()[1:]
    lookups_needed = spf_lookup_count(record, lookups)
    if lookups_needed > SPF_MAX_LOOKUPS:
        return [Finding(ERROR, "check.dns.spf_lookups", {**fields, "count": lookups_needed})]
    final = next((t for t in terms if t.lstrip("+-~?").lower() == "all"), None)
    if final is not None and final[0] not in "-~?":
        return [Finding(ERROR, "check.dns.spf_pass_all", fields)]
    redirect = any(t.lower().startswith("redirect=") for t in terms)
    if (final is None and not redirect) or (final is not None and final.startswith("?")):
        return [Finding(WARNING, "check.dns.spf_open", fields)]
    return [Finding(OK, "check.dns.spf_ok", fields)]


def spf_lookup_count(record: str, lookups: Lookups) -> int:
    """The terms that cost a receiver a DNS lookup when it evaluates `record` (RFC 7208
    4.6.4), those of the records its include and redirect terms name counted too (their
    own DNS within the check's budget). Past the limit nothing more is fetched, so a count
    above SPF_MAX_LOOKUPS is a lower bound. A target named with a macro, or without
    exactly one valid record, is counted but not followed (a receiver's permerror of its
    own kind)."""
    count = 0
    pending = [record]
    while pending:
        terms = pending.pop().split()[1:]
        has_all = any(_term_name(term) == "all" for term in terms)
        for term in terms:
            name = _term_name(term)
            if name not in _SPF_LOOKUP_TERMS or (name == "redirect" and has_all):
                continue  # a redirect beside an "all" is never used (RFC 7208 6.1)
            count += 1
            if name not in ("include", "redirect") or count > SPF_MAX_LOOKUPS:
                continue
            target = re.split(r"[:=]", term, maxsplit=1)[-1].rstrip(".").lower()
            if not target or "%" in target:
                continue
            found = _spf_records(target, lookups)
            if len(found) == 1 and not spf_problem(found[0]):
                pending.append(found[0])
    return count


def _term_name(term: str) -> str:
    """ "include" of "~include:x", "redirect" of "redirect=x", "a" of "a/24"."""
    return re.split(r"[:=/]", term.lstrip("+-~?"), maxsplit=1)[0].lower()


def spf_problem(record: str) -> str:
    """The first term of an SPF record that does not parse (RFC 7208 section 12), or ""."""
    terms = record.split()
    if not terms or terms[0].lower() != "v=spf1":
        return terms[0] if terms else "v=spf1"
    seen_modifiers: set[str] = set()
    for term in terms[1:]:
        mechanism = _MECHANISM.match(term)
        if mechanism:
            if not _mechanism_ok(mechanism):
                return term
            continue
        modifier = _MODIFIER.match(term)
        if modifier is None:
            return term
        name = modifier["name"].lower()
        if name in ("redirect", "exp") and (name in seen_modifiers or not modifier["value"]):
            return term
        seen_modifiers.add(name)
    return ""


def _mechanism_ok(match: re.Match[str]) -> bool:
    name, value, cidr = match["name"].lower(), match["value"], match["cidr"]
    if name == "all":
        return value is None and not cidr
    if name in ("include", "exists"):
        return bool(value) and not cidr
    if name in ("ip4", "ip6"):
        if not value:
            return False
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        if address.version != int(name[-1]):
            return False
        if cidr:
            limit = 32 if name == "ip4" else 128
            return (
                cidr.startswith("/") and not cidr.startswith("//") and 0 <= int(cidr[1:]) <= limit
            )
        return True
    if name == "ptr":
        return not cidr and value != ""
    # a, mx: an optional domain, optional /ip4-cidr (0-32) and //ip6-cidr (0-128).
    if value == "":
        return False
    lengths = _DUAL_CIDR.fullmatch(cidr)
    if lengths is None:
        return False
    ip4, ip6 = lengths["ip4"], lengths["ip6"]
    return (ip4 is None or int(ip4) <= 32) and (ip6 is None or int(ip6) <= 128)


def _dkim(expected: DkimExpected, lookups: Lookups) -> list[Finding]:
    records = lookups.txt(expected.name)
    published = [_p_tag(r) for r in records]
    if not any(published):
        return [Finding(ERROR, "check.dkim_missing", {"name": expected.name})]
    if expected.public_key not in published:
        fields = {"name": expected.name, "key": expected.key_file}
        return [Finding(ERROR, "check.dkim_mismatch", fields)]
    return [Finding(OK, "check.dkim_ok", {"name": expected.name})]


def _p_tag(record: bytes) -> str:
    """The p= of a DKIM key record ("" when there is none or it is revoked)."""
    for part in record.decode("ascii", "replace").split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "p":
            return "".join(value.split())
    return ""


def _dmarc(domain: str, lookups: Lookups, org_domain: Callable[[str], str]) -> list[Finding]:
    for owner in dict.fromkeys((domain, org_domain(domain))):
        name = f"_dmarc.{owner}"
        try:
            found = lookups.txt(name)
        except dns.exception.DNSException as err:
            if owner == domain:
                raise
            # Receivers that cannot read it either see no policy: as if missing (advice).
            unread = {"domain": domain, "name": name, "error": _short(err)}
            return [Finding(WARNING, "check.dns.dmarc_unreadable", unread)]
        records = [r for r in found if r.lstrip().upper().startswith(b"V=DMARC1")]
        if not records:
            continue
        fields: dict[str, object] = {"name": name}
        if len(records) > 1:
            return [Finding(ERROR, "check.dns.dmarc_many", {**fields, "count": len(records)})]
        text = records[0].decode("ascii", "replace")
        tags = parse_record(records[0])
        raw = {
            k.strip().lower(): v.strip().lower()
            for k, _, v in (part.partition("=") for part in text.split(";"))
        }
        if tags is None or raw.get("p") not in POLICIES:
            return [Finding(ERROR, "check.dns.dmarc_invalid", {**fields, "record": text})]
        # A subdomain without a record of its own gets the organisation's sp= (else p=).
        policy = tags["p"] if owner == domain else tags.get("sp", tags["p"])
        fields["policy"] = policy
        if policy == "none":
            return [Finding(WARNING, "check.dns.dmarc_none", fields)]
        return [Finding(OK, "check.dns.dmarc_ok", fields)]
    return [Finding(WARNING, "check.dns.dmarc_missing", {"domain": domain})]
