"""Learnt actor power (``learnt-power``): known answers, recovery on synthetic data with known
weights, the penalty's pull toward the prior, nested CV that never sees the outer test fold,
located errors, and the result object."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from detente.models import get_model, run_model
from detente.models import learnt_power as lp
from detente.models._fitting import cross_validate, grouped_folds, train_on
from detente.models.registry import check_model_params
from detente.scenario import ScenarioArrays
from detente.scenario.errors import ModelParamError

TRUE_LOG_M = np.array([-0.8, -0.3, 0.0, 0.3, 0.8, 0.0])  # geometric mean 1: the scale the
TRUE_P = 2.0  # penalty picks (the weighted mean cannot see a common factor)


def _synthetic(
    n_groups: int = 120,
    per_group: int = 2,
    noise: float = 2.0,
    seed: int = 0,
    log_m: np.ndarray = TRUE_LOG_M,
    p: float = TRUE_P,
    cap: np.ndarray | None = None,
) -> tuple[ScenarioArrays, np.ndarray, np.ndarray]:
    """Issues whose outcome is the weighted mean with weights m_i s_ij^p, plus Gaussian noise.

    Written independently of the model: a loop over issues, plain Python sums.
    """
    rng = np.random.default_rng(seed)
    n, k = len(log_m), n_groups * per_group
    pos = rng.uniform(0, 100, size=(n, k))
    sal = rng.uniform(0.2, 1.0, size=(n, k))
    capv = np.ones(n) if cap is None else cap
    y = np.empty(k)
    for j in range(k):
        num = den = 0.0
        for i in range(n):
            w = capv[i] * np.exp(log_m[i]) * sal[i, j] ** p
            num += w * pos[i, j]
            den += w
        y[j] = num / den + rng.normal(0, noise)
    groups = np.repeat([f"g{g}" for g in range(n_groups)], per_group)
    a = ScenarioArrays.from_numpy(capv, pos, sal)
    return a, y, groups


# --------------------------------------------------------------------------- known answers
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_at_the_prior_it_is_the_compromise_model_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = ScenarioArrays.from_numpy(
        rng.uniform(1, 10, 7), rng.uniform(0, 100, (7, 4)), rng.uniform(0, 1, (7, 4))
    )
    np.testing.assert_array_equal(
        run_model("learnt-power", a).forecast, run_model("compromise", a).forecast
    )


def test_hand_case() -> None:
    # two actors at 0 and 100, saliences 0.5 and 1, capabilities 1 and 1
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[0.0], [100.0]], [[0.5], [1.0]])
    # p = 2: weights 0.25 and 1 -> 100 / 1.25 = 80
    assert run_model("learnt-power", a, exponent=2.0).forecast[0] == pytest.approx(80.0)
    # m_0 = 4 undoes it: weights 1 and 1 -> 50
    f = run_model("learnt-power", a, exponent=2.0, multipliers={a.actor_ids[0]: 4.0})
    assert f.forecast[0] == pytest.approx(50.0)
    # base=equal ignores the scenario's capability: capabilities 9 and 1 change nothing
    b = ScenarioArrays.from_numpy([9.0, 1.0], [[0.0], [100.0]], [[0.5], [1.0]])
    assert run_model("learnt-power", b, exponent=2.0, base="equal").forecast[0] == pytest.approx(
        80.0
    )
    # base=capability uses it: 9*0.25 = 2.25 and 1 -> 100 / 3.25
    assert run_model("learnt-power", b, exponent=2.0).forecast[0] == pytest.approx(100 / 3.25)


def test_gradient_matches_finite_differences() -> None:
    a, y, _ = _synthetic(n_groups=10)
    act = np.ones(a.n_actors, bool)
    c = np.ones((a.n_actors, a.n_issues))
    theta = np.append(np.linspace(-0.5, 0.5, a.n_actors), np.log(1.7))
    f0, g = lp._objective(theta, a, y, c, act, 0.7)
    h = 1e-6
    num = [
        (lp._objective(theta + h * e, a, y, c, act, 0.7)[0] - f0) / h for e in np.eye(len(theta))
    ]
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- recovery
def test_fit_recovers_known_weights_within_bootstrap_intervals() -> None:
    # 99% intervals: seven parameters at 95% would all cover the truth only ~70% of the time
    a, y, groups = _synthetic()
    res = lp.learn_power(a, y, groups, penalty=0.01, base="equal", n_boot=200, level=0.99)
    truth = np.exp(TRUE_LOG_M)
    for actor, m, lo, hi, t in zip(res.actor_ids, res.multipliers, res.lo, res.hi, truth,
                                   strict=True):  # fmt: skip
        assert lo <= t <= hi, f"{actor}: true {t:.3f} outside [{lo:.3f}, {hi:.3f}] (est {m:.3f})"
        assert hi / lo < 1.6, "intervals are informative"
    assert res.exponent_lo <= TRUE_P <= res.exponent_hi
    assert abs(res.exponent - TRUE_P) < 0.25


def test_nested_selection_finds_the_signal_on_synthetic_data() -> None:
    # real differences between actors: the inner CV prefers a light penalty to the prior
    a, y, groups = _synthetic(n_groups=60)
    pen, base, table = lp.select_hyper(a, y, groups, penalties=(0.1, 1000.0), bases=("equal",))
    assert pen == 0.1 and base == "equal"
    maes = {r["penalty"]: r["mae"] for r in table}
    assert maes[0.1] < maes[1000.0]


def test_penalty_pulls_toward_the_prior() -> None:
    a, y, _ = _synthetic(n_groups=40)
    spread = []
    for pen in (0.01, 1.0, 10.0, 100.0, 1e5):
        f = lp.fit_power(a, y, penalty=pen, base="equal")
        spread.append(float(np.mean(np.abs(f.log_m))))
    assert all(s1 >= s2 - 1e-9 for s1, s2 in itertools.pairwise(spread)), spread
    assert spread[-1] < 0.01  # the limit is the prior, m_i = 1
    assert spread[0] > 0.3


def test_actors_never_seen_in_training_stay_at_the_prior() -> None:
    a, y, groups = _synthetic(n_groups=20)
    pos = np.vstack([a.position, np.full((1, a.n_issues), np.nan)])
    sal = np.vstack([a.salience, np.zeros((1, a.n_issues))])
    b = ScenarioArrays.from_numpy(np.ones(a.n_actors + 1), pos, sal)
    out = lp.train(b, y, groups)
    assert b.actor_ids[-1] not in out["multipliers"]
    assert set(out) == {"multipliers", "exponent", "base", "_diagnostics"}


# --------------------------------------------------------------------------- nested CV
def _poisoned_fold_is_unchanged(name: str, n_folds: int = 4) -> None:
    rng = np.random.default_rng(5)
    cap = rng.uniform(1, 5, 6)
    a, y, groups = _synthetic(n_groups=24, seed=3, cap=cap)
    fold = grouped_folds(groups, n_folds, 0)
    f = 1
    bad = y.copy()
    bad[fold == f] = rng.uniform(-500, 500, int((fold == f).sum()))
    oof1, p1, d1 = cross_validate(name, a, y, groups, n_folds=n_folds, seed=0)
    oof2, p2, d2 = cross_validate(name, a, bad, groups, n_folds=n_folds, seed=0)
    assert p1[f] == p2[f], "the fold's fitted options do not see its own outcomes"
    assert d1[f] == d2[f], "nor do the hyperparameters chosen by the inner folds"
    np.testing.assert_array_equal(oof1[fold == f], oof2[fold == f])
    # the poison does reach every other fold (it is in their training data)
    assert all(p1[g] != p2[g] for g in range(n_folds) if g != f)


def test_nested_cv_never_touches_the_outer_test_fold() -> None:
    _poisoned_fold_is_unchanged("learnt-power")


def test_train_sees_only_the_training_issues() -> None:
    a, y, groups = _synthetic(n_groups=12)
    seen = {}

    def spy(arrays: ScenarioArrays, outcome: np.ndarray, g: np.ndarray, **kw: object) -> dict:
        seen.update(k=arrays.n_issues, y=outcome.copy(), g=list(g))
        return {}

    from dataclasses import replace

    from detente.models import registry

    info = get_model("learnt-power")
    registry._REGISTRY["spy"] = replace(info, name="spy", train=spy)
    try:
        keep = np.arange(a.n_issues) % 3 != 0
        train_on("spy", a, y, groups, issues=keep)
    finally:
        del registry._REGISTRY["spy"]
    assert seen["k"] == keep.sum()
    np.testing.assert_array_equal(seen["y"], y[keep])
    assert seen["g"] == list(groups[keep])


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"exponent": 0}, "learnt-power.exponent"),
        ({"exponent": 9.0}, "learnt-power.exponent"),
        ({"base": "votes"}, "learnt-power.base"),
        ({"multipliers": "de=2"}, "learnt-power.multipliers"),
        ({"multipliers": {"de": -1.0}}, "learnt-power.multipliers.de"),
        ({"multipliers": {"de": float("nan")}}, "learnt-power.multipliers.de"),
        ({"weights": {}}, "learnt-power.weights"),
    ],
)
def test_bad_options_are_located(params: dict[str, object], field: str) -> None:
    a = ScenarioArrays.from_numpy([1.0, 1.0], [[0.0], [100.0]], 0.5)
    with pytest.raises(ModelParamError) as e:
        run_model("learnt-power", a, **params)
    assert e.value.field == field and e.value.allowed
    with pytest.raises(ModelParamError) as e2:
        check_model_params({"learnt-power": params}, path="talks.yaml")
    assert str(e2.value).startswith("talks.yaml: ") and field in str(e2.value)


# --------------------------------------------------------------------------- other bodies
def test_runs_on_the_miami_example_without_a_training_record() -> None:
    from detente.examples import load_example

    a = load_example("miami").to_arrays()
    f0 = run_model("learnt-power", a)
    np.testing.assert_array_equal(f0.forecast, run_model("compromise", a).forecast)
    f = run_model("learnt-power", a, exponent=2.8)
    assert np.isfinite(f.forecast).all()
    assert np.all((f.forecast >= a.lo) & (f.forecast <= a.hi))
    assert "do not transfer" in " ".join((get_model("learnt-power").run.__doc__ or "").split())


# --------------------------------------------------------------------------- the result
def test_result_object_reports_and_plots_every_actor() -> None:
    import matplotlib

    matplotlib.use("Agg")
    a, y, groups = _synthetic(n_groups=30)
    res = lp.learn_power(a, y, groups, n_boot=20, penalties=(0.1, 10.0), n_inner=3)
    df = res.to_df()
    assert len(df) == a.n_actors + 1 and set(df["term"]) == {"multiplier", "exponent"}
    assert (df["lo"] <= df["estimate"] + 1e-12).all() and (df["estimate"] <= df["hi"] + 1e-12).all()
    text = res.summary()
    assert "do not transfer" in text and all(x in text for x in a.actor_ids)
    ax = res.plot()
    assert {t.get_text() for t in ax.get_yticklabels()} == set(a.actor_ids)
    json.dumps(res.to_dict(), allow_nan=False)
    p = res.params()
    np.testing.assert_allclose(
        run_model("learnt-power", a, **p).forecast,
        lp.learnt_forecast(a, res.multipliers, res.exponent, base=res.base),
    )


def test_learn_power_refuses_bad_settings() -> None:
    a, y, groups = _synthetic(n_groups=5)
    with pytest.raises(ValueError, match="n_boot"):
        lp.learn_power(a, y, groups, n_boot=0)
    with pytest.raises(ValueError, match="level"):
        lp.learn_power(a, y, groups, level=1.0)
