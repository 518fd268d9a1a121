"""The SMP turn loop (private; see :mod:`detente.models.smp`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from detente.models import _smp_core as C

DEFAULTS: dict[str, str] = {
    "VictoryProbModel": "Linear",
    "PCEModel": "Conditional",
    "StateTransitions": "Deterministic",
    "VotingRule": "Proportional",
    "BigRAdjust": "OneThird",
    "BigRRange": "Mid",
    "ThirdPartyCommit": "SemiCommit",
    "InterVecBrgn": "S2P2",
    "BargnModel": "InitOnlyInterp",
}


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
    dist: np.ndarray, r: np.ndarray, cap: np.ndarray, pos: np.ndarray, p: dict[str, str]
) -> np.ndarray:
    """PCE probability of each actor's position (shared by actors at one position)."""
    rep = C.unique_index(pos)
    uniq = np.flatnonzero(rep == np.arange(rep.size))
    u = C.util(dist[:, uniq], r[:, None])
    pu = C.pce(u, cap, p["VotingRule"], p["VictoryProbModel"], p["PCEModel"])
    full = np.zeros(rep.size)
    full[uniq] = pu
    return full[rep]  # type: ignore[no-any-return]


def _resolve(
    n: int,
    init: np.ndarray,
    rcvr: np.ndarray,
    bi: np.ndarray,
    bj: np.ndarray,
    ideal: np.ndarray,
    pos: np.ndarray,
    sal: np.ndarray,
    dist: np.ndarray,
    r: np.ndarray,
    cap: np.ndarray,
    p: dict[str, str],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Each actor's queue (its status quo, then every bargain it is party to, in initiator
    order) is put to a PCE among all actors; the owner takes its part of the chosen bargain.

    Returns new positions and, per actor, the index of the bargain taken (-1 = status quo).
    """
    nb = init.size
    new_pos = pos.copy()
    taken = np.full(n, -1)
    if nb == 0:
        return new_pos, taken
    own = C.util(dist, r[:, None])  # (n, n): a's utility of n's position, a's own R
    # utility change to every actor a of bargain b, relative to the status quo (x N)
    d_bi = C.distance(ideal, bi, sal)  # (n, nb)
    d_bj = C.distance(ideal, bj, sal)
    delta = (
        C.util(d_bi, r[:, None]) + C.util(d_bj, r[:, None]) - own[:, init] - own[:, rcvr]
    ) / n  # (n, nb)
    owner = np.concatenate([init, rcvr])
    which = np.concatenate([np.arange(nb), np.arange(nb)])
    order = np.lexsort((which, owner))
    owner, which = owner[order], which[order]
    owners, start, size = np.unique(owner, return_index=True, return_counts=True)
    slot = np.arange(owner.size) - np.repeat(start, size)
    for s in np.unique(size):
        sel = np.flatnonzero(size == s)
        q_own = owners[sel]  # (nq,)
        ent = which[(start[sel][:, None] + np.arange(s)[None, :])]  # (nq, s) bargain ids
        u = np.zeros((sel.size, n, s + 1))
        u[:, :, 1:] = np.transpose(delta[:, ent], (1, 0, 2))
        pr = C.pce(
            u,
            np.broadcast_to(cap, (sel.size, n)),
            p["VotingRule"],
            p["VictoryProbModel"],
            p["PCEModel"],
        )
        if p["StateTransitions"] == "Deterministic":
            m = np.argmax(pr, axis=1)
        else:
            cdf = np.cumsum(pr, axis=1)
            x = rng.random(sel.size)[:, None] * cdf[:, -1:]
            m = np.minimum((cdf <= x).sum(axis=1), s)
        go = m > 0
        bsel = ent[np.arange(sel.size), np.maximum(m - 1, 0)]
        who = q_own[go]
        bb = bsel[go]
        is_init = init[bb] == who
        new_pos[who] = np.where(is_init[:, None], bi[bb], bj[bb])
        taken[who] = bb
    del slot
    return new_pos, taken


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
    """Run SMP from positions ``pos0`` (0–1) until the stopping rule fires."""
    p = dict(DEFAULTS)
    p.update(params)
    n, _k = pos0.shape
    sal_sum = sal.sum(axis=1)
    weight = sal_sum * cap
    pos = pos0.copy()
    ideal = pos0.copy()
    tr = SmpTrace()
    d01 = None
    it = 0
    while True:
        dist = C.distance(ideal, pos, sal)
        # risk attitudes from the risk-neutral PCE over every actor's position (equal
        # positions are separate options here: the reference logs decide this)
        p_rn = C.pce(1.0 - dist, cap, p["VotingRule"], p["VictoryProbModel"], p["PCEModel"])
        r = C.big_r(p_rn, p["BigRRange"])
        tr.positions.append(pos.copy())
        tr.ideals.append(ideal.copy())
        tr.prob.append(_state_probs(dist, r, cap, pos, p))
        tr.risk.append(r)
        if it >= 1:
            step = float(np.sqrt(((tr.positions[-1] - tr.positions[-2]) ** 2).sum(axis=1)).sum())
            if d01 is None:
                d01 = step + 1e-4
            ratio = step / d01
            tr.stop_ratio.append(ratio)
            if it >= max_turns or (it >= min_turns and ratio < stop_tol):
                break
        if n < 2:
            break
        best_j, best_p, _ = C.best_challenges(
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
        bi, bj = C.interpolate(
            pos[ini], pos[rcv], sal[ini], sal[rcv], best_p[ini], p["InterVecBrgn"]
        )
        if p["BargnModel"] != "InitOnlyInterp" and ini.size:
            # the receiver's own estimate of P(initiator wins)
            p_r, _, _ = C.contest(
                rcv,
                ini,
                rcv,
                dist,
                r,
                weight,
                p["VotingRule"],
                p["ThirdPartyCommit"],
                p["BigRAdjust"],
            )
            ri, rj = C.interpolate(pos[ini], pos[rcv], sal[ini], sal[rcv], p_r, p["InterVecBrgn"])
            if p["BargnModel"] == "PWCompInterp":
                wi, wj = weight[ini][:, None], weight[rcv][:, None]
                bi = np.round((wi * bi + wj * ri) / (wi + wj), 4)
                bj = np.round((wi * bj + wj * rj) / (wi + wj), 4)
            else:  # InitRcvrInterp: both proposals, the initiator's first
                m = ini.size
                order = np.arange(2 * m).reshape(2, m).T.ravel()
                ini = np.concatenate([ini, ini])[order]
                rcv = np.concatenate([rcv, rcv])[order]
                bi = np.concatenate([bi, ri])[order]
                bj = np.concatenate([bj, rj])[order]
        new_pos, taken = _resolve(n, ini, rcv, bi, bj, ideal, pos, sal, dist, r, cap, p, rng)
        tr.targets.append(best_j)
        tr.chosen.append(np.where(taken >= 0, ini[np.maximum(taken, 0)] if ini.size else -1, -1))
        if acc is None:
            ideal = new_pos.copy()
        else:
            ideal = acc @ new_pos + (1.0 - acc.sum(axis=1))[:, None] * ideal
        pos = new_pos
        it += 1
    return tr
