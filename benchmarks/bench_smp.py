"""Benchmark: KTAB's Spatial Model of Politics (detente.models.smp) — wall time and memory.

Runs every KTAB scenario to convergence (median of ``--repeats`` timed runs, after one warm-up
run that pays the imports) and seeded synthetic scenarios of 320, 640 and 1,000 actors x 1 and
x 10 dimensions to convergence (KTAB's stopping rule, at most KTAB's maxIter = 100 turns).
Reports wall time, the process CPU time of the same run (both threads counted), turns, seconds
per turn and the machine's load average before and after, because the machine may be shared.
The growth exponent is the log-log slope of seconds per turn against the number of actors.

Each scenario is measured in a fresh child process, so its peak resident memory (the child's
``ru_maxrss``) is that scenario's alone; the table also gives the peak of a child that only
imports detente and runs one turn of the smallest scenario, the part of every figure that is
the interpreter and its libraries rather than the model.

KTAB's times are QUOTED from the project's issue (``smpc`` -O2, 2 cores, database and log
writing removed, median of 3). This script runs no KTAB; benchmarks/bench_ktab.py measures a KTAB build side by side. The
goal is at least 50x faster than KTAB where KTAB needs more than a second.

The draw-axis form (:func:`detente.models.smp.batch`, what ``run_batch("smp", ...)`` and the
ensembles use) is measured on seeded draws of the Miami example (5 actors x 12 issues;
capabilities and saliences x U(0.7, 1.3), positions + N(0, 8) on the 0-100 scale): chunks of
1,024 draws, in one process and in two processes at once (one chunk per process at a time, as
the ensemble's process executor runs them), against the single run draw by draw in the same
run; every row of the first chunk is checked against the single run (bit for bit). The
100,000-draw figure is 100,000 / (measured draws per second). Goal: 100,000 draws in under
60 s on 2 cores.

Usage: ``python benchmarks/bench_smp.py [--repeats N] [--quick] [--sizes 320,640,1000]
[--chunks C] [--no-draws]``. Writes ``benchmarks/results/smp.md``.
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

from detente.models import run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import load

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ktab").resolve()

# name -> (KTAB wall time in s, KTAB number of states), quoted from the issue
KTAB = {
    "dummyData_3Dim": (0.03, 11),
    "SOE-Pol-Comp": (0.28, 28),
    "dummyData_6Dim": (2.1, 30),
    "dummyData-a040": (5.4, 21),
    "dummyData-a080": (70.0, 18),
    "dummyData-a160": (None, None),  # ~118 s per turn with logging, ~1/3 of that without
}
KTAB_A160_PER_TURN = 118.0 / 3
GOAL = 50.0


def synthetic(n: int, k: int, seed: int = 20251125) -> ScenarioArrays:
    """Seeded random SMP scenario: positions and capabilities uniform, saliences summing to 0.3-1."""
    g = np.random.default_rng([seed, n, k])
    pos = np.round(g.uniform(0, 100, (n, k)), 1)
    sal = g.uniform(0.05, 1.0, (n, k))
    sal = np.round(sal / sal.sum(1, keepdims=True) * g.uniform(0.3, 1.0, (n, 1)), 3)
    cap = np.round(g.uniform(1, 100, n), 1)
    return ScenarioArrays.from_numpy(cap, pos, sal)


def measure(arrays: ScenarioArrays, repeats: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``repeats`` full runs, and the number of turns."""
    walls, cpus, turns = [], [], 0
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fc = run_model("smp", arrays)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        turns = fc.n_rounds
    return statistics.median(walls), statistics.median(cpus), turns


def _child(spec: tuple[str, object, object], repeats: int) -> tuple[float, float, int, float, int]:
    """In a fresh process: build the scenario, warm up, measure; also the process's peak RSS.

    ``spec`` is ``("ktab", name, None)``, ``("synthetic", n, k)`` or ``("baseline", ..)``.
    Returns wall, CPU, turns, peak RSS in MiB, number of actors x dims packed as n*1000+k.
    """
    kind, a1, a2 = spec
    if kind == "synthetic":
        a = synthetic(int(a1), int(a2))  # type: ignore[call-overload]
    else:
        a = load(DATA / f"{a1}.csv").to_arrays()
        run_model("smp", a, max_turns=1)  # warm-up: imports, first-call costs
    if kind == "baseline":
        t, cpu, turns = 0.0, 0.0, 0
    else:
        t, cpu, turns = measure(a, repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    return t, cpu, turns, peak, a.n_actors * 1000 + a.n_issues


def in_child(
    spec: tuple[str, object, object], repeats: int
) -> tuple[float, float, int, float, int]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_child, (spec, repeats))  # type: ignore[no-any-return]


def miami_draws(m: int, seed: int) -> ScenarioArrays:
    """``m`` seeded draws of the Miami example (the perturbation the module docstring says)."""
    from dataclasses import replace

    from detente.examples import load_example

    a = load_example("miami").to_arrays()
    g = np.random.default_rng([seed, m])
    cap = a.capability[None] * g.uniform(0.7, 1.3, (m, a.n_actors))
    sal = a.salience[None] * g.uniform(0.7, 1.3, (m, *a.salience.shape))
    pos = np.clip(a.position[None] + g.normal(0.0, 8.0, (m, *a.position.shape)), a.lo, a.hi)
    res = np.broadcast_to(a.reservation, (m, *a.reservation.shape)).copy()
    return replace(a, capability=cap, salience=sal, position=pos, reservation=res)


def _chunk(seed: int, size: int = 1024) -> tuple[float, float, int]:
    """One chunk of ``size`` Miami draws through the batch form: wall s, CPU s, draws."""
    from detente.models.registry import run_batch

    a = miami_draws(size, seed)
    c0, t0 = time.process_time(), time.perf_counter()
    run_batch("smp", a)
    return time.perf_counter() - t0, time.process_time() - c0, size


def _singles(count: int) -> tuple[float, float, bool]:
    """Wall and CPU seconds per draw of the single run on ``count`` Miami draws one at a
    time, and whether the batch form's rows equal those runs bit for bit."""
    from detente.models.registry import run_batch
    from detente.scenario.draws import InputDraws

    a = miami_draws(count, 0)
    d = InputDraws(a)
    run_model("smp", d.point(0))  # warm-up
    c0, t0 = time.process_time(), time.perf_counter()
    rows = [run_model("smp", d.point(i)).forecast for i in range(count)]
    per = (time.perf_counter() - t0) / count
    cpu = (time.process_time() - c0) / count
    return per, cpu, bool(np.array_equal(np.stack(rows), run_batch("smp", a), equal_nan=True))


def draw_rows(chunks: int) -> list[str]:
    """The table of the batch form on Miami draws (see the module docstring)."""
    ctx = mp.get_context("spawn")
    lines = [
        "",
        "## smp over draws: the Miami example (5 actors x 12 issues), chunks of 1,024 draws",
        "",
        "| form | processes | draws | wall s | CPU s | draws / s | 100,000 draws, s "
        "| goal: 100,000 in s | vs single run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with ctx.Pool(1) as pool:
        per, cpu, same = pool.apply(_singles, (64,))
        pool.apply(_chunk, (99, 64))  # warm-up: imports, first calls
    lines.append(
        f"| single run, draw by draw (64 draws) | 1 | 64 | {per * 64:.2f} | {cpu * 64:.2f} "
        f"| {1 / per:.0f} "
        f"| {1e5 * per:.0f} | 60 | 1x |"
    )
    print(lines[-1], flush=True)
    for procs in (1, 2):
        with ctx.Pool(procs) as pool:
            pool.map(_chunk, [99] * procs, chunksize=1)  # warm-up in every worker
            t0 = time.perf_counter()
            res = pool.map(_chunk, range(chunks), chunksize=1)
            wall = time.perf_counter() - t0
        n = sum(r[2] for r in res)
        rate = n / wall
        lines.append(
            f"| batch (`run_batch`), chunks of 1,024 | {procs} | {n:,} | {wall:.2f} "
            f"| {sum(r[1] for r in res):.2f} | {rate:.0f} | {1e5 / rate:.0f} | 60 "
            f"| {rate * per:.0f}x |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"Rows of the batch form equal to the single runs, bit for bit (64 draws): {same}.",
    ]
    return lines


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="KTAB scenarios only")
    ap.add_argument("--sizes", default="320,640,1000")
    ap.add_argument("--dims", default="1,10", help="dimensions of the synthetic rows")
    ap.add_argument("--chunks", type=int, default=6, help="chunks of 1,024 Miami draws")
    ap.add_argument("--no-draws", action="store_true", help="skip the batch rows")
    args = ap.parse_args()
    load0 = _load()
    lines = [
        "# SMP benchmark (detente.models.smp)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average (1/5/15 min) at "
        f"start: {load0}. KTAB times are quoted from the issue (smpc -O2, 2 cores, no DB/log "
        "writing, median of 3); KTAB is not run here: bench_ktab.py measures it side by side. Goal: KTAB / ours >= 50 where "
        "KTAB needs more than a second.",
        "",
        "| scenario | actors x dims | states (ours) | states (KTAB) | runs | wall s (median) "
        "| CPU s | s/turn | peak RSS MiB | KTAB s | goal: wall <= s | KTAB / ours |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def row(*cells: object) -> None:
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        print(lines[-1], flush=True)

    print("\n".join(lines), flush=True)
    base = in_child(("baseline", "dummyData_3Dim", None), 1)[3]
    for name, (k_time, k_states) in KTAB.items():
        t, cpu, turns, peak, nk = in_child(("ktab", name, None), args.repeats)
        if k_time is None:
            k_time = KTAB_A160_PER_TURN * turns
            k_label = f"~{k_time:.0f} (est. {KTAB_A160_PER_TURN:.0f} s/turn x {turns})"
        else:
            k_label = f"{k_time:g}"
        goal = f"{k_time / GOAL:.3f}" if k_time > 1.0 else "-"
        row(
            name,
            f"{nk // 1000} x {nk % 1000}",
            turns + 1,
            k_states or "-",
            args.repeats,
            f"{t:.3f}",
            f"{cpu:.3f}",
            f"{t / max(turns, 1):.4f}",
            f"{peak:.0f}",
            k_label,
            goal,
            f"{k_time / t:.0f}x",
        )
    if not args.quick:
        sizes = [int(s) for s in args.sizes.split(",")]
        dims = [int(d) for d in args.dims.split(",")]
        per_turn: dict[int, dict[int, float]] = {k: {} for k in dims}
        for k in dims:
            for n in sizes:
                reps = args.repeats if n <= 320 else 1
                t, cpu, turns, peak, _ = in_child(("synthetic", n, k), reps)
                per_turn[k][n] = t / max(turns, 1)
                capped = " (stopped at maxIter)" if turns >= 100 else ""
                row(
                    f"synthetic{capped}",
                    f"{n} x {k}",
                    turns + 1,
                    "-",
                    reps,
                    f"{t:.2f}",
                    f"{cpu:.2f}",
                    f"{t / max(turns, 1):.3f}",
                    f"{peak:.0f}",
                    "-",
                    "60 (1000 x 10)" if (n, k) == (1000, 10) else "-",
                    "-",
                )
        lines.append("")
        for k in dims:
            ns = np.array(sorted(per_turn[k]))
            ts = np.array([per_turn[k][n] for n in ns])
            if ns.size >= 2:
                slope = np.polyfit(np.log(ns), np.log(ts), 1)[0]
                lines.append(
                    f"Growth exponent (log-log slope of s/turn vs actors, x {k} dims, "
                    f"{', '.join(map(str, ns))} actors): {slope:.2f}"
                )
                print(lines[-1], flush=True)
    if not args.no_draws:
        lines += draw_rows(args.chunks)
    lines += [
        "",
        f"Peak RSS of a child that imports detente and runs one turn of dummyData_3Dim: "
        f"{base:.0f} MiB (interpreter, numpy, scipy, pandas; in every figure above).",
        "",
        f"Load average at end: {_load()}.",
    ]
    print(lines[-1])
    out = ROOT / "benchmarks" / "results" / "smp.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
