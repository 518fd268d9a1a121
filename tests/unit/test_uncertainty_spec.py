"""The uncertainty and what_ifs blocks: every located error the issue lists, and the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load

BASE = """\
name: t
actors:
  - {id: A, name: Alpha, capability: 2, veto: true}
  - {id: B, name: Beta, capability: 1, capability_basis: documented, capability_sources: [S1]}
issues:
  - {id: x, name: X, scale: {lo: 0, hi: 10}}
  - {id: y, name: Y}
positions:
  - {actor: A, issue: x, position: 3, salience: 50, reservation: 5}
  - {actor: B, issue: x, position: 7, salience: 80, basis: documented, sources: [S1], range: [6, 9]}
  - {actor: A, issue: y, position: 20, salience: 100}
sources:
  - {id: S1, title: A source}
"""


def _load(tmp_path: Path, extra: str) -> object:
    f = tmp_path / "s.yaml"
    f.write_text(BASE + extra, encoding="utf-8")
    return load(f)


def _error(tmp_path: Path, extra: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as e:
        _load(tmp_path, extra)
    err = e.value
    assert err.path is not None and err.path.endswith("s.yaml")
    assert err.line is not None and err.line > BASE.count("\n")  # the line of the block
    return err


def test_low_above_high_is_located(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "uncertainty:\n  inputs:\n  - {input: position, actor: A, issue: x, low: 4, high: 2}\n",
    )
    assert err.field == "uncertainty.inputs[0].low"
    assert err.value == [4.0, 2.0]
    assert "low <= high" in (err.allowed or "")


@pytest.mark.parametrize(
    ("target", "field", "value", "allowed"),
    [
        ("{input: position, actor: A, issue: x, low: 1, high: 12}", "high", 12.0, "0 to 10"),
        ("{input: reservation, actor: A, issue: x, low: -1, high: 6}", "low", -1.0, "0 to 10"),
        ("{input: salience, actor: A, issue: x, low: 40, high: 101}", "high", 101.0, "0 to 100"),
        ("{input: capability, actor: A, low: -0.5, high: 3}", "low", -0.5, "0 or more"),
    ],
)
def test_support_off_range_is_located(
    tmp_path: Path, target: str, field: str, value: float, allowed: str
) -> None:
    err = _error(tmp_path, f"uncertainty:\n  inputs:\n  - {target}\n")
    assert err.field == f"uncertainty.inputs[0].{field}"
    assert err.value == value
    assert allowed in (err.allowed or "")


@pytest.mark.parametrize(
    ("target", "field", "value"),
    [
        ("{input: position, actor: Z, issue: x, low: 1, high: 2}", "actor", "Z"),
        ("{input: salience, actor: A, issue: w, low: 1, high: 2}", "issue", "w"),
        ("{input: driver, driver: front_gain, low: 0.5, high: 2}", "driver", "front_gain"),
        ("{input: shock, shock: aid_cut, low: 0.1, high: 0.2}", "shock", "aid_cut"),
        ("{input: position, actor: B, issue: y, low: 1, high: 2}", "issue", "y"),
    ],
)
def test_unknown_target_is_located(tmp_path: Path, target: str, field: str, value: str) -> None:
    err = _error(tmp_path, f"uncertainty:\n  inputs:\n  - {target}\n")
    assert err.field == f"uncertainty.inputs[0].{field}"
    assert err.value == value
    assert err.allowed


def test_unknown_driver_says_there_is_no_process_block(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "uncertainty:\n  inputs:\n  - {input: driver, driver: g, low: 0.5, high: 2}\n"
    )
    assert err.message == "unknown driver"
    assert "has none" in (err.allowed or "")


def test_correlation_matrix_not_psd_is_located(tmp_path: Path) -> None:
    # three pairwise correlations of -0.9: no three variables can hold them (eigenvalue -0.8)
    pair = "  - {{between: [{{input: {a}}}, {{input: {b}}}], rho: -0.9}}\n"
    targets = [
        "capability, actor: A",
        "capability, actor: B",
        "salience, actor: A, issue: x",
    ]
    extra = "uncertainty:\n  correlations:\n"
    for a, b in ((0, 1), (0, 2), (1, 2)):
        extra += pair.format(a=targets[a], b=targets[b])
    err = _error(tmp_path, extra)
    assert err.field == "uncertainty.correlations"
    assert "positive semi-definite" in err.message
    assert "-0.8" in err.message  # 1 - 2 * 0.9, the smallest eigenvalue, worked by hand
    assert "positive semi-definite" in (err.allowed or "")


def test_psd_correlations_load(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        "uncertainty:\n  copula: iman-conover\n  correlations:\n"
        "  - {between: [{input: capability, actor: A}, {input: capability, actor: B}], rho: 0.6}\n",
    )
    assert s.uncertainty.copula == "iman-conover"  # type: ignore[attr-defined]


def test_distribution_parameters_are_checked(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "uncertainty:\n  inputs:\n  - {input: position, actor: A, issue: x, dist: beta, "
        "low: 1, high: 5, alpha: 2}\n",
    )
    assert err.field == "uncertainty.inputs[0].beta"
    err = _error(
        tmp_path,
        "uncertainty:\n  inputs:\n  - {input: position, actor: A, issue: x, low: 5, high: 8}\n",
    )
    assert err.field == "uncertainty.inputs[0].mode"  # the default mode (3) is off the support


def test_what_if_unknown_target_is_located(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "what_ifs:\n- id: w\n  name: W\n  changes:\n  - {input: capability, actor: Q, set: 3}\n",
    )
    assert err.field == "what_ifs[0].changes[0].actor"
    assert err.value == "Q"
    assert "A, B" in (err.allowed or "")


def test_what_if_result_off_the_scale_is_located(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "what_ifs:\n- id: w\n  name: W\n  changes:\n"
        "  - {input: position, actor: A, issue: x, add: 9}\n",
    )
    assert err.field == "what_ifs[0].changes[0].add"
    assert err.value == 12.0
    assert "0 to 10" in (err.allowed or "")


def test_what_if_veto_on_unknown_issue_and_bad_ops(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "what_ifs:\n- id: w\n  name: W\n  changes:\n  - {input: veto, actor: B, issues: [x, q]}\n",
    )
    assert err.field == "what_ifs[0].changes[0].issues[1]"
    err = _error(
        tmp_path,
        "what_ifs:\n- id: w\n  name: W\n  changes:\n"
        "  - {input: salience, actor: A, issue: x, set: 5, add: 1}\n",
    )
    assert "exactly one of set, add, scale" in err.message
    err = _error(
        tmp_path,
        "what_ifs:\n- id: w\n  name: W\n  changes:\n"
        "  - {input: reservation, actor: B, issue: x, add: 1}\n",
    )
    assert "no reservation" in err.message


def test_cli_exit_2_on_a_bad_block(tmp_path: Path) -> None:
    from detente.cli.app import _register_commands, app

    _register_commands()
    f = tmp_path / "s.yaml"
    f.write_text(
        BASE + "uncertainty:\n  inputs:\n  - {input: position, actor: A, issue: x, low: 4, "
        "high: 2}\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["sensitivity", str(f), "--n", "4"])
    assert r.exit_code == 2
    assert "uncertainty.inputs[0].low" in r.output
    assert "Traceback" not in r.output


def test_defaults_without_a_block_are_said(tmp_path: Path) -> None:
    from detente.uncertainty.sampling import InputSpace

    space = InputSpace.from_scenario(_load(tmp_path, ""))  # type: ignore[arg-type]
    assert space.defaults_used
    assert "no uncertainty block" in space.notes[0]
    by = {v.key: v for v in (*space.inputs, *space.fixed)}
    # 2 capabilities + 3 positions + 3 saliences + 1 reservation: every number is uncertain
    assert len(by) == 9
    # judgement capability 2: +-30% -> [1.4, 2.6]; documented capability 1: +-10%
    assert (by["capability:A"].dist.low, by["capability:A"].dist.high) == pytest.approx((1.4, 2.6))
    assert (by["capability:B"].dist.low, by["capability:B"].dist.high) == pytest.approx((0.9, 1.1))
    # judgement position 3 on 0-10: +-15% of the span = +-1.5
    assert (by["position:A:x"].dist.low, by["position:A:x"].dist.high) == pytest.approx((1.5, 4.5))
    # a position's range is its support
    assert (by["position:B:x"].dist.low, by["position:B:x"].dist.high) == (6.0, 9.0)
    # judgement salience 100: +-15 points, cut at 100
    assert (by["salience:A:y"].dist.low, by["salience:A:y"].dist.high) == (85.0, 100.0)
    # documented salience 80 (salience_basis judgement by default) -> +-15
    assert (by["salience:B:x"].dist.low, by["salience:B:x"].dist.high) == (65.0, 95.0)
    # reservation points have no basis: judgement, +-15% of the span
    r = by["reservation:A:x"].dist
    assert (r.low, r.high, r.params["mode"]) == pytest.approx((3.5, 6.5, 5.0))


def test_defaults_can_be_overridden_in_the_file(tmp_path: Path) -> None:
    from detente.uncertainty.sampling import InputSpace

    s = _load(
        tmp_path,
        "uncertainty:\n  defaults:\n    judgement: {capability: 0.5}\n    dist: uniform\n",
    )
    space = InputSpace.from_scenario(s)  # type: ignore[arg-type]
    cap = next(v for v in space.inputs if v.key == "capability:A")
    assert (cap.dist.name, cap.dist.low, cap.dist.high) == ("uniform", 1.0, 3.0)
    pos = next(v for v in space.inputs if v.key == "position:A:x")
    assert (pos.dist.low, pos.dist.high) == pytest.approx((1.5, 4.5))  # unchanged default
