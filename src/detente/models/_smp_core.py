"""Numeric kernels of KTAB's Spatial Model of Politics (private; see :mod:`detente.models.smp`).

All positions here are on KTAB's internal 0–1 scale. Every function works on whole arrays:
pairwise quantities are (n, n) broadcasts, the third-party sums are (b, n, n) blocks over a
chunk of b initiators at a time, so memory stays O(b n^2).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
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
    starts = range(0, n, rows)

    def block(r0: int) -> None:  # fixed chunks of rows; each thread its own scratch row
        r1 = min(n, r0 + rows)
        tmp, acc = np.empty((r1 - r0, m)), out[r0:r1]
        for kk in range(k):
            np.subtract(x[r0:r1, kk, None], y[None, :, kk], out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            if w is not None:
                tmp *= w[r0:r1, kk, None]
            acc += tmp

    _map_threads(block, starts, parallel=n * m * k >= 4_000_000)
    return out


def _map_threads(fn: Any, items: Any, parallel: bool) -> None:
    """``fn(item)`` for every item, on :func:`_n_threads` threads when ``parallel`` (the
    items write disjoint parts of one result, so the numbers are the same either way)."""
    if parallel and _n_threads() > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(_n_threads()) as ex:
            list(ex.map(fn, items))
    else:
        for item in items:
            fn(item)


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


def vote(rule: str, w: Any, util_a: Any, util_b: Any) -> Any:
    """The vote of a voter with weight ``w`` between options a and b, of utilities
    ``util_a`` and ``util_b`` to it (``Model::vote``)."""
    delta = util_a - util_b
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

    Steps
    -----
    1. Coalitions of every ordered pair of options and the victory probabilities
       ``V(a, b)``, 0.5 on the diagonal (:func:`_victory_matrix`).
    2. By ``pcem``: ``Conditional``, ``p_a`` proportional to ``prod_b V(a, b)``
       (:func:`_conditional_pce`); ``MarkovUniform`` and ``MarkovIncentive``, the fixed
       point of a Markov chain over the options (:func:`_markov_uniform`,
       :func:`_markov_incentive`).

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
    v, coal, u = _victory_matrix(u, w, rule, vpm, inverse, direct)
    m = u.shape[-1]
    if valid is None and pcem == "Conditional":
        # every option exists (the per-turn elections): no masks to apply
        s = np.log(np.maximum(v, 1e-300)).sum(axis=-1)
        s = s - s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        return p / p.sum(axis=-1, keepdims=True)
    if valid is None:
        valid = np.ones((*u.shape[:-2], m), dtype=bool)
    both_valid = valid[..., :, None] & valid[..., None, :]
    if pcem == "Conditional":
        return _conditional_pce(v, valid, both_valid)
    n_valid = valid.sum(axis=-1, keepdims=True)
    p = np.where(valid, 1.0 / n_valid, 0.0)
    v = np.where(both_valid, v, 0.0)
    if pcem == "MarkovUniform":
        return _markov_uniform(v, p, n_valid)
    if pcem == "MarkovIncentive":
        return _markov_incentive(v, coal, both_valid, p)
    raise ValueError(f"unknown PCEModel {pcem!r}")


def _victory_matrix(
    u: np.ndarray,
    w: np.ndarray,
    rule: str,
    vpm: str,
    inverse: np.ndarray | None,
    direct: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``V[..., a, b]``, P(a beats b), with 0.5 on the diagonal; the coalitions
    ``C[..., a, b]``; and ``u`` spread over every option when ``inverse`` is given."""
    c = coalitions(u, w, rule, direct=direct)
    if inverse is not None:
        # options given once per distinct position: every actor's copy has the same column
        c = c[inverse][:, inverse]
        u = u[..., inverse]
    v = vict_prob(vpm, c, np.swapaxes(c, -1, -2))
    m = u.shape[-1]
    if v.ndim == 2:  # v is a new array: set its diagonal in place
        np.fill_diagonal(v, 0.5)
    else:
        v = np.where(np.eye(m, dtype=bool), 0.5, v)
    return v, c, u


def _conditional_pce(v: np.ndarray, valid: np.ndarray, both_valid: np.ndarray) -> np.ndarray:
    """``p_a`` proportional to ``prod_b V(a, b)`` over the valid options (in logs)."""
    log_v = np.where(both_valid, np.log(np.maximum(v, 1e-300)), 0.0)
    s = log_v.sum(axis=-1)
    s = np.where(valid, s, -np.inf)
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    return p / p.sum(axis=-1, keepdims=True)


def _markov_uniform(v: np.ndarray, p: np.ndarray, n_valid: np.ndarray) -> np.ndarray:
    """Fixed point of the Markov chain in which options meet uniformly chosen ones
    (``MarkovUniform``; tolerance 1e-6, at most 10,000 steps); ``p`` is the uniform start."""
    tol = 1e-6
    for _ in range(10000):
        q = ((v * (p[..., :, None] + p[..., None, :])).sum(axis=-1)) / n_valid
        p2 = 0.5 * (p + q)
        p2 = p2 / p2.sum(axis=-1, keepdims=True)
        if np.max(np.abs(p2 - p)) < tol:
            return p2
        p = p2
    return p


def _markov_incentive(
    v: np.ndarray, coal: np.ndarray, both_valid: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Fixed point of the Markov chain whose meetings are weighted by the incentive
    ``C(a, b) V(a, b)`` (``MarkovIncentive``; tolerance 1e-8, at most 10,000 steps)."""
    tol = 1e-8
    incentive = np.where(both_valid, coal * v, 0.0)  # n[a -> b]
    den = incentive.sum(axis=-2, keepdims=True)
    # pi_ab[a, b] = pi(a | b); pi_ba[a, b] = pi(b | a)
    pi_ab = np.divide(incentive, den, out=np.zeros_like(incentive), where=den > 0)
    pi_ba = np.swapaxes(pi_ab, -1, -2)
    for _ in range(10000):
        q = (v * (p[..., :, None] * pi_ba + p[..., None, :] * pi_ab)).sum(axis=-1)
        p2 = 0.5 * (p + q)
        p2 = p2 / p2.sum(axis=-1, keepdims=True)
        if np.max(np.abs(p2 - p)) < tol:
            return p2
        p = p2
    return p


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
@dataclass(frozen=True, eq=False)
class _PairTables:
    """One turn's per-initiator tables of the challenge search, with h = k = i (O(n^2)).

    Row i is what initiator i estimates; column n is the actor in the role the name says
    (a third party ``n`` or a target ``j``). Made by :func:`_pair_tables`.

    Attributes
    ----------
    risk_est : (n, n) float
        ``risk_est[i, n]``: i's estimate of n's risk attitude R (``BigRAdjust``).
    util_of_n_at_i : (n, n) float
        ``U^i(n, i)``: n's utility of i's position, as i estimates it.
    util_of_n_at_n : (n, n) float
        ``U^i(n, n)``: n's utility of its own position, as i estimates it (1 unless ideals
        have moved away from positions).
    util_of_i_at_j : (n, n) float
        ``U^i(i, j) = u(d_ij, R^i_i)``: i's utility of j's position, with i's own R.
    coal_i, coal_j : (n, n) float
        ``[i, j]``: the coalitions of i and of j from the two principals' votes alone
        (each at least ``MIN_CLTN_CHLG``).
    w_one_minus_r, w_r : (n, n) float
        ``w_n (1 - R^i_n)`` and ``w_n R^i_n`` (the proportional SemiCommit algebra of
        :func:`_semicommit_prop`).
    loss_at_i : (n, n) float
        ``X_n = w_n U^i(n, n) - w_n U^i(n, i)``: n's weighted loss should i's position win.
    self_gap : (n, n) float
        ``w_n U^i(n, n) - w_n`` (0 without accommodation).
    any_self_gap : bool
        Whether ``self_gap`` has a nonzero entry.
    """

    risk_est: np.ndarray
    util_of_n_at_i: np.ndarray
    util_of_n_at_n: np.ndarray
    util_of_i_at_j: np.ndarray
    coal_i: np.ndarray
    coal_j: np.ndarray
    w_one_minus_r: np.ndarray
    w_r: np.ndarray
    loss_at_i: np.ndarray
    self_gap: np.ndarray
    any_self_gap: bool


@dataclass(frozen=True, eq=False)
class _StageOrder:
    """The order in which the staged search sums each initiator's third parties, and the
    tables reordered by it (made by :func:`_stage_order`; only for the staged search).

    Attributes
    ----------
    third_parties : (n, n) int
        Row i: the third parties in the order i sums them (heaviest voters first with
        ``GLOBAL_ORDER``, the same row for every initiator: a read-only broadcast view).
    rank : (n, n) int
        ``rank[i, n]``: n's place in row i of ``third_parties`` (its inverse).
    w_one_minus_r, w_r, loss_at_i : (n, n) float
        :class:`_PairTables`' columns of the same names in each row's order.
    stage_dist : dict or None
        With ``GLOBAL_ORDER``: for each stage's column range ``(c0, c1)``, the (n, c1 - c0)
        contiguous copy of ``dist.T``'s columns of those third parties; otherwise None.
    rest_max : tuple of (n,) float
        For each cut c between stages: ``sum over places >= c of max(X_n, 0)``, the most the
        third parties not yet summed can add to i's coalition.
    """

    third_parties: np.ndarray
    rank: np.ndarray
    w_one_minus_r: np.ndarray
    w_r: np.ndarray
    loss_at_i: np.ndarray
    stage_dist: dict[tuple[int, int], np.ndarray] | None
    rest_max: tuple[np.ndarray, ...]


def third_party_utilities(
    commit: str, p_i_wins: Any, util_of_n_at_i: Any, util_of_n_at_j: Any, util_of_n_at_n: Any
) -> tuple[Any, Any]:
    """A third party n's utilities for siding with i and with j (``ThirdPartyCommit``).

    n first weighs the "little contest" with its own vote added: i wins it with probability
    ``p_i_wins`` (:func:`_little_contest`). Over the two states it can end in (i's or j's
    position, and n's own where n is not committed) n's utility of joining i, ``join_i``, and
    of joining j, ``join_j``, are (``U_ni`` = ``util_of_n_at_i`` and so on):

    * ``SemiCommit``: ``join_i = P (2 U_ni + U_nn) + (1 - P) 3 U_nj``, ``join_j = (1 - P)
      (2 U_nj + U_nn) + P 3 U_ni`` (a loser's supporters follow the winner);
    * ``FullCommit``: ``join_i = P 3 U_ni + (1 - P) 3 U_nj``, ``join_j`` alike;
    * ``NoCommit``: ``join_i = P (2 U_ni + U_nn) + (1 - P) (2 U_nj + U_nn)``, ``join_j``
      alike.

    The one formula of the reference :func:`contest` and of the blocks of the fast search
    (the proportional SemiCommit case has its own algebra, :func:`_semicommit_prop`).
    """
    u_i, u_j, u_n = util_of_n_at_i, util_of_n_at_j, util_of_n_at_n
    p_j_wins = 1.0 - p_i_wins
    if commit == "SemiCommit":
        join_i = p_i_wins * (2.0 * u_i + u_n) + p_j_wins * (3.0 * u_j)
        join_j = p_j_wins * (2.0 * u_j + u_n) + p_i_wins * (3.0 * u_i)
    elif commit == "FullCommit":
        join_i = p_i_wins * (3.0 * u_i) + p_j_wins * (3.0 * u_j)
        join_j = p_j_wins * (3.0 * u_j) + p_i_wins * (3.0 * u_i)
    elif commit == "NoCommit":
        join_i = p_i_wins * (2.0 * u_i + u_n) + p_j_wins * (2.0 * u_j + u_n)
        join_j = p_j_wins * (2.0 * u_j + u_n) + p_i_wins * (2.0 * u_i + u_n)
    else:
        raise ValueError(f"unknown ThirdPartyCommit {commit!r}")
    return join_i, join_j


def _principal_coalitions(vote_i: Any, vote_j: Any) -> tuple[Any, Any]:
    """The coalitions of i and of j from the two principals' votes between i and j alone:
    each principal's vote counts for the side it favours (floor ``MIN_CLTN_CHLG``)."""
    coal_i = MIN_CLTN_CHLG + np.maximum(vote_i, 0.0) + np.maximum(vote_j, 0.0)
    coal_j = MIN_CLTN_CHLG + np.maximum(-vote_i, 0.0) + np.maximum(-vote_j, 0.0)
    return coal_i, coal_j


def _little_contest(coal_i: Any, coal_j: Any, little_vote: Any) -> Any:
    """P(i wins) as a third party sees it with its own vote ``little_vote`` (between i and
    j) added to the principals' coalitions ``coal_i``, ``coal_j`` (broadcast alike)."""
    return (coal_i + np.maximum(little_vote, 0.0)) / (coal_i + coal_j + np.abs(little_vote))


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
    tables: _PairTables | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """h's estimate of the probability that i beats j, for m triples (h, i, j) at once.

    Third parties are the last axis, so every array here is (m,) or (m, n).

    ``tables``, optional: the turn's :func:`_pair_tables`, usable when ``h is i``; their
    rows hold h's estimates of R, ``U^h(n, i)``, ``U^h(n, n)`` and the principals'
    coalitions, computed by the same operations as below (the same numbers), so they are
    gathered instead of recomputed.

    Returns
    -------
    p_ij : (m,) h's estimate of P(i beats j).
    u_hi, u_hj : (m,) h's utility for i's and for j's position (h's own risk attitude).
    """
    dist_t = dist.T  # dist_t[x, y] = d(ideal_y, pos_x)
    if tables is not None:
        risk_est = tables.risk_est[h]
        util_of_n_at_i = tables.util_of_n_at_i[h]
        util_of_n_at_n = tables.util_of_n_at_n[h]
    else:
        risk_est = est_r(r[h][:, None], r[None, :], adjust)  # (m, n): h's estimate of each R
        util_of_n_at_i = util(dist_t[i], risk_est)  # U^h(n, i)   (m, n)
        util_of_n_at_n = util(np.diagonal(dist)[None, :], risk_est)  # U^h(n, n)
    util_of_n_at_j = util(dist_t[j], risk_est)  # U^h(n, j)
    row = np.arange(i.size)
    if tables is not None:  # the principals' coalitions, as i sees them
        coal_i, coal_j = tables.coal_i[h, j], tables.coal_j[h, j]
    else:
        vote_i = vote(rule, weight[i], util_of_n_at_i[row, i], util_of_n_at_j[row, i])
        vote_j = vote(rule, weight[j], util_of_n_at_i[row, j], util_of_n_at_j[row, j])
        coal_i, coal_j = _principal_coalitions(vote_i, vote_j)
    w = weight[None, :]
    little_vote = vote(rule, w, util_of_n_at_i, util_of_n_at_j)  # third party's own vote
    p_i_wins = _little_contest(coal_i[:, None], coal_j[:, None], little_vote)
    join_i, join_j = third_party_utilities(
        commit, p_i_wins, util_of_n_at_i, util_of_n_at_j, util_of_n_at_n
    )
    third_votes = vote(rule, w, join_i, join_j)
    third_votes[row, i] = 0.0  # principals are not third parties
    third_votes[row, j] = 0.0
    strength_i = coal_i + np.maximum(third_votes, 0.0).sum(axis=1)
    strength_j = coal_j + np.maximum(-third_votes, 0.0).sum(axis=1)
    p_ij = strength_i / (strength_i + strength_j)
    return p_ij, util_of_n_at_i[row, h], util_of_n_at_j[row, h]


def _pair_tables(
    dist: np.ndarray, r: np.ndarray, weight: np.ndarray, rule: str, adjust: str
) -> _PairTables:
    """The turn's per-initiator (n, n) tables of the challenge calculation with h = k = i."""
    risk_est = est_r(r[:, None], r[None, :], adjust)  # (i, n)
    util_of_n_at_i = util(dist.T, risk_est)  # dist.T[i, n] = d(ideal_n, pos_i)
    util_of_n_at_n = util(np.diagonal(dist)[None, :], risk_est)
    r_ii = np.diagonal(risk_est)[:, None]
    util_of_i_at_j = util(dist, r_ii)  # U^i(i, j) = u(d_ij, R^i_i)
    util_of_i_at_i = np.diagonal(util_of_i_at_j)[:, None]
    # j's vote between i and j as i sees it: U^i(j, i) = util_of_n_at_i[i, j],
    # U^i(j, j) = util_of_n_at_n[i, j]
    vote_i = vote(rule, weight[:, None], util_of_i_at_i, util_of_i_at_j)
    vote_j = vote(rule, weight[None, :], util_of_n_at_i, util_of_n_at_n)
    coal_i, coal_j = _principal_coalitions(vote_i, vote_j)
    w = weight[None, :]
    self_gap = w * util_of_n_at_n - w
    return _PairTables(
        risk_est=risk_est,
        util_of_n_at_i=util_of_n_at_i,
        util_of_n_at_n=util_of_n_at_n,
        util_of_i_at_j=util_of_i_at_j,
        coal_i=coal_i,
        coal_j=coal_j,
        w_one_minus_r=w * (1.0 - risk_est),
        w_r=w * risk_est,
        loss_at_i=w * util_of_n_at_n - w * util_of_n_at_i,
        self_gap=self_gap,
        any_self_gap=bool(np.any(self_gap != 0.0)),
    )


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
    coal_i: np.ndarray,
    coal_j: np.ndarray,
) -> np.ndarray:
    """Third parties' votes ``vt`` (b, c, m) under the proportional rule and SemiCommit.

    With ``X = w(u_nn - u_ni)`` (n's loss if i's position wins) and
    ``h = w(u_nn - u_nj) = (w u_nn - w) + d (w(1 - r) + d w r)`` (n's loss at j; d = d(n, j),
    r = i's estimate of n's R), the little-contest vote is ``v = h - X``,
    ``p_in = (a + max(v, 0)) / (a + b + |v|)`` (``a``, ``b`` = ``coal_i``, ``coal_j``) and
    ``vt = p_in (X + h) - h``, a convex combination of X and -h. ``rows`` = the initiators'
    (b, 1, m) rows of ``w(1 - r)``, ``w r``, X and, with accommodation, ``w u_nn - w``.
    ``d`` is overwritten; works in per-thread scratch arrays.
    """
    w_one_minus_r, w_r, loss_at_i = rows[:3]
    _, t2, t3 = _buffers(d.size)
    loss_at_j = t2.reshape(d.shape)
    tmp = t3.reshape(d.shape)
    np.multiply(d, w_r, out=loss_at_j)
    loss_at_j += w_one_minus_r
    loss_at_j *= d
    if len(rows) > 3:  # accommodation: u_nn < 1
        loss_at_j += rows[3]
    v = np.subtract(loss_at_j, loss_at_i, out=d)
    np.abs(v, out=tmp)
    v += tmp  # 2 max(v, 0)
    v += (2.0 * coal_i)[..., None]
    tmp += (coal_i + coal_j)[..., None]
    v /= tmp  # 2 p_in
    np.add(loss_at_j, loss_at_i, out=tmp)
    tmp *= v
    tmp *= 0.5
    tmp -= loss_at_j  # vt
    return tmp


def _contest_block(
    ini: np.ndarray,
    tgt: np.ndarray,
    dist_t: np.ndarray,
    weight: np.ndarray,
    tables: _PairTables,
    rule: str,
    commit: str,
    c0: int,
    c1: int,
    order: _StageOrder | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Third-party sums ``(sum vt, sum |vt|)`` as i sees them, for a block of initiators
    ``ini`` (b,) and their targets ``tgt`` (b, c), over third parties ``c0:c1`` of each
    initiator's ``order`` (natural order when None).

    Same quantities as :func:`contest` with h = i (principals excluded).
    """
    bsz, c = tgt.shape
    n = dist_t.shape[0]
    m = c1 - c0
    coal_i = tables.coal_i[ini[:, None], tgt]  # (b, c)
    coal_j = tables.coal_j[ini[:, None], tgt]
    if order is None:
        cols = None
        at_i = ini[:, None]  # place of the principals among the third parties
        at_j = tgt
    else:
        cols = None if order.stage_dist is not None else order.third_parties[ini, c0:c1]
        at_i = order.rank[ini, ini][:, None] - c0
        at_j = order.rank[ini[:, None], tgt] - c0
    if rule == "Proportional" and commit == "SemiCommit":
        buf = _buffers(bsz * c * m)[0].reshape(bsz, c, m)
        if order is None:
            d = np.take(dist_t, tgt, axis=0, out=buf)
            rows: tuple[np.ndarray, ...] = (
                tables.w_one_minus_r[ini],
                tables.w_r[ini],
                tables.loss_at_i[ini],
            )
            if tables.any_self_gap:
                rows = (*rows, tables.self_gap[ini])
        else:
            if order.stage_dist is not None:
                d = np.take(order.stage_dist[(c0, c1)], tgt, axis=0, out=buf)
            else:
                assert cols is not None
                flat = tgt[:, :, None] * n + cols[:, None, :]
                d = np.take(dist_t.ravel(), flat, out=buf)
            rows = (
                order.w_one_minus_r[ini, c0:c1],
                order.w_r[ini, c0:c1],
                order.loss_at_i[ini, c0:c1],
            )
        third_votes = _semicommit_prop(tuple(x[:, None] for x in rows), d, coal_i, coal_j)
    else:
        d = dist_t[tgt]  # (b, c, n): d(ideal_n, pos_j)
        risk_est = tables.risk_est[ini][:, None, :]  # (b, 1, n)
        util_of_n_at_i = tables.util_of_n_at_i[ini][:, None, :]
        util_of_n_at_n = tables.util_of_n_at_n[ini][:, None, :]
        w = weight[None, None, :]
        util_of_n_at_j = util(d, risk_est)
        little_vote = vote(rule, w, util_of_n_at_i, util_of_n_at_j)
        p_i_wins = _little_contest(coal_i[:, :, None], coal_j[:, :, None], little_vote)
        join_i, join_j = third_party_utilities(
            commit, p_i_wins, util_of_n_at_i, util_of_n_at_j, util_of_n_at_n
        )
        third_votes = vote(rule, w, join_i, join_j)
    _drop_principals(third_votes, at_i, at_j, m)
    tot = third_votes.sum(axis=2)
    np.abs(third_votes, out=third_votes)
    ab = third_votes.sum(axis=2)
    return tot, ab


def _drop_principals(third_votes: np.ndarray, at_i: np.ndarray, at_j: np.ndarray, m: int) -> None:
    """Zero the votes (b, c, m) of the principals, who are not third parties: initiator
    ``at_i`` (b, 1) and target ``at_j`` (b, c) are their places among the m columns (those
    outside ``0:m`` are in another column range)."""
    bsz = third_votes.shape[0]
    block_row = np.arange(bsz)[:, None]
    ok_i = (at_i >= 0) & (at_i < m)
    if ok_i.any():
        sel = np.flatnonzero(ok_i[:, 0])
        third_votes[sel, :, at_i[sel, 0]] = 0.0
    ok_j = (at_j >= 0) & (at_j < m)
    if ok_j.any():
        r_, c_ = np.nonzero(ok_j)
        third_votes[block_row[r_, 0], c_, at_j[r_, c_]] = 0.0


def _evaluate_pairs(
    cand: np.ndarray,
    dist_t: np.ndarray,
    weight: np.ndarray,
    tables: _PairTables,
    rule: str,
    commit: str,
    out_t: np.ndarray,
    out_ab: np.ndarray,
    c0: int = 0,
    c1: int | None = None,
    block: int = 1 << 16,
    threads: int | None = None,
    order: _StageOrder | None = None,
) -> None:
    """Third-party sums over columns ``c0:c1`` (of ``order``) for every True entry of
    ``cand`` (n, n), added to ``out_t`` (sum vt) and ``out_ab`` (sum |vt|).

    Initiators are sorted by their number of candidate targets and cut into blocks of about
    ``block`` (pair, third party) elements; each block is one :func:`_contest_block` call on
    a (initiators, targets, third parties) array padded to its longest target list (the
    padding repeats a real target and is discarded). Blocks run on a thread pool (numpy
    releases the GIL), so both cores work; each pair's sums do not depend on its block.
    """
    n = dist_t.shape[0]
    c1 = n if c1 is None else c1
    width = c1 - c0
    n_targets = cand.sum(axis=1)
    active = np.flatnonzero(n_targets)
    if active.size == 0 or width <= 0:
        return
    inits = active[np.argsort(n_targets[active], kind="stable")]
    counts = n_targets[inits]
    # each initiator's targets in j order, laid end to end in initiator order
    _, flat_j = np.nonzero(cand[inits])
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    jobs = _blocks(counts, width, block)

    def run(job: tuple[int, int, int]) -> None:
        j0, j1, longest = job
        ini = inits[j0:j1]
        valid = np.arange(longest)[None, :] < counts[j0:j1, None]
        idx = first[j0:j1, None] + np.minimum(np.arange(longest)[None, :], counts[j0:j1, None] - 1)
        targets = flat_j[idx]  # padding repeats the row's last target
        tot, ab = _contest_block(ini, targets, dist_t, weight, tables, rule, commit, c0, c1, order)
        init_of_pair = ini[:, None].repeat(longest, 1)[valid]
        out_t[init_of_pair, targets[valid]] += tot[valid]
        out_ab[init_of_pair, targets[valid]] += ab[valid]

    work = int((counts.astype(np.int64) * width).sum())
    nthreads = threads if threads is not None else _n_threads()
    if nthreads > 1 and work > 4 * block and len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(nthreads) as ex:
            list(ex.map(run, jobs))
    else:
        for job in jobs:
            run(job)


def _blocks(counts: np.ndarray, width: int, block: int) -> list[tuple[int, int, int]]:
    """Cut initiators with ``counts`` (ascending) targets each into blocks ``(first, stop,
    longest list)`` of at most about ``block`` (pair, third party) elements."""
    jobs = []
    i0 = 0
    m = counts.size
    while i0 < m:
        # grow the block while (initiators x longest list x width) stays within the budget
        longest = int(counts[i0])
        per = max(1, block // max(1, longest * width))
        i1 = min(m, i0 + per)
        longest = int(counts[i1 - 1])
        while i1 - i0 > 1 and (i1 - i0) * longest * width > block:
            i1 -= 1
            longest = int(counts[i1 - 1])
        jobs.append((i0, i1, longest))
        i0 = i1
    return jobs


def _all_pairs_semicommit(dist_t: np.ndarray, tables: _PairTables) -> tuple[np.ndarray, np.ndarray]:
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
    rows: tuple[np.ndarray, ...] = (tables.w_one_minus_r, tables.w_r, tables.loss_at_i)
    if tables.any_self_gap:
        rows = (*rows, tables.self_gap)
    third_votes = _semicommit_prop(
        tuple(x[None] for x in rows), d, tables.coal_i.T, tables.coal_j.T
    )
    ar = np.arange(n)
    third_votes[:, ar, ar] = 0.0  # principals are not third parties: t = i
    third_votes[ar, :, ar] = 0.0  # t = j
    tot = third_votes.sum(axis=2)
    np.abs(third_votes, out=third_votes)
    ab = third_votes.sum(axis=2)
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
    ``U_ii + U_ij``; ``p`` = i's estimate of P(i beats j), ``s_j`` = j's salience sum,
    ``u_ki``, ``u_kj`` = i's utilities of i's and of j's positions.
    """
    eu_chlg = (1.0 - s_j) * (2.0 * u_ki) + s_j * (p * 2.0 * u_ki + (1.0 - p) * 2.0 * u_kj)
    return eu_chlg - (u_ki + u_kj)


def _p_from_sums(coal_i: Any, coal_j: Any, sum_votes: Any, sum_abs: Any) -> Any:
    """P(i beats j) from the principals' coalitions and the third parties' ``sum vt``
    (``sum_votes``) and ``sum |vt|`` (``sum_abs``): positive parts ``(sum_abs ± sum_votes) / 2``."""
    strength_i = coal_i + 0.5 * (sum_abs + sum_votes)
    strength_j = coal_j + 0.5 * (sum_abs - sum_votes)
    return strength_i / (strength_i + strength_j)


@dataclass(frozen=True, eq=False)
class _GainBounds:
    """Bounds on every pair's gain from challenging, from P = 0 and P = 1 (O(n^2)).

    The gain ``D (1 - 2 S_j (1 - P))`` is linear in P, so its values at the two ends bound
    it (:func:`_gain_bounds`).

    Attributes
    ----------
    util_of_i_at_i : (n, 1) float
        ``U^i(i, i)``.
    two_s : (1, n) float
        ``2 S_j``, twice each target's salience sum.
    gain_at_p1 : (n, n) float
        ``D = U^i(i, i) - U^i(i, j)``: the gain at P = 1.
    upper : (n, n) float
        The larger of the gains at P = 0 and P = 1 (``-inf`` on the diagonal).
    floor : (n,) float
        What a pair's gain must reach to matter: the best lower bound of its row (at least
        ``MIN_SIG_EDU``), less ``PRUNE_SLACK``.
    alive : (n, n) bool
        Pairs whose upper bound reaches their row's floor.
    """

    util_of_i_at_i: np.ndarray
    two_s: np.ndarray
    gain_at_p1: np.ndarray
    upper: np.ndarray
    floor: np.ndarray
    alive: np.ndarray


@dataclass(eq=False)
class _Search:
    """The running state of one turn's pruned challenge search (mutable).

    Attributes
    ----------
    gain : (n, n) float
        Exact gains of the pairs evaluated so far (``-inf`` elsewhere).
    sum_votes, sum_abs : (n, n) float
        Each pair's third-party ``sum vt`` and ``sum |vt|`` over the column ranges summed
        so far.
    level : (n, n) int8
        How many column ranges (stages) of each pair have been summed.
    done : (n, n) bool
        Pairs whose gain is exact.
    """

    dist_t: np.ndarray
    weight: np.ndarray
    sal_sum: np.ndarray
    tables: _PairTables
    order: _StageOrder | None
    rule: str
    commit: str
    edges: list[int]
    bounds: _GainBounds
    gain: np.ndarray
    sum_votes: np.ndarray
    sum_abs: np.ndarray
    level: np.ndarray
    done: np.ndarray


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
    the targets are those of the exhaustive search.

    Steps
    -----
    1. The turn's per-initiator tables (:func:`_pair_tables`). Δ at P = 0 and P = 1 bounds
       every pair at O(n^2) cost (:func:`_gain_bounds`).
    2. Small n, proportional rule and SemiCommit: every live pair's exact P in one array
       (:func:`_all_pairs_gains`); done.
    3. Otherwise the third parties are summed in stages (:func:`_stage_order`): the
       ``sample`` shares (1/8, then 1/3) of the heaviest voters first (``GLOBAL_ORDER``;
       otherwise each initiator's largest ``X_n``), then the rest.
    4. The exact P (an O(n) sum over third parties) is computed first for each initiator's
       ``first`` most promising targets, ranked by Δ with the principals-only estimate
       ``P0 = a / (a + b)`` (:func:`_exact_first`; below ``small`` elements, every live pair
       at once instead, and done).
    5. Pairs whose bound reaches the best exact gain so far are summed stage by stage
       (:func:`_staged_bounds`). With ``X_n = w_n (u_nn - u_ni)``, every third-party vote is
       a convex combination of X_n and ``-h_n`` (``h_n >= 0`` without accommodation), so the
       third parties not yet summed can add at most ``sum_rest max(X_n, 0)`` to i's
       coalition and nothing to j's: an upper bound on P and on Δ after each stage.
    6. Pairs whose bound still reaches the best are summed over the rest, the better-ranked
       ones (above their initiator's mean bound) first (:func:`_exact_rest`). Every pair
       that is decided is summed in the same stages, so its P does not depend on when it
       was evaluated.
    7. Each initiator's target from its row of gains (:func:`_decide`).

    ``exhaustive=True`` evaluates every pair with the reference :func:`contest` instead (slow;
    the tests compare the two; :func:`_exhaustive_gains`).
    """
    decide_args = (dist, r, weight, sal_sum, rule, commit, adjust)
    if exhaustive:
        return _decide(_exhaustive_gains(*decide_args), *decide_args)
    n = dist.shape[0]
    tables = _pair_tables(dist, r, weight, rule, adjust)
    dist_t = np.ascontiguousarray(dist.T)
    bounds = _gain_bounds(tables, sal_sum)
    if n**3 <= small and rule == "Proportional" and commit == "SemiCommit":
        # a few hundred thousand elements at most: every pair in one array, no pruning rounds
        gain = _all_pairs_gains(dist_t, tables, bounds, sal_sum)
        return _decide(gain, *decide_args, tables)
    search = _start_search(dist_t, weight, sal_sum, tables, bounds, rule, commit, small, sample)
    if n**3 <= small:  # a few hundred thousand elements: one pass beats pruning rounds
        _evaluate_exact(search, bounds.alive)
    else:
        est = _exact_first(search, first)
        bound_staged, est = _staged_bounds(search, est)
        _exact_rest(search, bound_staged, est)
    return _decide(search.gain, *decide_args, tables)


def _start_search(
    dist_t: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    tables: _PairTables,
    bounds: _GainBounds,
    rule: str,
    commit: str,
    small: int,
    sample: tuple[float, ...],
) -> _Search:
    """A search with nothing summed yet: staged (step 3, :func:`_stage_order`) when the
    proportional SemiCommit bound holds and n is not small, else in one column range."""
    n = dist_t.shape[0]
    staged = (
        rule == "Proportional"
        and commit == "SemiCommit"
        and not tables.any_self_gap
        and n**3 > small
        and bool((bounds.gain_at_p1 >= 0).all())
    )
    # third-party column ranges summed one after the other (each initiator's order)
    cuts = sorted({max(1, int(n * f)) for f in sample}) if staged else []
    cuts = [c for c in cuts if c < n]
    edges = [0, *cuts, n]
    return _Search(
        dist_t=dist_t,
        weight=weight,
        sal_sum=sal_sum,
        tables=tables,
        order=_stage_order(tables, dist_t, weight, cuts, edges) if staged else None,
        rule=rule,
        commit=commit,
        edges=edges,
        bounds=bounds,
        gain=np.full((n, n), -np.inf),
        sum_votes=np.zeros((n, n)),
        sum_abs=np.zeros((n, n)),
        level=np.zeros((n, n), dtype=np.int8),
        done=np.zeros((n, n), dtype=bool),
    )


def _exhaustive_gains(
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    rule: str,
    commit: str,
    adjust: str,
) -> np.ndarray:
    """Every pair's gain by the reference :func:`contest` (``-inf`` on the diagonal)."""
    n = dist.shape[0]
    gain = np.full((n, n), -np.inf)
    hi, ji = np.nonzero(~np.eye(n, dtype=bool))
    rows = max(1, 4_000_000 // max(1, n))
    for a0 in range(0, hi.size, rows):
        h, j = hi[a0 : a0 + rows], ji[a0 : a0 + rows]
        p, u_ki, u_kj = contest(h, h, j, dist, r, weight, rule, commit, adjust)
        gain[h, j] = challenge_gain(p, sal_sum[j], u_ki, u_kj)
    return gain


def _gain_bounds(tables: _PairTables, sal_sum: np.ndarray) -> _GainBounds:
    """The gain of every pair at P = 0 and at P = 1, and what they prune (step 1)."""
    util_of_i_at_j = tables.util_of_i_at_j
    util_of_i_at_i = np.diagonal(util_of_i_at_j)[:, None]
    two_s = 2.0 * sal_sum[None, :]
    gain_at_p1 = util_of_i_at_i - util_of_i_at_j
    gain_at_p0 = gain_at_p1 * (1.0 - two_s)
    upper = np.maximum(gain_at_p1, gain_at_p0)
    np.fill_diagonal(upper, -np.inf)
    lower = np.minimum(gain_at_p1, gain_at_p0)
    np.fill_diagonal(lower, -np.inf)
    floor = np.maximum(lower.max(axis=1), MIN_SIG_EDU) - PRUNE_SLACK
    return _GainBounds(
        util_of_i_at_i=util_of_i_at_i,
        two_s=two_s,
        gain_at_p1=gain_at_p1,
        upper=upper,
        floor=floor,
        alive=upper >= floor[:, None],
    )


def _all_pairs_gains(
    dist_t: np.ndarray, tables: _PairTables, bounds: _GainBounds, sal_sum: np.ndarray
) -> np.ndarray:
    """Every live pair's exact gain from one (n, n, n) array (small n, step 2)."""
    tot, ab = _all_pairs_semicommit(dist_t, tables)
    p = _p_from_sums(tables.coal_i, tables.coal_j, tot, ab)
    gain = challenge_gain(p, sal_sum[None, :], bounds.util_of_i_at_i, tables.util_of_i_at_j)
    return np.where(bounds.alive, gain, -np.inf)


def _stage_order(
    tables: _PairTables, dist_t: np.ndarray, weight: np.ndarray, cuts: list[int], edges: list[int]
) -> _StageOrder:
    """The order in which each initiator sums its third parties, in stages cut at ``cuts``
    (step 3), and the tables reordered by it."""
    n = dist_t.shape[0]
    stage_dist = None
    if GLOBAL_ORDER:
        # one order for every initiator (heaviest voters first): each stage's columns of
        # the distance matrix are one contiguous copy, gathered by rows alone
        g = np.argsort(-weight, kind="stable")
        dt_perm = dist_t[:, g]
        stage_dist = {
            (a0, a1): np.ascontiguousarray(dt_perm[:, a0:a1])
            for a0, a1 in itertools.pairwise(edges)
        }
        # every row is the same order: read-only broadcast views and column gathers
        # instead of (n, n) index arrays (the same indices and values)
        inv = np.empty_like(g)
        inv[g] = np.arange(n)
        third_parties = np.broadcast_to(g, (n, n))
        rank = np.broadcast_to(inv, (n, n))
        w_one_minus_r, w_r, loss_at_i = (
            tables.w_one_minus_r[:, g],
            tables.w_r[:, g],
            tables.loss_at_i[:, g],
        )
    else:
        perm = np.argpartition(-tables.loss_at_i, [c - 1 for c in cuts], axis=1)
        third_parties = np.ascontiguousarray(perm)  # largest X first, partitioned at the cuts
        rank = np.empty_like(perm)
        np.put_along_axis(rank, perm, np.arange(n)[None, :].repeat(n, 0), axis=1)
        w_one_minus_r, w_r, loss_at_i = (
            np.take_along_axis(x, perm, axis=1)
            for x in (tables.w_one_minus_r, tables.w_r, tables.loss_at_i)
        )
    gain_pos = np.maximum(loss_at_i, 0.0)
    return _StageOrder(
        third_parties=third_parties,
        rank=rank,
        w_one_minus_r=w_one_minus_r,
        w_r=w_r,
        loss_at_i=loss_at_i,
        stage_dist=stage_dist,
        rest_max=tuple(gain_pos[:, c:].sum(axis=1) for c in cuts),
    )


def _advance(search: _Search, mask: np.ndarray, upto: int) -> None:
    """Sum the pairs of ``mask`` over the column ranges they lack, up to stage ``upto``."""
    edges = search.edges
    for k in range(upto):
        todo = mask & (search.level == k)
        if todo.any():
            _evaluate_pairs(
                todo,
                search.dist_t,
                search.weight,
                search.tables,
                search.rule,
                search.commit,
                search.sum_votes,
                search.sum_abs,
                edges[k],
                edges[k + 1],
                order=search.order,
            )
            search.level[todo] = k + 1


def _evaluate_exact(search: _Search, mask: np.ndarray) -> None:
    """The exact gain of every pair of ``mask`` not yet done (all stages summed)."""
    mask = mask & ~search.done
    if not mask.any():
        return
    _advance(search, mask, len(search.edges) - 1)
    hi, ji = np.nonzero(mask)
    tot = search.sum_votes[hi, ji]
    ab = search.sum_abs[hi, ji]
    tables = search.tables
    p = _p_from_sums(tables.coal_i[hi, ji], tables.coal_j[hi, ji], tot, ab)
    search.gain[hi, ji] = challenge_gain(
        p,
        search.sal_sum[ji],
        search.bounds.util_of_i_at_i[hi, 0],
        tables.util_of_i_at_j[hi, ji],
    )
    search.done[mask] = True


def _best_now(search: _Search) -> np.ndarray:
    """Each initiator's best exact gain so far less the slack, at least its floor."""
    return np.maximum(search.gain.max(axis=1) - PRUNE_SLACK, search.bounds.floor)


def _exact_first(search: _Search, first: int) -> np.ndarray:
    """Exact gains of each initiator's ``first`` most promising targets (step 4); returns
    every pair's estimate from the principals alone (``-inf`` for pruned pairs)."""
    n = search.gain.shape[0]
    bounds, tables = search.bounds, search.tables
    p0 = tables.coal_i / (tables.coal_i + tables.coal_j)
    est = np.where(bounds.alive, bounds.gain_at_p1 * (1.0 - bounds.two_s * (1.0 - p0)), -np.inf)
    t = min(n - 1, first)
    top = np.argpartition(-est, t - 1, axis=1)[:, :t]
    most_promising = np.zeros((n, n), dtype=bool)
    np.put_along_axis(most_promising, top, True, axis=1)
    _evaluate_exact(search, most_promising & bounds.alive)
    return est


def _staged_bounds(search: _Search, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the pairs that can still win stage by stage, tightening their bounds (step 5).

    Returns each pair's bound after the stages and the ranking estimate for step 6 (the
    last bounds, or ``est`` when no stage was summed).
    """
    bounds, tables = search.bounds, search.tables
    left = (bounds.upper >= _best_now(search)[:, None]) & ~search.done & bounds.alive
    bound_staged = bounds.upper
    rest_max = search.order.rest_max if search.order is not None else ()
    for k in range(len(search.edges) - 2):
        if not left.any():
            break
        # upper bound on P: the summed third parties plus the most the rest can add
        _advance(search, left, k + 1)
        strength_i = (
            tables.coal_i + 0.5 * (search.sum_abs + search.sum_votes) + rest_max[k][:, None]
        )
        strength_j = tables.coal_j + 0.5 * (search.sum_abs - search.sum_votes)
        p_ub = np.minimum(strength_i / (strength_i + strength_j) * (1.0 + 1e-12), 1.0)
        bound_staged = np.where(
            left, bounds.gain_at_p1 * (1.0 - bounds.two_s * (1.0 - p_ub)), bound_staged
        )
        left &= bound_staged >= _best_now(search)[:, None]
        est = bound_staged
    return bound_staged, est


def _exact_rest(search: _Search, bound_staged: np.ndarray, est: np.ndarray) -> None:
    """Exact gains of the pairs whose bound still reaches their initiator's best, in two
    rounds: first those ranked above their initiator's mean ``est``, then the rest (step 6)."""
    bounds = search.bounds
    for rnd in range(2):
        left = (bound_staged >= _best_now(search)[:, None]) & ~search.done & bounds.alive
        if rnd == 0:
            # the better-ranked ones (above their initiator's mean) first
            cnt = left.sum(axis=1)
            if not (cnt > 1).any():
                continue
            est_left = np.where(left, est, 0.0)
            mean = est_left.sum(axis=1) / np.maximum(cnt, 1)
            left &= est >= mean[:, None]
        if left.any():
            _evaluate_exact(search, left)


def _decide(
    gain: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    rule: str,
    commit: str,
    adjust: str,
    tables: _PairTables | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each initiator's target from its row of gains, and that pair's P and gain.

    Shared by both paths. The pairs within ``CLOSE_GAIN`` of their row's best (usually one
    per row; more when targets tie) are evaluated again by the reference :func:`contest`,
    whose number for a pair does not depend on which other pairs share the call; the target
    is the lowest j within ``TIE_GAIN`` of the best of those (KTAB takes the first maximum).
    The same recomputed P goes to the bargain and the same gain is tested against 1e-5 (-1 =
    no challenge), so the paths agree whenever their own gains differ by less than the
    windows (rounding: ~1e-15). ``tables`` (the fast path's :func:`_pair_tables`) only saves
    :func:`contest` some recomputation; its numbers are the same without it.
    """
    n = gain.shape[0]
    gmax = gain.max(axis=1)
    # rows whose best cannot pass 1e-5 never challenge: no need to look closer
    live = np.isfinite(gmax) & (gmax > MIN_SIG_EDU - CLOSE_GAIN)
    near = (gain >= (gmax - CLOSE_GAIN)[:, None]) & live[:, None]
    hi, ji = np.nonzero(near)  # row-major: by initiator, targets ascending
    target = np.full(n, -1)
    p_target = np.zeros(n)
    gain_target = np.full(n, -np.inf)
    if hi.size == 0:
        return target, p_target, gain_target
    p = np.empty(hi.size)  # per candidate pair
    g = np.empty(hi.size)
    # chunks of pairs whose (pairs, n) arrays stay in cache; a pair's numbers do not depend
    # on its chunk
    rows = max(1, 262_144 // max(1, n))
    for a0 in range(0, hi.size, rows):
        h, j = hi[a0 : a0 + rows], ji[a0 : a0 + rows]
        pc, u_ki, u_kj = contest(h, h, j, dist, r, weight, rule, commit, adjust, tables)
        g[a0 : a0 + rows] = challenge_gain(pc, sal_sum[j], u_ki, u_kj)
        p[a0 : a0 + rows] = pc
    new_row = np.empty(hi.size, dtype=bool)
    new_row[0] = True
    np.not_equal(hi[1:], hi[:-1], out=new_row[1:])
    if new_row.all():  # one candidate per row (no near ties): it is the pick
        target[hi] = np.where(g > MIN_SIG_EDU, ji, -1)
        p_target[hi] = p
        gain_target[hi] = g
        return target, p_target, gain_target
    start = np.flatnonzero(new_row)
    who = hi[start]
    best = np.maximum.reduceat(g, start)
    k = np.cumsum(new_row) - 1
    pick = np.minimum.reduceat(
        np.where(g >= best[k] - TIE_GAIN, np.arange(hi.size), hi.size), start
    )
    ok = g[pick] > MIN_SIG_EDU
    target[who] = np.where(ok, ji[pick], -1)
    p_target[who] = p[pick]
    gain_target[who] = g[pick]
    return target, p_target, gain_target


def interpolate(
    ti: np.ndarray, tj: np.ndarray, si: np.ndarray, sj: np.ndarray, p: np.ndarray, rule: str
) -> tuple[np.ndarray, np.ndarray]:
    """Bargain positions of initiator and receiver (``SMPActor::interpolateBrgn``).

    ``ti, tj, si, sj`` are (m, k); ``p`` (m,) is the estimated P(initiator wins).
    """
    p_i = p[:, None]  # P(initiator wins)
    p_j = 1.0 - p_i
    if rule == "S2P2":
        wi, wj = si * si * p_i * p_i, sj * sj * p_j * p_j
    elif rule == "S1P1":
        wi, wj = si * p_i, sj * p_j
    elif rule == "S2PMax":
        # each moves toward the other by (P_other s_other^2)/(P_other s_other^2 + P_own s_own^2)
        fi = (p_j * sj * sj) / (p_j * sj * sj + p_i * si * si + BRGN_MIN_W)
        fj = (p_i * si * si) / (p_i * si * si + p_j * sj * sj + BRGN_MIN_W)
        bi = ti + fi * (tj - ti)
        bj = tj + fj * (ti - tj)
        return np.round(bi, 4), np.round(bj, 4)
    else:
        raise ValueError(f"unknown InterVecBrgn {rule!r}")
    bi = ((wi + BRGN_MIN_W) * ti + wj * tj) / (wi + BRGN_MIN_W + wj)
    bj = (wi * ti + (wj + BRGN_MIN_W) * tj) / (wi + wj + BRGN_MIN_W)
    return np.round(bi, 4), np.round(bj, 4)
