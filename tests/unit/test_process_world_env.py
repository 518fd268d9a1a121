"""Known answers for the Environment (issue 13, items 3-5): a reservation point at a date by
hand, a shock hazard's survival against its closed form, a linked limit on and off, declared
contradictions, ratification by a poll, per-issue vetoes, ordering clashes."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from detente.process.environment import Environment
from detente.process.world_series import DAYS_PER_MONTH, hazard_survival
from detente.scenario.io import load

HEAD = """\
name: world
actors:
  - {id: A, name: Alpha, capability: 2, veto: true}
  - {id: B, name: Beta, capability: 1, veto: true}
  - {id: EU, name: Union, capability: 1, veto: true, veto_issues: [y]}
issues:
  - {id: x, name: X, scale: {lo: 0, hi: 100}}
  - {id: y, name: Y, scale: {lo: 0, hi: 100}}
  - {id: g, name: G, scale: {lo: 0, hi: 100}}
positions:
  - {actor: A, issue: x, position: 20, salience: 50, reservation: 40}
  - {actor: B, issue: x, position: 80, salience: 80, reservation: 50}
  - {actor: A, issue: y, position: 50, salience: 50, reservation: 60}
  - {actor: EU, issue: y, position: 10, salience: 50, reservation: 30}
  - {actor: EU, issue: g, position: 10, salience: 50, reservation: 20}
process:
  start: '2025-12-19'
  drivers:
    - id: gain
      series:
        - {date: '2025-09-01', value: 400}
        - {date: '2025-10-01', value: 450}
        - {date: '2025-11-01', value: 700}
      extend: EXTEND
      window: 3
"""


def _env(tmp_path: Path, extra: str = "", extend: str = "mean", m: int = 4, **kw) -> Environment:
    p = tmp_path / "w.yaml"
    p.write_text(HEAD.replace("EXTEND", extend) + extra, encoding="utf-8")
    sc = load(p)
    assert sc.process is not None
    return Environment(sc.to_arrays(), sc.process, m, 52, dt.date(2025, 12, 19), **kw)


WALK = """\
  walkaways:
    - actor: A
      issue: x
      delay_cost_per_month: 1.0
      sensitivities: [{driver: gain, per_unit: -0.01}]
"""


def test_reservation_point_at_a_date_by_hand_mean_extension(tmp_path: Path) -> None:
    env = _env(tmp_path, WALK, "mean")
    # Dec is past the series: mean(400, 450, 700) every month from then on, so only the
    # cost of delay moves A's limit: 70 days = 70 / 30.4375 months x 1.0 unit per month.
    lo, hi = env.limits(10)
    want = 20 + 20 + 70 / 30.4375
    assert hi[0, 0, 0] == pytest.approx(want, abs=1e-12)
    assert lo[0, 0, 0] == 0.0  # 20 - 22.3, clipped at the scale's end
    # B has no walk-away entry: its limit stays [50, 100] (80 +- 30, clipped)
    assert (lo[0, 1, 0], hi[0, 1, 0]) == (50.0, 100.0)


def test_reservation_point_at_a_date_by_hand_trend_extension(tmp_path: Path) -> None:
    env = _env(tmp_path, WALK, "trend")
    # least-squares line through (0, 400), (1, 450), (2, 700): slope 150, value 516.67 at 1;
    # December is period 3 (816.67), 2 January 2026 (round 2) period 4 (966.67).
    assert env.driver(0, "gain")[0] == pytest.approx(816.6666667)
    assert env.driver(2, "gain")[0] == pytest.approx(966.6666667)
    _, hi = env.limits(2)
    want = 40 - 0.01 * 150 + 14 / 30.4375
    assert hi[0, 0, 0] == pytest.approx(want, abs=1e-9)


def test_expectations_converge_and_the_limit_opens(tmp_path: Path) -> None:
    extra = """\
  walkaways:
    - {actor: B, issue: x, sensitivities: [{driver: gain, per_unit: -0.02}]}
  expectations:
    - {actor: B, driver: gain, expected: 1000, convergence_per_month: 0.6931471805599453}
"""
    env = _env(tmp_path, extra, "last")
    # B reads the driver as 700 + 300 * 2^-M; at round 0 that is its expectation 1000, so its
    # limit moves by -0.02 * (700 + 300 * 2^-M - 1000) = 6 (1 - 2^-M): it widens as B learns.
    for t in (0, 4, 13):
        mth = 7 * t / 30.4375
        lo, _ = env.limits(t)
        assert lo[0, 1, 0] == pytest.approx(50 - 6 * (1 - 2 ** (-mth)), abs=1e-9)


def test_driver_multiplier_and_shock_factor(tmp_path: Path) -> None:
    extra = """\
  shocks:
    - {id: stall, date: '2026-01-02', effects: [{driver: gain, factor: 0.5}]}
"""
    mult = np.array([1.0, 2.0, 1.0, 0.5])
    env = _env(tmp_path, extra, "last", values={"driver:gain": mult})
    assert np.array_equal(env.driver(0, "gain"), np.full(4, 700.0))  # no multiplier at round 0
    assert np.array_equal(env.driver(1, "gain"), 700 * mult)
    env = env.realise(np.random.default_rng(1))  # a dated shock with probability 1
    assert np.array_equal(env.shock_days, np.full((4, 1), 14.0))
    assert np.array_equal(env.driver(1, "gain"), 700 * mult)
    assert np.array_equal(env.driver(2, "gain"), 350 * mult)


def test_hazard_survival_matches_its_closed_form(tmp_path: Path) -> None:
    m = 200_000
    extra = "  shocks:\n    - {id: cut, hazard_per_month: 0.1}\n"
    env = _env(tmp_path, extra, m=m).realise(np.random.default_rng(7))
    assert env.shock_days is not None
    for k in (1, 3, 6, 12):
        days = k * DAYS_PER_MONTH
        emp = float((env.shock_days[:, 0] > days).mean())
        exact = 0.9**k  # (1 - h)^months
        assert hazard_survival(0.1, days) == pytest.approx(exact)
        assert abs(emp - exact) < 4 * math.sqrt(exact * (1 - exact) / m)


def test_drawn_shock_probability_overrides_the_file(tmp_path: Path) -> None:
    m = 100_000
    extra = "  shocks:\n    - {id: cut, date: '2026-02-01', probability: 0.9}\n"
    p = np.where(np.arange(m) < m // 2, 0.2, 0.6)
    env = _env(tmp_path, extra, m=m, values={"shock:cut": p}).realise(np.random.default_rng(3))
    assert env.shock_days is not None
    happened = np.isfinite(env.shock_days[:, 0])
    assert abs(happened[: m // 2].mean() - 0.2) < 0.01
    assert abs(happened[m // 2 :].mean() - 0.6) < 0.01
    assert set(env.shock_days[happened, 0]) == {44.0}


def test_realise_is_reproducible(tmp_path: Path) -> None:
    extra = "  shocks:\n    - {id: a, hazard_per_month: 0.2}\n    - {id: b, date: '2026-03-01', probability: 0.5}\n"
    e1 = _env(tmp_path, extra, m=64).realise(np.random.default_rng(11))
    e2 = _env(tmp_path, extra, m=64).realise(np.random.default_rng(11))
    assert np.array_equal(e1.shock_days, e2.shock_days)


def test_shock_shift_moves_a_limit_from_its_date(tmp_path: Path) -> None:
    extra = (
        "  shocks:\n    - {id: s, date: '2026-01-02', effects: [{actor: B, issue: x, shift: 10}]}\n"
    )
    env = _env(tmp_path, extra).realise(np.random.default_rng(0))
    assert env.limits(1)[0][0, 1, 0] == 50.0
    assert env.limits(2)[0][0, 1, 0] == 40.0


LINK = """\
  linked_limits:
    - {actor: A, issue: y, reservation: 90, when: [{issue: g, at_most: 25}], requires_stage: ref}
  ratification:
    - id: ref
      actor: A
      required_if: [{issue: x, at_least: 95}]
      support: [{issue: x, points: [{value: 20, share: 0.72}, {value: 85, share: 0.25}]}]
      threshold: 0.5
      poll_error: 0.05
"""


def test_linked_limit_on_and_off(tmp_path: Path) -> None:
    env = _env(tmp_path, LINK, m=3)
    # A's ordinary limit on y is [40, 60]; with g <= 25 it signs up to 90 (50 +- 40)
    x = np.array([[30.0, 80.0, 20.0], [30.0, 80.0, 30.0], [30.0, 55.0, 30.0]])
    acc = env.accepts(0, x)
    assert acc[:, 0].tolist() == [True, False, True]
    assert env.linked_used(0, x)[:, 0].tolist() == [True, False, False]
    # the linked limit names the referendum: needed in run 0 only (x < 95 everywhere)
    assert env.required_stages(0, x)[:, 0].tolist() == [True, False, False]
    assert env.blocking(0, x)[:, 0, :].tolist() == [
        [False, False, False],
        [False, True, False],
        [False, False, False],
    ]


def test_ratification_probability_from_a_poll(tmp_path: Path) -> None:
    env = _env(tmp_path, LINK, m=2)
    x = np.array([[52.5, 50.0, 50.0], [10.0, 50.0, 50.0]])
    p = env.pass_probability(x)[:, 0]
    # share at 52.5: 0.72 + (0.25 - 0.72) * 0.5 = 0.485; Phi(-0.3) = 0.3820885778
    assert p[0] == pytest.approx(0.3820885778, abs=1e-9)
    # flat beyond the first poll point: share 0.72, Phi(4.4) = 0.9999945874
    assert p[1] == pytest.approx(0.9999945874, abs=1e-9)
    assert env.stage_names == ("ref",)


def test_ratify_fails_at_the_poll_rate(tmp_path: Path) -> None:
    m = 50_000
    env = _env(tmp_path, LINK, m=m)
    x = np.tile([96.0, 50.0, 50.0], (m, 1))  # required (x >= 95); share 0.25 -> P = Phi(-5)
    r = env.ratify(0, x, np.random.default_rng(5))
    assert (r == 0).mean() > 0.999
    x = np.tile([52.5, 50.0, 50.0], (m, 1))  # not required: always passes
    assert (env.ratify(0, x, np.random.default_rng(5)) == -1).all()


def test_contradictions_make_packages_infeasible(tmp_path: Path) -> None:
    extra = """\
  contradictions:
    - id: strong_but_bare
      when: [{issue: g, at_most: 10}, {issue: y, at_least: 90}]
"""
    env = _env(tmp_path, extra, m=3)
    x = np.array([[0, 95, 5], [0, 95, 15], [0, 90, 10]], dtype=float)
    assert env.feasible(x).tolist() == [False, True, False]
    assert env.contradiction_names == ("strong_but_bare",)


def test_per_issue_veto_binds_only_on_its_issues(tmp_path: Path) -> None:
    env = _env(tmp_path, m=2)
    # EU: veto on y only; its limit on g is [0, 20]. Package 0 breaks it on g only.
    x = np.array([[45.0, 25.0, 50.0], [45.0, 50.0, 10.0]])
    assert env.accepts(0, x)[:, 2].tolist() == [False, False]
    assert env.consent(0, x)[:, 2].tolist() == [True, False]


def test_static_default_without_a_block() -> None:
    from detente.bargaining.acceptable import signable_intervals
    from detente.examples import load_example

    sc = load_example("miami")
    arr = sc.to_arrays()
    env = Environment(arr, None, 2, 10, dt.date(2025, 12, 19))
    lo, hi = env.limits(5)
    l0, h0 = signable_intervals(arr)
    assert np.array_equal(lo[1], l0, equal_nan=True) and np.array_equal(hi[1], h0, equal_nan=True)
    assert env.realise(np.random.default_rng(0)) is env
    assert env.stage_names == () and env.feasible(np.zeros((2, arr.n_issues))).all()


def test_ordering_conflicts_found(tmp_path: Path) -> None:
    extra = """\
  sequencing:
    steps: [ceasefire, withdrawal, referendum, guarantees]
    demands:
      - {id: rus, actor: A, first: withdrawal, then: ceasefire}
      - {id: ukr, actor: B, first: ceasefire, then: referendum}
      - {id: law, first: referendum, then: withdrawal, binding: true}
      - {id: eur, actor: EU, first: guarantees, then: withdrawal}
"""
    env = _env(tmp_path, extra)
    (c,) = env.ordering_conflicts()
    assert c["cycle"] == ["ceasefire", "referendum", "withdrawal", "ceasefire"]
    assert c["actors"] == ["A", "B"] and sorted(c["demands"]) == ["law", "rus", "ukr"]


def test_miami_process_block() -> None:
    from detente.examples import load_example

    sc = load_example("miami")
    assert sc.process is not None
    assert {d.id for d in sc.process.drivers} == {
        "territory_gain",
        "external_funding",
        "oil_revenue",
    }
    assert {s.id for s in sc.process.shocks} == {"front_stalls", "aid_cut", "sanctions_bite"}
    env = Environment(sc.to_arrays(), sc.process, 1000, 52, sc.process.start or dt.date.today())
    env = env.realise(np.random.default_rng(0))
    # territory_gain: the mean of September-November (447, 461, 701) from December on
    assert env.driver(0, "territory_gain")[0] == pytest.approx((447 + 461 + 701) / 3)
    # Russia's withdrawal-first demand, Ukraine's referendum-first demand and the binding
    # referendum-needs-a-ceasefire rule exclude each other
    (c,) = env.ordering_conflicts()
    assert c["actors"] == ["RUS", "UKR"]
    assert env.stage_names[0] == "ukr_referendum"
    lo, hi = env.limits(26)
    assert lo.shape == (1000, 5, 12) and np.isfinite(hi[:, 0, 0]).all()
