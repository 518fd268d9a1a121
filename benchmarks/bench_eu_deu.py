"""Accuracy of the expected-utility model (undamped and damped) against the compromise model on
the DEU III development issues.

Rules (bargaining-models.md §3.3): issues of ``../shared/data/deu3/deu3-dev.tsv`` with an outcome
and at least 3 actors with a valid position (0–100); missing salience = 0; capability equal, and
the GDP line (the file's second line). MAE on the 0–100 scale. The anchor is the compromise model
(salience-weighted mean), whose dev-part MAE is 24.46 (equal) / 24.45 (GDP).

Run: ``python benchmarks/bench_eu_deu.py`` from the repository root. Writes
``benchmarks/results/eu_deu.md``. Never reads the held-out files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from detente.models.compromise import weighted_mean
from detente.models.registry import run_model
from detente.scenario.io.deu import read_deu, valid_issue_ids

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / ".." / "shared" / "data" / "deu3" / "deu3-dev.tsv"
OUT = ROOT / "benchmarks" / "results" / "eu_deu.md"

MODELS = ["compromise", "median", "eu", "eu-damped"]


def _arrays(capability: str):  # type: ignore[no-untyped-def]
    sc = read_deu(DEV, capability=capability)
    ids = valid_issue_ids(sc, min_actors=3, need_outcome=True)
    keep = [n for n, i in enumerate(sc.issues) if i.id in set(ids)]
    outcome = np.array([float(sc.issues[n].attributes["outcome"]) for n in keep])
    return sc.to_arrays().subset(issues=keep), outcome


def main() -> int:
    if not DEV.is_file():
        print(f"../shared/data not found: expected {DEV}")
        return 1
    lines = [
        "# Expected-utility model on DEU III (dev part): MAE on 0–100",
        "",
        "Issues with an outcome and >= 3 actors with a valid position; missing salience = 0.",
        "Ratio = MAE / MAE of the compromise model (the anchor) with the same capabilities.",
        "",
        "| capability | model | options | n issues | MAE | ratio to compromise | mean rounds | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cap in ("equal", "gdp"):
        arrays, outcome = _arrays(cap)
        anchor = None
        for name in MODELS:
            t0 = time.perf_counter()
            fc = run_model(name, arrays)
            dt = time.perf_counter() - t0
            preds = [("defaults", fc.forecast)]
            if fc.history is not None:
                # the same run, forecast as the c·s-weighted mean of the final positions
                last = np.nan_to_num(fc.history[-1])
                preds.append(
                    ("forecast=mean", weighted_mean(last, arrays.weights(), arrays.present))
                )
            for o, pred in preds:
                mae = float(np.nanmean(np.abs(pred - outcome)))
                if anchor is None:
                    anchor = mae
                rounds = fc.extra.get("stopped_at")
                mr = f"{np.mean(rounds):.1f}" if rounds is not None else "–"
                row = (
                    f"| {cap} | {name} | {o} | {len(outcome)} | {mae:.2f} | {mae / anchor:.3f} "
                    f"| {mr} | {dt:.1f} |"
                )
                lines.append(row)
                print(row, flush=True)
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
