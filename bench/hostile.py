"""Hostile input against a real `tnde serve`: worker time and server memory per case.

Each case is sent REPEATS times, interleaved with an ordinary 20 KB letter (the baseline
of the same run). For every send: seconds from the end of DATA until the worker has
finished with the message, and the server's peak RSS (process and children) while it
did; after each case, its RSS at rest. Medians with ranges, and the time as a ratio to
the baseline's. Results: bench/results/hostile-<time>.json and a table on stdout.

    .venv/bin/python bench/hostile.py [--repeats 3] [--cases pdf_bombs,tnef_bomb]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.message import EmailMessage
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.data.tools.make_pdf import _assemble, _stream  # noqa: E402
from tests.data.tools.make_tnef import TnefFile, build_tnef  # noqa: E402

TO = "dinkes@tnde.banyumaskab.go.id"
SENDER = "tu@dinkes.jatengprov.go.id"
MIB = 1024 * 1024
TNDE = str(REPO / ".venv" / "bin" / "tnde")


def letter(
    subject: str = "Undangan",
    body: str = "Perihal: Undangan\n" + ("isi surat dinas " * 5 + "\n") * 250,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"TU Dinkes <{SENDER}>"
    msg["To"] = TO
    msg["Subject"] = subject
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments:
        main, _, sub = ctype.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def pdf_bomb() -> bytes:
    squeeze = zlib.compressobj(9)
    block = b"BT /F1 9 Tf 72 700 Td (lampiran) Tj ET\n" * (1 << 12)
    once = b"".join(squeeze.compress(block) for _ in range(4 * MIB // len(block)))
    once += squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream("/Filter [/FlateDecode /FlateDecode]", zlib.compress(once, 9)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _assemble(objects, {"Title": "Bom"})


def mime_bomb(depth: int = 5000, parts: int = 10_000) -> bytes:
    """Nested multiparts `depth` deep, then `parts` siblings (the limits are 50 / 1000)."""
    head = f"From: {SENDER}\r\nTo: {TO}\r\nSubject: bom\r\nMIME-Version: 1.0\r\n"
    out = [head]
    for level in range(depth):
        out.append(f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n')
    out.append('Content-Type: multipart/mixed; boundary="flat"\r\n\r\n')
    out.extend("--flat\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(parts))
    out.append("--flat--\r\n")
    return "".join(out).encode()


def folded_header() -> bytes:
    value = " ".join(["kata"] * (MIB // 5))
    folded = "\r\n ".join(value[i : i + 70] for i in range(0, len(value), 70))
    return letter().replace(b"Subject: Undangan", b"Subject: " + folded.encode(), 1)


def tnef_bomb() -> bytes:
    when = __import__("datetime").datetime(2026, 11, 30, 9, 0)
    files = [TnefFile(f"f{i}.txt", b"x", "text/plain", when) for i in range(20_000)]
    winmail = build_tnef("Surat", "Isi\r\n", files, when, "00" * 16)
    return letter(attachments=(("winmail.dat", "application/ms-tnef", winmail),))


def big() -> bytes:
    """A letter of about 23 MB on the wire (17 MiB of file, base64), under the 26 MiB limit."""
    return letter(attachments=(("besar.bin", "application/octet-stream", os.urandom(17 * MIB)),))


CASES: dict[str, Callable[[], list[bytes]]] = {
    "attachment_25mb": lambda: [big()],
    "mime_bomb": lambda: [mime_bomb()],
    "pdf_bombs": lambda: [
        letter(attachments=tuple((f"bom{i}.pdf", "application/pdf", pdf_bomb()) for i in range(3)))
    ],
    "tnef_bomb": lambda: [tnef_bomb()],
    "header_1mb_folded": lambda: [folded_header()],
    "parallel_60x25mb": lambda: [big()] * 60,
}


class Server:
    def __init__(self, folder: Path) -> None:
        self.db = folder / "bench.db"
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TNDE_")}
        self.env.update(
            {
                "TNDE_DATABASE__URL": f"sqlite:///{self.db}",
                "TNDE_SMTP__LISTEN": f"127.0.0.1:{self.port}",
                "TNDE_LMTP__LISTEN": "",
                "TNDE_WEB__LISTEN": "",
                "TNDE_AUTH__VERIFY_SMTP": "false",
                "TNDE_MAIL__MAX_MESSAGE_SIZE": str(26 * MIB),
                "TNDE_SMTP__MAX_CONNECTIONS_PER_IP": "30",
            }
        )
        for command in (["init"], ["demo"]):
            subprocess.run([TNDE, *command], env=self.env, check=True, capture_output=True)
        self.process = subprocess.Popen(
            [TNDE, "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                smtplib.SMTP("127.0.0.1", self.port, timeout=2).quit()
                break
            except OSError:
                time.sleep(0.2)
        self.ps = psutil.Process(self.process.pid)

    def rss(self) -> int:
        total = 0
        for proc in [self.ps, *self.ps.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def busy(self) -> int:
        with sqlite3.connect(self.db) as conn:
            return int(
                conn.execute(
                    "select count(*) from inbound where state in ('received','processing')"
                ).fetchone()[0]
            )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def send_all(server: Server, messages: list[bytes]) -> tuple[float, int, int]:
    """(seconds until the worker is done, peak RSS, messages refused for now)."""
    peak = [server.rss()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def one(index_raw: tuple[int, bytes]) -> int:
        index, raw = index_raw
        source = f"127.0.0.{1 + index % 3}"
        try:
            with smtplib.SMTP(
                "127.0.0.1", server.port, timeout=300, source_address=(source, 0)
            ) as client:
                client.sendmail(SENDER, [TO], raw)
            return 0
        except smtplib.SMTPException as err:
            if index == 0:
                print(f"  refused: {str(err)[:160]}", flush=True)
            return 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=60) as pool:
        refused = sum(pool.map(one, enumerate(messages)))
    while server.busy():
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    return elapsed, peak[0], refused


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    chosen = [c for c in args.cases.split(",") if c]
    baseline_raw = [letter()]
    with tempfile.TemporaryDirectory(prefix="tnde-hostile-") as folder:
        server = Server(Path(folder))
        try:
            idle = server.rss()
            results: dict[str, dict[str, list[float]]] = {}
            for repeat in range(args.repeats):
                for case in chosen:
                    for name, messages in (("baseline", baseline_raw), (case, CASES[case]())):
                        seconds, peak, refused = send_all(server, messages)
                        time.sleep(1.0)
                        rest = server.rss()
                        row = results.setdefault(
                            name, {"s": [], "peak": [], "rest": [], "refused": []}
                        )
                        row["s"].append(seconds)
                        row["peak"].append(peak / MIB)
                        row["rest"].append(rest / MIB)
                        row["refused"].append(refused)
                        print(
                            f"[{repeat + 1}/{args.repeats}] {name:20} {seconds:7.2f} s  "
                            f"peak {peak / MIB:7.1f} MiB  rest {rest / MIB:7.1f} MiB  "
                            f"deferred {refused}",
                            flush=True,
                        )
        finally:
            server.stop()
    base = statistics.median(results["baseline"]["s"])
    cases: dict[str, object] = {}
    report = {"idle_rss_mib": idle / MIB, "cases": cases}
    print(f"\nidle RSS {idle / MIB:.1f} MiB; medians (min-max) over {args.repeats} runs")
    print(f"{'case':20} {'seconds':>18} {'x baseline':>10} {'peak MiB':>18} {'rest MiB':>18}")
    for name, row in results.items():
        took, top, after = summary(row["s"]), summary(row["peak"]), summary(row["rest"])
        cases[name] = {
            "seconds": took,
            "ratio": took["median"] / base,
            "peak_rss_mib": top,
            "rest_rss_mib": after,
            "deferred": row["refused"],
        }
        print(
            f"{name:20} {took['median']:6.2f} ({took['min']:.2f}-{took['max']:.2f}) "
            f"{took['median'] / base:10.1f} "
            f"{top['median']:7.1f} ({top['min']:.0f}-{top['max']:.0f}) "
            f"{after['median']:7.1f} ({after['min']:.0f}-{after['max']:.0f})"
        )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"hostile-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
