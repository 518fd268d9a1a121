"""The backtest refuses, before any model runs, the options its table cannot serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.backtest import load_deu, predict_deu, run_backtest
from detente.scenario.errors import ScenarioError, TooCostlyError


def _table(shared_data: Path, tmp_path: Path, *, gdp: bool, rows: int = 60) -> Path:
    """The first ``rows`` issue rows of deu3-dev.tsv, with or without its GDP line."""
    lines = (shared_data / "deu3" / "deu3-dev.tsv").read_text().splitlines(keepends=True)
    head = lines[:2] if gdp else lines[:1]
    out = tmp_path / ("with-gdp.tsv" if gdp else "no-gdp.tsv")
    out.write_text("".join(head + lines[2 : 2 + rows]))
    return out


def test_gdp_capability_on_a_table_without_the_gdp_line_is_refused(
    shared_data: Path, tmp_path: Path
) -> None:
    """It ran as equal capability and was labelled gdp."""
    f = _table(shared_data, tmp_path, gdp=False)
    with pytest.raises(ScenarioError) as e:
        run_backtest(f, ["median"], capability="gdp", n_boot=10)
    err = e.value
    assert err.path == str(f) and err.line == 2 and err.field == "capability"
    assert err.value == "gdp" and "GDP line" in err.message and "equal" in (err.allowed or "")
    with pytest.raises(ScenarioError):
        predict_deu(load_deu(f), "compromise", capability="gdp")


def test_gdp_capability_with_the_gdp_line_runs(shared_data: Path, tmp_path: Path) -> None:
    f = _table(shared_data, tmp_path, gdp=True)
    res = run_backtest(f, ["median"], capability="gdp", n_boot=10)
    assert res.capability == "gdp" and set(res.models) == {"compromise", "median"}
    no = load_deu(_table(shared_data, tmp_path, gdp=False))
    assert not no.has_gdp and load_deu(f).has_gdp


@pytest.mark.parametrize("folds", [100000, 1, 0])
def test_more_folds_than_proposals_is_refused(
    shared_data: Path, tmp_path: Path, folds: int
) -> None:
    f = _table(shared_data, tmp_path, gdp=True)
    n_props = len(set(load_deu(f).proposal))
    with pytest.raises(ScenarioError) as e:
        run_backtest(f, ["fitted-lite"], n_boot=10, n_folds=folds)
    assert e.value.field == "n_folds" and e.value.value == folds
    assert f"from 2 to {n_props}" in (e.value.allowed or "") and e.value.path == str(f)


def test_folds_do_not_matter_without_a_fitted_model(shared_data: Path, tmp_path: Path) -> None:
    f = _table(shared_data, tmp_path, gdp=True, rows=20)
    many = run_backtest(f, ["median"], n_boot=10, n_folds=100000)
    usual = run_backtest(f, ["median"], n_boot=10)
    assert many.issues.equals(usual.issues) and many.to_df().equals(usual.to_df())


def test_a_backtest_that_cannot_fit_in_memory_is_refused_before_running(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _table(shared_data, tmp_path, gdp=True, rows=20)
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "0.001")
    with pytest.raises(TooCostlyError) as e:
        run_backtest(f, ["eu"], n_boot=10)
    assert e.value.path == str(f) and "-m" in (e.value.allowed or "")


def test_the_backtest_reports_each_model_and_each_fold(shared_data: Path, tmp_path: Path) -> None:
    from detente.progress import use_reporter

    events: list[tuple[str, object]] = []

    class Rec:
        def start(self, description: str, total: float | None) -> object:
            events.append(("start", description))
            return description

        def advance(self, handle: object, amount: float) -> None:
            events.append(("advance", handle))

        def finish(self, handle: object) -> None:
            events.append(("finish", handle))

    f = _table(shared_data, tmp_path, gdp=True, rows=40)
    with use_reporter(Rec()):
        run_backtest(f, ["fitted-lite"], n_boot=10, n_folds=3)
    assert events.count(("advance", "backtest: models")) == 2
    assert events.count(("advance", "fitted: cross-validation folds")) == 3


def test_the_bootstrap_runs_once_however_often_the_table_is_read(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import detente.backtest.runner as runner

    res = run_backtest(_table(shared_data, tmp_path, gdp=False), ["compromise"], n_boot=50)
    calls = []
    real = runner.bootstrap_metric
    monkeypatch.setattr(
        runner, "bootstrap_metric", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    first = res.to_df()
    n = len(calls)
    assert n > 0
    res.summary()
    res.to_dict()
    second = res.to_df()
    assert len(calls) == n  # summary, to_dict and to_df again reuse the first bootstrap
    first.iloc[0, 2] = -1  # the table handed out is a copy
    assert second.equals(res.to_df())


def test_a_bootstrap_too_big_for_the_memory_is_refused_before_running(
    shared_data: Path,
) -> None:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    r = CliRunner().invoke(app, ["backtest", "run", dev, "-m", "compromise", "--boot", str(10**20)])
    assert r.exit_code == 2, r.output
    assert "bootstrap of" in r.stderr and "--boot" in r.stderr and "Traceback" not in r.output
