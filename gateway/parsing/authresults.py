"""SPF/DKIM/ARC/DMARC verdicts: the gateway's own, or a trusted upstream MTA's."""

from __future__ import annotations

import re
from typing import Any

import authres

METHODS = ("spf", "dkim", "dmarc", "arc")
HEADER = "Authentication-Results:"


def verdicts(
    headers: list[str],
    trusted_ids: tuple[str, ...],
    own_header: str | None = None,
    own_id: str = "",
    direct: bool = False,
) -> dict[str, Any]:
    """The verdicts a letter carries: the gateway's own when it checked the sender
    itself (own_header), else the topmost header of a trusted upstream authserv-id;
    'none' for every method otherwise.

    Headers in the message are ignored when the gateway checked itself or should have
    (`direct`: received straight over SMTP; anyone can write them), and so is any header
    claiming our own authserv-id or an untrusted one.
    """
    result: dict[str, Any] = {m: "none" for m in METHODS}
    result["trusted"] = False
    if own_header is not None:
        parsed = _parse(own_header)
        if parsed is None:
            # Our own line that does not read back proves nothing, but it must not read
            # as "unchecked" either (that is the rule for mail behind a relay): fail closed.
            result.update({m: "permerror" for m in METHODS}, trusted=True)
            result.update(source="gateway", authserv_id=own_id, dkim_domains=[])
            return result
        _take(result, parsed)
        result["source"] = "gateway"
        return result
    if direct:
        return result
    wanted = {t.lower() for t in trusted_ids} - {own_id.lower()}
    for value in headers:  # topmost first, as the parser returns them
        parsed = _parse(f"{HEADER} {value}")
        if parsed is None or str(parsed.authserv_id).lower() not in wanted:
            continue
        _take(result, parsed)
        result["source"] = "upstream"
        break
    return result


def _parse(line: str) -> Any:
    try:
        return authres.AuthenticationResultsHeader.parse(line)
    except Exception:  # Garbled header: not evidence of anything.
        return None


def _take(result: dict[str, Any], parsed: Any) -> None:
    """Copy the first result of each method; DKIM passes are listed by signing domain."""
    passed_dkim: list[str] = []
    seen: set[str] = set()
    for item in parsed.results:
        method = str(item.method).lower()
        outcome = str(item.result).lower()
        if method == "dkim" and outcome == "pass":
            domain = _property(item, "header", "d")
            if domain:
                passed_dkim.append(domain)
        if method in METHODS and method not in seen:
            seen.add(method)
            result[method] = outcome
            if method == "dmarc":
                result["dmarc_from"] = _header_from(item)
                # policy.dmarc where written (ours); upstream MTAs (OpenDMARC, rspamd,
                # Gmail) put it in the comment: "(p=reject dis=none)".
                result["dmarc_policy"] = _property(item, "policy", "dmarc") or _policy_in(
                    str(getattr(item, "result_comment", "") or "")
                )
        elif method == "dkim" and outcome == "pass":
            result["dkim"] = "pass"  # any passing signature makes the message's DKIM pass
    result["dkim_domains"] = passed_dkim
    result["trusted"] = True
    result["authserv_id"] = str(parsed.authserv_id)


def _policy_in(comment: str) -> str:
    found = re.search(r"\bp=(none|quarantine|reject)\b", comment, re.IGNORECASE)
    return found.group(1).lower() if found else ""


def _property(item: Any, kind: str, name: str) -> str:
    for prop in getattr(item, "properties", []) or []:
        if str(getattr(prop, "type", "")) == kind and str(getattr(prop, "name", "")) == name:
            return str(prop.value).lower()
    return ""


def _header_from(item: Any) -> str:
    return _property(item, "header", "from")


def from_authenticated(auth: dict[str, Any], from_address: str | None) -> bool:
    """The From header is proven: a trusted DMARC pass for exactly that From domain.

    Without it the From header proves nothing (anyone can write any From). Issue 13's own
    SPF/DKIM/DMARC verification feeds the same verdicts and so this same test.
    """
    if not from_address or not auth.get("trusted") or auth.get("dmarc") != "pass":
        return False
    # The verdict must name the From domain it was about (header.from): a bare pass
    # could be about another From header of the same message.
    domain = alabel(from_address.rpartition("@")[2])
    return bool(domain) and alabel(str(auth.get("dmarc_from") or "")) == domain


def alabel(domain: str) -> str:
    """A domain in one comparable form: dinkés.go.id -> xn--dinks-esa.go.id (lower case,
    no final dot); as given when it is no IDNA name at all."""
    domain = domain.strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def envelope_authenticated(auth: dict[str, Any]) -> bool:
    """The envelope sender is proven: a trusted SPF pass (receipts go to MAIL FROM)."""
    return bool(auth.get("trusted")) and auth.get("spf") == "pass"


def sender_authenticated(auth: dict[str, Any], from_address: str | None) -> bool:
    """Either proof: whom we may answer with anything the sender wrote."""
    return from_authenticated(auth, from_address) or envelope_authenticated(auth)
