"""SPF/DKIM/DMARC verdicts from the Authentication-Results our own MTA stamped."""

from __future__ import annotations

from typing import Any

import authres

METHODS = ("spf", "dkim", "dmarc")


def verdicts(headers: list[str], trusted_ids: tuple[str, ...]) -> dict[str, Any]:
    """The topmost trusted header's results; 'none' for every method otherwise.

    Headers from other authserv-ids could have been written by the sender and are ignored.
    """
    result: dict[str, Any] = {m: "none" for m in METHODS}
    result["trusted"] = False
    wanted = {t.lower() for t in trusted_ids}
    for value in headers:  # topmost first, as the parser returns them
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except Exception:  # Garbled header: not evidence of anything.
            continue
        if str(parsed.authserv_id).lower() not in wanted:
            continue
        for item in parsed.results:
            method = str(item.method).lower()
            if method in METHODS and result[method] == "none":
                result[method] = str(item.result).lower()
                if method == "dmarc":
                    result["dmarc_from"] = _header_from(item)
        result["trusted"] = True
        result["authserv_id"] = str(parsed.authserv_id)
        break
    return result


def _header_from(item: Any) -> str:
    for prop in getattr(item, "properties", []) or []:
        if str(getattr(prop, "type", "")) == "header" and str(getattr(prop, "name", "")) == "from":
            return str(prop.value).lower()
    return ""


def from_authenticated(auth: dict[str, Any], from_address: str | None) -> bool:
    """The From header is proven: a trusted DMARC pass for exactly that From domain.

    Without it the From header proves nothing (anyone can write any From). Issue 13's own
    SPF/DKIM/DMARC verification will feed the same verdicts and so this same test.
    """
    if not from_address or not auth.get("trusted") or auth.get("dmarc") != "pass":
        return False
    # The verdict must name the From domain it was about (header.from): a bare pass
    # could be about another From header of the same message.
    domain = from_address.rpartition("@")[2].lower()
    return str(auth.get("dmarc_from") or "") == domain


def envelope_authenticated(auth: dict[str, Any]) -> bool:
    """The envelope sender is proven: a trusted SPF pass (receipts go to MAIL FROM)."""
    return bool(auth.get("trusted")) and auth.get("spf") == "pass"


def sender_authenticated(auth: dict[str, Any], from_address: str | None) -> bool:
    """Either proof: whom we may answer with anything the sender wrote."""
    return from_authenticated(auth, from_address) or envelope_authenticated(auth)
