"""The weighted median (median voter) model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from detente.models import _params
from detente.models.registry import register, register_batch
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

__all__ = ["batch", "run", "weighted_median"]


def weighted_median(position: Any, weight: Any, present: Any) -> Any:
    """Inverted-CDF weighted median over the actor axis (``-2``).

    The first position, in increasing order, at which the cumulative weight reaches half of
    the total. Absent actors are ignored; where all present weights are zero, every present
    actor counts equally; where no actor is present, ``nan``.
    """
    pos = np.asarray(position, dtype=float)
    pres = np.asarray(present, dtype=bool)
    w = np.where(pres, np.asarray(weight, dtype=float), 0.0)
    zero = w.sum(axis=-2, keepdims=True) <= 0
    w = np.where(zero & pres, 1.0, w)
    key = np.where(pres, pos, np.inf)
    order = np.argsort(key, axis=-2, kind="stable")
    xs = np.take_along_axis(key, order, axis=-2)
    ws = np.take_along_axis(w, order, axis=-2)
    cum = np.cumsum(ws, axis=-2)
    total = cum[..., -1:, :]
    idx = np.argmax(cum >= 0.5 * total - 1e-12 * total, axis=-2)
    med = np.take_along_axis(xs, idx[..., None, :], axis=-2)[..., 0, :]
    return np.where(pres.any(axis=-2), med, np.nan)


def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``use_capability`` and ``use_salience`` are true or false."""
    for key, val in params.items():
        _params.boolean("median", key, val)
    return dict(params)


@register(
    "median",
    title="Weighted median (median voter)",
    citation=(
        "Black, D. (1948) 'On the rationale of group decision-making', Journal of Political "
        "Economy 56(1): 23–34; as a DEU predictor, Achen (2006) in The European Union Decides, ch. 10."
    ),
    params={"use_capability": True, "use_salience": True},
    check_params=_check_params,
)
def run(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    use_capability: bool = True,
    use_salience: bool = True,
) -> Forecast:
    """Forecast each issue as the capability × salience weighted median of the positions.

    Steps
    -----
    1. Weight ``w_ij = c_i * s_ij`` (either factor can be switched off).
    2. Sort the present actors' positions on issue *j*.
    3. The forecast is the first sorted position where the cumulative weight reaches half of
       the total (the inverted-CDF weighted median): with single-peaked preferences, the
       position that no weighted majority can beat (Black 1948).

    References
    ----------
    Black, D. (1948). On the rationale of group decision-making. *JPE* 56(1), 23–34.
    """
    _check_params({"use_capability": use_capability, "use_salience": use_salience})
    cap = arrays.capability if use_capability else np.ones_like(arrays.capability)
    sal = arrays.salience if use_salience else np.where(arrays.present, 1.0, 0.0)
    fc = weighted_median(arrays.position, cap[..., :, None] * sal, arrays.present)
    return Forecast("median", arrays.issue_ids, arrays.actor_ids, fc)


@register_batch("median")
def batch(arrays: ScenarioArrays, *, rng: RNG = None, **params: Any) -> Any:
    """The weighted median for ``m`` draws at once: ``(m, k)`` in issue units.

    ``arrays`` carries a leading draw axis (see :class:`detente.scenario.draws.InputDraws`);
    :func:`run` is written over ``...`` axes, so this is :func:`run` on every draw at once:
    the same stable sort, cumulative sums and threshold per draw, so ties are broken exactly as in a single run. Row ``d`` is, bit for bit, what :func:`run` gives on draw ``d``
    (tests/unit/test_ensemble_batch.py).
    """
    # ``present`` keeps its single (n, k) shape in draws; give it the draw axis so that
    # every reduction over actors sees one (n, k) slice per draw, as a single run does.
    drawn = replace(arrays, present=np.broadcast_to(arrays.present, arrays.position.shape))
    return np.asarray(run(drawn, rng=rng, **params).forecast, dtype=float)
