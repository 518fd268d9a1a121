"""Benchmark: the UCDP base rates scored out of time (accuracy, not speed).

Fit on what was known at the end of 1999 (episodes still running then censored on 31 December
1999; every row of a later year dropped before anything is computed), forecast every
conflict-year 2000-2020 (each dyad episode running on 1 January: will it end by agreement / by
ceasefire / otherwise by 31 December?), and score each model against the plain base rate (the
training period's share of conflict-years ending so): Brier score, skill
(1 - Brier / Brier of the base rate), concordance index. Nothing is tuned on the test years: the
covariates, the reference-class rule (widen while fewer than 20 are at risk) and the Cox penalty
(0.05) were fixed before the first score was computed, and this script has no options that
change the models.

Usage: ``python benchmarks/bench_baserate.py [--data PATH]``; prints the table, writes
``benchmarks/results/baserate.md`` and the calibration chart
``benchmarks/results/baserate_calibration.png``. Needs the UCDP termination file
(``../shared/data/ucdp/ucdp-term-dyad-3-2021.csv`` by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ucdp" / "ucdp-term-dyad-3-2021.csv").resolve()
OUT = ROOT / "benchmarks" / "results" / "baserate.md"
PNG = ROOT / "benchmarks" / "results" / "baserate_calibration.png"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.history._ucdp_score import markdown_table
    from detente.history.termination import score_out_of_time

    t0 = time.perf_counter()
    s = score_out_of_time(args.data, train_until=1999)
    seconds = time.perf_counter() - t0
    df = s.to_df()
    table = markdown_table(df)
    print(s.summary())

    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    s.plot(ax)
    fig.tight_layout()
    fig.savefig(PNG, dpi=110)
    plt.close(fig)

    cal = s.calibration()
    cal_lines = ["| ending | model | forecast bin | conflict-years | mean forecast | share ended |"]
    cal_lines.append("|---|---|---|---:|---:|---:|")
    for r in cal.itertuples(index=False):
        cal_lines.append(
            f"| {r.ending} | {r.model} | {r.bin} | {r.n} | {r.mean_forecast:.3f} | {r.observed:.3f} |"
        )
    rates = ", ".join(
        f"{k} {v:.4f}"
        for k, v in zip(("agreement", "ceasefire", "other"), s.base_rate.values(), strict=True)
    )
    text = "\n".join(
        [
            "# UCDP base rates scored out of time",
            "",
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
            f"{seconds:.0f} s wall on a machine shared with other jobs (2 cores; the time is "
            "not a benchmark of speed). Data: UCDP Conflict Termination Dataset v3-2021, dyad "
            "level (Kreutz 2010), rows 1946-2020.",
            "",
            f"Fit on what was known at the end of {s.train_until} ({s.n_train_episodes} dyad "
            "episodes; those running then censored on 31 December 1999, later rows dropped "
            f"before anything is computed). Test: {len(s.forecasts)} conflict-years "
            f"{s.test_years[0]}-{s.test_years[1]}, each a dyad episode running on 1 January, "
            "forecast to end within 12 months (by 31 December) by agreement, ceasefire or "
            "otherwise. Base rate (training conflict-years 1946-1999 ending so within the "
            f"year): {rates}.",
            "",
            "No tuning on the test years: the covariates, the reference-class rule (widen while "
            "fewer than 20 episodes are at risk: drop region, then incompatibility, intensity, "
            "type) and the Cox L2 penalty 0.05 were fixed before any test year was scored; "
            "they were not changed after seeing any score. (One data-handling fix came after "
            "a first run: an episode that closes without an end date keeps its closing row's "
            "outcome; it moved the agreement and other rows in the third or fourth decimal, the ceasefire rows not at all.)",
            "",
            table,
            "",
            "Skill = 1 - Brier / Brier(base rate): above 0 beats the base rate. The C-index is "
            "Harrell's concordance for a yes/no outcome in a fixed window (the area under the "
            "ROC curve); 0.5 is no discrimination (the base rate, one number, has 0.5).",
            "",
            "## Calibration",
            "",
            f"![calibration]({PNG.name})",
            "",
            *cal_lines,
            "",
        ]
    )
    OUT.write_text(text)
    print(f"\nwrote {OUT.relative_to(ROOT)} and {PNG.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
