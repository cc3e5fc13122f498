"""The states of inbound mail, outgoing mail, dispositions and naskah (stored as their values).

StrEnum members are the strings stored in the database, so rows written before these
types existed read back unchanged, and comparisons with stored values just work.
"""

from __future__ import annotations

from enum import StrEnum


class InboundState(StrEnum):
    """An inbound message's way through the pipeline."""

    RECEIVED = "received"  # stored by intake, waiting for a worker
    PROCESSING = "processing"  # claimed by a worker (a lease)
    REGISTERED = "registered"  # a new agenda entry in at least one unit
    DUPLICATE = "duplicate"  # every unit already had this letter
    REPLY = "reply"  # answered (or forged an answer to) one of our mails
    IGNORED = "ignored"  # machine mail, or mail to the gateway that answers nothing
    QUARANTINED = "quarantined"  # kept out of the pipeline with a reason


class OutboxState(StrEnum):
    """An outgoing message in the outbox."""

    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender (a lease)
    SENT = "sent"
    FAILED = "failed"  # 5xx, or retried past outbound.give_up_after
    BOUNCED = "bounced"  # accepted by the smarthost, then a DSN came back


class DispositionStatus(StrEnum):
    """A disposition from the giver's point of view."""

    SENT = "sent"
    READ = "read"
    FORWARDED = "forwarded"
    ANSWERED = "answered"
    DONE = "done"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class NaskahStatus(StrEnum):
    """Where a letter is, derived from its disposition tree (docs/status.md).

    Late (terlambat) is not a status: it is derived from the open dispositions' due times
    whenever the letter is shown.
    """

    BARU = "baru"  # registered, not disposed yet (with the TU desk)
    DIDISPOSISIKAN = "didisposisikan"  # disposed; nobody has read or acted yet
    DALAM_PROSES = "dalam_proses"  # someone read, forwarded or answered
    SELESAI = "selesai"  # every branch closed, at least one done
    DITOLAK = "ditolak"  # every branch rejected or cancelled: back with the giver


NASKAH_LABEL: dict[str, str] = {
    NaskahStatus.BARU: "baru",
    NaskahStatus.DIDISPOSISIKAN: "didisposisikan",
    NaskahStatus.DALAM_PROSES: "dalam proses",
    NaskahStatus.SELESAI: "selesai",
    NaskahStatus.DITOLAK: "ditolak",
}
LATE_LABEL = "terlambat"


# Tuples, not sets: they go into SQL IN (...) as they are.
OPEN = (
    DispositionStatus.SENT,
    DispositionStatus.READ,
    DispositionStatus.FORWARDED,
    DispositionStatus.ANSWERED,
)
CLOSED = (DispositionStatus.DONE, DispositionStatus.REJECTED, DispositionStatus.CANCELLED)
STATUS_LABEL: dict[str, str] = {
    DispositionStatus.SENT: "terkirim (belum dibaca)",
    DispositionStatus.READ: "dibaca",
    DispositionStatus.FORWARDED: "diteruskan",
    DispositionStatus.ANSWERED: "ditanggapi",
    DispositionStatus.DONE: "selesai",
    DispositionStatus.REJECTED: "ditolak",
    DispositionStatus.CANCELLED: "dibatalkan",
}


class KonsepState(StrEnum):
    """A surat keluar draft (konsep) on its way to signature (docs/naskah-keluar.md)."""

    PARAF = "paraf"  # with an approver (verifikator, superior) or the signer
    REVISI = "revisi"  # sent back to the drafter for a new version
    DITOLAK = "ditolak"  # refused: the route ended without a letter
    DIKIRIM = "dikirim"  # signed, numbered and sent


# The registers a unit keeps (Naskah.kind): incoming letters, memos, outgoing letters and
# their drafts.
REGISTERS = ("surat_masuk", "nota_dinas", "surat_keluar", "konsep")

# Disposition kinds that ask the holder to act (a deadline, reminders, escalation):
# a disposition proper, and the steps of a konsep's route.
APPROVAL_KINDS = ("paraf", "ttd")
ACTIONABLE_KINDS = ("disposisi", *APPROVAL_KINDS, "revisi")
