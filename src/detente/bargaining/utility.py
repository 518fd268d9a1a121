"""Utilities over packages for a continuous scenario, and its discretisation into a domain.

Definitions (per actor ``i``, issue ``j``; positions in issue units)
-------------------------------------------------------------------
* Distance on the unit scale: ``d_ij(x) = |x_j - p_ij| / (hi_j - lo_j)`` ∈ [0, 1].
* Loss shape ``l(d)``: ``"linear"`` ``d``; ``"quadratic"`` ``d**2``; ``"ktab"`` KTAB's
  risk-adjusted utility ``u(d, R) = (1 - d)(1 + d R)`` (Wise et al., KTAB ``bsUtil``), i.e.
  ``l(d) = 1 - (1 - d)(1 + d R)`` with risk attitude ``R`` ∈ [-1, 1] per actor (0 = linear,
  ``R > 0`` risk averse).
* Issue weights: the salience normalised to sum to 1 over the issues the actor takes part in,
  ``w_ij = s_ij / sum_j s_ij``.
* Utility of a package ``x``: ``u_i(x) = sum_j w_ij (1 - l(d_ij(x)))`` ∈ [0, 1]; 1 at the
  actor's own positions.

Walk-away (reservation) utility ``r_i``, in this order:
1. an explicit BATNA utility ``batna[i]`` (0–1), where given (not nan);
2. else, if the actor has at least one reservation point, the utility of its *reservation
   package*: the reservation point on each issue where it is known, the status quo where the
   reservation point is unknown but the status quo is known, and otherwise the point of the
   scale farthest from the actor's position (it would sign anything on that issue);
3. else the utility of the status quo / no-deal package (status quo where known, farthest
   point otherwise);
4. else 0 (no information: every package beats walking away — the result says so).

References
----------
Wise, B. et al. KTAB Spatial Model of Politics, ``SMPModel::bsUtil`` (see the project's
``bargaining-models.md`` §1.5). Achen, C. H. (2006) for salience as the weight of quadratic
losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.domain import AdditiveDomain
from detente.scenario.arrays import ScenarioArrays

__all__ = [
    "LOSS_SHAPES",
    "domain_from_arrays",
    "issue_weights",
    "loss",
    "loss_lipschitz",
    "package_utility",
    "walkaway_utility",
]

LOSS_SHAPES = ("linear", "quadratic", "ktab")
FloatArray = NDArray[np.float64]


def loss(d: Any, shape: str = "linear", risk: Any = 0.0) -> FloatArray:
    """Loss ``l(d)`` of a unit distance ``d`` ∈ [0, 1] (see module docstring)."""
    d = np.asarray(d, dtype=float)
    if shape == "linear":
        return d
    if shape == "quadratic":
        return d * d
    if shape == "ktab":
        r = np.asarray(risk, dtype=float)
        return 1.0 - (1.0 - d) * (1.0 + d * r)
    raise ValueError(f"loss shape {shape!r} unknown; allowed: {', '.join(LOSS_SHAPES)}")


def loss_lipschitz(shape: str = "linear", risk: Any = 0.0) -> FloatArray:
    """Largest slope of ``l`` on [0, 1]: 1 (linear), 2 (quadratic), ``1 + |R|`` (ktab)."""
    if shape == "linear":
        return np.asarray(1.0)
    if shape == "quadratic":
        return np.asarray(2.0)
    if shape == "ktab":
        return 1.0 + np.abs(np.asarray(risk, dtype=float))
    raise ValueError(f"loss shape {shape!r} unknown; allowed: {', '.join(LOSS_SHAPES)}")


def issue_weights(arrays: ScenarioArrays) -> FloatArray:
    """Salience normalised over each actor's issues, ``(n, k)``; uniform if all zero."""
    s = np.where(arrays.present, arrays.salience, 0.0)
    tot = s.sum(axis=-1, keepdims=True)
    cnt = arrays.present.sum(axis=-1, keepdims=True)
    uni = np.where(arrays.present, 1.0, 0.0) / np.maximum(cnt, 1)
    return np.where(tot > 0, s / np.where(tot > 0, tot, 1.0), uni)


def package_utility(
    arrays: ScenarioArrays, x: Any, *, shape: str = "linear", risk: Any = 0.0
) -> FloatArray:
    """Utility of packages ``x`` (``(..., k)`` in issue units) to every actor, ``(..., n)``."""
    x = np.asarray(x, dtype=float)
    d = np.abs(x[..., None, :] - arrays.position) / arrays.span
    d = np.where(arrays.present, np.clip(d, 0.0, 1.0), 0.0)
    r = np.asarray(risk, dtype=float)
    r = r[..., None] if r.ndim else r
    w = issue_weights(arrays)
    return (w * (1.0 - loss(d, shape, r))).sum(axis=-1)


def _far_end(arrays: ScenarioArrays) -> FloatArray:
    """Per actor and issue, the end of the scale farthest from the actor's position."""
    p = arrays.position
    return np.where(np.abs(p - arrays.lo) >= np.abs(p - arrays.hi), arrays.lo, arrays.hi)


def walkaway_utility(
    arrays: ScenarioArrays,
    *,
    batna: Any = None,
    shape: str = "linear",
    risk: Any = 0.0,
) -> tuple[FloatArray, list[str]]:
    """Walk-away utility per actor and how it was derived (see module docstring).

    Returns
    -------
    r : (n,) float
    basis : list of str
        One of ``"batna"``, ``"reservation points"``, ``"status quo"``, ``"none"`` per actor.
    """
    n, k = arrays.n_actors, arrays.n_issues
    b = np.full(n, np.nan) if batna is None else np.asarray(batna, dtype=float).reshape(n)
    sq = np.broadcast_to(arrays.status_quo, (n, k))
    res = arrays.reservation
    pkg = np.where(~np.isnan(res), res, np.where(~np.isnan(sq), sq, _far_end(arrays)))
    pkg = np.where(arrays.present, pkg, np.nan_to_num(arrays.position))
    d = np.abs(pkg - np.nan_to_num(arrays.position)) / arrays.span
    d = np.where(arrays.present, np.clip(d, 0, 1), 0.0)
    r_ = np.asarray(risk, dtype=float)
    r_ = r_[..., None] if r_.ndim else r_
    u_pkg = (issue_weights(arrays) * (1.0 - loss(d, shape, r_))).sum(axis=-1)
    has_res = np.asarray((~np.isnan(res) & arrays.present).any(axis=-1), dtype=bool)
    has_sq = bool((~np.isnan(arrays.status_quo)).any())
    r = np.where(~np.isnan(b), b, np.where(has_res | has_sq, u_pkg, 0.0))
    basis = [
        "batna"
        if not np.isnan(b[i])
        else "reservation points"
        if has_res[i]
        else "status quo"
        if has_sq
        else "none"
        for i in range(n)
    ]
    return r, basis


def _issue_values(
    arrays: ScenarioArrays,
    j: int,
    grid: int,
    options: dict[str, Any],
    extra_values: dict[str, Any] | None,
) -> tuple[list[str], FloatArray, float | None]:
    """Issue ``j``'s option labels and values (issue units), and the largest gap between
    neighbouring values (``None`` for named options): :func:`domain_from_arrays`, step 1."""
    iss = arrays.issue_ids[j]
    lo, hi = float(arrays.lo[j]), float(arrays.hi[j])
    if iss in options:
        spec = dict(options[iss])
        return [str(a) for a in spec], np.array([float(spec[a]) for a in spec]), None
    rad = np.abs(arrays.reservation[:, j] - arrays.position[:, j])
    extra = [
        arrays.position[:, j],
        arrays.reservation[:, j],
        arrays.position[:, j] - rad,
        arrays.position[:, j] + rad,
        [arrays.status_quo[j]],
        np.atleast_1d(np.asarray((extra_values or {}).get(iss, []), float)),
    ]
    xs = np.concatenate(
        [np.linspace(lo, hi, max(int(grid), 2))] + [np.asarray(e, float) for e in extra]
    )
    xv = np.unique(np.round(xs[~np.isnan(xs)], 10))
    xv = xv[(xv >= lo) & (xv <= hi)]
    gap = float(np.diff(xv).max()) if xv.size > 1 else 0.0
    return [f"{v:.10g}" for v in xv], xv, gap


def _issue_contributions(
    arrays: ScenarioArrays, j: int, xv: FloatArray, shape: str, risk: FloatArray
) -> FloatArray:
    """Each actor's value ``1 - l(d)`` of each option of issue ``j``, ``(n, m_j)`` (0 where
    absent): :func:`domain_from_arrays`, step 2 (the weights are applied by the domain)."""
    lo, hi = float(arrays.lo[j]), float(arrays.hi[j])
    d = np.abs(xv[None, :] - np.nan_to_num(arrays.position[:, j])[:, None]) / (hi - lo)
    d = np.clip(d, 0, 1)
    contrib = 1.0 - loss(d, shape, risk[:, None])
    return np.where(arrays.present[:, j, None], contrib, 0.0)


def _walkaway_thresholds(
    arrays: ScenarioArrays, walkaway: str, batna: Any, shape: str, risk: Any
) -> tuple[FloatArray, list[str]]:
    """The domain's walk-away utilities and their basis: :func:`domain_from_arrays`, step 3."""
    n = arrays.n_actors
    if walkaway == "utility":
        return walkaway_utility(arrays, batna=batna, shape=shape, risk=risk)
    if walkaway != "limits":
        raise ValueError(f"walkaway {walkaway!r} unknown; allowed: limits, utility")
    b = np.full(n, np.nan) if batna is None else np.asarray(batna, float).reshape(n)
    r = np.where(np.isnan(b), -np.inf, b)
    has = np.asarray((arrays.present & ~np.isnan(arrays.reservation)).any(axis=-1), dtype=bool)
    basis = [
        ("limits + batna" if has[i] else "batna")
        if not np.isnan(b[i])
        else ("limits" if has[i] else "none")
        for i in range(n)
    ]
    return r, basis


def domain_from_arrays(
    arrays: ScenarioArrays,
    *,
    shape: str = "linear",
    risk: Any = 0.0,
    batna: Any = None,
    grid: int = 101,
    options: dict[str, Any] | None = None,
    walkaway: str = "limits",
    extra_values: dict[str, Any] | None = None,
) -> AdditiveDomain:
    """Discretise a continuous scenario into an :class:`AdditiveDomain`.

    Steps
    -----
    1. Per issue, the candidate values are ``grid`` equally spaced points from ``lo`` to
       ``hi``, plus every actor's position, reservation point, the ends of its signable
       interval (``p ± |r - p|``), the status quo and any ``extra_values[issue]`` (so ideal
       points and limits are reachable exactly). A discrete issue given in ``options``
       (``{issue_id: {label: value in issue units}}``) uses exactly its named options.
    2. Per actor and value, the contribution ``w_ij (1 - l(d_ij))`` (module docstring).
    3. Walk-away utilities (``domain.reservation``): with ``walkaway="limits"`` (default) the
       reservation points are hard per-issue limits applied by the analysis, and the utility
       threshold is only an explicit ``batna`` (``-inf`` where none); with
       ``walkaway="utility"`` the threshold comes from :func:`walkaway_utility`. Vetoes from
       the arrays.

    Approximation bound: on a continuous issue the largest gap between neighbouring
    candidate values is ``h_j`` (≤ span/(grid-1)); any value lies within ``h_j/2`` of a
    candidate, which changes actor ``i``'s utility by at most ``w_ij L h_j / (2 span_j)``
    (``L`` = :func:`loss_lipschitz`). Summed over issues this is ``meta["grid_bound"][i]``;
    every continuous package has a grid package within that bound for every actor at once.
    """
    options = options or {}
    n = arrays.n_actors
    w = issue_weights(arrays)
    lips = np.broadcast_to(loss_lipschitz(shape, risk), (n,))
    rk = np.broadcast_to(np.asarray(risk, dtype=float), (n,))
    opts: list[tuple[str, ...]] = []
    vals: list[FloatArray] = []
    ovals: list[FloatArray] = []
    bound = np.zeros(n)
    for j in range(arrays.n_issues):
        labels, xv, gap = _issue_values(arrays, j, grid, options, extra_values)
        if gap is not None:
            bound += w[:, j] * lips * gap / (2.0 * float(arrays.hi[j] - arrays.lo[j]))
        opts.append(tuple(labels))
        vals.append(_issue_contributions(arrays, j, xv, shape, rk))
        ovals.append(xv)
    r, basis = _walkaway_thresholds(arrays, walkaway, batna, shape, risk)
    return AdditiveDomain(
        party_ids=arrays.actor_ids,
        issue_ids=arrays.issue_ids,
        options=tuple(opts),
        values=tuple(vals),
        weights=w,
        reservation=r,
        veto=arrays.veto,
        option_values=tuple(ovals),
        meta={
            "source": "ScenarioArrays",
            "loss": shape,
            "risk": rk.tolist(),
            "grid": int(grid),
            "grid_bound": bound.tolist(),
            "walkaway_basis": basis,
            "walkaway": walkaway,
        },
    )
