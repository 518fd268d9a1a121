"""Benchmark: the expected-utility model over a draw axis (``eu.batch``) on the Miami example.

``--draws`` perturbed draws of the Miami example (5 actors x 12 issues; capability and salience
x U(0.7, 1.3), positions moved by N(0, 5% of the scale)) through ``eu`` with its defaults:

1. the anchor, measured in the same run: single runs one draw at a time (``run_model``) on
   the first ``--single`` draws, scaled to all draws;
2. the batch in one process;
3. the batch split in two halves over a pool of two processes (the 2-core case).

Every batch row is checked against the single run of the same draw (bit for bit) on the
anchor's draws. The goal (issue 12 item 7): 100,000 draws in well under 60 s on 2 cores.

Usage: ``python benchmarks/bench_eu_batch.py [--draws N] [--single N]``; writes
``benchmarks/results/eu_batch.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from detente.examples import load_example
from detente.models.registry import run_batch, run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.draws import InputDraws

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "eu_batch.md"


def _draws(m: int, seed: int = 0) -> ScenarioArrays:
    a = load_example("miami").to_arrays()
    rng = np.random.default_rng(seed)
    n, k = a.n_actors, a.n_issues
    cap = a.capability[None] * rng.uniform(0.7, 1.3, (m, n))
    sal = np.clip(a.salience[None] * rng.uniform(0.7, 1.3, (m, n, k)), 0.0, 1.0)
    pos = np.clip(a.position[None] + rng.normal(0, 0.05, (m, n, k)) * (a.hi - a.lo), a.lo, a.hi)
    return replace(
        a,
        capability=cap,
        position=pos,
        salience=sal,
        reservation=np.broadcast_to(a.reservation, (m, n, k)),
    )


def _half(args: tuple[int, int, int]) -> np.ndarray:
    m, lo, hi = args
    return np.asarray(run_batch("eu", InputDraws(_draws(m)).take(lo, hi).arrays))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--single", type=int, default=200)
    args = ap.parse_args()
    m = args.draws
    batch = _draws(m)
    draws = InputDraws(batch)
    ns = min(args.single, m)
    t0 = time.perf_counter()
    single = np.stack([run_model("eu", draws.point(d)).forecast for d in range(ns)])
    t_single = (time.perf_counter() - t0) / ns * m
    t0 = time.perf_counter()
    out = np.asarray(run_batch("eu", batch))
    t_one = time.perf_counter() - t0
    same = np.array_equal(out[:ns], single, equal_nan=True)
    h = m // 2
    with ProcessPoolExecutor(2) as pool:
        pool.submit(int, 0).result()  # workers started before the clock
        t0 = time.perf_counter()
        parts = list(pool.map(_half, [(m, 0, h), (m, h, m)]))
        t_two = time.perf_counter() - t0
    same2 = np.array_equal(np.concatenate(parts), out, equal_nan=True)
    rows = [
        (f"single runs, one draw at a time (anchor; scaled from {ns} draws)", t_single),
        ("batch, one process", t_one),
        ("batch, two processes", t_two),
    ]
    lines = [
        "# Expected-utility model over a draw axis (benchmarks/bench_eu_batch.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} at the end of the run "
        "(a machine shared with other jobs inflates every figure).",
        f"{m:,} draws of the Miami example (5 actors x 12 issues), eu defaults. Goal: 100,000 "
        "draws in well under 60 s on 2 cores.",
        "",
        "| run | seconds | ms per draw | x anchor |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {t:.1f} | {1e3 * t / m:.3f} | {t_single / t:.1f} |" for name, t in rows]
    lines += [
        "",
        f"Batch rows equal the single runs bit for bit on the first {ns} draws: {same}; "
        f"two processes give the same rows as one: {same2}.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
