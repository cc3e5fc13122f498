"""Start-up time of `tnde` commands against a bare `python -c pass`, interleaved.

    python bench/startup.py [--rounds 10] [--output FILE] [--compare DIR]

Makes a demo SQLite instance in a temporary directory (`tnde init` + `tnde demo`), then
runs each command once per round, in a new order every round, so a slow moment of the
machine falls on all of them alike. Reports per command the median wall time with its
range, and the ratio to the baseline interpreter start in the same rounds. `--compare DIR`
also runs every `tnde` command from another checkout (e.g. a `git worktree` of an older
revision, put first on PYTHONPATH) in the same rounds, for a before/after in one run. Bytecode is
compiled first and `PYTHONDONTWRITEBYTECODE` is dropped: an installed gateway runs from
.pyc files, and a start that recompiles every module measures the compiler, not us.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The commands issue 10 names; `check --no-dns` because DNS answers time the network.
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "tnde --help": [str(BIN / "tnde"), "--help"],
    "tnde naskah list": [str(BIN / "tnde"), "naskah", "list"],
    "tnde check --no-dns": [str(BIN / "tnde"), "check", "--no-dns"],
}
BASELINE = "python -c pass"


def _env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNDE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["TNDE_DATABASE__URL"] = f"sqlite:///{workdir / 'tnde.db'}"
    return env


def _time(argv: list[str], source: Path | None, env: dict[str, str], cwd: Path) -> float:
    if source is not None:
        env = {**env, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    # `check` exits 1 when it finds a problem (the demo has no DKIM key: only a warning).
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def measure(rounds: int, workdir: Path, compare: Path | None) -> dict[str, list[float]]:
    env = _env(workdir)
    for setup in (["init"], ["demo"]):
        subprocess.run(
            [str(BIN / "tnde"), *setup], env=env, cwd=workdir, check=True, capture_output=True
        )
    runs: dict[str, tuple[list[str], Path | None]] = {
        name: (argv, None) for name, argv in COMMANDS.items()
    }
    for root in (ROOT, compare) if compare else (ROOT,):
        for package in ("gateway", "rules", "webadmin"):
            compileall.compile_dir(root / package, quiet=1)
    if compare:
        for name, argv in COMMANDS.items():
            if name != BASELINE:
                runs[f"{name} [{compare.name}]"] = (argv, compare)
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # one warm-up each: page cache, not counted
        _time(*runs[name], env=env, cwd=workdir)
    for number in range(1, rounds + 1):
        random.shuffle(names)
        for name in names:
            argv, source = runs[name]
            times[name].append(_time(argv, source, env=env, cwd=workdir))
        print(f"round {number}/{rounds}", file=sys.stderr)
    return times


def report(times: dict[str, list[float]]) -> list[dict[str, object]]:
    base = statistics.median(times[BASELINE])
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        rows.append(
            {
                "command": name,
                "median_s": round(median, 3),
                "min_s": round(min(values), 3),
                "max_s": round(max(values), 3),
                "ratio_to_python": round(median / base, 1),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--compare", type=Path, help="another checkout, timed alongside")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tnde-startup-") as tmp:
        rows = report(measure(args.rounds, Path(tmp), args.compare))
    print(f"{'command':<34} {'median s':>9} {'range s':>15} {'x python':>9}")
    for row in rows:
        spread = f"{row['min_s']:.3f}-{row['max_s']:.3f}"
        print(
            f"{row['command']:<34} {row['median_s']:>9.3f} {spread:>15} {row['ratio_to_python']:>9}"
        )
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
