"""The world around the table, round by round: what each actor would sign at each date.

The seam between the protocols (:mod:`detente.process.protocols`, which run the talks) and
everything that moves outside them, built from the scenario's ``process`` block
(:mod:`detente.scenario.process_spec`): driver series and their draws, shocks with a date or
a hazard, walk-aways that move with time and drivers, each side's battlefield expectations
converging on the realised series, linked limits, declared contradictions, ordering demands
and ratification stages. Without a block (or with an empty one) it is the static default:
limits are the scenario's reservation points at every round, every package is feasible,
nothing needs ratifying. Equations and references: docs/explanation/process-world.md.

Shapes: ``m`` runs, ``n`` actors, ``k`` issues, ``T`` rounds, ``S`` shocks. A package is
``(m, k)`` in issue units (one per run). Every method is vectorised over runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from detente.process.world_limits import (
    CompiledWorld,
    compile_world,
    conditions_hold,
    ordering_conflicts,
    stage_pass_probability,
)
from detente.process.world_series import draw_shock_days, driver_value, months
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.process_spec import ProcessSpec

__all__ = ["Environment"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Environment:
    """``m`` runs of the world around the talks over ``T`` rounds.

    Parameters
    ----------
    arrays : ScenarioArrays
        The scenario, either single or with a leading draw axis of length ``m`` (one draw of
        the uncertain inputs per run; see :class:`detente.scenario.draws.InputDraws`).
    spec : ProcessSpec or None
        The scenario's ``process`` block.
    n_runs : int
        ``m``.
    n_rounds : int
        ``T``.
    start : datetime.date
        The date of round 0.
    values : mapping of str to (m,) float
        Draws of process inputs (``"driver:<id>"`` multipliers on a driver's values after the
        start, ``"shock:<id>"`` probabilities of dated shocks or monthly hazards).
    shock_days : (m, S) float, optional
        Per run, the day after ``start`` on which each shock happens (``inf``: never); set by
        :meth:`realise`. Before that, no shock has happened.
    """

    arrays: ScenarioArrays
    spec: ProcessSpec | None
    n_runs: int
    n_rounds: int
    start: dt.date
    values: Mapping[str, FloatArray] = field(default_factory=dict)
    shock_days: FloatArray | None = None

    # ------------------------------------------------------------------ time
    @property
    def round_days(self) -> int:
        """Days between rounds."""
        return self.spec.round_days if self.spec is not None else 7

    def date(self, t: int) -> dt.date:
        """The date of round ``t``."""
        return self.start + dt.timedelta(days=self.round_days * t)

    @cached_property
    def _world(self) -> CompiledWorld:
        return compile_world(self.arrays, self.spec)

    @cached_property
    def _tol(self) -> FloatArray:
        return np.asarray(1e-9 * self.arrays.span, dtype=float)

    # ------------------------------------------------------------- sampling
    def realise(self, rng: np.random.Generator) -> Environment:
        """Draw this chunk's random events (the shock days, ``(m, S)``) once, before round 0.

        Returns a new Environment with :attr:`shock_days` set (``self`` when there are no
        shocks). The draws follow the shocks' order, one vector each (see
        :func:`~detente.process.world_series.draw_shock_days`).
        """
        if self.spec is None or not self.spec.shocks:
            return self
        days = draw_shock_days(self.spec.shocks, self.start, self.n_runs, rng, self.values)
        return replace(self, shock_days=days)

    def _active(self, t: int) -> BoolArray:
        """``(m, S)``: which shocks have happened by round ``t``."""
        s = 0 if self.spec is None else len(self.spec.shocks)
        if self.shock_days is None:
            return np.zeros((self.n_runs, s), dtype=bool)
        return np.asarray(self.shock_days <= self.round_days * t, dtype=bool)

    # -------------------------------------------------------------- drivers
    def driver(self, t: int, driver_id: str) -> FloatArray:
        """``(m,)``: the driver's value at round ``t`` in each run.

        The series (or its extension) at the round's date, times the run's multiplier
        ``values["driver:<id>"]`` from round 1 on, times the factor of every shock on the
        driver that has happened by then.
        """
        if self.spec is None:
            raise KeyError(driver_id)
        ids = [d.id for d in self.spec.drivers]
        d = ids.index(driver_id)
        base = driver_value(self.spec.drivers[d], self.date(t))
        out = np.full(self.n_runs, base)
        mult = self.values.get(f"driver:{driver_id}")
        if mult is not None and t > 0:
            out = out * np.asarray(mult, dtype=float)
        active = self._active(t)
        for s, dd, factor in self._world.shock_driver:
            if dd == d:
                out = np.where(active[:, s], out * factor, out)
        return out

    def _perceived(self, t: int, a: int, d: int) -> tuple[FloatArray, FloatArray]:
        """Actor ``a``'s reading of driver ``d`` at round ``t`` and at round 0, ``(m,)`` each.

        Without an expectation, the realised values. With one (``E``, rate ``lambda``): the
        realised value plus the start gap ``E - D(0)`` shrunk by ``exp(-lambda * months)``;
        at round 0 that is ``E``.
        """
        drivers = self.spec.drivers if self.spec is not None else []
        did = drivers[d].id
        now, then = self.driver(t, did), self.driver(0, did)
        e = self._world.expect.get((a, d))
        if e is None:
            return now, then
        expected, rate = e
        decay = float(np.exp(-rate * months(self.round_days * t)))
        return now + (expected - then) * decay, np.full(self.n_runs, expected)

    def shift(self, t: int) -> FloatArray:
        """``(m, n, k)``: how far each signable interval's half-width has moved by round ``t``.

        ``delta_ij(t) = c_ij * M(t) + sum_d b_ijd * (Dtilde_id(t) - ref_ijd)
        + sum_s shift_sij * [shock s happened by t]`` with ``M(t)`` the months since the start,
        ``c`` the cost of delay, ``b`` the sensitivities and ``ref`` the reference (default: the
        actor's reading at round 0). Positive: the actor signs more.
        """
        w = self._world
        n, k = self.arrays.n_actors, self.arrays.n_issues
        out = np.broadcast_to(w.delay * months(self.round_days * t), (self.n_runs, n, k)).copy()
        for a, j, d, per_unit, ref in w.sens:
            now, then = self._perceived(t, a, d)
            out[:, a, j] += per_unit * (now - (then if ref is None else ref))
        active = self._active(t)
        for s, a, j, sh in w.shock_limit:
            out[:, a, j] += np.where(active[:, s], sh, 0.0)
        return out

    # --------------------------------------------------------------- limits
    def _position(self) -> FloatArray:
        shape = (self.n_runs, self.arrays.n_actors, self.arrays.n_issues)
        return np.broadcast_to(np.asarray(self.arrays.position, dtype=float), shape)

    @staticmethod
    def _interval(
        radius: FloatArray, pos: FloatArray, lo: FloatArray, hi: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``[pos - r, pos + r]`` with ``r = max(radius, 0)``, clipped to ``[lo, hi]``."""
        r = np.maximum(radius, 0.0)
        return np.maximum(pos - r, lo), np.minimum(pos + r, hi)

    def limits(self, t: int) -> tuple[FloatArray, FloatArray]:
        """Each actor's signable interval per issue at round ``t``: ``(lo, hi)``, ``(m, n, k)``.

        ``[p - rho, p + rho]`` clipped to the scale, ``rho = max(0, |r - p| + delta(t))``
        (:meth:`shift`). ``nan`` where the actor has no limit on the issue. Linked limits are
        package-dependent and applied by :meth:`effective_limits`.
        """
        pos = self._position()
        res = np.broadcast_to(np.asarray(self.arrays.reservation, dtype=float), pos.shape)
        known = np.broadcast_to(self.arrays.present, pos.shape) & ~np.isnan(res)
        lo, hi = self._interval(
            np.abs(res - pos) + self.shift(t), pos, self.arrays.lo, self.arrays.hi
        )
        return np.where(known, lo, np.nan), np.where(known, hi, np.nan)

    def effective_limits(self, t: int, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(lo, hi)`` ``(m, n, k)`` at round ``t`` for packages ``x``: linked limits applied.

        Where a linked limit's conditions hold for the run's package, its reservation point
        replaces the actor's ordinary one on that issue (moving with the same shift).
        """
        lo, hi = self.limits(t)
        if not self._world.linked:
            return lo, hi
        xx = np.asarray(x, dtype=float)
        lo, hi = lo.copy(), hi.copy()
        pos = self._position()
        delta = self.shift(t)
        for ll in self._world.linked:
            on = conditions_hold(ll.when, xx, self._tol)
            p = pos[:, ll.actor, ll.issue]
            j = ll.issue
            rad = abs(ll.reservation - p) + delta[:, ll.actor, j]
            l2, h2 = self._interval(rad, p, self.arrays.lo[j], self.arrays.hi[j])
            lo[:, ll.actor, ll.issue] = np.where(on, l2, lo[:, ll.actor, ll.issue])
            hi[:, ll.actor, ll.issue] = np.where(on, h2, hi[:, ll.actor, ll.issue])
        return lo, hi

    def blocking(self, t: int, x: FloatArray) -> BoolArray:
        """``(m, n, k)``: where package ``x`` lies outside an actor's (effective) limit."""
        lo, hi = self.effective_limits(t, x)
        xx = np.asarray(x, dtype=float)[:, None, :]
        tol = self._tol
        out = ~np.isnan(lo) & ((xx < lo - tol) | (xx > hi + tol))
        return np.asarray(out, dtype=bool)

    def vetoes(self) -> BoolArray:
        """``(n, k)``: on which issues each actor's consent is needed."""
        return np.asarray(self.arrays.vetoes())

    def accepts(self, t: int, x: FloatArray, tol: float = 1e-9) -> BoolArray:
        """``(m, n)``: whether each actor would sign package ``x`` (``(m, k)``) at round ``t``.

        Within its limits on every issue where it has one (linked limits applied).
        """
        return np.asarray(~self.blocking(t, x).any(axis=-1), dtype=bool)

    def consent(self, t: int, x: FloatArray) -> BoolArray:
        """``(m, n)``: whether each actor whose veto binds somewhere lets ``x`` pass at ``t``.

        True for actors without a veto. An actor with a veto on named issues only checks
        those issues (linked limits applied).
        """
        scope = self.vetoes()[None, :, :]
        return np.asarray(~(self.blocking(t, x) & scope).any(axis=-1), dtype=bool)

    # -------------------------------------------------------- package rules
    def contradicted(self, x: FloatArray) -> BoolArray:
        """``(m, C)``: which declared contradictions package ``x`` meets."""
        xx = np.asarray(x, dtype=float)
        cols = [conditions_hold(c, xx, self._tol) for _, c in self._world.contradictions]
        if not cols:
            return np.zeros((xx.shape[0], 0), dtype=bool)
        return np.stack(cols, axis=1)

    @property
    def contradiction_names(self) -> tuple[str, ...]:
        """The declared contradictions' ids, in order."""
        return tuple(name for name, _ in self._world.contradictions)

    def feasible(self, x: FloatArray) -> BoolArray:
        """``(m,)``: the package is not one the scenario declares self-contradictory."""
        return np.asarray(~self.contradicted(x).any(axis=1), dtype=bool)

    def linked_used(self, t: int, x: FloatArray) -> BoolArray:
        """``(m, L)``: where a linked limit is what lets its actor sign ``x`` on its issue.

        The conditions hold, ``x`` lies within the linked interval and outside the ordinary
        one.
        """
        xx = np.asarray(x, dtype=float)
        if not self._world.linked:
            return np.zeros((xx.shape[0], 0), dtype=bool)
        lo, hi = self.limits(t)
        elo, ehi = self.effective_limits(t, xx)
        cols = []
        for ll in self._world.linked:
            a, j, v = ll.actor, ll.issue, xx[:, ll.issue]
            inside = (v >= elo[:, a, j] - self._tol[j]) & (v <= ehi[:, a, j] + self._tol[j])
            base_ok = np.isnan(lo[:, a, j]) | (
                (v >= lo[:, a, j] - self._tol[j]) & (v <= hi[:, a, j] + self._tol[j])
            )
            cols.append(conditions_hold(ll.when, xx, self._tol) & inside & ~base_ok)
        return np.stack(cols, axis=1)

    def required_stages(self, t: int, x: FloatArray) -> BoolArray:
        """``(m, S)``: which ratification stages package ``x`` needs at round ``t``."""
        xx = np.asarray(x, dtype=float)
        w = self._world
        req = (
            np.stack([conditions_hold(st.required_if, xx, self._tol) for st in w.stages], axis=1)
            if w.stages
            else np.zeros((xx.shape[0], 0), dtype=bool)
        )
        if w.linked and w.stages:
            used = self.linked_used(t, xx)
            for n, ll in enumerate(w.linked):
                if ll.stage >= 0:
                    req[:, ll.stage] |= used[:, n]
        return req

    def pass_probability(self, x: FloatArray) -> FloatArray:
        """``(m, S)``: each stage's chance of passing ``x`` (whether needed or not)."""
        xx = np.asarray(x, dtype=float)
        if not self._world.stages:
            return np.zeros((xx.shape[0], 0))
        return np.stack([stage_pass_probability(st, xx) for st in self._world.stages], axis=1)

    def ratify(self, t: int, x: FloatArray, rng: np.random.Generator) -> NDArray[np.intp]:
        """``(m,)``: ``-1`` where the agreed package passes every ratification stage, else the
        index of the first stage that fails (see :attr:`stage_names`).

        One uniform draw per run and stage (drawn for every stage, needed or not, so the draws
        do not depend on the terms): stage ``s`` fails where it is needed and ``U >= P(pass)``.
        """
        xx = np.asarray(x, dtype=float)
        m = xx.shape[0]
        if not self._world.stages:
            return np.full(m, -1, dtype=np.intp)
        u = rng.random((m, len(self._world.stages)))
        fail = self.required_stages(t, xx) & (u >= self.pass_probability(xx))
        first = np.argmax(fail, axis=1)
        return np.where(fail.any(axis=1), first, -1).astype(np.intp)

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The ratification stages, in order."""
        return tuple(st.id for st in self._world.stages)

    @property
    def stage_days(self) -> tuple[int, ...]:
        """How many days each ratification stage takes, in order."""
        return tuple(st.days for st in self._world.stages)

    def ordering_conflicts(self) -> list[dict[str, object]]:
        """Ordering demands that exclude each other (cycles), with their actors and sources."""
        return ordering_conflicts(self.spec)
