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
outcomes enumerated, utilities given), ``m`` negotiations at once. Step ``s`` (0-based) of
``n_steps``; the proposer is party ``s mod n``; its time is ``τ = s / (n_steps - 1)`` and its
aspiration ``a_i(τ) = r_i + (1 - r_i)(1 - τ^(1/e_i))`` with ``r_i`` its reserved value and
utilities scaled so that its best outcome is 1 (Faratin's polynomial tactic with ``κ = 0``
written as an aspiration). The proposer offers an outcome drawn uniformly among those with
utility in ``[a_i, a_i + band]`` for it (the worst outcome above ``a_i`` when none lies in the
band); every other party accepts an offer worth at least its own aspiration at that step; the
first offer all others accept is the agreement; none by the last step: no agreement.

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
    band: float = 0.05,
    rng: np.random.Generator | int | None = None,
) -> SaoOutcome:
    """Run ``m`` SAO negotiations over one outcome table (module docstring).

    Parameters
    ----------
    utilities : (N, n) float
        Every outcome's utility to every party, each column's maximum 1.
    reserved : (m, n) float
        Reserved values per negotiation.
    e : (m, n) float
        Faratin exponents per negotiation and party.
    n_steps : int
        Offers before the deadline (>= 2).
    band : float
        Width of the utility band the proposer draws its offer from.
    rng : numpy Generator, seed or None

    Steps: sort each party's outcomes by utility once; per step, every negotiation's
    proposer draws its offer from its band (a random position inside the sorted run of
    outcomes in the band), the others compare it with their aspirations, agreements are
    recorded and finished negotiations drop out.
    """
    rng = np.random.default_rng(rng)
    u = np.asarray(utilities, dtype=float)
    m = reserved.shape[0]
    n_out, n = u.shape
    order = np.argsort(u, axis=0, kind="stable")  # (N, n) ascending
    sorted_u = np.take_along_axis(u, order, axis=0)
    agreement = np.full(m, -1, dtype=np.intp)
    step = np.full(m, -1, dtype=np.intp)
    live = np.arange(m)
    for s in range(n_steps):
        if live.size == 0:
            break
        tau = s / (n_steps - 1)
        asp = reserved[live] + (1.0 - reserved[live]) * (1.0 - tau ** (1.0 / e[live]))
        p = s % n
        col = sorted_u[:, p]
        a = np.searchsorted(col, asp[:, p], side="left")
        b = np.searchsorted(col, asp[:, p] + band, side="right")
        a = np.minimum(a, n_out - 1)
        b = np.maximum(b, a + 1)
        pick = a + np.floor(rng.random(live.size) * (b - a)).astype(np.intp)
        offer = order[np.minimum(pick, n_out - 1), p]
        ok = u[offer] >= asp - 1e-12  # (live, n)
        ok[:, p] = u[offer, p] >= reserved[live, p]
        deal = ok.all(axis=1)
        agreement[live[deal]] = offer[deal]
        step[live[deal]] = s
        live = live[~deal]
    util = np.where(agreement[:, None] >= 0, u[np.maximum(agreement, 0)], np.nan)
    return SaoOutcome(agreement, step, util)
