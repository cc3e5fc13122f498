"""Registration cost per letter, without SMTP: CPU ms, SQL statements, and a profile.

    python bench/register.py [--letters 300] [--backend sqlite|postgresql] [--profile FILE]

Stores the `bench/ingest.py` letter (unique Message-ID and Nomor, a one-page PDF) as
received Inbound rows of a fresh demo database, then runs the worker over them in this
process and reports, per letter: CPU ms of this process plus its children (the PDF text
reader), SQL statements, and wall ms. A `--warmup` share of the letters runs first and is
not counted (imports, caches, the PDF reader's start). `--profile FILE` writes a
pyinstrument profile of the counted letters (`pip install pyinstrument` first; it is not
a dependency of the gateway or its tests). `--calls` counts the Python function calls
per letter instead (cProfile): a number that stays the same from run to run where CPU
time on a shared VM does not, for comparing two versions of the code; CPU and wall time
of that run include the counting and are not comparable with other runs.
This isolates what `ingest.py` reports as one number for intake plus registration.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import RECIPIENT, SENDER, build_letter, message_payload, tnde_executable
from gateway.app import App
from gateway.config import load_settings
from gateway.intake.store import Envelope, store_inbound


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNDE_")}
    env.update({"TNDE_DATABASE__URL": url, "TNDE_OUTBOUND__SMARTHOST": ""})
    return env


@contextlib.contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL, initialised with the demo organisation; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'tnde.db'}"
        drop = None
    else:
        import psycopg

        name = f"tnde_regbench_{os.getpid()}"
        admin = psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"

        def drop() -> None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

    try:
        for command in ("init", "demo"):
            subprocess.run(
                [tnde_executable(), command], env=_env(url), check=True, capture_output=True
            )
        yield url
    finally:
        if drop is not None:
            drop()


class StatementCounter:
    """Counts SQL statements sent to the database, and how often each one was sent."""

    def __init__(self) -> None:
        self.count = 0
        self.texts: Counter[str] = Counter()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += 1
        self.texts[" ".join(statement.split())[:110]] += 1

    def reset(self) -> None:
        self.count = 0
        self.texts.clear()


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU of this process and its children (living and reaped)."""
    times = process.cpu_times()
    own = times.user + times.system + times.children_user + times.children_system
    living = 0.0
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child_times = child.cpu_times()
            living += child_times.user + child_times.system
    return own + living


def run(args: argparse.Namespace) -> dict[str, Any]:
    template = build_letter(args.size)
    with (
        tempfile.TemporaryDirectory(prefix="tnde-regbench-") as tmp,
        database(args.backend, Path(tmp)) as url,
    ):
        settings = load_settings(environ=_env(url))
        app = App.build(settings)
        envelope = Envelope("smtp", SENDER, [RECIPIENT], peer="127.0.0.1", helo="bench")
        total = args.letters + args.warmup
        for index in range(total):
            raw = message_payload(template, "regbench", index)
            store_inbound(app.db, raw, envelope, app.clock())
        counter = StatementCounter()
        event.listen(app.db.engine, "before_cursor_execute", counter)
        worker = app.worker()
        for _ in range(args.warmup):
            worker.run_once()
        me = psutil.Process()
        profiler = None
        calls = cProfile.Profile() if args.calls else None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        counter.reset()
        if calls is not None:
            calls.enable()
        walls = []
        cpu0 = cpu_seconds(me)
        done = 0
        while done < args.letters:
            # As `tnde serve` does: claim a batch ([worker] claim_batch), register each.
            start = time.perf_counter()
            ids, token = worker.claim(min(settings.worker.claim_batch, args.letters - done))
            for inbound_id in ids:
                outcome = worker.process(inbound_id, token)
                if outcome.state != "registered":
                    raise SystemExit(f"letter not registered: {outcome}")
            walls.append((time.perf_counter() - start) * 1000 / max(1, len(ids)))
            done += len(ids)
        cpu = cpu_seconds(me) - cpu0
        if calls is not None:
            calls.disable()
        if profiler is not None:
            profiler.stop()
            text = args.profile.endswith(".txt")
            output = profiler.output_text(show_all=False) if text else profiler.output_html()
            Path(args.profile).write_text(output)
        statements = counter.count
        if args.sql:
            for text, times in counter.texts.most_common():
                print(f"{times / args.letters:6.2f}  {text}", file=sys.stderr)
        app.close()
    return {
        "backend": args.backend,
        "letters": args.letters,
        "size": len(template),
        "cpu_ms_per_letter": round(cpu * 1000 / args.letters, 2),
        "statements_per_letter": round(statements / args.letters, 1),
        "wall_ms_p50": round(statistics.median(walls), 2),
        "wall_ms_max": round(max(walls), 2),
        **(
            {"python_calls_per_letter": round(_total_calls(calls) / args.letters)}
            if calls is not None
            else {}
        ),
    }


def _total_calls(profile: cProfile.Profile) -> int:
    """Every Python and C function call the profile saw (recursive calls included)."""
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--size", type=int, default=20480)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--profile", help="write a pyinstrument profile here (.txt: text, else HTML)"
    )
    parser.add_argument("--sql", action="store_true", help="list the statements per letter")
    parser.add_argument(
        "--calls", action="store_true", help="count Python function calls per letter (cProfile)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if args.calls and args.profile:
        parser.error("--calls and --profile each need the profiler: choose one")
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()
