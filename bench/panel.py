"""The panel's buku agenda at 100,000 letters: first page, a deep page, a full-text
search and the CSV export, next to a baseline query from the same run.

    python bench/panel.py [--letters 100000] [--repeats 5] [--backend sqlite|postgresql]
                          [--output bench/results/panel.json]

Scenarios (each through gateway.search, as the panel runs them, as an admin):
  first-page   the newest 50 rows, no filter
  deep-page    50 rows starting 90,000 rows down (keyset: `sebelum=<id>`)
  fulltext     two words, one of them a prefix, over perihal/sender/nomor/body (~0.3%)
  fulltext-common  one word found in a sixth of all letters (the worst case typed)
  filtered     unit + status + a date range
  csv-export   every row through the streaming export (time and peak Python memory)
Baseline: `SELECT id, agenda_number FROM naskah ORDER BY id DESC LIMIT 50` in plain SQL,
the least a first page can cost on this database. Scenarios and the baseline alternate
in every repeat; medians with [min-max] are reported, and each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text

from gateway.db.engine import Database
from gateway.db.migrate import upgrade
from gateway.db.models import Naskah, Unit
from gateway.search import AgendaFilter, every_row, filtered, page_of
from gateway.seed import seed_reference

WORDS = (
    "undangan",
    "rapat",
    "koordinasi",
    "stunting",
    "laporan",
    "surveilans",
    "campak",
    "permohonan",
    "data",
    "kependudukan",
    "anggaran",
    "pembangunan",
    "jalan",
    "jembatan",
    "sekolah",
    "puskesmas",
    "bantuan",
    "sosial",
    "mutasi",
    "pegawai",
    "pelatihan",
    "sosialisasi",
    "evaluasi",
    "monitoring",
    "kecamatan",
    "desa",
    "kelurahan",
)
PLACES = ("ajibarang", "purwokerto", "sokaraja", "banyumas", "wangon", "cilongok")


SYLLABLES = ("ka", "ma", "sa", "ta", "ra", "pa", "la", "na", "wi", "ju", "bo", "de", "gu", "ri")
# A register's vocabulary is large and most words are rare: 3,000 made-up words, drawn
# with a Zipf-like skew, plus the words the scenarios search for at known rates.
VOCABULARY = tuple("".join(random.Random(i).choices(SYLLABLES, k=3 + i % 3)) for i in range(3000))
ZIPF = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def body(rng: random.Random, n: int) -> str:
    """About 120 words; "campak" in 2% of letters, a place name in 1 in 6."""
    words = rng.choices(VOCABULARY, weights=ZIPF, k=120)
    if n % 50 == 7:
        words[10] = "campak"
    words[20] = PLACES[n % len(PLACES)]
    return " ".join(words)


def fill(db: Database, letters: int) -> None:
    """Letters spread over four units and two years, with Indonesian-looking text."""
    rng = random.Random(7)
    with db.write() as session:
        seed_reference(session)
        units = []
        for code in ("SETDA", "DINKES", "BAPPEDA", "DINHUB"):
            unit = Unit(code=code, name=f"Unit {code}", active=True)
            session.add(unit)
            session.flush()
            units.append(unit.id)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    statuses = ("baru", "didisposisikan", "dalam_proses", "selesai", "ditolak")
    batch: list[dict[str, Any]] = []
    seq: dict[int, int] = {}
    for n in range(letters):
        unit_id = units[n % len(units)]
        seq[unit_id] = seq.get(unit_id, 0) + 1
        words = rng.sample(WORDS, 5)
        received = start + dt.timedelta(minutes=7 * n)
        batch.append(
            {
                "kind": "surat_masuk",
                "unit_id": unit_id,
                "year": received.year,
                "seq": seq[unit_id],
                "agenda_number": f"{seq[unit_id]:05d}/SM/{unit_id}/{received.year}",
                "channel": "email",
                "dedupe_key": uuid.uuid4().hex,
                "message_id": f"<{n}@bench>",
                "message_id_synthesized": False,
                "raw_sha256": uuid.uuid4().hex * 2,
                "content_sha256": uuid.uuid4().hex * 2,
                "sender": f"tu{n % 300}@instansi{n % 40}.go.id",
                "sender_name": f"TU Instansi {n % 40}",
                "sender_agency": f"Instansi {n % 40}",
                "recipients": [],
                "subject": " ".join(words).title(),
                "perihal": " ".join(words).title(),
                "isi_ringkas": "",
                "nomor_surat": f"{n % 999}/{n}/2025",
                "sifat_keamanan": "R" if n % 50 == 0 else "B",
                "kecepatan": "BIASA",
                "lampiran_count": 0,
                "body_text": body(rng, n),
                "field_sources": {},
                "auth_results": {},
                "parse_defects": [],
                "status": statuses[n % len(statuses)],
                "received_at": received,
                "registered_at": received,
                "decision": {},
                "copies": 1,
            }
        )
        if len(batch) == 2000 or n == letters - 1:
            with db.write() as session:
                session.execute(insert(Naskah), batch)
            batch = []
            print(f"\rfilled {n + 1}/{letters}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def allow_all(query: Any) -> Any:
    return query


def scenarios(db: Database) -> dict[str, Callable[[], Any]]:
    with db.read() as session:
        ids = list(session.scalars(select(Naskah.id).order_by(Naskah.id.desc())))
    deep = ids[min(90_000, len(ids) - 1)]

    def first_page() -> Any:
        with db.read() as session:
            return page_of(session, filtered(session, AgendaFilter(), allow_all), None)

    def deep_page() -> Any:
        with db.read() as session:
            return page_of(session, filtered(session, AgendaFilter(), allow_all), deep)

    def fulltext() -> Any:
        with db.read() as session:
            query = filtered(session, AgendaFilter(q="campak ajibar"), allow_all)
            return page_of(session, query, None)

    def fulltext_common() -> Any:
        # A word in a sixth of all letters: the worst case a person types.
        with db.read() as session:
            query = filtered(session, AgendaFilter(q="ajibarang"), allow_all)
            return page_of(session, query, None)

    def narrowed() -> Any:
        agenda = AgendaFilter(
            unit="DINKES",
            status="selesai",
            date_from=dt.date(2025, 3, 1),
            date_to=dt.date(2025, 4, 30),
        )
        with db.read() as session:
            return page_of(session, filtered(session, agenda, allow_all), None)

    def baseline() -> Any:
        with db.read() as session:
            return session.execute(
                text("SELECT id, agenda_number FROM naskah ORDER BY id DESC LIMIT 50")
            ).all()

    return {
        "baseline": baseline,
        "first-page": first_page,
        "deep-page": deep_page,
        "fulltext": fulltext,
        "fulltext-common": fulltext_common,
        "filtered": narrowed,
    }


def export_once(db: Database) -> tuple[float, int, int]:
    """Seconds, rows and peak traced Python memory of a full export."""
    tracemalloc.start()
    began = time.perf_counter()
    rows = 0
    with db.read() as session:
        for _ in every_row(session, filtered(session, AgendaFilter(), allow_all)):
            rows += 1
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, rows, peak


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--output", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.backend, folder)
        try:
            engine = create_engine(url)
            upgrade(engine)
            db = Database(engine)
            fill(db, args.letters)
            with engine.begin() as connection:  # what autovacuum does on a live database
                connection.execute(text("ANALYZE"))
            runs = scenarios(db)
            times: dict[str, list[float]] = {name: [] for name in runs}
            for repeat in range(args.repeats):
                order = list(runs) if repeat % 2 == 0 else list(reversed(runs))
                for name in order:
                    began = time.perf_counter()
                    runs[name]()
                    times[name].append((time.perf_counter() - began) * 1000)
            exports = [export_once(db) for _ in range(max(1, args.repeats // 2))]
            engine.dispose()
        finally:
            drop()
    base = statistics.median(times["baseline"])
    result: dict[str, Any] = {
        "backend": args.backend,
        "letters": args.letters,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "ms": {name: summary(values) for name, values in times.items()},
        "ratio_to_baseline": {
            name: round(statistics.median(values) / base, 2) for name, values in times.items()
        },
        "csv_export": {
            "seconds": summary([e[0] for e in exports]),
            "rows": exports[0][1],
            "rows_per_second": round(exports[0][1] / statistics.median([e[0] for e in exports])),
            "peak_python_mib": round(max(e[2] for e in exports) / 2**20, 1),
        },
    }
    for name, stats in result["ms"].items():
        ratio = result["ratio_to_baseline"][name]
        print(
            f"{name:15} {stats['median']:8.1f} ms [{stats['min']:.1f}-{stats['max']:.1f}]"
            f"  {ratio:6.2f}x baseline"
        )
    export = result["csv_export"]
    print(
        f"csv-export  {export['seconds']['median']:.2f} s for {export['rows']} rows "
        f"({export['rows_per_second']}/s), peak Python memory {export['peak_python_mib']} MiB"
    )
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def _database(backend: str, folder: str) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{folder}/panel.db", lambda: None
    name = f"tnde_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


if __name__ == "__main__":
    sys.exit(main())
