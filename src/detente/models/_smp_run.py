"""The SMP turn loop (private; see :mod:`detente.models.smp`)."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    All queues' options are laid end to end. When few pairs of options share a queue (the
    usual case), the coalitions of just those pairs are summed over the voters, in
    memory-bounded chunks, and each option's ``sum_b log V(a, b)`` is a weighted bincount.
    Otherwise (a few very long queues), a bargain's coalitions against another do not depend
    on the queue: one (bargains+1)^2 matrix of ``log V`` (the proportional rule's coalitions
    as a cityblock distance in compiled code) serves every queue, and each queue's sums are
    taken against its membership row.
    """
    nb = delta.shape[1]
    nq = size.size
    m = size + 1  # options per queue
    o_start = start + np.arange(nq)  # each queue's status quo comes before its bargains
    t_opt = which.size + nq
    q_of = np.repeat(np.arange(nq), m)
    local = np.arange(t_opt) - o_start[q_of]
    # global option index: 0 = status quo (utility change 0), b + 1 = bargain b
    gid = np.zeros(t_opt, dtype=np.int64)
    gid[np.arange(which.size) + np.repeat(np.arange(1, nq + 1), size)] = which + 1
    u = np.zeros((delta.shape[0], nb + 1))
    u[:, 1:] = delta
    rule, vpm = p["VotingRule"], p["VictoryProbModel"]
    n_pairs = int((m * (m - 1) // 2).sum())  # unordered pairs of options within queues
    if rule != "Proportional" or 8 * n_pairs < (nb + 1) * nb // 2:
        # few pairs share a queue: coalitions of those pairs only
        reps = m[q_of] - local - 1  # later options of the same queue
        rows = np.repeat(np.arange(t_opt), reps)
        first = np.concatenate([[0], np.cumsum(reps)[:-1]])
        cols = rows + 1 + (np.arange(rows.size) - first[rows])
        xt = np.ascontiguousarray(u.T)  # (options, voters)
        lv_ab = np.empty(rows.size)
        lv_ba = np.empty(rows.size)
        step = max(1, (1 << 20) // max(1, xt.shape[1]))
        for c0 in range(0, rows.size, step):  # memory-bounded chunks of pairs
            ga, gb = gid[rows[c0 : c0 + step]], gid[cols[c0 : c0 + step]]
            v = _core.vote(rule, cap[None, :], xt[ga], xt[gb])
            c_ab = _core.MIN_CLTN + np.maximum(v, 0.0).sum(axis=1)
            if rule == "Proportional":
                c_ba = _core.MIN_CLTN + np.maximum(-v, 0.0).sum(axis=1)
            else:
                c_ba = _core.MIN_CLTN + np.maximum(
                    _core.vote(rule, cap[None, :], xt[gb], xt[ga]), 0.0
                ).sum(axis=1)
            lv_ab[c0 : c0 + step] = np.log(np.maximum(_core.vict_prob(vpm, c_ab, c_ba), 1e-300))
            lv_ba[c0 : c0 + step] = np.log(np.maximum(_core.vict_prob(vpm, c_ba, c_ab), 1e-300))
        srow = (
            np.bincount(rows, lv_ab, minlength=t_opt)
            + np.bincount(cols, lv_ba, minlength=t_opt)
            + np.log(0.5)
        )
    else:
        # a bargain has the same coalitions in whichever queue it stands: one matrix for all
        c = _core.coalitions(u, cap, rule)
        v = _core.vict_prob(vpm, c, c.T)
        np.fill_diagonal(v, 0.5)
        lv = np.log(np.maximum(v, 1e-300))
        member = np.zeros((nq, nb + 1))
        member[q_of, gid] = 1.0
        # sum over the queue's options of log V(a, b), row by row (no BLAS threads: small)
        srow = np.einsum("tb,tb->t", lv[gid], member[q_of])
    smax = np.maximum.reduceat(srow, o_start)
    e = np.exp(srow - smax[q_of])
    pr = e / np.add.reduceat(e, o_start)[q_of]
    if p["StateTransitions"] == "Deterministic":
        best = np.maximum.reduceat(pr, o_start)
        choice = np.minimum.reduceat(np.where(pr == best[q_of], local, t_opt), o_start)
        # queues whose runner-up is close: decided by the reference election (ties, rounding)
        near = pr >= best[q_of] * (1.0 - _core.CLOSE_PROB)
        close = np.flatnonzero(np.add.reduceat(near.astype(np.int64), o_start) > 1)
        if close.size:
            choice[close] = _close_queues(delta, which, start, size, close, cap, p)
        return choice
    # one draw per queue, queues ordered by size then owner
    draw = np.empty(nq)
    draw[np.lexsort((np.arange(nq), size))] = rng.random(nq)
    cdf = np.cumsum(pr)
    cdf = cdf - np.concatenate([[0.0], cdf])[o_start][q_of]
    tot = cdf[o_start + m - 1]
    below = cdf <= (draw * tot)[q_of]
    return np.minimum(np.add.reduceat(below.astype(int), o_start), size)


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
    sz = size[queues]
    for s in np.unique(sz):  # per distinct queue size, not per actor
        at = np.flatnonzero(sz == s)
        ent = which[start[queues[at]][:, None] + np.arange(s)[None, :]]  # (nq, s)
        step = max(1, budget // ((s + 1) * (s + 1) * n))
        for c0 in range(0, at.size, step):
            e = ent[c0 : c0 + step]
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

    ``own[a, n]``: a's utility of n's position with a's own R.
    Returns new positions and, per actor, the index of the bargain taken (-1 = status quo).
    """
    nb = init.size
    new_pos = pos.copy()
    taken = np.full(n, -1)
    if nb == 0:
        return new_pos, taken
    # utility change to every actor a of bargain b, relative to the status quo (x N)
    d_b = _core.distance(ideal, np.concatenate([bi, bj]), sal)  # (n, 2 nb)
    u_b = _core.util(d_b, r[:, None])
    # each party's change apart, so a bargain that leaves a party where it is adds exactly 0
    # and equal bargains have exactly equal columns
    delta = ((u_b[:, :nb] - own[:, init]) + (u_b[:, nb:] - own[:, rcvr])) / n  # (n, nb)
    owner = np.concatenate([init, rcvr])
    which = np.concatenate([np.arange(nb), np.arange(nb)])
    order = np.lexsort((which, owner))
    owner, which = owner[order], which[order]
    # the queues: owners in order, where each starts in the sorted list, how long it is
    counts = np.bincount(owner, minlength=n)
    owners = np.flatnonzero(counts)
    size = counts[owners]
    start = np.cumsum(size) - size
    if p["PCEModel"] == "Conditional" and not reference:
        m_all = _queue_choice(delta, which, start, size, cap, p, rng)
        go = m_all > 0
        bargain = which[start[go] + m_all[go] - 1]
        who = owners[go]
        is_init = init[bargain] == who
        new_pos[who] = np.where(is_init[:, None], bi[bargain], bj[bargain])
        taken[who] = bargain
        return new_pos, taken
    for s in np.unique(size):  # per distinct queue size, not per actor
        sel = np.flatnonzero(size == s)
        q_own = owners[sel]  # (nq,)
        ent = which[(start[sel][:, None] + np.arange(s)[None, :])]  # (nq, s) bargain ids
        u = np.zeros((sel.size, n, s + 1))
        u[:, :, 1:] = np.transpose(delta[:, ent], (1, 0, 2))
        pr = _core.pce(
            u,
            np.broadcast_to(cap, (sel.size, n)),
            p["VotingRule"],
            p["VictoryProbModel"],
            p["PCEModel"],
        )
        if p["StateTransitions"] == "Deterministic":
            m = np.argmax(pr, axis=1)
            top = pr.max(axis=1, keepdims=True)
            close = np.flatnonzero((pr >= top * (1.0 - _core.CLOSE_PROB)).sum(axis=1) > 1)
            if close.size:
                m[close] = _close_queues(delta, which, start, size, sel[close], cap, p)
        else:
            cdf = np.cumsum(pr, axis=1)
            x = rng.random(sel.size)[:, None] * cdf[:, -1:]
            m = np.minimum((cdf <= x).sum(axis=1), s)
        go = m > 0
        bsel = ent[np.arange(sel.size), np.maximum(m - 1, 0)]
        who = q_own[go]
        bargain = bsel[go]
        is_init = init[bargain] == who
        new_pos[who] = np.where(is_init[:, None], bi[bargain], bj[bargain])
        taken[who] = bargain
    return new_pos, taken


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


def _movement(tr: SmpTrace, d01: float | None) -> tuple[float, float]:
    """This turn's summed Euclidean movement over the first turn's (+1e-4), and that base."""
    step = float(np.sqrt(((tr.positions[-1] - tr.positions[-2]) ** 2).sum(axis=1)).sum())
    if d01 is None:
        d01 = step + 1e-4
    return step / d01, d01


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
    ri, rj = _core.interpolate(pos[ini], pos[rcv], sal[ini], sal[rcv], p_r, p["InterVecBrgn"])
    if p["BargnModel"] == "PWCompInterp":
        wi, wj = weight[ini][:, None], weight[rcv][:, None]
        bi = np.round((wi * bi + wj * ri) / (wi + wj), 4)
        bj = np.round((wi * bj + wj * rj) / (wi + wj), 4)
        return best_j, ini, rcv, bi, bj
    # InitRcvrInterp: both proposals, the initiator's first
    m = ini.size
    order = np.arange(2 * m).reshape(2, m).T.ravel()
    ini2 = np.concatenate([ini, ini])[order]
    rcv2 = np.concatenate([rcv, rcv])[order]
    return best_j, ini2, rcv2, np.concatenate([bi, ri])[order], np.concatenate([bj, rj])[order]


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
    d01 = None
    it = 0
    with task("smp: turns", total=max_turns) as advance:
        while True:
            dist = _core.distance(ideal, pos, sal)
            r = _risk_attitudes(dist, pos, cap, p)
            tr.positions.append(pos.copy())
            tr.ideals.append(ideal.copy())
            own = _core.util(dist, r[:, None])  # (n, n): a's utility of n's position, a's own R
            tr.prob.append(_state_probs(own, cap, pos, p))
            tr.risk.append(r)
            if it >= 1:
                ratio, d01 = _movement(tr, d01)
                tr.stop_ratio.append(ratio)
                if it >= max_turns or (it >= min_turns and ratio < stop_tol):
                    break
            if n < 2:
                break
            best_j, ini, rcv, bi, bj = _bargains(pos, sal, dist, r, weight, sal_sum, p, exhaustive)
            new_pos, taken = _resolve(
                n, ini, rcv, bi, bj, ideal, pos, sal, own, r, cap, p, rng, reference=exhaustive
            )
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
