"""Protocols against hand-computed talks: the single negotiating text (Nash and mediator
drafts, pressure), alternating offers, vetoes on named issues, ratification, contradictions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest

from detente.process.environment import Environment
from detente.process.protocols import run_protocol
from detente.process.protocols.alternating import sao_table
from detente.process.strategies import StrategyTable
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.protocol_spec import ProtocolSpec

START = dt.date(2025, 1, 1)


def _two_sides(mediator_at: float | None = None) -> ScenarioArrays:
    """A at 0 signs up to 60; B at 100 signs down to 40; both veto; optional mediator C."""
    pos = [[0.0], [100.0]] + ([[mediator_at]] if mediator_at is not None else [])
    res = [[60.0], [40.0]] + ([[np.nan]] if mediator_at is not None else [])
    n = len(pos)
    return ScenarioArrays.from_numpy(
        np.ones(n),
        pos,
        0.5,
        veto=[True, True] + [False] * (n - 2),
        reservation=np.array(res),
    )


def _run(
    arrays: ScenarioArrays,
    spec: ProtocolSpec,
    m: int = 3,
    env_cls: type = Environment,
    rounds: int = 20,
):
    env = env_cls(arrays, None, m, rounds, START)
    tab = StrategyTable.build(arrays.actor_ids, (), deadline=10.0)
    mediator = 2 if arrays.n_actors > 2 else None
    return run_protocol(env, spec, tab, mediator=mediator, rng=np.random.default_rng(0))


# Linear concession over 10 rounds: at round t, A signs [0, 6t], B signs [100 - 6t, 100].
# They first overlap at t = 9 (54 >= 46): the box is [46, 54].


def test_single_text_nash_by_hand() -> None:
    # Nash over the box [46, 54], disagreement = each side's worst value in it (54 for A,
    # 46 for B): max (1 - x/100 - 0.46)(x/100 - 0.46) at x = 50.
    rec = _run(_two_sides(), ProtocolSpec(draft="nash"))
    assert (rec.deal_round == 9).all()
    np.testing.assert_allclose(rec.terms[:, 0], 50.0)
    assert rec.trace[0]["objections"]  # both object to the opening text
    assert rec.trace[-1]["ratified"]


def test_single_text_mediator_draft_by_hand() -> None:
    # the mediator at 80 drafts its ideal clipped into the box: 54 at round 9
    rec = _run(_two_sides(80.0), ProtocolSpec(draft="mediator"))
    assert (rec.deal_round == 9).all()
    np.testing.assert_allclose(rec.terms[:, 0], 54.0)


def test_mediator_pressure_blocks_the_deal() -> None:
    # pressure 0.5 pulls every text halfway from the box toward 80: 67 at round 9, 70 from
    # round 10 on; A never signs above 60, so no deal and A holds out on the issue
    rec = _run(_two_sides(80.0), ProtocolSpec(draft="mediator", pressure=0.5))
    assert (rec.deal_round == -1).all()
    assert (rec.last_actor == 0).all() and (rec.last_issue == 0).all()
    np.testing.assert_allclose(rec.trace[9]["text"], [67.0])
    np.testing.assert_allclose(rec.trace[12]["text"], [70.0])


def test_alternating_offers_by_hand() -> None:
    # A proposes at even rounds (B's position clipped into A's interval: 6t, B refuses until
    # 6t >= 100 - 6t); B at odd rounds offers 100 - 6t. Round 9 (B): 46, which A (<= 54) signs.
    rec = _run(_two_sides(), ProtocolSpec(name="alternating"))
    assert (rec.deal_round == 9).all()
    np.testing.assert_allclose(rec.terms[:, 0], 46.0)


def test_no_deal_when_limits_never_meet() -> None:
    a = ScenarioArrays.from_numpy(
        [1, 1], [[0.0], [100.0]], 0.5, veto=[True, True], reservation=np.array([[30.0], [70.0]])
    )
    rec = _run(a, ProtocolSpec())
    assert (rec.deal_round == -1).all()
    assert np.isnan(rec.terms).all()


def test_veto_on_named_issues_only() -> None:
    # C vetoes issue 1 only; on issue 0 it is far from the others, on issue 1 it agrees.
    pos = [[0.0, 50.0], [100.0, 50.0], [100.0, 50.0]]
    res = np.array([[60.0, 60.0], [40.0, 40.0], [90.0, 40.0]])
    a = ScenarioArrays.from_numpy([1, 1, 1], pos, 0.5, veto=[True, True, True], reservation=res)
    scope = np.array([[True, True], [True, True], [False, True]])
    from dataclasses import replace

    rec_scoped = _run(replace(a, veto_scope=scope), ProtocolSpec())
    rec_whole = _run(a, ProtocolSpec())
    assert (rec_scoped.deal_round == 9).all()
    # with a whole-package veto C (signs >= 90 on issue 0 at most... >= 100 - 10t/10*... )
    # holds the first issue higher: the deal comes later or not at all
    assert (rec_whole.deal_round != 9).all()


@dataclass(frozen=True, eq=False)
class _FailOnce(Environment):
    """Ratification: the first attempt fails at stage 0 ('referendum'), later ones pass."""

    def ratify(self, t, x, rng):  # type: ignore[override]
        return np.where(np.full(x.shape[0], t == 9), 0, -1).astype(np.intp)

    @property
    def stage_names(self):  # type: ignore[override]
        return ("referendum",)


def test_failed_ratification_is_recorded_and_talks_go_on() -> None:
    rec = _run(_two_sides(), ProtocolSpec(max_ratifications=2), env_cls=_FailOnce)
    assert (rec.deal_round == 10).all()
    assert (rec.ratify_failures == 1).all()
    assert rec.stage_failures.tolist() == [3]


def test_ratification_attempts_run_out() -> None:
    rec = _run(_two_sides(), ProtocolSpec(max_ratifications=1), env_cls=_FailOnce)
    assert (rec.deal_round == -1).all()
    assert (rec.rounds_run == 10).all()  # rounds 0..9, ended by the failed attempt


@dataclass(frozen=True, eq=False)
class _NoMiddle(Environment):
    """A declared contradiction: no package between 45 and 55."""

    def feasible(self, x):  # type: ignore[override]
        return ~((x[:, 0] > 45) & (x[:, 0] < 55))


def test_declared_contradiction_is_never_agreed() -> None:
    # the Nash text is 50 from round 9 on: both sign it, but it is declared contradictory
    rec = _run(_two_sides(), ProtocolSpec(), env_cls=_NoMiddle)
    assert (rec.deal_round == -1).all()
    assert not any(row["deal"] for row in rec.trace)
    assert not rec.trace[9]["vetoed"]


def test_sao_table_two_parties_by_hand() -> None:
    # outcomes' utilities (A, B): (1, 0), (0.6, 0.6), (0, 1); linear (e=1), reserved 0,
    # 3 rounds: tau = 1/4, 2/4, 3/4, aspirations 0.75, 0.5, 0.25 (less eps).
    # round 0: A offers its worst >= 0.75: (1, 0); B wants >= 0.75: no. B offers (0, 1): no.
    # round 1: A's worst >= 0.5 is (0.6, 0.6); B (>= 0.5) accepts.
    u = np.array([[1.0, 0.0], [0.6, 0.6], [0.0, 1.0]])
    out = sao_table(u, np.zeros((4, 2)), np.ones((4, 2)), 3)
    assert (out.step == 1).all() and (out.agreement == 1).all()
    np.testing.assert_allclose(out.utilities, [[0.6, 0.6]] * 4)


def test_sao_table_boulware_holds_out_longer() -> None:
    # Boulware (e = 0.25, NegMAS's exponent 4) aspires above 0.6 until 1 - tau^4 <= 0.6:
    # tau >= 0.795, i.e. round s with (s+1)/11 >= 0.795 -> s = 8 (10 rounds)
    u = np.array([[1.0, 0.0], [0.6, 0.6], [0.0, 1.0]])
    out = sao_table(u, np.zeros((1, 2)), np.full((1, 2), 0.25), 10)
    assert out.step.tolist() == [8]


def test_sao_table_no_deal_above_reservation() -> None:
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = sao_table(u, np.full((2, 2), 0.5), np.ones((2, 2)), 10)
    assert (out.agreement == -1).all()


@pytest.mark.parametrize("name", ["single_text", "alternating"])
def test_runs_with_drawn_inputs_match_single_runs(name: str) -> None:
    # a draw axis: run r uses reservation draw r; each equals the point run on that draw
    base = _two_sides()
    res = np.stack([base.reservation + d for d in ([[0], [0]], [[-20], [20]], [[10], [-10]])])
    from dataclasses import replace

    drawn = replace(
        base,
        capability=np.broadcast_to(base.capability, (3, 2)),
        position=np.broadcast_to(base.position, (3, 2, 1)),
        salience=np.broadcast_to(base.salience, (3, 2, 1)),
        reservation=res,
    )
    together = _run(drawn, ProtocolSpec(name=name), m=3)
    for r in range(3):
        alone = _run(replace(base, reservation=res[r]), ProtocolSpec(name=name), m=1)
        assert together.deal_round[r] == alone.deal_round[0]
        np.testing.assert_array_equal(together.terms[r], alone.terms[0])
