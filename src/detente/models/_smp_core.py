"""Numeric kernels of KTAB's Spatial Model of Politics (private; see :mod:`detente.models.smp`).

All positions here are on KTAB's internal 0–1 scale. Every function works on whole arrays:
pairwise quantities are (n, n) broadcasts, the third-party sums are (b, n, n) blocks over a
chunk of b initiators at a time, so memory stays O(b n^2).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np

MIN_CLTN = 1e-8  # Model::coalitions: floor of a coalition's strength
MIN_CLTN_CHLG = 1e-10  # probEduChlg / vProbLittle: floor of a coalition's strength
POS_TOL = 1e-3  # positions closer than this (0.1 on 0-100) are one position
MIN_SIG_EDU = 1e-5  # a challenge must gain more than this
GLOBAL_ORDER = True  # staged sums: heaviest voters first, same order for every initiator
BRGN_MIN_W = 1e-6  # interpolateBrgn: weight floor
#: Ties. Actors often share positions (DEU: 0, 50, 100), so several targets or bargains are
#: often exactly as good, and the fast and the reference paths add in different orders: a
#: strict ``argmax`` would let rounding noise decide such ties, differently in each path.
#: So the decisions are taken in two steps. Candidates within ``CLOSE_GAIN`` of the best gain
#: (or ``CLOSE_PROB``, relative, of a queue's most probable option) are evaluated once more by
#: the reference formula, in a call whose numbers do not depend on the path; among those, the
#: lowest index within ``TIE_GAIN`` (``TIE_PROB``, relative) of the best wins, as KTAB's
#: "first maximum" would in exact arithmetic. The pruning keeps every pair within
#: ``PRUNE_SLACK`` of the best, which must exceed ``TIE_GAIN`` plus the paths' rounding.
TIE_GAIN = 1e-9
CLOSE_GAIN = 1e-7
PRUNE_SLACK = 1e-8
TIE_PROB = 1e-9
CLOSE_PROB = 1e-5


# ----------------------------------------------------------------------------- basics
def _sq_diff_sum(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """``out[a, b] = sum_k w[a, k] (x[a, k] - y[b, k])^2`` (``w`` = 1 when None), (n, m).

    Every element is the same sum, added dimension after dimension from 0, whatever the
    path: small inputs make all squared differences in one (k, n, m) array (three numpy calls
    instead of three per dimension; ``t.sum(axis=0)`` is avoided, it may add pairwise);
    larger ones go in blocks of rows that stay in cache across the dimensions.
    """
    n, m, k = x.shape[0], y.shape[0], x.shape[1]
    if n * m * k <= 65536:
        t = np.empty((k, n, m))
        np.subtract(x.T[:, :, None], y.T[:, None, :], out=t)
        np.multiply(t, t, out=t)
        if w is not None:
            t *= w.T[:, :, None]
        out = t[0].copy()  # = 0 + t[0]
        for kk in range(1, k):
            out += t[kk]
        return out
    out = np.zeros((n, m))
    rows = max(1, 65536 // m)
    buf = np.empty((min(rows, n), m))
    for r0 in range(0, n, rows):  # fixed chunks of rows
        r1 = min(n, r0 + rows)
        tmp, acc = buf[: r1 - r0], out[r0:r1]
        for kk in range(k):
            np.subtract(x[r0:r1, kk, None], y[None, :, kk], out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            if w is not None:
                tmp *= w[r0:r1, kk, None]
            acc += tmp
    return out


def distance(ideal: np.ndarray, pos: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """``d[i, j]``: salience-weighted normalised Euclidean distance from i's ideal to j's position.

    ``d_ij = sqrt( sum_k (s_ik (q_ik - p_jk))^2 / sum_k s_ik^2 )``; 0 for an actor with no
    salience at all. Accumulated one dimension at a time in two (n, m) arrays (a loop over
    dimensions, not actors).
    """
    s2 = sal * sal
    den = s2.sum(axis=1)
    num = _sq_diff_sum(ideal, pos, s2)
    if bool((den > 0).all()):  # the usual case: no masks needed
        out = np.divide(num, den[:, None], out=num)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(den[:, None] > 0, num / np.where(den > 0, den, 1.0)[:, None], 0.0)
    np.minimum(out, 1.0, out=out)  # out >= 0 (squares over a positive sum): clip to [0, 1]
    return np.sqrt(out, out=out)


def util(d: Any, r: Any) -> Any:
    """``u(d, R) = (1 - d)(1 + d R)`` for ``d <= 1``, ``(1 - d)(1 + R)`` beyond (``bsUtil``)."""
    return (1.0 - d) * (1.0 + np.minimum(d, 1.0) * r)


def vote(rule: str, w: Any, ua: Any, ub: Any) -> Any:
    """The vote of a voter with weight ``w`` between options a and b (``Model::vote``)."""
    delta = ua - ub
    if rule == "Proportional":
        return w * delta
    if rule == "Binary":
        return w * np.clip(delta / 1e-8, -1.0, 1.0)
    if rule == "PropBin":
        return w * (0.8 * delta + 0.2 * np.clip(delta / 1e-8, -1.0, 1.0))
    if rule == "PropCbc":
        return w * (0.5 * delta + 0.5 * delta**3)
    if rule == "Cubic":
        return w * delta**3
    if rule == "ASymProsp":
        return np.where(delta < 0, w * delta, (2.0 / 3.0) * w * delta)
    raise ValueError(f"unknown VotingRule {rule!r}")


def vict_prob(model: str, c_ab: Any, c_ba: Any) -> Any:
    """``V(a, b)`` from the two coalition strengths (``Model::vProb``)."""
    if model == "Binary":
        # A 10 % advantage wins outright; linear in the relative margin below that.
        rel = (c_ab - c_ba) / np.maximum(c_ab, c_ba)
        return np.clip(0.5 + 0.5 * rel / (0.1 / 1.1), 0.0, 1.0)
    nu = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
    if nu == 1:
        return c_ab / (c_ab + c_ba)
    # ratio form avoids overflow of c**8
    m = np.maximum(c_ab, c_ba)
    x, y = (c_ab / m) ** nu, (c_ba / m) ** nu
    return x / (x + y)


def _cityblock(x: np.ndarray) -> np.ndarray:
    """Square matrix of cityblock distances between the rows of ``x`` (compiled code).

    Large inputs are cut into two halves A, B: one thread computes A-B, the other A-A and
    B-B, so both cores share the triangle; each entry is the same number as ``pdist``'s.
    """
    from scipy.spatial.distance import cdist, pdist, squareform

    m = x.shape[0]
    if m * m * x.shape[1] <= 100_000:
        # small: pdist + squareform cost more in wrappers than cdist's one call, which
        # computes both triangles with pdist's kernel (each pair's |x_a - x_b| added in
        # column order, the same for (b, a)): the same numbers, twice the arithmetic
        return cdist(x, x, "cityblock")
    if m * m * x.shape[1] < 4_000_000 or _n_threads() < 2:
        return squareform(pdist(x, "cityblock"))
    from concurrent.futures import ThreadPoolExecutor

    h = m // 2
    out = np.zeros((m, m))

    def cross() -> None:
        ab = cdist(x[:h], x[h:], "cityblock")
        out[:h, h:] = ab
        out[h:, :h] = ab.T

    def own() -> None:
        out[:h, :h] = squareform(pdist(x[:h], "cityblock"))
        out[h:, h:] = squareform(pdist(x[h:], "cityblock"))

    with ThreadPoolExecutor(2) as ex:
        for f in [ex.submit(cross), ex.submit(own)]:
            f.result()
    return out


def coalitions(
    u: np.ndarray, w: np.ndarray, rule: str, chunk: int = 8_000_000, direct: bool = False
) -> np.ndarray:
    """``C[..., a, b] = 1e-8 + sum_k max(vote_k(a, b), 0)`` for utilities ``u[..., k, a]``.

    ``u`` has voters on axis -2 and options on axis -1; ``w`` is (..., k).
    For the proportional rule on one scenario the sum of positive parts is computed as
    ``(sum_k w_k (u_ka - u_kb) + sum_k |w_k u_ka - w_k u_kb|) / 2``, the second term a
    cityblock distance between option columns (O(m^2 k) in compiled code, no (m, m, k) array),
    unless ``direct`` (the sum of the votes' positive parts as written: equal options get
    exactly equal coalitions, the same numbers as the batched (..., k, m) form).
    """
    if u.ndim == 2 and rule == "Proportional" and u.shape[1] > 1 and not direct:
        x = np.ascontiguousarray((u * w[:, None]).T)  # (m, k)
        l1 = _cityblock(x)
        tot = x.sum(axis=1)
        return MIN_CLTN + np.maximum(0.5 * ((tot[:, None] - tot[None, :]) + l1), 0.0)
    ut = np.swapaxes(u, -1, -2)  # (..., a, k)
    if u.ndim == 2:
        m, k = ut.shape
        out = np.empty((m, m))
        rows = max(1, chunk // max(1, m * k))
        for a0 in range(0, m, rows):
            a1 = min(m, a0 + rows)
            v = vote(rule, w[None, None, :], ut[a0:a1, None, :], ut[None, :, :])
            out[a0:a1] = MIN_CLTN + np.maximum(v, 0.0).sum(axis=-1)
        return out
    v = vote(rule, w[..., None, None, :], ut[..., :, None, :], ut[..., None, :, :])
    return MIN_CLTN + np.maximum(v, 0.0).sum(axis=-1)


def pce(
    u: np.ndarray,
    w: np.ndarray,
    rule: str,
    vpm: str,
    pcem: str,
    valid: np.ndarray | None = None,
    inverse: np.ndarray | None = None,
    direct: bool = False,
) -> np.ndarray:
    """Probabilistic Condorcet election over options (``Model::scalarPCE`` / ``probCE2``).

    Parameters
    ----------
    u : (..., k, m) utilities of each voter k for each option m.
    w : (..., k) voting weights.
    valid : (..., m) bool, optional — options that exist (padding otherwise; probability 0).
    inverse : (m_all,) int, optional — ``u`` holds each distinct option once (2-D ``u``
        only); option ``a`` of the election is ``u[:, inverse[a]]``. The coalitions are
        computed once per distinct option and spread, so the result equals the election
        over all ``m_all`` options.
    direct : bool — coalitions by the plain sum of positive votes (see :func:`coalitions`).

    Returns
    -------
    (..., m) probabilities summing to 1 over the valid options.
    """
    c = coalitions(u, w, rule, direct=direct)
    if inverse is not None:
        # options given once per distinct position: every actor's copy has the same column
        c = c[inverse][:, inverse]
        u = u[..., inverse]
    cab = c
    cba = np.swapaxes(c, -1, -2)
    v = vict_prob(vpm, cab, cba)
    m = u.shape[-1]
    if v.ndim == 2:  # v is a new array: set its diagonal in place
        np.fill_diagonal(v, 0.5)
    else:
        v = np.where(np.eye(m, dtype=bool), 0.5, v)
    if valid is None and pcem == "Conditional":
        # every option exists (the per-turn elections): no masks to apply
        s = np.log(np.maximum(v, 1e-300)).sum(axis=-1)
        s = s - s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        return p / p.sum(axis=-1, keepdims=True)
    if valid is None:
        valid = np.ones((*u.shape[:-2], m), dtype=bool)
    vv = valid[..., :, None] & valid[..., None, :]
    if pcem == "Conditional":
        lv = np.where(vv, np.log(np.maximum(v, 1e-300)), 0.0)
        s = lv.sum(axis=-1)
        s = np.where(valid, s, -np.inf)
        s = s - s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        return p / p.sum(axis=-1, keepdims=True)
    nv = valid.sum(axis=-1, keepdims=True)
    p = np.where(valid, 1.0 / nv, 0.0)
    v = np.where(vv, v, 0.0)
    if pcem == "MarkovUniform":
        tol = 1e-6
        for _ in range(10000):
            q = ((v * (p[..., :, None] + p[..., None, :])).sum(axis=-1)) / nv
            p2 = 0.5 * (p + q)
            p2 = p2 / p2.sum(axis=-1, keepdims=True)
            if np.max(np.abs(p2 - p)) < tol:
                return p2
            p = p2
        return p
    if pcem == "MarkovIncentive":
        tol = 1e-8
        inc = np.where(vv, cab * v, 0.0)  # n[a -> b]
        den = inc.sum(axis=-2, keepdims=True)
        pi = np.divide(inc, den, out=np.zeros_like(inc), where=den > 0)  # pi[a, b] = pi(a | b)
        pit = np.swapaxes(pi, -1, -2)  # pit[a, b] = pi(b | a)
        for _ in range(10000):
            q = (v * (p[..., :, None] * pit + p[..., None, :] * pi)).sum(axis=-1)
            p2 = 0.5 * (p + q)
            p2 = p2 / p2.sum(axis=-1, keepdims=True)
            if np.max(np.abs(p2 - p)) < tol:
                return p2
            p = p2
        return p
    raise ValueError(f"unknown PCEModel {pcem!r}")


def unique_index(pos: np.ndarray, tol: float = POS_TOL) -> np.ndarray:
    """For each actor, the index of the representative of its position class.

    Actor i belongs to the class of the first actor (in actor order) whose position lies within
    ``tol`` of its own (Euclidean, 0–1 scale); chains are followed to a fixed point, so every
    class is represented by its lowest-numbered member.
    """
    d2 = _sq_diff_sum(pos, pos)
    rep = np.argmax(d2 < tol * tol, axis=1)
    while True:
        nxt = rep[rep]
        if np.array_equal(nxt, rep):
            return rep
        rep = nxt


def big_r(p: np.ndarray, rng_model: str) -> np.ndarray:
    """Risk attitudes from the actors' position probabilities (``Model::bigRfromProb``)."""
    pmin, pmax = p.min(), p.max()
    span = pmax - pmin
    if span <= 0:
        return np.zeros_like(p)
    if rng_model == "Min":
        return (p - pmin) / span
    if rng_model == "Mid":
        return (3 * p - (pmax + 2 * pmin)) / (2 * span)
    if rng_model == "Max":
        return (2 * p - pmax - pmin) / span
    raise ValueError(f"unknown BigRRange {rng_model!r}")


def est_r(rh: Any, ri: Any, adj: str) -> Any:
    """h's estimate of i's risk attitude (``Model::estNRA``)."""
    if adj == "None":
        return rh + 0.0 * ri
    if adj == "OneThird":
        return (2.0 * rh + ri) / 3.0
    if adj == "Half":
        return (rh + ri) / 2.0
    if adj == "TwoThirds":
        return (rh + 2.0 * ri) / 3.0
    if adj == "Full":
        return ri + 0.0 * rh
    raise ValueError(f"unknown BigRAdjust {adj!r}")


# ----------------------------------------------------------------------------- challenges
def third_party_utilities(
    commit: str, p_i_wins: Any, u_n_i: Any, u_n_j: Any, u_n_n: Any
) -> tuple[Any, Any]:
    """A third party n's utilities for siding with i and with j (``ThirdPartyCommit``).

    n first weighs the "little contest" with its own vote added: i wins it with probability
    ``p_i_wins``. Over the two states it can end in (i's or j's position, and n's own where n
    is not committed) n's utility of joining i, ``uki``, and of joining j, ``ukj``, are:

    * ``SemiCommit``: ``uki = P (2 U_ni + U_nn) + (1 - P) 3 U_nj``, ``ukj = (1 - P) (2 U_nj +
      U_nn) + P 3 U_ni`` (a loser's supporters follow the winner);
    * ``FullCommit``: ``uki = P 3 U_ni + (1 - P) 3 U_nj``, ``ukj`` alike;
    * ``NoCommit``: ``uki = P (2 U_ni + U_nn) + (1 - P) (2 U_nj + U_nn)``, ``ukj`` alike.

    The one formula of the reference :func:`contest` and of the blocks of the fast search
    (the proportional SemiCommit case has its own algebra, :func:`_semicommit_prop`).
    """
    p_j_wins = 1.0 - p_i_wins
    if commit == "SemiCommit":
        uki = p_i_wins * (2.0 * u_n_i + u_n_n) + p_j_wins * (3.0 * u_n_j)
        ukj = p_j_wins * (2.0 * u_n_j + u_n_n) + p_i_wins * (3.0 * u_n_i)
    elif commit == "FullCommit":
        uki = p_i_wins * (3.0 * u_n_i) + p_j_wins * (3.0 * u_n_j)
        ukj = p_j_wins * (3.0 * u_n_j) + p_i_wins * (3.0 * u_n_i)
    elif commit == "NoCommit":
        uki = p_i_wins * (2.0 * u_n_i + u_n_n) + p_j_wins * (2.0 * u_n_j + u_n_n)
        ukj = p_j_wins * (2.0 * u_n_j + u_n_n) + p_i_wins * (2.0 * u_n_i + u_n_n)
    else:
        raise ValueError(f"unknown ThirdPartyCommit {commit!r}")
    return uki, ukj


def contest(
    h: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    rule: str,
    commit: str,
    adjust: str,
    tab: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """h's estimate of the probability that i beats j, for m triples (h, i, j) at once.

    Third parties are the last axis, so every array here is (m,) or (m, n).

    ``tab``, optional: the turn's :func:`_pair_tables`, usable when ``h is i``; their rows
    hold h's estimates of R, ``U^h(n, i)``, ``U^h(n, n)`` and the principals' coalitions,
    computed by the same operations as below (the same numbers), so they are gathered
    instead of recomputed.

    Returns
    -------
    p_ij : (m,) h's estimate of P(i beats j).
    u_hi, u_hj : (m,) h's utility for i's and for j's position (h's own risk attitude).
    """
    dt = dist.T  # dt[x, y] = d(ideal_y, pos_x)
    if tab is not None:
        r_est, u_n_i, u_n_n = tab["rr"][h], tab["u_n_i"][h], tab["u_n_n"][h]
    else:
        r_est = est_r(r[h][:, None], r[None, :], adjust)  # (m, n): h's estimate of each R
        u_n_i = util(dt[i], r_est)  # U^h(n, i)   (m, n)
        u_n_n = util(np.diagonal(dist)[None, :], r_est)  # U^h(n, n)
    u_n_j = util(dt[j], r_est)  # U^h(n, j)
    row = np.arange(i.size)
    if tab is not None:  # the principals' coalitions, as i sees them
        a, b = tab["a"][h, j], tab["b"][h, j]
    else:
        u_ii = u_n_i[row, i]
        u_ij = u_n_j[row, i]
        u_ji = u_n_i[row, j]
        u_jj = u_n_j[row, j]
        c_i = vote(rule, weight[i], u_ii, u_ij)
        c_j = vote(rule, weight[j], u_ji, u_jj)
        a = MIN_CLTN_CHLG + np.maximum(c_i, 0.0) + np.maximum(c_j, 0.0)
        b = MIN_CLTN_CHLG + np.maximum(-c_i, 0.0) + np.maximum(-c_j, 0.0)
    w = weight[None, :]
    v = vote(rule, w, u_n_i, u_n_j)  # third party's own little-contest vote
    p_i_wins = (a[:, None] + np.maximum(v, 0.0)) / (a[:, None] + b[:, None] + np.abs(v))
    uki, ukj = third_party_utilities(commit, p_i_wins, u_n_i, u_n_j, u_n_n)
    vt = vote(rule, w, uki, ukj)
    vt[row, i] = 0.0  # principals are not third parties
    vt[row, j] = 0.0
    ci = a + np.maximum(vt, 0.0).sum(axis=1)
    cj = b + np.maximum(-vt, 0.0).sum(axis=1)
    p_ij = ci / (ci + cj)
    return p_ij, u_n_i[row, h], u_n_j[row, h]


def _pair_tables(
    dist: np.ndarray, r: np.ndarray, weight: np.ndarray, rule: str, adjust: str
) -> dict[str, np.ndarray]:
    """Per-initiator (n, n) tables of the challenge calculation with h = k = i, O(n^2).

    ``rr[i, n]``: i's estimate of n's R; ``u_n_i[i, n] = U^i(n, i)``; ``u_n_n[i, n] = U^i(n, n)``;
    ``u_own[i, j] = U^i(i, j)``; ``a, b``: the coalitions of i and of j from the principals'
    votes alone (``+1e-10``).
    """
    n = dist.shape[0]
    rr = est_r(r[:, None], r[None, :], adjust)  # (i, n)
    u_n_i = util(dist.T, rr)  # dist.T[i, n] = d(ideal_n, pos_i)
    u_n_n = util(np.diagonal(dist)[None, :], rr)
    r_ii = np.diagonal(rr)[:, None]
    u_own = util(dist, r_ii)  # U^i(i, j) = u(d_ij, R^i_i)
    u_ii = np.diagonal(u_own)[:, None]
    # j's vote between i and j as i sees it: U^i(j, i) = u_n_i[i, j], U^i(j, j) = u_n_n[i, j]
    c_i = vote(rule, weight[:, None], u_ii, u_own)
    c_j = vote(rule, weight[None, :], u_n_i, u_n_n)
    a = MIN_CLTN_CHLG + np.maximum(c_i, 0.0) + np.maximum(c_j, 0.0)
    b = MIN_CLTN_CHLG + np.maximum(-c_i, 0.0) + np.maximum(-c_j, 0.0)
    del n
    w = weight[None, :]
    e = w * u_n_n - w
    return {
        "rr": rr,
        "u_n_i": u_n_i,
        "u_n_n": u_n_n,
        "u_own": u_own,
        "a": a,
        "b": b,
        "w1": w * (1.0 - rr),
        "w2": w * rr,
        "x": w * u_n_n - w * u_n_i,
        "e": e,
        "e_any": bool(np.any(e != 0.0)),
    }


_BUF = threading.local()


def _buffers(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three scratch arrays of at least ``size`` doubles, one set per thread (reused)."""
    b = getattr(_BUF, "b", None)
    if b is None or b[0].size < size:
        b = (np.empty(size), np.empty(size), np.empty(size))
        _BUF.b = b
    return b[0][:size], b[1][:size], b[2][:size]


def _semicommit_prop(
    rows: tuple[np.ndarray, ...],
    d: np.ndarray,
    a: np.ndarray,
    b_coal: np.ndarray,
) -> np.ndarray:
    """Third parties' votes ``vt`` (b, c, m) under the proportional rule and SemiCommit.

    With ``X = w(u_nn - u_ni)`` (n's loss if i's position wins) and
    ``h = w(u_nn - u_nj) = (w u_nn - w) + d (w(1 - r) + d w r)`` (n's loss at j; d = d(n, j),
    r = i's estimate of n's R), the little-contest vote is ``v = h - X``,
    ``p_in = (a + max(v, 0)) / (a + b + |v|)`` and ``vt = p_in (X + h) - h``, a convex
    combination of X and -h. ``rows`` = the initiators' (b, 1, m) rows of ``w(1 - r)``,
    ``w r``, X and, with accommodation, ``w u_nn - w``.
    ``d`` is overwritten; works in per-thread scratch arrays.
    """
    w1, w2, x = rows[:3]
    _, t2, t3 = _buffers(d.size)
    h = t2.reshape(d.shape)
    tmp = t3.reshape(d.shape)
    np.multiply(d, w2, out=h)
    h += w1
    h *= d
    if len(rows) > 3:  # accommodation: u_nn < 1
        h += rows[3]
    v = np.subtract(h, x, out=d)
    np.abs(v, out=tmp)
    v += tmp  # 2 max(v, 0)
    v += (2.0 * a)[:, :, None]
    tmp += (a + b_coal)[:, :, None]
    v /= tmp  # 2 p_in
    np.add(h, x, out=tmp)
    tmp *= v
    tmp *= 0.5
    tmp -= h  # vt
    return tmp


def _contest_block(
    ini: np.ndarray,
    tgt: np.ndarray,
    dist_t: np.ndarray,
    weight: np.ndarray,
    tab: dict[str, Any],
    rule: str,
    commit: str,
    c0: int,
    c1: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Third-party sums ``(sum vt, sum |vt|)`` as i sees them, for a block of initiators
    ``ini`` (b,) and their targets ``tgt`` (b, c), over third parties ``c0:c1`` of each
    initiator's order (``tab["perm"]``; natural order when absent).

    Same quantities as :func:`contest` with h = i (principals excluded).
    """
    bsz, c = tgt.shape
    n = dist_t.shape[0]
    m = c1 - c0
    a = tab["a"][ini[:, None], tgt]  # (b, c)
    b_coal = tab["b"][ini[:, None], tgt]
    perm = tab.get("perm")
    if perm is None:
        cols = None
        pi = ini[:, None]  # position of the principals among the third parties
        pj = tgt
    else:
        cols = None if "stage_d" in tab else perm[ini, c0:c1]  # (b, m)
        pi = tab["pos_of"][ini, ini][:, None] - c0
        pj = tab["pos_of"][ini[:, None], tgt] - c0
    if rule == "Proportional" and commit == "SemiCommit":
        buf = _buffers(bsz * c * m)[0].reshape(bsz, c, m)
        if perm is None:
            d = np.take(dist_t, tgt, axis=0, out=buf)
            rw: tuple[np.ndarray, ...] = (tab["w1"][ini], tab["w2"][ini], tab["x"][ini])
            if tab["e_any"]:
                rw = (*rw, tab["e"][ini])
        elif "stage_d" in tab:
            d = np.take(tab["stage_d"][(c0, c1)], tgt, axis=0, out=buf)
            rw = (tab["pw1"][ini, c0:c1], tab["pw2"][ini, c0:c1], tab["px"][ini, c0:c1])
        else:
            assert cols is not None
            flat = tgt[:, :, None] * n + cols[:, None, :]
            d = np.take(dist_t.ravel(), flat, out=buf)
            rw = (tab["pw1"][ini, c0:c1], tab["pw2"][ini, c0:c1], tab["px"][ini, c0:c1])
        y = _semicommit_prop(tuple(x[:, None] for x in rw), d, a, b_coal)
    else:
        d = dist_t[tgt]  # (b, c, n): d(ideal_n, pos_j)
        rr = tab["rr"][ini][:, None, :]  # (b, 1, n)
        u_n_i = tab["u_n_i"][ini][:, None, :]
        u_n_n = tab["u_n_n"][ini][:, None, :]
        w = weight[None, None, :]
        u_n_j = util(d, rr)
        v = vote(rule, w, u_n_i, u_n_j)
        p_i_wins = (a[:, :, None] + np.maximum(v, 0.0)) / (
            a[:, :, None] + b_coal[:, :, None] + np.abs(v)
        )
        uki, ukj = third_party_utilities(commit, p_i_wins, u_n_i, u_n_j, u_n_n)
        y = vote(rule, w, uki, ukj)
    # principals are not third parties
    bi = np.arange(bsz)[:, None]
    ok_i = (pi >= 0) & (pi < m)
    if ok_i.any():
        sel = np.flatnonzero(ok_i[:, 0])
        y[sel, :, pi[sel, 0]] = 0.0
    ok_j = (pj >= 0) & (pj < m)
    if ok_j.any():
        r_, c_ = np.nonzero(ok_j)
        y[bi[r_, 0], c_, pj[r_, c_]] = 0.0
    tot = y.sum(axis=2)
    np.abs(y, out=y)
    ab = y.sum(axis=2)
    return tot, ab


def _evaluate_pairs(
    cand: np.ndarray,
    dist_t: np.ndarray,
    weight: np.ndarray,
    tab: dict[str, Any],
    rule: str,
    commit: str,
    out_t: np.ndarray,
    out_ab: np.ndarray,
    c0: int = 0,
    c1: int | None = None,
    block: int = 1 << 16,
    threads: int | None = None,
) -> None:
    """Third-party sums over columns ``c0:c1`` for every True entry of ``cand`` (n, n),
    added to ``out_t`` (sum vt) and ``out_ab`` (sum |vt|).

    Initiators are sorted by their number of candidate targets and cut into blocks of about
    ``block`` (pair, third party) elements; each block is one :func:`_contest_block` call on
    a (initiators, targets, third parties) array padded to its longest target list (the
    padding repeats a real target and is discarded). Blocks run on a thread pool (numpy
    releases the GIL), so both cores work; each pair's sums do not depend on its block.
    """
    n = dist_t.shape[0]
    c1 = n if c1 is None else c1
    width = c1 - c0
    cnt = cand.sum(axis=1)
    act = np.flatnonzero(cnt)
    if act.size == 0 or width <= 0:
        return
    order = act[np.argsort(cnt[act], kind="stable")]
    cs = cnt[order]
    # each initiator's targets in j order, laid end to end in initiator order
    _, flat_j = np.nonzero(cand[order])
    first = np.concatenate([[0], np.cumsum(cs)[:-1]])
    jobs = []
    i0 = 0
    m = order.size
    while i0 < m:
        # grow the block while (initiators x longest list x width) stays within the budget
        cmax = int(cs[i0])
        per = max(1, block // max(1, cmax * width))
        i1 = min(m, i0 + per)
        cmax = int(cs[i1 - 1])
        while i1 - i0 > 1 and (i1 - i0) * cmax * width > block:
            i1 -= 1
            cmax = int(cs[i1 - 1])
        jobs.append((i0, i1, cmax))
        i0 = i1

    def run(job: tuple[int, int, int]) -> None:
        j0, j1, cm = job
        ini = order[j0:j1]
        valid = np.arange(cm)[None, :] < cs[j0:j1, None]
        idx = first[j0:j1, None] + np.minimum(np.arange(cm)[None, :], cs[j0:j1, None] - 1)
        tg = flat_j[idx]  # padding repeats the row's last target
        tot, ab = _contest_block(ini, tg, dist_t, weight, tab, rule, commit, c0, c1)
        rr = ini[:, None].repeat(cm, 1)[valid]
        out_t[rr, tg[valid]] += tot[valid]
        out_ab[rr, tg[valid]] += ab[valid]

    work = int((cs.astype(np.int64) * width).sum())
    nthreads = threads if threads is not None else _n_threads()
    if nthreads > 1 and work > 4 * block and len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(nthreads) as ex:
            list(ex.map(run, jobs))
    else:
        for job in jobs:
            run(job)


def _all_pairs_semicommit(dist_t: np.ndarray, tab: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Third-party sums ``(sum vt, sum |vt|)`` (i, j) of every pair, proportional rule and
    SemiCommit, for small n (one (n, n, n) array).

    The same numbers as :func:`_evaluate_pairs` (each element is computed by the same
    operations, each pair's row of n third parties is summed alone), without its sorting,
    blocks and thread pool, whose cost dominates below ~64 actors. The array is laid out
    (target, initiator, third party): the per-initiator rows then broadcast along the first
    axis only, so numpy runs each pass as one contiguous loop over (initiator, third party).
    """
    n = dist_t.shape[0]
    d = _buffers(n * n * n)[0].reshape(n, n, n)
    np.copyto(d, dist_t[:, None, :])  # d[j, i, t] = d(ideal_t, pos_j)
    keys = ("w1", "w2", "x", "e") if tab["e_any"] else ("w1", "w2", "x")
    y = _semicommit_prop(tuple(tab[k][None] for k in keys), d, tab["a"].T, tab["b"].T)
    ar = np.arange(n)
    y[:, ar, ar] = 0.0  # principals are not third parties: t = i
    y[ar, :, ar] = 0.0  # t = j
    tot = y.sum(axis=2)
    np.abs(y, out=y)
    ab = y.sum(axis=2)
    return tot.T, ab.T


def _n_threads() -> int:
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def challenge_gain(p: Any, s_j: Any, u_ki: Any, u_kj: Any) -> Any:
    """i's expected gain from challenging j (§1.5 step 9), the one formula of every path.

    ``EU = (1 - S_j) 2 U_ii + S_j (P 2 U_ii + (1 - P) 2 U_ij)`` minus the status quo
    ``U_ii + U_ij``; ``p`` = i's estimate of P(i beats j), ``s_j`` = j's salience sum.
    """
    eu_chlg = (1.0 - s_j) * (2.0 * u_ki) + s_j * (p * 2.0 * u_ki + (1.0 - p) * 2.0 * u_kj)
    return eu_chlg - (u_ki + u_kj)


def _p_from_sums(a: Any, b: Any, tot: Any, ab: Any) -> Any:
    """P(i beats j) from the principals' coalitions ``a``, ``b`` and the third parties'
    ``sum vt`` (``tot``) and ``sum |vt|`` (``ab``): positive parts ``(ab ± tot) / 2``."""
    ci = a + 0.5 * (ab + tot)
    cj = b + 0.5 * (ab - tot)
    return ci / (ci + cj)


def best_challenges(
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    rule: str,
    commit: str,
    adjust: str,
    exhaustive: bool = False,
    first: int = 4,
    small: int = 1 << 18,
    sample: tuple[float, ...] = (1 / 8, 1 / 3),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every actor's best target (``bestChallenge``), its estimated P(win) and its gain.

    For initiator i and target j (h = k = i) the gain is
    ``Δ = (1 - S_j) euVict + S_j euCntst - euSQ = D (1 - 2 S_j (1 - P))`` with
    ``D = U(i,i) - U(i,j)``: linear in P. The target is the first j maximising Δ; -1 when the
    best Δ is not above 1e-5.

    Only what the decision needs is computed; pruned pairs provably cannot be the argmax, so
    the targets are those of the exhaustive search:

    1. Δ at P = 0 and P = 1 bounds every pair at O(n^2) cost.
    2. The exact P (an O(n) sum over third parties) is computed first for each initiator's
       ``first`` most promising targets, ranked by Δ with the principals-only estimate
       ``P0 = a / (a + b)``.
    3. Pairs whose bound reaches the best exact gain so far are then summed over their third
       parties in stages: the ``sample`` shares (1/8, then 1/3) of the heaviest voters
       first (``GLOBAL_ORDER``; otherwise each initiator's largest ``X_n``). With
       ``X_n = w_n (u_nn - u_ni)``, every third-party vote is a convex
       combination of X_n and ``-h_n`` (``h_n >= 0`` without accommodation), so the third
       parties not yet summed can add at most ``sum_rest max(X_n, 0)`` to i's coalition and
       nothing to j's: an upper bound on P and on Δ after each stage. Pairs whose bound still
       reaches the best are summed over the rest, the better-ranked ones (above their
       initiator's mean bound) first. Every pair that is decided is summed in the same
       stages, so its P does not depend on when it was evaluated.

    ``exhaustive=True`` evaluates every pair with the reference :func:`contest` instead (slow;
    the tests compare the two).
    """
    n = dist.shape[0]
    gain = np.full((n, n), -np.inf)
    if exhaustive:
        hi, ji = np.nonzero(~np.eye(n, dtype=bool))
        rows = max(1, 4_000_000 // max(1, n))
        for a0 in range(0, hi.size, rows):
            h, j = hi[a0 : a0 + rows], ji[a0 : a0 + rows]
            p, u_ki, u_kj = contest(h, h, j, dist, r, weight, rule, commit, adjust)
            gain[h, j] = challenge_gain(p, sal_sum[j], u_ki, u_kj)
        return _decide(gain, dist, r, weight, sal_sum, rule, commit, adjust)

    tab: dict[str, Any] = _pair_tables(dist, r, weight, rule, adjust)
    dist_t = np.ascontiguousarray(dist.T)
    u_own = tab["u_own"]
    u_ki = np.diagonal(u_own)[:, None]
    two_s = 2.0 * sal_sum[None, :]
    dd = u_ki - u_own
    dd_p0 = dd * (1.0 - two_s)  # the gain at P = 0 (dd itself is the gain at P = 1)
    ub = np.maximum(dd, dd_p0)
    np.fill_diagonal(ub, -np.inf)
    slack = PRUNE_SLACK
    lb = np.minimum(dd, dd_p0)
    np.fill_diagonal(lb, -np.inf)
    floor = np.maximum(lb.max(axis=1), MIN_SIG_EDU) - slack
    alive = ub >= floor[:, None]
    if n**3 <= small and rule == "Proportional" and commit == "SemiCommit":
        # a few hundred thousand elements at most: every pair in one array, no pruning rounds
        tot, ab = _all_pairs_semicommit(dist_t, tab)
        p = _p_from_sums(tab["a"], tab["b"], tot, ab)
        gain = np.where(alive, challenge_gain(p, sal_sum[None, :], u_ki, u_own), -np.inf)
        return _decide(gain, dist, r, weight, sal_sum, rule, commit, adjust, tab)
    staged = (
        rule == "Proportional"
        and commit == "SemiCommit"
        and not tab["e_any"]
        and n**3 > small
        and bool((dd >= 0).all())
    )
    # third-party column ranges summed one after the other (each initiator's order)
    cuts = sorted({max(1, int(n * f)) for f in sample}) if staged else []
    cuts = [c for c in cuts if c < n]
    edges = [0, *cuts, n]
    if staged:
        if GLOBAL_ORDER:
            # one order for every initiator (heaviest voters first): each stage's columns of
            # the distance matrix are one contiguous copy, gathered by rows alone
            g = np.argsort(-weight, kind="stable")
            dt_perm = dist_t[:, g]
            tab["stage_d"] = {
                (a0, a1): np.ascontiguousarray(dt_perm[:, a0:a1])
                for a0, a1 in itertools.pairwise(edges)
            }
            # every row is the same order: read-only broadcast views and column gathers
            # instead of (n, n) index arrays (the same indices and values)
            inv = np.empty_like(g)
            inv[g] = np.arange(n)
            tab["perm"] = np.broadcast_to(g, (n, n))
            tab["pos_of"] = np.broadcast_to(inv, (n, n))
            for key in ("w1", "w2", "x"):
                tab["p" + key] = tab[key][:, g]
        else:
            perm = np.argpartition(-tab["x"], [c - 1 for c in cuts], axis=1)
            tab["perm"] = np.ascontiguousarray(perm)  # largest X first, partitioned at the cuts
            pos_of = np.empty_like(perm)
            np.put_along_axis(pos_of, perm, np.arange(n)[None, :].repeat(n, 0), axis=1)
            tab["pos_of"] = pos_of
            for key in ("w1", "w2", "x"):
                tab["p" + key] = np.take_along_axis(tab[key], perm, axis=1)
        xpos = np.maximum(tab["px"], 0.0)
        rest_x = [xpos[:, c:].sum(axis=1) for c in cuts]  # the most the rest can add to C_i
    acc_t = np.zeros((n, n))
    acc_ab = np.zeros((n, n))
    level = np.zeros((n, n), dtype=np.int8)  # column ranges summed so far
    done = np.zeros((n, n), dtype=bool)
    a_tab, b_tab = tab["a"], tab["b"]
    n_stage = len(edges) - 1

    def advance(mask: np.ndarray, upto: int) -> None:
        for k in range(upto):
            todo = mask & (level == k)
            if todo.any():
                _evaluate_pairs(
                    todo, dist_t, weight, tab, rule, commit, acc_t, acc_ab, edges[k], edges[k + 1]
                )
                level[todo] = k + 1

    def exact(mask: np.ndarray) -> None:
        mask = mask & ~done
        if not mask.any():
            return
        advance(mask, n_stage)
        hi, ji = np.nonzero(mask)
        tot = acc_t[hi, ji]
        ab = acc_ab[hi, ji]
        p = _p_from_sums(a_tab[hi, ji], b_tab[hi, ji], tot, ab)
        gain[hi, ji] = challenge_gain(p, sal_sum[ji], u_ki[hi, 0], u_own[hi, ji])
        done[mask] = True

    def best_now() -> np.ndarray:
        return np.maximum(gain.max(axis=1) - slack, floor)

    if n**3 <= small:  # a few hundred thousand elements: one pass beats pruning rounds
        exact(alive)
    else:
        p0 = a_tab / (a_tab + b_tab)
        est = np.where(alive, dd * (1.0 - two_s * (1.0 - p0)), -np.inf)
        t = min(n - 1, first)
        top = np.argpartition(-est, t - 1, axis=1)[:, :t]
        m1 = np.zeros((n, n), dtype=bool)
        np.put_along_axis(m1, top, True, axis=1)
        exact(m1 & alive)
        left = (ub >= best_now()[:, None]) & ~done & alive
        bound_staged = ub
        for k in range(n_stage - 1):
            if not left.any():
                break
            # upper bound on P: the summed third parties plus the most the rest can add
            advance(left, k + 1)
            ci = a_tab + 0.5 * (acc_ab + acc_t) + rest_x[k][:, None]
            cj = b_tab + 0.5 * (acc_ab - acc_t)
            p_ub = np.minimum(ci / (ci + cj) * (1.0 + 1e-12), 1.0)
            bound_staged = np.where(left, dd * (1.0 - two_s * (1.0 - p_ub)), bound_staged)
            left &= bound_staged >= best_now()[:, None]
            est = bound_staged
        for rnd in range(2):
            left = (bound_staged >= best_now()[:, None]) & ~done & alive
            if rnd == 0:
                # the better-ranked ones (above their initiator's mean) first
                cnt = left.sum(axis=1)
                if not (cnt > 1).any():
                    continue
                e2 = np.where(left, est, 0.0)
                mean = e2.sum(axis=1) / np.maximum(cnt, 1)
                left &= est >= mean[:, None]
            if left.any():
                exact(left)
    return _decide(gain, dist, r, weight, sal_sum, rule, commit, adjust, tab)


def _decide(
    gain: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    rule: str,
    commit: str,
    adjust: str,
    tab: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each initiator's target from its row of gains, and that pair's P and gain.

    Shared by both paths. The pairs within ``CLOSE_GAIN`` of their row's best (usually one
    per row; more when targets tie) are evaluated again by the reference :func:`contest`,
    whose number for a pair does not depend on which other pairs share the call; the target
    is the lowest j within ``TIE_GAIN`` of the best of those (KTAB takes the first maximum).
    The same recomputed P goes to the bargain and the same gain is tested against 1e-5 (-1 =
    no challenge), so the paths agree whenever their own gains differ by less than the
    windows (rounding: ~1e-15). ``tab`` (the fast path's :func:`_pair_tables`) only saves
    :func:`contest` some recomputation; its numbers are the same without it.
    """
    n = gain.shape[0]
    gmax = gain.max(axis=1)
    # rows whose best cannot pass 1e-5 never challenge: no need to look closer
    live = np.isfinite(gmax) & (gmax > MIN_SIG_EDU - CLOSE_GAIN)
    near = (gain >= (gmax - CLOSE_GAIN)[:, None]) & live[:, None]
    hi, ji = np.nonzero(near)  # row-major: by initiator, targets ascending
    jb = np.full(n, -1)
    p_b = np.zeros(n)
    g_b = np.full(n, -np.inf)
    if hi.size == 0:
        return jb, p_b, g_b
    p = np.empty(hi.size)
    g = np.empty(hi.size)
    # chunks of pairs whose (pairs, n) arrays stay in cache; a pair's numbers do not depend
    # on its chunk
    rows = max(1, 262_144 // max(1, n))
    for a0 in range(0, hi.size, rows):
        h, j = hi[a0 : a0 + rows], ji[a0 : a0 + rows]
        pc, u_ki, u_kj = contest(h, h, j, dist, r, weight, rule, commit, adjust, tab)
        g[a0 : a0 + rows] = challenge_gain(pc, sal_sum[j], u_ki, u_kj)
        p[a0 : a0 + rows] = pc
    new_row = np.empty(hi.size, dtype=bool)
    new_row[0] = True
    np.not_equal(hi[1:], hi[:-1], out=new_row[1:])
    if new_row.all():  # one candidate per row (no near ties): it is the pick
        jb[hi] = np.where(g > MIN_SIG_EDU, ji, -1)
        p_b[hi] = p
        g_b[hi] = g
        return jb, p_b, g_b
    start = np.flatnonzero(new_row)
    who = hi[start]
    best = np.maximum.reduceat(g, start)
    k = np.cumsum(new_row) - 1
    pick = np.minimum.reduceat(
        np.where(g >= best[k] - TIE_GAIN, np.arange(hi.size), hi.size), start
    )
    ok = g[pick] > MIN_SIG_EDU
    jb[who] = np.where(ok, ji[pick], -1)
    p_b[who] = p[pick]
    g_b[who] = g[pick]
    return jb, p_b, g_b


def interpolate(
    ti: np.ndarray, tj: np.ndarray, si: np.ndarray, sj: np.ndarray, p: np.ndarray, rule: str
) -> tuple[np.ndarray, np.ndarray]:
    """Bargain positions of initiator and receiver (``SMPActor::interpolateBrgn``).

    ``ti, tj, si, sj`` are (m, k); ``p`` (m,) is the estimated P(initiator wins).
    """
    pi = p[:, None]
    pj = 1.0 - pi
    if rule == "S2P2":
        wi, wj = si * si * pi * pi, sj * sj * pj * pj
    elif rule == "S1P1":
        wi, wj = si * pi, sj * pj
    elif rule == "S2PMax":
        # each moves toward the other by (P_other s_other^2)/(P_other s_other^2 + P_own s_own^2)
        fi = (pj * sj * sj) / (pj * sj * sj + pi * si * si + BRGN_MIN_W)
        fj = (pi * si * si) / (pi * si * si + pj * sj * sj + BRGN_MIN_W)
        bi = ti + fi * (tj - ti)
        bj = tj + fj * (ti - tj)
        return np.round(bi, 4), np.round(bj, 4)
    else:
        raise ValueError(f"unknown InterVecBrgn {rule!r}")
    bi = ((wi + BRGN_MIN_W) * ti + wj * tj) / (wi + BRGN_MIN_W + wj)
    bj = (wi * ti + (wj + BRGN_MIN_W) * tj) / (wi + wj + BRGN_MIN_W)
    return np.round(bi, 4), np.round(bj, 4)
