"""Known answers for the static models: hand computations and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import run_model
from detente.models.median import weighted_median
from detente.models.nash import nash_point
from detente.scenario import ScenarioArrays


def test_compromise_by_hand() -> None:
    # (2*0.5*10 + 1*1.0*40 + 1*0.0*90) / (2*0.5 + 1*1.0 + 0) = (10 + 40) / 2 = 25
    a = ScenarioArrays.from_numpy([2, 1, 1], [[10], [40], [90]], [[0.5], [1.0], [0.0]])
    assert run_model("compromise", a).forecast[0] == pytest.approx(25.0)
    # Salience only: (0.5*10 + 1*40) / 1.5 = 30
    assert run_model("compromise", a, use_capability=False).forecast[0] == pytest.approx(30.0)


def test_compromise_skips_absent_actors_and_falls_back_to_plain_mean() -> None:
    a = ScenarioArrays.from_numpy(
        [1, 1, 1], [[10, 0], [np.nan, 50], [30, 100]], [[0, 0], [1, 0], [0, 0]]
    )
    f = run_model("compromise", a).forecast
    # issue 0: both present actors have zero weight -> plain mean of 10 and 30
    # issue 1: only the absent-free actors 1 and 2; actor 1 has all the weight -> 50
    np.testing.assert_allclose(f, [20.0, 50.0])


def test_weighted_median_inverted_cdf() -> None:
    # weights 1,1,2 at 10,20,30: cumulative 1,2,4; half of 4 = 2 reached at 20
    x = np.array([[30.0], [10.0], [20.0]])
    w = np.array([[2.0], [1.0], [1.0]])
    assert weighted_median(x, w, np.ones_like(x, bool))[0] == 20.0
    # a dominant weight wins outright
    w2 = np.array([[5.0], [1.0], [1.0]])
    assert weighted_median(x, w2, np.ones_like(x, bool))[0] == 30.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.01, 5)), min_size=1, max_size=9))
def test_weighted_median_matches_its_definition(pairs: list[tuple[float, float]]) -> None:
    x = np.array([[p] for p, _ in pairs])
    w = np.array([[q] for _, q in pairs])
    m = weighted_median(x, w, np.ones_like(x, bool))[0]
    # Brute force: smallest candidate position whose cumulative weight reaches half.
    total = w.sum()
    cands = sorted(set(x.ravel()))
    expect = next(c for c in cands if w[x <= c].sum() >= 0.5 * total - 1e-12 * total)
    assert m == expect


def test_nash_symmetric_two_actors_is_midpoint() -> None:
    a = ScenarioArrays.from_numpy([1, 1], [[20], [60]], [[1], [1]], status_quo=[100])
    # Quadratic gains (100-20)^2-(x-20)^2 and (100-60)^2-(x-60)^2; the FOC solved exactly:
    # maximise log(6400-(x-20)^2) + log(1600-(x-60)^2) on the overlap (20, 100)
    xs = np.linspace(20.0001, 99.9999, 2_000_001)
    brute = xs[np.argmax(np.log(6400 - (xs - 20) ** 2) + np.log(1600 - (xs - 60) ** 2))]
    assert run_model("nash", a).forecast[0] == pytest.approx(brute, abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(0, 100), min_size=n, max_size=n),
            st.lists(st.floats(0.1, 3), min_size=n, max_size=n),
            st.floats(0, 100),
        )
    ),
    st.sampled_from(["quadratic", "linear"]),
)
def test_nash_matches_brute_force(data: tuple[list[float], list[float], float], shape: str) -> None:
    ideal, weight, sq = data
    x = np.array(ideal)[:, None] / 100
    w = np.array(weight)[:, None]
    r = np.abs(sq / 100 - x)
    sol, feasible = nash_point(x, r, w, np.ones_like(x, bool), shape=shape)  # type: ignore[arg-type]
    lo, hi = np.max(x - r), np.min(x + r)
    if not hi > lo + 1e-9:
        assert not feasible[0] or hi - lo < 1e-6
        return
    grid = np.linspace(lo, hi, 200_001)[1:-1]
    d = grid[None, :] - x
    g = r**2 - d**2 if shape == "quadratic" else r - np.abs(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        obj = np.sum(w * np.log(np.where(g > 0, g, np.nan)), axis=0)
    best = grid[np.nanargmax(obj)]
    objective = lambda v: np.sum(  # noqa: E731
        w[:, 0]
        * np.log(
            (r[:, 0] ** 2 - (v - x[:, 0]) ** 2)
            if shape == "quadratic"
            else (r[:, 0] - abs(v - x[:, 0]))
        )
    )
    # The solver's point is at least as good as the best grid point (to rounding).
    assert objective(sol[0]) >= objective(best) - 1e-6


def test_nash_infeasible_issue_falls_back_to_status_quo() -> None:
    # Actor 0 sits at the status quo: no outcome improves on it for actor 0.
    a = ScenarioArrays.from_numpy([1, 1], [[50], [90]], [[1], [1]], status_quo=[50])
    f = run_model("nash", a)
    assert not f.extra["feasible"][0]
    assert f.forecast[0] == 50.0


def test_nash_uses_reservation_points() -> None:
    # Reservation points 40 (actor at 0) and 60 (actor at 100): no overlap -> infeasible.
    res = np.array([[40.0], [60.0]])
    a = ScenarioArrays.from_numpy([1, 1], [[0], [100]], [[1], [1]], reservation=res)
    assert not run_model("nash", a).extra["feasible"][0]
    res2 = np.array([[70.0], [30.0]])  # overlap (30, 70), symmetric -> 50
    b = ScenarioArrays.from_numpy([1, 1], [[0], [100]], [[1], [1]], reservation=res2)
    assert run_model("nash", b).forecast[0] == pytest.approx(50.0, abs=1e-6)
