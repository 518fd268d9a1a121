"""Benchmark: start-up time of the ``detente`` command, whole process, against the goals.

Each command runs ``--repeats`` times (default 15) in a fresh process after one warm-up run;
the table gives the median and the fastest wall time, the median CPU time (user + system of
the child) and the goal of issue 12 item 7 (``--help`` under 0.3 s, a small forecast under
0.5 s). The anchor row is a bare ``python -c pass`` of the same interpreter, measured in the
same run. Where the machine is shared, wall times are inflated and the CPU column is the
steadier figure.

Usage: ``python benchmarks/bench_startup.py [--repeats N]``; writes
``benchmarks/results/startup.md``. Needs ``../shared/data/ktab`` for the KTAB row.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
OUT = ROOT / "benchmarks" / "results" / "startup.md"
DETENTE = [sys.executable, "-c", "import sys; from detente.cli import main; sys.exit(main())"]


_NOTES = [
    "What each command no longer imports (tests/unit/test_startup.py checks it): `--help` no",
    "numpy, pydantic or detente.scenario (cmd_backtest imported scenario.io at its top) and no",
    "rich.markdown / rich.traceback (markdown-it, pygments; deferred while typer.rich_utils is",
    "imported, cli/_lazy_rich.py); a forecast printed as a table no pandas. What is left in a",
    "default forecast: Typer and its pydantic adapter, numpy, the pydantic schema, and",
    "scipy.spatial.distance, which `smp` (a default model) imports for its distance matrix",
    "(models/_smp_core.py `_cityblock`); without smp a forecast imports no scipy.",
    "",
]


def _commands() -> list[tuple[str, list[str], float | None]]:
    example = ROOT / "src" / "detente" / "examples" / "eu-emissions-1994.yaml"
    rows: list[tuple[str, list[str], float | None]] = [
        ("python -c pass (anchor)", [sys.executable, "-c", "pass"], None),
        ("detente --help", [*DETENTE, "--help"], 0.3),
        ("detente forecast --help", [*DETENTE, "forecast", "--help"], 0.3),
        ("detente models", [*DETENTE, "models"], None),
        (
            "detente forecast eu-emissions (default models)",
            [*DETENTE, "forecast", str(example)],
            0.5,
        ),
        (
            "detente forecast eu-emissions -m compromise -m eu",
            [*DETENTE, "forecast", str(example), "-m", "compromise", "-m", "eu"],
            0.5,
        ),
    ]
    ktab = DATA / "ktab" / "dummyData_3Dim.csv"
    if ktab.is_file():
        rows.append(
            (
                "detente forecast dummyData_3Dim.csv (default models)",
                [*DETENTE, "forecast", str(ktab)],
                0.5,
            )
        )
    return rows


def _time(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    lines = [
        "# Start-up time (benchmarks/bench_startup.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"median of {args.repeats} runs of each command after one warm-up, whole process. "
        f"Load average at the start: {os.getloadavg()[0]:.1f}.",
        "",
        "| command | median wall (s) | fastest wall (s) | median CPU (s) | goal (s) | met (median wall) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, cmd, goal in _commands():
        _time(cmd)  # warm-up: file system caches, .pyc files
        runs = [_time(cmd) for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        fastest = min(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        met = "" if goal is None else ("yes" if wall < goal else "no")
        g = "" if goal is None else f"{goal:.1f}"
        lines.append(f"| {name} | {wall:.3f} | {fastest:.3f} | {cpu:.3f} | {g} | {met} |")
        print(lines[-1], flush=True)
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.1f}.", "", *_NOTES]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
