"""The numeric view of a scenario: frozen numpy arrays, built once at the boundary.

Everything in the numeric core (:mod:`detente.models`, :mod:`detente.bargaining`,
:mod:`detente.process`, :mod:`detente.uncertainty`) works on :class:`ScenarioArrays`, never on
the pydantic :class:`~detente.scenario.schema.Scenario`.

Conventions
-----------
``n`` actors, ``k`` issues. Positions are in each issue's own units (``lo[j] .. hi[j]``);
models that need a unit scale call :meth:`ScenarioArrays.unit_positions`. An actor that takes
no part on an issue has ``present[i, j] == False``, ``position[i, j] == nan`` and
``salience[i, j] == 0``. Saliences are on 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ScenarioArrays"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _frozen(a: Any, dtype: Any) -> Any:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ScenarioArrays:
    """Frozen arrays describing one scenario (or ``m`` draws of one, on a leading axis).

    Attributes
    ----------
    actor_ids, issue_ids : tuple of str
        Ids in array order.
    capability : (n,) float
        Clout of each actor (>= 0; any scale).
    position : (n, k) float
        Position of each actor on each issue, in the issue's units; ``nan`` where absent.
    salience : (n, k) float
        Salience on 0–1; ``0`` where absent.
    present : (n, k) bool
        Whether the actor takes part on the issue.
    veto : (n,) bool
        Whether the actor can block an agreement.
    reservation : (n, k) float
        Worst outcome on each issue the actor would still sign; ``nan`` where unknown.
    status_quo : (k,) float
        Reference point / status quo per issue; ``nan`` where unknown.
    lo, hi : (k,) float
        Ends of each issue's scale, in its own units (``lo < hi``).
    accommodation : (n, n) float or None
        KTAB's "ideal adjustment" matrix: row i says how far i moves toward j's ideal;
        ``None`` means the identity (no accommodation).
    veto_scope : (n, k) bool or None
        The issues each actor's veto covers: a veto on named issues only (the EU's unanimity on
        sanctions) binds there and nowhere else. ``None`` means every veto covers the whole
        package (``veto_scope[i, :] == veto[i]``).
    """

    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    capability: FloatArray
    position: FloatArray
    salience: FloatArray
    present: BoolArray
    veto: BoolArray
    reservation: FloatArray
    status_quo: FloatArray
    lo: FloatArray
    hi: FloatArray
    accommodation: FloatArray | None = None
    veto_scope: BoolArray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("capability", "position", "salience", "reservation", "status_quo", "lo", "hi"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float64))
        for name in ("present", "veto"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.bool_))
        if self.accommodation is not None:
            object.__setattr__(self, "accommodation", _frozen(self.accommodation, np.float64))
        if self.veto_scope is not None:
            object.__setattr__(self, "veto_scope", _frozen(self.veto_scope, np.bool_))
        n, k = len(self.actor_ids), len(self.issue_ids)
        expect = {
            "capability": (n,),
            "veto": (n,),
            "position": (n, k),
            "salience": (n, k),
            "present": (n, k),
            "reservation": (n, k),
            "status_quo": (k,),
            "lo": (k,),
            "hi": (k,),
        }
        for name, shape in expect.items():
            got = getattr(self, name).shape
            if got[-len(shape) :] != shape:
                raise ValueError(f"ScenarioArrays.{name} has shape {got}, expected (..., {shape})")
        if self.veto_scope is not None and self.veto_scope.shape != (n, k):
            raise ValueError(f"veto_scope has shape {self.veto_scope.shape}, expected ({n}, {k})")
        if self.accommodation is not None and self.accommodation.shape[-2:] != (n, n):
            raise ValueError(
                f"accommodation has shape {self.accommodation.shape}, expected ({n}, {n})"
            )

    # ------------------------------------------------------------------ sizes
    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    # ------------------------------------------------------------- unit scale
    @property
    def span(self) -> FloatArray:
        """``hi - lo`` per issue."""
        return self.hi - self.lo

    def to_unit(self, values: FloatArray) -> FloatArray:
        """Map values in issue units (last axis = issues) onto 0–1."""
        return (np.asarray(values, dtype=float) - self.lo) / self.span

    def from_unit(self, values: FloatArray) -> FloatArray:
        """Map 0–1 values (last axis = issues) back onto issue units."""
        return np.asarray(values, dtype=float) * self.span + self.lo

    def unit_positions(self) -> FloatArray:
        """Positions on 0–1 per issue (``nan`` where absent)."""
        return self.to_unit(self.position)

    # ---------------------------------------------------------------- helpers
    def vetoes(self) -> BoolArray:
        """``(n, k)``: where each actor's veto binds (``veto_scope``, or ``veto`` on every issue)."""
        if self.veto_scope is not None:
            return self.veto_scope
        return np.broadcast_to(self.veto[:, None], (self.n_actors, self.n_issues))

    @property
    def n_draws(self) -> int | None:
        """The length of the leading draw axis, or ``None`` for a single scenario."""
        return int(self.capability.shape[0]) if self.capability.ndim == 2 else None

    def weights(self) -> FloatArray:
        """Capability × salience, ``(n, k)``; zero where the actor is absent."""
        w = self.capability[..., :, None] * self.salience
        return np.where(self.present, w, 0.0)

    def subset(self, actors: Any = None, issues: Any = None) -> ScenarioArrays:
        """A new ScenarioArrays restricted to the given actor / issue indices (or masks)."""
        ai = np.arange(self.n_actors) if actors is None else np.arange(self.n_actors)[actors]
        ii = np.arange(self.n_issues) if issues is None else np.arange(self.n_issues)[issues]
        acc = None if self.accommodation is None else self.accommodation[np.ix_(ai, ai)]
        scope = None if self.veto_scope is None else self.veto_scope[np.ix_(ai, ii)]
        meta = dict(self.meta)
        # Per-issue and per-actor tuples in meta follow the selection.
        for key, size, sel in (
            ("issue_groups", self.n_issues, ii),
            ("issue_attributes", self.n_issues, ii),
            ("issue_anchors", self.n_issues, ii),
            ("roles", self.n_actors, ai),
        ):
            val = meta.get(key)
            if val is not None and len(val) == size:
                meta[key] = tuple(val[i] for i in sel)
        return replace(
            self,
            actor_ids=tuple(self.actor_ids[i] for i in ai),
            issue_ids=tuple(self.issue_ids[j] for j in ii),
            capability=self.capability[ai],
            position=self.position[np.ix_(ai, ii)],
            salience=self.salience[np.ix_(ai, ii)],
            present=self.present[np.ix_(ai, ii)],
            veto=self.veto[ai],
            reservation=self.reservation[np.ix_(ai, ii)],
            status_quo=self.status_quo[ii],
            lo=self.lo[ii],
            hi=self.hi[ii],
            accommodation=acc,
            veto_scope=scope,
            meta=meta,
        )

    @classmethod
    def from_numpy(
        cls,
        capability: Any,
        position: Any,
        salience: Any,
        *,
        lo: Any = 0.0,
        hi: Any = 100.0,
        veto: Any = None,
        reservation: Any = None,
        status_quo: Any = None,
        accommodation: Any = None,
        actor_ids: Any = None,
        issue_ids: Any = None,
    ) -> ScenarioArrays:
        """Build arrays directly (tests, benchmarks, synthetic scenarios).

        ``position`` may contain ``nan`` for absent actors; ``salience`` is on 0–1.
        """
        pos = np.atleast_2d(np.asarray(position, dtype=float))
        n, k = pos.shape
        sal = np.broadcast_to(np.asarray(salience, dtype=float), (n, k))
        present = ~np.isnan(pos)
        return cls(
            actor_ids=tuple(actor_ids)
            if actor_ids is not None
            else tuple(f"a{i}" for i in range(n)),
            issue_ids=tuple(issue_ids)
            if issue_ids is not None
            else tuple(f"i{j}" for j in range(k)),
            capability=np.asarray(capability, dtype=float).reshape(n),
            position=pos,
            salience=np.where(present, sal, 0.0),
            present=present,
            veto=np.zeros(n, bool) if veto is None else np.asarray(veto, bool),
            reservation=np.full((n, k), np.nan) if reservation is None else reservation,
            status_quo=np.full(k, np.nan)
            if status_quo is None
            else np.broadcast_to(status_quo, (k,)),
            lo=np.broadcast_to(np.asarray(lo, dtype=float), (k,)),
            hi=np.broadcast_to(np.asarray(hi, dtype=float), (k,)),
            accommodation=accommodation,
        )
