"""The DEU III dev baselines of bargaining-models.md §3.3, through the backtest harness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.backtest import load_deu, run_backtest


@pytest.fixture(scope="module")
def dev(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_deu(shared_data / "deu3" / "deu3-dev.tsv")


def _row(res, model: str, subset: str = "all"):  # type: ignore[no-untyped-def]
    t = res.to_df()
    return t[(t["model"] == model) & (t["subset"] == subset)].iloc[0]


def test_dev_issue_count(dev) -> None:  # type: ignore[no-untyped-def]
    assert dev.n_issues == 245
    assert len(set(dev.proposal)) <= 99


def test_salience_weighted_mean(dev) -> None:  # type: ignore[no-untyped-def]
    res = run_backtest(dev, ["compromise"], capability="equal", n_boot=200)
    r = _row(res, "compromise")
    assert round(r["mae"], 2) == 24.46
    assert round(r["rmse"], 2) == 31.22
    assert round(r["within10"], 2) == 0.29
    assert r["mae_lo"] < r["mae"] < r["mae_hi"]
    subsets = {
        s: round(_row(res, "compromise", s)["mae"], 2) for s in ("QMV", "Unan", "COD", "CNS")
    }
    assert subsets == {"QMV": 25.05, "Unan": 22.36, "COD": 24.32, "CNS": 24.67}
    ns = {s: int(_row(res, "compromise", s)["n"]) for s in ("QMV", "Unan", "COD", "CNS")}
    assert ns == {"QMV": 191, "Unan": 54, "COD": 151, "CNS": 94}


def test_salience_gdp_weighted_mean(dev) -> None:  # type: ignore[no-untyped-def]
    res = run_backtest(dev, ["compromise", "median"], capability="gdp", n_boot=200)
    r = _row(res, "compromise")
    assert round(r["mae"], 2) == 24.45
    assert round(r["rmse"], 2) == 31.66
    assert round(r["within10"], 2) == 0.31
    m = _row(res, "median")
    assert (round(m["mae"], 2), round(m["rmse"], 2), round(m["within10"], 2)) == (
        29.34,
        43.02,
        0.43,
    )


def test_weighted_medians_and_median_position(dev) -> None:  # type: ignore[no-untyped-def]
    from detente.backtest import predict_deu

    med = predict_deu(dev, "median", capability="equal")
    e = med - dev.outcome
    assert round(float(np.mean(np.abs(e))), 2) == 29.36
    assert round(float(np.sqrt(np.mean(e**2))), 2) == 41.37
    # "median actor position" of §3.3: the ordinary median (midpoint of the two middle
    # positions when their number is even), not the inverted-CDF weighted median
    a = dev.arrays
    plain = np.nanmedian(np.where(a.present, a.position, np.nan), axis=0)
    e = plain - dev.outcome
    assert round(float(np.mean(np.abs(e))), 2) == 29.94
    assert round(float(np.sqrt(np.mean(e**2))), 2) == 41.98
    assert round(float(np.mean(np.abs(e) <= 10)), 2) == 0.39
    mean = predict_deu(dev, "compromise", capability="equal", params={"use_salience": False})
    assert round(float(np.mean(np.abs(mean - dev.outcome))), 2) == 24.88


def test_paired_difference_against_itself(dev) -> None:  # type: ignore[no-untyped-def]
    res = run_backtest(dev, ["compromise"], n_boot=100)
    r = _row(res, "compromise")
    assert r["d_mae"] == 0 and r["d_mae_lo"] == 0 and r["d_mae_hi"] == 0
