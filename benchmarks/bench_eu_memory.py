"""Benchmark: peak memory of the expected-utility model with its rounds chunked over issues.

One round of ``eu`` holds arrays of shape (n, n, n, issues). Since the chunking change, a
round whose arrays would pass ``expected_utility.CHUNK_ELEMENTS`` (2**24 doubles) runs on
chunks of issues. The anchor, measured in the same run, is the whole-array round: the same
code with ``CHUNK_ELEMENTS`` raised so that every issue is computed at once (the behaviour
before the change). Each run is a fresh child process (seeded random scenario, one round,
``rounds=1``); the table gives its wall time, its peak resident memory, the ratio of the
anchor's peak to the chunked peak, and whether the forecasts and histories are bit-identical.

Usage: ``python benchmarks/bench_eu_memory.py [--sizes 160x6,220x5]``; writes
``benchmarks/results/eu_memory.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _scenario(n: int, k: int):  # type: ignore[no-untyped-def]
    from detente.scenario.schema import Scenario

    rng = np.random.default_rng(n * 100 + k)
    pos = rng.uniform(0, 100, (n, k)).round(2)
    sal = rng.uniform(5, 100, (n, k)).round(2)
    return Scenario.model_validate(
        {
            "name": f"random {n}x{k}",
            "actors": [
                {"id": f"a{i}", "name": f"a{i}", "capability": float(rng.uniform(1, 100))}
                for i in range(n)
            ],
            "issues": [
                {"id": f"i{j}", "name": f"i{j}", "scale": {"lo": 0, "hi": 100}} for j in range(k)
            ],
            "positions": [
                {"actor": f"a{i}", "issue": f"i{j}", "position": pos[i, j], "salience": sal[i, j]}
                for i in range(n)
                for j in range(k)
            ],
        }
    )


def _child(n: int, k: int, whole: bool) -> tuple[float, float, str, int]:
    from detente.models import expected_utility as eu
    from detente.models import run_model

    if whole:
        eu.CHUNK_ELEMENTS = 1 << 62  # every issue at once: the round as it was before
    arrays = _scenario(n, k).to_arrays()
    chunks = len(eu._issue_chunks(n, k))
    t0 = time.perf_counter()
    fc = run_model("eu", arrays, rounds=1)
    wall = time.perf_counter() - t0
    assert fc.history is not None
    digest = hashlib.sha256(fc.forecast.tobytes() + fc.history.tobytes()).hexdigest()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    return wall, peak, digest, chunks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="160x6,220x5")
    args = ap.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "# Expected-utility model: peak memory of a round chunked over issues",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average at start: {load}.",
        "One round (`rounds=1`) of `eu` on a seeded random scenario, each run in a fresh child "
        "process; anchor = the same code computing every issue at once (before the change).",
        "",
        "| actors x issues | chunks | chunked wall s | chunked peak MiB "
        "| whole-array wall s | whole-array peak MiB | peak whole / chunked | bit-identical |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    ctx = mp.get_context("spawn")
    for n, k in sizes:
        with ctx.Pool(1) as pool:
            c_wall, c_peak, c_digest, chunks = pool.apply(_child, (n, k, False))
        with ctx.Pool(1) as pool:
            w_wall, w_peak, w_digest, _ = pool.apply(_child, (n, k, True))
        lines.append(
            f"| {n} x {k} | {chunks} | {c_wall:.1f} | {c_peak:.0f} | {w_wall:.1f} | "
            f"{w_peak:.0f} | {w_peak / c_peak:.2f}x | {'yes' if c_digest == w_digest else 'NO'} |"
        )
        print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "eu_memory.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
