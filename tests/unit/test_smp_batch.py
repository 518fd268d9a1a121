"""SMP over a draw axis: every row of the batch form is the single run on that draw, bit for bit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.examples import load_example
from detente.models import _smp_batch, get_model, run_model
from detente.models.registry import run_batch
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.draws import InputDraws
from detente.scenario.io import load


def _draws(a: ScenarioArrays, m: int, seed: int, scale: float = 0.3, sd: float = 8.0) -> Any:
    """m draws of ``a``: capabilities and saliences x U(1 - scale, 1 + scale), positions
    + N(0, sd) clipped to the scale (the kind of draw an ensemble makes)."""
    g = np.random.default_rng(seed)
    span = a.hi - a.lo
    cap = a.capability[None] * g.uniform(1 - scale, 1 + scale, (m, a.n_actors))
    sal = a.salience[None] * g.uniform(1 - scale, 1 + scale, (m, *a.salience.shape))
    pos = a.position[None] + g.normal(0.0, sd * span / 100.0, (m, *a.position.shape))
    pos = np.clip(pos, a.lo, a.hi)
    res = np.broadcast_to(a.reservation, (m, *a.reservation.shape)).copy()
    return replace(a, capability=cap, salience=sal, position=pos, reservation=res)


def _one_by_one(arrays: ScenarioArrays, rng: Any = None, **params: Any) -> np.ndarray:
    """What run_batch's fallback gives: run_model draw by draw, draw d with the
    SeedSequence child d of ``rng``."""
    draws = InputDraws(arrays)
    streams = np.random.SeedSequence(rng).spawn(draws.m)
    return np.stack(
        [
            run_model("smp", draws.point(d), rng=streams[d], **params).forecast
            for d in range(draws.m)
        ]
    )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit (nan where nan)."""
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def test_registered_and_used_by_run_batch() -> None:
    assert get_model("smp").batch is not None
    a = _draws(load_example("miami").to_arrays(), 6, seed=1)
    assert _same(run_batch("smp", a), get_model("smp").batch(a))


def test_miami_draws_equal_single_runs() -> None:
    """40 perturbed draws of the Miami example (5 actors x 12 issues, one actor on 3
    issues only), KTAB's default options: the vectorised path, rows equal bit for bit,
    and the draws stop at different turns (the mask of finished draws is exercised)."""
    base = load_example("miami").to_arrays()
    a = _draws(base, 40, seed=7)
    draws = InputDraws(a)
    assert _smp_batch.vectorisable(base.n_actors, dict(get_model("smp").params), None, False)
    singles = [run_model("smp", draws.point(d)) for d in range(draws.m)]
    assert len({f.n_rounds for f in singles}) >= 3
    assert _same(get_model("smp").batch(a), np.stack([f.forecast for f in singles]))


@pytest.mark.parametrize(
    "params",
    [
        {"VictoryProbModel": "Square", "BigRRange": "Min"},
        {"VictoryProbModel": "Binary", "BigRAdjust": "Full", "InterVecBrgn": "S1P1"},
        {"VictoryProbModel": "Octic", "BigRAdjust": "None", "InterVecBrgn": "S2PMax"},
        {"BigRRange": "Max", "max_turns": 3},  # every draw stops at max_turns
        # not vectorised: the draws run one by one, still equal
        {"BargnModel": "PWCompInterp"},
        {"VotingRule": "Binary"},
        {"PCEModel": "MarkovUniform", "ThirdPartyCommit": "FullCommit"},
    ],
)
def test_options_equal_single_runs(params: dict[str, Any]) -> None:
    a = _draws(load_example("miami").to_arrays(), 12, seed=11)
    assert _same(get_model("smp").batch(a, **params), _one_by_one(a, **params))


def test_stochastic_draw_d_gets_child_stream_d() -> None:
    """StateTransitions=Stochastic: draw d runs with SeedSequence(seed).spawn(m)[d], as the
    registry's fallback gives it; the same seed gives the same rows, another seed others."""
    a = _draws(load_example("miami").to_arrays(), 16, seed=3)
    opts = {"StateTransitions": "Stochastic"}
    got = get_model("smp").batch(a, rng=2025, **opts)
    assert _same(got, _one_by_one(a, rng=2025, **opts))
    assert _same(got, run_batch("smp", a, rng=2025, **opts))
    assert not _same(got, get_model("smp").batch(a, rng=2026, **opts))


def test_actor_absent_everywhere_and_agreement() -> None:
    """An actor on no issue takes no part (nan nowhere it matters); when every actor
    agrees, nothing moves and the forecast is the common position (a known answer)."""
    pos = np.array([[40.0, 60.0], [40.0, 60.0], [40.0, 60.0], [10.0, 90.0]])
    a = ScenarioArrays.from_numpy([10.0, 20.0, 30.0, 50.0], pos, [[0.3, 0.2]] * 4)
    a = replace(a, present=np.array([[True, True]] * 3 + [[False, False]]))
    b = _draws(a, 5, seed=0, scale=0.2, sd=0.0)
    b = replace(b, position=np.broadcast_to(pos, (5, 4, 2)).copy())
    got = get_model("smp").batch(b)
    np.testing.assert_array_equal(got, np.full((5, 2), [40.0, 60.0]))
    assert _same(got, _one_by_one(b))


@pytest.mark.parametrize(
    ("name", "m"), [("dummyData_3Dim", 24), ("SOE-Pol-Comp", 16), ("dummyData_6Dim", 6)]
)
def test_ktab_scenario_draws_equal_single_runs(shared_data: Path, name: str, m: int) -> None:
    """KTAB's scenarios (7 x 3, 13 x 2, 27 x 6): many positions shared (ties, classes of
    equal positions), queues decided by both of the single run's forms."""
    base = load(shared_data / "ktab" / f"{name}.csv").to_arrays()
    a = _draws(base, m, seed=5, scale=0.15, sd=3.0)
    assert _same(get_model("smp").batch(a), _one_by_one(a))


def test_ktab_unperturbed_draws_equal_history_end(shared_data: Path) -> None:
    """The unperturbed scenario as two identical draws: both rows are the single run's
    forecast (the one whose history tests/regression checks against KTAB's log)."""
    base = load(shared_data / "ktab" / "SOE-Pol-Comp.csv").to_arrays()
    a = _draws(base, 2, seed=0, scale=0.0, sd=0.0)
    ref = run_model("smp", base).forecast
    assert _same(get_model("smp").batch(a), np.stack([ref, ref]))


@pytest.mark.parametrize("transitions", ["Deterministic", "Stochastic"])
def test_queue_choice_equals_single_in_both_forms(transitions: str) -> None:
    """The queues of three draws, one of 60 actors where every actor challenges the next
    (60 queues of two bargains: the single run sums the pairs of options that share a
    queue) and two with a few long queues (one matrix of all bargains): the batched choice
    of every queue is the single run's, draw by draw."""
    from detente.models import _smp_run

    g = np.random.default_rng(4)
    n = 60
    p = {**get_model("smp").params, "StateTransitions": transitions}
    configs = [
        (np.arange(n), (np.arange(n) + 1) % n),  # a ring: many short queues
        (np.arange(1, 9), np.zeros(8, dtype=int)),  # everyone challenges actor 0
        (np.array([3, 5, 7, 9, 11]), np.array([4, 4, 4, 12, 12])),
    ]
    dd = np.concatenate([np.full(c[0].size, d) for d, c in enumerate(configs)])
    ini = np.concatenate([c[0] for c in configs])
    rcv = np.concatenate([c[1] for c in configs])
    order = np.lexsort((ini, dd))
    dd, ini, rcv = dd[order], ini[order], rcv[order]
    delta = np.round(g.normal(0.0, 0.01, (dd.size, n)), 3)  # rounded: ties happen
    first = np.searchsorted(dd, np.arange(len(configs) + 1))
    zeros = np.zeros((dd.size, 2))
    b = _smp_batch._Bargains(dd, ini, rcv, zeros, zeros, delta, first)
    cap = g.uniform(1.0, 100.0, (len(configs), n))
    q = _smp_batch._queues(b, len(configs), n)
    gens = [np.random.default_rng(100 + d) for d in range(len(configs))]
    got = _smp_batch._choose(q, b, cap, p, gens)
    for d in range(len(configs)):
        sel = slice(first[d], first[d + 1])
        owners, which, start, size = _smp_run._queues(n, ini[sel], rcv[sel])
        want = _smp_run._queue_choice(
            delta[sel].T, which, start, size, cap[d], p, np.random.default_rng(100 + d)
        )
        np.testing.assert_array_equal(got[q.draw == d], want)
        np.testing.assert_array_equal(q.owner[q.draw == d], owners)


def test_arrays_without_a_draw_axis_are_one_draw() -> None:
    a = load_example("miami").to_arrays()
    got = get_model("smp").batch(a, rng=5)
    assert got.shape == (1, a.n_issues)
    assert _same(got[0], run_model("smp", a, rng=np.random.SeedSequence(5).spawn(1)[0]).forecast)
