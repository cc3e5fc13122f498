"""A letter's sender verdict as a person reads it: verified or not, why, and warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gateway.catalogue import Catalogue
from gateway.parsing.authresults import from_authenticated
from gateway.timefmt import waktu


@dataclass(frozen=True)
class SenderVerdict:
    """`key` is verified | other_domain | failed | temperror | permerror | no_policy |
    unchecked."""

    key: str
    label: str
    detail: str
    warnings: tuple[str, ...]

    @property
    def verified(self) -> bool:
        return self.key == "verified"


def verdict_key(auth: dict[str, Any], sender: str | None) -> str:
    """Which of the verdict texts applies to these stored verdicts."""
    if from_authenticated(auth, sender):
        return "verified"
    if not auth.get("trusted"):
        return "unchecked"
    dmarc = str(auth.get("dmarc") or "none")
    if dmarc == "pass":
        return "other_domain"  # a pass about another From than the one readers see
    if dmarc == "fail":
        return "failed"
    if dmarc in ("temperror", "permerror"):
        return dmarc
    return "no_policy" if dmarc == "none" else "failed"


def sender_verdict(auth: dict[str, Any], sender: str | None, t: Catalogue) -> SenderVerdict:
    """The label ("Pengirim terverifikasi (DMARC lulus)"), the per-method detail, and one
    warning per sign of a deceptive sender."""
    key = verdict_key(auth, sender)
    detail = ""
    if auth.get("trusted"):
        detail = t(
            "verdict.detail",
            spf=auth.get("spf", "none"),
            dkim=auth.get("dkim", "none"),
            dmarc=auth.get("dmarc", "none"),
            by=auth.get("authserv_id", ""),
        )
    warnings = tuple(
        t(f"sender_flag.{flag}", domain=auth.get("lookalike_of") or "")
        for flag in auth.get("sender_flags") or ()
    )
    return SenderVerdict(key, t(f"verdict.{key}"), detail, warnings)


def signature_lines(auth: dict[str, Any], t: Catalogue, zone: str) -> list[str]:
    """One line per electronic signature (TTE) in the letter's PDF files: the file, the
    verdict, who signed and when (in WIB), what was not checked and why it failed."""
    lines = []
    for check in auth.get("tte") or []:
        result = str(check.get("result", "unreadable"))
        parts = [t("tte.line", file=check.get("filename", ""), verdict=t(f"tte.result.{result}"))]
        if check.get("signer") or check.get("subject"):
            parts.append(
                t("tte.signer", signer=check.get("signer", ""), subject=check.get("subject", ""))
            )
        when = str(check.get("signed_at") or "")
        if when:
            shown = waktu(dt.datetime.fromisoformat(when), zone)
            source = (
                t("tte.time_source.signer")
                if check.get("time_source") == "signer"
                else t("tte.time_source.timestamp")
            )
            parts.append(t("tte.signed_at", when=shown, source=source))
        detail = str(check.get("detail") or "")
        if detail:
            key = f"tte.detail.{detail}"
            parts.append(t(key) if t.has(key) else detail)
        unchecked = [t.label("tte.unchecked", str(item)) for item in check.get("not_checked") or ()]
        if unchecked:
            parts.append(t("tte.not_checked", what=", ".join(unchecked)))
        lines.append("; ".join(parts))
    return lines
