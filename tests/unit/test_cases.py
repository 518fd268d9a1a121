"""Historical cases: loading with located errors, scoring known by hand, the shipped cases run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import _case_checks as checks
import numpy as np
import pytest
from typer.testing import CliRunner

from detente.history.cases import CaseScores, list_cases, load_case, score_cases
from detente.scenario.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]

# A tiny scenario: two equal actors, issue x on 0-100 and issue y on 0-10 (another unit).
SCENARIO = """\
name: tiny
as_of: '2020-01-01'
actors:
- {id: A, name: A, capability: 1.0, veto: true}
- {id: B, name: B, capability: 1.0, veto: true}
issues:
- {id: x, name: x, scale: {lo: 0.0, hi: 100.0}}
- {id: y, name: y, scale: {lo: 0.0, hi: 10.0}}
positions:
- {actor: A, issue: x, position: 0.0, salience: 100.0, reservation: 45.0}
- {actor: B, issue: x, position: 100.0, salience: 100.0, reservation: 50.0}
- {actor: A, issue: y, position: 0.0, salience: 50.0}
- {actor: B, issue: y, position: 10.0, salience: 50.0}
process:
  start: '2020-01-01'
  ratification:
  - id: vote
    actor: A
    kind: referendum
    support:
    - issue: x
      points:
      - {value: 0.0, share: 0.4}
      - {value: 100.0, share: 0.8}
    threshold: 0.5
    poll_error: 0.1
"""

CASE = """\
case: tiny
title: A tiny case
scenario: tiny.yaml
outcome:
  date: 2020-02-01
  reached: true
  sources: [O1]
  issues:
    x:
      value: 40.0
      argument: by hand
      sources: [O1]
    y:
      value: 8.0
      argument: by hand
  ratification:
  - stage: the vote
    date: 2020-03-01
    passed: false
    sources: [O1]
    scenario_stage: vote
sources:
- {id: O1, title: the record, date: 2020-02-01}
"""


def _write(tmp: Path, case: str = CASE, scenario: str = SCENARIO, name: str = "tiny") -> Path:
    (tmp / "tiny.yaml").write_text(scenario)
    p = tmp / f"{name}.case.yaml"
    p.write_text(case)
    return p


def _line_of(text: str, needle: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), start=1) if needle in ln)


# ---------------------------------------------------------------------------- loading
def test_load_tiny_case(tmp_path: Path) -> None:
    c = load_case(_write(tmp_path))
    assert c.name == "tiny"
    assert c.issue_ids == ["x", "y"]
    assert c.scenario_path == (tmp_path / "tiny.yaml").resolve()


@pytest.mark.parametrize("name", ["colombia-2016", "dayton-1995", "good-friday-1998", "oslo-1993"])
def test_shipped_cases_load(name: str) -> None:
    assert name in list_cases()
    c = load_case(name)
    assert c.scenario.as_of is not None and c.spec.outcome.date > c.scenario.as_of
    assert set(c.spec.outcome.issues) == {i.id for i in c.scenario.issues}
    for oi in c.spec.outcome.issues.values():
        assert len(oi.argument) > 20  # the mapping is argued


def test_unknown_case_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError) as e:
        load_case("no-such-case")
    assert "colombia-2016" in str(e.value.allowed)


_SOURCE_X = "      argument: by hand\n      sources: [O1]"  # issue x's argument and sources


@pytest.mark.parametrize(
    ("old", "new", "field", "value", "needle", "allowed"),
    [
        pytest.param(
            "    y:\n", "    zz:\n", "outcome.issues.zz", "zz", "    zz:", "x, y", id="issue"
        ),
        pytest.param(  # y's scale is 0-10
            "value: 8.0",
            "value: 12.0",
            "outcome.issues.y.value",
            12.0,
            "value: 12.0",
            "from 0 to 10",
            id="off-scale",
        ),
        pytest.param(
            _SOURCE_X,
            _SOURCE_X.replace("O1", "O9"),
            "outcome.issues.x.sources[0]",
            "O9",
            "[O9]",
            "O1",
            id="source",
        ),
        pytest.param(
            "scenario: tiny.yaml",
            "scenario: gone.yaml",
            "scenario",
            "gone.yaml",
            "scenario: gone.yaml",  # line 3
            "relative to the case file's folder",
            id="no-scenario",
        ),
        pytest.param(
            "  date: 2020-02-01",
            "  date: 2020-01-01",
            "outcome.date",
            "2020-01-01",
            "  date: 2020-01-01",
            "after 2020-01-01",
            id="not-after-as-of",
        ),
        pytest.param(
            "scenario_stage: vote",
            "scenario_stage: senate",
            "outcome.ratification[0].scenario_stage",
            "senate",
            "scenario_stage: senate",
            "stage id: vote",
            id="stage",
        ),
        pytest.param(
            "  reached: true",
            "  reached: true\n  verdict: yes",
            "outcome.verdict",
            "yes",
            "verdict",
            "only the fields of the case file format",
            id="unknown-field",
        ),
    ],
)
def test_case_file_error_is_located(
    tmp_path: Path, old: str, new: str, field: str, value: object, needle: str, allowed: str
) -> None:
    """Each problem in a case file is one ScenarioError naming the file, the line, the field,
    the value and what is allowed."""
    assert old in CASE
    text = CASE.replace(old, new)
    with pytest.raises(ScenarioError) as e:
        load_case(_write(tmp_path, text))
    err = e.value
    assert (err.field, err.value) == (field, value)
    assert err.line == _line_of(text, needle)
    assert allowed in str(err.allowed)
    assert err.path == str(tmp_path / "tiny.case.yaml")


# ---------------------------------------------------------------------------- scoring
def test_scores_by_hand(tmp_path: Path) -> None:
    """Compromise (equal capability x salience): x = 50, y = 5. Errors in points of each
    scale: x |50 - 40| = 10; y |5 - 8| / 10 * 100 = 30. A second case with one issue: the
    actors at 20 and 60 give 40 = the outcome, error 0. Pooled over the three issues: 40/3;
    resampling two cases the pooled MAE takes 20, 40/3 or 0, so the interval is [0, 20];
    case one's interval over its two issues is [10, 30]."""
    c1 = load_case(_write(tmp_path))
    d2 = tmp_path / "two"
    d2.mkdir()
    scen2 = SCENARIO.replace("position: 0.0, salience: 100.0", "position: 20.0, salience: 100.0")
    scen2 = scen2.replace("position: 100.0, salience: 100.0", "position: 60.0, salience: 100.0")
    case2 = CASE.replace("    y:\n      value: 8.0\n      argument: by hand\n", "")
    c2 = load_case(_write(d2, case2, scen2, name="two"))
    res = score_cases([c1, c2], ["compromise"], n_boot=4000, eve=False)
    rows = {(r["case"], r["issue"]): r for r in res.rows}
    assert rows["tiny", "x"]["forecast"] == pytest.approx(50.0)
    assert rows["tiny", "y"]["forecast"] == pytest.approx(5.0)
    assert rows["tiny", "y"]["abs_error"] == pytest.approx(30.0)
    assert rows["two", "x"]["abs_error"] == pytest.approx(0.0)
    assert res.mae("compromise", "tiny") == pytest.approx(20.0)
    assert res.mae("compromise", "two") == pytest.approx(0.0)
    assert res.mae("compromise") == pytest.approx(40.0 / 3.0)
    pooled = next(m for m in res.metrics if m["case"] == "pooled")
    assert (pooled["lo"], pooled["hi"]) == (pytest.approx(0.0), pytest.approx(20.0))
    one = next(m for m in res.metrics if m["case"] == "tiny")
    assert (one["lo"], one["hi"]) == (pytest.approx(10.0), pytest.approx(30.0))
    two = next(m for m in res.metrics if m["case"] == "two")
    assert math.isnan(two["lo"])  # one issue: no interval


def test_eve_by_hand(tmp_path: Path) -> None:
    """A signs x in [0, 45] (position 0, reservation 45), B in [50, 100]: no zone, x blocks
    with a gap of 5; the outcome 40 is inside A's interval, outside B's. The vote's support at
    x = 40 is 0.4 + 0.4 * 0.4 = 0.56, P(pass) = Phi((0.56 - 0.5) / 0.1) = Phi(0.6) = 0.7257;
    it failed: Brier 0.7257^2 = 0.5267."""
    res = score_cases([load_case(_write(tmp_path))], ["compromise"], n_boot=100, runs=20)
    e = res.eve["tiny"]
    assert e["zone"] is False
    assert [g["issue"] for g in e["gaps"]] == ["x"] and e["gaps"][0]["gap"] == pytest.approx(5.0)
    assert e["inside"]["A"]["x"]["inside"] is True
    assert e["inside"]["B"]["x"]["inside"] is False
    assert e["inside"]["A"]["y"] is None  # no reservation point on y
    (stage,) = e["stages"]
    assert stage["p_pass"] == pytest.approx(0.725747, abs=1e-5)
    assert stage["brier"] == pytest.approx(0.725747**2, abs=1e-5)
    assert e["recorded_ratified"] is False
    assert 0.0 <= e["simulate"]["p"] <= 1.0


def test_a_failing_model_is_reported_not_fatal(tmp_path: Path) -> None:
    res = score_cases([load_case(_write(tmp_path))], ["compromise", "fitted"], eve=False)
    assert res.models == ["compromise"]
    assert "fitted" in res.skipped and "training" in res.skipped["fitted"]


def test_result_api(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = score_cases([load_case(_write(tmp_path))], ["compromise", "median"], n_boot=50, runs=10)
    assert isinstance(res, CaseScores)
    assert set(res.to_df().columns) >= {"case", "model", "issue", "abs_error"}
    mdf = res.metrics_df()  # one row per model and case (one case here: no pooled interval)
    assert len(mdf) == len(res.metrics) == 4
    assert set(zip(mdf["model"], mdf["case"], strict=True)) == {
        (m, c) for m in ("compromise", "median") for c in ("tiny", "pooled")
    }
    assert mdf.loc[mdf["case"] == "pooled", "lo"].isna().all()
    json.dumps(res.to_dict(), allow_nan=False)
    assert "Small n" in res.summary()
    assert repr(res) == "<CaseScores: 1 historical cases, 2 models scored>"
    ax = res.plot()
    assert ax.get_xlabel().startswith("mean absolute error")
    plt.close(ax.figure)


# ---------------------------------------------------------------------------- the shipped cases
@pytest.fixture(scope="module")
def shipped() -> CaseScores:
    return score_cases(n_boot=200, runs=100)


def test_shipped_cases_score_finite(shipped: CaseScores) -> None:
    assert set(shipped.cases) >= {"colombia-2016", "good-friday-1998"}
    assert "compromise" in shipped.models
    assert all(np.isfinite(r["abs_error"]) for r in shipped.rows)
    for m in shipped.metrics:
        assert 0.0 <= m["mae"] <= 100.0
    assert "fitted" in shipped.skipped  # needs training: reported


def test_shipped_cases_zone_verdict_computed(shipped: CaseScores) -> None:
    for name in ("colombia-2016", "good-friday-1998"):
        e = shipped.eve[name]
        assert isinstance(e["zone"], bool)
        assert e["simulate"] is not None and 0.0 <= e["simulate"]["p"] <= 1.0
    for name in list_cases():  # every shipped case has an eve; simulate where it has a process
        e = shipped.eve[name]
        assert isinstance(e["zone"], bool)
        has_process = load_case(name).scenario.process is not None
        assert (e["simulate"] is not None) == has_process, name
        assert has_process or e["stages"] == [], name  # stages are the process block's


def test_colombia_plebiscite_stage_by_hand(shipped: CaseScores) -> None:
    """The scenario's plebiscite curves at the recorded terms of 24 August: justice 35 gives
    0.58; political participation 30 gives 0.52 + (30 - 20) / 25 * 0.08 = 0.552; the smaller
    is 0.552, P(pass) = Phi(0.052 / 0.08) = Phi(0.65) = 0.7422. The text failed."""
    (st,) = shipped.eve["colombia-2016"]["stages"]
    assert st["stage"] == "plebiscite" and st["passed"] is False
    assert st["p_pass"] == pytest.approx(0.742154, abs=1e-5)


def test_cli_table_and_json(tmp_path: Path) -> None:
    from detente.cli.app import _register_commands, app

    _register_commands()
    args = ["backtest", "cases", "colombia-2016", "-m", "compromise", "--runs", "20"]
    r = CliRunner().invoke(app, [*args, "--boot", "50"])
    assert r.exit_code == 0, r.output
    assert "pooled" in r.output and "zone of agreement" in r.output
    out = tmp_path / "c.json"
    r = CliRunner().invoke(app, [*args, "--format", "json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["cases"] == ["colombia-2016"]


def test_cli_bad_case_file_is_one_located_line(tmp_path: Path) -> None:
    from detente.cli.app import _register_commands, app

    _register_commands()
    bad = _write(tmp_path, CASE.replace("    y:\n", "    zz:\n"))
    r = CliRunner().invoke(app, ["backtest", "cases", str(bad), "-m", "compromise"])
    assert r.exit_code == 2
    assert "outcome.issues.zz" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["backtest", "cases", "colombia-2016", "-m", "nope"])
    assert r.exit_code == 2 and "not a registered model" in r.output


def test_check_dating_passes_on_the_case_files() -> None:
    checks.check_shared_date_tool()


def test_a_focal_point_model_runs_untrained_on_the_cases_with_its_default_rule() -> None:
    # snap:compromise needs no training set: with its documented default rule each forecast is
    # the compromise forecast, or a documented option or an actor's position within 10% of the
    # scale of it; a fittable model with a fittable inner (fitted) is still not scored.
    res = score_cases(models=["compromise", "snap:compromise", "fitted"], n_boot=10, eve=False)
    assert "fitted" in res.skipped and "snap:compromise" not in res.skipped
    df = res.to_df()
    comp = df[df.model == "compromise"].set_index(["case", "issue"])["forecast"]
    snapped = df[df.model == "snap:compromise"].set_index(["case", "issue"])["forecast"]
    moved = 0
    for (case, issue), v in snapped.items():
        c = comp[(case, issue)]
        if v == c:
            continue
        moved += 1
        sc = load_case(case).scenario
        scale = next(i.scale for i in sc.issues if i.id == issue)
        focal = {a.value for a in scale.anchors} | {
            p.position for p in sc.positions if p.issue == issue
        }
        assert v in focal, (case, issue, v)
        assert abs(v - c) <= 0.1 * (scale.hi - scale.lo) + 1e-9
    assert moved > 0


def test_a_models_intervals_do_not_depend_on_the_others_scored() -> None:
    """Each interval resamples afresh from the seed: median's intervals on the shipped cases
    are the same whether or not another model was scored before it (they moved with the set
    of models before)."""
    alone = score_cases(None, ["median"], n_boot=300, eve=False)
    beside = score_cases(None, ["compromise", "median"], n_boot=300, eve=False)

    def bands(res: CaseScores) -> dict[str, tuple[float, float]]:
        return {m["case"]: (m["lo"], m["hi"]) for m in res.metrics if m["model"] == "median"}

    assert bands(alone) == bands(beside)
    assert len(bands(alone)) == 5  # four cases and pooled
    assert all(hi > lo for lo, hi in bands(alone).values())
