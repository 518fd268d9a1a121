"""Multilateral alternating offers (stacked alternating offers, SAO), two forms.

**Over a scenario** (:func:`scenario_offer`, run by :mod:`._engine`): the parties take turns
(round ``t``: party ``t mod P``; the parties are the veto players, or every actor where there
are none). The proposer offers, on each issue, the value closest to where the others stand
(the mean position of the other parties present) among the values it would sign now (its
acceptance interval, :class:`~._table.Window`); on an issue where only it takes part, its own
position. Every other party responds: it accepts when the offer lies within what it would
sign now; a deal needs every veto player's acceptance where its veto binds (then the
Environment's ``consent``, ``feasible`` and ratification, as for the single text).

**Over a discrete outcome table** (:func:`sao_table`: the GENIUS-style comparison with NegMAS,
outcomes enumerated, utilities given), ``m`` negotiations at once, as NegMAS's
``SAOMechanism`` runs its time-based negotiators (``BoulwareTBNegotiator`` and kin): in round
``s`` of ``n_steps`` every party proposes once, in order, and the others answer each offer;
the relative time is ``τ = (s + 1) / (n_steps + 1)``; party ``i``'s aspiration level is
``lo_i + (hi_i - lo_i)(1 - τ^(1/e_i))`` between ``lo_i`` (its reserved value, or its worst
utility if higher) and ``hi_i`` (its best): Faratin's polynomial tactic with ``κ = 0``. The
proposer offers its *worst* outcome at or above its aspiration; every other party accepts an
offer at or above its own; the first offer all others accept is the agreement; none by the
last round: no agreement.

References
----------
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica* 50, 97–109.

Aydoğan, R., Festen, D., Hindriks, K. V. & Jonker, C. M. (2017). Alternating offers protocols
for multilateral negotiation. In *Modern Approaches to Agent-based Complex Automated
Negotiation*, 153–167. Springer.

Faratin, P., Sierra, C. & Jennings, N. R. (1998), see :mod:`detente.process.strategies`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.process.protocols._table import Table, Window

__all__ = ["SaoOutcome", "parties", "sao_table", "scenario_offer"]

FloatArray = NDArray[np.float64]


def parties(table: Table) -> NDArray[np.intp]:
    """The parties that take turns: the veto players, else every actor at the table."""
    who = np.flatnonzero(table.blockers)
    return who if who.size else np.flatnonzero(table.present.any(axis=1))


def scenario_offer(table: Table, w: Window, t: int) -> FloatArray:
    """The offer of round ``t``'s proposer (module docstring), ``(m, k)``."""
    who = parties(table)
    i = int(who[t % who.size])
    others = who[who != i]
    pos = table.pos[:, others, :]
    with np.errstate(invalid="ignore"):
        cnt = (~np.isnan(pos)).sum(axis=1)
        target = np.where(cnt > 0, np.nansum(pos, axis=1) / np.maximum(cnt, 1), np.nan)
    own = table.pos[:, i, :]
    target = np.where(np.isnan(target), own, target)
    target = np.where(np.isnan(target), 0.5 * (table.lo + table.hi), target)
    lo, hi = w.lo[:, i, :], w.hi[:, i, :]
    return np.asarray(np.where(np.isnan(lo), target, np.clip(target, lo, hi)), dtype=float)


@dataclass(frozen=True)
class SaoOutcome:
    """``m`` negotiations over an outcome table.

    Attributes
    ----------
    agreement : (m,) int
        The agreed outcome's row, ``-1`` for none.
    step : (m,) int
        The step at which it was agreed (``-1`` for none).
    utilities : (m, n) float
        Each party's utility of the agreement (``nan`` for none).
    """

    agreement: NDArray[np.intp]
    step: NDArray[np.intp]
    utilities: FloatArray

    @property
    def agreed(self) -> NDArray[np.bool_]:
        return self.agreement >= 0


def sao_table(
    utilities: FloatArray,
    reserved: FloatArray,
    e: FloatArray,
    n_steps: int,
    *,
    eps: float = 1e-4,
) -> SaoOutcome:
    """Run ``m`` SAO negotiations over one outcome table (module docstring).

    Parameters
    ----------
    utilities : (N, n) float
        Every outcome's utility to every party.
    reserved : (m, n) float
        Reserved values per negotiation.
    e : (m, n) float
        Faratin exponents per negotiation and party (NegMAS's aspiration exponent is 1/e).
    n_steps : int
        Rounds before the deadline (>= 1); in each, every party proposes once, in order.
    eps : float
        Tolerance below the aspiration level an offer may fall and still be made or accepted.

    Steps: sort each party's outcomes by utility once; each party's floor ``lo = max(min u,
    r)`` and top ``hi = max u``; per round ``s`` (relative time ``τ = (s+1)/(n_steps+1)``)
    and proposer ``p``: the thresholds ``lo + (hi - lo)(1 - τ^(1/e)) - eps`` (not below
    ``lo``), the proposer's offer (its worst outcome at or above its threshold), the others'
    answers (at or above theirs), agreements recorded and finished negotiations dropped.
    """
    u = np.asarray(utilities, dtype=float)
    m = reserved.shape[0]
    n_out, n = u.shape
    order = np.argsort(u, axis=0, kind="stable")  # (N, n) ascending
    sorted_u = np.take_along_axis(u, order, axis=0)
    floor = np.maximum(u.min(axis=0), reserved)  # (m, n)
    top = np.broadcast_to(u.max(axis=0), floor.shape)
    inv_e = 1.0 / np.asarray(e, dtype=float)
    agreement = np.full(m, -1, dtype=np.intp)
    step = np.full(m, -1, dtype=np.intp)
    live = np.arange(m)
    for s in range(n_steps):
        tau = (s + 1) / (n_steps + 1)
        asp = 1.0 - tau ** inv_e[live]
        thr = np.maximum(floor[live] + (top[live] - floor[live]) * asp - eps, floor[live])
        for p in range(n):
            if live.size == 0:
                break
            idx = np.searchsorted(sorted_u[:, p], thr[:, p], side="left")
            offer = order[np.minimum(idx, n_out - 1), p]
            ok = u[offer] >= thr
            ok[:, p] = True
            deal = ok.all(axis=1)
            agreement[live[deal]] = offer[deal]
            step[live[deal]] = s
            live, thr = live[~deal], thr[~deal]
    util = np.where(agreement[:, None] >= 0, u[np.maximum(agreement, 0)], np.nan)
    return SaoOutcome(agreement, step, util)
