"""Known answers for the backtest metrics and the proposal-clustered bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.backtest.datasets import council_regime, council_weights, parse_intro
from detente.backtest.metrics import (
    bootstrap_metric,
    cluster_resample_counts,
    mae,
    paired_bootstrap,
    rmse,
    within,
)
from detente.models.fitted import grouped_folds


def test_metrics_hand_computed() -> None:
    e = np.array([3.0, -4.0, 10.0, -12.0])
    assert mae(e) == pytest.approx((3 + 4 + 10 + 12) / 4)
    assert rmse(e) == pytest.approx(np.sqrt((9 + 16 + 100 + 144) / 4))
    assert within(e) == pytest.approx(3 / 4)  # |10| counts as within 10
    assert within(e, tol=3) == pytest.approx(1 / 4)


def test_constant_error_gives_zero_width_interval() -> None:
    e = np.full(30, 7.0)
    g = np.repeat(np.arange(10), 3)
    for metric, value in (("mae", 7.0), ("rmse", 7.0), ("within10", 1.0)):
        iv = bootstrap_metric(e, g, metric, n_boot=200, rng=1)
        assert iv.estimate == pytest.approx(value)
        assert iv.lo == pytest.approx(value) and iv.hi == pytest.approx(value)


def test_resampling_keeps_proposals_whole() -> None:
    # Two proposals: one of 1 issue with error 0, one of 3 issues with error 10. Any replicate
    # that keeps clusters whole has MAE in {0, 7.5, 10} — never e.g. 5 (a split cluster).
    e = np.array([0.0, 10.0, 10.0, 10.0])
    g = np.array(["a", "b", "b", "b"])
    counts, label = cluster_resample_counts(g, n_boot=500, rng=3)
    assert counts.shape == (500, 2) and (counts.sum(axis=1) == 2).all()
    assert list(label) == [0, 1, 1, 1]
    size = np.array([1, 3])
    sums = np.array([0.0, 30.0])
    reps = counts @ sums / (counts @ size)
    assert set(np.round(reps, 6)) <= {0.0, 7.5, 10.0}
    iv = bootstrap_metric(e, g, "mae", n_boot=500, rng=3)
    assert iv.lo == pytest.approx(0.0) and iv.hi == pytest.approx(10.0)


def test_bootstrap_is_reproducible_and_seed_dependent() -> None:
    rng = np.random.default_rng(0)
    e = rng.normal(0, 20, 100)
    g = np.repeat(np.arange(25), 4)
    a = bootstrap_metric(e, g, "mae", n_boot=300, rng=5)
    b = bootstrap_metric(e, g, "mae", n_boot=300, rng=5)
    c = bootstrap_metric(e, g, "mae", n_boot=300, rng=6)
    assert (a.lo, a.hi) == (b.lo, b.hi)
    assert (a.lo, a.hi) != (c.lo, c.hi)


def test_paired_difference_of_a_model_with_itself_is_zero() -> None:
    rng = np.random.default_rng(1)
    e = rng.normal(0, 20, 60)
    g = np.repeat(np.arange(20), 3)
    iv = paired_bootstrap(e, e, g, "mae", n_boot=200, rng=0)
    assert iv.estimate == 0 and iv.lo == 0 and iv.hi == 0


def test_paired_difference_of_a_uniform_shift_is_exact() -> None:
    # Model errors are the baseline's plus 2 in absolute value on every issue: ΔMAE = 2 in
    # every replicate.
    rng = np.random.default_rng(2)
    b = rng.uniform(1, 30, 40) * rng.choice([-1, 1], 40)
    m = b + 2 * np.sign(b)
    g = np.repeat(np.arange(10), 4)
    iv = paired_bootstrap(m, b, g, "mae", n_boot=300, rng=0)
    assert iv.estimate == pytest.approx(2.0)
    assert iv.lo == pytest.approx(2.0) and iv.hi == pytest.approx(2.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-100, 100), min_size=2, max_size=30),
    st.integers(1, 5),
    st.sampled_from(["mae", "rmse", "within10"]),
)
def test_interval_brackets_are_within_item_range(errs: list[float], ng: int, metric: str) -> None:
    e = np.array(errs)
    g = np.arange(len(e)) % ng
    iv = bootstrap_metric(e, g, metric, n_boot=50, rng=0)
    lo_bound = {"mae": np.abs(e).min(), "rmse": np.abs(e).min(), "within10": 0.0}[metric]
    hi_bound = {"mae": np.abs(e).max(), "rmse": np.abs(e).max(), "within10": 1.0}[metric]
    assert lo_bound - 1e-9 <= iv.lo <= iv.hi <= hi_bound + 1e-9


def test_grouped_folds_keep_groups_together() -> None:
    g = np.array(["p1", "p1", "p2", "p3", "p3", "p3", "p4", "p5"])
    f = grouped_folds(g, n_folds=3, seed=0)
    for grp in np.unique(g):
        assert len(set(f[g == grp])) == 1
    assert set(f) <= {0, 1, 2}


def test_treaty_weights_and_regimes() -> None:
    states = ["de", "es", "pl", "mt", "lu"]
    nice = council_weights(states, "nice")
    assert list(nice) == [29, 27, 27, 3, 4]
    eu15 = council_weights(["de", "es", "lu", "dk"], "eu15")
    assert list(eu15) == [10, 8, 2, 3]
    # the full EU-15 and EU-28 totals of the treaties
    from detente.backtest.datasets import EU15_WEIGHTS, NICE_WEIGHTS

    assert sum(EU15_WEIGHTS.values()) == 87
    assert sum(NICE_WEIGHTS.values()) == 352
    dm = council_weights(list(NICE_WEIGHTS), "double")
    assert dm.sum() == pytest.approx(100.0)  # two criteria, each summing to 1, averaged
    assert council_weights(["com"], "nice")[0] != council_weights(["com"], "nice")[0]  # nan
    assert parse_intro("26-01-00").isoformat() == "2000-01-26"
    assert parse_intro("14-12-1999").isoformat() == "1999-12-14"
    assert parse_intro("2026-10-06").isoformat() == "2006-10-26"  # garbled dd-mm-yy
    assert council_regime(parse_intro("26-01-00")) == "eu15"
    assert council_regime(parse_intro("2026-10-06")) == "nice"
    assert council_regime(parse_intro("13-09-2017")) == "double"
    assert parse_intro("n/a") is None
