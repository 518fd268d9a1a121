"""Ensembles: every model, the zone of agreement and simulations over draws of the inputs.

OWNER: the ensemble work. Two functions are fixed now because sensitivity analysis and
``detente simulate`` call them: :func:`evaluate_models` and :func:`evaluate_zone` (reference
implementations; the owner makes them fast without changing what they return).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from detente.scenario.draws import InputDraws
    from detente.typing import SeedLike

__all__ = ["evaluate_models", "evaluate_zone"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def evaluate_models(
    draws: InputDraws, models: Sequence[str], *, seed: SeedLike | None = None
) -> dict[str, FloatArray]:
    """Each model's forecast for every draw: ``{model: (m, k)}`` in issue units.

    Stochastic models get the stream ``model_stream(seed, name)`` (one per model), spawned
    per draw by :func:`detente.models.registry.run_batch`.
    """
    from detente.models.registry import model_stream, run_batch

    out = {}
    for name in models:
        rng = None if seed is None else model_stream(int(seed), name)  # type: ignore[arg-type]
        out[name] = np.asarray(run_batch(name, draws.arrays, rng=rng), dtype=float)
    return out


def evaluate_zone(draws: InputDraws) -> tuple[BoolArray, BoolArray, FloatArray, FloatArray]:
    """Whether every veto player's limits overlap, per draw and issue.

    Returns
    -------
    zone : (m,) bool
        On every issue, the values each veto player (where its veto binds) would sign overlap.
    blocked : (m, k) bool
        The issues where they do not.
    lo, hi : (m, k) float
        The joint signable interval per issue (``lo > hi`` where blocked; ``nan`` where no
        veto player has a limit).
    """
    from detente.bargaining.acceptable import signable_intervals

    a = draws.arrays
    lo, hi = signable_intervals(a)  # (m, n, k)
    binds = np.asarray(a.vetoes())[None, :, :] & ~np.isnan(lo)
    neg, pos = np.full_like(lo, -np.inf), np.full_like(hi, np.inf)
    jlo = np.where(binds, lo, neg).max(axis=1)
    jhi = np.where(binds, hi, pos).min(axis=1)
    none = ~binds.any(axis=1)
    jlo = np.where(none, np.nan, jlo)
    jhi = np.where(none, np.nan, jhi)
    blocked = ~none & (jlo > jhi)
    zone = np.asarray(~blocked.any(axis=1), dtype=bool)
    return zone, np.asarray(blocked, dtype=bool), np.asarray(jlo, float), np.asarray(jhi, float)
