"""The world around the table, round by round: what each actor would sign at each date.

OWNER: the process-environment work. This is the seam between the protocols
(:mod:`detente.process.protocols`, which run the talks) and everything that moves outside
them (driver series, shocks, walk-aways that move with the war, linked limits, declared
contradictions, sequencing, ratification). Written before that work began with a *static*
default: limits are the scenario's reservation points at every round, every package is
feasible, nothing needs ratifying. The owner replaces the internals; the method names and
shapes below are what the protocols call (keep them).

Shapes: ``m`` runs, ``n`` actors, ``k`` issues, ``T`` rounds. A package is ``(m, k)`` in issue
units (one per run). Every method is vectorised over runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.acceptable import signable_intervals
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
        Draws of process inputs (``"driver:<id>"`` multipliers, ``"shock:<id>"`` probabilities).
    """

    arrays: ScenarioArrays
    spec: ProcessSpec | None
    n_runs: int
    n_rounds: int
    start: dt.date
    values: Mapping[str, FloatArray] = field(default_factory=dict)

    # ------------------------------------------------------------------ time
    @property
    def round_days(self) -> int:
        """Days between rounds."""
        return self.spec.round_days if self.spec is not None else 7

    def date(self, t: int) -> dt.date:
        """The date of round ``t``."""
        return self.start + dt.timedelta(days=self.round_days * t)

    # ------------------------------------------------------------- sampling
    def realise(self, rng: np.random.Generator) -> Environment:
        """Draw this chunk's random events (shock dates) once, before round 0.

        The static default has none and returns ``self``.
        """
        return self

    # --------------------------------------------------------------- limits
    def limits(self, t: int) -> tuple[FloatArray, FloatArray]:
        """Each actor's signable interval per issue at round ``t``: ``(lo, hi)``, ``(m, n, k)``.

        ``nan`` where the actor has no limit on the issue.
        """
        lo, hi = signable_intervals(self.arrays)
        shape = (self.n_runs, self.arrays.n_actors, self.arrays.n_issues)
        return np.broadcast_to(lo, shape), np.broadcast_to(hi, shape)

    def vetoes(self) -> BoolArray:
        """``(n, k)``: on which issues each actor's consent is needed."""
        return np.asarray(self.arrays.vetoes())

    def accepts(self, t: int, x: FloatArray, tol: float = 1e-9) -> BoolArray:
        """``(m, n)``: whether each actor would sign package ``x`` (``(m, k)``) at round ``t``.

        Within its limits on every issue where it has one (linked limits applied).
        """
        lo, hi = self.limits(t)
        xx = np.asarray(x, dtype=float)[:, None, :]
        slack = tol * self.arrays.span
        ok = np.where(np.isnan(lo), True, (xx >= lo - slack) & (xx <= hi + slack))
        return np.asarray(ok.all(axis=-1), dtype=bool)

    def consent(self, t: int, x: FloatArray) -> BoolArray:
        """``(m, n)``: whether each actor whose veto binds somewhere lets ``x`` pass at ``t``.

        True for actors without a veto. An actor with a veto on named issues only checks
        those issues.
        """
        lo, hi = self.limits(t)
        xx = np.asarray(x, dtype=float)[:, None, :]
        ok = np.where(
            np.isnan(lo),
            True,
            (xx >= lo - 1e-9 * self.arrays.span) & (xx <= hi + 1e-9 * self.arrays.span),
        )
        scope = self.vetoes()[None, :, :]
        return np.asarray((ok | ~scope).all(axis=-1), dtype=bool)

    def feasible(self, x: FloatArray) -> BoolArray:
        """``(m,)``: the package is not one the scenario declares self-contradictory."""
        return np.ones(np.asarray(x).shape[0], dtype=bool)

    def ratify(self, t: int, x: FloatArray, rng: np.random.Generator) -> NDArray[np.intp]:
        """``(m,)``: ``-1`` where the agreed package passes every ratification stage, else the
        index of the first stage that fails (see :attr:`stage_names`)."""
        return np.full(np.asarray(x).shape[0], -1, dtype=np.intp)

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The ratification stages, in order."""
        return ()
