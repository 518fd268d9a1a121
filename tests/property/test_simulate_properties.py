"""Invariants of the simulated talks (hypothesis): no deal ever violates a binding veto (the
Environment's ``consent``) or a declared contradiction (``feasible``), whatever the limits,
strategies and protocol; a seeded simulation is reproducible bit for bit, and identical on the
local and process executors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.process.environment import Environment
from detente.process.protocols import run_protocol
from detente.process.strategies import StrategyTable
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.protocol_spec import ProtocolSpec, StrategySpec

START = dt.date(2025, 1, 1)


@dataclass(frozen=True, eq=False)
class _RandomWorld(Environment):
    """Limits that move at random every round and run (a reproducible stream per round), and
    a hand-written contradiction: issue 0 above 60 with the last issue below 40."""

    seed: int = 0

    def limits(self, t):  # type: ignore[override]
        a = self.arrays
        m, n, k = self.n_runs, a.n_actors, a.n_issues
        rng = np.random.default_rng([self.seed, t])
        centre = np.broadcast_to(a.position, (m, n, k))
        half = rng.uniform(0.0, 60.0, (m, n, k))
        lo = np.clip(centre - half, a.lo, a.hi)
        hi = np.clip(centre + half, a.lo, a.hi)
        none = rng.random((m, n, k)) < 0.2  # no limit here this round
        lo = np.where(none | ~a.present, np.nan, lo)
        hi = np.where(none | ~a.present, np.nan, hi)
        return lo, hi

    def feasible(self, x):  # type: ignore[override]
        return ~((x[:, 0] > 60) & (x[:, -1] < 40))


@st.composite
def worlds(draw):
    n = draw(st.integers(2, 4))
    k = draw(st.integers(1, 3))
    pos = np.array(
        draw(st.lists(st.lists(st.floats(0, 100), min_size=k, max_size=k), min_size=n, max_size=n))
    )
    veto = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    scope = np.array(
        draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k), min_size=n, max_size=n))
    )
    scope = scope & veto[:, None]
    arrays = replace(ScenarioArrays.from_numpy(np.ones(n), pos, 0.5, veto=veto), veto_scope=scope)
    kinds = draw(
        st.lists(
            st.sampled_from(["boulware", "linear", "conceder", "tit_for_tat", "hardliner"]),
            min_size=n,
            max_size=n,
        )
    )
    specs = [StrategySpec(actor=a, kind=kd) for a, kd in zip(arrays.actor_ids, kinds, strict=True)]
    proto = draw(
        st.sampled_from(
            [
                ProtocolSpec(),
                ProtocolSpec(name="alternating"),
                ProtocolSpec(draft="mediator", pressure=0.3),
            ]
        )
    )
    return arrays, specs, proto, draw(st.integers(0, 2**31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_deal_violates_a_binding_veto_or_a_contradiction(world) -> None:
    arrays, specs, proto, seed = world
    m, rounds = 40, 12
    env = _RandomWorld(arrays, None, m, rounds, START, seed=seed)
    tab = StrategyTable.build(arrays.actor_ids, specs, deadline=8.0)
    rec = run_protocol(env, proto, tab, mediator=0, rng=np.random.default_rng(seed))
    deals = np.flatnonzero(rec.deal_round >= 0)
    for t in np.unique(rec.deal_round[deals]):
        rows = deals[rec.deal_round[deals] == t]
        x = np.nan_to_num(rec.terms)
        ok = env.consent(int(t), x)[rows]
        assert ok.all(), "a deal some binding veto refuses"
        assert env.feasible(x)[rows].all(), "a deal the scenario declares contradictory"
        # and within every scale
        assert ((x[rows] >= arrays.lo) & (x[rows] <= arrays.hi)).all()


def _yaml(tmp_path):
    from detente.scenario.io import load

    f = tmp_path / "s.yaml"
    f.write_text(
        "name: s\nas_of: '2025-01-01'\n"
        "actors: [{id: A, name: A, capability: 1, veto: true},"
        " {id: B, name: B, capability: 2, veto: true}, {id: C, name: C, capability: 1}]\n"
        "issues: [{id: x, name: x}, {id: y, name: y}]\n"
        "positions:\n"
        "- {actor: A, issue: x, position: 10, salience: 50, reservation: 55}\n"
        "- {actor: A, issue: y, position: 80, salience: 30, reservation: 40}\n"
        "- {actor: B, issue: x, position: 90, salience: 60, reservation: 45}\n"
        "- {actor: B, issue: y, position: 20, salience: 40, reservation: 60}\n"
        "- {actor: C, issue: x, position: 50, salience: 50}\n"
    )
    return load(f)


def _drawn(s, m, seed):
    from detente.scenario.draws import InputDraws

    a = s.to_arrays()
    rng = np.random.default_rng(seed)
    res = np.clip(a.reservation + rng.uniform(-30, 30, (m, *a.reservation.shape)), 0, 100)
    n, k = a.position.shape
    return InputDraws(
        replace(
            a,
            capability=np.broadcast_to(a.capability, (m, n)),
            position=np.broadcast_to(a.position, (m, n, k)),
            salience=np.broadcast_to(a.salience, (m, n, k)),
            reservation=res,
        )
    )


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["single_text", "alternating"]))
def test_seeded_simulation_is_bit_identical(tmp_path_factory, seed, protocol) -> None:
    from detente.process import simulate

    s = _yaml(tmp_path_factory.mktemp("s"))
    d = _drawn(s, 1500, seed % 1000)
    a = simulate(s, draws=d, seed=seed, rounds=60, protocol=protocol)
    b = simulate(s, draws=d, seed=seed, rounds=60, protocol=protocol)
    assert a.record.deal_round.tobytes() == b.record.deal_round.tobytes()
    assert a.record.terms.tobytes() == b.record.terms.tobytes()
    assert a.to_dict() == b.to_dict()


def test_local_and_process_executors_agree_bit_for_bit(tmp_path) -> None:
    from detente.process import simulate

    s = _yaml(tmp_path)
    d = _drawn(s, 2500, 3)  # three chunks of 1,024
    a = simulate(s, draws=d, seed=11, rounds=60, executor="local")
    b = simulate(s, draws=d, seed=11, rounds=60, executor="process", workers=2)
    assert a.agreed.any() and not a.agreed.all()  # a test that can fail
    assert a.record.deal_round.tobytes() == b.record.deal_round.tobytes()
    assert a.record.terms.tobytes() == b.record.terms.tobytes()
    assert a.record.objections.tobytes() == b.record.objections.tobytes()
    assert a.drafts() == b.drafts()
