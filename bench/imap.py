"""IMAP catch-up: a backlog in a real Dovecot read by the gateway, next to a bare fetch.

    python bench/imap.py [--messages 500] [--size 20000] [--output bench/results/imap.json]

Measures, in one run against one private Dovecot (tests/fixtures/dovecot.py):
  baseline   imapclient alone: SEARCH + BODY.PEEK[] of every message in chunks (no storing),
             read-only, on the same INBOX the gateway then reads (like with like)
  gateway    the account poller: sizes, ledger claims, fetch, one commit per message, MOVE
  registered the pipeline worker registering everything the poller stored
  idle poll  bytes on the wire for one pass when nothing is new, both on an open connection
             that has already selected the same folder once (same connection state)
Bytes are counted by a TCP proxy between client and server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from email.utils import make_msgid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imapclient import IMAPClient

from gateway.app import App
from gateway.config import ImapAccount
from gateway.intake.imap.connection import connect
from tests.fixtures.dovecot import DovecotInstance
from tests.support.databases import build_sqlite_template, sqlite_copy
from tests.support.gateway import gateway_settings
from tests.support.mail import DOMAIN, letter
from tests.support.queries import count, settled
from tests.support.tcpproxy import TcpProxy

USER, PASSWORD = "setda", "bench-sandi"


def fill(server: DovecotInstance, folder: str, count_: int, size: int) -> None:
    body = "Perihal: Laporan bulanan\n" + ("x" * 76 + "\n") * max(size // 77, 1)
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for index in range(count_):
            raw = letter(
                subject=f"Laporan {index}", body=body, message_id=make_msgid(domain="pemda.go.id")
            )
            client.append(folder, raw)
            if index % 100 == 99:
                print(f"  appended {index + 1}/{count_}", file=sys.stderr)


def baseline(port: int, folder: str, chunk: int) -> float:
    start = time.perf_counter()
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder(folder, readonly=True)
        uids = client.search(["UID", "1:*"])
        for offset in range(0, len(uids), chunk):
            client.fetch(uids[offset : offset + chunk], ["BODY.PEEK[]"])
    return time.perf_counter() - start


def idle_pass_bytes(proxy: TcpProxy, folder: str) -> int:
    """A minimal 'anything new?' pass (SELECT + UID SEARCH) on an open, warmed connection,
    as the gateway's second sync_all runs on its open one."""
    with IMAPClient("127.0.0.1", port=proxy.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder(folder)
        client.search(["UID", "100000:*"])
        proxy.reset()
        client.select_folder(folder)
        client.search(["UID", "100000:*"])
        return proxy.total


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="tnde-bench-imap-"))
    with DovecotInstance(work / "dv", {USER: PASSWORD}) as server:
        proxy = TcpProxy((server.host, server.port)).start()
        fill(server, "INBOX", args.messages, args.size)
        proxy.reset()
        # Read-only first, so the gateway then reads the very same messages.
        base_seconds = baseline(proxy.port, "INBOX", args.chunk)
        base_bytes = proxy.total
        url = sqlite_copy(build_sqlite_template(work), work)
        account = ImapAccount(
            name="bench",
            host="127.0.0.1",
            port=proxy.port,
            tls="none",
            allow_plaintext=True,
            username=USER,
            password=PASSWORD,
            deliver_to=f"setda@{DOMAIN}",
            fetch_chunk=args.chunk,
            idle=False,
        )
        app = App.build(dataclasses.replace(gateway_settings(url), imap=(account,)))
        poller = app.imap_poller(account, lambda _id: None)
        proxy.reset()
        start = time.perf_counter()
        with connect(account) as client:
            stored = poller.sync_all(client)
            store_seconds = time.perf_counter() - start
            gateway_bytes = proxy.total
            proxy.reset()
            poller.sync_all(client)  # nothing new: what does an idle pass cost?
            idle_bytes = proxy.total
        worker = app.worker()
        done = 0
        while worker.run_once() is not None:
            done += 1
            if done % 100 == 0:
                print(f"  registered {done}/{stored}", file=sys.stderr)
        registered_seconds = time.perf_counter() - start
        from gateway.db.models import Naskah

        naskah = count(app, Naskah)
        assert settled(app)
        app.close()
        base_idle = idle_pass_bytes(proxy, "INBOX")
    return {
        "messages": args.messages,
        "message_bytes": args.size,
        "baseline": {
            "fetch_seconds": round(base_seconds, 2),
            "bytes": base_bytes,
            "messages_per_second": round(args.messages / base_seconds, 1),
        },
        "gateway": {
            "stored": stored,
            "store_seconds": round(store_seconds, 2),
            "messages_per_second": round(stored / store_seconds, 1),
            "bytes": gateway_bytes,
            "registered": naskah,
            "registered_seconds": round(registered_seconds, 2),
            "idle_pass_bytes": idle_bytes,
        },
        "baseline_idle_pass_bytes": base_idle,
        "ratio_store_vs_fetch": round(store_seconds / base_seconds, 2),
        "ratio_bytes": round(gateway_bytes / base_bytes, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--output", default="bench/results/imap.json")
    report = run(parser.parse_args())
    base, gw = report["baseline"], report["gateway"]
    print(f"{report['messages']} messages of ~{report['message_bytes']} B")
    rate, size = base["messages_per_second"], base["bytes"]
    print(f"baseline fetch only : {base['fetch_seconds']:7.2f} s  {rate:7.1f}/s  {size:,} B")
    rate, size = gw["messages_per_second"], gw["bytes"]
    ratios = f"x{report['ratio_store_vs_fetch']} time, x{report['ratio_bytes']} bytes"
    print(
        f"gateway store+move  : {gw['store_seconds']:7.2f} s  {rate:7.1f}/s  {size:,} B  ({ratios})"
    )
    print(f"all registered after: {gw['registered_seconds']:7.2f} s ({gw['registered']} naskah)")
    idle, bare = gw["idle_pass_bytes"], report["baseline_idle_pass_bytes"]
    print(f"idle pass bytes     : gateway {idle:,} B, baseline SELECT+SEARCH {bare:,} B")
    output = Path(parser.parse_args().output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
