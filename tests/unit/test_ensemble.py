"""The ensemble runner: known answers on hand-built draws (the input sampler is another
branch's), the zone check against a draw-by-draw brute force, what-ifs, the result's views."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from detente.bargaining.acceptable import limit_gaps
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.draws import InputDraws
from detente.scenario.errors import ScenarioError
from detente.scenario.schema import Scenario
from detente.uncertainty._ens_result import wilson_interval
from detente.uncertainty.ensemble import (
    ensemble,
    ensemble_cost,
    ensemble_from_draws,
    evaluate_models,
    evaluate_zone,
)


def _scenario(what_ifs: tuple[str, ...] = ()) -> Scenario:
    """Two veto players on one issue (0-100): A at 0 signs up to 50, B at 100 down to 50."""
    return Scenario.model_validate(
        {
            "name": "two",
            "actors": [
                {"id": "A", "name": "A", "capability": 1, "veto": True},
                {"id": "B", "name": "B", "capability": 1, "veto": True},
            ],
            "issues": [{"id": "x", "name": "the issue"}],
            "positions": [
                {"actor": "A", "issue": "x", "position": 0, "salience": 100, "reservation": 50},
                {"actor": "B", "issue": "x", "position": 100, "salience": 100, "reservation": 50},
            ],
            # the test's drawer stands in for each what-if's effect; the change is a no-op
            "what_ifs": [
                {
                    "id": w,
                    "name": w,
                    "changes": [{"input": "capability", "actor": "A", "scale": 1.0}],
                }
                for w in what_ifs
            ],
        }
    )


def _drawer(shift: dict[str | None, float] | None = None) -> Any:
    """Draw d (of n): B's capability ``c_d = 1 + 3 d / (n - 1)`` (so the compromise forecast
    is ``100 c / (1 + c)``), and A's reservation ``50 + s_d`` with ``s_d`` from -10 to +10
    plus the what-if's shift: A signs [0, 50 + s], B signs [50, 100], a zone iff s >= 0."""

    def draw(
        scenario: Scenario, n: int, *, seed: int, method: str, what_if: str | None
    ) -> InputDraws:
        a = scenario.to_arrays()
        t = np.linspace(0.0, 1.0, n)
        cap = np.stack([np.ones(n), 1.0 + 3.0 * t], axis=1)
        res = np.broadcast_to(a.reservation, (n, 2, 1)).copy()
        res[:, 0, 0] = 50.0 + np.linspace(-10.0, 10.0, n) + (shift or {}).get(what_if, 0.0)
        arrays = replace(
            a,
            capability=cap,
            position=np.broadcast_to(a.position, (n, 2, 1)),
            salience=np.broadcast_to(a.salience, (n, 2, 1)),
            reservation=res,
        )
        return InputDraws(arrays, what_if=what_if)

    return draw


def test_compromise_quantiles_known() -> None:
    n = 101
    res = ensemble(_scenario(), draws=n, seed=5, models=("compromise",), drawer=_drawer())
    c = 1.0 + 3.0 * np.linspace(0, 1, n)
    expect = 100 * c / (1 + c)  # the weighted mean of 0 and 100 with weights 1 and c
    np.testing.assert_allclose(res.forecasts("compromise")[:, 0], expect, rtol=1e-12)
    df = res.to_df().set_index(["model", "issue", "what_if", "stat"])["value"]
    # 101 sorted values: the 5% quantile is the 6th (index 5), the median the 51st
    assert df["compromise", "x", "base", "q05"] == pytest.approx(expect[5])
    assert df["compromise", "x", "base", "q50"] == pytest.approx(expect[50])
    assert df["compromise", "x", "base", "q95"] == pytest.approx(expect[95])
    assert df["compromise", "x", "base", "mean"] == pytest.approx(expect.mean())
    assert df["compromise", "x", "base", "sd"] == pytest.approx(expect.std(ddof=1))
    assert df["compromise", "x", "base", "defined"] == 1.0


def test_probability_zone_blocks_and_single_points() -> None:
    # s_d runs over 101 evenly spaced values in [-10, 10]: s >= 0 in 51 draws (zone), < 0
    # in 50 (blocks); the joint interval [50, 50 + s] is narrower than 1.1 (1.1% of the
    # scale) for s in {0, 0.2, ..., 1.0}: 6 draws agree at (nearly) a single point only.
    res = ensemble(
        _scenario(), draws=101, seed=1, models=("compromise",), drawer=_drawer(), point_tol=0.011
    )
    assert res.probability_zone == pytest.approx(51 / 101)
    assert res.probability_zone_interval == pytest.approx(wilson_interval(51, 101))
    st = res.stats()
    assert st.blocks.tolist() == pytest.approx([50 / 101])
    assert st.point_only.tolist() == pytest.approx([6 / 101])
    assert st.zone_at_point == pytest.approx(6 / 101)
    text = res.summary()
    assert "a zone of agreement exists in 50% of draws" in text
    assert "x blocks in 50%" in text
    assert "agreement only at a single point" in text and "x in 5.9%" in text


def test_wilson_interval_known_values() -> None:
    # Wilson (1927) score interval, z = 1.96: 5 of 10 -> 0.2366..0.7634; 0 of 20 -> 0..0.1611
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)


def test_evaluate_zone_matches_limit_gaps_draw_by_draw() -> None:
    rng = np.random.default_rng(0)
    m, n, k = 30, 6, 4
    pos = rng.uniform(0, 100, (m, n, k))
    res = np.where(rng.random((m, n, k)) < 0.7, rng.uniform(0, 100, (m, n, k)), np.nan)
    present = rng.random((n, k)) < 0.85
    base = ScenarioArrays.from_numpy(
        np.ones(n), np.where(present, pos[0], np.nan), 0.5, veto=[1, 1, 0, 1, 0, 0]
    )
    arrays = replace(
        base,
        capability=np.ones((m, n)),
        position=np.where(present, pos, np.nan),
        salience=np.broadcast_to(base.salience, (m, n, k)),
        reservation=np.where(present, res, np.nan),
    )
    draws = InputDraws(arrays)
    zone, blocked, lo, hi = evaluate_zone(draws)
    for d in range(m):
        gaps = {g["issue"]: g for g in limit_gaps(draws.point(d))}
        for j, iss in enumerate(arrays.issue_ids):
            if iss not in gaps:
                assert np.isnan(lo[d, j]) and np.isnan(hi[d, j]) and not blocked[d, j]
                continue
            assert blocked[d, j] == gaps[iss]["blocked"]
            if not gaps[iss]["blocked"]:
                assert (lo[d, j], hi[d, j]) == (gaps[iss]["lo"], gaps[iss]["hi"])
        assert zone[d] == (not any(g["blocked"] for g in gaps.values()))


def test_evaluate_zone_per_issue_veto_and_no_veto() -> None:
    # A (veto on issue 0 only) at 0 signs [0, 40]; B (veto everywhere) at 100 signs [60, 100]
    base = ScenarioArrays.from_numpy(
        [1, 1],
        [[0.0, 0.0], [100.0, 100.0]],
        0.5,
        veto=[1, 1],
        reservation=np.array([[40.0, 40.0], [60.0, 60.0]]),
    )
    scoped = replace(base, veto_scope=np.array([[True, False], [True, True]]))
    one = replace(
        scoped,
        capability=scoped.capability[None],
        position=scoped.position[None],
        salience=scoped.salience[None],
        reservation=scoped.reservation[None],
    )
    zone, blocked, lo, hi = evaluate_zone(InputDraws(one))
    assert blocked.tolist() == [[True, False]] and zone.tolist() == [False]
    assert (lo[0, 1], hi[0, 1]) == (60.0, 100.0)  # issue 1: B's limits alone
    nobody = replace(one, veto=np.zeros(2, bool), veto_scope=None)
    zone, blocked, lo, hi = evaluate_zone(InputDraws(nobody))
    assert zone.tolist() == [True] and not blocked.any() and np.isnan(lo).all()


def test_seed_reported_and_repeatable() -> None:
    draw = _drawer()
    first = ensemble(_scenario(), draws=20, seed=None, models=("compromise",), drawer=draw)
    assert isinstance(first.seed, int) and first.seed > 0
    again = ensemble(_scenario(), draws=20, seed=first.seed, models=("compromise",), drawer=draw)
    assert again.seed == first.seed
    assert np.array_equal(first.forecasts("compromise"), again.forecasts("compromise"))


def test_what_ifs_side_by_side() -> None:
    sc = _scenario(what_ifs=("closer", "apart"))
    draw = _drawer({"closer": 20.0, "apart": -20.0})
    res = ensemble(
        sc, draws=101, seed=2, models=("compromise",), what_ifs=("closer", "apart"), drawer=draw
    )
    assert res.what_ifs == ("closer", "apart")
    assert res.stats("closer").probability_zone == 1.0  # s + 20 >= 10 > 0 in every draw
    assert res.stats("apart").probability_zone == 0.0
    df = res.to_df()
    assert set(df["what_if"]) == {"base", "closer", "apart"}
    d = res.to_dict()
    assert d["what_ifs"]["closer"]["probability_zone"] == 1.0
    assert "what-if closer:" in res.summary() and "what-if apart:" in res.summary()


def test_to_dict_json_and_keys() -> None:
    res = ensemble(_scenario(), draws=33, seed=4, models=("compromise", "median"), drawer=_drawer())
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["probability_of_agreement"] is None
    assert d["seed"] == 4 and d["draws"] == 33
    assert set(d["forecasts"]) == {"compromise", "median"}
    assert set(d["forecasts"]["median"]["x"]) >= {"q05", "q25", "q50", "q75", "q95", "mean", "sd"}
    assert 0 <= d["probability_zone"] <= 1 and len(d["probability_zone_interval"]) == 2
    assert set(d["blocking"]) == {"x"}


def test_plot_is_labelled() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = ensemble(_scenario(), draws=16, seed=4, models=("compromise", "median"), drawer=_drawer())
    ax = res.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"compromise", "median"}
    assert "16 draws" in ax.get_title()
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"draws": 0}, "draws"),
        ({"draws": 2.5}, "draws"),
        ({"models": ("nope",)}, "model"),
        ({"models": ()}, "model"),
        ({"what_ifs": ("ghost",)}, "what_if"),
        ({"workers": 0, "executor": "process"}, "workers"),
        ({"scheduler": "tcp://h:1", "executor": "process"}, "scheduler"),
        ({"executor": "cloud"}, "executor"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_options_are_located(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as e:
        ensemble(
            _scenario(),
            **{"draws": 8, "seed": 1, "models": ("compromise",), "drawer": _drawer(), **kwargs},
        )
    assert e.value.field == field


def test_stochastic_streams_from_a_chunk_seed_are_fixed() -> None:
    from detente.examples import load_example

    a = load_example("miami").to_arrays()
    a = replace(a, meta={**a.meta, "model_params": {"smp": {"StateTransitions": "Stochastic"}}})
    m = 3
    arrays = replace(
        a,
        capability=np.broadcast_to(a.capability, (m, a.n_actors)),
        position=np.broadcast_to(a.position, (m, *a.position.shape)),
        salience=np.broadcast_to(a.salience, (m, *a.salience.shape)),
        reservation=np.broadcast_to(a.reservation, (m, *a.reservation.shape)),
    )
    draws = InputDraws(arrays)
    seq = np.random.SeedSequence(7, spawn_key=(3,))
    one = evaluate_models(draws, ["smp"], seed=seq)["smp"]
    two = evaluate_models(draws, ["smp"], seed=np.random.SeedSequence(7, spawn_key=(3,)))["smp"]
    other = evaluate_models(draws, ["smp"], seed=np.random.SeedSequence(7, spawn_key=(4,)))["smp"]
    assert np.array_equal(one, two)
    assert not np.array_equal(one, other)  # another chunk, other draws of the transitions
    assert not np.array_equal(one[0], one[1])  # each draw its own stream


def test_from_draws_without_sampler() -> None:
    draws = _drawer()(_scenario(), 10, seed=0, method="given", what_if=None)
    res = ensemble_from_draws(draws, models=("compromise",), seed=3, chunk_size=3)
    assert res.draws == 10 and res.method == "given"
    assert res.forecasts("compromise").shape == (10, 1)


def test_cost_grows_with_draws_and_cases() -> None:
    a = _scenario().to_arrays()
    small = ensemble_cost(a, ["compromise", "smp"], 100)
    big = ensemble_cost(a, ["compromise", "smp"], 10_000, what_ifs=1)
    assert big.seconds == pytest.approx(200 * small.seconds)
    assert big.bytes > small.bytes and "10,000 draws" in big.what
