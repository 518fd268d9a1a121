"""SMP over a leading draw axis (private; see :func:`detente.models.smp.batch`).

m draws of one scenario run their turns in lockstep: every array carries the draw axis
first, and a draw whose stopping rule has fired leaves the active set. Each draw's numbers
are made by the same floating-point operations, in the same order, as the single run
(:func:`detente.models._smp_run.run_smp` on its small-n path): elementwise work is
broadcast, every sum runs over the same axis with the same length and memory layout (numpy
adds a contiguous row pairwise, a strided axis one element after the other), sums of
variable length are grouped by length, and SciPy's cityblock distance is rebuilt as the
sequential sum it is. The tests check each row against the single run bit for bit.

The vectorised turns cover the proportional voting rule with ``SemiCommit``, the
``Conditional`` PCE, ``InitOnlyInterp`` bargains, no accommodation and fewer than
:data:`~detente.models._smp_run.SMALL_N` actors, with any victory model, risk adjustment,
risk range, interpolation and either state transition; other settings run draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.models import _smp_core as _core
from detente.models._smp_run import SMALL_N

__all__: list[str] = []

#: Elements of the largest per-turn (draws, n, n, n) array of one sub-batch of draws.
_BLOCK = 1 << 22


def vectorisable(n: int, p: dict[str, str], acc: np.ndarray | None, exhaustive: bool) -> bool:
    """Whether draws of an ``n``-actor scenario with options ``p`` run vectorised."""
    return (
        2 <= n < SMALL_N
        and n**3 <= 1 << 18
        and acc is None
        and not exhaustive
        and p["VotingRule"] == "Proportional"
        and p["ThirdPartyCommit"] == "SemiCommit"
        and p["PCEModel"] == "Conditional"
        and p["BargnModel"] == "InitOnlyInterp"
    )


# ----------------------------------------------------------------------------- elections
def _cityblock(x: np.ndarray) -> np.ndarray:
    """``out[d, a, b] = sum_v |x[d, a, v] - x[d, b, v]|``, added in ``v`` order from the
    first term: SciPy's cityblock kernel (``cdist``/``pdist``) number for number."""
    out = np.abs(x[:, :, None, 0] - x[:, None, :, 0])
    for v in range(1, x.shape[2]):
        out += np.abs(x[:, :, None, v] - x[:, None, :, v])
    return out


def _prop_coalitions(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Proportional-rule coalitions ``C[d, a, b]`` of options ``u[d, voter, option]`` with
    weights ``w[d, voter]``: :func:`~detente.models._smp_core.coalitions`' cityblock form."""
    x = np.ascontiguousarray(np.swapaxes(u * w[:, :, None], 1, 2))  # (d, option, voter)
    l1 = _cityblock(x)
    tot = x.sum(axis=2)
    return _core.MIN_CLTN + np.maximum(0.5 * ((tot[:, :, None] - tot[:, None, :]) + l1), 0.0)


def _log_victory(u: np.ndarray, w: np.ndarray, vpm: str) -> np.ndarray:
    """``log V[d, a, b]`` (0.5 on the diagonal, floor 1e-300) of a proportional election."""
    c = _prop_coalitions(u, w)
    v = _core.vict_prob(vpm, c, np.swapaxes(c, 1, 2))
    ar = np.arange(c.shape[1])
    v[:, ar, ar] = 0.5
    return np.asarray(np.log(np.maximum(v, 1e-300)))


def _pce(u: np.ndarray, w: np.ndarray, vpm: str) -> np.ndarray:
    """Conditional PCE over the options ``u[d, voter, option]`` (``_core.pce``, 2-D path)."""
    s = _log_victory(u, w, vpm).sum(axis=2)
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _big_r(p: np.ndarray, rng_model: str) -> np.ndarray:
    """:func:`~detente.models._smp_core.big_r` per draw (rows of ``p``)."""
    pmin = p.min(axis=1, keepdims=True)
    pmax = p.max(axis=1, keepdims=True)
    span = pmax - pmin
    with np.errstate(divide="ignore", invalid="ignore"):
        if rng_model == "Min":
            r = (p - pmin) / span
        elif rng_model == "Mid":
            r = (3 * p - (pmax + 2 * pmin)) / (2 * span)
        elif rng_model == "Max":
            r = (2 * p - pmax - pmin) / span
        else:
            raise ValueError(f"unknown BigRRange {rng_model!r}")
    return np.where(span > 0, r, 0.0)


def _squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``t[k, d, a, b] = (x[d, a, k] - y[d, b, k])^2``: the terms of ``_core._sq_diff_sum``."""
    t = x.transpose(2, 0, 1)[:, :, :, None] - y.transpose(2, 0, 1)[:, :, None, :]
    return np.multiply(t, t, out=t)


def _add_terms(t: np.ndarray) -> np.ndarray:
    """``sum_k t[k]``, added dimension after dimension from 0 (``_core._sq_diff_sum``)."""
    out = t[0].copy()
    for kk in range(1, t.shape[0]):
        out += t[kk]
    return out


def _distance(
    ideal: np.ndarray, pts: np.ndarray, sal: np.ndarray, t: np.ndarray | None = None
) -> np.ndarray:
    """``d[d, i, j]`` from ideal i to point j of each draw (``_core.distance``); ``t``: the
    :func:`_squares` of ``ideal`` and ``pts`` when already made (overwritten)."""
    s2 = sal * sal
    den = s2.sum(axis=2)
    t = _squares(ideal, pts) if t is None else t
    t *= s2.transpose(2, 0, 1)[:, :, :, None]
    num = _add_terms(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den[:, :, None] > 0, num / np.where(den > 0, den, 1.0)[:, :, None], 0.0)
    np.minimum(out, 1.0, out=out)
    return np.asarray(np.sqrt(out, out=out))


def _unique_index(pos: np.ndarray, d2: np.ndarray | None = None) -> np.ndarray:
    """:func:`~detente.models._smp_core.unique_index` per draw, (d, n); ``d2``: the squared
    distances between the positions when already made."""
    d2 = _add_terms(_squares(pos, pos)) if d2 is None else d2
    rep = np.argmax(d2 < _core.POS_TOL * _core.POS_TOL, axis=2)
    rows = np.arange(rep.shape[0])[:, None]
    while True:
        nxt = rep[rows, rep]
        if np.array_equal(nxt, rep):
            return rep
        rep = nxt


def _state_probs(own: np.ndarray, cap: np.ndarray, rep: np.ndarray, vpm: str) -> np.ndarray:
    """Each actor's position probability: a PCE over the distinct positions of its draw
    (``rep``: :func:`_unique_index`), draws grouped by how many there are
    (``_smp_run._state_probs``)."""
    n = rep.shape[1]
    first = rep == np.arange(n)
    count = first.sum(axis=1)
    full = np.zeros(rep.shape)
    for c in np.unique(count):
        dd = np.flatnonzero(count == c)
        cols = np.nonzero(first[dd])[1].reshape(dd.size, c)  # each draw's representatives
        u = np.take_along_axis(own[dd], cols[:, None, :], axis=2)
        pu = _pce(u, cap[dd], vpm)
        part = np.zeros((dd.size, n))
        np.put_along_axis(part, cols, pu, axis=1)
        full[dd] = np.take_along_axis(part, rep[dd], axis=1)
    return full


# ----------------------------------------------------------------------------- challenges
@dataclass(frozen=True, eq=False)
class _Tables:
    """One turn's per-draw challenge tables (``_core._PairTables`` with a draw axis)."""

    risk_est: np.ndarray
    util_of_n_at_i: np.ndarray
    util_of_n_at_n: np.ndarray
    util_of_i_at_j: np.ndarray
    coal_i: np.ndarray
    coal_j: np.ndarray
    w_one_minus_r: np.ndarray
    w_r: np.ndarray
    loss_at_i: np.ndarray


def _tables(dist: np.ndarray, r: np.ndarray, weight: np.ndarray, adjust: str) -> _Tables:
    """``_core._pair_tables`` per draw (proportional rule; no accommodation, so the
    self-gap is zero and not kept)."""
    risk_est = _core.est_r(r[:, :, None], r[:, None, :], adjust)
    util_of_n_at_i = _core.util(np.swapaxes(dist, 1, 2), risk_est)
    util_of_n_at_n = _core.util(np.diagonal(dist, axis1=1, axis2=2)[:, None, :], risk_est)
    r_ii = np.diagonal(risk_est, axis1=1, axis2=2)[:, :, None]
    util_of_i_at_j = _core.util(dist, r_ii)
    util_of_i_at_i = np.diagonal(util_of_i_at_j, axis1=1, axis2=2)[:, :, None]
    vote_i = _core.vote("Proportional", weight[:, :, None], util_of_i_at_i, util_of_i_at_j)
    vote_j = _core.vote("Proportional", weight[:, None, :], util_of_n_at_i, util_of_n_at_n)
    coal_i, coal_j = _core._principal_coalitions(vote_i, vote_j)
    w = weight[:, None, :]
    return _Tables(
        risk_est=risk_est,
        util_of_n_at_i=util_of_n_at_i,
        util_of_n_at_n=util_of_n_at_n,
        util_of_i_at_j=util_of_i_at_j,
        coal_i=coal_i,
        coal_j=coal_j,
        w_one_minus_r=w * (1.0 - risk_est),
        w_r=w * risk_est,
        loss_at_i=w * util_of_n_at_n - w * util_of_n_at_i,
    )


def _all_pairs_gains(dist: np.ndarray, tb: _Tables, sal_sum: np.ndarray) -> np.ndarray:
    """Every pair's gain, ``-inf`` where pruned (``_core._gain_bounds`` and
    ``_core._all_pairs_gains`` per draw, the (target, initiator, third party) layout kept)."""
    uij = tb.util_of_i_at_j
    n = uij.shape[1]
    ar = np.arange(n)
    uii = np.diagonal(uij, axis1=1, axis2=2)[:, :, None]
    two_s = 2.0 * sal_sum[:, None, :]
    gain_at_p1 = uii - uij
    gain_at_p0 = gain_at_p1 * (1.0 - two_s)
    upper = np.maximum(gain_at_p1, gain_at_p0)
    upper[:, ar, ar] = -np.inf
    lower = np.minimum(gain_at_p1, gain_at_p0)
    lower[:, ar, ar] = -np.inf
    floor = np.maximum(lower.max(axis=2), _core.MIN_SIG_EDU) - _core.PRUNE_SLACK
    alive = upper >= floor[:, :, None]
    dist_t = np.swapaxes(dist, 1, 2)
    d = np.empty((dist.shape[0], n, n, n))
    np.copyto(d, dist_t[:, :, None, :])  # d[., j, i, t] = d(ideal_t, pos_j)
    rows = (tb.w_one_minus_r[:, None], tb.w_r[:, None], tb.loss_at_i[:, None])
    tv = _core._semicommit_prop(rows, d, np.swapaxes(tb.coal_i, 1, 2), np.swapaxes(tb.coal_j, 1, 2))
    tv[:, :, ar, ar] = 0.0  # t = i
    tv[:, ar, :, ar] = 0.0  # t = j
    tot = tv.sum(axis=3)
    np.abs(tv, out=tv)
    ab = tv.sum(axis=3)
    p = _core._p_from_sums(tb.coal_i, tb.coal_j, np.swapaxes(tot, 1, 2), np.swapaxes(ab, 1, 2))
    gain = _core.challenge_gain(p, sal_sum[:, None, :], uii, uij)
    return np.where(alive, gain, -np.inf)


def _contest(
    dd: np.ndarray, h: np.ndarray, j: np.ndarray, dist: np.ndarray, w: np.ndarray, tb: _Tables
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_core.contest`` with h = i and the turn's tables, for pairs of several draws."""
    risk_est = tb.risk_est[dd, h]
    u_ni = tb.util_of_n_at_i[dd, h]
    u_nn = tb.util_of_n_at_n[dd, h]
    u_nj = _core.util(dist[dd, :, j], risk_est)
    row = np.arange(h.size)
    coal_i, coal_j = tb.coal_i[dd, h, j], tb.coal_j[dd, h, j]
    wt = w[dd]
    little = _core.vote("Proportional", wt, u_ni, u_nj)
    p_in = _core._little_contest(coal_i[:, None], coal_j[:, None], little)
    join_i, join_j = _core.third_party_utilities("SemiCommit", p_in, u_ni, u_nj, u_nn)
    tv = _core.vote("Proportional", wt, join_i, join_j)
    tv[row, h] = 0.0
    tv[row, j] = 0.0
    strength_i = coal_i + np.maximum(tv, 0.0).sum(axis=1)
    strength_j = coal_j + np.maximum(-tv, 0.0).sum(axis=1)
    return strength_i / (strength_i + strength_j), u_ni[row, h], u_nj[row, h]


def _decide(
    gain: np.ndarray, dist: np.ndarray, w: np.ndarray, sal_sum: np.ndarray, tb: _Tables
) -> tuple[np.ndarray, np.ndarray]:
    """Each initiator's target (-1: none) and P, per draw (``_core._decide``)."""
    a, n = gain.shape[:2]
    gmax = gain.max(axis=2)
    live = np.isfinite(gmax) & (gmax > _core.MIN_SIG_EDU - _core.CLOSE_GAIN)
    near = (gain >= (gmax - _core.CLOSE_GAIN)[:, :, None]) & live[:, :, None]
    dd, hi, ji = np.nonzero(near)
    target = np.full((a, n), -1)
    p_target = np.zeros((a, n))
    if hi.size == 0:
        return target, p_target
    p, u_ki, u_kj = _contest(dd, hi, ji, dist, w, tb)
    g = _core.challenge_gain(p, sal_sum[dd, ji], u_ki, u_kj)
    key = dd * n + hi
    new_row = np.empty(hi.size, dtype=bool)
    new_row[0] = True
    np.not_equal(key[1:], key[:-1], out=new_row[1:])
    start = np.flatnonzero(new_row)
    best = np.maximum.reduceat(g, start)
    k = np.cumsum(new_row) - 1
    pick = np.minimum.reduceat(
        np.where(g >= best[k] - _core.TIE_GAIN, np.arange(hi.size), hi.size), start
    )
    ok = g[pick] > _core.MIN_SIG_EDU
    target[dd[pick], hi[pick]] = np.where(ok, ji[pick], -1)
    p_target[dd[pick], hi[pick]] = p[pick]
    return target, p_target


# ----------------------------------------------------------------------------- bargains
@dataclass(frozen=True, eq=False)
class _Bargains:
    """One turn's bargains of every active draw, in (draw, initiator) order.

    ``dd``: each bargain's draw; ``ini``, ``rcv``: its parties; ``bi``, ``bj``: their
    bargained positions (B, k); ``delta``: (B, n) its utility change to every actor of its
    draw; ``first``: (a + 1,) where each draw's bargains start.
    """

    dd: np.ndarray
    ini: np.ndarray
    rcv: np.ndarray
    bi: np.ndarray
    bj: np.ndarray
    delta: np.ndarray
    first: np.ndarray


def _bargains(
    pos: np.ndarray,
    sal: np.ndarray,
    own: np.ndarray,
    r: np.ndarray,
    target: np.ndarray,
    p_target: np.ndarray,
    rule: str,
) -> _Bargains:
    """The bargains proposed (``_smp_run._bargains``, ``InitOnlyInterp``) and their utility
    changes (``_smp_run._bargain_deltas``)."""
    a, n = target.shape
    dd, ini = np.nonzero(target >= 0)
    rcv = target[dd, ini]
    bi, bj = _core.interpolate(
        pos[dd, ini], pos[dd, rcv], sal[dd, ini], sal[dd, rcv], p_target[dd, ini], rule
    )
    first = np.searchsorted(dd, np.arange(a + 1))
    # each bargain: the distances of its draw's actors to its two positions, (B, n, 2)
    d_b = _distance(pos[dd], np.stack([bi, bj], axis=1), sal[dd])
    u_b = _core.util(d_b, r[dd][:, :, None])
    own_i = own[dd, :, ini]  # (B, n): own[:, init] of the bargain's draw
    own_j = own[dd, :, rcv]
    delta = ((u_b[:, :, 0] - own_i) + (u_b[:, :, 1] - own_j)) / n
    return _Bargains(dd, ini, rcv, bi, bj, delta, first)


# ----------------------------------------------------------------------------- queues
@dataclass(frozen=True, eq=False)
class _Queues:
    """Every active draw's queues (``_smp_run._queues``), queue by queue in (draw, owner)
    order; ``which`` holds global bargain ids, ``layout`` lays all options end to end."""

    draw: np.ndarray
    owner: np.ndarray
    which: np.ndarray
    start: np.ndarray
    size: np.ndarray
    layout: Any


def _queues(b: _Bargains, a: int, n: int) -> _Queues:
    """The queues of every draw: each owner's status quo, then the bargains it is party
    to, in initiator order."""
    from detente.models._smp_run import _queue_layout

    nb = b.dd.size
    key = np.concatenate([b.dd * n + b.ini, b.dd * n + b.rcv])
    which = np.concatenate([np.arange(nb), np.arange(nb)])
    order = np.lexsort((which, key))
    key, which = key[order], which[order]
    counts = np.bincount(key, minlength=a * n)
    owners = np.flatnonzero(counts)
    size = counts[owners]
    start = np.cumsum(size) - size
    layout = _queue_layout(which, start, size)
    return _Queues(owners // n, owners % n, which, start, size, layout)


def _draw_layout(q: _Queues, b: _Bargains, d: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """Draw ``d``'s own layout (local bargain ids), its queues and their sizes."""
    from detente.models._smp_run import _queue_layout

    qs = np.flatnonzero(q.draw == d)
    s0 = q.start[qs[0]]
    which = q.which[s0 : q.start[qs[-1]] + q.size[qs[-1]]] - b.first[d]
    return _queue_layout(which, q.start[qs] - s0, q.size[qs]), qs, which


def _log_sums(q: _Queues, b: _Bargains, cap: np.ndarray, vpm: str) -> np.ndarray:
    """Each option's ``sum_b log V(a, b)`` over its queue (``_smp_run._queue_choice``
    step 2): draws that the single run sends to the matrix form, grouped by their number of
    bargains; the others (the pairs form) draw by draw."""
    from detente.models._smp_run import _log_sums_by_pairs

    lay = q.layout
    a = b.first.size - 1
    m = lay.n_options
    n_pairs = np.bincount(q.draw, weights=m * (m - 1) // 2, minlength=a).astype(np.int64)
    nb = np.diff(b.first)
    by_pairs = 8 * n_pairs < (nb + 1) * nb // 2
    out = np.empty(lay.total)
    opt_draw = q.draw[lay.queue_of]
    q_first = np.concatenate([[0], np.cumsum(np.bincount(q.draw, minlength=a))])
    for c in np.unique(nb[(nb > 0) & ~by_pairs]):
        dsel = np.flatnonzero((nb == c) & ~by_pairs)
        idx = b.first[dsel][:, None] + np.arange(c)[None, :]
        u = np.zeros((dsel.size, cap.shape[1], c + 1))
        u[:, :, 1:] = np.swapaxes(b.delta[idx], 1, 2)
        log_v = _log_victory(u, cap[dsel], vpm)  # (g, c + 1, c + 1)
        grp = np.full(a, -1)
        grp[dsel] = np.arange(dsel.size)
        t = np.flatnonzero(grp[opt_draw] >= 0)  # options of these draws
        g_t = grp[opt_draw[t]]
        loc = np.where(lay.option_id[t] > 0, lay.option_id[t] - b.first[opt_draw[t]], 0)
        member = np.zeros((q.draw.size, c + 1))
        member[lay.queue_of[t], loc] = 1.0
        out[t] = np.einsum("tb,tb->t", log_v[g_t, loc], member[lay.queue_of[t]])
    for d in map(int, np.flatnonzero(by_pairs & (nb > 0))):
        layout_d, _, _ = _draw_layout(q, b, d)
        u = np.zeros((cap.shape[1], nb[d] + 1))
        u[:, 1:] = b.delta[b.first[d] : b.first[d + 1]].T
        o0 = lay.first_option[q_first[d]]
        out[o0 : o0 + layout_d.total] = _log_sums_by_pairs(u, layout_d, cap[d], "Proportional", vpm)
    return out


def _choose(
    q: _Queues,
    b: _Bargains,
    cap: np.ndarray,
    p: dict[str, str],
    gens: list[np.random.Generator],
) -> np.ndarray:
    """The chosen option of every queue (0 = status quo): ``_smp_run._queue_choice``."""
    from detente.models._smp_run import _draw_options, _queue_probs

    lay = q.layout
    prob = _queue_probs(_log_sums(q, b, cap, p["VictoryProbModel"]), lay)
    if p["StateTransitions"] == "Deterministic":
        return _most_probable(prob, q, b, cap, p)
    choice = np.empty(q.draw.size, dtype=np.int64)
    for d in map(int, np.unique(q.draw)):
        layout_d, qs, _ = _draw_layout(q, b, d)
        o0 = lay.first_option[qs[0]]
        choice[qs] = _draw_options(prob[o0 : o0 + layout_d.total], layout_d, q.size[qs], gens[d])
    return choice


def _most_probable(
    prob: np.ndarray, q: _Queues, b: _Bargains, cap: np.ndarray, p: dict[str, str]
) -> np.ndarray:
    """Per queue its first most probable option; close queues by the reference election
    (``_smp_run._most_probable`` and ``_close_queues``)."""
    lay = q.layout
    best = np.maximum.reduceat(prob, lay.first_option)
    choice = np.minimum.reduceat(
        np.where(prob == best[lay.queue_of], lay.local, lay.total), lay.first_option
    )
    near = prob >= best[lay.queue_of] * (1.0 - _core.CLOSE_PROB)
    close = np.flatnonzero(np.add.reduceat(near.astype(np.int64), lay.first_option) > 1)
    n = cap.shape[1]
    for s in np.unique(q.size[close]):
        at = close[q.size[close] == s]
        bids = q.which[q.start[at][:, None] + np.arange(s)[None, :]]  # (g, s)
        u = np.zeros((at.size, n, s + 1))
        u[:, :, 1:] = np.transpose(b.delta[bids], (0, 2, 1))
        pr = _core.pce(u, cap[q.draw[at]], "Proportional", p["VictoryProbModel"], "Conditional")
        top = pr.max(axis=1, keepdims=True)
        choice[at] = np.argmax(pr >= top * (1.0 - _core.TIE_PROB), axis=1)
    return np.asarray(choice)


def _resolve(
    pos: np.ndarray,
    b: _Bargains,
    cap: np.ndarray,
    p: dict[str, str],
    gens: list[np.random.Generator],
) -> np.ndarray:
    """New positions: each queue's chosen bargain, the owner's part of it
    (``_smp_run._resolve`` and ``_take_part``)."""
    new_pos = pos.copy()
    if b.dd.size == 0:
        return new_pos
    a, n = pos.shape[:2]
    q = _queues(b, a, n)
    choice = _choose(q, b, cap, p, gens)
    go = np.flatnonzero(choice > 0)
    bargain = q.which[q.start[go] + choice[go] - 1]
    who = q.owner[go]
    is_init = b.ini[bargain] == who
    new_pos[q.draw[go], who] = np.where(is_init[:, None], b.bi[bargain], b.bj[bargain])
    return new_pos


# ----------------------------------------------------------------------------- the run
def _turn(
    pos: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    own: np.ndarray,
    p: dict[str, str],
    gens: list[np.random.Generator],
) -> np.ndarray:
    """One turn's new positions of every active draw: challenges, bargains, queues."""
    sal_sum = sal.sum(axis=2)
    weight = sal_sum * cap
    tb = _tables(dist, r, weight, p["BigRAdjust"])
    gain = _all_pairs_gains(dist, tb, sal_sum)
    target, p_target = _decide(gain, dist, weight, sal_sum, tb)
    b = _bargains(pos, sal, own, r, target, p_target, p["InterVecBrgn"])
    return _resolve(pos, b, cap, p, gens)


def run_draws(  # long: the single run's turn loop, with the stopping rule per draw
    pos0: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    gens: list[np.random.Generator],
    max_turns: int = 100,
    min_turns: int = 2,
    stop_tol: float = 0.02,
) -> tuple[np.ndarray, np.ndarray]:
    """Final positions (m, n, k) and position probabilities (m, n) of m draws (0–1 scale).

    Steps of each turn (all active draws at once; ideals are the positions)
    ----------------------------------------------------------------------
    1. Distances, risk attitudes by the PCE over every actor's position, utilities, and
       each actor's position probability (:func:`_state_probs`).
    2. From turn 1, the movement against the first turn's; draws whose rule fires
       (``max_turns``, or below ``stop_tol`` from ``min_turns`` on) record their state and
       leave the active set.
    3. The others take a turn (:func:`_turn`).
    """
    m = pos0.shape[0]
    out_pos = np.empty_like(pos0)
    out_prob = np.empty(pos0.shape[:2])
    act = np.arange(m)
    pos = pos0.copy()
    prev = pos
    first_step = np.zeros(m)
    it = 0
    while act.size:
        s_a, c_a = sal[act], cap[act]
        t = _squares(pos, pos)
        rep = _unique_index(pos, _add_terms(t))  # before t is weighted by the saliences
        dist = _distance(pos, pos, s_a, t)
        r = _big_r(_pce(1.0 - dist, c_a, p["VictoryProbModel"]), p["BigRRange"])
        own = _core.util(dist, r[:, :, None])
        prob = _state_probs(own, c_a, rep, p["VictoryProbModel"])
        if it >= 1:
            step = np.sqrt(((pos - prev) ** 2).sum(axis=2)).sum(axis=1)
            if it == 1:
                first_step[act] = step + 1e-4
            ratio = step / first_step[act]
            stop = np.full(act.size, it >= max_turns) | ((it >= min_turns) & (ratio < stop_tol))
            if stop.any():
                out_pos[act[stop]] = pos[stop]
                out_prob[act[stop]] = prob[stop]
                go = ~stop
                act, pos, dist, r, own = act[go], pos[go], dist[go], r[go], own[go]
                s_a, c_a = s_a[go], c_a[go]
                if not act.size:
                    break
        new_pos = _turn(pos, s_a, c_a, dist, r, own, p, [gens[d] for d in act])
        prev, pos = pos, new_pos
        it += 1
    return out_pos, out_prob


def forecast(
    last: np.ndarray,
    p_last: np.ndarray,
    cap: np.ndarray,
    sal: np.ndarray,
    present: np.ndarray,
    lo: np.ndarray,
    span: np.ndarray,
) -> np.ndarray:
    """Per draw and issue the PCE-weighted mean of the final positions in issue units
    (``smp._pce_forecast`` per draw): a position class stands where its member with the
    most effective power stands (the lowest index among equals)."""
    rep = _unique_index(last)
    power = cap * sal.sum(axis=2)
    n = rep.shape[1]
    ar = np.arange(n)
    same = rep[:, :, None] == rep[:, None, :]  # [d, a, i]: a and i in one class
    pa, pi = power[:, :, None], power[:, None, :]
    beats = (pa > pi) | ((pa == pi) & (ar[:, None] < ar[None, :])[None])
    lead = ~(same & beats).any(axis=1)
    w = np.where(lead, p_last, 0.0)[:, :, None] * present
    for alt in (p_last[:, :, None] * present, np.broadcast_to(present.astype(float), w.shape)):
        w = np.where(w.sum(axis=1, keepdims=True) > 0, w, alt)
    fc = (w * last).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-300) * span + lo
    return np.where(present.any(axis=0), fc, np.nan)
