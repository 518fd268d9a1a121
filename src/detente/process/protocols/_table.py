"""What every protocol needs at the table, broadcast over ``m`` runs: positions, weights,
where vetoes bind, what each actor would sign now (its *acceptance interval*) and how far a
package falls outside it (its *objections*).

Acceptance interval of actor ``i`` on issue ``j`` at round ``t`` with concession level ``c``
(:mod:`detente.process.strategies`): with ``[lo, hi]`` its walk-away limits from
:meth:`Environment.limits` (the scale's ends where it has none) and ``a`` its position clipped
into them, ``[a - c (a - lo), a + c (hi - a)]``. Because ``c <= 1`` the interval lies within
the limits, so a package every veto player accepts is one the Environment's ``consent`` passes
(the protocols still ask ``consent`` and ``feasible`` before any deal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.utility import issue_weights
from detente.process.environment import Environment

__all__ = ["Table", "Window"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Objections smaller than this share of an issue's scale are ignored (rounding).
TOL = 1e-9


@dataclass(frozen=True)
class Window:
    """What every actor would sign at one round: ``lo``, ``hi`` ``(m, n, k)`` (``nan`` where
    absent), and the concession levels ``c`` ``(m, n)`` behind them."""

    lo: FloatArray
    hi: FloatArray
    c: FloatArray


@dataclass(frozen=True)
class Table:
    """The scenario's numbers for ``m`` runs of the talks.

    Attributes
    ----------
    pos : (m, n, k) float
        Positions, ``nan`` where absent.
    weight : (m, n, k) float
        Issue weights (salience normalised over each actor's issues; 0 where absent).
    present : (n, k) bool
    scope : (n, k) bool
        Where each actor's veto binds.
    blockers : (n,) bool
        Actors whose veto binds somewhere.
    lo, hi, span : (k,) float
        The issues' scales.
    mediator : int or None
        The mediator's index.
    """

    pos: FloatArray
    weight: FloatArray
    present: BoolArray
    scope: BoolArray
    blockers: BoolArray
    lo: FloatArray
    hi: FloatArray
    span: FloatArray
    mediator: int | None

    @classmethod
    def from_env(cls, env: Environment, mediator: int | None = None) -> Table:
        """The table for the Environment's ``m`` runs."""
        a = env.arrays
        m, n, k = env.n_runs, a.n_actors, a.n_issues
        scope = np.asarray(env.vetoes(), dtype=bool) & a.present
        return cls(
            pos=np.broadcast_to(a.position, (m, n, k)),
            weight=np.broadcast_to(issue_weights(a), (m, n, k)),
            present=np.asarray(a.present, dtype=bool),
            scope=scope,
            blockers=np.asarray(scope.any(axis=1), dtype=bool),
            lo=np.asarray(a.lo, dtype=float),
            hi=np.asarray(a.hi, dtype=float),
            span=np.asarray(a.span, dtype=float),
            mediator=mediator,
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        m, n, k = self.pos.shape
        return m, n, k

    # ----------------------------------------------------------- acceptance
    def walkaway_bounds(self, env_lo: FloatArray, env_hi: FloatArray) -> tuple[FloatArray, ...]:
        """Limits with the scale's ends where an actor has none, ``(m, n, k)`` each."""
        lo = np.where(np.isnan(env_lo), self.lo, env_lo)
        hi = np.where(np.isnan(env_hi), self.hi, env_hi)
        return lo, hi

    def window(self, env_lo: FloatArray, env_hi: FloatArray, c: FloatArray) -> Window:
        """Acceptance intervals (module docstring) for concession levels ``c`` ``(m, n)``."""
        lo, hi = self.walkaway_bounds(env_lo, env_hi)
        a = np.clip(self.pos, lo, np.maximum(lo, hi))
        cc = c[:, :, None]
        return Window(a - cc * (a - lo), a + cc * (hi - a), c)

    def shortfall(self, x: FloatArray, w: Window) -> tuple[FloatArray, FloatArray]:
        """How far package ``x`` ``(m, k)`` lies below / above each actor's interval, as a
        share of the scale, ``(m, n, k)`` each (0 inside it or where absent)."""
        xx = x[:, None, :]
        below = np.nan_to_num((w.lo - xx) / self.span, nan=0.0)
        above = np.nan_to_num((xx - w.hi) / self.span, nan=0.0)
        return np.maximum(below, 0.0), np.maximum(above, 0.0)

    def objections(self, x: FloatArray, w: Window) -> tuple[BoolArray, FloatArray, FloatArray]:
        """``(m, n, k)``: where each actor objects to ``x`` (outside its interval by more than
        :data:`TOL`), and the shortfalls below and above."""
        below, above = self.shortfall(x, w)
        return (below > TOL) | (above > TOL), below, above

    def vetoed(self, objects: BoolArray) -> BoolArray:
        """``(m,)``: some veto player objects on an issue where its veto binds."""
        return np.asarray((objects & self.scope).any(axis=(1, 2)), dtype=bool)

    # ------------------------------------------------------------ the box
    def common_box(self, w: Window) -> tuple[FloatArray, FloatArray]:
        """``(m, k)`` each: the highest lower end and the lowest upper end of the veto
        players' intervals where their vetoes bind (the scale where none binds). Where
        ``lo > hi`` the issue is blocked: no value satisfies them all."""
        s = self.scope[None]
        low = np.where(s, w.lo, -np.inf).max(axis=1)
        high = np.where(s, w.hi, np.inf).min(axis=1)
        low = np.where(np.isneginf(low), self.lo, low)
        high = np.where(np.isposinf(high), self.hi, high)
        return low, high

    # ----------------------------------------------------------- utilities
    def utilities(self, x: FloatArray) -> FloatArray:
        """``(m, n)``: each actor's utility of ``x`` (:func:`detente.bargaining.package_utility`
        with linear loss)."""
        d = np.abs(x[:, None, :] - np.nan_to_num(self.pos)) / self.span
        return np.asarray((self.weight * (1.0 - np.clip(d, 0.0, 1.0))).sum(axis=-1), dtype=float)

    def contribution(self, j: int, values: FloatArray, who: NDArray[np.intp]) -> FloatArray:
        """``(m, C, len(who))``: the weighted utility of ``values`` ``(m, C)`` on issue ``j``."""
        p = np.nan_to_num(self.pos[:, who, j])[:, None, :]
        d = np.clip(np.abs(values[:, :, None] - p) / self.span[j], 0.0, 1.0)
        return np.asarray(self.weight[:, who, j][:, None, :] * (1.0 - d), dtype=float)
