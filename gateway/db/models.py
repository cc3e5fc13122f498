"""The data model of the whole gateway: organisation, intake, register, workflow, outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gateway.core.states import DispositionStatus, InboundState, NaskahStatus, OutboxState
from gateway.db.types import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so Alembic names constraints stably."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# --------------------------------------------------------------------------- organisation


class Unit(Base):
    """A unit kerja / SKPD with its official addresses and default recipient."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    addresses: Mapped[list[UnitAddress]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )


class UnitAddress(Base):
    """An official mailbox address of a unit (setda@domain); lower-case, unique."""

    __tablename__ = "unit_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320), unique=True)
    unit: Mapped[Unit] = relationship(back_populates="addresses")


class Position(Base):
    """A jabatan: routing target, address (handle@domain), link in the chain of command."""

    __tablename__ = "position"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))
    # The head of the unit: default recipient when no rule routes a letter elsewhere.
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    # Registering desk (TU/pencatat) of the unit: dispositions by rules are given in its name.
    is_registrar: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether acting holders (Plt/Plh) AND the definitif holder both get the mail.
    notify_definitif_when_acting: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    """A person (pegawai) with a NIP and one or more email addresses."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    nip: Mapped[str | None] = mapped_column(String(32), unique=True)
    digest_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    emails: Mapped[list[PersonEmail]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonEmail.id"
    )


class PersonEmail(Base):
    """One email address of a person; notices go to the primary one."""

    __tablename__ = "person_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320), unique=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    undeliverable_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    person: Mapped[Person] = relationship(back_populates="emails")


class Assignment(Base):
    """Person holds position: definitif, Plt or Plh, valid over a date range (inclusive)."""

    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # definitif | plt | plh
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_assignment_position", "position_id", "kind"),)


class AppSetting(Base):
    """Installation-wide values made at `tnde init` (e.g. the reply-token secret)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WebUser(Base):
    """A password login of the panel: admin, operator (TU desk of some units) or pimpinan.

    Officials (pejabat) have no row here: they sign in by a one-time link to their
    address in the organisation (LoginLink) and their session names the person.
    """

    __tablename__ = "web_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin | operator | pimpinan
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # superseded by units
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Unit codes an operator or pimpinan works for (admins: all).
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The client address of the last successful password sign-in: the desk that others'
    # failed guesses never lock out (gateway/accounts/users.py authenticate).
    last_login_from: Mapped[str | None] = mapped_column(String(64))
    # A second factor (TOTP, RFC 6238): the shared secret once confirmed, and the last
    # time step accepted, so that a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random id, signed; the row is keyed by the
    id's SHA-256, so reading this table gives no usable session. Logout deletes the row."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the id
    user_id: Mapped[int | None] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    remote: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """A failed password login, for throttling per (account, client address), per client
    address and per account (gateway/accounts/users.py authenticate)."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_remote_at", "remote", "at"),
    )


class LoginLink(Base):
    """A one-time sign-in link mailed to an official: 15 minutes, single use, valid only
    in the browser that asked for it (the hash of a nonce kept in that browser's cookie)."""

    __tablename__ = "login_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    naskah_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    browser_hash: Mapped[str] = mapped_column(String(64))
    remote: Mapped[str] = mapped_column(String(64), default="")  # the client that asked
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_login_link_person_created", "person_id", "created_at"),
        Index("ix_login_link_remote_created", "remote", "created_at"),
    )


class ApiToken(Base):
    """A bearer token for /api/v1, shown once at creation and stored as its SHA-256;
    refused once revoked or past `expires_at` (None: tokens made before expiry existed,
    or created with --days 0)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- reference data


class Instruction(Base):
    """Disposition instruction vocabulary (CATAT, KETAHUI, HADIRI…), admin-editable."""

    __tablename__ = "instruction"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Klasifikasi(Base):
    """Kode klasifikasi arsip (Permendagri 83/2022) with optional retention data."""

    __tablename__ = "klasifikasi"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    # Retention in years and the final disposition (musnah | permanen | dinilai_kembali);
    # None while no source states them ("belum ditetapkan": the pemda's JRA is imported).
    retensi_aktif: Mapped[int | None] = mapped_column(Integer)
    retensi_inaktif: Mapped[int | None] = mapped_column(Integer)
    nasib_akhir: Mapped[str | None] = mapped_column(String(32))
    keterangan: Mapped[str | None] = mapped_column(Text)
    # Where the code, its name and its retention come from (a regulation, a Lampiran, a file).
    sumber: Mapped[str | None] = mapped_column(Text)


class Holiday(Base):
    """A non-working day (national holiday, cuti bersama or local) for the business calendar."""

    __tablename__ = "holiday"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="nasional")


# The tables whose every change bumps OrgVersion (triggers of migration 0017).
ORG_TABLES = (
    Unit.__tablename__,
    UnitAddress.__tablename__,
    Position.__tablename__,
    Person.__tablename__,
    PersonEmail.__tablename__,
    Assignment.__tablename__,
    Instruction.__tablename__,
    Holiday.__tablename__,
)


class OrgVersion(Base):
    """One row: a value that changes (never back) whenever an ORG_TABLES row does."""

    __tablename__ = "org_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# --------------------------------------------------------------------------- intake


class Blob(Base):
    """Content-addressed bytes (raw messages, attachments), keyed by SHA-256 hex."""

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Inbound(Base):
    """One accepted message exactly as received, plus envelope and processing state."""

    __tablename__ = "inbound"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # smtp | lmtp | imap | requeue
    # imap: "account/folder/uidvalidity/uid"; smtp/lmtp: listener address.
    source_ref: Mapped[str | None] = mapped_column(String(512))
    peer: Mapped[str | None] = mapped_column(String(128))
    helo: Mapped[str | None] = mapped_column(String(255))
    mail_from: Mapped[str] = mapped_column(String(320), default="")
    rcpt_tos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    raw_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # core.states.InboundState: received -> processing -> registered | duplicate | reply |
    # ignored | quarantined
    state: Mapped[str] = mapped_column(String(16), default=InboundState.RECEIVED)
    kind: Mapped[str | None] = mapped_column(String(16))  # letter | reply | auto | bounce
    reason: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(998))
    # Set by an operator's release (`tnde requeue --release`): a rule's quarantine no
    # longer holds this message on its next pass.
    release_quarantine: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The Authentication-Results line the gateway wrote after checking SPF, DKIM, ARC and
    # DMARC itself (mail received directly over SMTP). Kept here, not prepended to the
    # blob, so the original bytes and their SHA-256 stay exactly as received.
    auth_header: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_inbound_state", "state", "id"),
        Index("ix_inbound_message_id", "message_id"),
    )


class ImapLedger(Base):
    """Exactly-once ledger of IMAP messages: (account, folder, UIDVALIDITY, UID)."""

    __tablename__ = "imap_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(128))
    folder: Mapped[str] = mapped_column(String(512))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int | None] = mapped_column(BigInteger)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    # claimed -> stored -> moved | flagged ; too_big ; failed
    state: Mapped[str] = mapped_column(String(16))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("account", "folder", "uidvalidity", "uid"),
        Index("ix_imap_ledger_sha", "account", "raw_sha256"),
    )


class ImapAccountState(Base):
    """Health of one configured IMAP account, for the CLI and the panel."""

    __tablename__ = "imap_account_state"
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    capabilities: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- register


class Counter(Base):
    """Last issued number per (unit, series, year); bumped inside the registering transaction."""

    __tablename__ = "counter"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class RuleSetVersion(Base):
    """An immutable version of the whole routing rule set (YAML document)."""

    __tablename__ = "rule_set_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Rollbacks create a new version whose content is an older one's.
    restored_from: Mapped[int | None] = mapped_column(Integer)


class Naskah(Base):
    """A registered naskah dinas: one row of the buku agenda."""

    __tablename__ = "naskah"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # surat_masuk | nota_dinas | surat_keluar
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    agenda_number: Mapped[str] = mapped_column(String(128))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    # Identity of the letter for deduplication: hash of Message-ID + content hash.
    dedupe_key: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(998))
    message_id_synthesized: Mapped[bool] = mapped_column(Boolean, default=False)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    sender_agency: Mapped[str] = mapped_column(String(255), default="")
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    perihal: Mapped[str] = mapped_column(Text, default="")
    isi_ringkas: Mapped[str] = mapped_column(Text, default="")
    nomor_surat: Mapped[str | None] = mapped_column(String(255))
    tanggal_surat: Mapped[dt.date | None] = mapped_column(Date)
    sifat_keamanan: Mapped[str] = mapped_column(String(4), default="B")
    kecepatan: Mapped[str] = mapped_column(String(16), default="BIASA")
    jenis: Mapped[str | None] = mapped_column(String(64))
    klasifikasi: Mapped[str | None] = mapped_column(String(32))
    lampiran_count: Mapped[int] = mapped_column(Integer, default=0)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    # Where each extracted field came from: {"perihal": {"source": "body", "line": 4}, ...}
    field_sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auth_results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parse_defects: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # core.states.NaskahStatus: baru | didisposisikan | dalam_proses | selesai | ditolak
    status: Mapped[str] = mapped_column(String(24), default=NaskahStatus.BARU)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When the status became selesai or ditolak (None while open): tracking links expire
    # tracking.retention_days after it.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rule_set_version: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    thread_parent_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    # The register entry this one came from: the sending unit's nota dinas or surat keluar
    # for the copy registered as received in another unit; the konsep for a signed
    # surat keluar. One letter, several registers, linked.
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    # SHA-256 of the token of a sent surat keluar's public verification page (/v/<token>);
    # the token itself is only in the letter.
    verification_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    # A legal hold (perkara, audit, investigation): the archive never proposes the naskah
    # for transfer or disposal while it is set (`tnde archive hold|release`, audited).
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="naskah", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    __table_args__ = (
        UniqueConstraint("unit_id", "kind", "year", "seq", name="uq_naskah_number"),
        UniqueConstraint("unit_id", "kind", "dedupe_key", name="uq_naskah_dedupe"),
        Index("ix_naskah_agenda", "agenda_number"),
        Index("ix_naskah_received", "received_at"),
    )

    @property
    def is_secret(self) -> bool:
        """SR and R letters never travel as content by mail, not even back to their sender."""
        return self.sifat_keamanan in ("SR", "R")


class NaskahSource(Base):
    """Links a naskah to every inbound copy of it (the original and later duplicates)."""

    __tablename__ = "naskah_source"
    id: Mapped[int] = mapped_column(primary_key=True)
    naskah_id: Mapped[int] = mapped_column(ForeignKey("naskah.id", ondelete="CASCADE"))
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound.id"))
    role: Mapped[str] = mapped_column(String(16))  # original | copy
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("naskah_id", "inbound_id"),)


class Attachment(Base):
    """A file of a naskah (from the mail, TNEF, a forwarded letter, or a tindak lanjut)."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    naskah_id: Mapped[int] = mapped_column(ForeignKey("naskah.id", ondelete="CASCADE"))
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("disposition.id"))
    filename: Mapped[str] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(255))
    sniffed_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    origin: Mapped[str] = mapped_column(String(16))  # mail | tnef | rfc822 | tindak_lanjut
    part_path: Mapped[str] = mapped_column(String(255), default="")
    # file | inline (image in the HTML) | signature | container (winmail.dat) | letter
    role: Mapped[str] = mapped_column(String(16), default="file")
    # The version of a konsep this file belongs to (1, 2, … after each REVISI); None for
    # every other naskah.
    version: Mapped[int | None] = mapped_column(Integer)
    naskah: Mapped[Naskah] = relationship(back_populates="attachments")


# --------------------------------------------------------------------------- workflow


class Disposition(Base):
    """One instruction from a position to a position about a naskah; a node of a tree."""

    __tablename__ = "disposition"
    id: Mapped[int] = mapped_column(primary_key=True)
    naskah_id: Mapped[int] = mapped_column(ForeignKey("naskah.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("disposition.id"))
    # disposisi | tembusan | paraf | ttd | revisi (the last three: a konsep's route)
    kind: Mapped[str] = mapped_column(String(16), default="disposisi")
    from_position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))
    from_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    from_acting: Mapped[str | None] = mapped_column(String(16))  # plt | plh | None
    to_position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))
    instructions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # sent | read | forwarded | answered | done | rejected | cancelled
    status: Mapped[str] = mapped_column(String(16), default=DispositionStatus.SENT)
    channel: Mapped[str] = mapped_column(String(16), default="rule")  # rule | email | web
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    result_note: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_disposition_naskah", "naskah_id"),
        Index("ix_disposition_to", "to_position_id", "status"),
        # /metrics counts open dispositions, overdue ones and waiting approvals at every
        # scrape (gateway/db/health.py): from this index, never the whole table.
        Index("ix_disposition_open", "status", "kind", "due_at"),
    )


class Konsep(Base):
    """A surat keluar draft on its way to signature: route, version, recipients, outcome.

    The draft is also a register row (naskah kind "konsep", numbered in the unit's KONSEP
    series); each approval step is a disposition of kind "paraf" (verifikator, superior)
    or "ttd" (the signer) to the step's position, and a REVISI is a disposition of kind
    "revisi" back to the drafter, so deadlines, reminders, Plt/Plh and reply tokens work
    as they do for letters.
    """

    __tablename__ = "konsep"
    naskah_id: Mapped[int] = mapped_column(
        ForeignKey("naskah.id", ondelete="CASCADE"), primary_key=True
    )
    drafter_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    drafter_position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))
    signer_position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))
    # [{"address": ..., "name": ..., "unit": unit code or None, "position": handle or None}]
    kepada: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tembusan: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A number given elsewhere (SRIKANDI, a paper book): no number is taken on signing.
    reserved_number: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Position ids in approval order for the current round; the last one signs.
    route: Mapped[list[Any]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    # core.states.KonsepState: paraf | revisi | ditolak | dikirim
    state: Mapped[str] = mapped_column(String(16))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    # The signature block recorded at signing: name, nip, title, capacity (a.n., Plt. …).
    signature: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SigningLink(Base):
    """A one-time link to the panel's signing page, mailed to one holder of a konsep's
    signing step when signatures are made with BSrE ([tte] provider = "bsre"). The token
    is only in the mail; this row keeps its SHA-256. The passphrase is typed on the page
    and never stored."""

    __tablename__ = "signing_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    disposition_id: Mapped[int] = mapped_column(ForeignKey("disposition.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # While BSrE is signing (a second post waits for it to end), and how many times BSrE
    # refused (a wrong passphrase): after a few the link is void, so it cannot be used to
    # guess a passphrase until BSrE locks the signer's certificate.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class Submission(Base):
    """A nota dinas or konsep sent from an official's address that nothing authenticated:
    nothing is created until the official replies KIRIM to the token mailed to them."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))  # nota_dinas | surat_keluar
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | confirmed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))


class ReplyCommand(Base):
    """Idempotency record: one reply (by Message-ID) acts on one disposition only once."""

    __tablename__ = "reply_command"
    id: Mapped[int] = mapped_column(primary_key=True)
    reply_message_id: Mapped[str] = mapped_column(String(998))
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("disposition.id"))
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("reply_message_id", "disposition_id"),)


class ReplyConfirmation(Base):
    """Commands from a reply we could not authenticate, held until the official confirms.

    A reply matched only by subject tag or References, whose From is the official's address
    but carries no valid token and no DMARC pass, changes nothing; the official gets one
    mail with a confirmation token, and only KONFIRMASI to that token runs `text`.
    """

    __tablename__ = "reply_confirmation"
    id: Mapped[int] = mapped_column(primary_key=True)
    disposition_id: Mapped[int] = mapped_column(ForeignKey("disposition.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound.id"))
    reply_message_id: Mapped[str] = mapped_column(String(998))
    text: Mapped[str] = mapped_column(Text)  # the reply's new text, parsed again on confirm
    commands: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | confirmed
    mailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_reply_confirmation_person", "person_id", "disposition_id"),)


class Event(Base):
    """Append-only, hash-chained audit trail of everything that happens."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    naskah_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("disposition.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    actor: Mapped[str] = mapped_column(String(255))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | web | rule | system | cli
    type: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Each naskah (or inbound, or "system") has its own chain; a fork fails the unique key.
    chain: Mapped[str] = mapped_column(String(64))
    chain_seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    __table_args__ = (
        Index("ix_event_naskah", "naskah_id", "id"),
        UniqueConstraint("chain", "chain_seq", name="uq_event_chain"),
    )


class Outbox(Base):
    """A message the gateway sends (receipt, notice, command receipt), with delivery state."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # receipt | notice | command_receipt | ...
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[bytes] = mapped_column(LargeBinary)
    # core.states.OutboxState: queued | sending | sent | failed | bounced
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    naskah_id: Mapped[int | None] = mapped_column(ForeignKey("naskah.id"))
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("disposition.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_message_id", "message_id"),
        Index("ix_outbox_rcpt_created", "rcpt_to", "created_at"),
        # An official's letters in the panel: the notices it received.
        Index("ix_outbox_person_naskah", "person_id", "naskah_id"),
    )
