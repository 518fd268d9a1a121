"""Acceptable sets, the zone of agreement, and the minimal concessions that would open it.

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
    "acceptable_mask",
    "blocking_issues",
    "cheapest_openings",
    "minimal_concessions",
    "reservation_concessions",
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
    return (u[..., v] >= r[v]).all(axis=-1)  # type: ignore[no-any-return]


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

    vi = np.flatnonzero(domain.veto)
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
    for i in np.flatnonzero(domain.veto):
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
    vi = np.flatnonzero(domain.veto)
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


def reservation_concessions(
    arrays: ScenarioArrays, *, weighted: bool = True
) -> list[dict[str, Any]]:
    """Issue-by-issue minimal moves of reservation points that make the veto players' signable
    intervals intersect (module docstring). Issues without at least two veto players with a
    known reservation point are skipped.

    Returns
    -------
    list of dicts, one per issue checked: ``issue``, ``blocked`` (bool), ``value`` (a value
    every veto player would sign after the moves), ``moves`` {actor: scale units},
    ``cost`` (the minimised objective).
    """
    out = []
    veto = np.flatnonzero(arrays.veto)
    for j, iss in enumerate(arrays.issue_ids):
        rows = [i for i in veto if arrays.present[i, j] and not np.isnan(arrays.reservation[i, j])]
        if len(rows) < 2:
            continue
        p = arrays.position[rows, j]
        rad = np.abs(arrays.reservation[rows, j] - p)
        lo_i, hi_i = p - rad, p + rad
        c = arrays.salience[rows, j] if weighted else np.ones(len(rows))
        c = np.where(c > 0, c, 1e-9)
        cand = np.concatenate([lo_i, hi_i])
        dist = np.maximum(
            0.0, np.maximum(lo_i[None, :] - cand[:, None], cand[:, None] - hi_i[None, :])
        )
        f = (dist * c).sum(axis=1)
        tie = dist.sum(axis=1)
        best = np.lexsort((tie, f))[0]
        x = float(cand[best])
        moves = {arrays.actor_ids[i]: float(dist[best, a]) for a, i in enumerate(rows)}
        out.append(
            {
                "issue": iss,
                "blocked": bool(lo_i.max() > hi_i.min()),
                "value": x if lo_i.max() > hi_i.min() else float((lo_i.max() + hi_i.min()) / 2),
                "moves": {k: v for k, v in moves.items() if v > 0},
                "cost": float(f[best]),
            }
        )
    return out
