"""Acceptable sets, the zone of agreement, and the minimal concessions that would open it.

Hard limits (the default reading for scenarios, see :mod:`detente.bargaining.analysis`):
:func:`signable_intervals`, :func:`within_limits`, :func:`limit_gaps` (blocking issues and
gaps) and :func:`limit_concessions` (the LP that moves reservation points). The rest of this
docstring describes the utility-threshold reading:

* Actor ``i``'s **acceptable set**: the packages ``x`` with ``u_i(x) >= r_i`` (its walk-away).
* The **zone of agreement**: the packages acceptable to every veto player. It is non-empty iff
  some Pareto-efficient package is in it (a package dominating an acceptable one is
  acceptable), so the frontier decides it exactly.
* If the zone is empty, the **minimal concession** problem (a mixed-integer linear program,
  solved exactly with HiGHS through :func:`scipy.optimize.milp`)::

      minimise   sum_i c_i * delta_i                (utility given up below walk-away)
      over       package x (one option per issue, binary z_jv), delta_i >= 0
      subject to u_i(x) + delta_i >= r_i            for every veto player i
                 delta_i = 0                        for veto players not allowed to concede

  ``delta_i`` is how far actor ``i`` must lower its walk-away utility; the optimal package
  ``x*`` shows on which issues it gives ground (its per-issue loss against its best option).
  A second stage keeps the minimal total and, among those packages, maximises the veto
  players' total utility (so the opening package is itself as good as possible).
* **Blocking issues**: issue ``j`` blocks if no option of ``j`` is acceptable to every veto
  player even when each gets its best option on every other issue — no concession elsewhere
  can open the zone; only a concession on ``j`` can.
* **Issue-by-issue concessions from reservation points** (continuous scenarios): actor
  ``i`` signs issue ``j`` only at values at least as good as its reservation point, an
  interval around its position. If the veto players' intervals do not intersect, the
  cheapest fix moves reservation points: minimise ``sum_i s_ij * t_ij`` (salience × scale
  units moved) so that one value lies in every widened interval. The objective is convex and
  piecewise linear in that value, so its minimum is at an interval end (evaluated exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.domain import AdditiveDomain
from detente.scenario.arrays import ScenarioArrays

__all__ = [
    "Concession",
    "LimitConcession",
    "acceptable_mask",
    "apply_limit_concession",
    "blocking_issues",
    "cheapest_openings",
    "limit_concessions",
    "limit_gaps",
    "minimal_concessions",
    "signable_intervals",
    "within_limits",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Concession:
    """One way to open the zone of agreement.

    Attributes
    ----------
    allowed : tuple of str
        The veto players allowed to concede in this problem.
    delta : dict str -> float
        Utility each veto player gives up below its walk-away (0 for the others).
    total : float
        The minimised objective ``sum_i c_i delta_i``.
    package : (k,) int
        The opening package (option indices).
    utilities : (n,) float
        Every party's utility of the opening package.
    issue_loss : dict str -> dict str -> float
        Per conceding player and issue, the utility lost against its best option on that
        issue (weighted), i.e. where it gives ground.
    """

    allowed: tuple[str, ...]
    delta: dict[str, float]
    total: float
    package: NDArray[np.intp]
    utilities: FloatArray
    issue_loss: dict[str, dict[str, float]] = field(default_factory=dict)


def acceptable_mask(utilities: Any, reservation: Any, veto: Any = None) -> NDArray[np.bool_]:
    """Rows acceptable to every veto player: ``u_i >= r_i`` for all ``i`` with ``veto[i]``."""
    u = np.asarray(utilities, dtype=float)
    r = np.asarray(reservation, dtype=float)
    v = np.ones(u.shape[-1], bool) if veto is None else np.asarray(veto, bool)
    return (u[..., v] >= r[v]).all(axis=-1)


def _milp_problem(domain: AdditiveDomain, vi: NDArray[np.intp]) -> tuple[Any, ...]:
    m = domain.n_options
    nz = int(sum(m))
    starts = np.concatenate([[0], np.cumsum(m)[:-1]]).astype(int)
    # contribution matrix for veto players: (n_veto, nz)
    cmat = np.concatenate(
        [domain.contributions(j)[:, vi].T for j in range(domain.n_issues)], axis=1
    )
    one_hot = np.zeros((domain.n_issues, nz))
    for j, s in enumerate(starts):
        one_hot[j, s : s + m[j]] = 1.0
    return nz, cmat, one_hot, starts


def minimal_concessions(
    domain: AdditiveDomain,
    *,
    allowed: Any = None,
    cost: Any = None,
) -> Concession | None:
    """Solve the minimal-concession MILP (module docstring).

    Steps
    -----
    1. Variables: ``z_jv`` ∈ {0, 1} (option ``v`` chosen on issue ``j``), ``delta_i >= 0``
       per veto player (upper bound 0 for those not in ``allowed``).
    2. Constraints: ``sum_v z_jv = 1`` per issue; ``sum_jv C_ijv z_jv + delta_i >= r_i``.
    3. Minimise ``sum_i c_i delta_i`` (``c`` = ``cost``, default 1 per player).
    4. Fix the optimum (``<= opt + 1e-9``) and maximise the veto players' total utility.

    Parameters
    ----------
    domain : AdditiveDomain
    allowed : iterable of party ids, optional
        Veto players that may concede (default: all veto players).
    cost : (n_veto,) float, optional
        Price per unit of utility conceded, per veto player (default 1).

    Returns
    -------
    Concession, or None if infeasible (the others' acceptable sets do not intersect).

    References
    ----------
    Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
    *Mathematical Programming Computation* 10, 119–142 (HiGHS, the solver behind
    ``scipy.optimize.milp``).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    vi = np.flatnonzero(domain.veto_mask)
    nv = vi.size
    if nv == 0:
        return None
    ids = [domain.party_ids[i] for i in vi]
    allow = set(ids) if allowed is None else {str(a) for a in allowed}
    nz, cmat, one_hot, starts = _milp_problem(domain, vi)
    c_pay = np.ones(nv) if cost is None else np.asarray(cost, dtype=float).reshape(nv)
    nvar = nz + nv
    a_eq = np.concatenate([one_hot, np.zeros((domain.n_issues, nv))], axis=1)
    a_u = np.concatenate([cmat, np.eye(nv)], axis=1)
    r = domain.reservation[vi]
    cons = [
        LinearConstraint(a_eq, 1.0, 1.0),
        LinearConstraint(a_u, r, np.inf),
    ]
    ub = np.concatenate([np.ones(nz), [np.inf if p in allow else 0.0 for p in ids]])
    bounds = Bounds(np.zeros(nvar), ub)
    integrality = np.concatenate([np.ones(nz), np.zeros(nv)])
    obj = np.concatenate([np.zeros(nz), c_pay])
    res = milp(obj, constraints=cons, bounds=bounds, integrality=integrality)
    if res.status != 0 or res.x is None:
        return None
    opt = float(res.fun)
    # stage 2: keep the minimal total, maximise the veto players' total utility
    cons2 = [*cons, LinearConstraint(obj[None, :], -np.inf, opt + 1e-9 + 1e-9 * abs(opt))]
    obj2 = -np.concatenate([cmat.sum(axis=0), np.zeros(nv)])
    res2 = milp(obj2, constraints=cons2, bounds=bounds, integrality=integrality)
    x = res2.x if res2.status == 0 and res2.x is not None else res.x
    z = np.round(x[:nz]).astype(int)
    pkg = np.array(
        [int(np.argmax(z[s : s + mj])) for s, mj in zip(starts, domain.n_options, strict=True)]
    )
    u = domain.utility(pkg)
    delta = {p: float(max(0.0, domain.reservation[i] - u[i])) for p, i in zip(ids, vi, strict=True)}
    issue_loss: dict[str, dict[str, float]] = {}
    for p, i in zip(ids, vi, strict=True):
        if delta[p] > 1e-12:
            issue_loss[p] = {
                iss: float(domain.contributions(j)[:, i].max() - domain.contributions(j)[pkg[j], i])
                for j, iss in enumerate(domain.issue_ids)
            }
    total = float(sum(c_pay[a] * delta[p] for a, p in enumerate(ids)))
    return Concession(tuple(sorted(allow & set(ids))), delta, total, pkg, u, issue_loss)


def cheapest_openings(domain: AdditiveDomain) -> list[Concession]:
    """The joint minimal concession, then each veto player's solo opening (cheapest first).

    A solo opening (only that player concedes) exists iff the other veto players' acceptable
    sets intersect.
    """
    out = []
    joint = minimal_concessions(domain)
    if joint is not None:
        out.append(joint)
    solos = []
    for i in np.flatnonzero(domain.veto_mask):
        c = minimal_concessions(domain, allowed=[domain.party_ids[i]])
        if c is not None:
            solos.append(c)
    return out + sorted(solos, key=lambda c: c.total)


def blocking_issues(domain: AdditiveDomain) -> list[str]:
    """Issues on which no option is acceptable to every veto player, whatever else happens.

    Steps
    -----
    1. For veto player ``i`` and issue ``j``, the most lenient test of option ``v``: its
       contribution plus its best contribution on every other issue, ``>= r_i``.
    2. Issue ``j`` blocks if no option passes for every veto player.
    """
    vi = np.flatnonzero(domain.veto_mask)
    if vi.size == 0:
        return []
    best = np.stack([domain.contributions(j)[:, vi].max(axis=0) for j in range(domain.n_issues)])
    tot = best.sum(axis=0)
    out = []
    for j, iss in enumerate(domain.issue_ids):
        c = domain.contributions(j)[:, vi]  # (m_j, nv)
        ok = (c + (tot - best[j]) >= domain.reservation[vi] - 1e-12).all(axis=1)
        if not ok.any():
            out.append(iss)
    return out


def signable_intervals(arrays: ScenarioArrays) -> tuple[FloatArray, FloatArray]:
    """Each actor's signable interval per issue, ``(lo, hi)`` each ``(n, k)`` in issue units.

    A reservation point is the worst value on that issue the actor would still sign (the
    scenario schema's ``Position.reservation``). With single-peaked utilities the actor signs
    every value at most as far from its position as the reservation point:
    ``[p - |r - p|, p + |r - p|]``, clipped to the scale. ``nan`` where the actor has no
    reservation point on the issue (or is absent): no limit there.
    """
    p = arrays.position
    known = arrays.present & ~np.isnan(arrays.reservation)
    rad = np.abs(arrays.reservation - p)
    lo = np.where(known, np.maximum(p - rad, arrays.lo), np.nan)
    hi = np.where(known, np.minimum(p + rad, arrays.hi), np.nan)
    return lo, hi


def within_limits(
    arrays: ScenarioArrays, x: Any, tol: float = 1e-9, scope: Any = None
) -> NDArray[np.bool_]:
    """Whether each actor would sign packages ``x`` (``(..., k)`` issue units): ``(..., n)``.

    True iff, on every issue where the actor has a reservation point, the value lies in its
    signable interval (:func:`signable_intervals`), within ``tol`` × the scale's span.
    ``scope`` (``(n, k)`` bool, optional): check each actor only on the issues it marks (a
    veto on named issues, :func:`~detente.bargaining.rules.veto_scope`).
    """
    x = np.asarray(x, dtype=float)[..., None, :]
    lo, hi = signable_intervals(arrays)
    t = tol * arrays.span
    ok = np.where(np.isnan(lo), True, (x >= lo - t) & (x <= hi + t))
    if scope is not None:
        ok = ok | ~np.asarray(scope, bool)
    return np.asarray(ok.all(axis=-1), dtype=bool)


def limit_gaps(arrays: ScenarioArrays, veto: Any = None) -> list[dict[str, Any]]:
    """Per issue, the values every veto player would sign, and the gap where there are none.

    Steps
    -----
    1. Intersect the veto players' signable intervals on each issue (issues where no veto
       player has a reservation point are unconstrained and omitted).
    2. The issue *blocks* when the intersection is empty; its *gap* is
       ``max_i lo_ij - min_i hi_ij`` (issue units), between the players named.

    Returns
    -------
    list of dicts: ``issue``, ``lo``, ``hi`` (the joint interval, or the two facing ends
    when blocked), ``blocked``, ``gap``, ``low_side`` / ``high_side`` (the actors whose limits
    face each other: the one demanding at least ``lo``, the one conceding at most ``hi``),
    ``limits`` {actor: [lo, hi]}.
    """
    from detente.bargaining.rules import veto_scope

    v = np.asarray(arrays.veto if veto is None else veto, bool)
    scope = veto_scope(arrays, v)
    lo, hi = signable_intervals(arrays)
    out = []
    for j, iss in enumerate(arrays.issue_ids):
        rows = [int(i) for i in np.flatnonzero(v) if scope[i, j] and not np.isnan(lo[i, j])]
        if not rows:
            continue
        L = lo[rows, j]
        U = hi[rows, j]
        a, b = int(np.argmax(L)), int(np.argmin(U))
        blocked = bool(L[a] > U[b])
        out.append(
            {
                "issue": iss,
                "lo": float(L[a]),
                "hi": float(U[b]),
                "blocked": blocked,
                "gap": float(L[a] - U[b]) if blocked else 0.0,
                "low_side": arrays.actor_ids[rows[a]],
                "high_side": arrays.actor_ids[rows[b]],
                "limits": {arrays.actor_ids[i]: [float(lo[i, j]), float(hi[i, j])] for i in rows},
            }
        )
    return out


@dataclass(frozen=True)
class LimitConcession:
    """Moves of reservation points that make every veto player's limits meet on every issue.

    Attributes
    ----------
    allowed : tuple of str
        Veto players allowed to move their reservation points.
    moves : list of dict
        One per moved reservation point: ``actor``, ``issue``, ``from`` (reservation point),
        ``to`` (new reservation point), ``units`` (how far, issue units), ``salience``.
    meeting : dict str -> float
        Per blocked issue, the value every veto player signs after the moves.
    cost : float
        ``sum salience × units`` over the moves.
    objective : str
        ``"balanced"`` or ``"sum"`` (see :func:`limit_concessions`).
    """

    allowed: tuple[str, ...]
    moves: list[dict[str, Any]]
    meeting: dict[str, float]
    cost: float
    objective: str

    def by_actor(self) -> dict[str, float]:
        """Salience-weighted units moved per actor."""
        out: dict[str, float] = {}
        for m in self.moves:
            out[m["actor"]] = out.get(m["actor"], 0.0) + m["salience"] * m["units"]
        return out


def limit_concessions(
    arrays: ScenarioArrays,
    *,
    allowed: Any = None,
    objective: str = "balanced",
    veto: Any = None,
) -> LimitConcession | None:
    """Cheapest moves of reservation points that open the zone of agreement (hard limits).

    A move of ``t_ij >= 0`` issue units widens actor ``i``'s signable interval on issue ``j``
    to ``[lo_ij - t_ij, hi_ij + t_ij]`` (its reservation point moves ``t_ij`` further from its
    position). A linear program (HiGHS via :func:`scipy.optimize.linprog`) finds a value
    ``x_j`` on every blocked issue and the moves:

    Steps
    -----
    1. Variables per blocked issue ``j``: ``x_j`` ∈ [lo_j, hi_j]; ``t_ij >= 0`` for each veto
       player with a reservation point there (upper bound 0 if not in ``allowed``); ``z_j``.
    2. Constraints: ``lo_ij - t_ij <= x_j <= hi_ij + t_ij``; ``s_ij t_ij <= z_j`` (``s`` =
       salience on 0–1, floored at 1e-6).
    3. ``objective="balanced"`` (default): minimise ``sum_j z_j`` — on each issue the largest
       salience-weighted move — then, at that optimum, ``sum s_ij t_ij``. The gap is shared so
       that salience-weighted moves are equal: two players split a gap ``g`` as
       ``t_a = g s_b / (s_a + s_b)`` (who cares more moves less).
       ``objective="sum"``: minimise ``sum s_ij t_ij`` first (the player with the lower
       salience moves the whole gap), then ``sum_j z_j`` to break ties.
    4. The moves are recomputed exactly from ``x`` (rounded to 1e-9 issue units):
       ``t_ij = max(0, lo_ij - x_j, x_j - hi_ij)``.

    Issues do not interact under hard limits, so the joint problem is the per-issue problems
    solved together; a solo problem (``allowed`` = one player) is infeasible, returning
    ``None``, exactly when the other players' limits do not meet on some blocked issue.

    References
    ----------
    Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
    *Mathematical Programming Computation* 10, 119–142 (HiGHS).
    """
    if objective not in ("balanced", "sum"):
        raise ValueError(f"objective {objective!r} unknown; allowed: balanced, sum")
    v = np.asarray(arrays.veto if veto is None else veto, bool)
    vid = [arrays.actor_ids[i] for i in np.flatnonzero(v)]
    allow = set(vid) if allowed is None else {str(a) for a in allowed}
    who = tuple(sorted(allow & set(vid)))
    lo, hi = signable_intervals(arrays)
    gaps = [g for g in limit_gaps(arrays, v) if g["blocked"]]
    if not gaps:
        return LimitConcession(who, [], {}, 0.0, objective)
    # variable layout: per blocked issue [x_j, z_j, t_1j, ..., t_hj]
    from detente.bargaining.rules import veto_scope

    scope = veto_scope(arrays, v)
    cols: list[tuple[int, list[int]]] = []
    for g in gaps:
        j = arrays.issue_ids.index(g["issue"])
        rows = [int(i) for i in np.flatnonzero(v) if scope[i, j] and not np.isnan(lo[i, j])]
        cols.append((j, rows))
    lp = _limit_lp(arrays, cols, lo, hi, allow)
    x_all = _solve_lexicographic(lp, objective)
    if x_all is None:
        return None
    moves, meeting = _limit_moves(arrays, cols, x_all, lo, hi)
    cost = float(sum(m["salience"] * m["units"] for m in moves))
    return LimitConcession(who, moves, meeting, cost, objective)


@dataclass(frozen=True)
class _LP:
    """The linear program of :func:`limit_concessions` (``A x <= b`` within ``bounds``)."""

    A: FloatArray
    b: FloatArray
    bounds: list[tuple[float, float | None]]
    c_z: FloatArray
    c_t: FloatArray


def _limit_lp(
    arrays: ScenarioArrays,
    cols: list[tuple[int, list[int]]],
    lo: FloatArray,
    hi: FloatArray,
    allow: set[str],
) -> _LP:
    """Steps 1-2 of :func:`limit_concessions`: variables, bounds and constraints."""
    nvar = sum(2 + len(rows) for _, rows in cols)
    a_ub, b_ub = [], []
    bounds: list[tuple[float, float | None]] = []
    c_z = np.zeros(nvar)
    c_t = np.zeros(nvar)
    off = 0
    for j, rows in cols:
        bounds += [(float(arrays.lo[j]), float(arrays.hi[j])), (0.0, None)]
        for a, i in enumerate(rows):
            ti = off + 2 + a
            s = max(float(arrays.salience[i, j]), 1e-6)
            bounds.append((0.0, None if arrays.actor_ids[i] in allow else 0.0))
            r1 = np.zeros(nvar)  # lo - t <= x  ->  -x - t <= -lo
            r1[off], r1[ti] = -1.0, -1.0
            r2 = np.zeros(nvar)  # x - t <= hi
            r2[off], r2[ti] = 1.0, -1.0
            r3 = np.zeros(nvar)  # s t - z <= 0
            r3[ti], r3[off + 1] = s, -1.0
            a_ub += [r1, r2, r3]
            b_ub += [-float(lo[i, j]), float(hi[i, j]), 0.0]
            c_t[ti] = s
        c_z[off + 1] = 1.0
        off += 2 + len(rows)
    return _LP(np.array(a_ub), np.array(b_ub), bounds, c_z, c_t)


def _solve_lexicographic(lp: _LP, objective: str) -> FloatArray | None:
    """Step 3 of :func:`limit_concessions`: the first objective, then the second at its
    optimum; ``None`` when infeasible."""
    from scipy.optimize import linprog

    A, b, bounds = lp.A, lp.b, lp.bounds
    first, second = (lp.c_z, lp.c_t) if objective == "balanced" else (lp.c_t, lp.c_z)
    r = linprog(first, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if r.status != 0:
        return None
    cap = r.fun + 1e-9 * max(1.0, abs(r.fun))
    r2 = linprog(
        second,
        A_ub=np.vstack([A, first[None, :]]),
        b_ub=np.append(b, cap),
        bounds=bounds,
        method="highs",
    )
    return np.asarray(r2.x if r2.status == 0 else r.x, dtype=float)


def _limit_moves(
    arrays: ScenarioArrays,
    cols: list[tuple[int, list[int]]],
    x_all: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Step 4 of :func:`limit_concessions`: the meeting values and the moves, exactly."""
    moves: list[dict[str, Any]] = []
    meeting: dict[str, float] = {}
    off = 0
    for j, rows in cols:
        x = round(float(x_all[off]), 9)
        meeting[arrays.issue_ids[j]] = x
        for i in rows:
            t = max(0.0, float(lo[i, j]) - x, x - float(hi[i, j]))
            if t <= 1e-9:
                continue
            p = float(arrays.position[i, j])
            rad = abs(float(arrays.reservation[i, j]) - p)
            new = p + (rad + t) if x >= p else p - (rad + t)
            moves.append(
                {
                    "actor": arrays.actor_ids[i],
                    "issue": arrays.issue_ids[j],
                    "from": float(arrays.reservation[i, j]),
                    "to": float(new),
                    "units": float(t),
                    "salience": float(arrays.salience[i, j]),
                }
            )
        off += 2 + len(rows)
    return moves, meeting


def apply_limit_concession(arrays: ScenarioArrays, conc: LimitConcession) -> ScenarioArrays:
    """The scenario with the concession's reservation points moved (everything else kept)."""
    from dataclasses import replace

    res = np.array(arrays.reservation, dtype=float)
    for m in conc.moves:
        res[arrays.actor_ids.index(m["actor"]), arrays.issue_ids.index(m["issue"])] = m["to"]
    return replace(arrays, reservation=res)
