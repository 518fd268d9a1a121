"""Bueno de Mesquita's expected-utility model, as made explicit by Scholz, Calbert & Smith (2011).

The model is one-dimensional: a multi-issue scenario runs issue by issue, but every issue runs at
once: all pairwise quantities are numpy broadcasts over ``(n, n, k)`` (and the votes over
``(n, n, n, k)``). The only Python loop is over rounds.

Where the published replications disagree, the reading is a named option (see
``docs/explanation/expected-utility.md``):

==================  =====================================================================
option              values (default first)
==================  =====================================================================
``p_success``       ``"all_pairs"`` (Scholz's code as jmckib reports it: the denominator sums
                    |v| over all pairs), ``"pair"`` (Scholz paper; bargaining-models.md
                    §2.2), ``"net"`` (Masad: clipped net vote)
``risk``            ``"alternatives"`` (BDM: i's danger at its position against its danger at
                    each other actor's position), ``"others"`` (Scholz: i's danger against
                    the other actors' dangers), ``"grid"`` (Masad: against i's danger at 11
                    positions 0, 0.1, …, 1), ``"none"`` (r = 1)
``q``               ``1.0``: probability that nothing changes without a challenge
                    (replications 1; BDM sometimes 0.5)
``t``               ``1.0``: probability that a change without a challenge helps i
                    (replications 1; BDM sometimes 0.5)
``perception``      ``"sender"`` (Scholz: i judges both EUs with its own r_i),
                    ``"receiver"`` (jmckib: the would-be mover j judges both with r_j),
                    ``"both"`` (offers judged by the sender and by the receiver, pooled),
                    ``"own"`` (Masad: each EU with its owner's r)
``selection``       ``"least_change"`` (BDM / Scholz paper: the offer needing the smallest
                    move), ``"highest_eu"`` (Masad 2014: largest challenger EU, ties →
                    closest), ``"type_priority"`` (Scholz's code: conflict, then
                    compromise, then capitulation)
``compromise``      ``"bdm"`` (x_j + (x_i − x_j)|U_r/U_c|), ``"scholz_code"`` (EU-weighted
                    mean of the two positions)
``conflict``        ``"move"`` (the loser moves to the winner), ``"expected"`` (the loser
                    moves to the P-weighted expected outcome; the damped variant)
``damping``         ``1.0``: fraction of the way to the accepted offer an actor moves
``forecast``        ``"median"`` (BDM: the median voter position of the last round),
                    ``"mean"`` (capability × salience weighted mean of the last round)
``stop``            ``"positions"`` (an issue stops once no actor moves by ``tol`` of the
                    range), ``"median"`` (BDM: once the median moves by less than that)
``tol``             ``0.01``: the stopping tolerance, a share of the issue's initial range
``rounds``          ``10``: the most rounds run
==================  =====================================================================

A test checks this table against :data:`DEFAULTS` and the allowed values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.models import _params
from detente.models.median import weighted_median
from detente.models.registry import register, register_batch
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

if TYPE_CHECKING:
    from detente.resources import Cost

__all__ = [
    "BATCH_ELEMENTS",
    "DAMPED_DEFAULTS",
    "DEFAULTS",
    "batch",
    "batch_cost",
    "batch_damped",
    "perceptions",
    "run",
    "run_damped",
    "simulate",
]

FloatArray = NDArray[np.float64]

DEFAULTS: dict[str, Any] = {
    "rounds": 10,
    "tol": 0.01,
    "stop": "positions",
    "p_success": "all_pairs",
    "risk": "alternatives",
    "q": 1.0,
    "t": 1.0,
    "perception": "sender",
    "selection": "least_change",
    "compromise": "bdm",
    "conflict": "move",
    "damping": 1.0,
    "forecast": "median",
}
"""Options of the ``"eu"`` model and their defaults."""

DAMPED_DEFAULTS: dict[str, Any] = {**DEFAULTS, "conflict": "expected", "damping": 0.5}
"""Options of the ``"eu-damped"`` model: conflicts end at the expected outcome, half steps."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "p_success": ("pair", "net", "all_pairs"),
    "risk": ("others", "alternatives", "grid", "none"),
    "perception": ("sender", "receiver", "both", "own"),
    "selection": ("highest_eu", "least_change", "type_priority"),
    "compromise": ("bdm", "scholz_code"),
    "conflict": ("move", "expected"),
    "forecast": ("median", "mean"),
    "stop": ("positions", "median"),
}

# offer types, in the order Scholz's code prefers them
NONE, CONFLICT, COMPROMISE, COMPEL = 0, 1, 2, 3
_TYPE_NAMES = ("none", "conflict", "compromise", "compel")


# --------------------------------------------------------------------------- options
def _check_options(opts: Mapping[str, Any], model: str = "eu") -> dict[str, Any]:
    """``opts`` checked: known keys, the named readings' allowed values, ``q``, ``t`` in
    [0, 1], ``damping`` in (0, 1], ``tol`` >= 0, ``rounds`` a whole number >= 0.

    Raises
    ------
    ModelParamError
        ``field="eu.<option>"``, the value and what is allowed.
    """
    _params.known(model, opts, DEFAULTS)
    for key, val in opts.items():
        if key in _CHOICES:
            _params.choice(model, key, val, _CHOICES[key])
        elif key in ("q", "t"):
            _params.number(model, key, val, lo=0.0, hi=1.0)
        elif key == "damping":
            _params.number(model, key, val, lo=0.0, hi=1.0, lo_open=True)
        elif key == "tol":
            _params.number(model, key, val, lo=0.0)
        elif key == "rounds":
            _params.integer(model, key, val, lo=0)
    return dict(opts)


def _cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
    from detente.models._costs import eu_cost

    return eu_cost(n, k, {**DEFAULTS, **params})


def _cost_damped(n: int, k: int, params: Mapping[str, Any]) -> Cost:
    from dataclasses import replace

    from detente.models._costs import eu_cost

    c = eu_cost(n, k, {**DAMPED_DEFAULTS, **params})
    return replace(
        c,
        what=c.what.replace("model eu ", "model eu-damped "),
        hint=c.hint.replace("-m eu", "-m eu-damped"),
    )


def _check_eu(opts: Mapping[str, Any]) -> dict[str, Any]:
    return _check_options(opts, "eu")


def _check_damped(opts: Mapping[str, Any]) -> dict[str, Any]:
    return _check_options(opts, "eu-damped")


# --------------------------------------------------------------------------- kernels
def _votes(u: FloatArray, w: FloatArray, present: NDArray[np.bool_]) -> FloatArray:
    """``v[k, i, j, :] = w_k (|x_k − x_j| − |x_k − x_i|)``: voter k's vote for i over j.

    ``u`` is ``(..., n, k)`` positions on the normalised scale, ``w`` ``(..., n, k)`` the
    capability × salience weights (zero for absent actors). Returns ``(..., n, n, n, k)``.
    """
    dist = np.abs(u[..., :, None, :] - u[..., None, :, :])  # (voter, a, k): |x_voter − x_a|
    v = w[..., :, None, None, :] * (dist[..., :, None, :, :] - dist[..., :, :, None, :])
    pair = present[..., :, None, :] & present[..., None, :, :]  # both candidates take part
    return np.where(pair[..., None, :, :, :], v, 0.0)


def _p_success(v: FloatArray, how: str) -> FloatArray:
    """Probability that i beats j, ``(..., n, n, k)``, from the votes ``(..., voter, i, j, k)``."""
    if how == "net":
        num = np.maximum(v.sum(axis=-4), 0.0)
    else:
        num = np.maximum(v, 0.0).sum(axis=-4)
    absv = np.abs(v).sum(axis=-4)
    if how == "all_pairs":
        den = np.broadcast_to(absv.sum(axis=(-3, -2), keepdims=True), absv.shape)
    else:
        den = absv
    return np.divide(num, den, out=np.full(num.shape, 0.5), where=den > 0)


def _median(u: FloatArray, w: FloatArray, present: NDArray[np.bool_]) -> FloatArray:
    """Median voter position: the Condorcet winner of linear votes = the weighted median."""
    return weighted_median(np.where(present, u, 0.0), w, present)


def _eu_matrix(
    u: FloatArray,
    mu: FloatArray,
    p: FloatArray,
    s: FloatArray,
    r: FloatArray | float,
    q: float,
    t: float,
) -> FloatArray:
    """``E[a, b]``: expected utility of a challenging b, with risk exponent ``r[a, b]``.

    ``u`` (..., n, k) normalised positions, ``mu`` (..., k) median, ``p`` (..., n, n, k),
    ``s`` (..., n, k) saliences, ``r`` broadcastable to (..., n, n, k).
    """
    xa = u[..., :, None, :]
    xb = u[..., None, :, :]
    d = np.abs(xa - xb)
    u_s = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * d, 0.0) ** r
    u_f = 2.0 - 4.0 * (0.5 + 0.5 * d) ** r
    u_sq = 2.0 - 4.0 * 0.5**r
    sb = s[..., None, :, :]
    e = sb * (p * u_s + (1.0 - p) * u_f) + (1.0 - sb) * u_s - q * u_sq
    if q == 1.0:  # (1 − Q) [T U_b + (1 − T) U_w] is ±0 (both utilities are finite): skipped
        return e
    bw = 0.25 * (np.abs(xa - mu[..., None, None, :]) + d)
    u_b = 2.0 - 4.0 * np.maximum(0.5 - bw, 0.0) ** r
    u_w = 2.0 - 4.0 * (0.5 + bw) ** r
    return e - (1.0 - q) * (t * u_b + (1.0 - t) * u_w)


def _pair_mask(present: NDArray[np.bool_]) -> NDArray[np.bool_]:
    n = present.shape[-2]
    off = ~np.eye(n, dtype=bool)[:, :, None]
    return present[..., :, None, :] & present[..., None, :, :] & off


def _danger(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    opts: dict[str, Any],
    pre: tuple[FloatArray, FloatArray] | None = None,
) -> FloatArray:
    """``S_b = sum_{a != b} EU_a(ab)`` at r = 1: the danger each actor's position draws.

    ``pre``: the probabilities of success and the median at ``u``, when already computed.
    """
    if pre is None:
        pre = (_p_success(_votes(u, w, present), opts["p_success"]), _median(u, w, present))
    p, mu = pre
    e = _eu_matrix(u, mu, p, s, 1.0, opts["q"], opts["t"])
    return np.where(_pair_mask(present), e, 0.0).sum(axis=-3)


def _scaled_risk(sb: FloatArray, smax: FloatArray, smin: FloatArray) -> FloatArray:
    rng_ = smax - smin
    big_r = np.divide(2.0 * sb - smax - smin, rng_, out=np.zeros(sb.shape), where=rng_ > 1e-12)
    big_r = np.clip(big_r, -1.0, 1.0)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def _risk_exponents(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    opts: dict[str, Any],
    pre: tuple[FloatArray, FloatArray] | None = None,
) -> FloatArray:
    """Risk exponents ``r`` (n, k) from security levels (Scholz steps 2–10).

    ``pre``: the probabilities of success and the median at ``u``, when already computed.
    """
    how = opts["risk"]
    k = u.shape[-1]
    if how == "none":
        return np.ones(u.shape)
    if how == "others":
        sd = _danger(u, w, s, present, opts, pre)
        smax = np.where(present, sd, -np.inf).max(axis=-2)
        smin = np.where(present, sd, np.inf).min(axis=-2)
        ok = present.any(axis=-2)
        smax, smin = np.where(ok, smax, 0.0), np.where(ok, smin, 0.0)
        return _scaled_risk(sd, smax, smin)
    # i's danger at alternative positions: one configuration per (candidate c, actor i),
    # in which actor i alone sits at the candidate position.
    if how == "alternatives":
        cand = np.where(present, u, np.nan)  # (C = n, k): the actors' positions
    else:  # grid
        cand = np.broadcast_to(np.linspace(0.0, 1.0, 11)[:, None], (11, k))
    own = _own_danger(u, w, s, present, cand, opts)  # (C, i, k)
    valid = ~np.isnan(own)
    cur = _danger(u, w, s, present, opts, pre)
    smax = np.where(valid, own, -np.inf).max(axis=0)
    smin = np.where(valid, own, np.inf).min(axis=0)
    smax = np.where(np.isfinite(smax), np.maximum(smax, cur), cur)
    smin = np.where(np.isfinite(smin), np.minimum(smin, cur), cur)
    return _scaled_risk(cur, smax, smin)


def _own_danger(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    cand: FloatArray,
    opts: dict[str, Any],
) -> FloatArray:
    """Danger to i, ``S_i = sum_{a != i} EU_a(ai)`` at r = 1, with i moved to each candidate.

    Parameters
    ----------
    u, w, s : (n, k) float
        Normalised positions, capability × salience weights and saliences (zero where absent).
    present : (n, k) bool
    cand : (C, k) float
        Candidate positions y_c (``nan`` where a candidate is missing).
    opts : dict
        The model options (``p_success``, ``q``, ``t`` are used).

    Returns
    -------
    (C, n, k) float
        ``S_i`` in the configuration where actor i alone sits at ``y_c``; ``nan`` where the
        candidate or actor i is missing.

    Notes
    -----
    There are C·n configurations, each with n challengers a and n voters k, so evaluating
    every vote costs O(C n³) = O(n⁴) per issue. It decomposes to O(n³): in configuration
    (c, i), voter k ≠ i votes for challenger a ≠ i over i (at y_c) with
    ``V[c, k, a] = w_k (|u_k − y_c| − |u_k − u_a|)``, which does not depend on i; only the
    voter k = i has moved, to y_c, and votes ``w_i (0 − |y_c − u_a|)``. Hence any sum over
    voters of a function f of the vote (the vote, its positive part, its absolute value) is
    ``Σ_k f(V[c, k, a]) − f(V[c, i, a]) + f(−w_i |y_c − u_a|)``: one total per (c, a),
    minus i's own term at its unmoved position, plus its term at y_c
    (:func:`_own_danger_chunk`). The all-pairs denominator splits the same way
    (:func:`_all_pairs_den`). Issues are processed in chunks to bound memory.
    """
    n, k = u.shape[-2:]
    ncand = cand.shape[0]
    chunk = max(1, int(4_000_000 // max(1, n * n * max(ncand, n))))
    out = np.empty((ncand, n, k))
    for lo in range(0, k, chunk):
        sl = slice(lo, min(k, lo + chunk))
        out[:, :, sl] = _own_danger_chunk(
            u[:, sl], w[:, sl], s[:, sl], present[:, sl], cand[:, sl], opts
        )
    return out


def _all_pairs_den(
    u: FloatArray, w: FloatArray, present: NDArray[np.bool_], dya: FloatArray
) -> FloatArray:
    """``sum_k sum_a sum_b |v_k(a, b)|`` for every configuration (i at y_c), ``(C, i, k)``.

    ``dya[c, a] = |u_a − y_c|`` (C, n, k). The sum splits into the terms in which no index
    is i (from the unmoved positions, by inclusion–exclusion over the (voter, a, b) cube),
    the terms with voter i (``A``) and those with a or b = i and another voter (``2 B``).

    ``A = w_i Σ_{a,b} |d'_a − d'_b|`` with ``d'_a = |x'_a − y_c|``: ``d'_a = dya[c, a]``
    except ``d'_i = 0``. From the sum D over all present pairs of the unmoved ``dya``:
    ``A = w_i (D − 2 Σ_b |d_i − d_b| + 2 Σ_{b≠i} d_b)``, O(C n²). ``B`` is
    ``Σ_{k≠i} Σ_{b≠i} w_k | |u_k − y_c| − |u_k − u_b| |``, from the (C, k, b) array by
    removing the k = i and b = i slices. Everything is O(n³) per issue.
    """
    n = u.shape[0]
    ar = np.arange(n)
    du = np.abs(u[:, None, :] - u[None, :, :])  # (k, a, issue)
    pp = present[:, None, :] & present[None, :, :]
    g = w[:, None, None, :] * np.abs(du[:, None, :, :] - du[:, :, None, :])  # (k, a, b, issue)
    g = np.where(present[:, None, None, :] & pp[None, :, :, :], g, 0.0)
    total = g.sum(axis=(0, 1, 2))
    with_i = (
        g.sum(axis=(1, 2))
        + g.sum(axis=(0, 2))
        + g.sum(axis=(0, 1))
        - np.einsum("iibz->iz", g)
        - np.einsum("iaiz->iz", g)
        - np.einsum("kiiz->iz", g)
        + np.einsum("iiiz->iz", g)
    )
    t0 = total[None, :] - with_i  # (i, issue)
    d = np.where(present[None], dya, 0.0)  # (C, a, issue)
    row = np.where(pp[None], np.abs(d[:, :, None, :] - d[:, None, :, :]), 0.0).sum(axis=2)
    a_sum = w[None] * (
        row.sum(axis=1)[:, None, :] - 2.0 * row + 2.0 * (d.sum(axis=1)[:, None, :] - d)
    )  # (C, i, issue)
    m = np.abs(du[None] - dya[:, :, None, :]) * (w[:, None, :] * pp)[None]  # (C, k, b, issue)
    b_sum = (
        m.sum(axis=(1, 2))[:, None, :] - m.sum(axis=2) - m.sum(axis=1) + m[:, ar, ar, :]
    )  # (C, i, issue): k != i and b != i
    return t0[None] + a_sum + 2.0 * b_sum


def _moved_medians(
    u: FloatArray, w: FloatArray, present: NDArray[np.bool_], y: FloatArray
) -> FloatArray:
    """Weighted median of every configuration (c, i) in which actor i alone sits at ``y_c``.

    Parameters
    ----------
    u, w : (n, k) float
        Unmoved positions and weights.
    present : (n, k) bool
    y : (C, k) float
        Candidate positions (finite).

    Returns
    -------
    (C, n, k) float
        What :func:`~detente.models.median.weighted_median` returns for each configuration:
        the smallest configuration position x whose cumulative weight ``F(x)`` (the weight at
        or below x) reaches half the total, up to the same ``1e-12`` relative tolerance.

    Notes
    -----
    Sorting every configuration costs O(C n² log n) per issue. Moving one actor changes the
    cumulative weight by ``F_ci(x) = F(x) − w_i [u_i ≤ x] + w_i [y_c ≤ x]``, and the median
    is the smallest x among the unmoved positions and ``y_c`` with ``F_ci(x)`` at half the
    total (``F_ci`` only steps at the configuration's positions, so including i's vacated
    position changes nothing), O(C n²) per issue. Weights are summed in another order than
    the sorted cumulative sum, so only a configuration whose cumulative weight lies within
    rounding of the tolerance-shifted half could pick another position.
    """
    wz = np.where(present, w, 0.0)
    wz = np.where((wz.sum(axis=0) <= 0) & present, 1.0, wz)  # all weightless: count each once
    key = np.where(present, u, np.inf)
    total = wz.sum(axis=0)
    half = 0.5 * total - 1e-12 * total
    f_at = (wz[None, :, :] * (key[None, :, :] <= key[:, None, :])).sum(axis=1)  # (m, k): F(u_m)
    f_y = (wz[None, :, :] * (key[None, :, :] <= y[:, None, :])).sum(axis=1)  # (C, k): F(y_c)
    wi = wz[None, :, None, :]  # (1, i, 1, k)
    below = key[:, None, :] <= key[None, :, :]  # (i, m, k): u_i <= u_m
    f_cfg = (
        f_at[None, None, :, :] - wi * below[None] + wi * (y[:, None, None, :] <= key[None, None])
    )  # (C, i, m, k): F_ci(u_m)
    at_m = np.where(f_cfg >= half, key[None, None], np.inf).min(axis=2)  # (C, i, k)
    f_cfg_y = f_y[:, None, :] - wz[None] * (key[None] <= y[:, None, :]) + wz[None]  # F_ci(y_c)
    at_y = np.where(present[None] & (f_cfg_y >= half), y[:, None, :], np.inf)
    med = np.minimum(at_m, at_y)
    return np.where(present.any(axis=0) & np.isfinite(med), med, np.nan)


def _own_danger_chunk(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    cand: FloatArray,
    opts: dict[str, Any],
) -> FloatArray:
    """:func:`_own_danger` on a chunk of issues; arrays are indexed ``(c, i, a, issue)``."""
    n = u.shape[0]
    eye = np.eye(n, dtype=bool)
    ok = ~np.isnan(cand)[:, None, :] & present[None, :, :]  # (C, i, k)
    y = np.where(np.isnan(cand), 0.0, cand)[:, None, :]  # (C, 1, k)
    pa = present[None, None, :, :]  # (1, 1, a, k)
    dya = np.abs(u[None, :, :] - y)  # (C, a, k): |u_a - y_c|, also |u_k - y_c| for voters
    du = np.abs(u[:, None, :] - u[None, :, :])  # (k, a, issue): |u_k - u_a|
    # V[c, k, a]: unmoved voter k's vote for a over i at y_c; read as (c, i, a) it is i's own
    v_far = np.where(pa, w[None, :, None, :] * (dya[:, :, None, :] - du[None]), 0.0)
    v_own = np.where(pa, -w[None, :, None, :] * dya[:, None, :, :], 0.0)  # (C, i, a, k)

    def over_voters(f: Callable[[FloatArray], FloatArray]) -> FloatArray:
        """``Σ_k f(vote of k for a over i)`` in configuration (c, i), ``(C, i, a, k)``."""
        fv = f(v_far)
        return fv.sum(axis=1, keepdims=True) - fv + f(v_own)

    if opts["p_success"] == "net":
        num = np.maximum(over_voters(lambda v: v), 0.0)
    else:
        num = over_voters(lambda v: np.maximum(v, 0.0))
    if opts["p_success"] == "all_pairs":
        den = _all_pairs_den(u, w, present, dya)[:, :, None, :]
    else:
        den = over_voters(np.abs)
    p = np.divide(num, den, out=np.full(num.shape, 0.5), where=den > 0)  # (C, i, a, k): P_ai
    dy = dya[:, None, :, :]  # (C, 1, a, k): |x'_a - y_c| for a != i
    u_s = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * dy, 0.0)
    u_f = 2.0 - 4.0 * (0.5 + 0.5 * dy)
    q, t = float(opts["q"]), float(opts["t"])
    sb = s[None, :, None, :]  # s_i: the target's salience
    # r = 1, so U_sq = 0
    eu = sb * (p * u_s + (1.0 - p) * u_f) + (1.0 - sb) * u_s
    if q < 1.0:  # the U_b / U_w terms need the median of every configuration
        mu = _moved_medians(u, w, present, y[:, 0, :])  # (C, i, k)
        bw = 0.25 * (np.abs(u[None, None, :, :] - mu[:, :, None, :]) + dy)  # x'_a = u_a, a != i
        u_b = 2.0 - 4.0 * np.maximum(0.5 - bw, 0.0)
        u_w = 2.0 - 4.0 * (0.5 + bw)
        eu = eu - (1.0 - q) * (t * u_b + (1.0 - t) * u_w)
    mask = pa & ~eye[None, :, :, None]
    danger = np.where(mask, eu, 0.0).sum(axis=2)
    return np.where(ok, danger, np.nan)


def _round_state(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    opts: dict[str, Any],
) -> dict[str, FloatArray]:
    """Everything one round computes from the current normalised positions ``u`` (n, k)."""
    v = _votes(u, w, present)
    p = _p_success(v, opts["p_success"])
    mu = _median(u, w, present)
    r = _risk_exponents(u, w, s, present, opts, (p, mu))
    e_row = _eu_matrix(u, mu, p, s, r[..., :, None, :], opts["q"], opts["t"])  # r of challenger
    u_c = e_row  # u_c[i, j] = EU_i(ij) judged with r_i
    if opts["perception"] == "own":
        u_r = np.swapaxes(e_row, -3, -2)  # u_r[i, j] = EU_j(ji) judged with r_j
    else:
        e_col = _eu_matrix(u, mu, p, s, r[..., None, :, :], opts["q"], opts["t"])  # r of target
        u_r = np.swapaxes(e_col, -3, -2)  # u_r[i, j] = EU_j(ji) judged with r_i
        if opts["perception"] != "sender":  # the receiver j judges both with r_j
            rec_c = e_col  # EU_i(ij) judged with r_j
            rec_r = np.swapaxes(e_row, -3, -2)  # EU_j(ji) judged with r_j
            if opts["perception"] == "receiver":
                u_c, u_r = rec_c, rec_r
            else:  # both: the sender's and the receiver's judgements, stacked on the sender axis
                u_c = np.concatenate([u_c, rec_c], axis=-3)
                u_r = np.concatenate([u_r, rec_r], axis=-3)
                p = np.concatenate([p, p], axis=-3)
    return {"p": p, "mu": mu, "r": r, "u_c": u_c, "u_r": u_r}


def _pairs(
    u: FloatArray, present: NDArray[np.bool_], reps: int
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Sender and receiver positions and the pairs that can bargain (both present, apart),
    with the sender axis repeated ``reps`` times (``perception="both"`` stacks two)."""
    xi = np.concatenate([u] * reps, axis=-2)[..., :, None, :]
    xj = u[..., None, :, :]
    pairs = np.concatenate([_pair_mask(present)] * reps, axis=-3) & (np.abs(xi - xj) > 1e-12)
    return xi, xj, pairs


def _classify(u_c: FloatArray, u_r: FloatArray, pairs: NDArray[np.bool_]) -> NDArray[np.int_]:
    """BDM's offer type of a challenger with ``U_c`` to a target with ``U_r`` (step 11)."""
    live = pairs & (u_c > 0.0)
    conflict = live & (u_r > 0.0) & (u_r < u_c)
    weak = live & (u_r <= 0.0)
    compromise = weak & (np.abs(u_r) < u_c)
    compel = weak & ~compromise
    return np.select([conflict, compromise, compel], [CONFLICT, COMPROMISE, COMPEL], NONE)


def _offers(
    u: FloatArray, st: dict[str, FloatArray], present: NDArray[np.bool_], opts: dict[str, Any]
) -> tuple[NDArray[np.int_], FloatArray]:
    """Offer type and proposed new position of the receiver, for sender i and receiver j."""
    u_c, u_r = st["u_c"], st["u_r"]
    xi, xj, pairs = _pairs(u, present, u_c.shape[-3] // u.shape[-2])
    kind = _classify(u_c, u_r, pairs)
    if opts["compromise"] == "bdm":
        frac = np.divide(np.abs(u_r), u_c, out=np.zeros(u_c.shape), where=u_c > 0)
        x_comp = xj + (xi - xj) * frac
    else:
        a, b = np.abs(u_c), np.abs(u_r)
        den = a + b
        x_comp = np.divide(
            a * xi + b * xj, den, out=np.broadcast_to(xj, den.shape).copy(), where=den > 0
        )
    if opts["conflict"] == "expected":
        x_conf = xj + (xi - xj) * st["p"]
    else:
        x_conf = np.broadcast_to(xi, u_c.shape)
    target = np.select(
        [kind == CONFLICT, kind == COMPROMISE, kind == COMPEL],
        [x_conf, x_comp, np.broadcast_to(xi, u_c.shape)],
        np.broadcast_to(xj, u_c.shape),
    )
    return kind, target


def _select(
    u: FloatArray,
    kind: NDArray[np.int_],
    target: FloatArray,
    u_c: FloatArray,
    opts: dict[str, Any],
) -> tuple[FloatArray, NDArray[np.int_]]:
    """Each receiver accepts at most one offer; returns its new position and the sender (−1)."""
    valid = kind != NONE
    move = np.abs(target - u[..., None, :, :])
    how = opts["selection"]
    if how == "highest_eu":
        best = np.where(valid, u_c, -np.inf).max(axis=-3, keepdims=True)
        keep = valid & (u_c >= best - 1e-12)
    elif how == "type_priority":
        prio = np.where(valid, kind, 99).min(axis=-3, keepdims=True)
        keep = valid & (kind == prio)
    else:
        keep = valid
    score = np.where(keep, move, np.inf)
    sender = np.argmin(score, axis=-3)  # (..., n_receiver, k); may index a stacked copy
    has = keep.any(axis=-3)
    chosen = np.take_along_axis(target, sender[..., None, :, :], axis=-3)[..., 0, :, :]
    new = np.where(has, u + float(opts["damping"]) * (chosen - u), u)
    return new, np.where(has, sender, -1)  # caller maps stacked senders back with % n


# --------------------------------------------------------------------------- public API
def _prepare(
    arrays: ScenarioArrays,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], Any]:
    """Normalise positions to the initial range per issue: ``u = (x − x_min)/Δ`` in [0, 1]."""
    present = np.asarray(arrays.present, bool)
    unit = np.where(present, arrays.unit_positions(), np.nan)
    lo = np.nanmin(np.where(present, unit, np.nan), axis=-2, initial=np.inf)
    hi = np.nanmax(np.where(present, unit, np.nan), axis=-2, initial=-np.inf)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    delta = np.where(np.isfinite(hi) & (hi - lo > 1e-12), hi - lo, 1.0)
    u = np.where(present, (unit - lo) / delta, 0.0)
    w = np.where(present, arrays.weights(), 0.0)
    s = np.where(present, arrays.salience, 0.0)
    return u, w, s, present, (lo, delta)


def perceptions(
    arrays: ScenarioArrays,
    positions: Any = None,
    **options: Any,
) -> dict[str, Any]:
    """Each actor's perceived expected utilities against every other actor (one round).

    Parameters
    ----------
    arrays : ScenarioArrays
    positions : (n, k) array, optional
        Positions in issue units to evaluate at (e.g. one round of a forecast's history);
        default the scenario's positions.
    **options
        The model options (see :data:`DEFAULTS`).

    Returns
    -------
    dict
        ``u_c`` (n, n, k): ``EU_i(ij)`` as i sees it; ``u_r`` (n, n, k): ``EU_j(ji)`` as i
        sees it; ``kind`` (n, n, k) int: 0 none, 1 conflict, 2 compromise, 3 compel (i's offer
        to j, as the round acts on it); ``kind_back`` (n, n, k): the offer i expects from j
        (the same rule with ``U_c`` and ``U_r`` swapped, still as i sees it); ``r`` (n, k)
        risk exponents; ``p`` (n, n, k) probabilities of success;
        ``median`` (k,) median voter position in issue units.

    Steps
    -----
    1. Normalise positions by the initial range of positions per issue.
    2. Votes, probability of success, the median, the risk exponents, the expected utilities
       (Scholz et al. 2011, appendix steps 1–10).
    3. Classify each pair's offers both ways with the rule the rounds use (step 11).

    References
    ----------
    Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
    decision model. *Journal of Theoretical Politics* 23(4), 510–531.
    """
    opts = _check_options({**DEFAULTS, **options})
    u, w, s, present, (lo, delta) = _prepare(arrays)
    if positions is not None:
        unit = arrays.to_unit(np.asarray(positions, float))
        u = np.where(present, (unit - lo) / delta, 0.0)
    st = _round_state(u, w, s, present, opts)
    kind, _ = _offers(u, st, present, opts)
    _, _, pairs = _pairs(u, present, st["u_c"].shape[-3] // u.shape[-2])
    kind_back = _classify(st["u_r"], st["u_c"], pairs)
    mu_issue = arrays.from_unit(lo + delta * st["mu"])
    return {
        "u_c": st["u_c"],
        "u_r": st["u_r"],
        "kind": kind,
        "kind_back": kind_back,
        "r": st["r"],
        "p": st["p"],
        "median": mu_issue,
        "kind_names": _TYPE_NAMES,
    }


#: Peak elements of one (n, n, n, issues) array a round may hold (2**24 doubles: 128 MB);
#: beyond it the round runs on chunks of issues (see :func:`_issue_chunks`).
CHUNK_ELEMENTS = 1 << 24


def _issue_chunks(n: int, k: int, budget: int | None = None) -> list[tuple[slice, slice]]:
    """The chunks of issues one round runs on: ``(computed, kept)`` slices into the issues.

    All issues at once while ``n**3 k`` fits ``budget`` (every scenario of normal size);
    otherwise as many issues as fit, at least two at a time: numpy sums an axis in another
    order when the issue axis has length 1, so a lone last issue is computed together with
    the one before it and only its own column kept. Issues do not interact, so the numbers
    are those of the whole round.
    """
    budget = CHUNK_ELEMENTS if budget is None else budget
    per = max(1, n**3)
    if k <= 2 or per * k <= budget:
        return [(slice(0, k), slice(0, k))]
    size = max(2, budget // per)
    out = []
    for lo in range(0, k, size):
        hi = min(k, lo + size)
        if hi - lo == 1:  # the lone last issue: computed with its neighbour
            out.append((slice(lo - 1, hi), slice(1, 2)))
        else:
            out.append((slice(lo, hi), slice(0, hi - lo)))
    return out


def _round(
    u: FloatArray,
    w: FloatArray,
    s: FloatArray,
    present: NDArray[np.bool_],
    opts: dict[str, Any],
    budget: int | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.int_], NDArray[np.int_]]:
    """One round on every issue, chunk by chunk (:func:`_issue_chunks`); progress per chunk.

    Returns the median, the risk exponents, the new positions, who each actor accepted an
    offer from (-1: none) and that offer's type.
    """
    from detente.progress import task

    n, k = u.shape
    mu, r, new = np.empty(k), np.empty((n, k)), np.empty((n, k))
    sender, acc_kind = np.empty((n, k), dtype=np.int64), np.empty((n, k), dtype=np.int64)
    chunks = _issue_chunks(n, k, budget)
    with task("eu: issues of the round", total=len(chunks)) as advance:
        for calc, keep in chunks:
            cu, cp = u[:, calc], present[:, calc]
            st = _round_state(cu, w[:, calc], s[:, calc], cp, opts)
            kind, target = _offers(cu, st, cp, opts)
            c_new, c_sender = _select(cu, kind, target, st["u_c"], opts)
            c_kind = np.where(
                c_sender >= 0,
                np.take_along_axis(kind, np.maximum(c_sender, 0)[None], axis=0)[0],
                NONE,
            )
            dst = slice(calc.start + keep.start, calc.start + keep.stop)
            mu[dst], r[:, dst], new[:, dst] = st["mu"][keep], st["r"][:, keep], c_new[:, keep]
            sender[:, dst] = np.where(c_sender >= 0, c_sender % n, -1)[:, keep]
            acc_kind[:, dst] = c_kind[:, keep]
            advance()
    return mu, r, new, sender, acc_kind


def simulate(arrays: ScenarioArrays, **options: Any) -> dict[str, Any]:
    """Run the model's rounds; return the history and per-round diagnostics (issue units).

    Returns a dict with ``history`` (rounds+1, n, k), ``median`` (rounds+1, k), ``risk``
    (rounds, n, k), ``sender`` (rounds, n, k) (who each actor accepted an offer from, −1 for
    none) and ``kind`` (rounds, n, k) (the accepted offer's type).
    """
    opts = _check_options({**DEFAULTS, **options})
    u, w, s, present, (lo, delta) = _prepare(arrays)
    rounds = int(opts["rounds"])
    tol = float(opts["tol"])
    hist = [u]
    meds = []
    risks, senders, kinds = [], [], []
    active = present.any(axis=-2)  # issues still bargaining
    stopped_at = np.full(active.shape, rounds)
    for t in range(rounds):
        if not active.any():
            break
        mu, r, new, sender, acc_kind = _round(u, w, s, present, opts)
        meds.append(mu)
        risks.append(r)
        senders.append(np.where(active, sender, -1))
        kinds.append(np.where(active, acc_kind, NONE))
        u_old = u
        u = np.where(present & active, new, u)
        hist.append(u)
        # stopping rule: an issue stops once no actor (or, with stop="median", the median
        # voter position; BDM's rule) moves by tol of the range or more
        if opts["stop"] == "median":
            shift = np.abs(_median(u, w, present) - mu)
        else:
            shift = np.where(present, np.abs(u - u_old), 0.0).max(axis=-2)
        done = active & (shift < tol)
        stopped_at = np.where(done, t + 1, stopped_at)
        active = active & ~done
    meds.append(_median(u, w, present))

    def to_issue(x: FloatArray) -> FloatArray:
        return arrays.from_unit(lo + delta * x)

    history = np.stack([np.where(present, to_issue(h), np.nan) for h in hist])
    return {
        "history": history,
        "median": np.stack([to_issue(m) for m in meds]),
        "risk": np.stack(risks) if risks else np.empty((0, *u.shape)),
        "sender": np.stack(senders) if senders else np.empty((0, *u.shape), int),
        "kind": np.stack(kinds) if kinds else np.empty((0, *u.shape), int),
        "stopped_at": np.where(present.any(axis=-2), np.minimum(stopped_at, len(hist) - 1), 0),
        "options": opts,
    }


def _forecast(arrays: ScenarioArrays, sim: dict[str, Any], how: str) -> FloatArray:
    last = sim["history"][-1]
    if how == "median":
        fc = sim["median"][-1]
    else:
        from detente.models.compromise import weighted_mean

        fc = weighted_mean(np.where(arrays.present, last, 0.0), arrays.weights(), arrays.present)
    return np.where(arrays.present.any(axis=0), fc, np.nan)


_CITATION = (
    "Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011) 'Unravelling Bueno De Mesquita's group "
    "decision model', Journal of Theoretical Politics 23(4): 510–531; Bueno de Mesquita, B. (1994) "
    "'Political forecasting: an expected utility method', in Bueno de Mesquita & Stokman (eds.) "
    "European Community Decision Making, Yale UP, 71–104; Bueno de Mesquita, B. (2002) "
    "Predicting Politics, Ohio State UP."
)


def _run(name: str, arrays: ScenarioArrays, opts: dict[str, Any]) -> Forecast:
    sim = simulate(arrays, **opts)
    fc = _forecast(arrays, sim, sim["options"]["forecast"])
    extra = {
        "options": sim["options"],
        "median_by_round": sim["median"],
        "risk_by_round": sim["risk"],
        "accepted_from": sim["sender"],
        "accepted_kind": sim["kind"],
        "stopped_at": sim["stopped_at"],
    }
    return Forecast(name, arrays.issue_ids, arrays.actor_ids, fc, sim["history"], extra)


@register(
    "eu",
    title="Expected-utility model (Bueno de Mesquita; Scholz, Calbert & Smith 2011 reading)",
    citation=_CITATION,
    dynamic=True,
    params=dict(DEFAULTS),
    check_params=_check_eu,
    cost=_cost,
)
def run(arrays: ScenarioArrays, *, rng: RNG = None, **options: Any) -> Forecast:
    """Forecast each issue with Bueno de Mesquita's expected-utility ("challenge") model.

    Steps
    -----
    1. Normalise each issue's positions by their initial range Δ, so distances lie in [0, 1].
    2. Each round, from the current positions:

       a. votes ``v_k(i,j) = c_k s_k (|x_k − x_j| − |x_k − x_i|)``; the median voter position
          μ (the Condorcet winner = the c·s-weighted median);
       b. probability of success ``P_ij`` (option ``p_success``). Default ``"all_pairs"``
          (Scholz's code as jmckib reports it):
          ``P_ij = Σ_k max(v_k(i,j), 0) / Σ_k Σ_a Σ_b |v_k(a,b)|``; ``"pair"`` (Scholz's
          paper): ``Σ_k max(v_k(i,j), 0) / Σ_k |v_k(i,j)|``; ``"net"`` (Masad):
          ``max(Σ_k v_k(i,j), 0) / Σ_k |v_k(i,j)|``;
       c. risk exponents r_i from security levels (option ``risk``). With r = 1 the danger to
          i is ``S_i = Σ_{j≠i} EU_j(ji)``, and ``R_i = (2 S_i − S_max − S_min)/(S_max −
          S_min)``, ``r_i = (1 − R_i/3)/(1 + R_i/3)``. Default ``"alternatives"`` (BDM):
          ``S_max``, ``S_min`` over i's own dangers with i moved to each other actor's
          position (and at its own); ``"others"`` (Scholz): over the other actors' dangers;
          ``"grid"``: over i's dangers at 0, 0.1, …, 1; ``"none"``: r = 1;
       d. utilities ``U_s, U_f, U_b, U_w, U_sq`` with exponent r and the expected utility of
          i challenging j,
          ``EU_i(ij) = s_j[P U_s + (1−P) U_f] + (1−s_j) U_s − Q U_sq − (1−Q)[T U_b + (1−T) U_w]``;
          i judges j's expected utility ``EU_j(ji)`` with its own r_i (option ``perception``,
          default ``"sender"``);
       e. offers: i makes j an offer when ``U_c = EU_i(ij) > 0``: conflict if
          ``0 < U_r < U_c`` (j moves to x_i), compromise if ``U_r ≤ 0, |U_r| < U_c``
          (j moves to ``x_j + (x_i − x_j)|U_r/U_c|``), compel otherwise (j moves to x_i);
       f. each actor accepts at most one offer, by default the one needing the least move
          (option ``selection``), and moves (times ``damping``), all at once.
    3. Stopping: an issue stops once no actor moved by ``tol`` (default 0.01) of its range
       or more in a round (``stop="positions"``; with ``stop="median"``, once the median
       moved by less than that, BDM's rule), and after ``rounds`` (10) rounds at most; a
       stopped issue keeps its positions while the others go on.
    4. The forecast is the median voter position of the last round (option ``forecast``;
       ``"mean"``: the c·s-weighted mean of the last round's positions).

    Parameters
    ----------
    arrays : ScenarioArrays
    rng : ignored (the model is deterministic)
    **options
        See :data:`DEFAULTS` and the module docstring: ``rounds, tol, stop, p_success, risk,
        q, t, perception, selection, compromise, conflict, damping, forecast``.

    Returns
    -------
    Forecast
        ``history`` (rounds run + 1, n, k) in issue units; ``extra`` holds the options, the
        median by round, the risk exponents by round, each actor's accepted offer by round and
        the round at which each issue stopped.

    References
    ----------
    Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
    B. Bueno de Mesquita & F. N. Stokman (eds.), *European Community Decision Making*, 71–104.
    Bueno de Mesquita, B. (2002). *Predicting Politics*. Ohio State University Press.
    Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
    decision model. *Journal of Theoretical Politics* 23(4), 510–531.
    """
    return _run("eu", arrays, {**DEFAULTS, **options})


@register(
    "eu-damped",
    title="Expected-utility model, damped (expected-outcome conflicts, half steps)",
    citation=_CITATION + " Damping: detente (see docs/explanation/expected-utility.md).",
    dynamic=True,
    params=dict(DAMPED_DEFAULTS),
    check_params=_check_damped,
    cost=_cost_damped,
)
def run_damped(arrays: ScenarioArrays, *, rng: RNG = None, **options: Any) -> Forecast:
    """The expected-utility model with damped moves, so that actors do not stampede.

    Steps
    -----
    1. As :func:`run`, with two changes to step 2f.
    2. A conflict ends at its expected outcome: the loser moves to
       ``x_j + P_ij (x_i − x_j)`` instead of all the way to the winner (``conflict="expected"``).
    3. Every accepted move covers only ``damping`` (default 0.5) of the way to the offer.

    All moves are convex combinations of current positions, so positions stay within the
    hull of the initial positions, and the jumps between the poles that the undamped model
    makes on DEU issues are smoothed out.

    References
    ----------
    Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
    decision model. *Journal of Theoretical Politics* 23(4), 510–531.
    """
    return _run("eu-damped", arrays, {**DAMPED_DEFAULTS, **options})


# --------------------------------------------------------------------------- draw axis
#: Peak elements of one (n, n, n, columns) array a batch chunk may hold (2**21 doubles:
#: 16 MB); the draws run in chunks of ``BATCH_ELEMENTS // (n**2 max(n, C) k)`` draws.
BATCH_ELEMENTS = 1 << 21


def _own_chunk(n: int, opts: Mapping[str, Any]) -> int:
    """Issues :func:`_own_danger` takes at a time (the same rule as in its body)."""
    ncand = 11 if opts["risk"] == "grid" else n
    return max(1, int(4_000_000 // max(1, n * n * max(ncand, n))))


def _draws_per_chunk(n: int, k: int, opts: Mapping[str, Any]) -> int:
    """Draws a batch chunk holds; 0 when the batch cannot reproduce a single run's numbers.

    A single run computes every issue of a round in one array when ``n**3 k`` fits
    :data:`CHUNK_ELEMENTS` and :func:`_own_danger` takes all ``k`` issues at once; its
    numbers then depend only on each issue's own column, so the draws of a chunk can sit side
    by side on the issue axis. A one-issue scenario is summed in another order by numpy (a
    length-1 issue axis) and larger ones in chunks: those run draw by draw (0).
    """
    per = max(1, n**3)
    cols = min(CHUNK_ELEMENTS // per, _own_chunk(n, opts))
    if k < 2 or k > cols:
        return 0
    ncand = 11 if opts["risk"] == "grid" else n
    return max(1, min(cols, BATCH_ELEMENTS // max(1, n * n * max(ncand, n))) // k)


def _fold(x: Any, m: int, shape: tuple[int, int]) -> Any:
    """``(m, n, k)`` (or ``(n, k)``, shared) as ``(n, m k)``: draw d's issues at ``d k ..``."""
    n, k = shape
    x = np.broadcast_to(x, (m, n, k))
    return np.ascontiguousarray(np.moveaxis(x, 0, 1).reshape(n, m * k))


def _batch_prepare(
    arrays: ScenarioArrays,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], FloatArray, FloatArray]:
    """:func:`_prepare` over a draw axis: ``u, w, s`` (m, n, k), ``present`` (n, k), the
    per-draw lower end and range of the positions ``lo, delta`` (m, k)."""
    present = np.asarray(arrays.present, bool)
    unit = np.where(present, arrays.unit_positions(), np.nan)
    lo = np.nanmin(np.where(present, unit, np.nan), axis=-2, initial=np.inf)
    hi = np.nanmax(np.where(present, unit, np.nan), axis=-2, initial=-np.inf)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    delta = np.where(np.isfinite(hi) & (hi - lo > 1e-12), hi - lo, 1.0)
    u = np.where(present, (unit - lo[..., None, :]) / delta[..., None, :], 0.0)
    w = np.where(present, arrays.weights(), 0.0)
    s = np.where(present, arrays.salience, 0.0)
    return u, w, s, present, lo, delta


def _batch_rounds(
    u: FloatArray, w: FloatArray, s: FloatArray, present: NDArray[np.bool_], opts: dict[str, Any]
) -> FloatArray:
    """The rounds of :func:`simulate` on folded columns ``(n, K)``; the last positions.

    Each round computes only the columns still bargaining (a contiguous copy, as a single run
    holds them; a lone column is computed beside a neighbour, see :func:`_issue_chunks`).
    """
    u = u.copy()
    tol = float(opts["tol"])
    active: NDArray[np.bool_] = np.array(present.any(axis=-2))
    for _ in range(int(opts["rounds"])):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        keep = idx.size
        calc = idx if keep > 1 else np.array([idx[0], idx[0] - 1 if idx[0] > 0 else 1])
        cu, cw = np.ascontiguousarray(u[:, calc]), np.ascontiguousarray(w[:, calc])
        cs, cp = np.ascontiguousarray(s[:, calc]), np.ascontiguousarray(present[:, calc])
        st = _round_state(cu, cw, cs, cp, opts)
        kind, target = _offers(cu, st, cp, opts)
        new = _select(cu, kind, target, st["u_c"], opts)[0][:, :keep]
        cu, cp, cw = cu[:, :keep], cp[:, :keep], cw[:, :keep]
        moved = np.where(cp, new, cu)
        if opts["stop"] == "median":
            shift = np.abs(_median(moved, cw, cp) - st["mu"][:keep])
        else:
            shift = np.where(cp, np.abs(moved - cu), 0.0).max(axis=-2)
        u[:, idx] = moved
        active[idx[shift < tol]] = False
    return u


def _batch_chunk(arrays: ScenarioArrays, opts: dict[str, Any]) -> FloatArray:
    """Forecasts ``(m, k)`` of one chunk of draws, every issue of every draw in one array."""
    u, w, s, present, lo, delta = _batch_prepare(arrays)
    m, n, k = u.shape
    pres = _fold(present, m, (n, k))
    last = _batch_rounds(_fold(u, m, (n, k)), _fold(w, m, (n, k)), _fold(s, m, (n, k)), pres, opts)
    if opts["forecast"] == "median":
        fc = arrays.from_unit(lo + delta * _median(last, _fold(w, m, (n, k)), pres).reshape(m, k))
    else:
        from detente.models.compromise import weighted_mean

        x = np.moveaxis(last.reshape(n, m, k), 1, 0)
        hist = np.where(present, arrays.from_unit(lo[:, None, :] + delta[:, None, :] * x), np.nan)
        weights = arrays.weights()
        fc = weighted_mean(np.where(present, hist, 0.0), weights, np.broadcast_to(present, x.shape))
    return np.where(present.any(axis=0), fc, np.nan)


def _batch(name: str, arrays: ScenarioArrays, opts: dict[str, Any]) -> FloatArray:
    """Steps of :func:`batch`: check, chunk the draws, run each chunk, or loop draw by draw."""
    from detente.progress import task

    opts = _check_options(opts, name)
    m = arrays.n_draws
    if m is None:
        return _run(name, arrays, opts).forecast[None, :]
    from detente.scenario.draws import InputDraws

    draws = InputDraws(arrays)
    per = _draws_per_chunk(arrays.n_actors, arrays.n_issues, opts)
    out = np.empty((m, arrays.n_issues))
    with task(f"{name}: draws", total=m) as advance:
        for lo in range(0, m, max(1, per)):
            hi = min(m, lo + max(1, per))
            if per > 0:
                out[lo:hi] = _batch_chunk(draws.take(lo, hi).arrays, opts)
            else:
                out[lo] = _run(name, draws.point(lo), opts).forecast
            advance(hi - lo)
    return out


def batch_cost(n: int, k: int, m: int, params: Mapping[str, Any]) -> Cost:
    """Estimated peak memory and time of :func:`batch` over ``m`` draws of n actors x k issues.

    Memory is that of one chunk of draws (:data:`BATCH_ELEMENTS`), or of one single run when
    the draws run one by one; time is ``m`` times the time a draw takes in a chunk, measured
    on the Miami example by benchmarks/bench_ensemble.py (5 actors x 12 issues, one core, load
    average 1.0 at the start: 1.24 ms a draw with the defaults, benchmarks/results/ensemble.md) and
    rounded up to ``1.2e-7 n^3 k`` s for each of ``rounds`` rounds (1.8 ms a draw there: an
    estimate meant to be high), or ``m`` single runs.
    """
    from dataclasses import replace

    opts = {**DEFAULTS, **params}
    one = _cost(n, k, opts)
    per = _draws_per_chunk(n, k, opts)
    if per == 0:
        return replace(one, what=f"{one.what}, {m} draws one by one", seconds=m * one.seconds)
    ncand = 11 if opts["risk"] == "grid" else n
    cols = per * k
    return replace(
        one,
        what=f"{one.what}, {m} draws in chunks of {per}",
        bytes=2e7 + 30.0 * n * n * max(ncand, n) * cols,
        seconds=m * max(1, int(opts["rounds"])) * 1.2e-7 * max(1, n**3) * k,
    )


@register_batch("eu", cost=batch_cost)
def batch(arrays: ScenarioArrays, *, rng: RNG = None, **options: Any) -> FloatArray:
    """:func:`run`'s forecast for every draw of ``arrays`` at once: ``(m, k)`` issue units.

    Each row is, bit for bit, ``run(draw d).forecast``.

    Steps
    -----
    1. Check the options; decide how many draws a chunk holds (:func:`_draws_per_chunk`),
       within :data:`BATCH_ELEMENTS`.
    2. For each chunk of draws, normalise every draw by its own initial range and lay the
       draws side by side on the issue axis (issues never interact in the model, so an
       issue of a draw is one more column; the numbers of a column do not depend on the others
       once it is held in a C-ordered array beside at least one other column).
    3. Run the rounds on the columns still bargaining; the stopping rule per column as in
       :func:`run`; the forecast (median or mean) of each draw's last positions.
    4. One-issue scenarios and scenarios too large for one array per round run draw by draw.

    Parameters
    ----------
    arrays : ScenarioArrays
        With a leading draw axis: capability (m, n), position and salience (m, n, k).
    rng : ignored (the model is deterministic)
    **options
        As for :func:`run`.

    References
    ----------
    Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
    decision model. *Journal of Theoretical Politics* 23(4), 510–531.
    """
    return _batch("eu", arrays, {**DEFAULTS, **options})


@register_batch("eu-damped", cost=batch_cost)
def batch_damped(arrays: ScenarioArrays, *, rng: RNG = None, **options: Any) -> FloatArray:
    """:func:`run_damped`'s forecast for every draw at once, as :func:`batch` does for ``eu``.

    References
    ----------
    Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
    decision model. *Journal of Theoretical Politics* 23(4), 510–531.
    """
    return _batch("eu-damped", arrays, {**DAMPED_DEFAULTS, **options})
