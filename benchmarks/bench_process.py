"""Speed of ``detente.process.simulate``: 10,000 seeded runs of the Miami example over 52
weekly rounds on one core (goal: under 20 s; issue 13).

Runs the single negotiating text (Nash draft) and alternating offers, each on the point values
and on hand-built draws of the reservation points (each run its own inputs: reservation points
moved by a uniform ±25 % of the scale, a stand-in for ``draw_inputs`` until that is merged), in
the local executor (one process, one core). Also checks, in the same run, that the process
executor gives the same numbers bit for bit.

Usage: ``python benchmarks/bench_process.py [--runs N]``; writes
``benchmarks/results/process.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from detente.examples import load_example
from detente.process import simulate
from detente.scenario.draws import InputDraws

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "process.md"


def reservation_draws(scenario, m: int, seed: int = 0) -> InputDraws:
    """``m`` draws: every known reservation point moved by U(-25, 25) % of its scale."""
    a = scenario.to_arrays()
    rng = np.random.default_rng(seed)
    shift = rng.uniform(-0.25, 0.25, (m, *a.reservation.shape)) * a.span
    res = np.clip(a.reservation + shift, a.lo, a.hi)
    n, k = a.position.shape
    arrays = replace(
        a,
        capability=np.broadcast_to(a.capability, (m, n)),
        position=np.broadcast_to(a.position, (m, n, k)),
        salience=np.broadcast_to(a.salience, (m, n, k)),
        reservation=res,
    )
    return InputDraws(arrays)


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    args = ap.parse_args()
    s = load_example("miami")
    m = args.runs
    draws = reservation_draws(s, m)
    rows = []
    for proto in ("single_text", "alternating"):
        for label, kw in (("point values", {"runs": m}), ("drawn reservations", {"draws": draws})):
            res, wall, cpu = timed(
                lambda kw=kw, proto=proto: simulate(s, protocol=proto, rounds=52, seed=1, **kw)
            )
            rows.append((proto, label, m, wall, cpu, res.overall()[0]))
            print(rows[-1], flush=True)
    small = reservation_draws(s, 3000, seed=2)
    a = simulate(s, draws=small, rounds=52, seed=5, executor="local")
    b = simulate(s, draws=small, rounds=52, seed=5, executor="process", workers=2)
    same = np.array_equal(a.record.deal_round, b.record.deal_round) and np.array_equal(
        a.record.terms, b.record.terms, equal_nan=True
    )
    write(rows, same)


def write(rows, same: bool) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Process simulation speed (issue 13)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}; load average at the end "
        f"{load:.1f} (above about 1, other work shared the machine and wall times are "
        "inflated; CPU time (process_time) is the fairer figure then).",
        "",
        "Miami example, 52 weekly rounds, seeded, local executor (one process, one core). "
        "Goal: 10,000 runs under 20 s.",
        "",
        "| protocol | inputs | runs | wall (s) | CPU (s) | P(deal in 52 weeks) | goal met (CPU) |",
        "|---|---|---|---|---|---|---|",
    ]
    for proto, label, m, wall, cpu, p in rows:
        ok = "yes" if cpu < 20 * m / 10_000 else "no"
        lines.append(f"| {proto} | {label} | {m:,} | {wall:.2f} | {cpu:.2f} | {p:.3f} | {ok} |")
    lines += [
        "",
        "Drawn reservations: every known reservation point moved by U(−25 %, +25 %) of its "
        "scale per run (a stand-in for `draw_inputs`); the probabilities are illustrations of "
        "the machinery, not forecasts.",
        "",
        f"Local vs process executor (2 workers), 3,000 drawn runs, same seed: "
        f"{'bit-identical' if same else 'DIFFERENT'}.",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
