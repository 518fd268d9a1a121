"""The backtest table with focal-point models: the paired MAE ratio and its interval, existing
models' numbers unchanged when snap models join, the snap lines of the summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.backtest import load_deu, run_backtest
from detente.backtest.metrics import paired_bootstrap, paired_ratio


def test_paired_ratio_known_answers() -> None:
    rng = np.random.default_rng(0)
    b = rng.normal(0, 10, 60)
    g = np.repeat(np.arange(20), 3)
    # twice the error on every issue: MAE ratio 2 on every resample
    r = paired_ratio(2 * b, b, g, n_boot=200, rng=1)
    assert r.estimate == pytest.approx(2.0) and r.lo == pytest.approx(2.0)
    assert r.hi == pytest.approx(2.0)
    same = paired_ratio(b, b, g, n_boot=200, rng=1)
    assert (same.estimate, same.lo, same.hi) == (1.0, 1.0, 1.0)
    # the same resamples as paired_bootstrap: a model equal to the baseline except on one
    # group; ratio - 1 has the sign of the difference on every replicate
    e = b.copy()
    e[:3] *= 3
    d = paired_bootstrap(e, b, g, n_boot=200, rng=1)
    q = paired_ratio(e, b, g, n_boot=200, rng=1)
    assert d.lo >= 0 and q.lo >= 1.0
    assert q.estimate == pytest.approx(np.mean(np.abs(e)) / np.mean(np.abs(b)))


@pytest.fixture(scope="module")
def dev(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_deu(shared_data / "deu3" / "deu3-dev.tsv")


def test_existing_models_numbers_do_not_change_when_snap_models_join(dev) -> None:  # type: ignore[no-untyped-def]
    old = run_backtest(dev, ["compromise", "median"], n_boot=100).to_df()
    new = run_backtest(dev, ["compromise", "median", "snap:compromise"], n_boot=100).to_df()
    new = new[new["model"] != "snap:compromise"].reset_index(drop=True)
    cols = [c for c in old.columns if not c.startswith("ratio")]
    assert old[cols].equals(new[cols])
    # the published anchor is still the compromise model's 24.46
    assert old.set_index(["model", "subset"]).loc[("compromise", "all"), "mae"] == pytest.approx(
        24.46, abs=0.005
    )


def test_snap_row_is_scored_out_of_fold_with_its_rules_in_the_summary(dev) -> None:  # type: ignore[no-untyped-def]
    res = run_backtest(dev, ["compromise", "snap:compromise"], n_boot=100, n_folds=5)
    t = res.to_df().set_index(["model", "subset"])
    row = t.loc[("snap:compromise", "all")]
    assert bool(row["cv"]) and row["ratio_lo"] <= row["ratio"] <= row["ratio_hi"]
    info = res.fitted["snap:compromise"]
    assert len(info["fold_params"]) == 5 and info["n_folds"] == 5
    text = res.summary()
    assert "snap:compromise vs compromise: ΔMAE" in text and "rules chosen in the folds" in text
    assert "snap:compromise (CV)" in text
