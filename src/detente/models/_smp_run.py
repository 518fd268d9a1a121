"""The SMP turn loop (private; see :mod:`detente.models.smp`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.models import _smp_core as _core
from detente.scenario.ktab_params import KTAB_DEFAULTS

#: KTAB's defaults of the nine parameters (the one table: :mod:`detente.scenario.ktab_params`).
DEFAULTS: dict[str, str] = dict(KTAB_DEFAULTS)
#: Below this many actors a turn is a few hundred numpy calls on tiny arrays: per-call
#: overhead, not arithmetic, is the cost, so work that only saves arithmetic is skipped.
SMALL_N = 64


@dataclass
class SmpTrace:
    """What one SMP run produced, on the 0–1 scale."""

    positions: list[np.ndarray] = field(default_factory=list)  # (n, k) per state
    ideals: list[np.ndarray] = field(default_factory=list)
    prob: list[np.ndarray] = field(default_factory=list)  # (n,) per state
    risk: list[np.ndarray] = field(default_factory=list)  # (n,) per state
    targets: list[np.ndarray] = field(default_factory=list)  # (n,) per turn, -1 = none
    chosen: list[np.ndarray] = field(
        default_factory=list
    )  # (n,) per turn: initiator of the bargain taken, -1 = SQ
    stop_ratio: list[float] = field(default_factory=list)


def _state_probs(
    own: np.ndarray, cap: np.ndarray, pos: np.ndarray, p: dict[str, str]
) -> np.ndarray:
    """PCE probability of each actor's position (shared by actors at one position).

    ``own[a, n]``: a's utility of n's position with a's own R.
    """
    rep = _core.unique_index(pos)
    uniq = np.flatnonzero(rep == np.arange(rep.size))
    pu = _core.pce(own[:, uniq], cap, p["VotingRule"], p["VictoryProbModel"], p["PCEModel"])
    full = np.zeros(rep.size)
    full[uniq] = pu
    return full[rep]


@dataclass(frozen=True, eq=False)
class _QueueLayout:
    """Every queue's options laid end to end, each queue's status quo before its bargains.

    Attributes
    ----------
    n_options : (nq,) int
        Options per queue (its bargains + 1).
    first_option : (nq,) int
        Where each queue's status quo stands in the layout.
    total : int
        Options over all queues.
    queue_of : (total,) int
        The queue of each option.
    local : (total,) int
        Each option's index within its queue (0 = status quo, q = its q-th bargain).
    option_id : (total,) int
        Each option's global index: 0 = status quo (utility change 0), b + 1 = bargain b.
    """

    n_options: np.ndarray
    first_option: np.ndarray
    total: int
    queue_of: np.ndarray
    local: np.ndarray
    option_id: np.ndarray


def _queue_layout(which: np.ndarray, start: np.ndarray, size: np.ndarray) -> _QueueLayout:
    """The options of queues ``size`` long starting at ``start`` in ``which`` (bargain ids)."""
    nq = size.size
    n_options = size + 1
    first_option = start + np.arange(nq)  # each queue's status quo comes before its bargains
    total = which.size + nq
    queue_of = np.repeat(np.arange(nq), n_options)
    local = np.arange(total) - first_option[queue_of]
    option_id = np.zeros(total, dtype=np.int64)
    option_id[np.arange(which.size) + np.repeat(np.arange(1, nq + 1), size)] = which + 1
    return _QueueLayout(n_options, first_option, total, queue_of, local, option_id)


def _queue_choice(
    delta: np.ndarray,
    which: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    rng: np.random.Generator,
) -> np.ndarray:
    """Conditional PCE over every queue at once; per queue the index of the chosen option
    (0 = status quo, q = the queue's q-th bargain).

    Steps
    -----
    1. All queues' options are laid end to end (:func:`_queue_layout`).
    2. Each option's ``sum_b log V(a, b)`` over the options of its queue. When few pairs of
       options share a queue (the usual case), the coalitions of just those pairs are
       summed over the voters, in memory-bounded chunks, and the sums are weighted
       bincounts (:func:`_log_sums_by_pairs`). Otherwise (a few very long queues), a
       bargain's coalitions against another do not depend on the queue: one
       (bargains+1)^2 matrix of ``log V`` serves every queue, and each queue's sums are
       taken against its membership row (:func:`_log_sums_by_matrix`).
    3. Each queue's probabilities from its sums (:func:`_queue_probs`).
    4. ``Deterministic``: the most probable option, close queues re-decided by the
       reference election (:func:`_most_probable`); ``Stochastic``: one draw per queue
       (:func:`_draw_options`).
    """
    nb = delta.shape[1]
    layout = _queue_layout(which, start, size)
    u = np.zeros((delta.shape[0], nb + 1))
    u[:, 1:] = delta
    rule, vpm = p["VotingRule"], p["VictoryProbModel"]
    m = layout.n_options
    n_pairs = int((m * (m - 1) // 2).sum())  # unordered pairs of options within queues
    if rule != "Proportional" or 8 * n_pairs < (nb + 1) * nb // 2:
        log_sums = _log_sums_by_pairs(u, layout, cap, rule, vpm)
    else:
        log_sums = _log_sums_by_matrix(u, layout, size.size, cap, rule, vpm)
    prob = _queue_probs(log_sums, layout)
    if p["StateTransitions"] == "Deterministic":
        return _most_probable(prob, layout, delta, which, start, size, cap, p)
    return _draw_options(prob, layout, size, rng)


def _log_sums_by_pairs(
    u: np.ndarray, layout: _QueueLayout, cap: np.ndarray, rule: str, vpm: str
) -> np.ndarray:
    """Each option's ``sum_b log V(a, b)`` over its queue, from the coalitions of just the
    pairs of options that share a queue (``V(a, a) = 0.5``)."""
    total, queue_of, local = layout.total, layout.queue_of, layout.local
    option_id = layout.option_id
    reps = layout.n_options[queue_of] - local - 1  # later options of the same queue
    rows = np.repeat(np.arange(total), reps)
    first = np.concatenate([[0], np.cumsum(reps)[:-1]])
    cols = rows + 1 + (np.arange(rows.size) - first[rows])
    xt = np.ascontiguousarray(u.T)  # (options, voters)
    log_v_ab = np.empty(rows.size)
    log_v_ba = np.empty(rows.size)
    step = max(1, (1 << 20) // max(1, xt.shape[1]))

    def chunk(c0: int) -> None:  # memory-bounded chunks of pairs, disjoint outputs
        ga, gb = option_id[rows[c0 : c0 + step]], option_id[cols[c0 : c0 + step]]
        v = _core.vote(rule, cap[None, :], xt[ga], xt[gb])
        c_ab = _core.MIN_CLTN + np.maximum(v, 0.0).sum(axis=1)
        if rule == "Proportional":
            c_ba = _core.MIN_CLTN + np.maximum(-v, 0.0).sum(axis=1)
        else:
            c_ba = _core.MIN_CLTN + np.maximum(
                _core.vote(rule, cap[None, :], xt[gb], xt[ga]), 0.0
            ).sum(axis=1)
        log_v_ab[c0 : c0 + step] = np.log(np.maximum(_core.vict_prob(vpm, c_ab, c_ba), 1e-300))
        log_v_ba[c0 : c0 + step] = np.log(np.maximum(_core.vict_prob(vpm, c_ba, c_ab), 1e-300))

    _core._map_threads(chunk, range(0, rows.size, step), parallel=rows.size > step)
    return (
        np.bincount(rows, log_v_ab, minlength=total)
        + np.bincount(cols, log_v_ba, minlength=total)
        + np.log(0.5)
    )


def _log_sums_by_matrix(
    u: np.ndarray, layout: _QueueLayout, nq: int, cap: np.ndarray, rule: str, vpm: str
) -> np.ndarray:
    """Each option's ``sum_b log V(a, b)`` over its queue, from one matrix of ``log V``
    between all bargains (a bargain has the same coalitions in whichever queue it stands;
    the proportional rule's coalitions as a cityblock distance in compiled code)."""
    c = _core.coalitions(u, cap, rule)
    v = _core.vict_prob(vpm, c, c.T)
    np.fill_diagonal(v, 0.5)
    log_v = np.log(np.maximum(v, 1e-300))
    member = np.zeros((nq, u.shape[1]))
    member[layout.queue_of, layout.option_id] = 1.0
    # sum over the queue's options of log V(a, b), row by row (no BLAS threads: small)
    return np.einsum("tb,tb->t", log_v[layout.option_id], member[layout.queue_of])


def _queue_probs(log_sums: np.ndarray, layout: _QueueLayout) -> np.ndarray:
    """Each option's probability within its queue: ``exp(log_sums)`` normalised per queue."""
    first_option, queue_of = layout.first_option, layout.queue_of
    smax = np.maximum.reduceat(log_sums, first_option)
    e = np.exp(log_sums - smax[queue_of])
    return e / np.add.reduceat(e, first_option)[queue_of]


def _most_probable(
    prob: np.ndarray,
    layout: _QueueLayout,
    delta: np.ndarray,
    which: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
) -> np.ndarray:
    """Per queue, its first most probable option; queues whose runner-up is within
    ``CLOSE_PROB`` are decided by the reference election (:func:`_close_queues`)."""
    first_option, queue_of = layout.first_option, layout.queue_of
    best = np.maximum.reduceat(prob, first_option)
    choice = np.minimum.reduceat(
        np.where(prob == best[queue_of], layout.local, layout.total), first_option
    )
    # queues whose runner-up is close: decided by the reference election (ties, rounding)
    near = prob >= best[queue_of] * (1.0 - _core.CLOSE_PROB)
    close = np.flatnonzero(np.add.reduceat(near.astype(np.int64), first_option) > 1)
    if close.size:
        choice[close] = _close_queues(delta, which, start, size, close, cap, p)
    return choice


def _draw_options(
    prob: np.ndarray, layout: _QueueLayout, size: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per queue, an option drawn by its probability: one draw per queue, the queues
    ordered by size then owner."""
    nq = size.size
    first_option, queue_of = layout.first_option, layout.queue_of
    draw = np.empty(nq)
    draw[np.lexsort((np.arange(nq), size))] = rng.random(nq)
    cdf = np.cumsum(prob)
    cdf = cdf - np.concatenate([[0.0], cdf])[first_option][queue_of]
    tot = cdf[first_option + layout.n_options - 1]
    below = cdf <= (draw * tot)[queue_of]
    return np.minimum(np.add.reduceat(below.astype(int), first_option), size)


def _close_queues(
    delta: np.ndarray,
    which: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    queues: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    budget: int = 4_000_000,
) -> np.ndarray:
    """The chosen option of each of ``queues`` whose best options are close (Deterministic).

    Both paths send such queues here. Each queue's election is the reference one (the
    coalitions as the plain sum of positive votes, so equal bargains get exactly equal
    probabilities), batched by queue size; a queue's numbers do not depend on the batch.
    The first option within ``TIE_PROB`` (relative) of the most probable wins.
    """
    n = delta.shape[0]
    out = np.zeros(queues.size, dtype=np.int64)
    sizes = size[queues]
    for s in np.unique(sizes):  # per distinct queue size, not per actor
        at = np.flatnonzero(sizes == s)
        bargain_ids = which[start[queues[at]][:, None] + np.arange(s)[None, :]]  # (nq, s)
        step = max(1, budget // ((s + 1) * (s + 1) * n))
        for c0 in range(0, at.size, step):
            e = bargain_ids[c0 : c0 + step]
            u = np.zeros((e.shape[0], n, s + 1))
            u[:, :, 1:] = np.transpose(delta[:, e], (1, 0, 2))
            if (s + 1) * (s + 1) * n > budget:  # one long queue: row-chunked coalitions
                pr = _core.pce(
                    u[0], cap, p["VotingRule"], p["VictoryProbModel"], p["PCEModel"], direct=True
                )[None]
            else:
                pr = _core.pce(
                    u,
                    np.broadcast_to(cap, (e.shape[0], n)),
                    p["VotingRule"],
                    p["VictoryProbModel"],
                    p["PCEModel"],
                )
            top = pr.max(axis=1, keepdims=True)
            out[at[c0 : c0 + step]] = np.argmax(pr >= top * (1.0 - _core.TIE_PROB), axis=1)
    return out


def _resolve(
    n: int,
    init: np.ndarray,
    rcvr: np.ndarray,
    bi: np.ndarray,
    bj: np.ndarray,
    ideal: np.ndarray,
    pos: np.ndarray,
    sal: np.ndarray,
    own: np.ndarray,
    r: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    rng: np.random.Generator,
    reference: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each actor's queue (its status quo, then every bargain it is party to, in initiator
    order) is put to a PCE among all actors; the owner takes its part of the chosen bargain.

    ``own[a, n]``: a's utility of n's position with a's own R. ``bi``, ``bj``: the
    initiator's and the receiver's bargained positions.
    Returns new positions and, per actor, the index of the bargain taken (-1 = status quo).

    Steps
    -----
    1. Every bargain's utility change to every actor (:func:`_bargain_deltas`).
    2. The queues: their owners, and the bargains of each (:func:`_queues`).
    3. The chosen option of each queue: with the ``Conditional`` PCE (and not
       ``reference``) every queue at once (:func:`_queue_choice`); otherwise one batched
       PCE per distinct queue size (:func:`_choose_by_size`).
    4. Each owner takes its part of the bargain chosen (:func:`_take_part`).
    """
    nb = init.size
    new_pos = pos.copy()
    taken = np.full(n, -1)
    if nb == 0:
        return new_pos, taken
    delta = _bargain_deltas(n, init, rcvr, bi, bj, ideal, sal, own, r)
    owners, which, start, size = _queues(n, init, rcvr)
    if p["PCEModel"] == "Conditional" and not reference:
        m_all = _queue_choice(delta, which, start, size, cap, p, rng)
        go = m_all > 0
        bargain = which[start[go] + m_all[go] - 1]
        _take_part(new_pos, taken, owners[go], bargain, init, bi, bj)
        return new_pos, taken
    for s in np.unique(size):  # per distinct queue size, not per actor
        who, bargain = _choose_by_size(int(s), delta, which, start, size, owners, cap, p, rng)
        _take_part(new_pos, taken, who, bargain, init, bi, bj)
    return new_pos, taken


def _bargain_deltas(
    n: int,
    init: np.ndarray,
    rcvr: np.ndarray,
    bi: np.ndarray,
    bj: np.ndarray,
    ideal: np.ndarray,
    sal: np.ndarray,
    own: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """(n, bargains): each bargain's utility change to every actor, relative to the status
    quo, divided by n (the mean over positions, with the two bargained ones substituted)."""
    nb = init.size
    d_b = _core.distance(ideal, np.concatenate([bi, bj]), sal)  # (n, 2 nb)
    u_b = _core.util(d_b, r[:, None])
    # each party's change apart, so a bargain that leaves a party where it is adds exactly 0
    # and equal bargains have exactly equal columns
    return ((u_b[:, :nb] - own[:, init]) + (u_b[:, nb:] - own[:, rcvr])) / n  # (n, nb)


def _queues(
    n: int, init: np.ndarray, rcvr: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The queues: their owners (ascending), every queue's bargain ids laid end to end in
    ``which`` (each queue's in initiator order), where each queue starts and how long it is."""
    nb = init.size
    owner = np.concatenate([init, rcvr])
    which = np.concatenate([np.arange(nb), np.arange(nb)])
    order = np.lexsort((which, owner))
    owner, which = owner[order], which[order]
    counts = np.bincount(owner, minlength=n)
    owners = np.flatnonzero(counts)
    size = counts[owners]
    start = np.cumsum(size) - size
    return owners, which, start, size


def _choose_by_size(
    s: int,
    delta: np.ndarray,
    which: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    owners: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The queues ``s`` bargains long, in one batched PCE: the owners that take a bargain,
    and the bargain each takes (``Deterministic``: the most probable, close queues by
    :func:`_close_queues`; ``Stochastic``: one draw per queue)."""
    n = delta.shape[0]
    sel = np.flatnonzero(size == s)
    queue_owner = owners[sel]  # (nq,)
    bargain_ids = which[(start[sel][:, None] + np.arange(s)[None, :])]  # (nq, s) bargain ids
    u = np.zeros((sel.size, n, s + 1))
    u[:, :, 1:] = np.transpose(delta[:, bargain_ids], (1, 0, 2))
    prob = _core.pce(
        u,
        np.broadcast_to(cap, (sel.size, n)),
        p["VotingRule"],
        p["VictoryProbModel"],
        p["PCEModel"],
    )
    if p["StateTransitions"] == "Deterministic":
        m = np.argmax(prob, axis=1)
        top = prob.max(axis=1, keepdims=True)
        close = np.flatnonzero((prob >= top * (1.0 - _core.CLOSE_PROB)).sum(axis=1) > 1)
        if close.size:
            m[close] = _close_queues(delta, which, start, size, sel[close], cap, p)
    else:
        cdf = np.cumsum(prob, axis=1)
        x = rng.random(sel.size)[:, None] * cdf[:, -1:]
        m = np.minimum((cdf <= x).sum(axis=1), s)
    go = m > 0
    chosen = bargain_ids[np.arange(sel.size), np.maximum(m - 1, 0)]
    return queue_owner[go], chosen[go]


def _take_part(
    new_pos: np.ndarray,
    taken: np.ndarray,
    who: np.ndarray,
    bargain: np.ndarray,
    init: np.ndarray,
    bi: np.ndarray,
    bj: np.ndarray,
) -> None:
    """Each of ``who`` takes its part of its ``bargain`` (the initiator's or the
    receiver's position), recorded in ``taken``."""
    is_init = init[bargain] == who
    new_pos[who] = np.where(is_init[:, None], bi[bargain], bj[bargain])
    taken[who] = bargain


def _risk_attitudes(
    dist: np.ndarray, pos: np.ndarray, cap: np.ndarray, p: dict[str, str]
) -> np.ndarray:
    """Risk attitudes R from the risk-neutral PCE over every actor's position.

    Equal positions are separate options here (the reference logs decide this).
    """
    rule, vpm, pcem = p["VotingRule"], p["VictoryProbModel"], p["PCEModel"]
    if pos.shape[0] < SMALL_N and rule == "Proportional":
        # equal positions have equal columns, and the proportional coalitions are a
        # function of the two columns alone (a cityblock distance): computing them once
        # per distinct position (below) gives the same numbers, but is not worth a sort.
        # (The other rules' voter sums follow numpy's memory layout, which depends on the
        # number of options, so they keep the one path.)
        p_rn = _core.pce(1.0 - dist, cap, rule, vpm, pcem)
    else:
        _, first, inv = np.unique(pos, axis=0, return_index=True, return_inverse=True)
        p_rn = _core.pce(1.0 - dist[:, first], cap, rule, vpm, pcem, inverse=inv.ravel())
    return _core.big_r(p_rn, p["BigRRange"])


def _movement(tr: SmpTrace, first_step: float | None) -> tuple[float, float]:
    """This turn's summed Euclidean movement over the first turn's (+1e-4), and that base."""
    step = float(np.sqrt(((tr.positions[-1] - tr.positions[-2]) ** 2).sum(axis=1)).sum())
    if first_step is None:
        first_step = step + 1e-4
    return step / first_step, first_step


def _bargains(
    pos: np.ndarray,
    sal: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    weight: np.ndarray,
    sal_sum: np.ndarray,
    p: dict[str, str],
    exhaustive: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every actor's best challenge and the bargains proposed (steps 4 and 5 of a turn).

    Returns the targets (-1: none), and per bargain its initiator, receiver and the two
    bargained positions (``BargnModel``: the initiator's interpolation, both parties', or
    their power-weighted mean).
    """
    best_j, best_p, _ = _core.best_challenges(
        dist,
        r,
        weight,
        sal_sum,
        p["VotingRule"],
        p["ThirdPartyCommit"],
        p["BigRAdjust"],
        exhaustive=exhaustive,
    )
    ini = np.flatnonzero(best_j >= 0)
    rcv = best_j[ini]
    bi, bj = _core.interpolate(
        pos[ini], pos[rcv], sal[ini], sal[rcv], best_p[ini], p["InterVecBrgn"]
    )
    if p["BargnModel"] == "InitOnlyInterp" or not ini.size:
        return best_j, ini, rcv, bi, bj
    # the receiver's own estimate of P(initiator wins)
    p_r, _, _ = _core.contest(
        rcv, ini, rcv, dist, r, weight, p["VotingRule"], p["ThirdPartyCommit"], p["BigRAdjust"]
    )
    rcv_bi, rcv_bj = _core.interpolate(
        pos[ini], pos[rcv], sal[ini], sal[rcv], p_r, p["InterVecBrgn"]
    )
    if p["BargnModel"] == "PWCompInterp":
        wi, wj = weight[ini][:, None], weight[rcv][:, None]
        bi = np.round((wi * bi + wj * rcv_bi) / (wi + wj), 4)
        bj = np.round((wi * bj + wj * rcv_bj) / (wi + wj), 4)
        return best_j, ini, rcv, bi, bj
    # InitRcvrInterp: both proposals, the initiator's first
    m = ini.size
    order = np.arange(2 * m).reshape(2, m).T.ravel()
    ini2 = np.concatenate([ini, ini])[order]
    rcv2 = np.concatenate([rcv, rcv])[order]
    return (
        best_j,
        ini2,
        rcv2,
        np.concatenate([bi, rcv_bi])[order],
        np.concatenate([bj, rcv_bj])[order],
    )


class _Background:
    """Runs a call on one worker thread beside the caller (or at once, when not ``on``).

    ``submit(fn, *args)`` returns a function that gives the call's result (or raises its
    exception); the thread ends with the ``with`` block.
    """

    def __init__(self, on: bool) -> None:
        self._on = on
        self._ex: Any = None

    def __enter__(self) -> _Background:
        if self._on and _core._n_threads() > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._ex = ThreadPoolExecutor(1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        if self._ex is None:
            out = fn(*args)
            return lambda: out
        return self._ex.submit(fn, *args).result


def run_smp(
    pos0: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    acc: np.ndarray | None,
    params: dict[str, str],
    rng: np.random.Generator,
    max_turns: int = 100,
    min_turns: int = 2,
    stop_tol: float = 0.02,
    exhaustive: bool = False,
) -> SmpTrace:
    """Run SMP from positions ``pos0`` (0–1) until the stopping rule fires.

    Steps of each turn (progress reported per turn)
    -----------------------------------------------
    1. Distances from ideals to positions; risk attitudes (:func:`_risk_attitudes`).
    2. Record the state: positions, ideals, position probabilities, risk attitudes.
    3. Stop at ``max_turns`` or, from turn ``min_turns`` on, when the movement falls below
       ``stop_tol`` of the first turn's (:func:`_movement`).
    4. Challenges and bargains (:func:`_bargains`), each actor's queue resolved
       (:func:`_resolve`); ideals follow positions by the accommodation matrix.
    """
    from detente.progress import task

    p = dict(DEFAULTS)
    p.update(params)
    n = pos0.shape[0]
    sal_sum = sal.sum(axis=1)
    weight = sal_sum * cap
    pos, ideal = pos0.copy(), pos0.copy()
    tr = SmpTrace()
    first_step = None
    it = 0
    with task("smp: turns", total=max_turns) as advance, _Background(n >= SMALL_N) as bg:
        while True:
            dist = _core.distance(ideal, pos, sal)
            r = _risk_attitudes(dist, pos, cap, p)
            tr.positions.append(pos.copy())
            tr.ideals.append(ideal.copy())
            own = _core.util(dist, r[:, None])  # (n, n): a's utility of n's position, a's own R
            # the position probabilities are recorded, not used by the turn: with many
            # actors they are computed beside the challenges
            prob = bg.submit(_state_probs, own, cap, pos, p)
            tr.risk.append(r)
            if it >= 1:
                ratio, first_step = _movement(tr, first_step)
                tr.stop_ratio.append(ratio)
                if it >= max_turns or (it >= min_turns and ratio < stop_tol):
                    tr.prob.append(prob())
                    break
            if n < 2:
                tr.prob.append(prob())
                break
            best_j, ini, rcv, bi, bj = _bargains(pos, sal, dist, r, weight, sal_sum, p, exhaustive)
            new_pos, taken = _resolve(
                n, ini, rcv, bi, bj, ideal, pos, sal, own, r, cap, p, rng, reference=exhaustive
            )
            tr.prob.append(prob())
            tr.targets.append(best_j)
            tr.chosen.append(
                np.where(taken >= 0, ini[np.maximum(taken, 0)] if ini.size else -1, -1)
            )
            if acc is None:
                ideal = new_pos.copy()
            else:
                ideal = acc @ new_pos + (1.0 - acc.sum(axis=1))[:, None] * ideal
            pos = new_pos
            it += 1
            advance()
    return tr
