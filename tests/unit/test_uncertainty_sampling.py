"""Draws of uncertain inputs: distributions (closed forms), sampling, correlations, what-ifs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from detente.examples import load_example
from detente.uncertainty.distributions import Dist, gaussian_copula, iman_conover, ppf_columns
from detente.uncertainty.sampling import InputSpace, draw_inputs, unit_sample
from detente.uncertainty.whatif import apply_what_if


def test_triangular_uniform_beta_truncnorm_quantiles_by_hand() -> None:
    u = np.array([[0.0, 0.25, 0.5, 1.0]]).T
    # triangular(low 0, mode 0, high 1): F(x) = 1 - (1 - x)^2, so x = 1 - sqrt(1 - u)
    tri = Dist("triangular", 0.0, 1.0, {"mode": 0.0}).ppf(u[:, 0])
    assert tri == pytest.approx(1 - np.sqrt(1 - u[:, 0]))
    # triangular(2, 5, 8) is symmetric: median at the mode; F(x) = (x-2)^2/18 below it
    t2 = Dist("triangular", 2.0, 8.0, {"mode": 5.0})
    assert t2.ppf(np.array([0.5, 0.125]))[0] == pytest.approx(5.0)
    assert t2.ppf(np.array([0.125]))[0] == pytest.approx(2 + math.sqrt(0.125 * 18))
    assert Dist("uniform", 10.0, 30.0).ppf(np.array([0.25]))[0] == pytest.approx(15.0)
    # beta(2, 2) on [0, 10]: symmetric, median 5; F(x) = 3x^2 - 2x^3 on [0, 1]: F(0.5) = 0.5
    b = Dist("beta", 0.0, 10.0, {"alpha": 2.0, "beta": 2.0})
    assert b.ppf(np.array([0.5, 0.15625]))[:] == pytest.approx([5.0, 2.5])  # F(.25)=.15625
    # a normal cut symmetrically about its mean keeps the mean as median
    tn = Dist("truncnorm", 0.0, 10.0, {"mean": 5.0, "sd": 2.0})
    assert tn.ppf(np.array([0.5]))[0] == pytest.approx(5.0)
    # supports are kept exactly and a point support gives the point
    both = ppf_columns(
        [Dist("uniform", 1.0, 2.0), Dist("uniform", 3.0, 3.0)], np.array([[1.0, 0.3]])
    )
    assert both.tolist() == [[2.0, 3.0]]


def test_unit_sample_methods_and_sobol_prefix() -> None:
    for method in ("sobol", "lhs", "random"):
        u = unit_sample(100, 4, seed=7, method=method)  # type: ignore[arg-type]
        assert u.shape == (100, 4) and (u >= 0).all() and (u < 1).all()
        assert np.array_equal(u, unit_sample(100, 4, seed=7, method=method))  # type: ignore[arg-type]
    # n not a power of 2: the first n points of the 2^ceil(log2 n) scrambled sequence
    assert np.array_equal(unit_sample(100, 4, seed=7), unit_sample(128, 4, seed=7)[:100])
    # a Latin hypercube has exactly one point in each of the n strata of every column
    lhs = unit_sample(50, 3, seed=1, method="lhs")
    for c in range(3):
        assert sorted(np.floor(lhs[:, c] * 50).astype(int)) == list(range(50))


def test_gaussian_copula_keeps_uniform_margins_and_rank_correlation() -> None:
    u = unit_sample(4096, 2, seed=3, method="random")
    rho = 0.6
    c = gaussian_copula(u, [[1.0, rho], [rho, 1.0]])
    for col in c.T:  # margins stay uniform
        assert stats.kstest(col, "uniform").pvalue > 0.01
    spearman = stats.spearmanr(c[:, 0], c[:, 1]).statistic
    # Spearman's rho of a Gaussian copula: 6/pi asin(rho/2) (Kruskal 1958) = 0.5819
    assert spearman == pytest.approx(6 / math.pi * math.asin(rho / 2), abs=0.03)


def test_iman_conover_keeps_each_columns_values() -> None:
    u = unit_sample(1000, 3, seed=5, method="lhs")
    target = np.array([[1.0, 0.7, 0.0], [0.7, 1.0, -0.3], [0.0, -0.3, 1.0]])
    out = iman_conover(u, target, rng=1)
    for c in range(3):
        assert np.array_equal(np.sort(out[:, c]), np.sort(u[:, c]))
    rank = stats.spearmanr(out).statistic
    assert rank[0, 1] == pytest.approx(0.7, abs=0.05)
    assert rank[1, 2] == pytest.approx(-0.3, abs=0.05)


def test_draws_stay_on_their_supports_and_scales() -> None:
    s = load_example("miami")
    space = InputSpace.from_scenario(s)
    d = draw_inputs(s, 512, seed=11)
    assert d.unit is not None and d.unit.shape == (512, space.d)
    assert d.names == space.names
    a = d.arrays
    assert a.n_draws == 512
    assert (a.salience[:, a.present] >= 0).all() and (a.salience <= 1).all()
    pos = a.position[:, a.present]
    assert (pos >= 0).all() and (pos <= 100).all()
    assert (a.capability > 0).all()
    for v in space.inputs:
        if v.kind == "capability":
            col = a.capability[:, a.actor_ids.index(v.actor)]
        elif v.kind in ("position", "salience", "reservation"):
            i, j = a.actor_ids.index(v.actor), a.issue_ids.index(v.issue)
            col = getattr(a, v.kind)[:, i, j] * (100 if v.kind == "salience" else 1)
        else:
            continue
        if v.kind == "reservation":  # may be pulled onto the drawn position; never beyond it
            continue
        assert col.min() >= v.dist.low - 1e-9 and col.max() <= v.dist.high + 1e-9, v.key
    # the block's uniform [10, 55] for the US position on guarantees
    us = a.position[:, a.actor_ids.index("USA"), a.issue_ids.index("security_guarantees")]
    assert us.min() >= 10 and us.max() <= 55 and np.ptp(us) > 40


def test_reservation_never_crosses_the_drawn_position() -> None:
    s = load_example("miami")
    a = draw_inputs(s, 1024, seed=2).arrays
    base = s.to_arrays()
    side = np.sign(base.reservation - base.position)
    diff = a.reservation - a.position
    assert (diff[:, side > 0] >= 0).all()
    assert (diff[:, side < 0] <= 0).all()


def test_same_seed_same_draws_and_what_if() -> None:
    s = load_example("miami")
    one = draw_inputs(s, 64, seed=5, method="lhs")
    two = draw_inputs(s, 64, seed=5, method="lhs")
    assert np.array_equal(one.arrays.position, two.arrays.position, equal_nan=True)
    assert not np.array_equal(
        one.arrays.position, draw_inputs(s, 64, seed=6).arrays.position, equal_nan=True
    )
    w = draw_inputs(s, 64, seed=5, what_if="front_stalls")
    assert w.what_if == "front_stalls"
    r, t = w.arrays.actor_ids.index("RUS"), w.arrays.issue_ids.index("territory")
    # front_stalls moves Russia's limit from 65 to 50: its default support is 50 +- 15
    assert w.arrays.reservation[:, r, t].max() <= 65 + 1e-9
    assert w.arrays.reservation[:, r, t].min() >= 35 - 1e-9


def test_transform_reproduces_draws_from_their_unit_points() -> None:
    s = load_example("miami")
    d = draw_inputs(s, 32, seed=9)
    again = InputSpace.from_scenario(s).transform(d.unit)
    assert np.array_equal(again.arrays.capability, d.arrays.capability)
    assert np.array_equal(again.arrays.reservation, d.arrays.reservation, equal_nan=True)


def test_analyst_groups() -> None:
    space = InputSpace.from_scenario(load_example("miami"))
    groups = dict(zip(space.names, space.groups("analyst"), strict=True))
    assert groups["salience:RUS:territory"] == groups["salience:RUS:nato"] == "RUS saliences"
    assert groups["position:UKR:territory"] == groups["position:RUS:territory"]
    assert groups["capability:USA"] == "USA capability"
    assert groups["reservation:RUS:nato"] == "RUS reservation points"
    assert space.groups("inputs")[0] == space.inputs[0].label


def test_what_ifs_of_the_miami_example() -> None:
    s = load_example("miami")
    eu = apply_what_if(s, "eu_veto")
    assert eu.actor("EU").veto and eu.actor("EU").veto_issues == [
        "sanctions_relief",
        "frozen_assets",
    ]
    assert eu.actor("EU").role == "party"
    assert eu.what_ifs == [] and "what-if" in eu.name
    arr = eu.to_arrays()
    e = arr.actor_ids.index("EU")
    assert arr.vetoes()[e].tolist() == [
        i in ("sanctions_relief", "frozen_assets") for i in arr.issue_ids
    ]
    us = apply_what_if(s, "us_withdraws_guarantee")
    p = us.position_of("USA", "security_guarantees")
    assert p is not None and (p.position, p.salience) == (75.0, 25.0)
    # the block's own distribution of the changed position is dropped (the default applies)
    assert us.uncertainty is not None
    assert "position:USA:security_guarantees" not in [u.key() for u in us.uncertainty.inputs]
    front = apply_what_if(s, "front_stalls")
    ukr = next(u for u in front.uncertainty.inputs if u.key() == "reservation:UKR:territory")  # type: ignore[union-attr]
    assert (ukr.low, ukr.high) == (15.0, 35.0)  # the block's [25, 45] moves with the -10
    with pytest.raises(Exception, match="unknown what-if"):
        apply_what_if(s, "nope")


def test_driver_what_if_is_a_fixed_multiplier_in_the_draws() -> None:
    import datetime as dt

    s = load_example("eu-emissions")
    from detente.scenario.process_spec import Driver, ProcessSpec

    data = s.model_dump(mode="python")
    data["process"] = ProcessSpec(
        start=dt.date(2025, 1, 1),
        drivers=[Driver(id="aid", series=[{"date": dt.date(2025, 1, 1), "value": 1.0}])],
    ).model_dump()
    data["what_ifs"] = [
        {
            "id": "double",
            "name": "Aid doubles",
            "changes": [{"input": "driver", "driver": "aid", "scale": 2.0}],
        }
    ]
    from detente.scenario.schema import Scenario

    s2 = Scenario.model_validate(data)
    d = draw_inputs(s2, 16, seed=1, what_if="double")
    assert d.values["driver:aid"].tolist() == [2.0] * 16
    assert "driver:aid" not in draw_inputs(s2, 16, seed=1).values  # not uncertain in the base
