"""Soak: letters at a steady rate for a long time; does anything grow, does anything lag?

    python bench/soak.py DURATION RATE [--workers 1] [--backend sqlite] [--plot soak.png]

DURATION is seconds (or 30m, 2h), RATE letters per second. A fresh database and
`tnde serve --workers N` with a smarthost (an aiosmtpd sink, so receipts and notices
drain) receive the `ingest.py` letter (20 KiB with a PDF, each with its own Message-ID)
from SESSIONS connections at evenly spaced moments. Every SAMPLE seconds it records the
server's RSS and open file descriptors (with its worker and PDF-reader children), the
inbound queue (received or being processed), the outbox backlog (queued or sending),
letters accepted and registered. Each letter's registration lag runs from its 250 to the
moment a poller (every 50 ms) first sees its naskah row committed: routing and notices are
committed in the same transaction, so this is "registered, routed, notices queued".

The report gives lag and 250 percentiles overall and per window, and compares RSS, file
descriptors and queue depths in the first and last fifth (after a warm-up fifth): "no
growth" means the last fifth's median RSS within 10% of the second fifth's, the same file
descriptors, and queues that end empty. Exit status 1 when a letter was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import (
    RESULTS_DIR,
    SINK_CODE,
    BenchError,
    SmtpClient,
    build_letter,
    free_port,
    gateway_env,
    message_payload,
    postgres_database,
    run_tnde,
    server_process,
    sqlite_database,
    tnde_executable,
    wire_payload,
)

POLL_SECONDS = 0.05


def duration(text: str) -> float:
    """'1800', '30m', '2h' -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1:] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


# --------------------------------------------------------------------------- load


async def _session(
    port: int,
    payload: bytes,
    tag: str,
    schedule: asyncio.Queue[tuple[int, float]],
    records: list[tuple[int, float, float, int]],
) -> None:
    client = await SmtpClient.connect("127.0.0.1", port)
    try:
        while True:
            index, due = await schedule.get()
            if index < 0:
                return
            await asyncio.sleep(max(0.0, due - time.time()))
            sent, replied, code = await client.send(message_payload(payload, tag, index))
            # Wall clock (time.time) so it compares with the poller's in another process.
            wall = time.time() - time.monotonic()
            records.append((index, sent + wall, replied + wall, code))
    finally:
        await client.close()


async def _load(port: int, rate: float, seconds: float, sessions: int, tag: str) -> list[Any]:
    payload = wire_payload(build_letter(20480))
    schedule: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    start = time.time() + 1.0
    total = int(rate * seconds)
    for index in range(total):
        schedule.put_nowait((index, start + index / rate))
    for _ in range(sessions):
        schedule.put_nowait((-1, 0.0))
    records: list[tuple[int, float, float, int]] = []
    await asyncio.gather(
        *(_session(port, payload, tag, schedule, records) for _ in range(sessions))
    )
    return records


def load_process(
    port: int, rate: float, seconds: float, sessions: int, tag: str, out: Connection
) -> None:
    """In its own process (no GIL shared with the monitor): send, then report records."""
    out.send(asyncio.run(_load(port, rate, seconds, sessions, tag)))
    out.close()


# --------------------------------------------------------------------------- watching


@dataclass
class Sample:
    t: float
    rss_mib: float
    fds: int
    inbound_waiting: int
    outbox_backlog: int
    accepted: int
    registered: int
    database_mib: float = 0.0


@dataclass
class Watcher:
    """Samples the server and first-seen times of registrations."""

    pid: int
    open_probe: Any
    every: float
    database_bytes: Any  # () -> int: the database's size on disk
    samples: list[Sample] = field(default_factory=list)
    seen: dict[str, float] = field(default_factory=dict)  # message id -> first seen
    stop: threading.Event = field(default_factory=threading.Event)

    def _family(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        return []

    def _resources(self) -> tuple[float, int]:
        rss, fds = 0, 0
        for proc in self._family():
            with contextlib.suppress(psutil.Error):
                rss += proc.memory_info().rss
                fds += proc.num_fds()
        return rss / 1024 / 1024, fds

    def run_registrations(self) -> None:
        probe = self.open_probe()
        last = 0
        try:
            while not self.stop.wait(POLL_SECONDS):
                rows = probe.rows(
                    f"SELECT id, message_id FROM naskah WHERE id > {last} ORDER BY id"
                )
                now = time.time()
                for naskah_id, message_id in rows:
                    self.seen.setdefault(message_id, now)
                    last = max(last, naskah_id)
        finally:
            probe.close()

    def run_samples(self) -> None:
        probe = self.open_probe()
        try:
            while not self.stop.wait(self.every):
                rss, fds = self._resources()
                (waiting,) = probe.rows(
                    "SELECT count(*) FROM inbound WHERE state IN ('received', 'processing')"
                )[0]
                (backlog,) = probe.rows(
                    "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')"
                )[0]
                (accepted,) = probe.rows("SELECT count(*) FROM inbound")[0]
                (registered,) = probe.rows("SELECT count(*) FROM naskah")[0]
                size = self.database_bytes() / 1024 / 1024
                self.samples.append(
                    Sample(time.time(), rss, fds, waiting, backlog, accepted, registered, size)
                )
                print(
                    f"\r{time.strftime('%H:%M:%S')} accepted {accepted} registered {registered}"
                    f" waiting {waiting} outbox {backlog} RSS {rss:.0f} MiB fds {fds}   ",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            probe.close()


# --------------------------------------------------------------------------- report


def percentiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.5), "p99": at(0.99), "max": ordered[-1], "n": len(ordered)}


def fifth_medians(samples: list[Sample], name: str) -> tuple[float, float]:
    """Median of `name` in the second fifth (after warm-up) and in the last fifth."""
    n = len(samples)
    second = [getattr(s, name) for s in samples[n // 5 : 2 * n // 5]] or [0]
    last = [getattr(s, name) for s in samples[4 * n // 5 :]] or [0]
    return statistics.median(second), statistics.median(last)


def build_report(
    args: argparse.Namespace, records: list[Any], watcher: Watcher, tag: str, t0: float
) -> dict[str, Any]:
    accepted = [(i, sent, replied) for i, sent, replied, code in records if code == 250]
    refused: dict[str, int] = {}
    for *_, code in records:
        if code != 250:
            refused[str(code)] = refused.get(str(code), 0) + 1
    lags: list[float] = []
    replies: list[float] = []
    windows: dict[int, list[float]] = {}
    missing = 0
    for index, sent, replied in accepted:
        message_id = f"<bench.{tag}{index:08d}@dinkes.jatengprov.go.id>"
        seen = watcher.seen.get(message_id)
        replies.append((replied - sent) * 1000)
        if seen is None:
            missing += 1
            continue
        lag = max(0.0, seen - replied) * 1000
        lags.append(lag)
        windows.setdefault(int((replied - t0) // args.window), []).append(lag)
    samples = watcher.samples
    rss = fifth_medians(samples, "rss_mib")
    fds = fifth_medians(samples, "fds")
    last = samples[-1] if samples else None
    growth = (rss[1] - rss[0]) / rss[0] * 100 if rss[0] else 0.0
    return {
        "config": {
            "duration_s": args.duration,
            "rate": args.rate,
            "sessions": args.sessions,
            "workers": args.workers,
            "backend": args.backend,
        },
        "sent": len(records),
        "accepted": len(accepted),
        "refused": refused,
        "not_registered": missing,
        "reply_ms": percentiles(replies),
        "registration_lag_ms": percentiles(lags),
        "lag_p99_per_window_ms": {
            str(w * args.window): percentiles(v)["p99"]  # type: ignore[index]
            for w, v in sorted(windows.items())
        },
        "rss_mib_second_fifth_vs_last_fifth": rss,
        "rss_growth_pct": growth,
        "fds_second_fifth_vs_last_fifth": fds,
        # What the database holds per letter (blobs, rows, outbox, events, indexes).
        "database_kib_per_letter": (
            last.database_mib * 1024 / last.registered if last and last.registered else None
        ),
        "queues_at_end": {
            "inbound_waiting": last.inbound_waiting if last else None,
            "outbox_backlog": last.outbox_backlog if last else None,
        },
        "no_growth": (
            abs(growth) <= 10
            and fds[1] <= fds[0] + 2
            and last is not None
            and last.inbound_waiting == 0
            and last.outbox_backlog == 0
        ),
        "samples": [s.__dict__ | {"t": s.t - t0} for s in samples],
    }


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = report["samples"]
    minutes = [s["t"] / 60 for s in samples]
    fig, axes = plt.subplots(4, 1, figsize=(9, 11), sharex=True)
    config = report["config"]
    fig.suptitle(
        f"soak: {config['rate']} surat/s selama {config['duration_s'] / 60:.0f} menit,"
        f" {config['backend']}, --workers {config['workers']}"
    )
    axes[0].plot(minutes, [s["rss_mib"] for s in samples], label="RSS (MiB, dengan anak proses)")
    twin = axes[0].twinx()
    twin.plot(minutes, [s["fds"] for s in samples], color="tab:orange", label="berkas terbuka")
    axes[0].set_ylabel("RSS MiB")
    twin.set_ylabel("fd")
    axes[0].legend(loc="upper left")
    twin.legend(loc="lower right")
    axes[1].plot(minutes, [s["inbound_waiting"] for s in samples], label="inbound menunggu")
    axes[1].plot(minutes, [s["outbox_backlog"] for s in samples], label="outbox antre")
    axes[1].set_ylabel("antrean")
    axes[1].legend()
    axes[2].plot(minutes, [s["accepted"] for s in samples], label="diterima (250)")
    axes[2].plot(minutes, [s["registered"] for s in samples], label="teregistrasi")
    axes[2].set_ylabel("surat")
    axes[2].legend()
    windows = report["lag_p99_per_window_ms"]
    axes[3].plot([float(k) / 60 for k in windows], list(windows.values()), marker=".")
    axes[3].set_ylabel("p99 jeda registrasi ms")
    axes[3].set_xlabel("menit")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def _per_letter(open_probe: Any) -> dict[str, float]:
    """What each registered letter left in the database: rows and stored bytes."""
    probe = open_probe()
    try:
        (letters,) = probe.rows("SELECT count(*) FROM naskah")[0]
        counts = {
            table: probe.rows(f"SELECT count(*) FROM {table}")[0][0]
            for table in ("event", "outbox", "attachment", "disposition", "blob")
        }
        (blob_bytes,) = probe.rows("SELECT coalesce(sum(size), 0) FROM blob")[0]
        (outbox_bytes,) = probe.rows("SELECT coalesce(sum(length(message)), 0) FROM outbox")[0]
    finally:
        probe.close()
    if not letters:
        return {}
    result = {f"{table}_rows": round(n / letters, 2) for table, n in counts.items()}
    result["blob_kib"] = round(blob_bytes / letters / 1024, 1)
    result["outbox_kib"] = round(outbox_bytes / letters / 1024, 1)
    return result


def _size_of(url: str, open_probe: Any) -> Any:
    """A function giving the database's bytes on disk (SQLite file and WAL, or PostgreSQL)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))

        def sqlite_size() -> int:
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))

        return sqlite_size
    probe = open_probe()

    def pg_size() -> int:
        return int(probe.rows("SELECT pg_database_size(current_database())")[0][0])

    return pg_size


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="tnde-soak-"))
    database = sqlite_database(workdir) if args.backend == "sqlite" else postgres_database()
    tag = os.urandom(4).hex()
    sink_port = free_port()
    sink_argv = [sys.executable, "-c", SINK_CODE, str(sink_port)]
    with (
        server_process("smarthost", sink_argv, dict(os.environ), workdir, "sink ready"),
        database as (url, open_probe),
    ):
        port = free_port()
        env = gateway_env(url, port, args.sessions)
        env["TNDE_OUTBOUND__SMARTHOST"] = f"127.0.0.1:{sink_port}"
        env["TNDE_OUTBOUND__POLL_INTERVAL"] = "0.2"
        run_tnde("init", env, workdir)
        run_tnde("demo", env, workdir)
        argv = [tnde_executable(), "serve", "--workers", str(args.workers)]
        with server_process("gateway", argv, env, workdir, "tnde melayani") as proc:
            watcher = Watcher(proc.pid, open_probe, args.sample, _size_of(url, open_probe))
            threads = [
                threading.Thread(target=watcher.run_samples, daemon=True),
                threading.Thread(target=watcher.run_registrations, daemon=True),
            ]
            for thread in threads:
                thread.start()
            receive, send = mp.get_context("spawn").Pipe(duplex=False)
            loader = mp.get_context("spawn").Process(
                target=load_process,
                args=(port, args.rate, args.duration, args.sessions, tag, send),
            )
            t0 = time.time()
            loader.start()
            records = receive.recv()
            loader.join()
            # Drain: until every accepted letter is seen, or the drain timeout...
            deadline = time.time() + args.drain_timeout
            wanted = sum(1 for r in records if r[3] == 250)
            while len(watcher.seen) < wanted and time.time() < deadline:
                time.sleep(0.2)
            # ...and until the outbox sent what the letters queued (receipts, notices).
            while time.time() < deadline and (
                not watcher.samples or watcher.samples[-1].outbox_backlog > 0
            ):
                time.sleep(args.sample)
            time.sleep(args.sample * 2)  # a last samples with the queues drained
            watcher.stop.set()
            for thread in threads:
                thread.join(10)
            growth = _per_letter(open_probe)
    print(file=sys.stderr)
    # The SQLite file is gigabytes after half an hour (63 KiB a letter); the logs are
    # small and are what explains a stall afterwards.
    for database_dir in workdir.glob("sqlite-*"):
        shutil.rmtree(database_dir, ignore_errors=True)
    print(f"logs kept in {workdir}", file=sys.stderr)
    report = build_report(args, records, watcher, tag, t0)
    report["per_letter"] = growth
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("duration", type=duration, help="seconds, or 30m / 2h")
    parser.add_argument("rate", type=float, help="letters per second")
    parser.add_argument("--sessions", type=int, default=4, help="SMTP connections [%(default)s]")
    parser.add_argument("--workers", type=int, default=1, help="tnde serve --workers [%(default)s]")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--window", type=float, default=60.0, help="seconds per lag window")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--output", type=Path, help="JSON [bench/results/soak-<time>.json]")
    parser.add_argument("--plot", type=Path, metavar="PNG")
    args = parser.parse_args()
    try:
        report = run(args)
    except BenchError as err:
        print(f"soak: {err}", file=sys.stderr)
        return 1
    output = args.output or RESULTS_DIR / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    summary = {k: v for k, v in report.items() if k not in ("samples", "lag_p99_per_window_ms")}
    print(json.dumps(summary, indent=2))
    if args.plot:
        plot(report, args.plot)
        print(f"plot: {args.plot}")
    print(f"JSON: {output}")
    return 1 if report["not_registered"] else 0


if __name__ == "__main__":
    sys.exit(main())
