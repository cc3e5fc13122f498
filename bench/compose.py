"""Serialising one notice: the gateway's wire policy against plain compat32, interleaved.

    python bench/compose.py [--rounds 7] [--messages 300]

Composes a realistic notice (text + HTML, a 90-character subject, Reply-To) once, then
each round writes it `--messages` times with each policy, in a new order every round,
and reports per-message medians with [min-max] and the ratio. The bytes are checked
equal first: the fast path must change the speed, never the output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from email.message import Message
from email.policy import compat32
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.outbound.compose import _WIRE, Identity, OutgoingMail, compose

REFERENCE = compat32.clone(linesep="\r\n", max_line_length=78)


def notice() -> Message:
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
    )
    return compose(mail, identity, dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC))


def per_message_ms(msg: Message, policy: Any, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        msg.as_bytes(policy=policy)
    return (time.perf_counter() - start) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    msg = notice()
    if msg.as_bytes(policy=_WIRE) != msg.as_bytes(policy=REFERENCE):
        raise SystemExit("the wire policy writes other bytes than compat32")
    policies = {"compat32": REFERENCE, "wire": _WIRE}
    times: dict[str, list[float]] = {name: [] for name in policies}
    for _ in range(args.rounds):
        names = list(policies)
        random.shuffle(names)
        for name in names:
            times[name].append(per_message_ms(msg, policies[name], args.messages))
    for name, values in times.items():
        print(f"{name:<9} {statistics.median(values):.3f} ms [{min(values):.3f}-{max(values):.3f}]")
    ratios = [w / c for w, c in zip(times["wire"], times["compat32"], strict=True)]
    print(f"wire/compat32 {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
