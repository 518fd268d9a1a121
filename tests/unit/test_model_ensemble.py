"""Ensembles of models (``ensemble-mean``, ``ensemble-median``): the fixed combination rule on
hand cases, members trained inside each fold only, and located errors for bad members."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import get_model, run_model
from detente.models._fitting import cross_validate, grouped_folds, train_on
from detente.models.model_ensemble import DEFAULT_MEMBERS, combine
from detente.models.registry import check_model_params
from detente.scenario import ScenarioArrays
from detente.scenario.errors import ModelParamError


def _three() -> ScenarioArrays:
    # one issue; actors at 0, 40, 100 with capability 1, 1, 2 and salience 1
    return ScenarioArrays.from_numpy([1.0, 1.0, 2.0], [[0.0], [40.0], [100.0]], 1.0)


def test_combine_hand_values() -> None:
    f = np.array([[10.0, 1.0, np.nan], [20.0, np.nan, np.nan], [60.0, 3.0, np.nan]])
    np.testing.assert_allclose(combine(f, "mean"), [30.0, 2.0, np.nan])
    np.testing.assert_allclose(combine(f, "median"), [20.0, 2.0, np.nan])


def test_mean_and_median_of_named_members_by_hand() -> None:
    a = _three()
    # compromise: (0 + 40 + 200) / 4 = 60; weighted median: weights 1, 1, 2 of 4 -> the
    # cumulative weight reaches half at 40; nash (status quo unset) is left out here
    mean = run_model("ensemble-mean", a, members=["compromise", "median"]).forecast[0]
    med = run_model("ensemble-median", a, members=["compromise", "median", "learnt-power"])
    comp = run_model("compromise", a).forecast[0]
    wmed = run_model("median", a).forecast[0]
    assert comp == pytest.approx(60.0)
    assert wmed == pytest.approx(40.0)
    assert mean == pytest.approx((60.0 + 40.0) / 2)
    # learnt-power at its prior is the compromise model: the median of (60, wmed, 60) is 60
    assert med.forecast[0] == pytest.approx(60.0)


def test_member_options_reach_the_members() -> None:
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[0.0], [100.0]], [[0.5], [1.0]])
    f = run_model(
        "ensemble-mean",
        a,
        members=("compromise", "learnt-power"),
        member_params={"learnt-power": {"exponent": 2.0}},
    )
    # compromise: 100 / 1.5; learnt-power with p = 2: 100 / 1.25 = 80
    assert f.forecast[0] == pytest.approx((100 / 1.5 + 80.0) / 2)


def test_defaults_run_on_the_miami_example() -> None:
    from detente.examples import load_example

    a = load_example("miami").to_arrays()
    for name in ("ensemble-mean", "ensemble-median"):
        f = run_model(name, a)
        assert np.isfinite(f.forecast).all()
        assert set(f.extra["members"]) == set(DEFAULT_MEMBERS)


def _synthetic(seed: int = 0, n_groups: int = 16) -> tuple[ScenarioArrays, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k = 5, 2 * n_groups
    pos = rng.uniform(0, 100, (n, k))
    sal = rng.uniform(0.2, 1.0, (n, k))
    m = np.array([0.5, 1.0, 2.0, 1.0, 1.5])
    w = m[:, None] * sal**2
    y = (w * pos).sum(0) / w.sum(0) + rng.normal(0, 3, k)
    a = ScenarioArrays.from_numpy(np.ones(n), pos, sal, status_quo=50.0)
    return a, y, np.repeat([f"p{i}" for i in range(n_groups)], 2)


def test_members_are_trained_inside_each_fold_only() -> None:
    a, y, groups = _synthetic()
    fold = grouped_folds(groups, 4, 0)
    bad = y.copy()
    bad[fold == 2] = 1e4  # poison the outer test fold's outcomes
    o1, p1, _ = cross_validate("ensemble-mean", a, y, groups, n_folds=4, seed=0)
    o2, p2, _ = cross_validate("ensemble-mean", a, bad, groups, n_folds=4, seed=0)
    assert p1[2] == p2[2]
    np.testing.assert_array_equal(o1[fold == 2], o2[fold == 2])
    assert p1[0] != p2[0]  # the poison is in fold 0's training data and changes it
    trained = p1[2]["member_params"]
    assert set(trained) == {"learnt-power", "fitted-lite"}  # exchange learns nothing


def test_trained_ensemble_is_the_mean_of_the_trained_members() -> None:
    a, y, groups = _synthetic(n_groups=10)
    params, diag = train_on("ensemble-mean", a, y, groups)
    assert "members" in diag and set(diag["members"]) <= set(DEFAULT_MEMBERS)
    f = run_model("ensemble-mean", a, **params).forecast
    each = [run_model(m, a, **params["member_params"].get(m, {})).forecast for m in DEFAULT_MEMBERS]
    np.testing.assert_allclose(f, np.mean(each, axis=0), rtol=1e-12)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"members": "compromise"}, "ensemble-mean.members"),
        ({"members": ["compromise"]}, "ensemble-mean.members"),
        ({"members": ["compromise", "compromise"]}, "ensemble-mean.members"),
        ({"members": ["compromise", "no-such-model"]}, "ensemble-mean.members"),
        ({"members": ["compromise", "ensemble-median"]}, "ensemble-mean.members"),
        ({"member_params": {"nash": {}}}, "ensemble-mean.member_params"),
        ({"member_params": "x"}, "ensemble-mean.member_params"),
        (
            {"members": ["compromise", "median"], "member_params": {"median": {"colour": 1}}},
            "median.colour",
        ),
    ],
)
def test_bad_members_are_located(params: dict[str, object], field: str) -> None:
    with pytest.raises(ModelParamError) as e:
        run_model("ensemble-mean", _three(), **params)
    assert e.value.field == field and e.value.allowed
    with pytest.raises(ModelParamError) as e2:
        check_model_params({"ensemble-mean": params}, path="s.yaml")
    assert str(e2.value).startswith("s.yaml: ")


def test_cost_is_the_sum_of_the_members() -> None:
    info = get_model("ensemble-mean")
    members = ("compromise", "smp")
    c = info.estimate_cost(10, 3, {"members": members})
    parts = [get_model(m).estimate_cost(10, 3, {}) for m in members]
    assert c.seconds == pytest.approx(sum(p.seconds for p in parts))
    assert c.bytes == max(p.bytes for p in parts)
