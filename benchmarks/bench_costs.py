"""Benchmark: the cost estimates against measured runs (the accuracy of "say what it costs").

Each row runs one computation in a fresh child process on a seeded random scenario: a model
through ``run_by_group`` or the bargaining analysis. It prints the estimate made before the
run (``ModelInfo.estimate_cost`` / ``bargaining.estimate_cost``) beside the measured wall time
and peak resident memory, and the ratios estimate / measured. The estimates exist to tell a
2-second run from a 2-hour one; a ratio between 1/3 and 3 is what they aim at. Memory is the
estimate of the working arrays; the measured peak includes the interpreter and libraries
(about 100 MB), so small runs show a low memory ratio by construction.

Usage: ``python benchmarks/bench_costs.py``; writes ``benchmarks/results/costs.md``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: (what, actors, issues, option): models by name, or "analyze" with its --grid.
CASES = [
    ("compromise", 2000, 50, None),
    ("smp", 100, 5, None),
    ("smp", 300, 5, None),
    ("eu", 80, 4, None),
    ("eu", 160, 4, None),
    ("exchange", 20, 4, None),
    ("exchange", 40, 6, None),
    ("analyze", 4, 6, 21),
    ("analyze", 5, 12, 21),
]


def _arrays(n: int, k: int):  # type: ignore[no-untyped-def]
    from detente.scenario import ScenarioArrays

    rng = np.random.default_rng(n * 1000 + k)
    return ScenarioArrays.from_numpy(
        rng.uniform(1, 100, n), rng.uniform(0, 100, (n, k)), rng.uniform(0.1, 1.0, (n, k))
    )


def _scenario_arrays(n: int, k: int):  # type: ignore[no-untyped-def]
    """A scenario with veto players and reservation points, as analyze reads them."""
    from detente.scenario.schema import Scenario

    rng = np.random.default_rng(n * 1000 + k)
    pos = rng.uniform(0, 100, (n, k)).round(1)
    return Scenario.model_validate(
        {
            "name": "bench",
            "actors": [
                {"id": f"a{i}", "name": f"a{i}", "capability": 1.0, "veto": True} for i in range(n)
            ],
            "issues": [
                {"id": f"i{j}", "name": f"i{j}", "scale": {"lo": 0, "hi": 100}} for j in range(k)
            ],
            "positions": [
                {
                    "actor": f"a{i}",
                    "issue": f"i{j}",
                    "position": float(pos[i, j]),
                    "salience": float(rng.uniform(10, 100)),
                    "reservation": float(np.clip(pos[i, j] + rng.uniform(-40, 40), 0, 100)),
                }
                for i in range(n)
                for j in range(k)
            ],
        }
    ).to_arrays()


def _child(what: str, n: int, k: int, grid: int | None) -> tuple[float, float, float, float]:
    if what == "analyze":
        from detente.bargaining import analyze, estimate_cost

        arrays = _scenario_arrays(n, k)
        cost = estimate_cost(arrays, grid=grid or 21)
        t0 = time.perf_counter()
        analyze(arrays, grid=grid or 21)
    else:
        from detente.models import get_model
        from detente.models.registry import run_by_group

        arrays = _arrays(n, k)
        cost = get_model(what).estimate_cost(n, k, {})
        t0 = time.perf_counter()
        run_by_group(what, arrays)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0  # KiB -> bytes
    return cost.seconds, wall, cost.bytes, peak


def main() -> None:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "# Cost estimates against measured runs",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average at start: {load}.",
        "Each row: one run in a fresh child process on a seeded random scenario; the anchor is "
        "the measured run.",
        "",
        "| computation | actors x issues | estimated s | measured s | time est / measured "
        "| estimated MB | peak RSS MB | memory est / peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    ctx = mp.get_context("spawn")
    for what, n, k, grid in CASES:
        with ctx.Pool(1) as pool:
            est_s, wall, est_b, peak = pool.apply(_child, (what, n, k, grid))
        label = what if grid is None else f"{what} --grid {grid}"
        lines.append(
            f"| {label} | {n} x {k} | {est_s:.3g} | {wall:.3g} | {est_s / wall:.2f} | "
            f"{est_b / 1e6:.3g} | {peak / 1e6:.0f} | {est_b / peak:.2f} |"
        )
        print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "costs.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
