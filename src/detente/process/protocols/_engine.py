"""The round loop every protocol shares: limits, concessions, a text, objections, consent,
feasibility and ratification, over ``m`` runs at once.

Per round ``t`` of runs still talking:

1. the Environment's walk-away limits at ``t`` (:meth:`Environment.limits`);
2. each actor's concession level (:class:`~detente.process.strategies.Concession`) and so what
   it would sign now (:meth:`~._table.Table.window`);
3. the protocol's text: the mediator's draft (single text) or the proposer's offer
   (alternating offers);
4. objections: where the text lies outside what each actor would sign; a veto player's
   objection where its veto binds blocks it;
5. a text no veto blocks is a deal candidate only if :meth:`Environment.consent` (every veto
   player where its veto binds) and :meth:`Environment.feasible` (no declared contradiction)
   pass it; it then goes to :meth:`Environment.ratify`. A pass ends the run with a deal; a
   failure is recorded (the stage that failed) and the talks go on with the next round's
   revised text, up to ``max_ratifications`` attempts, after which the run ends without a deal.

What is recorded per run: the round of the deal (``-1``: none), its terms, the ratification
failures, the veto player and issue with the widest objection at the first round (*who
objects first, on what*) and at the run's last round of talks (*who holds out, on what*).
Per actor and issue: in how many run-rounds it objected. For run 0 (the representative run):
the text and the objections of every round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.process.environment import Environment
from detente.process.protocols._table import Table, Window
from detente.process.strategies import Concession

__all__ = ["TalkRecord", "run_talks"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Drafter = Callable[[int, Window, "FloatArray | None"], FloatArray]


@dataclass
class TalkRecord:
    """What ``m`` runs of the talks produced (see the module docstring).

    Attributes
    ----------
    deal_round : (m,) int
    terms : (m, k) float
    ratify_failures : (m,) int
    stage_failures : (S,) int
        Failed ratifications per stage.
    first_actor, first_issue, last_actor, last_issue : (m,) int
        ``-1`` where no veto player objected.
    objections : (n, k) int
        Run-rounds in which each actor objected on each issue.
    rounds_run : (m,) int
        Rounds each run talked.
    trace : list of dict
        Run 0, round by round: ``round``, ``text`` (k,), ``objections``
        [(actor, issue, "up"/"down", share)], ``vetoed``, ``deal``, ``ratified``.
    """

    deal_round: IntArray
    terms: FloatArray
    ratify_failures: IntArray
    stage_failures: IntArray
    first_actor: IntArray
    first_issue: IntArray
    last_actor: IntArray
    last_issue: IntArray
    objections: NDArray[np.int64]
    rounds_run: IntArray
    trace: list[dict[str, Any]] = field(default_factory=list)


def _empty_record(m: int, n: int, k: int, n_stages: int) -> TalkRecord:
    minus = np.full(m, -1, dtype=np.intp)
    return TalkRecord(
        deal_round=minus.copy(),
        terms=np.full((m, k), np.nan),
        ratify_failures=np.zeros(m, dtype=np.intp),
        stage_failures=np.zeros(max(n_stages, 1), dtype=np.intp),
        first_actor=minus.copy(),
        first_issue=minus.copy(),
        last_actor=minus.copy(),
        last_issue=minus.copy(),
        objections=np.zeros((n, k), dtype=np.int64),
        rounds_run=np.zeros(m, dtype=np.intp),
    )


def run_talks(
    env: Environment,
    table: Table,
    concession: Concession,
    drafter: Drafter,
    *,
    max_ratifications: int,
    rng: np.random.Generator,
    trace: bool = True,
) -> TalkRecord:
    """Run the talks for ``env.n_runs`` runs over ``env.n_rounds`` rounds (module docstring).

    Steps: realise the Environment's random events; then each round: limits, concessions,
    the text, objections, the deal check, ratification, the record.
    """
    m, n, k = table.shape
    env = env.realise(rng)
    rec = _empty_record(m, n, k, len(env.stage_names))
    done = np.zeros(m, dtype=bool)
    text: FloatArray | None = None
    for t in range(env.n_rounds):
        if done.all():
            break
        lo, hi = env.limits(t)
        w = table.window(np.asarray(lo), np.asarray(hi), concession.levels(t))
        text = drafter(t, w, text)
        objects, below, above = table.objections(text, w)
        live = ~done
        rec.objections += objects[live].sum(axis=0)
        rec.rounds_run[live] += 1
        _blockers(rec, table, below + above, live, first=t == 0)
        blocked = table.vetoed(objects)
        candidate = live & ~blocked
        if candidate.any():
            candidate &= np.asarray(env.consent(t, text), dtype=bool).all(axis=1)
            candidate &= np.asarray(env.feasible(text), dtype=bool)
        ratified = _ratify(env, rec, t, text, candidate, done, max_ratifications, rng)
        if trace and live[0]:
            rec.trace.append(_trace_row(table, t, text, below, above, blocked, candidate, ratified))
    return rec


def _blockers(rec: TalkRecord, table: Table, short: FloatArray, live: Any, first: bool) -> None:
    """Record, for live runs, the veto player and issue with the widest binding objection."""
    s = np.where(table.scope[None], short, 0.0).reshape(short.shape[0], -1)
    best = np.argmax(s, axis=1)
    has = (s[np.arange(s.shape[0]), best] > 0) & live
    k = short.shape[2]
    actor, issue = np.where(has, best // k, -1), np.where(has, best % k, -1)
    upd = live
    rec.last_actor[upd] = actor[upd]
    rec.last_issue[upd] = issue[upd]
    if first:
        rec.first_actor[:] = actor
        rec.first_issue[:] = issue


def _ratify(
    env: Environment,
    rec: TalkRecord,
    t: int,
    text: FloatArray,
    candidate: Any,
    done: Any,
    max_ratifications: int,
    rng: np.random.Generator,
) -> Any:
    """Put the candidate texts to ratification; record deals and failures; update ``done``.

    Returns the (m,) bool of runs whose text was ratified this round."""
    ratified = np.zeros(done.shape[0], dtype=bool)
    if not candidate.any():
        return ratified
    stage = np.asarray(env.ratify(t, text, rng))
    ratified = candidate & (stage < 0)
    failed = candidate & (stage >= 0)
    rec.deal_round[ratified] = t
    rec.terms[ratified] = text[ratified]
    if failed.any():
        rec.ratify_failures[failed] += 1
        np.add.at(rec.stage_failures, stage[failed], 1)
    done |= ratified | (failed & (rec.ratify_failures >= max_ratifications))
    return ratified


def _trace_row(
    table: Table,
    t: int,
    text: FloatArray,
    below: FloatArray,
    above: FloatArray,
    blocked: Any,
    candidate: Any,
    ratified: Any,
) -> dict[str, Any]:
    """Run 0's round ``t``: its text and objections."""
    obj = []
    for i, j in zip(*np.nonzero((below[0] > 1e-9) | (above[0] > 1e-9)), strict=True):
        up = below[0, i, j] > 0
        share = float(below[0, i, j] if up else above[0, i, j])
        obj.append((int(i), int(j), "up" if up else "down", share, bool(table.scope[i, j])))
    return {
        "round": t,
        "text": text[0].copy(),
        "objections": obj,
        "vetoed": bool(blocked[0]),
        "deal": bool(candidate[0]),
        "ratified": bool(ratified[0]),
    }
