"""Benchmark: KTAB's Spatial Model of Politics (detente.models.smp) — wall time and peak memory.

Runs every KTAB scenario to convergence (median of 3 timed runs where affordable; peak memory
from a separate tracemalloc run) and synthetic scenarios of 320, 640 and 1,000 actors x 1 and
x 10 dimensions (seeded generator below). Synthetic runs are capped at ``--synthetic-turns``
turns (default 3) unless ``--full``; the growth exponent is the log-log slope of wall time per
turn against the number of actors.

KTAB's times are QUOTED from the project's issue 3 (``smpc`` -O2, 2 cores, database and log
writing removed, median of 3). KTAB cannot be built here, so no KTAB time is measured.

Usage: ``python benchmarks/bench_smp.py [--full] [--synthetic-turns N] [--quick]``
Writes ``benchmarks/results/smp.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from detente.models import run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io.ktab import ktab_to_arrays, read_ktab_csv

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ktab").resolve()

# name -> (KTAB wall time in s, KTAB number of states), quoted from issue 3
KTAB = {
    "dummyData_3Dim": (0.03, 11),
    "SOE-Pol-Comp": (0.28, 28),
    "dummyData_6Dim": (2.1, 30),
    "dummyData-a040": (5.4, 21),
    "dummyData-a080": (70.0, 18),
    "dummyData-a160": (None, None),  # ~118 s per turn with logging, ~1/3 of that without
}
KTAB_A160_PER_TURN = 118.0 / 3


def synthetic(n: int, k: int, seed: int = 20251125) -> ScenarioArrays:
    """Seeded random SMP scenario: positions and capabilities uniform, saliences summing to 0.3-1."""
    g = np.random.default_rng([seed, n, k])
    pos = np.round(g.uniform(0, 100, (n, k)), 1)
    sal = g.uniform(0.05, 1.0, (n, k))
    sal = np.round(sal / sal.sum(1, keepdims=True) * g.uniform(0.3, 1.0, (n, 1)), 3)
    cap = np.round(g.uniform(1, 100, n), 1)
    return ScenarioArrays.from_numpy(cap, pos, sal)


def measure(arrays: ScenarioArrays, repeats: int, max_turns: int = 100) -> tuple[float, int, float]:
    times, turns = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        fc = run_model("smp", arrays, max_turns=max_turns)
        times.append(time.perf_counter() - t0)
        turns = fc.n_rounds
    tracemalloc.start()
    run_model("smp", arrays, max_turns=max_turns)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), turns, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="run synthetic scenarios to convergence")
    ap.add_argument("--synthetic-turns", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="KTAB scenarios only")
    args = ap.parse_args()
    lines = [
        "# SMP benchmark (detente.models.smp)",
        "",
        f"Machine: {platform.machine()}, {platform.python_version()}, numpy {np.__version__}. "
        "KTAB times are quoted from issue 3 (smpc -O2, 2 cores, no DB/log writing, median of 3); "
        "KTAB was not built or run here.",
        "",
        "| scenario | actors x dims | states (ours) | states (KTAB) | wall s (median) | s/turn | peak MiB "
        "| KTAB s | KTAB / ours |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(*cells: object) -> None:
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        print(lines[-1], flush=True)

    print("\n".join(lines), flush=True)
    for name, (k_time, k_states) in KTAB.items():
        a = ktab_to_arrays(read_ktab_csv(DATA / f"{name}.csv"))
        reps = 3 if a.n_actors <= 80 else 1
        t, turns, peak = measure(a, reps)
        if k_time is None:
            k_time = KTAB_A160_PER_TURN * turns
            k_label = f"~{k_time:.0f} (est. {KTAB_A160_PER_TURN:.0f} s/turn x {turns})"
        else:
            k_label = f"{k_time:g}"
        row(
            name,
            f"{a.n_actors} x {a.n_issues}",
            turns + 1,
            k_states or "-",
            f"{t:.3f}",
            f"{t / max(turns, 1):.4f}",
            f"{peak:.1f}",
            k_label,
            f"{k_time / t:.0f}x",
        )
    if not args.quick:
        per_turn: dict[int, dict[int, float]] = {1: {}, 10: {}}
        for k in (1, 10):
            for n in (320, 640, 1000):
                a = synthetic(n, k)
                cap = 100 if args.full else args.synthetic_turns
                t, turns, peak = measure(a, 1, max_turns=cap)
                per_turn[k][n] = t / max(turns, 1)
                note = "" if args.full else f" (capped at {cap} turns)"
                row(
                    f"synthetic{note}",
                    f"{n} x {k}",
                    turns + 1,
                    "-",
                    f"{t:.2f}",
                    f"{t / max(turns, 1):.3f}",
                    f"{peak:.0f}",
                    "-",
                    "-",
                )
        lines.append("")
        for k in (1, 10):
            ns = np.array(sorted(per_turn[k]))
            ts = np.array([per_turn[k][n] for n in ns])
            slope = np.polyfit(np.log(ns), np.log(ts), 1)[0]
            lines.append(
                f"Growth exponent (log-log slope of s/turn vs actors, x {k} dims): {slope:.2f}"
            )
            print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "smp.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
