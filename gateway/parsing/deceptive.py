"""Deceptive From domains: one edit or one look-alike character from an agency's (pure)."""

from __future__ import annotations

import unicodedata

# Characters that render like ASCII letters in a mail client's From line (Cyrillic,
# Greek, Latin variants, digits); a small table of the ones seen in phishing domains,
# enough for a skeleton comparison (after Unicode TR39, not the full confusables list).
_LOOKALIKE = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ј": "j", "ԁ": "d", "ɡ": "g", "ӏ": "l", "ѕ": "s", "һ": "h", "ԛ": "q", "ԝ": "w",
        "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "ε": "e",
        "ı": "i", "ł": "l", "0": "o", "1": "l", "i": "l", "5": "s",
    }
)  # fmt: skip
_DIGRAPHS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
# Edit distance finds kemendagrl.go.id; for short names it would flag real neighbours
# (bkn/bpn, kpk/kpu are different agencies), so it applies from this length on.
MIN_EDIT_LABEL = 6


def skeleton(domain: str) -> str:
    """The domain as it looks: IDNA decoded, NFKC, look-alikes folded to one letter."""
    labels = [_unicode_label(label) for label in domain.lower().rstrip(".").split(".")]
    text = unicodedata.normalize("NFKC", ".".join(labels)).lower().translate(_LOOKALIKE)
    for pair, single in _DIGRAPHS:
        text = text.replace(pair, single)
    return text


def _unicode_label(label: str) -> str:
    """A punycode label as the reader sees it (xn--kmendagri-g0h -> kеmendagri)."""
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def _one_edit(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution or swap of neighbours apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i, j = diff if len(diff) == 2 else (0, 0)
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


def lookalike_of(domain: str, known: frozenset[str] | set[str]) -> str:
    """The known domain this one imitates, or '' (itself and its subdomains are fine)."""
    domain = domain.lower().rstrip(".")
    if not domain:
        return ""
    for real in sorted(known):
        if domain == real or domain.endswith("." + real):
            return ""
    shape = skeleton(domain)
    for real in sorted(known):
        if f".{real}." in f".{domain}.":
            return real  # kemendagri.go.id.example.com: the real name as a prefix
        depth = real.count(".") + 1
        tail = ".".join(domain.split(".")[-depth:])
        if skeleton(tail) == skeleton(real) or shape == skeleton(real):
            return real
        first = real.split(".")[0]
        if len(first) >= MIN_EDIT_LABEL and _one_edit(tail, real):
            return real
    return ""
