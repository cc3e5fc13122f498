"""What `tnde check` found about the mail domain: levels and findings, cheap to import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# An error is what makes the gateway's mail fail for certain, or what cannot be checked:
# a DNS server that does not answer, a record that does not parse or comes twice, the
# signing key not published, a null MX or MX hosts without an address, SPF +all. A
# warning is advice: no MX, SPF or DMARC at all (mail may come over IMAP or through
# another MTA, and DKIM alone carries DMARC), DMARC p=none, an MX other than [smtp]
# hostname, an organisational DMARC record that cannot be read.
OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class Finding:
    """One result a person reads: its level, a catalogue key and the values it names."""

    level: str  # ok | warning | error
    key: str
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DkimExpected:
    """The key the gateway signs with: the record name and the p= it must publish."""

    name: str  # selector._domainkey.domain
    public_key: str  # base64 SubjectPublicKeyInfo
    key_file: str
