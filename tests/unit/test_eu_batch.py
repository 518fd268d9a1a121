"""The expected-utility model over a draw axis (``eu.batch``, registered with ``register_batch``).

The specification is exact: row d of the batch is, bit for bit, what a single run of the model
gives on draw d (``run_model(name, draw d).forecast``), for every option value the model
exposes. The tests check that on perturbed draws of the Miami example (every option value of
both registered models), on the BDM actor tables in ``../shared/data/bdm`` (one issue: the
draw-by-draw path), on hypothesis' random small scenarios with random options, across chunk
sizes, and that the cost estimate of a batch is bounded in memory and linear in draws.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.examples import load_example
from detente.models import expected_utility as eu
from detente.models.registry import get_model, run_batch, run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.draws import InputDraws


def _draws(a: ScenarioArrays, m: int, seed: int, spread: float = 0.3) -> ScenarioArrays:
    """``m`` perturbed copies of ``a``: capability and salience x U(1 ± spread), positions
    moved by N(0, 5% of the scale), clipped to the scale."""
    rng = np.random.default_rng(seed)
    n, k = a.n_actors, a.n_issues
    cap = a.capability[None] * rng.uniform(1 - spread, 1 + spread, (m, n))
    sal = np.clip(a.salience[None] * rng.uniform(1 - spread, 1 + spread, (m, n, k)), 0.0, 1.0)
    noise = rng.normal(0.0, 0.05, (m, n, k)) * (a.hi - a.lo)
    pos = np.clip(a.position[None] + noise, a.lo, a.hi)
    res = np.broadcast_to(a.reservation, (m, n, k))
    return replace(a, capability=cap, position=pos, salience=sal, reservation=res)


def _assert_rows_are_single_runs(name: str, batch: ScenarioArrays, **opts: Any) -> None:
    out = run_batch(name, batch, **opts)
    draws = InputDraws(batch)
    assert out.shape == (draws.m, batch.n_issues)
    for d in range(draws.m):
        one = run_model(name, draws.point(d), **opts).forecast
        # bit for bit: equal values (nan where nan) and equal signs of zero
        assert np.array_equal(out[d], one, equal_nan=True), (name, opts, d, out[d] - one)
        assert np.array_equal(np.signbit(out[d]), np.signbit(one)), (name, opts, d)


# Every value of every named option at least once, and the numeric options moved off their
# defaults (q < 1 needs every configuration's median; damping < 1; a short run; tol = 0).
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"risk": "others", "p_success": "pair"},
    {"risk": "grid", "p_success": "net"},
    {"risk": "none", "perception": "receiver", "selection": "type_priority"},
    {"perception": "both", "selection": "highest_eu", "compromise": "scholz_code"},
    {"perception": "own", "conflict": "expected", "damping": 0.5},
    {"q": 0.5, "t": 0.3, "stop": "median"},
    {"forecast": "mean", "rounds": 3, "tol": 0.0},
    {"q": 0.0, "t": 1.0, "risk": "grid", "forecast": "mean"},
]


@pytest.mark.parametrize("name", ["eu", "eu-damped"])
@pytest.mark.parametrize(
    "opts", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults"
)
def test_miami_draws_equal_single_runs(name: str, opts: dict[str, Any]) -> None:
    a = load_example("miami").to_arrays()
    _assert_rows_are_single_runs(name, _draws(a, 12, seed=len(opts)), **opts)


def test_batch_is_registered() -> None:
    assert get_model("eu").batch is eu.batch
    assert get_model("eu-damped").batch is eu.batch_damped


def test_chunks_of_any_size_give_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """One draw per chunk, a few per chunk and all in one: the same numbers."""
    a = load_example("miami").to_arrays()
    batch = _draws(a, 9, seed=7)
    whole = run_batch("eu", batch)
    n, k = a.n_actors, a.n_issues
    for per in (1, 2, 4):
        monkeypatch.setattr(eu, "BATCH_ELEMENTS", n * n * n * k * per)
        assert eu._draws_per_chunk(n, k, eu.DEFAULTS) == per
        assert np.array_equal(run_batch("eu", batch), whole, equal_nan=True)


def test_unbatched_arrays_give_one_row() -> None:
    a = load_example("miami").to_arrays()
    out = eu.batch(a)
    assert out.shape == (1, a.n_issues)
    assert np.array_equal(out[0], run_model("eu", a).forecast, equal_nan=True)


BDM = [
    "jmckib_ExampleActors_EU_emissions.csv",
    "masad_ExampleActors.csv",
    "masad_ChinaData.csv",
    "masad_HondurasCrisisData.csv",
    "jmckib_Sultan.csv",
]


@pytest.mark.parametrize("file", BDM)
def test_bdm_tables(shared_data: Path, file: str) -> None:
    """BDM's actor tables (one issue each: the draw-by-draw path), defaults and Scholz's code."""
    from detente.scenario.io import load

    a = load(shared_data / "bdm" / file).to_arrays()
    batch = _draws(a, 6, seed=3)
    _assert_rows_are_single_runs("eu", batch)
    _assert_rows_are_single_runs(
        "eu", batch, perception="receiver", selection="type_priority", compromise="scholz_code"
    )


def test_bdm_tables_side_by_side(shared_data: Path) -> None:
    """Two BDM tables as two issues of one scenario (actors absent from the other's issue):
    the folded path, with absent actors."""
    from detente.scenario.io import load

    parts = [load(shared_data / "bdm" / f).to_arrays() for f in BDM[2:4]]
    n1, n2 = parts[0].n_actors, parts[1].n_actors
    pos = np.full((n1 + n2, 2), np.nan)
    sal = np.zeros((n1 + n2, 2))
    pos[:n1, 0], sal[:n1, 0] = parts[0].position[:, 0], parts[0].salience[:, 0]
    pos[n1:, 1], sal[n1:, 1] = parts[1].position[:, 0], parts[1].salience[:, 0]
    cap = np.concatenate([parts[0].capability, parts[1].capability])
    lo = [parts[0].lo[0], parts[1].lo[0]]
    hi = [parts[0].hi[0], parts[1].hi[0]]
    a = ScenarioArrays.from_numpy(cap, pos, sal, lo=lo, hi=hi)
    batch = _draws(a, 8, seed=11)
    _assert_rows_are_single_runs("eu", batch)
    _assert_rows_are_single_runs("eu", batch, risk="others", q=0.5)


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[ScenarioArrays, dict[str, Any]]:
    n = draw(st.integers(2, 6))
    k = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    pos = rng.choice([0.0, 25.0, 50.0, 100.0], (m, n, k)) if draw(st.booleans()) else None
    if pos is None:
        pos = rng.uniform(0, 100, (m, n, k))
    absent = rng.random((n, k)) < draw(st.sampled_from([0.0, 0.2]))
    present = ~absent
    sal = np.where(present, rng.uniform(0, 1, (m, n, k)), 0.0)
    pos = np.where(present, pos, np.nan)
    cap = rng.uniform(0, 10, (m, n))
    base = ScenarioArrays.from_numpy(cap[0], pos[0], sal[0])
    arrays = replace(
        base,
        capability=cap,
        position=pos,
        salience=sal,
        reservation=np.full((m, n, k), np.nan),
    )
    opts = {key: draw(st.sampled_from(vals)) for key, vals in eu._CHOICES.items()}
    opts["q"] = draw(st.sampled_from([1.0, 0.5]))
    opts["damping"] = draw(st.sampled_from([1.0, 0.5]))
    return arrays, opts


@settings(max_examples=60, deadline=None)
@given(_scenarios())
def test_random_scenarios_equal_single_runs(case: tuple[ScenarioArrays, dict[str, Any]]) -> None:
    arrays, opts = case
    if not np.asarray(arrays.present).any():
        return
    _assert_rows_are_single_runs("eu", arrays, **opts)


def test_batch_cost_is_bounded_in_memory_and_linear_in_draws() -> None:
    small = eu.batch_cost(5, 12, 1_000, {})
    big = eu.batch_cost(5, 12, 100_000, {})
    assert big.bytes == small.bytes  # one chunk of draws at a time
    assert big.seconds == pytest.approx(100 * small.seconds)
    # a chunk holds at most BATCH_ELEMENTS-sized arrays: (n^3 x 12 issues x draws) per array
    per = eu._draws_per_chunk(5, 12, eu.DEFAULTS)
    assert 125 * 12 * per <= eu.BATCH_ELEMENTS
    # one issue runs draw by draw: m single runs
    one = eu.batch_cost(5, 1, 10, {})
    assert one.seconds == pytest.approx(10 * get_model("eu").estimate_cost(5, 1, {}).seconds)
