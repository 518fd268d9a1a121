"""The compromise model: the capability × salience weighted mean of positions."""

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

__all__ = ["batch", "run", "weighted_mean"]


def weighted_mean(position: Any, weight: Any, present: Any) -> Any:
    """Weighted mean over the actor axis (``-2``), ignoring absent actors.

    Where the weights of the present actors sum to zero, the plain mean of their positions
    is returned; where no actor is present, ``nan``.

    Parameters
    ----------
    position, weight : (..., n, k) float
    present : (..., n, k) bool
    """
    x = np.where(present, position, 0.0)
    w = np.where(present, weight, 0.0)
    wsum = w.sum(axis=-2)
    num = (w * x).sum(axis=-2)
    cnt = present.sum(axis=-2)
    plain = np.divide(x.sum(axis=-2), cnt, out=np.full(cnt.shape, np.nan), where=cnt > 0)
    return np.divide(num, wsum, out=plain.astype(float), where=wsum > 0)


def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``use_capability`` and ``use_salience`` are true or false."""
    for key, val in params.items():
        _params.boolean("compromise", key, val)
    return dict(params)


@register(
    "compromise",
    title="Compromise model (capability × salience weighted mean)",
    citation=(
        "Van den Bos, G. M. (1991) Dutch EC Policy Making; Achen, C. H. (2006) 'Evaluating "
        "political decision-making models', in Thomson, Stokman, Achen & König (eds.) "
        "The European Union Decides, CUP, ch. 10."
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
    """Forecast each issue as the capability × salience weighted mean of the positions.

    Steps
    -----
    1. Weight of actor *i* on issue *j*: ``w_ij = c_i * s_ij`` (either factor can be switched
       off, giving the salience-weighted or the capability-weighted mean).
    2. Forecast ``x_j = sum_i w_ij x_ij / sum_i w_ij`` over the actors present on issue *j*.
    3. If every present actor has zero weight, the plain mean of their positions.

    Achen (2006) derives the model as the first-order approximation of the asymmetric Nash
    bargaining solution with quadratic utilities whose curvature is the salience; on the DEU
    data it is at or near the top of every published comparison.

    Parameters
    ----------
    arrays : ScenarioArrays
    rng : ignored (deterministic model)
    use_capability, use_salience : bool
        Include each factor in the weight.

    References
    ----------
    Achen, C. H. (2006). Evaluating political decision-making models. In R. Thomson,
    F. N. Stokman, C. H. Achen & T. König (eds.), *The European Union Decides* (pp. 264–298). CUP.
    """
    _check_params({"use_capability": use_capability, "use_salience": use_salience})
    cap = arrays.capability if use_capability else np.ones_like(arrays.capability)
    sal = arrays.salience if use_salience else np.where(arrays.present, 1.0, 0.0)
    w = cap[..., :, None] * sal
    fc = weighted_mean(arrays.position, w, arrays.present)
    return Forecast("compromise", arrays.issue_ids, arrays.actor_ids, fc)


@register_batch("compromise")
def batch(arrays: ScenarioArrays, *, rng: RNG = None, **params: Any) -> Any:
    """The weighted mean for ``m`` draws at once: ``(m, k)`` in issue units.

    ``arrays`` carries a leading draw axis (see :class:`detente.scenario.draws.InputDraws`);
    :func:`run` is written over ``...`` axes, so this is :func:`run` on every draw at once:
    the same elementwise products and sums over the actor axis. Row ``d`` is, bit for bit, what :func:`run` gives on draw ``d``
    (tests/unit/test_ensemble_batch.py).
    """
    # ``present`` keeps its single (n, k) shape in draws; give it the draw axis so that
    # every reduction over actors sees one (n, k) slice per draw, as a single run does.
    drawn = replace(arrays, present=np.broadcast_to(arrays.present, arrays.position.shape))
    return np.asarray(run(drawn, rng=rng, **params).forecast, dtype=float)
