"""Draws of a scenario's uncertain inputs: the seam between :mod:`detente.uncertainty` (which
makes them) and the models, :mod:`detente.bargaining` and :mod:`detente.process` (which run
over them).

``m`` draws of one scenario are a :class:`~detente.scenario.arrays.ScenarioArrays` whose
``capability`` is ``(m, n)`` and whose ``position``, ``salience`` and ``reservation`` are
``(m, n, k)`` (``present``, ``veto``, ``lo``, ``hi`` and ``status_quo`` keep their own shapes),
plus the draws of numbers that live outside the arrays (process drivers and shocks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.arrays import ScenarioArrays

__all__ = ["InputDraws"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class InputDraws:
    """``m`` draws of a scenario's inputs.

    Attributes
    ----------
    arrays : ScenarioArrays
        The drawn arrays with a leading draw axis of length ``m`` on ``capability`` ``(m, n)``
        and on ``position``, ``salience``, ``reservation`` ``(m, n, k)``.
    values : mapping of str to (m,) float
        Draws of numbers outside the arrays, keyed ``"driver:<id>"`` (a multiplier on the
        driver series after the start; 1 = as written) and ``"shock:<id>"`` (the shock's
        probability, or its hazard per month when the shock has a hazard).
    unit : (m, d) float or None
        The points of the unit cube the draws were made from (for sensitivity analysis).
    names : tuple of str
        The target keys of the columns of ``unit``.
    what_if : str or None
        The what-if scenario these draws belong to (``None`` = the base case).
    """

    arrays: ScenarioArrays
    values: Mapping[str, FloatArray] = field(default_factory=dict)
    unit: FloatArray | None = None
    names: tuple[str, ...] = ()
    what_if: str | None = None

    def __post_init__(self) -> None:
        # A read-only view for users; pickled as a plain dict (see __reduce__), so draws can
        # travel to process-pool and Dask workers.
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            InputDraws,
            (self.arrays, dict(self.values), self.unit, self.names, self.what_if),
        )

    @property
    def m(self) -> int:
        """The number of draws."""
        return int(self.arrays.capability.shape[0]) if self.arrays.capability.ndim == 2 else 1

    def take(self, start: int, stop: int) -> InputDraws:
        """The draws ``start:stop`` (a chunk for an executor)."""
        a = self.arrays
        arrays = replace(
            a,
            capability=a.capability[start:stop],
            position=a.position[start:stop],
            salience=a.salience[start:stop],
            reservation=a.reservation[start:stop],
        )
        return InputDraws(
            arrays=arrays,
            values={k: v[start:stop] for k, v in self.values.items()},
            unit=None if self.unit is None else self.unit[start:stop],
            names=self.names,
            what_if=self.what_if,
        )

    def point(self, d: int) -> ScenarioArrays:
        """Draw ``d`` as plain (unbatched) arrays, for a model that runs one draw at a time."""
        a = self.arrays
        return replace(
            a,
            capability=a.capability[d],
            position=a.position[d],
            salience=a.salience[d],
            reservation=a.reservation[d],
        )

    def meta(self) -> dict[str, Any]:
        """What the draws are, for a result's provenance."""
        return {"m": self.m, "names": list(self.names), "what_if": self.what_if}
