"""Pure data of the rule engine: the facts of a letter, rules, actions and the decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KEAMANAN = ("SR", "R", "T", "B")
KECEPATAN = ("SANGAT_SEGERA", "SEGERA", "BIASA")
SENDER_FLAGS = (
    "address-in-display-name",
    "control-characters-in-name",
    "multiple-addresses",
    "lookalike-domain",
    "own-domain-unverified",
)
# From best to worst; a letter's `tte` is the worst of its signatures.
TTE_RESULTS = ("none", "valid", "untrusted", "unreadable", "invalid", "modified")
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")


@dataclass(frozen=True)
class AttachmentFact:
    filename: str
    content_type: str


@dataclass(frozen=True)
class Facts:
    """What rules may look at; text fields are compared case-insensitively."""

    sender: str = ""
    sender_domain: str = ""
    sender_agency: str = ""
    recipients: tuple[str, ...] = ()
    recipient_units: tuple[str, ...] = ()
    recipient_positions: tuple[str, ...] = ()
    unit: str = ""
    subject: str = ""
    body: str = ""
    perihal: str = ""
    nomor_surat: str = ""
    attachments: tuple[AttachmentFact, ...] = ()
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    dmarc_policy: str = ""
    arc: str = "none"
    sender_verified: bool = False
    # The letter answers one of our sent surat keluar (its Message-ID is in In-Reply-To
    # or References): by default it goes to the position that drafted that letter.
    balasan_surat_keluar: bool = False
    sender_flags: tuple[str, ...] = ()
    # Electronic signatures in PDF files: the worst verdict of all (none when unsigned)
    # and the signers' names.
    tte: str = "none"
    tte_signers: tuple[str, ...] = ()
    sifat_keamanan: str = "B"
    kecepatan: str = "BIASA"
    jenis: str = ""
    klasifikasi: str = ""
    size: int = 0
    weekday: str = ""  # senin … minggu, in WIB
    hour: int = 0  # 0-23 WIB

    def lowered(self) -> dict[str, Any]:
        """Field values prepared once per evaluation (lower-case text, tuples kept)."""
        values: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, str):
                values[name] = value.strip().lower()
            elif name == "attachments":
                values["attachment_name"] = tuple(a.filename.lower() for a in value)
                values["attachment_type"] = tuple(a.content_type.lower() for a in value)
                values["has_attachment"] = bool(value)
            elif isinstance(value, tuple):
                values[name] = tuple(str(v).strip().lower() for v in value)
            else:
                values[name] = value
        values["text"] = values["subject"] + "\n" + values["body"]
        return values


# A compiled condition: facts (lowered) -> (matched, human-readable reason).
Predicate = Callable[[dict[str, Any]], tuple[bool, str]]


@dataclass(frozen=True)
class Dispose:
    """Dispose to positions with instructions, a note and a due spec."""

    targets: tuple[str, ...]
    instructions: tuple[str, ...] = ()
    note: str = ""
    due: str = ""  # a due spec: "1d", "3 workdays", "kecepatan", "" = from kecepatan


@dataclass(frozen=True)
class Action:
    """One action of a rule; `kind` decides which fields matter."""

    kind: str  # set_unit|set_jenis|set_sifat|set_klasifikasi|dispose|copy|quarantine|ignore
    value: Any = None
    dispose: Dispose | None = None

    def describe(self) -> dict[str, Any]:
        if self.dispose is not None:
            d = self.dispose
            return {
                "action": self.kind,
                "to": list(d.targets),
                "instructions": list(d.instructions),
                "note": d.note,
                "due": d.due,
            }
        return {"action": self.kind, "value": self.value}


@dataclass(frozen=True)
class Rule:
    """A compiled rule: ordered by priority, may continue after matching."""

    name: str
    priority: int
    enabled: bool
    stop: bool
    condition: Predicate
    actions: tuple[Action, ...]
    description: str = ""
    builtin: bool = False
    # A necessary condition the index can check without running `condition`.
    guard: Any = None


@dataclass
class Decision:
    """What the rules decided for one letter, and why (hits, misses, errors)."""

    unit: str
    jenis: str = ""
    sifat_keamanan: str = "B"
    kecepatan: str = "BIASA"
    klasifikasi: str = ""
    dispositions: list[Dispose] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    quarantine: str | None = None
    ignore: bool = False
    hits: list[dict[str, Any]] = field(default_factory=list)
    # (rule name, reason): tuples, because a large rule set records many misses.
    misses: list[tuple[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    version: int | None = None

    @property
    def routed(self) -> bool:
        """Whether some rule already said where the letter goes (or that it goes nowhere)."""
        return bool(self.dispositions or self.quarantine or self.ignore)

    def outcome(self) -> dict[str, Any]:
        """The routing result without the explanation (what a dry run compares)."""
        return {
            "unit": self.unit,
            "jenis": self.jenis,
            "sifat": {"keamanan": self.sifat_keamanan, "kecepatan": self.kecepatan},
            "klasifikasi": self.klasifikasi,
            "dispositions": [
                {
                    "to": list(d.targets),
                    "instructions": list(d.instructions),
                    "note": d.note,
                    "due": d.due,
                }
                for d in self.dispositions
            ],
            "tembusan": list(self.copies),
            "quarantine": self.quarantine,
            "ignore": self.ignore,
        }

    def to_dict(self) -> dict[str, Any]:
        """Stored with the naskah: the outcome plus every hit, miss and error."""
        return {
            "rule_set_version": self.version,
            **self.outcome(),
            "hits": self.hits,
            "misses": [{"rule": name, "reason": reason} for name, reason in self.misses],
            "errors": self.errors,
        }
