"""Accuracy benchmark: learnt actor power and the ensembles against the compromise model.

Grouped 10-fold cross-validation by proposal on ``deu3-dev.tsv`` (the held-out part is not
touched): every fittable model is trained on nine folds through its ``train`` hook and scored
on the tenth; learnt-power chooses its penalty and prior by *nested* grouped CV inside the
nine training folds. Prints and saves ``benchmarks/results/learnt.md``:

1. MAE with its 95% proposal-bootstrap interval, the paired difference to the compromise model
   (capability equal, the anchor 24.46) with its interval, the ratio, and the wall time of each
   model's cross-validation;
2. learnt-power with the Council votes offered as a prior (``capability=council``: the inner CV
   chooses between equal and Council weights), paired against the same compromise baseline;
3. what the inner CV chose in each outer fold, and how stable the learnt weights are across
   folds (mean pairwise Spearman correlation of the multipliers of the actors every fold saw);
4. the weights learnt on all dev issues with 95% intervals from a bootstrap over proposals.

Run: ``python benchmarks/bench_learnt.py [--boot 2000] [--weights-boot 200]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
OUT = ROOT / "benchmarks" / "results" / "learnt.md"
GOAL = 0.92  # issue 11: dev grouped-CV MAE at least 8% under the compromise model


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def _fold_stability(fold_params: list[dict[str, Any]]) -> tuple[float, int]:
    """Mean pairwise Spearman correlation of the folds' multipliers (actors in every fold)."""
    common = set.intersection(*(set(p["multipliers"]) for p in fold_params))
    actors = sorted(common)
    vecs = [np.array([p["multipliers"][a] for a in actors]) for p in fold_params]
    rs = [_spearman(x, y) for x, y in itertools.combinations(vecs, 2)]
    return float(np.mean(rs)), len(actors)


def _row(name: str, err: np.ndarray, base_err: np.ndarray, g: Any, boot: int, secs: float) -> str:
    from detente.backtest.metrics import bootstrap_metric, paired_bootstrap

    m = bootstrap_metric(err, g, "mae", n_boot=boot, rng=0)
    d = paired_bootstrap(err, base_err, g, "mae", n_boot=boot, rng=0)
    base = float(np.mean(np.abs(base_err)))
    excl = "yes" if d.hi < 0 or d.lo > 0 else "no"
    return (
        f"| {name} | {m.estimate:.2f} [{m.lo:.2f}, {m.hi:.2f}] | {m.estimate / base:.3f} | "
        f"{d.estimate:+.2f} [{d.lo:+.2f}, {d.hi:+.2f}] | {excl} | {secs:.1f} |"
    )


def main() -> None:  # long: one linear script of the benchmark's steps
    from detente.backtest import load_deu
    from detente.backtest.runner import _cv_fitted, capability_matrix, predict_deu
    from detente.models.learnt_power import PENALTIES, learn_power

    ap = argparse.ArgumentParser()
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--weights-boot", type=int, default=200)
    args = ap.parse_args()
    d = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    g, y = d.proposal, d.outcome
    t0 = time.time()
    comp = predict_deu(d, "compromise", capability="equal")
    t_comp = time.time() - t0
    base_err = comp - y
    rows, info = [], {}
    for name, cap in [
        ("learnt-power", "equal"),
        ("learnt-power", "council"),
        ("ensemble-mean", "equal"),
        ("ensemble-median", "equal"),
    ]:
        t = time.time()
        oof, fit = _cv_fitted(d, cap, 10, 0, name)
        secs = time.time() - t
        info[(name, cap)] = (oof, fit)
        label = name if cap == "equal" else f"{name} (prior: equal or council, by inner CV)"
        rows.append(_row(label, oof - y, base_err, g, args.boot, secs))
        print(rows[-1], flush=True)

    lines = [
        "# Learnt actor power and ensembles of models (DEU III dev part)",
        "",
        f"245 scored issues, 95 proposals of `deu3-dev.tsv`; the held-out part is not read. "
        f"Grouped 10-fold CV by proposal (folds seed 0); learnt-power's penalty (grid "
        f"{', '.join(f'{p:g}' for p in PENALTIES)}) and prior chosen by nested 5-fold grouped CV "
        f"inside each outer training part. 95% intervals: percentile bootstrap over proposals, "
        f"{args.boot} draws, seed 0; Δ = model − compromise (capability equal) on the same "
        f"resampled proposals. Time = wall seconds of the model's whole cross-validation.",
        "",
        f"Load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (above "
        "about 1, other work shared the machine and the times are upper bounds); the accuracy "
        "numbers do not depend on the load.",
        "",
        "| model | MAE | ratio | ΔMAE vs compromise | interval excludes 0 | time (s) |",
        "|---|---|---|---|---|---|",
        _row("compromise (capability equal)", base_err, base_err, g, args.boot, t_comp),
        *rows,
        "",
    ]
    lines += ["## Goal of issue 11", ""]
    from detente.backtest.metrics import paired_bootstrap

    base_mae = float(np.mean(np.abs(base_err)))
    for (name, cap), (oof, fit) in info.items():
        ratio = fit["cv_mae"] / base_mae
        dv = paired_bootstrap(oof - y, base_err, g, "mae", n_boot=args.boot, rng=0)
        met = ratio <= GOAL and dv.hi < 0
        lines.append(
            f"* {name} (capability {cap}): CV MAE {fit['cv_mae']:.2f}, "
            f"{100 * (1 - ratio):.1f}% under compromise; goal (≥ 8% under, interval excluding "
            f"zero) {'met' if met else 'NOT met'}."
        )
    lines += ["", "## What the inner CV chose, and fold stability", ""]
    lines += ["| model | capability | fold: penalty / prior | exponent by fold | Spearman |"]
    lines += ["|---|---|---|---|---|"]
    for (name, cap), (_, fit) in info.items():
        if name != "learnt-power":
            continue
        ch = ", ".join(f"{x['penalty']:g}/{x['base']}" for x in fit.get("fold_diagnostics", []))
        ex = ", ".join(f"{p['exponent']:.2f}" for p in fit["fold_params"])
        rho, n_act = _fold_stability(fit["fold_params"])
        lines.append(f"| {name} | {cap} | {ch} | {ex} | {rho:.2f} ({n_act} actors) |")
    lines.append("")

    t = time.time()
    res = learn_power(
        d.arrays, y, g, cap=capability_matrix(d, "council"), n_boot=args.weights_boot, seed=0
    )
    secs = time.time() - t
    lines += [
        "## Weights learnt on all dev issues",
        "",
        f"Prior chosen by grouped 5-fold CV: **{res.base}** "
        f"({'every actor 1' if res.base == 'equal' else 'Council votes'}), penalty "
        f"{res.penalty:g}; salience exponent p = {res.exponent:.2f} "
        f"[{res.exponent_lo:.2f}, {res.exponent_hi:.2f}]; 95% intervals from "
        f"{res.n_boot} bootstrap draws over proposals with that setting held fixed "
        f"({secs:.0f} s). A multiplier is relative to the prior (1 = the prior's weight). "
        "These weights describe the Council, Commission and Parliament of the DEU III era; "
        "they do not transfer to other negotiations.",
        "",
        "| actor | multiplier | 95% interval |",
        "|---|---|---|",
    ]
    order = np.argsort(-res.multipliers, kind="stable")
    for i in order:
        lines.append(
            f"| {res.actor_ids[i]} | {res.multipliers[i]:.2f} | "
            f"[{res.lo[i]:.2f}, {res.hi[i]:.2f}] |"
        )
    lines.append("")
    text = "\n".join(lines)
    print(text)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
