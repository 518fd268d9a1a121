"""Recording from the command line (cli/_store.py) and `detente runs list|show|diff|export`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.store import RunStore

_register_commands()
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def small(tmp_path: Path, small_yaml: str) -> Path:
    f = tmp_path / "small.yaml"
    f.write_text(small_yaml)
    return f


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "runs.sqlite3"


def _runs(path: Path) -> list:
    with RunStore(path) as s:
        return [s.get_run(r.id) for r in s.list_runs()]


def test_forecast_recorded_with_known_forecast(small: Path, db: Path) -> None:
    r = invoke("forecast", str(small), "-m", "compromise", "--format", "json", "--store", str(db))
    assert r.exit_code == 0, r.output
    json.loads(r.stdout)  # stdout stays the JSON document alone
    (rec,) = _runs(db)
    assert (rec.command, rec.models, rec.scenario_name) == ("forecast", ["compromise"], "small")
    # capability x salience weighted mean: (2*50*30 + 1*80*70) / (2*50 + 1*80)
    assert rec.results["forecast:compromise"]["forecast"] == pytest.approx([8600 / 180])
    with RunStore(db) as s:
        text = s.scenario_text(rec.scenario_hash)
    assert json.loads(text)["actors"][0]["id"] == "A"


def test_default_store_is_the_env_one(small: Path, _tmp_run_store: Path) -> None:
    assert invoke("forecast", str(small), "-m", "compromise").exit_code == 0
    assert [r.command for r in _runs(_tmp_run_store)] == ["forecast"]


def test_no_store_flag_and_env(small: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("forecast", str(small), "-m", "compromise", "--store", str(db))
    assert invoke(*args, "--no-store").exit_code == 0
    assert not db.exists()
    monkeypatch.setenv("DETENTE_NO_STORE", "1")
    assert invoke(*args).exit_code == 0
    assert not db.exists()


def test_failing_run_records_nothing(tmp_path: Path, db: Path, small_yaml: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_yaml.replace("salience: 80", "salience: 800"))
    r = invoke("forecast", str(bad), "-m", "compromise", "--store", str(db))
    assert r.exit_code == 2
    r = invoke("forecast", "miami", "-m", "no-such-model", "--store", str(db))
    assert r.exit_code == 2
    assert _runs(db) == []


def test_unopenable_store_refused_before_work(small: Path, tmp_path: Path) -> None:
    r = invoke("forecast", str(small), "-m", "compromise", "--store", str(tmp_path))
    assert r.exit_code == 2
    assert "--store" in r.output and "folder" in r.output
    assert "compromise" not in r.stdout  # nothing ran


def test_analyze_recorded(small: Path, db: Path) -> None:
    r = invoke("analyze", str(small), "--format", "json", "--store", str(db))
    assert r.exit_code == 0, r.output
    (rec,) = _runs(db)
    assert rec.command == "analyze" and rec.params["grid"] == 21
    full = json.loads(r.stdout)
    assert rec.results["analysis"]["zone"] == full["zone"]
    # the frontier's points are left out of the store (11 MB on Miami), its size kept
    assert full["frontier"] and rec.results["analysis"]["frontier"] is None
    assert rec.results["analysis"]["frontier_size"] == full["frontier_size"]
    assert rec.results["analysis"] == json.loads(json.dumps(rec.results["analysis"]))


def test_ensemble_sensitivity_simulate_recorded(db: Path) -> None:
    r = invoke(
        "ensemble", "miami", "-n", "16", "--seed", "3", "-m", "compromise", "--store", str(db)
    )
    assert r.exit_code == 0, r.output
    r = invoke(
        "sensitivity", "miami", "--method", "morris", "--n", "2", "--seed", "4", "--store", str(db)
    )
    assert r.exit_code == 0, r.output
    r = invoke("simulate", "miami", "--runs", "4", "--point", "--seed", "5", "--store", str(db))
    assert r.exit_code == 0, r.output
    recs = {r.command: r for r in _runs(db)}
    assert set(recs) == {"ensemble", "sensitivity", "simulate"}
    assert (recs["ensemble"].seed, recs["ensemble"].models) == (3, ["compromise"])
    assert recs["sensitivity"].seed == 4 and recs["simulate"].seed == 5
    assert recs["simulate"].params["runs"] == 4
    assert {"ensemble", "sensitivity", "simulation"} == {
        k for r in recs.values() for k in r.results
    }
    assert len({r.scenario_hash for r in recs.values()}) == 1  # the same file, one scenario


def test_fresh_seed_recorded_repeats_the_run(db: Path) -> None:
    """Without --seed, the seed recorded is the one that repeats the run."""
    r = invoke(
        "ensemble", "miami", "-n", "8", "-m", "compromise", "--format", "json", "--store", str(db)
    )
    assert r.exit_code == 0, r.output
    (rec,) = _runs(db)
    again = invoke(
        "ensemble",
        "miami",
        "-n",
        "8",
        "-m",
        "compromise",
        "--format",
        "json",
        "--seed",
        str(rec.seed),
        "--no-store",
    )
    assert json.loads(again.stdout) == json.loads(r.stdout)


def _two_forecasts(small: Path, db: Path) -> tuple[str, str]:
    assert invoke("forecast", str(small), "-m", "compromise", "--store", str(db)).exit_code == 0
    small.write_text(
        small.read_text().replace("position: 30, salience: 50", "position: 30, salience: 60")
    )
    assert invoke("forecast", str(small), "-m", "compromise", "--store", str(db)).exit_code == 0
    new, old = (r.id for r in _runs(db))
    return old, new


def test_runs_list_formats(small: Path, db: Path) -> None:
    old, new = _two_forecasts(small, db)
    r = invoke("runs", "list", "--format", "json", "--store", str(db))
    assert [x["id"] for x in json.loads(r.stdout)] == [new, old]
    df = pd.read_csv(io.StringIO(invoke("runs", "list", "-f", "csv", "--store", str(db)).stdout))
    assert df.id.tolist() == [new, old] and set(df.models) == {"compromise"}
    r = invoke("runs", "list", "--limit", "1", "-f", "json", "--store", str(db))
    assert [x["id"] for x in json.loads(r.stdout)] == [new]
    r = invoke("runs", "list", "--command", "simulate", "-f", "json", "--store", str(db))
    assert json.loads(r.stdout) == []
    r = invoke("runs", "list", "--store", str(db))
    assert r.exit_code == 0 and new in r.stdout


def test_runs_show(small: Path, db: Path) -> None:
    old, _ = _two_forecasts(small, db)
    r = invoke("runs", "show", old[:-3], "--store", str(db))
    assert r.exit_code == 0 and "x=47.78" in r.stdout
    body = json.loads(invoke("runs", "show", old, "-f", "json", "--store", str(db)).stdout)
    assert body["id"] == old and body["params"]["input"] == str(small)
    assert list(body)[-3:] == ["params", "results", "python"] and body["python"]
    assert body["results"]["forecast:compromise"]["forecast"] == pytest.approx([8600 / 180])
    r = invoke("runs", "show", "nope", "--store", str(db))
    assert r.exit_code == 2 and "no such run" in r.output and "detente runs list" in r.output


def test_runs_diff(small: Path, db: Path) -> None:
    old, new = _two_forecasts(small, db)
    r = invoke("runs", "diff", old, new, "-f", "json", "--store", str(db))
    assert r.exit_code == 0, r.output
    changes = json.loads(r.stdout)["changes"]
    sal = [c for c in changes if c["field"] == "salience"]
    assert [(c["actor"], c["issue"], c["a"], c["b"]) for c in sal] == [("A", "x", 50.0, 60.0)]
    (fc,) = [c for c in changes if c["section"] == "forecast"]
    # (2*60*30 + 80*70) / (2*60 + 80) = 46 against 8600/180
    assert fc["b"] == pytest.approx(46.0) and fc["change"] == pytest.approx(46 - 8600 / 180)
    r = invoke("runs", "diff", old, new, "--store", str(db))
    assert "salience A x: 50 -> 60" in r.stdout


def test_runs_export(small: Path, db: Path, tmp_path: Path) -> None:
    old, new = _two_forecasts(small, db)
    out = tmp_path / "runs.csv"
    r = invoke("runs", "export", old, new, "-o", str(out), "--store", str(db))
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    fc = df[df.key == "forecast[0]"].set_index("run").value.astype(float)
    assert fc[old] == pytest.approx(8600 / 180) and fc[new] == pytest.approx(46.0)
    out_json = tmp_path / "runs.json"
    r = invoke("runs", "export", old, "-o", str(out_json), "-f", "json", "--store", str(db))
    assert json.loads(out_json.read_text())[0]["id"] == old
    r = invoke("runs", "export", old, "-o", str(db), "--store", str(db))
    assert r.exit_code == 2 and "destroy an input" in r.output
    r = invoke("runs", "export", "nope", "-o", str(out), "--store", str(db))
    assert r.exit_code == 2 and "no such run" in r.output


def test_runs_on_a_missing_folder_store_creates_it(tmp_path: Path) -> None:
    r = invoke("runs", "list", "-f", "json", "--store", str(tmp_path / "new" / "s.sqlite3"))
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_backtest_run_and_predict_recorded(shared_data: Path, db: Path, tmp_path: Path) -> None:
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    out = tmp_path / "pred.csv"
    args = ("backtest", "predict", "--train", str(dev), str(hold), "-m", "compromise")
    r = invoke(*args, "-o", str(out), "--store", str(db))
    assert r.exit_code == 0, r.output
    r = invoke("backtest", str(dev), "-m", "compromise", "--boot", "10", "--store", str(db))
    assert r.exit_code == 0, r.output
    run, pred = _runs(db)
    assert (run.command, pred.command) == ("backtest run", "backtest predict")
    csv = pd.read_csv(out)
    assert pred.results["predictions"]["forecast"] == pytest.approx(csv.prediction.tolist())
    assert pred.results["predictions"]["issues"] == [str(i) for i in csv.issue]
    with RunStore(db) as s:
        assert s.scenario_text(pred.scenario_hash) == hold.read_text(encoding="utf-8")
        assert s.scenario_text(run.scenario_hash) == dev.read_text(encoding="utf-8")
    assert pred.params["train_sha256"] == run.scenario_hash
    assert "compromise" in run.models and run.seed == 0


def test_recording_says_where_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from detente.cli._store import recording

    db = tmp_path / "r.sqlite3"
    with recording(db, False, "forecast") as rec:
        rec.result("x", {"v": 1})
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with recording(db, False, "forecast") as rec:
        rec.seed = 9
    err = capsys.readouterr().err
    with RunStore(db) as s:
        newest = s.list_runs()[0]
    assert err == f"recorded run {newest.id} in {db}\n" and newest.seed == 9


def test_baserate_and_backtest_cases_are_recorded(shared_data: Path, tmp_path: Path) -> None:
    # Every command that runs something is recorded: the base rate with its conflict and date,
    # the case scores with their models; the stored payload is what the command printed.
    db = tmp_path / "runs.sqlite3"
    r = invoke(
        "baserate", "miami", "--no-model", "--boot", "20", "--format", "json", "--store", str(db)
    )
    assert r.exit_code == 0, r.output
    printed = json.loads(r.stdout)
    r = invoke("backtest", "cases", "oslo-1993", "-m", "compromise", "--boot", "10",
               "--runs", "5", "--format", "json", "--store", str(db))  # fmt: skip
    assert r.exit_code == 0, r.output
    cases = json.loads(r.stdout)
    with RunStore(db) as st:
        runs = {row.command: st.get_run(row.id) for row in st.list_runs()}
    assert set(runs) == {"baserate", "backtest cases"}
    base = runs["baserate"]
    assert base.params["conflict"]["type"] == "interstate"
    assert base.params["as_of"] == "2025-12-19"
    assert base.results["baserate"]["probability_agreement"] == printed["probability_agreement"]
    assert runs["backtest cases"].models == ["compromise"]
    assert runs["backtest cases"].results["cases"] == cases


def test_a_failed_baserate_records_nothing(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    r = invoke("baserate", "--type", "interstellar", "--store", str(db))
    assert r.exit_code == 2
    if db.exists():
        with RunStore(db) as st:
            assert st.count_runs() == 0


def test_export_format_choices_are_the_stores() -> None:
    from detente.cli.cmd_runs import _ExportFmt
    from detente.store import EXPORT_FORMATS

    assert [f.value for f in _ExportFmt] == list(EXPORT_FORMATS) == ["csv", "json", "parquet"]


def test_runs_show_csv_is_one_row_per_result_value(small: Path, db: Path) -> None:
    old, _ = _two_forecasts(small, db)
    r = invoke("runs", "show", old, "-f", "csv", "--store", str(db))
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df.columns) == ["kind", "key", "value"]
    row = df[df.key == "forecast[0]"]
    assert row.kind.tolist() == ["forecast:compromise"]
    assert float(row.value.iloc[0]) == pytest.approx(8600 / 180)
