"""The generic ``train`` hook: the backtest's grouped CV and ``predict_file`` call it for any
fittable model, and the fitted models give, bit for bit, what the old hard-wired path gave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.backtest import load_deu, predict_file, run_backtest
from detente.backtest.runner import _cv_fitted, capability_matrix
from detente.models import fitted
from detente.models._fitting import cross_validate
from detente.scenario import ScenarioArrays


def _table(shared_data: Path, tmp_path: Path, rows: int = 60) -> Path:
    """The first ``rows`` issue rows of deu3-dev.tsv (with its GDP line)."""
    lines = (shared_data / "deu3" / "deu3-dev.tsv").read_text().splitlines(keepends=True)
    out = tmp_path / "part.tsv"
    out.write_text("".join(lines[:2] + lines[2 : 2 + rows]))
    return out


def _old_cv(arrays, outcome, groups, cap, n_folds, seed, free):  # type: ignore[no-untyped-def]
    """The backtest's fitted path before the hook (``grouped_cv``, ``fit``, ``fitted_forecast``)."""
    oof, fold_params = fitted.grouped_cv(
        arrays, outcome, groups, cap=cap, n_folds=n_folds, seed=seed, free=free
    )
    params = fitted.fit(arrays, outcome, cap=cap, free=free)
    return oof, fold_params, params, fitted.fitted_forecast(arrays, params, cap)


def test_hook_gives_the_old_fitted_lite_numbers_on_synthetic_data() -> None:
    rng = np.random.default_rng(2)
    pos = rng.uniform(0, 100, (5, 24))
    sal = rng.uniform(0.1, 1, (5, 24))
    a = ScenarioArrays.from_numpy(np.ones(5), pos, sal)
    y = rng.uniform(0, 100, 24)
    groups = np.repeat([f"p{i}" for i in range(8)], 3)
    cap = np.ones((5, 24))
    old_oof, old_folds, _, _ = _old_cv(a, y, groups, cap, 4, 0, fitted.LITE_FREE)
    oof, folds, diag = cross_validate("fitted-lite", a, y, groups, cap=cap, n_folds=4, seed=0)
    np.testing.assert_array_equal(oof, old_oof)
    assert folds == [{k: p[k] for k in fitted.LITE_FREE} for p in old_folds]
    assert diag == [{}] * 4


@pytest.mark.parametrize(("model", "capability"), [("fitted", "equal"), ("fitted-lite", "council")])
def test_backtest_cv_is_bit_for_bit_the_old_path_on_deu(
    shared_data: Path, model: str, capability: str
) -> None:
    d = load_deu(shared_data / "deu3" / "deu3-dev.tsv")
    cap = capability_matrix(d, capability)
    free = fitted.PARAM_NAMES if model == "fitted" else fitted.LITE_FREE
    old_oof, old_folds, old_params, old_ins = _old_cv(
        d.arrays, d.outcome, d.proposal, cap, 3, 0, free
    )
    oof, info = _cv_fitted(d, capability, 3, 0, model)
    np.testing.assert_array_equal(oof, old_oof)
    np.testing.assert_array_equal(info["_in_sample_pred"], old_ins)
    assert info["params"] == {k: old_params[k] for k in free}
    assert info["fold_params"] == [{k: p[k] for k in free} for p in old_folds]
    assert info["cv_mae"] == float(np.mean(np.abs(old_oof - d.outcome)))


def test_predict_file_is_the_old_path_for_fitted_lite(shared_data: Path, tmp_path: Path) -> None:
    f = _table(shared_data, tmp_path, rows=80)
    tr = load_deu(f)
    hold = load_deu(f, need_outcome=False)
    params = fitted.fit(
        tr.arrays, tr.outcome, cap=capability_matrix(tr, "equal"), free=("gamma", "shrink")
    )
    want = fitted.fitted_forecast(hold.arrays, params, capability_matrix(hold, "equal"))
    got = predict_file(f, f, "fitted-lite")
    np.testing.assert_array_equal(got["prediction"].to_numpy(), want)


def test_learnt_power_in_the_backtest(shared_data: Path, tmp_path: Path) -> None:
    f = _table(shared_data, tmp_path)
    res = run_backtest(f, ["learnt-power"], n_boot=10, n_folds=3, capability="council")
    info = res.fitted["learnt-power"]
    assert len(info["fold_params"]) == 3 and len(info["fold_diagnostics"]) == 3
    assert {"penalty", "base", "inner"} <= set(info["diagnostics"])
    assert info["diagnostics"]["base"] in ("equal", "capability")
    text = res.summary()
    assert "learnt-power: grouped 3-fold CV MAE" in text and "multipliers={" in text
    assert np.isfinite(res.issues["prediction"]).all()


def test_backtest_predict_learnt_power_cli(shared_data: Path, tmp_path: Path) -> None:
    import pandas as pd

    import detente.cli.cmd_backtest  # noqa: F401
    from detente.cli.app import app

    f = _table(shared_data, tmp_path)
    out = tmp_path / "p.csv"
    r = CliRunner().invoke(
        app,
        ["backtest", "predict", "--train", str(f), str(f), "-m", "learnt-power", "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert list(df.columns) == ["issue", "model", "prediction"]
    assert df["prediction"].between(0, 100).all() and (df["model"] == "learnt-power").all()
