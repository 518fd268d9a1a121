"""The conformance suite: every registered model must pass every test here.

The registry is the only list of models: a model added to it is tested here without any
change to this file.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from detente.models import Forecast, get_model, list_models
from detente.scenario import ScenarioArrays

MODELS = [m.name for m in list_models()]


def _scenario(
    seed: int = 7, n: int = 6, k: int = 3, lo: float = 0.0, hi: float = 100.0
) -> ScenarioArrays:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(lo, hi, size=(n, k))
    sal = rng.uniform(0.2, 1.0, size=(n, k))
    cap = rng.uniform(1.0, 10.0, size=n)
    sq = rng.uniform(lo, hi, size=k)
    return ScenarioArrays.from_numpy(cap, pos, sal, lo=lo, hi=hi, status_quo=sq)


def _run(name: str, arrays: ScenarioArrays, seed: int = 1) -> Forecast:
    return get_model(name).run(arrays, rng=seed)


def test_registry_is_not_empty_and_names_are_unique() -> None:
    assert len(MODELS) >= 3
    assert len(set(MODELS)) == len(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_entry_is_documented(name: str) -> None:
    info = get_model(name)
    assert info.title and info.citation, "every model cites its paper"
    assert info.run.__doc__ and "References" in info.run.__doc__, "numpydoc References section"


@pytest.mark.parametrize("name", MODELS)
def test_shapes_dtypes_and_ids(name: str) -> None:
    a = _scenario()
    f = _run(name, a)
    assert isinstance(f, Forecast)
    assert f.model == name
    assert f.forecast.shape == (a.n_issues,)
    assert f.forecast.dtype == np.float64
    assert f.issue_ids == a.issue_ids and f.actor_ids == a.actor_ids
    if get_model(name).dynamic:
        assert f.history is not None
        assert f.history.ndim == 3 and f.history.shape[1:] == (a.n_actors, a.n_issues)
        np.testing.assert_allclose(f.history[0], a.position, atol=1e-9, err_msg="round 0 = inputs")


@pytest.mark.parametrize("name", MODELS)
def test_deterministic_under_fixed_rng(name: str) -> None:
    a = _scenario()
    f1, f2 = _run(name, a, seed=123), _run(name, a, seed=123)
    np.testing.assert_array_equal(f1.forecast, f2.forecast)
    if f1.history is not None:
        np.testing.assert_array_equal(f1.history, f2.history)


@pytest.mark.parametrize("name", MODELS)
def test_pickles(name: str) -> None:
    a = _scenario()
    f = _run(name, a)
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(f.forecast, g.forecast)
    run = pickle.loads(pickle.dumps(get_model(name).run))
    np.testing.assert_array_equal(run(a, rng=1).forecast, f.forecast)
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.position, a.position)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forecast_within_positions_and_status_quo(name: str, seed: int) -> None:
    a = _scenario(seed=seed)
    f = _run(name, a)
    pts = np.vstack([a.position, a.status_quo[None, :]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    ok = np.isnan(f.forecast) | ((f.forecast >= lo - 1e-6) & (f.forecast <= hi + 1e-6))
    assert ok.all(), f"forecast {f.forecast} outside the hull [{lo}, {hi}]"
    assert not np.isnan(f.forecast).all()
    if f.history is not None:
        h = f.history
        assert np.all((h >= a.lo - 1e-6) & (h <= a.hi + 1e-6)), "positions stay on the scale"


@pytest.mark.parametrize("name", MODELS)
def test_forecast_is_in_issue_units(name: str) -> None:
    # The same scenario on 0-100 and on a 4-10 year scale: forecasts map by the same affine map.
    a = _scenario(seed=11)
    f = _run(name, a).forecast
    scale = lambda v: 4.0 + 6.0 * (np.asarray(v) / 100.0)  # noqa: E731
    b = ScenarioArrays.from_numpy(
        a.capability, scale(a.position), a.salience, lo=4.0, hi=10.0, status_quo=scale(a.status_quo)
    )
    g = _run(name, b).forecast
    np.testing.assert_allclose(g, scale(f), atol=1e-6 * 6, equal_nan=True)


@pytest.mark.parametrize("name", MODELS)
def test_actor_order_does_not_matter(name: str) -> None:
    a = _scenario(seed=5)
    perm = np.array([3, 0, 5, 1, 4, 2])
    b = a.subset(actors=perm)
    np.testing.assert_allclose(
        _run(name, a).forecast, _run(name, b).forecast, atol=1e-6, equal_nan=True
    )


@pytest.mark.parametrize("name", MODELS)
def test_all_actors_agree(name: str) -> None:
    n = 5
    pos = np.tile([30.0, 80.0], (n, 1))
    a = ScenarioArrays.from_numpy(np.arange(1, n + 1), pos, 0.6, status_quo=[30.0, 80.0])
    np.testing.assert_allclose(_run(name, a).forecast, [30.0, 80.0], atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_one_issue(name: str) -> None:
    a = _scenario(k=1)
    f = _run(name, a)
    assert f.forecast.shape == (1,) and np.isfinite(f.forecast).all()


@pytest.mark.parametrize("name", MODELS)
def test_zero_salience_everywhere_gives_finite_forecast_on_scale(name: str) -> None:
    a = _scenario()
    z = ScenarioArrays.from_numpy(a.capability, a.position, 0.0, status_quo=a.status_quo)
    f = _run(name, z).forecast
    assert np.isfinite(f).all() and np.all((f >= 0) & (f <= 100))


@pytest.mark.parametrize("name", MODELS)
def test_single_actor_with_all_the_power(name: str) -> None:
    a = _scenario(seed=3)
    cap = np.zeros(a.n_actors)
    cap[2] = 1.0
    b = ScenarioArrays.from_numpy(cap, a.position, a.salience, status_quo=a.position[2])
    # 0.01 on a 0-100 scale: KTAB's SMP rounds bargains to 1e-4 of the unit scale, and its
    # reference logs need that rounding (docs/explanation/smp.md).
    np.testing.assert_allclose(_run(name, b).forecast, a.position[2], atol=1e-2)


@pytest.mark.parametrize("name", MODELS)
def test_absent_actors_are_ignored(name: str) -> None:
    # Adding an actor who takes part in no issue changes nothing.
    a = _scenario(seed=9)
    pos = np.vstack([a.position, np.full((1, a.n_issues), np.nan)])
    sal = np.vstack([a.salience, np.zeros((1, a.n_issues))])
    b = ScenarioArrays.from_numpy(np.append(a.capability, 50.0), pos, sal, status_quo=a.status_quo)
    np.testing.assert_allclose(_run(name, a).forecast, _run(name, b).forecast, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_an_issue_with_one_actor_lands_on_its_position(name: str) -> None:
    # Actor 0 alone on issue 0 (a 0-1000 EUR scale), actor 1 alone on issue 1 (0-10):
    # whoever is absent from an issue cannot pull it.
    pos = np.array([[200.0, np.nan], [np.nan, 3.0]])
    a = ScenarioArrays.from_numpy([2.0, 1.0], pos, 0.5, lo=[0.0, 0.0], hi=[1000.0, 10.0])
    np.testing.assert_allclose(_run(name, a).forecast, [200.0, 3.0], rtol=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_an_issue_with_one_actor_and_no_weight_lands_on_its_position(name: str) -> None:
    # The same with zero salience and one zero capability: nobody has weight, and the
    # absent actor's placeholder must still not enter the forecast.
    pos = np.array([[200.0, np.nan], [np.nan, 3.0]])
    a = ScenarioArrays.from_numpy([2.0, 0.0], pos, 0.0, lo=[0.0, 0.0], hi=[1000.0, 10.0])
    np.testing.assert_allclose(_run(name, a).forecast, [200.0, 3.0], rtol=1e-4)
