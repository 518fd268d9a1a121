"""Benchmark: the expected-utility model (detente.models.expected_utility) — time and memory.

Two tables, both measured in this run:

1. The own-alternatives risk of one round (``_own_danger``, the model's cost centre): the
   O(n^3) decomposition against its anchor, the same quantity by definition — the danger
   ``S_i`` recomputed by the model's own ``_danger`` in every configuration where actor i
   alone is moved to a candidate position (O(n^4) per issue and more; ``all_pairs``
   denominator, the default). Seeded random inputs of 10-40 actors x 1 issue (larger
   anchors do not fit in memory); the largest difference between the two is printed.
2. Whole runs of ``eu`` (defaults, and ``q = 0.5``, which needs every configuration's median)
   and ``eu-damped`` on KTAB's dummyData-a040/a080/a160 (40/80/160 actors, 1 issue), each in
   a fresh child process: median wall time of ``--repeats`` runs after a warm-up, and the
   child's peak resident memory.

Usage: ``python benchmarks/bench_eu.py [--repeats N]``; writes ``benchmarks/results/eu.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from detente.models import expected_utility as eu
from detente.models import run_model
from detente.scenario.io import load

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ktab").resolve()


def own_danger_by_definition(u, w, s, present, cand, opts):  # type: ignore[no-untyped-def]
    """``S_i`` with i moved to each candidate, from ``_danger`` on each whole configuration."""
    n, k = u.shape
    out = np.full((cand.shape[0], n, k), np.nan)
    eye = np.eye(n, dtype=bool)[:, :, None]
    for c in range(cand.shape[0]):  # one candidate at a time bounds the memory
        cfg = np.where(eye, cand[c][None, None, :], u[None, :, :])  # (i, a, k)
        cp = np.broadcast_to(present, cfg.shape) & ~np.isnan(cfg)
        sd = eu._danger(
            np.where(cp, cfg, 0.0),
            np.broadcast_to(w, cfg.shape),
            np.broadcast_to(s, cfg.shape),
            cp,
            opts,
        )
        own = sd[np.arange(n), np.arange(n)]
        out[c] = np.where(cp[np.arange(n), np.arange(n)], own, np.nan)
    return out


def risk_table(sizes: list[int], repeats: int) -> list[str]:
    lines = [
        "| actors x issues | O(n^3) decomposition s (median) | by definition s (median) "
        "| definition / decomposition | max abs difference |",
        "|---|---|---|---|---|",
    ]
    opts = dict(eu.DEFAULTS)
    for n in sizes:
        g = np.random.default_rng([20251130, n])
        u = g.random((n, 1))
        w = g.random((n, 1))
        s = g.random((n, 1))
        present = np.ones((n, 1), bool)
        times: dict[str, list[float]] = {"fast": [], "def": []}
        for _ in range(repeats):
            t0 = time.perf_counter()
            fast = eu._own_danger(u, w, s, present, u, opts)
            times["fast"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref = own_danger_by_definition(u, w, s, present, u, opts)
            times["def"].append(time.perf_counter() - t0)
        tf, td = statistics.median(times["fast"]), statistics.median(times["def"])
        diff = float(np.nanmax(np.abs(fast - ref)))
        lines.append(f"| {n} x 1 | {tf:.4f} | {td:.3f} | {td / tf:.0f}x | {diff:.1e} |")
        print(lines[-1], flush=True)
    return lines


def _child(name: str, model: str, params: dict, repeats: int) -> tuple[float, int, float]:
    a = load(DATA / f"{name}.csv").to_arrays()
    run_model(model, a, rounds=1, **params)  # warm-up
    walls, rounds = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        fc = run_model(model, a, **params)
        walls.append(time.perf_counter() - t0)
        rounds = fc.n_rounds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    return statistics.median(walls), rounds, peak


def run_table(repeats: int) -> list[str]:
    lines = [
        "| scenario | model | options | rounds | runs | wall s (median) | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    ctx = mp.get_context("spawn")
    for name in ("dummyData-a040", "dummyData-a080", "dummyData-a160"):
        for model, params in (("eu", {}), ("eu", {"q": 0.5}), ("eu-damped", {})):
            with ctx.Pool(1) as pool:
                t, rounds, peak = pool.apply(_child, (name, model, params, repeats))
            opt = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
            lines.append(
                f"| {name} | {model} | {opt} | {rounds} | {repeats} | {t:.3f} | {peak:.0f} |"
            )
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    head = [
        "# Expected-utility model benchmark (detente.models.expected_utility)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average at start: {load}.",
        "",
        "## 1. One round's own-alternatives risk: decomposition vs definition (same run)",
        "",
    ]
    print("\n".join(head), flush=True)
    lines = head + risk_table([10, 20, 30, 40], args.repeats)
    lines += ["", "## 2. Whole runs on KTAB's large scenarios (fresh child process each)", ""]
    print("\n".join(lines[-3:]), flush=True)
    lines += run_table(args.repeats)
    out = ROOT / "benchmarks" / "results" / "eu.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
