"""The draw-axis (batch) forms of compromise, median and nash: each row is, bit for bit, the
single run on that draw (ties, absent actors, zero weights and one-issue scenarios included)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models.registry import get_model, run_batch, run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.draws import InputDraws

MODELS = ("compromise", "median", "nash")


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (nan where nan, the same sign of zero)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    nan = np.isnan(a)
    return bool(
        (nan == np.isnan(b)).all() and (a[~nan].view(np.int64) == b[~nan].view(np.int64)).all()
    )


def _draws(seed: int, m: int, n: int, k: int, ties: bool) -> InputDraws:
    """m random draws of a random scenario with absent actors, zero saliences, vetoes,
    reservation points and (when ``ties``) positions on a coarse grid so that they tie."""
    rng = np.random.default_rng(seed)
    pos = (
        rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (m, n, k))
        if ties
        else rng.uniform(0, 100, (m, n, k))
    )
    present = rng.random((n, k)) < 0.8
    present[0] = True  # at least one actor on every issue
    sal = np.where(rng.random((m, n, k)) < 0.15, 0.0, rng.random((m, n, k)))
    cap = np.where(rng.random((m, n)) < 0.1, 0.0, rng.uniform(0.1, 5, (m, n)))
    res = np.where(rng.random((m, n, k)) < 0.5, rng.uniform(0, 100, (m, n, k)), np.nan)
    base = ScenarioArrays.from_numpy(
        cap[0],
        np.where(present, pos[0], np.nan),
        sal[0],
        veto=rng.random(n) < 0.4,
        status_quo=np.where(rng.random(k) < 0.5, rng.uniform(0, 100, k), np.nan),
    )
    arrays = replace(
        base,
        capability=cap,
        position=np.where(present, pos, np.nan),
        salience=np.where(present, sal, 0.0),
        reservation=np.where(present, res, np.nan),
    )
    return InputDraws(arrays)


def _check_rows(name: str, draws: InputDraws, **params: object) -> None:
    assert get_model(name).batch is not None
    out = run_batch(name, draws.arrays, **params)
    assert out.shape == (draws.m, draws.arrays.n_issues)
    for d in range(draws.m):
        one = run_model(name, draws.point(d), **params).forecast
        assert _same_bits(out[d], one), (name, d, out[d], one)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 6),
    n=st.integers(1, 14),
    k=st.integers(1, 4),
    ties=st.booleans(),
)
@pytest.mark.parametrize("name", MODELS)
def test_batch_rows_are_the_single_runs(
    name: str, seed: int, m: int, n: int, k: int, ties: bool
) -> None:
    _check_rows(name, _draws(seed, m, n, k, ties))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("compromise", {"use_capability": False}),
        ("compromise", {"use_salience": False}),
        ("median", {"use_capability": False, "use_salience": False}),
        ("nash", {"shape": "linear"}),
        ("nash", {"use_salience": False}),
    ],
)
def test_batch_rows_with_options(name: str, params: dict[str, object]) -> None:
    for seed in range(5):
        _check_rows(name, _draws(seed, 4, 9, 3, ties=seed % 2 == 0), **params)


def test_median_tie_is_broken_as_in_a_single_run() -> None:
    # Two actors of equal weight at 20 and 80: the cumulative weight reaches half at the
    # first sorted position, 20 (inverted-CDF median) — in every draw, whatever the order.
    base = ScenarioArrays.from_numpy([1.0, 1.0], [[80.0], [20.0]], [[1.0], [1.0]])
    arrays = replace(
        base,
        capability=np.array([[1.0, 1.0], [2.0, 2.0]]),
        position=np.array([[[80.0], [20.0]], [[20.0], [80.0]]]),
        salience=np.ones((2, 2, 1)),
    )
    out = run_batch("median", arrays)
    assert out.tolist() == [[20.0], [20.0]]


def test_compromise_batch_known_values() -> None:
    # draw 0: weights 1 and 3 on positions 0 and 100 -> 75; draw 1: equal weights -> 50
    base = ScenarioArrays.from_numpy([1.0, 3.0], [[0.0], [100.0]], [[1.0], [1.0]])
    arrays = replace(
        base,
        capability=np.array([[1.0, 3.0], [2.0, 2.0]]),
        position=np.array([[[0.0], [100.0]], [[0.0], [100.0]]]),
        salience=np.ones((2, 2, 1)),
    )
    assert run_batch("compromise", arrays).tolist() == [[75.0], [50.0]]
