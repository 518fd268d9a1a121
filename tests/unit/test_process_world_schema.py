"""The process block's located errors (issue 13, "Bad input"): each problem is a ScenarioError
naming the file, the line, the field, the value and what is allowed; the CLI exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load
from detente.scenario.process_spec import order_cycle

BASE = """\
name: small
as_of: '2025-12-19'
actors:
  - {id: A, name: Alpha, capability: 2, veto: true}
  - {id: B, name: Beta, capability: 1, veto: true}
issues:
  - {id: x, name: An issue, scale: {lo: 0, hi: 100}}
  - {id: y, name: Another, scale: {lo: 0, hi: 100}}
positions:
  - {actor: A, issue: x, position: 20, salience: 50, reservation: 40}
  - {actor: B, issue: x, position: 80, salience: 80, reservation: 50}
sources:
  - {id: S1, title: A source, date: '2025-12-01'}
process:
  start: '2025-12-19'
  drivers:
    - id: gain
      unit: km2 per month
      series:
        - {date: '2025-09-01', value: 400}
        - {date: '2025-10-01', value: 450}
        - {date: '2025-11-01', value: 700}
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _error(tmp_path: Path, extra: str, old: str = "", new: str = "") -> ScenarioError:
    text = BASE.replace(old, new) if old else BASE
    with pytest.raises(ScenarioError) as info:
        load(_write(tmp_path, text + extra))
    return info.value


def test_a_well_formed_block_loads(tmp_path: Path) -> None:
    sc = load(_write(tmp_path, BASE))
    assert sc.process is not None
    assert [p.value for p in sc.process.drivers[0].series] == [400, 450, 700]


def test_driver_with_a_gap_is_located(tmp_path: Path) -> None:
    err = _error(tmp_path, "", "2025-11-01", "2025-12-01")
    assert err.line == 22, str(err)
    assert "gap" in str(err) and "2025-12-01" in str(err) and "2025-11-01" in str(err)


def test_driver_dates_out_of_order_are_located(tmp_path: Path) -> None:
    err = _error(tmp_path, "", "2025-10-01", "2025-08-01")
    assert err.line == 21, str(err)
    assert "out of order" in str(err) and "2025-08-01" in str(err)


def test_shock_before_the_start_is_located(tmp_path: Path) -> None:
    err = _error(tmp_path, "  shocks:\n    - {id: stall, date: '2025-12-01'}\n")
    assert err.line == 24, str(err)
    assert "before the process start" in str(err) and "2025-12-01" in str(err)


def test_shock_needs_a_date_or_a_hazard(tmp_path: Path) -> None:
    err = _error(tmp_path, "  shocks:\n    - {id: stall}\n")
    assert "date or a hazard" in str(err)


def test_sequencing_cycle_among_binding_demands_is_located(tmp_path: Path) -> None:
    extra = """\
  sequencing:
    steps: [ceasefire, withdrawal, referendum]
    demands:
      - {id: d1, actor: A, first: withdrawal, then: ceasefire, binding: true}
      - {id: d2, actor: B, first: ceasefire, then: referendum, binding: true}
      - {id: d3, actor: B, first: referendum, then: withdrawal, binding: true}
"""
    err = _error(tmp_path, extra)
    assert "cycle" in str(err)
    assert "ceasefire -> referendum -> withdrawal -> ceasefire" in str(err)
    assert err.line == 27, str(err)


def test_clashing_non_binding_demands_load(tmp_path: Path) -> None:
    extra = """\
  sequencing:
    steps: [ceasefire, withdrawal]
    demands:
      - {id: d1, actor: A, first: withdrawal, then: ceasefire}
      - {id: d2, actor: B, first: ceasefire, then: withdrawal}
"""
    sc = load(_write(tmp_path, BASE + extra))
    assert sc.process is not None and sc.process.sequencing is not None


def test_ratification_stage_naming_an_unknown_actor(tmp_path: Path) -> None:
    err = _error(tmp_path, "  ratification:\n    - {id: ref, actor: ZZ, probability: 0.5}\n")
    assert err.line == 24 and "unknown actor" in str(err) and "ZZ" in str(err), str(err)
    assert "A, B" in str(err)


def test_unknown_issue_actor_driver_ids(tmp_path: Path) -> None:
    walk = (
        "  walkaways:\n    - {actor: A, issue: zz, sensitivities: [{driver: gain, per_unit: 1}]}\n"
    )
    assert "unknown issue" in str(_error(tmp_path, walk))
    walk = (
        "  walkaways:\n    - {actor: A, issue: x, sensitivities: [{driver: nope, per_unit: 1}]}\n"
    )
    err = _error(tmp_path, walk)
    assert "unknown driver" in str(err) and "nope" in str(err) and "gain" in str(err)
    exp = "  expectations:\n    - {actor: Q, driver: gain, expected: 1}\n"
    assert "unknown actor" in str(_error(tmp_path, exp))
    link = "  linked_limits:\n    - {actor: A, issue: x, reservation: 60, requires_stage: nope}\n"
    assert "unknown ratification stage" in str(_error(tmp_path, link))
    contra = "  contradictions:\n    - {id: c, when: [{issue: w, at_most: 3}]}\n"
    assert "unknown issue" in str(_error(tmp_path, contra))
    eff = "  shocks:\n    - {id: s, hazard_per_month: 0.1, effects: [{driver: q, factor: 0}]}\n"
    assert "unknown driver" in str(_error(tmp_path, eff))


def test_unknown_source_in_a_series_point(tmp_path: Path) -> None:
    err = _error(tmp_path, "", "{date: '2025-09-01', value: 400}",
                 "{date: '2025-09-01', value: 400, sources: [S9]}")  # fmt: skip
    assert "unknown source" in str(err) and "S9" in str(err)


def test_cli_exit_2_on_a_sequencing_cycle(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from detente.cli import app

    extra = """\
  sequencing:
    steps: [a, b]
    demands:
      - {id: d1, first: a, then: b, binding: true}
      - {id: d2, first: b, then: a, binding: true}
"""
    res = CliRunner().invoke(app, ["validate", str(_write(tmp_path, BASE + extra))])
    out = res.output + (res.stderr if res.stderr_bytes is not None else "")
    assert res.exit_code == 2, out
    assert "Traceback" not in out and "cycle" in out


def test_order_cycle_known_answers() -> None:
    assert order_cycle([("a", "b"), ("b", "c")]) == []
    assert order_cycle([("a", "b"), ("b", "a")]) == ["a", "b", "a"]
    assert order_cycle([("x", "a"), ("a", "b"), ("b", "c"), ("c", "a")]) == ["a", "b", "c", "a"]
