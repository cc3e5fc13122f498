"""Settings: one TOML file, every key overridable by TNDE_SECTION__KEY, working defaults."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Catalogue
from gateway.logs import FORMATS as LOG_FORMATS
from gateway.logs import LEVELS as LOG_LEVELS

ENV_PREFIX = "TNDE_"
CONFIG_ENV = "TNDE_CONFIG"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: a catalogue key (config.toml) and the values
    its text names. Keys and values go in as fields so they stay verbatim in any language;
    values the text shows quoted arrive already quoted (repr)."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def text(self, t: Catalogue) -> str:
        """The problem as a sentence in the catalogue's language."""
        return t(self.key, **self.fields)


class ConfigError(ValueError):
    """A configuration file or environment value is wrong; every problem names its key.

    The problems are data; str() renders them in `language` (Indonesian unless
    load_settings could tell `[ui] language`), so callers that print the error speak the
    reader's language without knowing the settings, which may be the broken part.
    """

    def __init__(
        self,
        *problems: Problem,
        source: str | None = None,
        summary: bool = False,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        super().__init__(*problems)
        self.problems = problems
        # The file the problems are in, named in the summary's header line.
        self.source = source
        # A count header above the problems, one per indented line (what load_settings
        # collects); otherwise the problems alone.
        self.summary = summary
        self.language = language

    def render(self, language: str | None = None) -> str:
        """The message in `language` (default: the error's own)."""
        t = Catalogue(language or self.language)
        lines = [problem.text(t) for problem in self.problems]
        if not self.summary:
            return "\n".join(lines)
        if self.source:
            header = t("config.problems_in", count=len(lines), file=self.source)
        else:
            header = t("config.problems", count=len(lines))
        return header + "\n  " + "\n  ".join(lines)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/tnde.db"
    # Seconds a SQLite writer waits for the lock before the commit fails (then SMTP says 451).
    busy_timeout: float = 20.0
    pool_size: int = 10
    echo: bool = False


@dataclass(frozen=True)
class SmtpSettings:
    listen: str = "127.0.0.1:2525"
    hostname: str = ""
    # RFC 5321 4.5.3.2: the server should wait at least 5 minutes for a command.
    timeout: float = 300.0
    max_connections_per_ip: int = 20
    # Sessions at once from all addresses together; past it new clients get 421 4.3.2.
    max_sessions: int = 1000
    # Bytes of message data held in memory at once by all sessions (each DATA reserves
    # its declared SIZE, else 256 KiB and more as its body arrives); past it 452 4.3.1.
    # Must be at least mail.max_message_size; 0: no budget.
    max_data_in_memory: int = 512 * 1024 * 1024
    # STARTTLS with this certificate chain and key (PEM); both empty: no STARTTLS.
    # `tnde init` writes a self-signed pair for development under var/tls/.
    tls_cert: str = ""
    tls_key: str = ""
    # Refuse MAIL before STARTTLS (530 5.7.0); off by default: agencies' servers that
    # cannot do TLS must still reach us.
    require_starttls: bool = False
    # Peers (IP addresses) allowed to send bare LF line endings, e.g. a trusted local MTA.
    allow_bare_lf_from: tuple[str, ...] = ()
    # Mail to the gateway's own addresses without an authentic reply token, per client IP
    # per minute; past it RCPT gets "450 4.7.1". 0 turns the limit off.
    unverified_replies_per_minute: int = 20


@dataclass(frozen=True)
class LmtpSettings:
    listen: str = "127.0.0.1:8024"
    timeout: float = 300.0
    allow_bare_lf_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebSettings:
    listen: str = "127.0.0.1:8080"
    # The address officials reach the panel at; used in links inside notices.
    public_url: str = ""
    secret_key: str = ""


@dataclass(frozen=True)
class MailSettings:
    domain: str = "tnde.banyumaskab.go.id"
    max_message_size: int = 25 * 1024 * 1024
    # Local parts of the gateway itself (besides units and positions) that accept mail.
    gateway_addresses: tuple[str, ...] = ("tnde", "postmaster", "balasan")
    # Local part of the From/return address of everything the gateway sends.
    sender_local: str = "tnde"
    sender_name: str = "TNDE Gateway"
    # Local part that carries reply tokens: balasan+<token>@domain.
    reply_local: str = "balasan"
    # Secret for reply tokens (HMAC). Empty: a random secret kept in the database, made by
    # `tnde init` and shared by every node. Changing it invalidates all reply addresses.
    reply_secret: str = ""
    # Days a reply address in a notice keeps working.
    reply_token_days: int = 90
    # authserv-ids whose Authentication-Results headers we trust (our own MTA).
    trusted_authserv_ids: tuple[str, ...] = ()
    # Stamped in X-TNDE-Loop on outgoing mail; mail carrying it back is ours.
    instance_id: str = ""
    helpdesk: str = "Helpdesk TNDE Diskominfo, telp. (0281) 000000"
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class AuthSettings:
    """Sender authentication of mail received directly over SMTP (SPF, DKIM, ARC, DMARC)."""

    # true: agencies deliver straight to [smtp] listen, and the gateway checks each sender
    # itself (Authentication-Results headers in such mail are ignored: anyone can write
    # them). false: a trusted MTA relays to the SMTP listener and has checked already;
    # then mail.trusted_authserv_ids apply to it as they do to LMTP and IMAP.
    verify_smtp: bool = True
    # SMTP clients that are trusted MTAs handing mail on (a Postfix on this host relaying
    # over SMTP): their mail is treated as behind a relay, as LMTP is. Loopback only by
    # default: no agency's server connects from it.
    relay_peers: tuple[str, ...] = ("127.0.0.1", "::1")
    # Our authserv-id in the Authentication-Results we write; default: smtp.hostname,
    # else mail.domain. Never one of mail.trusted_authserv_ids.
    authserv_id: str = ""
    # Resolvers to ask; empty: the system's (/etc/resolv.conf).
    nameservers: tuple[str, ...] = ()
    dns_port: int = 53
    # Seconds per DNS lookup, and for all lookups of one letter together: past the
    # budget the verdict is temperror and the letter registers as usual.
    dns_timeout: float = 5.0
    dns_budget: float = 20.0
    # Agency domains a From domain must not imitate (one edit or one look-alike
    # character away), besides mail.domain and the organisation's own addresses.
    correspondent_domains: tuple[str, ...] = (
        "kemendagri.go.id",
        "kemenkeu.go.id",
        "kemkes.go.id",
        "kemdikbud.go.id",
        "kemenpan.go.id",
        "menpan.go.id",
        "setneg.go.id",
        "bkn.go.id",
        "bssn.go.id",
        "anri.go.id",
        "lkpp.go.id",
        "bpk.go.id",
        "bpkp.go.id",
        "kpk.go.id",
        "polri.go.id",
        "kejaksaan.go.id",
        "jatengprov.go.id",
    )

    def own_id(self, settings: Settings) -> str:
        """The authserv-id we write: configured, else our SMTP host name, else the domain
        (prefixed with "tnde." when that is the name of an upstream MTA we trust)."""
        if self.authserv_id:
            return self.authserv_id.lower()
        name = (settings.smtp.hostname or settings.mail.domain).lower()
        trusted = {t.lower() for t in settings.mail.trusted_authserv_ids}
        return f"tnde.{name}" if name in trusted else name


@dataclass(frozen=True)
class DkimSettings:
    """DKIM signatures on the mail the gateway sends (`tnde dkim keygen` makes a key)."""

    # The signing domain (d=); default: mail.domain.
    domain: str = ""
    # Selector (s=) and the unencrypted PEM private key; both set = every mail signed.
    selector: str = ""
    private_key: str = ""

    def signing_domain(self, settings: Settings) -> str:
        return (self.domain or settings.mail.domain).lower()


@dataclass(frozen=True)
class TteSettings:
    """Electronic signatures (TTE) in PDF attachments."""

    # Root certificates signatures must chain to (PEM or DER files, or directories of
    # them), e.g. the root of BSrE. Empty: signatures are still checked for integrity and
    # reported as from an untrusted certificate.
    trust_roots: tuple[str, ...] = ()
    # Check PDF signatures of incoming letters at all.
    verify_incoming: bool = True
    # Who signs outgoing PDFs: "none" (they arrive signed, e.g. from SRIKANDI) or "bsre"
    # (BSrE's esign client API at bsre_url, with the esign client's account).
    provider: str = "none"
    bsre_url: str = ""
    bsre_username: str = ""
    bsre_password: str = ""
    bsre_timeout: float = 60.0


@dataclass(frozen=True)
class DraftingSettings:
    """Nota dinas and surat keluar written by officials by mail ([drafting])."""

    # Local part that takes surat keluar drafts: keluar@domain, or keluar+<unit>@domain to
    # draft for a unit other than one's own.
    draft_local: str = "keluar"
    # The default signer per unit, and per unit and jenis: {"SETDA" = "sekda",
    # "SETDA/Surat Undangan" = "asisten.pemkesra"}. A unit without one: its head.
    signers: Mapping[str, str] = field(default_factory=dict)
    # Verifikator positions that initial a draft before the signer, per unit or unit/jenis:
    # {"SETDA" = ["kabag.hukum"]}.
    verifiers: Mapping[str, Any] = field(default_factory=dict)
    # After a REVISI the new version goes to the first approver again ("first") or back
    # to the approver who asked for it ("same").
    revision_restarts: str = "first"
    # Time each approver has for a step (BATAS grammar), with a reminder as for dispositions.
    step_due: str = "2 workdays"
    # The From of a unit's sent letters when it is not the unit's first official address:
    # {"SETDA" = "setda@banyumaskab.go.id"}.
    unit_from: Mapping[str, str] = field(default_factory=dict)
    # Days an official has to confirm (KIRIM) a nota dinas or konsep nothing authenticated.
    confirm_days: int = 3


@dataclass(frozen=True)
class OutboundSettings:
    smarthost: str = ""
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 60.0
    # Retry schedule for temporary failures: first delay doubles up to max_delay.
    first_retry_delay: float = 60.0
    max_retry_delay: float = 3600.0
    # After this many seconds of temporary failures a message is given up (failed).
    give_up_after: float = 5 * 24 * 3600.0
    poll_interval: float = 1.0
    batch_size: int = 20
    # A sender that died (killed, power cut) holds its claimed mail this long; then another
    # sender takes it over and sends it again (at least once: a resend carries the same
    # Message-ID, so receivers can drop it). Keep it above timeout.
    lease_seconds: float = 300.0


@dataclass(frozen=True)
class WorkerSettings:
    poll_interval: float = 0.5
    # A claimed row whose worker died is claimed again after this many seconds.
    lease_seconds: float = 120.0
    concurrency: int = 1
    # Messages a worker claims in one transaction (one claim commit for several letters,
    # each still registered in its own); a claim not begun within a third of
    # lease_seconds goes back for any worker.
    claim_batch: int = 4
    # N: registration runs in N `tnde worker` processes of its own, so intake never waits
    # for parsing (`tnde serve --workers N`); 0: in the serving process. One worker
    # process took intake from 0.26x to 1.26x Postfix's hold-queue rate (bench/ingest.py).
    processes: int = 1
    max_mime_depth: int = 50
    max_mime_parts: int = 1000
    # PDF text is read in a child process; past these (seconds for all of a letter's
    # PDFs together, MiB of address space) it is stopped and the letter registers without
    # that text, flagged (pdf-text-over-budget), never quarantined.
    extraction_timeout: float = 5.0
    extraction_memory_mb: int = 512
    # Attempts before an integrity conflict (a concurrent duplicate) becomes a quarantine.
    max_conflict_retries: int = 3
    # Seconds a worker reuses the organisation directory and the compiled rules before
    # checking the database for changes (an org or rules import shows after this long).
    refresh_interval: float = 2.0


@dataclass(frozen=True)
class NumberingSettings:
    surat_masuk: str = "{seq:05d}/SM/{unit}/{year}"
    nota_dinas: str = "{seq:05d}/ND/{unit}/{year}"
    surat_keluar: str = "{kka}/{seq}/{unit}/{year}"
    # The draft number a konsep gets on arrival (not the letter's number).
    konsep: str = "KONSEP-{seq:05d}/{unit}/{year}"
    # Per-unit overrides: units.SETDA.surat_masuk = "SM/{seq:04}/{yyyy}".
    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def format_for(self, unit_code: str, kind: str) -> str:
        """The format string for one unit and naskah kind (unit override first)."""
        for code, formats in self.units.items():
            if code.upper() == unit_code.upper() and kind in formats:
                return formats[kind]
        return str(getattr(self, kind))


@dataclass(frozen=True)
class WorkflowSettings:
    # Due time of a disposition whose rule names none, by the letter's kecepatan.
    due_sangat_segera: str = "same day"
    due_segera: str = "1 workday"
    due_biasa: str = "5 workdays"
    # When a Plt/Plh covers a position, whether the definitif holder gets the mail too.
    notify_definitif_when_acting: bool = False
    # Attachments of a letter travel with its notices up to this many bytes in total;
    # beyond it the notice lists them and points to the panel.
    notice_max_attachment_bytes: int = 10 * 1024 * 1024
    # Whether DISPOSISI by reply may go to any position, not only those below the sender's.
    dispose_to_anyone: bool = False
    # Reminder this many hours before a disposition is due; 0 disables reminders.
    remind_before_hours: float = 24.0
    # Overdue dispositions are escalated to the holder's superior (once).
    escalate_overdue: bool = True
    # Hour (local time) of the daily digest of open items; -1 disables digests.
    digest_hour: int = 7
    # At most this many automatic mails (reminders, escalations, digests, command
    # receipts) per recipient per day; notices of new dispositions are never held back.
    max_auto_mails_per_day: int = 40
    # Seconds between scheduler passes.
    scheduler_interval: float = 60.0
    # Local non-working days on top of the national holidays and cuti bersama in the
    # database: "YYYY-MM-DD Name", e.g. "2026-04-22 Hari Jadi Kabupaten Banyumas".
    local_holidays: tuple[str, ...] = ()

    def local_holiday_dates(self) -> frozenset[dt.date]:
        """The dates of local_holidays (validated when the settings load)."""
        return frozenset(dt.date.fromisoformat(item.split()[0]) for item in self.local_holidays)

    def sla(self) -> dict[str, str]:
        """Due spec per kecepatan."""
        return {
            "SANGAT_SEGERA": self.due_sangat_segera,
            "SEGERA": self.due_segera,
            "BIASA": self.due_biasa,
        }


@dataclass(frozen=True)
class TrackingSettings:
    # Receipts carry a link /lacak/<token> where the sending agency follows its letter.
    enabled: bool = True
    # A short notice to the sender when the letter is closed (selesai).
    notify_done: bool = True
    # Links stop working this many days after the letter is closed.
    retention_days: int = 365
    # STATUS replies answered per sender and letter per day; more are recorded, not answered.
    status_replies_per_day: int = 5
    # Tracking page requests per client address per minute; more get 429.
    page_requests_per_minute: int = 30
    # Per-unit overrides: units.SETDA.enabled = false, units.DINKES.notify_done = false.
    units: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)

    def _for(self, unit_code: str, key: str) -> bool:
        for code, overrides in self.units.items():
            if code.upper() == unit_code.upper() and key in overrides:
                return bool(overrides[key])
        return bool(getattr(self, key))

    def enabled_for(self, unit_code: str) -> bool:
        """Tracking links for this unit's letters."""
        return self._for(unit_code, "enabled")

    def notify_done_for(self, unit_code: str) -> bool:
        """The done notice for this unit's letters (only where tracking is on)."""
        return self.enabled_for(unit_code) and self._for(unit_code, "notify_done")


@dataclass(frozen=True)
class MetricsSettings:
    # Who may read /metrics (Prometheus scrapes without a panel sign-in): a direct
    # request (no X-Forwarded-For/X-Real-IP/Forwarded: not through nginx) from these
    # addresses or networks, or any request with "Authorization: Bearer <token>".
    allow_from: tuple[str, ...] = ("127.0.0.1", "::1")
    token: str = ""
    # /readyz answers 503 once an enabled [[imap]] account has failed this many seconds.
    imap_down_after: float = 900.0
    # Free space of these paths' disks is shown (tnde_disk_free_bytes), besides the
    # SQLite database's directory.
    disk_paths: tuple[str, ...] = ()
    # Where `tnde serve` makes the fresh directory its processes write metrics to;
    # empty: the system's temporary directory.
    directory: str = ""


@dataclass(frozen=True)
class UiSettings:
    # What the command line and the panel speak: "id" (Bahasa Indonesia) or "en".
    # Mail to officials and senders is official correspondence and stays Indonesian.
    language: str = "id"


@dataclass(frozen=True)
class LogSettings:
    # "text" (one readable line) or "json" (one JSON object per line, for a log
    # collector); both carry the Message-ID, inbound id and agenda number of the letter
    # a line is about.
    format: str = "text"
    # debug | info | warning | error; `tnde -v` means debug.
    level: str = "info"


@dataclass(frozen=True)
class TemplatesSettings:
    # A directory whose files override the built-in templates of the same name.
    directory: str = ""


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox the gateway reads ([[imap]] table)."""

    name: str = ""
    host: str = ""
    # 0 = the default for the TLS mode (993 implicit, 143 otherwise).
    port: int = 0
    # implicit (IMAPS) | starttls | none (plain: only to localhost, and only when allowed)
    tls: str = "implicit"
    allow_plaintext: bool = False
    # Verify the server certificate (turn off only for a test server with a private CA).
    verify_certificate: bool = True
    username: str = ""
    # login (password) | xoauth2 (Microsoft 365, Google Workspace)
    auth: str = "login"
    password: str = ""
    # A command that prints the password (e.g. "pass show tnde/imap"); wins over password.
    password_command: str = ""
    # XOAUTH2: a command that prints a fresh access token (the administrator's tool
    # refreshes and stores the refresh token).
    token_command: str = ""
    folders: tuple[str, ...] = ("INBOX",)
    # The address at our domain mail counts as addressed to when its headers name none
    # of ours, e.g. "setda@tnde.banyumaskab.go.id".
    deliver_to: str = ""
    # move (default) or flag: what to do with a message once it is stored.
    after: str = "move"
    move_to: str = "Teregistrasi"
    flag: str = "$Teregistrasi"
    # Messages over the size limit are not downloaded; moved here if set.
    too_big_folder: str = ""
    # 0 = [mail] max_message_size.
    max_message_size: int = 0
    idle: bool = True
    # IDLE is re-issued at most this often (RFC 2177 says < 29 minutes; Gmail drops ~10).
    idle_restart: float = 540.0
    # Without IDLE: poll this often. With IDLE: a full reconcile pass this often anyway.
    poll_interval: float = 60.0
    reconcile_interval: float = 300.0
    # Socket timeout; a dead connection is detected within about this long.
    timeout: float = 60.0
    fetch_chunk: int = 50
    enabled: bool = True


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    lmtp: LmtpSettings = field(default_factory=LmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    tte: TteSettings = field(default_factory=TteSettings)
    drafting: DraftingSettings = field(default_factory=DraftingSettings)
    dkim: DkimSettings = field(default_factory=DkimSettings)
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    numbering: NumberingSettings = field(default_factory=NumberingSettings)
    templates: TemplatesSettings = field(default_factory=TemplatesSettings)
    workflow: WorkflowSettings = field(default_factory=WorkflowSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    log: LogSettings = field(default_factory=LogSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    imap: tuple[ImapAccount, ...] = ()
    source: str = "defaults"

    def gateway_locals(self) -> tuple[str, ...]:
        """Local parts of the gateway itself: [mail] gateway_addresses and the drafts'."""
        locals_ = self.mail.gateway_addresses
        draft = self.drafting.draft_local.lower()
        return locals_ if draft in locals_ else (*locals_, draft)


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the file (argument, else TNDE_CONFIG, else none) and apply TNDE_ overrides."""
    environ = os.environ if environ is None else environ
    chosen = path or environ.get(CONFIG_ENV) or None
    raw: dict[str, Any] = {}
    # The errors speak ui.language when the file and environment tell it, else Indonesian.
    language = _language(raw, environ)
    try:
        if chosen:
            raw = _read_file(chosen)
            language = _language(raw, environ)
        _apply_environment(raw, environ)
        settings: Settings = _build(Settings, dict(raw), "")
    except ConfigError as err:
        err.language = language
        raise
    problems = value_problems(settings)
    for index, account in enumerate(settings.imap):
        try:
            validate_imap(account, f"imap[{index}]")
        except ConfigError as err:
            problems += err.problems
    names = [a.name for a in settings.imap]
    if len(names) != len(set(names)):
        problems.append(Problem("config.imap.same_name"))
    if problems:
        # Every problem at once, each naming its key: one fix-and-retry, not one per run.
        raise ConfigError(
            *problems, source=str(chosen) if chosen else None, summary=True, language=language
        )
    return dataclasses.replace(settings, source=str(chosen) if chosen else "defaults")


def _read_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The configuration file as a raw table."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(Problem("config.file_missing", {"file": str(path)})) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            Problem("config.file_invalid", {"file": str(path), "error": str(err)})
        ) from err


def _language(raw: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """ui.language from the environment (TNDE_UI__LANGUAGE) or else the raw file when it is
    a known language, else the default: the settings themselves may be what is broken."""
    value: Any = None
    ui = raw.get("ui")
    if isinstance(ui, dict):
        value = ui.get("language")
    for name, text in environ.items():
        if name.startswith(ENV_PREFIX) and name[len(ENV_PREFIX) :].lower() == "ui__language":
            value = _parse_env_value(text)
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


# The database URL forms the gateway supports, named when database.url is none of them.
SUPPORTED_DATABASES = ("sqlite:///PATH", "postgresql+psycopg://USER@HOST:PORT/NAME")


def shown_url(url: str) -> str:
    """A database URL as a person may see it: the password (in the user part or a
    `password=` parameter) replaced by ***, since `tnde check` output gets pasted.

    Not urlsplit: SQLAlchemy reads a password up to the last `@` and accepts `/`, `#` and
    `?` in it unencoded, where urlsplit would end the host part early and miss it."""
    scheme, found, rest = url.partition("://")
    if not found or scheme.startswith("sqlite"):
        return url  # a file path: nothing secret, and it may contain ':' and '@'
    at = rest.rfind("@")
    if at > 0 and ":" in rest[:at]:
        rest = rest[:at].split(":", 1)[0] + ":***" + rest[at:]
    address, mark, query = rest.partition("?")
    if mark:
        query = "&".join(
            f"{pair.split('=', 1)[0]}=***" if pair.split("=", 1)[0].lower() == "password" else pair
            for pair in query.split("&")
        )
    return f"{scheme}://{address}{mark}{query}"


_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    re.IGNORECASE,
)
_LOCAL_PART = re.compile(r"^[a-z0-9!#$&'*=?^_`{|}~-]+(?:\.[a-z0-9!#$&'*=?^_`{|}~-]+)*$")


def value_problems(settings: Settings) -> list[Problem]:
    """Values that parse but cannot work (a misspelt time zone, a port out of range), each
    naming its key: refused when the configuration is loaded, not when the first letter
    arrives."""
    problems: list[Problem] = []
    mail = settings.mail
    try:
        ZoneInfo(mail.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem("config.timezone", {"key": "mail.timezone", "value": repr(mail.timezone)})
        )
    for code, overrides in settings.tracking.units.items():
        for name, flag in dict(overrides).items():
            if name not in ("enabled", "notify_done") or not isinstance(flag, bool):
                key = f"tracking.units.{code}.{name}"
                problems.append(Problem("config.tracking_unit", {"key": key}))
    for limit_key, limit in (
        ("tracking.retention_days", settings.tracking.retention_days),
        ("tracking.status_replies_per_day", settings.tracking.status_replies_per_day),
        ("tracking.page_requests_per_minute", settings.tracking.page_requests_per_minute),
    ):
        if limit <= 0:
            problems.append(Problem("config.positive", {"key": limit_key, "value": limit}))
    if settings.ui.language not in LANGUAGES:
        value = repr(settings.ui.language)
        problems.append(Problem("config.language", {"key": "ui.language", "value": value}))
    if not _HOSTNAME.match(mail.domain):
        problems.append(
            Problem("config.domain", {"key": "mail.domain", "value": repr(mail.domain)})
        )
    for key in ("sender_local", "reply_local"):
        value = getattr(mail, key)
        if not _LOCAL_PART.match(value):
            problems.append(
                Problem("config.local_part", {"key": f"mail.{key}", "value": repr(value)})
            )
    if mail.reply_local not in mail.gateway_addresses:
        problems.append(
            Problem(
                "config.gateway_addresses",
                {
                    "key": "mail.gateway_addresses",
                    "other": "mail.reply_local",
                    "value": repr(mail.reply_local),
                },
            )
        )
    for key, value in (
        ("smtp.listen", settings.smtp.listen),
        ("lmtp.listen", settings.lmtp.listen),
        ("web.listen", settings.web.listen),
        ("outbound.smarthost", settings.outbound.smarthost),
    ):
        problems += _listen_problems(key, value)
    url = settings.database.url
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme.partition("+")[0] not in ("sqlite", "postgresql"):
        sqlite, postgresql = SUPPORTED_DATABASES
        problems.append(
            Problem(
                "config.database_url",
                {
                    "key": "database.url",
                    "value": repr(shown_url(url)),
                    "sqlite": sqlite,
                    "postgresql": postgresql,
                },
            )
        )
    public = settings.web.public_url
    if public and not re.match(r"^https?://[^\s/]+", public):
        problems.append(
            Problem("config.public_url", {"key": "web.public_url", "value": repr(public)})
        )
    directory = settings.templates.directory
    if directory and not Path(directory).is_dir():
        problems.append(
            Problem("config.directory", {"key": "templates.directory", "value": repr(directory)})
        )
    if not 0 <= settings.workflow.digest_hour <= 23:
        problems.append(
            Problem(
                "config.digest_hour",
                {"key": "workflow.digest_hour", "value": settings.workflow.digest_hour},
            )
        )
    for item in settings.workflow.local_holidays:
        try:
            dt.date.fromisoformat(item.split()[0])
        except (ValueError, IndexError):
            problems.append(
                Problem(
                    "config.local_holiday", {"key": "workflow.local_holidays", "value": repr(item)}
                )
            )
    for key, number in (
        ("mail.max_message_size", mail.max_message_size),
        ("mail.reply_token_days", mail.reply_token_days),
        ("worker.lease_seconds", settings.worker.lease_seconds),
        ("worker.concurrency", settings.worker.concurrency),
        ("worker.claim_batch", settings.worker.claim_batch),
        ("smtp.timeout", settings.smtp.timeout),
        ("smtp.max_sessions", settings.smtp.max_sessions),
        ("tte.bsre_timeout", settings.tte.bsre_timeout),
        ("worker.extraction_timeout", settings.worker.extraction_timeout),
        ("outbound.timeout", settings.outbound.timeout),
        ("auth.dns_timeout", settings.auth.dns_timeout),
        ("auth.dns_budget", settings.auth.dns_budget),
    ):
        if number <= 0:
            problems.append(Problem("config.positive", {"key": key, "value": number}))
    return (
        problems + _auth_problems(settings) + _work_problems(settings) + _metrics_problems(settings)
    )


def _metrics_problems(settings: Settings) -> list[Problem]:
    """[metrics]: who may scrape is a list of addresses or networks; a positive grace."""
    metrics = settings.metrics
    problems = []
    for item in metrics.allow_from:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            problems.append(
                Problem("config.ip_address", {"key": "metrics.allow_from", "value": repr(item)})
            )
    if metrics.imap_down_after <= 0:
        value = metrics.imap_down_after
        problems.append(
            Problem("config.positive", {"key": "metrics.imap_down_after", "value": value})
        )
    return problems


MIN_EXTRACTION_MB = 128


def unreadable(key: str, error: str) -> ConfigError:
    """A file a setting names exists but cannot be used (a key, a certificate)."""
    return ConfigError(Problem("config.unreadable", {"key": key, "value": error}))


def _auth_problems(settings: Settings) -> list[Problem]:
    """The sender-check settings: resolvers are IP addresses, our id is nobody else's."""
    auth = settings.auth
    problems: list[Problem] = []
    for key, servers in (
        ("auth.nameservers", auth.nameservers),
        ("auth.relay_peers", auth.relay_peers),
    ):
        for server in servers:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                problems.append(Problem("config.ip_address", {"key": key, "value": repr(server)}))
    if not 0 < auth.dns_port <= 65535:
        problems.append(
            Problem("config.positive", {"key": "auth.dns_port", "value": auth.dns_port})
        )
    own = auth.own_id(settings)
    if not _HOSTNAME.match(own):
        problems.append(Problem("config.domain", {"key": "auth.authserv_id", "value": repr(own)}))
    if auth.verify_smtp and own in {t.lower() for t in settings.mail.trusted_authserv_ids}:
        problems.append(
            Problem(
                "config.own_authserv_id",
                {
                    "key": "auth.authserv_id",
                    "other": "mail.trusted_authserv_ids",
                    "value": repr(own),
                },
            )
        )
    tte = settings.tte
    if tte.provider not in ("none", "bsre"):
        problems.append(
            Problem(
                "config.choice",
                {"key": "tte.provider", "value": repr(tte.provider), "choices": "none, bsre"},
            )
        )
    if tte.provider == "bsre" and not settings.web.public_url:
        # The signer's one-time link to the signing page needs the panel's public address.
        problems.append(
            Problem("config.requires", {"key": "tte.provider", "other": "web.public_url"})
        )
    if tte.provider == "bsre" and not re.match(r"^https?://[^\s/]+", tte.bsre_url):
        problems.append(
            Problem("config.public_url", {"key": "tte.bsre_url", "value": repr(tte.bsre_url)})
        )
    for root in settings.tte.trust_roots:
        if not Path(root).exists():
            problems.append(
                Problem("config.path_missing", {"key": "tte.trust_roots", "value": repr(root)})
            )
    memory_mb = settings.worker.extraction_memory_mb
    if memory_mb < MIN_EXTRACTION_MB:
        # Below this the child cannot even import pypdf: every PDF would be flagged.
        key = "worker.extraction_memory_mb"
        problems.append(
            Problem("config.at_least", {"key": key, "value": memory_mb, "other": MIN_EXTRACTION_MB})
        )
    smtp = settings.smtp
    if smtp.max_data_in_memory < 0 or 0 < smtp.max_data_in_memory < settings.mail.max_message_size:
        problems.append(
            Problem(
                "config.at_least",
                {
                    "key": "smtp.max_data_in_memory",
                    "value": smtp.max_data_in_memory,
                    "other": "mail.max_message_size",
                },
            )
        )
    if bool(smtp.tls_cert) != bool(smtp.tls_key):
        problems.append(Problem("config.pair", {"key": "smtp.tls_cert", "other": "smtp.tls_key"}))
    for key, path in (("smtp.tls_cert", smtp.tls_cert), ("smtp.tls_key", smtp.tls_key)):
        if path and not Path(path).is_file():
            problems.append(Problem("config.path_missing", {"key": key, "value": repr(path)}))
    if smtp.require_starttls and not smtp.tls_cert:
        problems.append(
            Problem("config.requires", {"key": "smtp.require_starttls", "other": "smtp.tls_cert"})
        )
    dkim = settings.dkim
    if bool(dkim.selector) != bool(dkim.private_key):
        problems.append(
            Problem("config.pair", {"key": "dkim.selector", "other": "dkim.private_key"})
        )
    if dkim.private_key and not Path(dkim.private_key).is_file():
        problems.append(
            Problem(
                "config.path_missing", {"key": "dkim.private_key", "value": repr(dkim.private_key)}
            )
        )
    if dkim.selector and not _HOSTNAME.match(dkim.selector):
        problems.append(
            Problem("config.domain", {"key": "dkim.selector", "value": repr(dkim.selector)})
        )
    if dkim.domain and not _HOSTNAME.match(dkim.domain):
        problems.append(
            Problem("config.domain", {"key": "dkim.domain", "value": repr(dkim.domain)})
        )
    for domain in auth.correspondent_domains:
        if not _HOSTNAME.match(domain):
            problems.append(
                Problem(
                    "config.domain", {"key": "auth.correspondent_domains", "value": repr(domain)}
                )
            )
    return problems


def _listen_problems(key: str, value: str) -> list[Problem]:
    """What is wrong with a host:port setting: its form, or a port out of range."""
    try:
        target = parse_listen(value, key)
    except ConfigError as err:
        return list(err.problems)
    if target is not None and not 0 <= target[1] <= 65535:
        return [Problem("config.port_range", {"key": key, "port": target[1]})]
    return []


def validate_imap(account: ImapAccount, where: str) -> None:
    """Refuse IMAP settings that would fail later or weaken security silently."""
    fields = {"where": where}
    if not account.name or not account.host or not account.username:
        raise ConfigError(Problem("config.imap.required", fields))
    if "@" not in account.deliver_to:
        raise ConfigError(Problem("config.imap.deliver_to", fields))
    if account.tls not in ("implicit", "starttls", "none"):
        raise ConfigError(Problem("config.imap.tls", fields))
    if account.tls == "none" and not (
        account.allow_plaintext and account.host in ("localhost", "127.0.0.1", "::1")
    ):
        raise ConfigError(Problem("config.imap.plaintext", fields))
    if account.auth not in ("login", "xoauth2"):
        raise ConfigError(Problem("config.imap.auth", fields))
    if account.auth == "xoauth2" and not account.token_command:
        raise ConfigError(Problem("config.imap.token_command", fields))
    if account.after not in ("move", "flag"):
        raise ConfigError(Problem("config.imap.after", fields))
    if not 30 <= account.idle_restart <= 29 * 60:
        raise ConfigError(Problem("config.imap.idle_restart", fields))
    for folder in (*account.folders, account.move_to, account.too_big_folder):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in folder):
            raise ConfigError(Problem("config.imap.folder", {**fields, "value": repr(folder)}))


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Merge TNDE_SECTION__KEY[__SUBKEY] variables into the raw dictionary."""
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV or "__" not in name:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        target: Any = raw
        for index, part in enumerate(path[:-1]):
            target = _step(target, part, path[index + 1], name)
        if isinstance(target, list):
            target[int(path[-1])] = _parse_env_value(value)
        else:
            target[path[-1]] = _parse_env_value(value)


def _step(target: Any, part: str, following: str, name: str) -> Any:
    """One level down a TNDE_A__B__C path; digits index [[arrays]] (TNDE_IMAP__0__HOST)."""
    if isinstance(target, list):
        if not part.isdigit():
            raise ConfigError(Problem("config.env_index", {"name": name, "part": part}))
        while len(target) <= int(part):
            target.append({})
        return target[int(part)]
    if not isinstance(target, dict):
        raise ConfigError(Problem("config.env_table", {"name": name, "part": part}))
    default: Any = [] if following.isdigit() else {}
    return target.setdefault(part, default)


def _parse_env_value(value: str) -> Any:
    """Read an environment value as a TOML literal when it is one, else as a string."""
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _work_problems(settings: Settings) -> list[Problem]:
    """[drafting], the outbox sender's lease, worker processes and [log]."""
    problems = _drafting_problems(settings.drafting)
    out = settings.outbound
    if out.lease_seconds < out.timeout:
        # A lease shorter than one attempt: a live sender's mail would be sent twice.
        value, key = out.lease_seconds, "outbound.lease_seconds"
        problems.append(
            Problem("config.at_least", {"key": key, "value": value, "other": out.timeout})
        )
    for key, chosen, choices in (
        ("log.format", settings.log.format, LOG_FORMATS),
        ("log.level", settings.log.level, LOG_LEVELS),
    ):
        if chosen not in choices:
            fields = {"key": key, "value": repr(chosen), "choices": ", ".join(choices)}
            problems.append(Problem("config.choice", fields))
    if settings.worker.processes < 0:
        value = settings.worker.processes
        problems.append(Problem("config.not_negative", {"key": "worker.processes", "value": value}))
    return problems


def _drafting_problems(drafting: DraftingSettings) -> list[Problem]:
    """[drafting]: its address is a plain local part, its choices are known ones."""
    problems = []
    if not _LOCAL_PART.match(drafting.draft_local):
        value = repr(drafting.draft_local)
        problems.append(
            Problem("config.local_part", {"key": "drafting.draft_local", "value": value})
        )
    if drafting.revision_restarts not in ("first", "same"):
        value, choices = repr(drafting.revision_restarts), "first, same"
        problems.append(
            Problem(
                "config.choice",
                {"key": "drafting.revision_restarts", "value": value, "choices": choices},
            )
        )
    if drafting.confirm_days <= 0:
        days = drafting.confirm_days
        problems.append(Problem("config.positive", {"key": "drafting.confirm_days", "value": days}))
    for unit, handles in drafting.verifiers.items():
        if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
            problems.append(Problem("config.string_list", {"key": f"drafting.verifiers.{unit}"}))
    return problems


def _build(cls: type[Any], raw: Any, where: str) -> Any:
    """Build a settings dataclass from a table, refusing unknown keys and wrong types."""
    if not isinstance(raw, dict):
        raise ConfigError(Problem("config.section_table", {"section": where}))
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = sorted(set(raw) - known)
    if unknown:
        names = ", ".join(unknown)
        if where:
            raise ConfigError(Problem("config.unknown_keys", {"section": where, "keys": names}))
        raise ConfigError(Problem("config.unknown_keys_top", {"keys": names}))
    values = {}
    for name, value in raw.items():
        key = f"{where}.{name}" if where else name
        values[name] = _coerce(hints[name], value, key)
    return cls(**values)


def _coerce(hint: Any, value: Any, key: str) -> Any:
    """Check one value against its type hint, converting lists to tuples."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, key)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple and args and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
        if not isinstance(value, list):
            raise ConfigError(Problem("config.table_list", {"key": key}))
        return tuple(_build(args[0], item, f"{key}[{i}]") for i, item in enumerate(value))
    if origin is tuple:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(Problem("config.string_list", {"key": key}))
        return tuple(value)
    if origin in (Mapping, dict) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        if not isinstance(value, dict):
            raise ConfigError(Problem("config.table", {"key": key}))
        return value
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (int, bool, str) and type(value) is hint:
        return value
    if isinstance(hint, types.UnionType):
        return value
    kind = getattr(hint, "__name__", hint)
    raise ConfigError(Problem("config.type", {"key": key, "type": kind, "value": repr(value)}))


def parse_listen(value: str, key: str) -> tuple[str, int] | None:
    """Split "host:port" (IPv6 in brackets allowed); empty disables the listener."""
    value = value.strip()
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(Problem("config.listen", {"key": key, "value": repr(value)}))
    return host.strip("[]") or "0.0.0.0", int(port)
