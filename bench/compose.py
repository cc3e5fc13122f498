"""Serialising one notice: the gateway's `as_bytes` against plain compat32, interleaved.

    python bench/compose.py [--rounds 7] [--messages 300] [--attachment-bytes 20000]

Composes a realistic notice (text + HTML, a 90-character subject, Reply-To, the letter's
PDF attached as registration attaches it) once, then each round writes it `--messages`
times with each writer, in a new order every round, and reports per-message medians with
[min-max] and the ratio. "wire" is gateway.outbound.compose.as_bytes: its policy's
one-line header path and its generator's one-piece bodies. The bytes are checked equal
first: the fast paths must change the speed, never the output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from email.message import Message
from email.policy import compat32
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.outbound.compose import Identity, OutgoingMail, as_bytes, compose

REFERENCE = compat32.clone(linesep="\r\n", max_line_length=78)


def notice(attachment_bytes: int) -> Message:
    identity = Identity("tnde.banyumaskab.go.id", "tnde", "TNDE Kabupaten Banyumas", "bench")
    text = "Surat masuk 00001/SM/DINKES/2026 perihal Undangan Rapat telah didisposisikan.\n"
    mail = OutgoingMail(
        kind="notice",
        to_address="retno.widyastuti@banyumaskab.go.id",
        to_name="dr. Retno Widyastuti, M.Kes.",
        subject="[00001/SM/DINKES/2026] Disposisi: Undangan Rapat Koordinasi Kesehatan Daerah",
        text=text * 8,
        html="<p>Surat masuk perihal Undangan Rapat Koordinasi.</p>" * 30,
        reply_to="balas+0123456789abcdef0123456789abcdef@tnde.banyumaskab.go.id",
        attachments=[("undangan.pdf", "application/pdf", os.urandom(attachment_bytes))]
        if attachment_bytes
        else [],
    )
    return compose(mail, identity, dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC))


def per_message_ms(msg: Message, write: Callable[[Message], bytes], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        write(msg)
    return (time.perf_counter() - start) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--attachment-bytes", type=int, default=20000)
    args = parser.parse_args()
    msg = notice(args.attachment_bytes)
    writers: dict[str, Callable[[Message], bytes]] = {
        "compat32": lambda m: m.as_bytes(policy=REFERENCE),
        "wire": as_bytes,
    }
    if writers["wire"](msg) != writers["compat32"](msg):
        raise SystemExit("the gateway's as_bytes writes other bytes than compat32")
    times: dict[str, list[float]] = {name: [] for name in writers}
    for _ in range(args.rounds):
        names = list(writers)
        random.shuffle(names)
        for name in names:
            times[name].append(per_message_ms(msg, writers[name], args.messages))
    for name, values in times.items():
        print(f"{name:<9} {statistics.median(values):.3f} ms [{min(values):.3f}-{max(values):.3f}]")
    ratios = [w / c for w, c in zip(times["wire"], times["compat32"], strict=True)]
    print(f"wire/compat32 {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
