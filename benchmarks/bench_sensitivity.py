"""Sobol sensitivity of the Miami example: 1,024 base samples over all its uncertain inputs.

Goal (issue 12, item 7): under 5 minutes on this 2-core machine, per model, grouped (the
analyst's groups) and ungrouped (every input alone). Sobol with ``n`` base samples and ``D``
inputs or groups costs ``n (D + 2)`` evaluations of every answer.

For each model and grouping the script times the pieces of :func:`detente.uncertainty.
sensitivity.sensitivity` separately, as it runs them:

1. sampling (SALib's Saltelli sample, held as the compact plan);
2. evaluation: the model's forecasts (and, with compromise, the zone of agreement) through
   the same chunk function and ``map_chunks`` the analysis uses — the whole sample when the
   projected time is within ``--budget`` seconds, otherwise a measured slice of the first
   evaluations, extrapolated linearly to the whole sample (marked "projected");
3. SALib's analysis of every answer (measured on the compromise answers, whose evaluations
   always exist, and applied to each model: it depends on the number of answers, not on the
   model).

Usage: ``python benchmarks/bench_sensitivity.py [--budget SECONDS] [--n 1024]``; writes
``benchmarks/results/sensitivity.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "sensitivity.md"
GOAL = 300.0
MODELS = ("compromise", "eu", "smp")


def _problem(space, grouping):  # type: ignore[no-untyped-def]
    labels = space.groups(grouping)
    problem = {"num_vars": space.d, "names": list(space.names), "bounds": [[0.0, 1.0]] * space.d}
    if grouping == "analyst":
        problem["groups"] = labels
    return problem, list(dict.fromkeys(labels))


def _evaluate(space, model, plan, stop):  # type: ignore[no-untyped-def]
    from detente.uncertainty.executors import map_chunks
    from detente.uncertainty.sensitivity import _scenario_chunk

    fn = partial(_scenario_chunk, space, (model,), model == "compromise", plan)
    t = time.perf_counter()
    parts = map_chunks(fn, stop, seed=1, chunk_size=1024)
    return time.perf_counter() - t, parts


def _analysis_time(problem, parts, inputs):  # type: ignore[no-untyped-def]
    from detente.uncertainty.sensitivity import _indices

    ys = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    t = time.perf_counter()
    _indices(problem, None, ys, "sobol", inputs, 1, {})
    return time.perf_counter() - t, len(ys)


def run(n: int, budget: float) -> list[dict]:
    from detente.examples import load_example
    from detente.uncertainty.sampling import InputSpace
    from detente.uncertainty.sensitivity import _sobol_plan

    space = InputSpace.from_scenario(load_example("miami"))
    rows = []
    for grouping in ("analyst", "inputs"):
        problem, inputs = _problem(space, grouping)
        t = time.perf_counter()
        plan = _sobol_plan(problem, n, False, 1)
        t_sample = time.perf_counter() - t
        analysis = None
        for model in MODELS:
            # a whole chunk of draws: the batch forms' speed per draw needs a full chunk
            probe = min(plan.size, 2048)
            t_probe, parts = _evaluate(space, model, plan, probe)
            projected = t_probe / probe * plan.size
            full = projected <= budget
            if full:
                t_eval, parts = _evaluate(space, model, plan, plan.size)
                if model == "compromise":
                    analysis = _analysis_time(problem, parts, inputs)
            else:
                t_eval = projected
            t_an = analysis[0] if analysis is not None else float("nan")
            total = t_sample + t_eval + (0.0 if np.isnan(t_an) else t_an)
            rows.append(
                {
                    "grouping": grouping,
                    "D": len(inputs),
                    "evaluations": plan.size,
                    "model": model,
                    "sample": t_sample,
                    "evaluate": t_eval,
                    "measured": plan.size if full else probe,
                    "analyse": t_an,
                    "total": total,
                    "full": full,
                }
            )
            print(rows[-1], flush=True)
    return rows


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def write(rows: list[dict], n: int, budget: float, wall: float) -> None:
    import numpy as np

    lines = [
        "# Sobol sensitivity of the Miami example (1,024 base samples)",
        "",
        f"Machine: {platform.machine()}, 2 cores, load average at the end {_load()} (above "
        f"about 1, other work shared the machine and the timings are pessimistic), Python "
        f"{platform.python_version()}, numpy {np.__version__}. n = {n} base samples, "
        "no second-order indices; evaluations = n (D + 2). Goal: under 5 min (300 s) per model. "
        f"Evaluation timed on the whole sample when projected under {budget:.0f} s, else on "
        'the first 2,048 evaluations and extrapolated ("projected"). compromise rows include the '
        "zone-of-agreement answer. Every model runs through run_batch (its batch form where it "
        "has one: compromise, eu and smp do), on the local executor (one core).",
        "",
        "| grouping | D | evaluations | model | sample | evaluate | measured on | analyse | total | goal 300 s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        how = f"{r['measured']:,}" + ("" if r["full"] else " (projected)")
        met = "met" if r["total"] <= GOAL else f"not met ({r['total'] / GOAL:.1f}× over)"
        lines.append(
            f"| {r['grouping']} | {r['D']} | {r['evaluations']:,} | {r['model']} | "
            f"{r['sample']:.2f} s | {r['evaluate']:.1f} s | {how} | {r['analyse']:.1f} s | "
            f"{r['total']:.0f} s | {met} |"
        )
    lines += [
        "",
        "The first sampling time includes importing scipy.stats. SALib's analysis (bootstrap, "
        "100 resamples per answer) is measured on the compromise answers and counted for every "
        "model.",
        "",
        f"Script wall time: {wall:.0f} s.",
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(OUT.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--budget", type=float, default=600.0, help="seconds per full evaluation")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    rows = run(args.n, args.budget)
    write(rows, args.n, args.budget, time.perf_counter() - t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
