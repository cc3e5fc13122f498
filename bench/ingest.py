"""Ingest benchmark: N SMTP sessions send M letters to the gateway and to a bare aiosmtpd sink."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import json
import multiprocessing as mp
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
DOMAIN = "tnde.banyumaskab.go.id"
RECIPIENT = f"dinkes@{DOMAIN}"
UNIT_CODE = "DINKES"
SENDER = "tu@dinkes.jatengprov.go.id"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# Fixed-width placeholders, so every message of a run has exactly the same size.
MSGID_MARK = b"MSGIDMSGIDMSGID0"  # 8 hex characters of the target's tag + 8 digits
NOMOR_MARK = b"NOMOR000"  # 8 digits
RSS_INTERVAL = 0.05
DB_INTERVAL = 0.05
PROGRESS_INTERVAL = 0.5
REPLY_TIMEOUT = 120.0
START_TIMEOUT = 60.0
MIB = 1024 * 1024

# Record of one message: (end-of-data sent, reply received, reply code); monotonic seconds.
Record = tuple[float, float, int]

SINK_CODE = """
import signal, sys, threading
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]),
                        data_size_limit=25 * 1024 * 1024, enable_SMTPUTF8=True, decode_data=False)
controller.start()
print("sink ready", flush=True)
while not stop.wait(0.2):
    pass
controller.stop()
"""

BODY = """Yth. Kepala Dinas Kesehatan Kabupaten Banyumas
di Purwokerto

Nomor    : 400.7/{nomor}/Dinkes/2026
Sifat    : Biasa
Lampiran : 1 (satu) berkas
Perihal  : Undangan Rapat Koordinasi Penanganan Stunting

Dengan hormat,

Dalam rangka percepatan penurunan angka stunting di wilayah Provinsi
Jawa Tengah, bersama ini kami mengundang Saudara untuk hadir pada rapat
koordinasi yang akan dilaksanakan pada:

  hari, tanggal : Kamis, 10 Desember 2026
  pukul         : 09.00 WIB s.d. selesai
  tempat        : Ruang Rapat Lantai 2 Dinas Kesehatan Provinsi Jawa Tengah,
                  Jl. Piere Tendean No. 24, Semarang
  acara         : Evaluasi capaian intervensi spesifik dan sensitif
                  triwulan III

Mengingat pentingnya acara tersebut, kami mohon kehadiran Saudara
tepat waktu.
Bahan rapat terlampir dalam berkas PDF.

Atas perhatian dan kerja samanya kami ucapkan terima kasih.

a.n. Kepala Dinas Kesehatan Provinsi Jawa Tengah
Sekretaris,

dr. Budi Santoso, M.Kes.
Pembina Utama Muda
NIP. 197001011998031001
"""

PDF_LINES = (
    "PEMERINTAH PROVINSI JAWA TENGAH",
    "DINAS KESEHATAN",
    "Nomor: 400.7/1234/Dinkes/2026",
    "Perihal: Undangan Rapat Koordinasi Penanganan Stunting",
    "Semarang, 27 November 2026",
)


class BenchError(RuntimeError):
    """The benchmark could not run (a server did not start, a command failed)."""


# --------------------------------------------------------------------------- the letter


def _pdf_stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def make_pdf(padding: int, seed: int = 2026) -> bytes:
    """A valid one-page PDF with the letter's text plus `padding` bytes of scan-like data."""
    text = " ".join(f"({line}) Tj T*" for line in PDF_LINES)
    content = f"BT /F1 11 Tf 16 TL 72 770 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _pdf_stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _pdf_stream(random.Random(seed).randbytes(padding)),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def compose_letter(pdf: bytes) -> bytes:
    """The letter as raw CRLF bytes, with the Message-ID and Nomor placeholders."""
    msg = EmailMessage()
    msg["From"] = f"TU Dinkes Provinsi <{SENDER}>"
    msg["To"] = f"Dinas Kesehatan Kabupaten Banyumas <{RECIPIENT}>"
    msg["Subject"] = "Undangan Rapat Koordinasi Penanganan Stunting"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = f"<bench.{MSGID_MARK.decode()}@dinkes.jatengprov.go.id>"
    msg.set_content(BODY.format(nomor=NOMOR_MARK.decode()), cte="7bit")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="undangan-rapat.pdf")
    raw = msg.as_bytes(policy=policy.SMTP)
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


def build_letter(size: int) -> bytes:
    """A letter as close to `size` bytes as the base64 granularity allows."""
    padding = max(0, size * 3 // 4 - 2500)
    raw = compose_letter(make_pdf(padding))
    for _ in range(10):
        step = (size - len(raw)) * 57 // 78  # base64: 57 bytes per 76-character line + CRLF
        if step == 0 or padding + step < 0:
            break
        padding += step
        raw = compose_letter(make_pdf(padding))
    return raw


def wire_payload(raw: bytes) -> bytes:
    """DATA as sent: dot-stuffed, followed by the end-of-data marker."""
    return re.sub(rb"(?m)^\.", b"..", raw) + b".\r\n"


def message_payload(payload: bytes, tag: str, index: int) -> bytes:
    """The payload of message `index`: unique Message-ID and Nomor, same size."""
    unique = payload.replace(MSGID_MARK, f"{tag}{index:08d}".encode(), 1)
    return unique.replace(NOMOR_MARK, f"{index:08d}".encode(), 1)


# --------------------------------------------------------------------------- load generator


@dataclass(frozen=True)
class LoadSpec:
    """Where to send and what: one payload template, a tag that makes Message-IDs unique."""

    host: str
    port: int
    payload: bytes
    tag: str


@dataclass(frozen=True)
class SessionPlan:
    """One SMTP session: messages first .. first+count-1 over one connection."""

    first: int
    count: int


@dataclass
class ClientResult:
    """What one load-generator process sends back."""

    records: list[Record]
    errors: list[str]
    cpu: float  # during the load only
    cpu_total: float = 0.0  # the whole process, start-up included


def plan_sessions(messages: int, sessions: int) -> list[SessionPlan]:
    """Spread M messages over N sessions as evenly as possible."""
    base, extra = divmod(messages, sessions)
    plans, first = [], 0
    for number in range(sessions):
        count = base + (number < extra)
        plans.append(SessionPlan(first, count))
        first += count
    return [plan for plan in plans if plan.count]


class SmtpClient:
    """A minimal SMTP client on asyncio streams that times end-of-data to reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, host: str, port: int) -> SmtpClient:
        reader, writer = await asyncio.open_connection(host, port)
        # drain() then returns only when every byte was handed to the kernel.
        writer.transport.set_write_buffer_limits(high=0)
        client = cls(reader, writer)
        await client.expect(None, 220)
        await client.expect(b"EHLO bench.dinkes.jatengprov.go.id", 250)
        return client

    async def reply(self) -> int:
        while True:
            line = await asyncio.wait_for(self.reader.readline(), REPLY_TIMEOUT)
            if not line.endswith(b"\n"):
                raise ConnectionError("server closed the connection")
            if line[3:4] != b"-":
                return int(line[:3])

    async def command(self, line: bytes) -> int:
        self.writer.write(line + b"\r\n")
        return await self.reply()

    async def expect(self, line: bytes | None, code: int) -> None:
        got = await (self.reply() if line is None else self.command(line))
        if got != code:
            raise ConnectionError(f"{(line or b'greeting').decode()}: expected {code}, got {got}")

    async def send(self, payload: bytes) -> Record:
        """MAIL, RCPT, DATA, payload; the clock runs from the last byte sent to the reply."""
        for line, want in ((f"MAIL FROM:<{SENDER}>", 250), (f"RCPT TO:<{RECIPIENT}>", 250)):
            code = await self.command(line.encode())
            if code != want:
                return await self._refused(code)
        code = await self.command(b"DATA")
        if code != 354:
            return await self._refused(code)
        self.writer.write(payload)
        await self.writer.drain()
        sent = time.monotonic()
        code = await self.reply()
        return sent, time.monotonic(), code

    async def _refused(self, code: int) -> Record:
        now = time.monotonic()
        await self.command(b"RSET")
        return now, now, code

    async def close(self) -> None:
        with contextlib.suppress(OSError, ConnectionError, TimeoutError):
            await self.command(b"QUIT")
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def run_session(
    client: SmtpClient, spec: LoadSpec, plan: SessionPlan, counter: Any
) -> tuple[list[Record], str]:
    """Send the session's share of messages; stop at the first connection failure."""
    records: list[Record] = []
    try:
        for index in range(plan.first, plan.first + plan.count):
            records.append(await client.send(message_payload(spec.payload, spec.tag, index)))
            with counter.get_lock():
                counter.value += 1
    except (OSError, ConnectionError, TimeoutError) as err:
        return records, f"session {plan.first}: {type(err).__name__}: {err}"
    await client.close()
    return records, ""


async def _client_main(
    spec: LoadSpec, plans: list[SessionPlan], barrier: Any, counter: Any
) -> ClientResult:
    try:
        clients = await asyncio.gather(*(SmtpClient.connect(spec.host, spec.port) for _ in plans))
    except BaseException:
        barrier.abort()
        raise
    barrier.wait(START_TIMEOUT)  # every session connected and greeted: start together
    cpu = time.process_time()
    outcomes = await asyncio.gather(
        *(
            run_session(client, spec, plan, counter)
            for client, plan in zip(clients, plans, strict=True)
        )
    )
    records = [record for session_records, _ in outcomes for record in session_records]
    errors = [error for _, error in outcomes if error]
    return ClientResult(records, errors, time.process_time() - cpu)


def client_process(
    spec: LoadSpec, plans: list[SessionPlan], barrier: Any, counter: Any, conn: Connection
) -> None:
    """Entry point of one load-generator process (its sessions share one event loop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        result = asyncio.run(_client_main(spec, plans, barrier, counter))
        result.cpu_total = time.process_time()
        conn.send(result)
    except Exception as err:
        conn.send(ClientResult([], [f"client process: {type(err).__name__}: {err}"], 0.0))
    finally:
        conn.close()


@dataclass
class LoadResult:
    """Every message's record, relative to t0 (the moment all sessions started)."""

    t0: float
    records: list[Record]
    errors: list[str]
    client_cpu: float
    planned: int
    client_cpu_total: float = 0.0

    @property
    def accepted(self) -> list[Record]:
        return [record for record in self.records if record[2] == 250]

    @property
    def t_last(self) -> float:
        return max((record[1] for record in self.accepted), default=self.t0)

    def latencies_ms(self) -> list[float]:
        return sorted((reply - sent) * 1000 for sent, reply, _ in self.accepted)

    def accepted_times(self) -> list[float]:
        return sorted(reply - self.t0 for _, reply, _ in self.accepted)

    def rejected_codes(self) -> dict[str, int]:
        codes: dict[str, int] = {}
        for _, _, code in self.records:
            if code != 250:
                codes[str(code)] = codes.get(str(code), 0) + 1
        return codes


class Progress:
    """Prints `label: done/total` on stderr at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, label: str, total: int, done: Callable[[], int]) -> None:
        self.label, self.total, self.done = label, total, done
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tty = sys.stderr.isatty()
        self._last = ""

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._print(final=True)

    def _run(self) -> None:
        while not self._stop.wait(PROGRESS_INTERVAL):
            self._print()

    def _print(self, final: bool = False) -> None:
        text = f"  {self.label}: {self.done()}/{self.total}"
        if self._tty:
            print(f"\r{text}\x1b[K", end="\n" if final else "", file=sys.stderr, flush=True)
        elif text != self._last or final:  # a log file gets a line only when it changed
            print(text, file=sys.stderr, flush=True)
        self._last = text


def run_load(spec: LoadSpec, plans: list[SessionPlan], procs: int, label: str) -> LoadResult:
    """Run the sessions in `procs` processes, all starting at the same instant."""
    ctx = mp.get_context("spawn")
    groups = [group for group in (plans[i::procs] for i in range(procs)) if group]
    barrier = ctx.Barrier(len(groups) + 1)
    counter = ctx.Value("i", 0)
    workers: list[tuple[Any, Connection]] = []
    finished = False
    try:
        for group in groups:
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(
                target=client_process, args=(spec, group, barrier, counter, send), daemon=True
            )
            process.start()
            send.close()
            workers.append((process, receive))
        try:
            barrier.wait(START_TIMEOUT)
        except threading.BrokenBarrierError:
            errors = [error for _, receive in workers for error in _receive(receive).errors]
            raise BenchError(f"{label}: sessions could not start: {errors}") from None
        t0 = time.monotonic()
        total = sum(plan.count for plan in plans)
        with Progress(f"{label} sent", total, lambda: int(counter.value)):
            results = [_receive(receive) for _, receive in workers]
        finished = True
    finally:
        _stop_clients([process for process, _ in workers], wait=5 if finished else 0)
    return LoadResult(
        t0=t0,
        records=[record for result in results for record in result.records],
        errors=[error for result in results for error in result.errors],
        client_cpu=sum(result.cpu for result in results),
        client_cpu_total=sum(result.cpu_total for result in results),
        planned=total,
    )


def _receive(receive: Connection) -> ClientResult:
    try:
        result: ClientResult = receive.recv()
    except EOFError:
        return ClientResult([], ["client process died"], 0.0)
    return result


def _stop_clients(processes: Sequence[Any], wait: float) -> None:
    """Join the load generators (they exit after sending results), else terminate them."""
    for process in processes:
        process.join(wait)
        if process.is_alive():
            process.terminate()
            process.join(5)


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def tnde_executable() -> str:
    """The `tnde` script next to the running interpreter (the venv), else on PATH."""
    candidate = Path(sys.executable).parent / "tnde"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("tnde")
    if not found:
        raise BenchError("cannot find the `tnde` command; run with .venv/bin/python")
    return found


def _tail(path: Path, lines: int = 25) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


@contextlib.contextmanager
def server_process(
    name: str, argv: list[str], env: dict[str, str], cwd: Path, marker: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server (own session, output to a log file); stop it however we leave."""
    log_path = cwd / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only us; we stop it in order
        )
    try:
        _wait_ready(name, proc, log_path, marker)
        yield proc
    finally:
        stop_process(proc)


def _wait_ready(name: str, proc: subprocess.Popen[bytes], log_path: Path, marker: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while marker not in log_path.read_text(errors="replace"):
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with {proc.returncode}:\n{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise BenchError(f"{name} did not start in {START_TIMEOUT:.0f}s:\n{_tail(log_path)}")
        time.sleep(0.05)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a clean shutdown), then SIGKILL if it does not exit."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def gateway_env(db_url: str, port: int, sessions: int) -> dict[str, str]:
    """The environment of every `tnde` command: nothing inherited from TNDE_*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TNDE_")}
    env.update(
        {
            "TNDE_DATABASE__URL": db_url,
            "TNDE_SMTP__LISTEN": f"127.0.0.1:{port}",
            "TNDE_LMTP__LISTEN": "",
            "TNDE_WEB__LISTEN": "",
            "TNDE_WORKER__POLL_INTERVAL": "0.05",
            "TNDE_OUTBOUND__SMARTHOST": "",
            # The default cap is 20 per IP; all sessions come from 127.0.0.1.
            "TNDE_SMTP__MAX_CONNECTIONS_PER_IP": str(max(20, sessions)),
        }
    )
    return env


def run_tnde(command: str, env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [tnde_executable(), command], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"tnde {command} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores, since boot."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    # On Linux guest time is already part of user time.
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    total = sum(times) - guest
    return total - idle, total


class ProcessMonitor:
    """Polls a process (and its children) every RSS_INTERVAL for RSS; also CPU time
    of the process and of the whole machine (to see other load sharing the cores)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.idle_rss = self.peak_rss = 0
        self.cpu_seconds = 0.0
        self.machine_busy = self.machine_total = 0.0
        self.own_cpu = 0.0  # this (parent) process: pollers, monitor, progress
        self._cpu0 = 0.0
        self._machine0 = (0.0, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _family(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [self.proc, *self.proc.children(recursive=True)]
        return []

    def rss(self) -> int:
        total = 0
        for proc in self._family():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def cpu(self) -> float:
        """CPU seconds of the process, its children that ended, and its live children
        (worker processes, Postfix's smtpd and cleanup, the PDF reader)."""
        total = 0.0
        with contextlib.suppress(psutil.Error):
            times = self.proc.cpu_times()
            total = times.children_user + times.children_system
        for proc in self._family():
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total or self._cpu0

    def _run(self) -> None:
        while not self._stop.wait(RSS_INTERVAL):
            self.peak_rss = max(self.peak_rss, self.rss())

    def __enter__(self) -> ProcessMonitor:
        self.idle_rss = self.peak_rss = self.rss()
        self._cpu0 = self.cpu()
        self._machine0 = machine_cpu()
        self.own_cpu = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_rss = max(self.peak_rss, self.rss())
        self.cpu_seconds = self.cpu() - self._cpu0
        busy, total = machine_cpu()
        self.machine_busy, self.machine_total = busy - self._machine0[0], total - self._machine0[1]
        self.own_cpu = time.process_time() - self.own_cpu


class PostgresCpu:
    """CPU time of the PostgreSQL processes that work for one database: its backends and
    the shared ones (WAL writer, checkpointer, ...), not other databases' backends."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.seconds = 0.0
        self._start: dict[int, float] = {}

    def _ours(self, cmdline: str) -> bool:
        if "/bin/postgres" in cmdline:
            return True  # the postmaster
        if not cmdline.startswith("postgres: "):
            return False
        if self.database in cmdline.split():
            return True
        backend = "(" in cmdline or "[local]" in cmdline or " worker" in cmdline
        return not backend  # a shared auxiliary process

    def _sample(self) -> dict[int, float]:
        sample = {}
        for proc in psutil.process_iter(["cmdline", "cpu_times"]):
            times = proc.info["cpu_times"]
            if times and self._ours(" ".join(proc.info["cmdline"] or [])):
                sample[proc.pid] = times.user + times.system
        return sample

    def __enter__(self) -> PostgresCpu:
        self._start = self._sample()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._sample()
        self.seconds = sum(cpu - self._start.get(pid, 0.0) for pid, cpu in end.items())


# --------------------------------------------------------------------------- database

COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM naskah), (SELECT count(*) FROM inbound),"
    " (SELECT count(*) FROM inbound WHERE state IN ('received', 'processing'))"
)
SEQ_SQL = (
    "SELECT n.seq FROM naskah n JOIN unit u ON u.id = n.unit_id"
    f" WHERE u.code = '{UNIT_CODE}' ORDER BY n.seq"
)
STATES_SQL = "SELECT state, count(*) FROM inbound GROUP BY state ORDER BY state"
REASONS_SQL = (
    "SELECT reason, count(*) FROM inbound WHERE state NOT IN ('registered', 'duplicate')"
    " GROUP BY reason ORDER BY count(*) DESC LIMIT 5"
)


class Probe:
    """Read-only queries on the gateway's database (sqlite3 or psycopg, autocommit)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql).fetchall())

    def counts(self) -> tuple[int, int, int]:
        naskah, inbound, pending = self.rows(COUNTS_SQL)[0]
        return int(naskah), int(inbound), int(pending)

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def sqlite_database(workdir: Path) -> Iterator[tuple[str, Callable[[], Probe]]]:
    # A fresh database for every round: each starts from an empty register.
    path = Path(tempfile.mkdtemp(prefix="sqlite-", dir=workdir)) / "tnde.db"

    def probe() -> Probe:
        return Probe(
            sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        )

    yield f"sqlite:///{path}", probe


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


def _pg_probe(name: str) -> Probe:
    import psycopg

    return Probe(
        psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name, autocommit=True)
    )


@contextlib.contextmanager
def postgres_database() -> Iterator[tuple[str, Callable[[], Probe]]]:
    """A brand-new database tnde_bench_<random>, dropped however we leave."""
    import psycopg

    name = f"tnde_bench_{secrets.token_hex(4)}"
    try:
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as err:
        raise BenchError(f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}): {err}") from err
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", lambda: _pg_probe(name)
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DbPoller:
    """Samples (time, naskah, inbound, pending) every DB_INTERVAL in a thread."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self.samples: list[tuple[float, int, int, int]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            try:
                self.samples.append((time.monotonic(), *self.probe.counts()))
            except Exception as err:  # a busy database: note it and poll again
                self.errors.append(f"{type(err).__name__}: {err}")
            if self._stop.wait(DB_INTERVAL):
                return

    def latest(self) -> tuple[float, int, int, int]:
        return self.samples[-1] if self.samples else (time.monotonic(), 0, 0, 0)

    def __enter__(self) -> DbPoller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Drain:
    """When the last accepted message was registered (or the wait gave up)."""

    registered: int
    t_done: float | None
    from_first_s: float | None
    from_last_s: float | None
    registered_per_s: float | None
    backlog_at_last_250: int = 0
    registered_per_s_after_intake: float | None = None


def registered_by(poller: DbPoller, moment: float) -> int:
    """naskah count of the last sample taken at or before `moment`."""
    return max((naskah for t, naskah, _, _ in poller.samples if t <= moment), default=0)


def wait_drain(poller: DbPoller, load: LoadResult, timeout: float, label: str) -> Drain:
    """Wait until nothing is pending and every accepted message reached the worker."""
    accepted = len(load.accepted)
    deadline = time.monotonic() + timeout
    with Progress(f"{label} registered", accepted, lambda: poller.latest()[1]):
        while True:
            _, naskah, inbound, pending = poller.latest()
            if pending == 0 and inbound >= accepted:
                break
            if time.monotonic() > deadline:
                return Drain(naskah, None, None, None, None)
            time.sleep(DB_INTERVAL)
    final = poller.latest()[1]
    t_done = next(t for t, naskah, _, _ in poller.samples if naskah >= final)
    from_first, from_last = t_done - load.t0, t_done - load.t_last
    at_last = registered_by(poller, load.t_last)
    return Drain(
        registered=final,
        t_done=t_done,
        from_first_s=from_first,
        from_last_s=from_last,
        registered_per_s=final / from_first if from_first > 0 else None,
        backlog_at_last_250=accepted - at_last,
        registered_per_s_after_intake=(final - at_last) / from_last if from_last > 0 else None,
    )


@dataclass
class Check:
    """naskah count == accepted and the unit's seq values are exactly 1..N."""

    naskah: int
    accepted: int
    seq_gapless: bool
    inbound_states: dict[str, int]
    detail: str
    # Why messages were not registered (quarantine reasons), most frequent first.
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.naskah == self.accepted and self.seq_gapless


def verify(probe: Probe, accepted: int) -> Check:
    naskah = probe.counts()[0]
    seqs = [int(row[0]) for row in probe.rows(SEQ_SQL)]
    expected = list(range(1, accepted + 1))
    gapless = seqs == expected
    states = {str(state): int(count) for state, count in probe.rows(STATES_SQL)}
    detail = "" if gapless else _seq_problem(seqs, expected)
    reasons = [(str(reason)[:300], int(count)) for reason, count in probe.rows(REASONS_SQL)]
    return Check(naskah, accepted, gapless, states, detail, reasons)


def _seq_problem(seqs: list[int], expected: list[int]) -> str:
    missing = sorted(set(expected) - set(seqs))
    duplicates = len(seqs) - len(set(seqs))
    extra = sorted(set(seqs) - set(expected))
    return f"{len(seqs)} seq values; missing {missing[:10]}, extra {extra[:10]}, {duplicates} dup"


# --------------------------------------------------------------------------- one target


@dataclass
class TargetRun:
    """Everything measured for one target (the sink, or the gateway on one backend)."""

    label: str
    backend: str | None
    load: LoadResult
    idle_rss: int
    peak_rss: int
    server_cpu: float
    machine_busy: float = 0.0
    machine_total: float = 0.0
    bench_cpu: float = 0.0
    db_cpu: float | None = None  # PostgreSQL's processes (None for SQLite and the sink)
    drain: Drain | None = None
    check: Check | None = None
    registered_series: list[tuple[float, int]] = field(default_factory=list)
    poll_errors: int = 0


def measure(
    label: str,
    proc: subprocess.Popen[bytes],
    spec: LoadSpec,
    plans: list[SessionPlan],
    args: argparse.Namespace,
    probe: Probe | None = None,
    pg_database: str | None = None,
) -> TargetRun:
    """Drive the load against a running server; for the gateway also wait for the worker."""
    poller = DbPoller(probe) if probe else None
    pg_cpu = PostgresCpu(pg_database) if pg_database else None
    drain = None
    with (
        pg_cpu or contextlib.nullcontext(),
        ProcessMonitor(proc.pid) as monitor,
        poller or contextlib.nullcontext(),
    ):
        load = run_load(spec, plans, args.client_procs, label)
        if poller:
            drain = wait_drain(poller, load, args.drain_timeout, label)
    run = TargetRun(label, None, load, monitor.idle_rss, monitor.peak_rss, monitor.cpu_seconds)
    run.machine_busy, run.machine_total = monitor.machine_busy, monitor.machine_total
    run.bench_cpu = monitor.own_cpu
    run.db_cpu = pg_cpu.seconds if pg_cpu else None
    if poller and probe:
        run.drain = drain
        run.check = verify(probe, len(load.accepted))
        run.registered_series = [(t - load.t0, naskah) for t, naskah, _, _ in poller.samples]
        run.poll_errors = len(poller.errors)
    return run


def bench_sink(args: argparse.Namespace, payload: bytes, workdir: Path) -> TargetRun:
    port = free_port()
    argv = [sys.executable, "-c", SINK_CODE, str(port)]
    with server_process("sink", argv, dict(os.environ), workdir, "sink ready") as proc:
        spec = LoadSpec("127.0.0.1", port, payload, secrets.token_hex(4))
        return measure("sink", proc, spec, plan_sessions(args.messages, args.sessions), args)


def postfix_usable() -> bool:
    """Postfix can run a private instance here: installed, and we are root."""
    return os.geteuid() == 0 and shutil.which("postfix") is not None


def bench_postfix(args: argparse.Namespace, payload: bytes, workdir: Path) -> TargetRun:
    """Postfix's smtpd accepting every letter into its hold queue: the queue file is
    written and fsynced before the 250, as the gateway commits before its 250. Nothing
    is delivered. in_flow_delay is 0, so Postfix runs at its full intake rate (its
    default slows clients down when the queue manager falls behind)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.fixtures.postfix import PostfixInstance

    base = Path(tempfile.mkdtemp(prefix="pf-", dir="/tmp"))  # short: socket path limits
    instance = PostfixInstance(
        base,
        mydomain_for_lmtp=DOMAIN,
        lmtp_target=("127.0.0.1", free_port()),  # never used: everything is held
        extra_main_cf={
            "smtpd_data_restrictions": "check_client_access static:HOLD",
            "in_flow_delay": "0",
            "smtpd_client_connection_count_limit": str(max(50, args.sessions * 2)),
        },
    )
    try:
        with instance:
            proc = instance._proc
            assert proc is not None
            spec = LoadSpec("127.0.0.1", instance.port, payload, secrets.token_hex(4))
            plans = plan_sessions(args.messages, args.sessions)
            return measure("postfix-hold", proc, spec, plans, args)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def bench_gateway(
    args: argparse.Namespace, backend: str, payload: bytes, workdir: Path, workers: int = 0
) -> TargetRun:
    database = sqlite_database(workdir) if backend == "sqlite" else postgres_database()
    label = f"gateway-{backend}" + (f"-w{workers}" if workers else "")
    with database as (url, open_probe):
        port = free_port()
        env = gateway_env(url, port, args.sessions)
        run_tnde("init", env, workdir)
        run_tnde("demo", env, workdir)
        argv = [tnde_executable(), "serve", "--workers", str(workers)]
        with server_process(label, argv, env, workdir, "tnde melayani") as proc:
            probe = open_probe()
            try:
                spec = LoadSpec("127.0.0.1", port, payload, secrets.token_hex(4))
                plans = plan_sessions(args.messages, args.sessions)
                pg_name = url.rsplit("/", 1)[1] if backend == "postgresql" else None
                run = measure(label, proc, spec, plans, args, probe, pg_name)
            finally:
                probe.close()
    run.backend = backend
    return run


# --------------------------------------------------------------------------- machine


def fsync_rate(directory: Path, count: int = 200, block: int = 512) -> float:
    """os.write + os.fsync of `block` bytes, `count` times: durable commits per second."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        data = b"\0" * block
        start = time.perf_counter()
        for _ in range(count):
            os.write(fd, data)
            os.fsync(fd)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        path.unlink()
    return count / elapsed


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def _git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return f"{head}{'-dirty' if dirty else ''}"
    return ""


def _postgres_version() -> str:
    with contextlib.suppress(Exception), _pg_admin() as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])
    return "unavailable"


def machine_info(workdir: Path, backends: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_mib": round(psutil.virtual_memory().total / MIB),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiosmtpd": importlib.metadata.version("aiosmtpd"),
        "loadavg_at_start": [round(value, 2) for value in os.getloadavg()],
        "fsync_dir": str(workdir),
        "fsync_per_s": round(fsync_rate(workdir), 1),
        "git": _git_commit(),
    }
    if "postgresql" in backends:
        info["postgresql"] = _postgres_version()
    return info


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile of sorted values (q in 0..100)."""
    if not values:
        return None
    position = (len(values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def summarise(run: TargetRun, size: int) -> dict[str, Any]:
    load = run.load
    accepted = len(load.accepted)
    seconds = load.t_last - load.t0
    latencies = load.latencies_ms()
    summary: dict[str, Any] = {
        "label": run.label,
        "backend": run.backend,
        "messages": load.planned,
        "size_bytes": size,
        "accepted": accepted,
        "rejected": load.rejected_codes(),
        "not_sent": load.planned - len(load.records),
        "errors": load.errors,
        "load_seconds": seconds,
        "accepted_per_s": accepted / seconds if seconds > 0 else None,
        "latency_ms": {
            name: percentile(latencies, q)
            for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        },
        "idle_rss_mib": run.idle_rss / MIB,
        "peak_rss_mib": run.peak_rss / MIB,
        "server_cpu_s": run.server_cpu,
        "server_cpu_ms_per_msg": 1000 * run.server_cpu / accepted if accepted else None,
        "db_cpu_s": run.db_cpu,
        "db_cpu_ms_per_msg": 1000 * run.db_cpu / accepted if run.db_cpu and accepted else None,
        "client_cpu_s": load.client_cpu,
        "client_cpu_pct_of_load": 100 * load.client_cpu / seconds if seconds > 0 else None,
        **_machine_summary(run),
    }
    if run.drain is not None and run.check is not None:
        summary.update(_gateway_summary(run))
    return summary


def _machine_summary(run: TargetRun) -> dict[str, float | None]:
    """Busy share of all cores during the window, and the part that neither the server,
    its PostgreSQL nor the benchmark used (other programs, kernel softirq time)."""
    if run.machine_total <= 0:
        return {"machine_cpu_busy_pct": None, "other_cpu_pct": None}
    ours = run.server_cpu + run.load.client_cpu_total + run.bench_cpu + (run.db_cpu or 0.0)
    return {
        "machine_cpu_busy_pct": 100 * run.machine_busy / run.machine_total,
        "other_cpu_pct": max(0.0, 100 * (run.machine_busy - ours) / run.machine_total),
    }


def _gateway_summary(run: TargetRun) -> dict[str, Any]:
    assert run.drain is not None and run.check is not None
    check = run.check
    return {
        "registered": run.drain.registered,
        "drain_from_first_send_s": run.drain.from_first_s,
        "drain_after_last_250_s": run.drain.from_last_s,
        "registered_per_s": run.drain.registered_per_s,
        "backlog_at_last_250": run.drain.backlog_at_last_250,
        "registered_per_s_after_last_250": run.drain.registered_per_s_after_intake,
        "drain_timed_out": run.drain.t_done is None,
        "db_poll_errors": run.poll_errors,
        "check": {
            "passed": check.passed,
            "naskah": check.naskah,
            "accepted": check.accepted,
            "seq_gapless_1_to_n": check.seq_gapless,
            "inbound_states": check.inbound_states,
            "detail": check.detail,
            "not_registered_reasons": check.reasons,
        },
    }


def ratios(gateway: dict[str, Any], sink: dict[str, Any]) -> dict[str, float | None]:
    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    result = {"accepted_per_s": ratio(gateway["accepted_per_s"], sink["accepted_per_s"])}
    for name in ("p50", "p95", "p99"):
        result[name] = ratio(gateway["latency_ms"][name], sink["latency_ms"][name])
    result["peak_rss"] = ratio(gateway["peak_rss_mib"], sink["peak_rss_mib"])
    result["server_cpu_per_msg"] = ratio(
        gateway["server_cpu_ms_per_msg"], sink["server_cpu_ms_per_msg"]
    )
    return result


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


ROWS: list[tuple[str, Callable[[dict[str, Any]], Any], str | None]] = [
    ("messages sent", lambda s: s["messages"] - s["not_sent"], None),
    ("accepted (250)", lambda s: s["accepted"], None),
    ("accepted/s", lambda s: s["accepted_per_s"], "accepted_per_s"),
    ("p50 end-of-DATA->250 ms", lambda s: s["latency_ms"]["p50"], "p50"),
    ("p95 ms", lambda s: s["latency_ms"]["p95"], "p95"),
    ("p99 ms", lambda s: s["latency_ms"]["p99"], "p99"),
    ("max ms", lambda s: s["latency_ms"]["max"], None),
    ("load duration s", lambda s: s["load_seconds"], None),
    ("all registered, s from 1st send", lambda s: s.get("drain_from_first_send_s"), None),
    ("all registered, s after last 250", lambda s: s.get("drain_after_last_250_s"), None),
    ("registered/s (whole run)", lambda s: s.get("registered_per_s"), None),
    ("unregistered at last 250", lambda s: s.get("backlog_at_last_250"), None),
    ("registered/s after last 250", lambda s: s.get("registered_per_s_after_last_250"), None),
    ("idle RSS MiB", lambda s: s["idle_rss_mib"], None),
    ("peak RSS MiB", lambda s: s["peak_rss_mib"], "peak_rss"),
    ("server CPU ms/msg", lambda s: s["server_cpu_ms_per_msg"], "server_cpu_per_msg"),
    ("PostgreSQL CPU ms/msg", lambda s: s["db_cpu_ms_per_msg"], None),
    ("load generator CPU % of load", lambda s: s["client_cpu_pct_of_load"], None),
    ("all cores busy %", lambda s: s["machine_cpu_busy_pct"], None),
    ("  of which other programs %", lambda s: s["other_cpu_pct"], None),
    ("naskah == accepted, seq 1..N", lambda s: s.get("check", {}).get("passed"), None),
]


def _ratio_cell(stats: dict[str, Any] | None) -> str:
    if not stats:
        return ""
    if stats["min"] == stats["max"]:
        return _fmt(stats["median"], 2)
    return f"{_fmt(stats['median'], 2)} [{_fmt(stats['min'], 2)}-{_fmt(stats['max'], 2)}]"


def render_table(report: dict[str, Any]) -> str:
    """The median run of each target, and each ratio as median [min-max] over the rounds."""
    sink = report["results"]["sink"]
    gateways = [s for key, s in report["results"].items() if key != "sink"]
    header = ["", "sink"]
    for gateway in gateways:
        header += [gateway["label"], "gw/sink"]
    lines = [header]
    for title, get, ratio_key in ROWS:
        row = [title, _fmt(get(sink))]
        for gateway in gateways:
            stats = report["ratios"][gateway["label"]].get(ratio_key) if ratio_key else None
            row += [_fmt(get(gateway)), _ratio_cell(stats)]
        lines.append(row)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.insert(1, "-" * len(text[0]))
    for label, versus in report.get("vs_postfix", {}).items():
        parts = [
            f"{name} {_ratio_cell(versus.get(name))}"
            for name in ("accepted_per_s", "p50", "p99", "server_cpu_per_msg")
            if versus.get(name)
        ]
        text.append(f"{label} / postfix-hold, per round: " + "; ".join(parts))
    for label, metrics in report["spread"].items():
        parts = [
            f"{name} {_fmt(m['median'])} [{_fmt(m['min'])}-{_fmt(m['max'])}]"
            for name, m in metrics.items()
        ]
        text.append(f"{label} over {report['config']['repeats']} rounds: " + "; ".join(parts))
    return "\n".join(text)


def render_header(report: dict[str, Any]) -> str:
    config, machine = report["config"], report["machine"]
    parts = [
        f"ingest benchmark {report['started']}  git {machine['git'] or '?'}",
        f"sessions {config['sessions']}, messages {config['messages']}, "
        f"rounds {config['repeats']} (sink and gateway interleaved), "
        f"size {config['size_bytes']} B (asked {config['size_requested']}), "
        f"load generator processes {config['client_procs']}",
        f"machine: {machine['nproc']} CPU ({machine['cpu']}), {machine['memory_mib']} MiB, "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"aiosmtpd {machine['aiosmtpd']}"
        + (f", PostgreSQL {machine['postgresql']}" if "postgresql" in machine else ""),
        f"fsync: {machine['fsync_per_s']:.0f}/s (512 B write+fsync in {machine['fsync_dir']}),"
        f" load average at start {' '.join(map(str, machine['loadavg_at_start']))}",
    ]
    return "\n".join(parts)


def render_notes(report: dict[str, Any]) -> str:
    notes = []
    for key, summary in report["results"].items():
        if summary["rejected"] or summary["not_sent"] or summary["errors"]:
            notes.append(
                f"{key}: rejected {summary['rejected']}, not sent {summary['not_sent']},"
                f" errors {summary['errors'][:3]}"
            )
        other = summary.get("other_cpu_pct")
        if other is not None and other > 10:
            notes.append(
                f"{key}: WARNING {other:.0f}% of all cores went to other programs (not the"
                " server, its PostgreSQL or the benchmark); compare with care"
            )
        if summary.get("drain_timed_out"):
            notes.append(f"{key}: the worker did not register everything within --drain-timeout")
        check = summary.get("check")
        if check:
            verdict = "PASS" if check["passed"] else "FAIL"
            notes.append(
                f"{key}: {verdict} naskah {check['naskah']} / accepted {check['accepted']},"
                f" seq 1..N gapless {check['seq_gapless_1_to_n']},"
                f" inbound states {check['inbound_states']} {check['detail']}".rstrip()
            )
            notes += [f"  {count} x {reason}" for reason, count in check["not_registered_reasons"]]
    return "\n".join(notes)


# --------------------------------------------------------------------------- plot


def plot(runs: list[TargetRun], report: dict[str, Any], path: Path) -> None:
    """Cumulative accepted (and registered) over time, and the latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fixed = {"sink": "tab:gray", "postfix-hold": "tab:olive"}
    others = ["tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:cyan"]
    colours = dict(fixed)
    for run in runs:  # each target its own colour, in the order they first ran
        if run.label not in colours:
            colours[run.label] = others[(len(colours) - len(fixed)) % len(others)]
    fig, (timeline, cdf) = plt.subplots(1, 2, figsize=(13, 5.2), width_ratios=[3, 2])
    seen: set[str] = set()
    for run in runs:
        colour = colours[run.label]
        first = run.label not in seen  # one legend entry per target, however many rounds
        seen.add(run.label)
        times = run.load.accepted_times()
        timeline.step(
            [0.0, *times], range(len(times) + 1), where="post", color=colour,
            label=f"{run.label} accepted (250)" if first else None,
        )  # fmt: skip
        if run.registered_series:
            t, n = zip(*[(t, n) for t, n in run.registered_series if t >= 0], strict=True)
            registered = f"{run.label} registered" if first else None
            timeline.plot(t, n, color=colour, linestyle="--", label=registered)
        latencies = run.load.latencies_ms()
        fractions = [(i + 1) / len(latencies) for i in range(len(latencies))]
        cdf.plot(latencies, fractions, color=colour, label=run.label if first else None)
    timeline.set_xlabel("seconds since the first message was sent")
    timeline.set_ylabel("messages (cumulative)")
    timeline.set_title("accepted vs registered over time")
    timeline.grid(alpha=0.3)
    timeline.legend(loc="lower right", fontsize=9)
    cdf.set_xscale("log")
    cdf.set_xlabel("end-of-DATA -> 250 reply (ms, log scale)")
    cdf.set_ylabel("fraction of messages")
    cdf.set_title("latency distribution")
    cdf.grid(alpha=0.3, which="both")
    cdf.legend(loc="lower right", fontsize=9)
    config, machine = report["config"], report["machine"]
    fig.suptitle(
        f"tnde ingest: {config['sessions']} sessions x {config['messages']} letters of "
        f"{config['size_bytes']} B; {machine['nproc']} CPU, fsync {machine['fsync_per_s']:.0f}/s"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    add = parser.add_argument
    add("--sessions", type=int, default=20, help="concurrent SMTP sessions [%(default)s]")
    add("--messages", type=int, default=2000, help="letters in total [%(default)s]")
    add("--size", type=int, default=20480, help="bytes per letter [%(default)s]")
    add(
        "--backend",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="gateway database; PostgreSQL at 127.0.0.1:5432, user postgres [%(default)s]",
    )
    add(
        "--repeats",
        type=int,
        default=3,
        help="rounds of sink then gateway, interleaved; medians and ranges [%(default)s]",
    )
    add(
        "--workers",
        default="1",
        help="comma-separated `tnde serve --workers` values, each a gateway target [%(default)s]",
    )
    add(
        "--postfix",
        choices=("auto", "yes", "no"),
        default="auto",
        help="also measure Postfix accepting into its hold queue (auto: when installed and"
        " run as root) [%(default)s]",
    )
    add("--output", type=Path, help="JSON file [bench/results/ingest-<timestamp>.json]")
    add("--plot", type=Path, metavar="PNG", help="draw accepted/registered over time here")
    add(
        "--client-procs",
        type=int,
        default=2,
        help="load-generator processes, sessions spread over them [%(default)s]",
    )
    add(
        "--drain-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the worker to register everything [%(default)s]",
    )
    args = parser.parse_args(argv)
    try:
        args.worker_counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes numbers separated by commas, e.g. 0,2")
    if any(n < 0 for n in args.worker_counts):
        parser.error("--workers must not be negative")
    args.with_postfix = args.postfix == "yes" or (args.postfix == "auto" and postfix_usable())
    for name in ("sessions", "messages", "size", "client_procs", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def backends_of(choice: str) -> list[str]:
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


def run_benchmark(
    args: argparse.Namespace, started: dt.datetime
) -> tuple[dict[str, Any], list[TargetRun]]:
    """Sink and gateway(s) alternate, `--repeats` rounds: each ratio compares one round's
    gateway with the sink measured right before it, so slow drift of the machine cancels."""
    raw = build_letter(args.size)
    payload = wire_payload(raw)
    backends = backends_of(args.backend)
    workdir = Path(tempfile.mkdtemp(prefix="tnde-bench-"))
    rounds: list[list[TargetRun]] = []
    try:
        machine = machine_info(workdir, backends)
        print(f"fsync: {machine['fsync_per_s']:.0f}/s in {workdir}", file=sys.stderr)
        for repeat in range(args.repeats):
            print(f"round {repeat + 1}/{args.repeats}", file=sys.stderr)
            runs = [bench_sink(args, payload, workdir)]
            if args.with_postfix:
                runs.append(bench_postfix(args, payload, workdir))
            runs += [
                bench_gateway(args, backend, payload, workdir, workers)
                for backend in backends
                for workers in args.worker_counts
            ]
            rounds.append(runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summaries = [{run.label: summarise(run, len(raw)) for run in runs} for runs in rounds]
    labels = list(summaries[0])
    per_label = {label: [s[label] for s in summaries] for label in labels}
    results = {label: median_run(items) for label, items in per_label.items()}
    report = {
        "started": started.isoformat(timespec="seconds"),
        "config": {
            "sessions": args.sessions,
            "messages": args.messages,
            "size_requested": args.size,
            "size_bytes": len(raw),
            "backends": backends,
            "client_procs": args.client_procs,
            "repeats": args.repeats,
            "workers": args.worker_counts,
            "postfix": args.with_postfix,
        },
        "machine": machine,
        "results": results,
        "spread": {label: spread(items) for label, items in per_label.items()},
        "ratios": {
            label: ratio_spread([ratios(s[label], s["sink"]) for s in summaries])
            for label in labels
            if label != "sink"
        },
        # Each gateway against Postfix's hold queue in the same round (the bar).
        "vs_postfix": {
            label: ratio_spread([ratios(s[label], s["postfix-hold"]) for s in summaries])
            for label in labels
            if label.startswith("gateway") and "postfix-hold" in labels
        },
        "rounds": summaries,
    }
    return report, [run for runs in rounds for run in runs]


# Metrics shown as median [min-max] over the repeats.
SPREAD_METRICS: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "accepted_per_s": lambda s: s["accepted_per_s"],
    "p50": lambda s: s["latency_ms"]["p50"],
    "p99": lambda s: s["latency_ms"]["p99"],
    "peak_rss_mib": lambda s: s["peak_rss_mib"],
    "server_cpu_ms_per_msg": lambda s: s["server_cpu_ms_per_msg"],
    "registered_per_s": lambda s: s.get("registered_per_s"),
    "drain_after_last_250_s": lambda s: s.get("drain_after_last_250_s"),
}


def _stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "values": values,
    }


def spread(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and range of each SPREAD_METRICS value over the repeats."""
    result = {}
    for name, get in SPREAD_METRICS.items():
        values = [v for v in (get(s) for s in items) if v is not None]
        if values:
            result[name] = _stats(values)
    return result


def ratio_spread(rounds: list[dict[str, float | None]]) -> dict[str, Any]:
    """Per-round gateway/sink ratios: their median, with the range and every value."""
    names = {name for ratio in rounds for name in ratio}
    result: dict[str, Any] = {}
    for name in sorted(names):
        values = [r[name] for r in rounds if r.get(name) is not None]
        result[name] = _stats([v for v in values if v is not None]) if values else None
    return result


def median_run(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The repeat with the median accepted/s: a real run to show in full."""
    ranked = sorted(items, key=lambda s: s["accepted_per_s"] or 0.0)
    return ranked[(len(ranked) - 1) // 2]


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # finally blocks stop servers, drop databases
    started = dt.datetime.now().astimezone()
    try:
        report, runs = run_benchmark(args, started)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary databases removed", file=sys.stderr)
        return 130
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    output = args.output or RESULTS_DIR / f"ingest-{started:%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(render_header(report))
    print()
    print(render_table(report))
    print()
    print(render_notes(report))
    print(f"JSON: {output}")
    if args.plot:
        plot(runs, report, args.plot)
        print(f"plot: {args.plot}")
    checks = [s["check"]["passed"] for r in report["rounds"] for s in r.values() if "check" in s]
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
