"""`tnde check` looking outward: the mail domain's DNS records and the smarthost."""

from __future__ import annotations

from gateway.catalogue import Catalogue
from gateway.config import Settings
from gateway.senderauth.findings import ERROR, OK, WARNING, DkimExpected, Finding

LEVEL_KEYS = {OK: "check.level.ok", WARNING: "check.level.warning", ERROR: "check.level.error"}
# Seconds `tnde check` waits for the smarthost (at most [outbound] timeout).
SMARTHOST_TIMEOUT = 15.0
# DNS lookups of one `tnde check`: each within [auth] dns_timeout, all within this.
DNS_BUDGET = 60.0


def outward(settings: Settings, dns: bool = True) -> list[Finding]:
    """The DKIM key, the domain's DNS (unless `dns` is false) and the smarthost."""
    expected, findings = _dkim_key(settings)
    if dns:
        findings += _domain(settings, expected)
    else:
        findings.append(Finding(WARNING, "check.dns.skipped", {"domain": settings.mail.domain}))
    if settings.outbound.smarthost:
        findings.append(_smarthost(settings))
    return findings


def show(findings: list[Finding], t: Catalogue) -> int:
    """Print one line per finding; the number of errors."""
    for finding in findings:
        level = t(LEVEL_KEYS[finding.level])
        print(t("check.line", level=level, text=t(finding.key, **finding.fields)))
    return sum(1 for f in findings if f.level == ERROR)


def _dkim_key(settings: Settings) -> tuple[DkimExpected | None, list[Finding]]:
    """The key the gateway signs with, as the record DNS must publish."""
    dkim = settings.dkim
    if not dkim.private_key:
        return None, [Finding(WARNING, "check.dkim_off")]
    # Imported here: cryptography costs a start-up that `check` without DKIM never needs.
    from gateway.outbound.dkimsign import DkimKeyError, DkimSigner

    domain = dkim.signing_domain(settings)
    try:
        signer = DkimSigner.from_file(domain, dkim.selector, dkim.private_key)
    except DkimKeyError as err:
        return None, [Finding(ERROR, "check.dkim_key_unreadable", {"error": str(err)})]
    name = f"{dkim.selector}._domainkey.{domain}"
    return DkimExpected(name, signer.public_key, dkim.private_key), []


def _domain(settings: Settings, dkim: DkimExpected | None) -> list[Finding]:
    import dns.exception
    from publicsuffixlist import PublicSuffixList

    from gateway.senderauth.lookup import Lookups, make_resolver
    from gateway.senderauth.owndomain import check_domain

    auth = settings.auth
    domain = settings.mail.domain.lower()
    try:
        resolver = make_resolver(auth.nameservers, auth.dns_port)
    except dns.exception.DNSException as err:
        # No [auth] nameservers and no usable /etc/resolv.conf: nothing can be asked.
        error = f"{type(err).__name__}: {err}"[:300]
        return [Finding(ERROR, "check.dns.failed", {"what": "DNS", "name": domain, "error": error})]
    lookups = Lookups(resolver, auth.dns_timeout, DNS_BUDGET)
    psl = PublicSuffixList()

    def org_domain(domain: str) -> str:
        return str(psl.privatesuffix(domain) or domain)

    return check_domain(domain, lookups, org_domain, settings.smtp.hostname, dkim)


def _smarthost(settings: Settings) -> Finding:
    from gateway.outbound.probe import probe_smarthost

    out = settings.outbound
    helo = settings.smtp.hostname or settings.mail.domain
    probe = probe_smarthost(out, helo, min(out.timeout, SMARTHOST_TIMEOUT))
    fields = {"host": out.smarthost, "detail": probe.detail}
    if probe.ok:
        return Finding(OK, "check.smarthost_ok", fields)
    return Finding(ERROR, "check.smarthost_down", fields)
