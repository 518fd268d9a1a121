"""``simulate`` and ``detente simulate``: known answers on a small scenario, drawn inputs,
the result's views, located errors, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.process import simulate
from detente.scenario.draws import InputDraws
from detente.scenario.errors import ScenarioError
from detente.scenario.io import load

SCENARIO = """\
name: two sides
as_of: '2025-01-01'
actors:
- {{id: A, name: A, capability: 1, veto: true}}
- {{id: B, name: B, capability: 1, veto: true}}
- {{id: M, name: M, capability: 1, role: mediator}}
issues: [{{id: x, name: x}}]
positions:
- {{actor: A, issue: x, position: 0, salience: 50, reservation: 60}}
- {{actor: B, issue: x, position: 100, salience: 50, reservation: 40}}
- {{actor: M, issue: x, position: 80, salience: 50}}
{process}"""

PROCESS = """\
process:
  start: '2025-01-01'
  round_days: 7
  protocol: {{name: single_text, deadline_rounds: 10{extra}}}
{strategies}"""


def _scenario(tmp_path: Path, extra: str = "", strategies: str = "", process: bool = True):
    block = PROCESS.format(extra=extra, strategies=strategies) if process else ""
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIO.format(process=block))
    return load(f)


def test_known_answer_deal_at_round_nine(tmp_path: Path) -> None:
    # linear concession over 10 rounds: A signs [0, 6t], B [100 - 6t, 100]; they meet at
    # t = 9 (box [46, 54]), the Nash text is 50 (see test_process_protocol)
    res = simulate(_scenario(tmp_path), runs=5, seed=0, rounds=15)
    p, _lo, _hi = res.by_round()
    assert p[:9].tolist() == [0.0] * 9 and p[9:].tolist() == [1.0] * 6
    np.testing.assert_allclose(res.record.terms[:, 0], 50.0)
    d = res.to_dict()
    assert d["probability_of_agreement"]["overall"]["p"] == 1.0
    assert d["probability_of_agreement"]["by_date"][9]["date"] == "2025-03-05"  # 9 weeks on
    assert d["terms"]["x"]["median"] == 50.0
    assert set(d) >= {"probability_of_agreement", "terms", "walkaways", "drafts"}
    json.dumps(d, allow_nan=False)
    assert d["drafts"][-1]["ratified"] and len(d["drafts"]) == 10


def test_wilson_interval_known_values() -> None:
    from detente.process.result import wilson

    # Wilson 95 % for 0/10: [0, 0.2775]; for 5/10: [0.2366, 0.7634] (published tables)
    _p, lo, hi = wilson(np.array([0, 5]), 10)
    np.testing.assert_allclose(lo, [0.0, 0.2366], atol=5e-5)
    np.testing.assert_allclose(hi, [0.2775, 0.7634], atol=5e-5)
    # the ends are exact where no run (or every run) agreed: 0 and 1, not 1e-19 (a JSON reader
    # would print the rounding error)
    _p, lo, hi = wilson(np.array([0, 10]), 10)
    assert lo[0] == 0.0 and hi[1] == 1.0


def test_strategies_from_the_file(tmp_path: Path) -> None:
    # both Boulware e = 0.5: A signs [0, 60 (t/10)^2]; meet when (t/10)^2 >= 5/6: t = 10
    strat = (
        "  strategies:\n  - {actor: A, kind: boulware, params: {e: 0.5}}\n"
        "  - {actor: B, kind: boulware, params: {e: 0.5}}\n"
    )
    res = simulate(_scenario(tmp_path, strategies=strat), runs=2, seed=0, rounds=12)
    assert (res.record.deal_round == 10).all()
    assert "boulware" in res.summary()


def test_until_counts_rounds_by_date(tmp_path: Path) -> None:
    res = simulate(_scenario(tmp_path), runs=2, seed=0, until="2025-03-05")
    assert res.rounds == 10 and res.dates[-1] == dt.date(2025, 3, 5)
    assert res.to_df()["p_agreement"].iloc[-1] == 1.0


def test_mediator_rule_with_pressure(tmp_path: Path) -> None:
    s = _scenario(tmp_path, extra=", draft: mediator, pressure: 0.5")
    res = simulate(s, runs=3, seed=0, rounds=20)
    assert not res.agreed.any()
    held = res.walkaways()["held_out"]
    assert held[0]["actor"] == "A" and held[0]["share"] == 1.0
    assert "A holds out on x" in res.summary()


def test_draws_give_each_run_its_inputs(tmp_path: Path) -> None:
    s = _scenario(tmp_path)
    base = s.to_arrays()
    shift = np.array([0.0, -30.0, 10.0])  # widen/narrow both limits per draw
    res_ = np.stack([base.reservation + np.array([[d], [-d], [0]]) for d in shift])
    drawn = replace(
        base,
        capability=np.broadcast_to(base.capability, (3, 3)),
        position=np.broadcast_to(base.position, (3, 3, 1)),
        salience=np.broadcast_to(base.salience, (3, 3, 1)),
        reservation=res_,
    )
    res = simulate(s, draws=InputDraws(drawn), seed=0, rounds=15)
    # draw 1: A signs up to 30, B down to 70: never; draw 2: 70 / 30: meet at 6t >= ... t=8
    # (A: 7t >= 100 - 7t at t = 7.14 -> 8)
    assert res.record.deal_round.tolist() == [9, -1, 8]
    assert not res.point


def test_bit_identical_with_the_same_seed(tmp_path: Path) -> None:
    s = _scenario(tmp_path, process=False)
    a = simulate(s, runs=50, seed=7, rounds=5)
    b = simulate(s, runs=50, seed=7, rounds=5)
    np.testing.assert_array_equal(a.record.deal_round, b.record.deal_round)
    np.testing.assert_array_equal(a.record.terms, b.record.terms)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"until": "2024-12-01"}, "until"),
        ({"until": "2025-13-01"}, "until"),
        ({"until": "2025-02-01", "rounds": 3}, "until"),
        ({"rounds": 0}, "rounds"),
        ({"runs": 0}, "runs"),
        ({"protocol": "auction"}, "protocol"),
    ],
)
def test_located_errors(tmp_path: Path, kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as e:
        simulate(_scenario(tmp_path), **kwargs)
    assert e.value.field == field


def test_strategy_for_unknown_actor_is_located(tmp_path: Path) -> None:
    # refused when the file is read (check_process runs the protocol checks), at its line
    with pytest.raises(ScenarioError) as e:
        _scenario(tmp_path, strategies="  strategies:\n  - {actor: Z, kind: linear}\n")
    assert e.value.field == "process.strategies[0].actor" and "A" in str(e.value)
    assert e.value.line == 17 and e.value.value == "Z"


def test_strategy_given_twice_is_located(tmp_path: Path) -> None:
    strat = "  strategies:\n  - {actor: A, kind: linear}\n  - {actor: A, kind: boulware}\n"
    with pytest.raises(ScenarioError) as e:
        _scenario(tmp_path, strategies=strat)
    assert e.value.field == "process.strategies[1].actor"


@pytest.mark.parametrize(
    ("strat", "words"),
    [
        ("{actor: A, kind: boulware, params: {e: 2}}", "e < 1"),
        ("{actor: A, kind: conceder, params: {e: 0.5}}", "e > 1"),
        ("{actor: A, kind: linear, params: {delta: 2}}", "no parameter 'delta'"),
        ("{actor: A, kind: time, params: {kappa: 1.5}}", "kappa"),
        ("{actor: A, kind: tit_for_tat, params: {delta: 0.5}}", "delta"),
        ("{actor: A, kind: stubborn}", "kind"),
    ],
)
def test_bad_strategy_is_a_located_scenario_error(tmp_path: Path, strat: str, words: str) -> None:
    with pytest.raises(ScenarioError) as e:
        _scenario(tmp_path, strategies=f"  strategies:\n  - {strat}\n")
    assert words in str(e.value) and "s.yaml" in str(e.value)


def test_pressure_needs_the_mediator_rule(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="draft: mediator"):
        _scenario(tmp_path, extra=", pressure: 0.3")


def test_views(tmp_path: Path) -> None:
    res = simulate(_scenario(tmp_path), runs=4, seed=1, rounds=12)
    df = res.to_df()
    assert list(df.columns) == ["round", "date", "p_agreement", "lo", "hi"] and len(df) == 12
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert ax.get_ylabel().startswith("probability")
    assert "P(deal by 2025-03-19) = 100.0%" in repr(res)


# ---------------------------------------------------------------------------- the CLI


def _cli(args: list[str]):
    from detente.cli.app import _register_commands, app

    _register_commands()
    return CliRunner().invoke(app, args)


def test_cli_point_json(tmp_path: Path) -> None:
    _scenario(tmp_path)
    out = tmp_path / "sim.json"
    r = _cli(
        [
            "simulate",
            str(tmp_path / "s.yaml"),
            "--point",
            "--runs",
            "3",
            "--seed",
            "2",
            "--rounds",
            "12",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["probability_of_agreement"]["overall"]["p"] == 1.0 and d["seed"] == 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--until", "2024-01-01"], "until"),
        (["--until", "tomorrow"], "not a date"),
        (["--runs", "0"], "--runs 0"),
        (["--rounds", "0"], "--rounds 0"),
        (["--executor", "cloud"], "--executor"),
        (["--protocol", "auction"], "unknown protocol"),
    ],
)
def test_cli_located_errors_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    _scenario(tmp_path)
    r = _cli(["simulate", str(tmp_path / "s.yaml"), "--point", *args])
    assert r.exit_code == 2, r.output
    assert words in r.output and "Traceback" not in r.output


def test_cli_draws_inputs_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scenario(tmp_path)
    base = s.to_arrays()
    calls = []

    def fake(scenario, n, *, seed=None, method="sobol", what_if=None):
        calls.append(n)
        return InputDraws(
            replace(
                base,
                capability=np.broadcast_to(base.capability, (n, 3)),
                position=np.broadcast_to(base.position, (n, 3, 1)),
                salience=np.broadcast_to(base.salience, (n, 3, 1)),
                reservation=np.broadcast_to(base.reservation, (n, 3, 1)),
            )
        )

    monkeypatch.setattr("detente.uncertainty.sampling.draw_inputs", fake)
    r = _cli(["simulate", str(tmp_path / "s.yaml"), "--runs", "4", "--rounds", "12"])
    assert r.exit_code == 0, r.output
    assert calls == [4] and "inputs drawn per run" in r.output
