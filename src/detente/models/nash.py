"""The spatial (asymmetric) Nash bargaining solution, issue by issue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from detente.models import _params
from detente.models.registry import register, register_batch
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

__all__ = ["batch", "nash_point", "run"]


def nash_point(
    ideal: Any,
    radius: Any,
    weight: Any,
    active: Any,
    *,
    shape: Literal["quadratic", "linear"] = "quadratic",
    iters: int = 80,
) -> tuple[Any, Any]:
    """Maximise ``sum_i w_i log g_i(x)`` on each issue, vectorised over issues.

    ``g_i(x) = r_i**2 - (x - x_i)**2`` (quadratic) or ``r_i - |x - x_i|`` (linear) is actor
    *i*'s gain over its disagreement utility, where ``r_i`` is the distance from its ideal
    ``x_i`` to its disagreement outcome. Every term is concave on the interval where
    ``g_i > 0``, so the maximiser is unique on the intersection of those intervals; it is
    found by bisection on the derivative (sub-gradient for the linear shape).

    Parameters
    ----------
    ideal, radius, weight : (..., n, k) float
    active : (..., n, k) bool
        Actors that take part (weight > 0 and present).

    Returns
    -------
    x : (..., k) float
        The solution (``nan`` where the feasible set is empty or no actor is active).
    feasible : (..., k) bool
        Whether a point that every active actor strictly prefers to disagreement exists.
    """
    x_i = np.where(active, ideal, 0.0)
    r = np.where(active, radius, np.inf)
    w = np.where(active, weight, 0.0)
    lo = np.max(np.where(active, x_i - r, -np.inf), axis=-2)
    hi = np.min(np.where(active, x_i + r, np.inf), axis=-2)
    any_active = active.any(axis=-2)
    feasible = any_active & (hi > lo)
    a = np.where(feasible, lo, 0.0)
    b = np.where(feasible, hi, 0.0)
    for _ in range(iters):
        m = 0.5 * (a + b)
        d = m[..., None, :] - x_i
        if shape == "quadratic":
            g = np.where(active, r**2 - d**2, 1.0)
            grad = np.sum(w * (-2.0 * d) / np.where(g > 0, g, np.inf), axis=-2)
        else:
            g = np.where(active, r - np.abs(d), 1.0)
            grad = np.sum(w * (-np.sign(d)) / np.where(g > 0, g, np.inf), axis=-2)
        up = grad > 0
        a = np.where(up, m, a)
        b = np.where(up, b, m)
    return np.where(feasible, 0.5 * (a + b), np.nan), feasible


SHAPES = ("quadratic", "linear")
"""The utility shapes ``run`` takes."""


def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``shape`` is one of :data:`SHAPES`; ``use_capability``, ``use_salience`` true or false."""
    for key, val in params.items():
        if key == "shape":
            _params.choice("nash", key, val, SHAPES)
        else:
            _params.boolean("nash", key, val)
    return dict(params)


@register(
    "nash",
    title="Spatial Nash bargaining solution (status quo as disagreement point)",
    citation=(
        "Nash, J. F. (1950) 'The bargaining problem', Econometrica 18(2): 155–162; asymmetric form "
        "after Kalai (1977); as a DEU model with salience-weighted bargaining power, Schneider, "
        "Finke & Bailer (2010) 'Bargaining power in the European Union', Political Studies 58: 85–103."
    ),
    supports=("status_quo",),
    params={"shape": "quadratic", "use_capability": True, "use_salience": True},
    check_params=_check_params,
)
def run(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    shape: Literal["quadratic", "linear"] = "quadratic",
    use_capability: bool = True,
    use_salience: bool = True,
) -> Forecast:
    """Asymmetric Nash bargaining solution on each issue, status quo as disagreement point.

    Steps
    -----
    1. Utility of actor *i* on issue *j*: ``u_i(x) = -(x - x_ij)**2`` (or ``-|x - x_ij|``).
    2. Disagreement outcome ``d_ij``: the actor's reservation point if given, else the issue's
       status quo (reference point) if known, else the end of the scale farthest from the
       actor (the worst it could get).
    3. Bargaining power ``w_ij = c_i * s_ij`` (the salience-weighted variant of Schneider,
       Finke & Bailer 2010; a common salience factor would cancel out of the product).
    4. ``x_j = argmax_x prod_i (u_i(x) - u_i(d_ij)) ** w_ij`` over the outcomes every actor
       with power prefers to disagreement.
    5. If that set is empty (some actor sits at its disagreement point, or the actors' gains
       cannot all be positive), no agreement improves on disagreement for everyone: the
       forecast is the status quo, or ``nan`` where there is none, and
       ``extra["feasible"]`` is ``False`` for that issue.

    References
    ----------
    Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155–162.
    Kalai, E. (1977). Nonsymmetric Nash solutions and replications of 2-person bargaining.
    *International Journal of Game Theory* 6(3), 179–187.
    Schneider, G., Finke, D. & Bailer, S. (2010). Bargaining power in the European Union.
    *Political Studies* 58(1), 85–103.
    """
    _check_params({"shape": shape})
    x = arrays.unit_positions()
    q = arrays.to_unit(arrays.status_quo)
    res = arrays.to_unit(arrays.reservation)
    worst = np.where(x < 0.5, 1.0, 0.0)
    d = np.where(np.isnan(res), np.where(np.isnan(q)[..., None, :], worst, q[..., None, :]), res)
    radius = np.abs(d - x)
    cap = arrays.capability if use_capability else np.ones_like(arrays.capability)
    sal = arrays.salience if use_salience else np.where(arrays.present, 1.0, 0.0)
    w = cap[..., :, None] * sal
    active = arrays.present & (w > 0)
    # An issue on which every present actor has zero weight: all count equally.
    none = ~active.any(axis=-2, keepdims=True)
    w = np.where(none & arrays.present, 1.0, w)
    active = active | (none & arrays.present)
    sol, feasible = nash_point(x, radius, w, active, shape=shape)
    fallback = np.where(np.isnan(q), np.nan, q)
    unit = np.where(feasible, sol, fallback)
    return Forecast(
        "nash",
        arrays.issue_ids,
        arrays.actor_ids,
        arrays.from_unit(unit),
        extra={"feasible": feasible},
    )


@register_batch("nash")
def batch(arrays: ScenarioArrays, *, rng: RNG = None, **params: Any) -> Any:
    """The Nash bargaining solution for ``m`` draws at once: ``(m, k)`` in issue units.

    ``arrays`` carries a leading draw axis (see :class:`detente.scenario.draws.InputDraws`);
    :func:`run` is written over ``...`` axes, so this is :func:`run` on every draw at once:
    the same bisection, step for step, on every draw at once. Row ``d`` is, bit for bit, what :func:`run` gives on draw ``d``
    (tests/unit/test_ensemble_batch.py).
    """
    # ``present`` keeps its single (n, k) shape in draws; give it the draw axis so that
    # every reduction over actors sees one (n, k) slice per draw, as a single run does.
    drawn = replace(arrays, present=np.broadcast_to(arrays.present, arrays.position.shape))
    return np.asarray(run(drawn, rng=rng, **params).forecast, dtype=float)
