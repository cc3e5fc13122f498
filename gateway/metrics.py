"""Prometheus metrics the gateway's processes update; served at /metrics.

Two kinds. Events are counted where they happen, in whichever process they happen in
(the SMTP replies in `tnde serve`, registrations and rule timings in the `tnde worker`
processes): the objects below, module globals because prometheus_client keeps its
metrics per process. `tnde serve` sets PROMETHEUS_MULTIPROC_DIR to a fresh directory
before this module is first imported (gateway/workerprocs.py `metrics_directory`), so
every process writes its values to files there and /metrics adds them up. The state of
the database (queues, quarantine, dispositions, IMAP accounts) is read when /metrics is
scraped, by `StateCollector` with a few aggregate queries (gateway/db/health.py), never
kept as a process's gauge, so any process of any node reports the same truth.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge, Histogram, multiprocess
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

log = logging.getLogger("tnde.metrics")

# --------------------------------------------------------------------------- events

SMTP_REPLIES = Counter(
    "tnde_smtp_replies",
    "Replies of the SMTP and LMTP listeners that accept or refuse mail, by listener, "
    "stage (connect, rcpt, data) and reply code; stage=data code=250 is a message accepted.",
    ["listener", "stage", "code"],
)
REGISTRATIONS = Counter(
    "tnde_registrations",
    "Naskah registered (committed), by unit code and kind (surat_masuk, nota_dinas, konsep, "
    "surat_keluar).",
    ["unit", "kind"],
)
RULE_SECONDS = Histogram(
    "tnde_rule_evaluation_seconds",
    "Time the rule engine took to decide one unit's copy of a letter.",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
# livesum: a process that exits takes its 1 with it (serve calls mark_process_dead for a
# worker process that died).
PROCESSES = Gauge(
    "tnde_processes",
    "Live gateway processes by role (serve, worker).",
    ["role"],
    multiprocess_mode="livesum",
)
EVENT_METRICS = (SMTP_REPLIES, REGISTRATIONS, RULE_SECONDS, PROCESSES)


def multiprocess_directory() -> str | None:
    """Where the processes write their values (None: this process keeps its own)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_exited(pid: int) -> None:
    """Drop the live gauges of a process that exited (multiprocess mode only)."""
    path = multiprocess_directory()
    if path is not None:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def reply_code(status: str) -> str:
    """The three-digit code of an SMTP reply ("550 5.1.1 ..." -> "550")."""
    code = status[:3]
    return code if code.isdigit() else "000"


def count_reply(listener: str, stage: str, status: str) -> str:
    """Count one accepting or refusing reply; returns `status` unchanged."""
    SMTP_REPLIES.labels(listener, stage, reply_code(status)).inc()
    return status


# The replies a listener gives (gateway/intake/smtp.py), by stage: shown at 0 from the
# start, so the first 451 after a restart is an increase Prometheus can see (increase()
# needs a sample before it).
REPLY_CODES = {
    "connect": ("421",),
    "rcpt": ("250", "450", "451", "550"),
    "data": ("250", "451", "452"),
}


def start_listener_counts(listener: str) -> None:
    """Every reply code of a listener's stages at 0 (its values until counted)."""
    for stage, codes in REPLY_CODES.items():
        for code in codes:
            SMTP_REPLIES.labels(listener, stage, code)


STALE_AFTER = 3600.0  # an empty directory this old belongs to no starting process
_PID_FILE = re.compile(r"_(\d+)\.db$")


def _alive(pid: int) -> bool:
    """Whether a process of that id runs (this one does not count: a directory that holds
    its id is an earlier life's, as when a container restarts with the same ids)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_stale_directories(current: str, now: float | None = None) -> list[str]:
    """Remove the tnde-metrics-* directories beside `current` that a `tnde serve` killed
    with SIGKILL left behind in a persistent [metrics] directory: those whose metric
    files (prometheus_client names each by its process id) all belong to processes that
    are gone, or, empty, older than STALE_AFTER. Returns the ones removed."""
    here = os.path.realpath(current)
    parent = os.path.dirname(here)
    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return removed
    for name in names:
        path = os.path.join(parent, name)
        if not name.startswith("tnde-metrics-") or path == here or not os.path.isdir(path):
            continue
        try:
            files = os.listdir(path)
            age = now - os.stat(path).st_mtime
        except OSError:
            continue
        pids = {int(m.group(1)) for f in files if (m := _PID_FILE.search(f))}
        stale = not any(_alive(pid) for pid in pids) if pids else not files and age > STALE_AFTER
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            log.info("removed the metrics directory %s of a process that is gone", path)
            removed.append(path)
    return removed


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class StateSnapshot:
    """What the database says at scrape time (gateway/db/health.py reads it)."""

    inbound_waiting: int = 0
    worker_lag_seconds: float = 0.0
    quarantined: int = 0
    outbox_backlog: int = 0
    outbox_retrying: int = 0
    outbox_failed: int = 0
    outbox_oldest_seconds: float = 0.0
    dispositions_open: int = 0
    dispositions_overdue: int = 0
    approvals_waiting: int = 0
    # account -> Unix time of its last successful sync (0: never), failures since then
    imap_last_success: Mapping[str, float] = field(default_factory=dict)
    imap_failures: Mapping[str, int] = field(default_factory=dict)


# name -> (help, the snapshot's attribute); one unlabelled gauge each.
STATE_GAUGES: dict[str, tuple[str, str]] = {
    "tnde_inbound_waiting": (
        "Received messages not yet processed by a worker (received or claimed).",
        "inbound_waiting",
    ),
    "tnde_worker_lag_seconds": (
        "Age of the oldest received message not yet processed (0 when none waits).",
        "worker_lag_seconds",
    ),
    "tnde_quarantine_messages": ("Messages held in quarantine.", "quarantined"),
    "tnde_outbox_backlog": ("Outgoing mails not yet sent (queued or sending).", "outbox_backlog"),
    "tnde_outbox_retrying": (
        "Outgoing mails waiting for another attempt after a failed one.",
        "outbox_retrying",
    ),
    "tnde_outbox_failed": (
        "Outgoing mails that failed for good (5xx, or retried too long).",
        "outbox_failed",
    ),
    "tnde_outbox_oldest_seconds": (
        "Age of the oldest outgoing mail not yet sent (0 when none).",
        "outbox_oldest_seconds",
    ),
    "tnde_dispositions_open": (
        "Dispositions not yet closed (kind disposisi or revisi).",
        "dispositions_open",
    ),
    "tnde_dispositions_overdue": (
        "Open dispositions past their due time (BATAS).",
        "dispositions_overdue",
    ),
    "tnde_approvals_waiting": (
        "Konsep steps (paraf, ttd) waiting for the approver.",
        "approvals_waiting",
    ),
}


class DatabaseUnreachable(Exception):
    """The database did not answer at all (gateway/db/health.py `snapshot` raises it)."""


IMAP_LAST_SUCCESS = "tnde_imap_last_success_timestamp_seconds"
IMAP_FAILURES = "tnde_imap_consecutive_failures"
DATABASE_UP = "tnde_database_up"
STATE_QUERIES_UP = "tnde_state_queries_up"
DISK_FREE = "tnde_disk_free_bytes"
DISK_SIZE = "tnde_disk_size_bytes"


class StateCollector:
    """A collector that reads the database state (and free disk space) at scrape time."""

    def __init__(
        self,
        read: Callable[[], StateSnapshot],
        disk: Callable[[], Mapping[str, tuple[int, int]]] = dict,
    ) -> None:
        # raises DatabaseUnreachable when the database does not answer, anything else
        # when it answered but a state query failed
        self.read = read
        self.disk = disk  # path -> (free bytes, size bytes)
        self.failing = ""  # the error last logged: each distinct one is logged once

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not query the database

    def collect(self) -> Iterable[Metric]:
        reachable = True
        snapshot: StateSnapshot | None = None
        try:
            snapshot = self.read()
        except DatabaseUnreachable as err:  # the scrape still answers: the gauges say why
            reachable = False
            self._failed("the database does not answer the metrics scrape", err)
        except Exception as err:
            self._failed("a state query of the metrics scrape failed", err)
        else:
            if self.failing:
                log.info("the metrics scrape reads the database state again")
                self.failing = ""
        yield GaugeMetricFamily(
            DATABASE_UP, "1 when the database answered this scrape.", value=int(reachable)
        )
        yield GaugeMetricFamily(
            STATE_QUERIES_UP,
            "1 when the state queries of this scrape succeeded (0 with tnde_database_up 1: "
            "the database answers but a query failed; see the gateway's log).",
            value=int(snapshot is not None),
        )
        if snapshot is not None:
            yield from _state(snapshot)
        free = GaugeMetricFamily(DISK_FREE, "Free bytes on the disk of a path.", labels=["path"])
        size = GaugeMetricFamily(DISK_SIZE, "Size of the disk of a path.", labels=["path"])
        for path, (free_bytes, size_bytes) in sorted(self.disk().items()):
            free.add_metric([path], free_bytes)
            size.add_metric([path], size_bytes)
        yield free
        yield size

    def _failed(self, what: str, err: Exception) -> None:
        """A warning with the traceback, once per distinct error (not every scrape)."""
        cause = err.__cause__ if isinstance(err, DatabaseUnreachable) and err.__cause__ else err
        text = f"{what}: {type(cause).__name__}: {cause}"
        if text != self.failing:
            self.failing = text
            log.warning("%s", text, exc_info=err)


def _state(snapshot: StateSnapshot) -> Iterable[Metric]:
    for name, (text, attribute) in STATE_GAUGES.items():
        yield GaugeMetricFamily(name, text, value=getattr(snapshot, attribute))
    last = GaugeMetricFamily(
        IMAP_LAST_SUCCESS,
        "Unix time of an IMAP account's last successful sync (0: never).",
        labels=["account"],
    )
    failures = GaugeMetricFamily(
        IMAP_FAILURES,
        "Failed connections of an IMAP account since it last worked.",
        labels=["account"],
    )
    for account in sorted(snapshot.imap_last_success):
        last.add_metric([account], snapshot.imap_last_success[account])
        failures.add_metric([account], snapshot.imap_failures.get(account, 0))
    yield last
    yield failures


# Every gauge read from the database or the disk at scrape time.
STATE_NAMES = (
    *STATE_GAUGES,
    IMAP_LAST_SUCCESS,
    IMAP_FAILURES,
    DATABASE_UP,
    STATE_QUERIES_UP,
    DISK_FREE,
    DISK_SIZE,
)


def exported_samples() -> set[str]:
    """Every sample name /metrics can show (alert rules and dashboards may use these)."""
    names = {*STATE_NAMES}
    for metric in EVENT_METRICS:
        base = metric._name
        if isinstance(metric, Counter):
            names.add(f"{base}_total")
        elif isinstance(metric, Histogram):
            names.update(f"{base}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(base)
    return names
