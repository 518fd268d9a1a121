"""Benchmark: ensembles of the Miami example (issue 12, item 7).

Rows, each timed in this process with ``time.perf_counter`` (best of ``--repeat``):

1. **Per model**: ``--draws`` draws (default 100,000) of the Miami example through
   ``compromise``, ``eu`` and ``smp`` on the local executor (models with a batch form run
   vectorised over each chunk of 1024 draws; the others draw by draw), and the zone check;
   then the total. Goal: the total under 60 s on the 2-core reference machine. A model without
   a batch form is timed on ``--loop-draws`` draws and scaled to ``--draws`` when that is
   smaller (the row says so).
2. **Two workers against one**: the same ensemble (``--scale-models`` on ``--scale-draws``
   draws) on the ``process`` executor with 1 and 2 workers, and on Dask (a LocalCluster of 1
   and 2 single-threaded workers, started before the clock). Goal: at least 1.8x. Pool and
   cluster start-up are outside the clock for Dask and inside it for the pool (the pool starts
   per run).
3. **The local executor's overhead**: ``ensemble_from_draws`` (chunks, progress, gathering,
   statistics) against the bare ``evaluate_models`` + ``evaluate_zone`` on all draws at once,
   for the vectorised models.

The inputs come from :func:`detente.uncertainty.sampling.draw_inputs` when it is available;
otherwise from a stand-in (capabilities and saliences × U(0.7, 1.3), reservation points +
N(0, 8)), and the results file says which.

Usage: ``python benchmarks/bench_ensemble.py [--draws 100000] [--loop-draws N]``; writes
``benchmarks/results/ensemble.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _stand_in(n: int, seed: int = 0) -> Any:
    from detente.examples import load_example
    from detente.scenario.draws import InputDraws

    a = load_example("miami").to_arrays()
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.7, 1.3, (n, *a.salience.shape))
    arrays = replace(
        a,
        capability=a.capability * rng.uniform(0.7, 1.3, (n, a.n_actors)),
        position=np.broadcast_to(a.position, f.shape),
        salience=np.clip(a.salience * f, 0.0, 1.0),
        reservation=np.clip(a.reservation + rng.normal(0, 8, f.shape), a.lo, a.hi),
    )
    return InputDraws(arrays)


def _draws(n: int) -> tuple[Any, str]:
    """``n`` draws of the Miami example, and where they came from."""
    from detente.examples import load_example
    from detente.uncertainty.sampling import draw_inputs

    try:
        return draw_inputs(load_example("miami"), n, seed=1, method="sobol"), "draw_inputs (sobol)"
    except NotImplementedError:
        return _stand_in(n), "a stand-in sampler (draw_inputs not yet on this branch)"


def _best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _per_model(args: argparse.Namespace) -> list[str]:
    from detente.models.registry import get_model
    from detente.uncertainty.ensemble import ensemble_from_draws

    rows, total = [], 0.0
    for name in ("compromise", "eu", "smp"):
        batch = get_model(name).batch is not None
        n = args.draws if batch or args.loop_draws is None else min(args.draws, args.loop_draws)
        draws, _ = _draws(n)
        sec = _best(
            lambda d=draws, m=name: ensemble_from_draws(d, models=(m,), seed=1), args.repeat
        )
        full = sec * args.draws / n
        total += full
        how = "batch form" if batch else "draw by draw"
        note = "" if n == args.draws else f" (timed on {n:,} draws, scaled ×{args.draws / n:g})"
        rows.append(
            f"| {name} ({how}) | {args.draws:,} | {full:.1f}{note} | {1e6 * full / args.draws:.1f} |"
        )
    rows.append(
        f"| **total** (incl. the zone check in each) | {args.draws:,} | **{total:.1f}** | {1e6 * total / args.draws:.1f} |"
    )
    return rows


def _scaling(args: argparse.Namespace) -> list[str]:
    from distributed import LocalCluster

    from detente.uncertainty.ensemble import ensemble_from_draws
    from detente.uncertainty.executors import Executor

    draws, _ = _draws(args.scale_draws)
    models = tuple(args.scale_models.split(","))

    def run(ex: Executor) -> float:
        return _best(
            lambda: ensemble_from_draws(draws, models=models, seed=1, executor=ex), args.repeat
        )

    rows = []
    local = run(Executor("local"))
    rows.append(f"| local | 1 | {local:.1f} | — |")
    one = run(Executor("process", 1))
    two = run(Executor("process", 2))
    rows.append(f"| process pool | 1 | {one:.1f} | — |")
    rows.append(f"| process pool | 2 | {two:.1f} | **{one / two:.2f}×** |")
    times = {}
    for w in (1, 2):
        with LocalCluster(
            n_workers=w,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as c:
            times[w] = run(Executor("dask", scheduler=c.scheduler_address))
    rows.append(f"| dask LocalCluster | 1 | {times[1]:.1f} | — |")
    rows.append(f"| dask LocalCluster | 2 | {times[2]:.1f} | **{times[1] / times[2]:.2f}×** |")
    return rows


def _overhead(args: argparse.Namespace) -> list[str]:
    from detente.uncertainty.ensemble import ensemble_from_draws, evaluate_models, evaluate_zone

    draws, _ = _draws(args.overhead_draws)
    rows = []
    for models in (("compromise",), ("compromise", "median", "nash")):

        def bare(m: tuple[str, ...] = models) -> None:
            evaluate_models(draws, m, seed=1)
            evaluate_zone(draws)

        b = _best(bare, args.repeat)
        e = _best(
            lambda m=models: ensemble_from_draws(draws, models=m, seed=1).stats(), args.repeat
        )
        rows.append(
            f"| {', '.join(models)} | {args.overhead_draws:,} | {b:.2f} | {e:.2f} | {e / b:.2f}× |"
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument(
        "--loop-draws",
        type=int,
        default=None,
        help="Time models without a batch form on this many draws and scale.",
    )
    p.add_argument("--scale-draws", type=int, default=100_000)
    p.add_argument("--scale-models", default="compromise,eu,smp")
    p.add_argument("--overhead-draws", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    _, source = _draws(2)
    lines = [
        "# Ensembles of the Miami example",
        "",
        f"`python benchmarks/bench_ensemble.py --draws {args.draws} "
        + (f"--loop-draws {args.loop_draws} " if args.loop_draws else "")
        + f"--scale-draws {args.scale_draws} --scale-models {args.scale_models} "
        f"--overhead-draws {args.overhead_draws} --repeat {args.repeat}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average at start: {load}. "
        f"Inputs: {source}.",
        "",
        f"## 1. {args.draws:,} draws through compromise, eu and smp (goal: total under 60 s)",
        "",
        "| model | draws | seconds | µs per draw |",
        "|---|---:|---:|---:|",
        *_per_model(args),
        "",
        f"## 2. Two workers against one ({args.scale_models} on {args.scale_draws:,} draws; "
        "goal ≥ 1.8×)",
        "",
        "| executor | workers | seconds | speed-up |",
        "|---|---:|---:|---:|",
        *_scaling(args),
        "",
        "## 3. The local executor's overhead (chunks, progress, gathering, statistics)",
        "",
        "| models | draws | bare evaluate_* (s) | ensemble (s) | ratio |",
        "|---|---:|---:|---:|---:|",
        *_overhead(args),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "benchmarks" / "results" / "ensemble.md"
    out.write_text(text)


if __name__ == "__main__":
    main()
