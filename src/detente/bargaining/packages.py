"""Package deals: logrolls (trades across issues of unequal salience).

Starting from a reference package ``x0`` (e.g. the compromise model's forecast, each issue
settled on its own), a **logroll** between parties ``a`` and ``b`` on issues ``j`` and ``k``
changes only those two issues so that ``a`` gains on ``j`` and gives ground on ``k``, ``b``
gains on ``k`` and gives ground on ``j``, and both end strictly better off. It exists only
when the two weigh the issues differently (``a`` cares relatively more about ``j``), which is
the exchange logic of Coleman (1990) and Stokman & Van Oosten (1994). Every option pair of the
two issues is tried (exact on the discrete domain); the trade maximising the smaller of the
two gains is reported, with its effect on every other party.

References
----------
Coleman, J. S. (1990). *Foundations of Social Theory*, ch. 6. Harvard UP.
Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions. In Bueno de
Mesquita & Stokman (eds.), *European Community Decision Making*, Yale UP, 105–127.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.domain import AdditiveDomain
from detente.progress import task

__all__ = ["issuewise_reference", "logrolls"]


def issuewise_reference(domain: AdditiveDomain) -> NDArray[np.intp]:
    """Each issue settled on its own: the option maximising the smallest party value
    ``V_j[p, v]`` (ties: the largest total value). A reference for package deals when no
    forecast is at hand."""
    out = []
    for j in range(domain.n_issues):
        v = domain.values[j]  # (n, m)
        mn, tot = v.min(axis=0), v.sum(axis=0)
        out.append(int(np.lexsort((-tot, -mn))[0]))
    return np.array(out, dtype=np.intp)


def _pair_trades(
    domain: AdditiveDomain, j: int, kk: int, dj: Any, dk: Any, tol: float
) -> list[tuple[float, dict[str, Any]]]:
    """Step 2-3 of :func:`logrolls` for one issue pair: the best trade of every party pair
    ``(a, b)`` in which ``a`` gets ``j`` and ``b`` gets ``kk``."""
    n = domain.n_parties
    tot = dj[:, None, :] + dk[None, :, :]  # (mj, mk, n)
    ga = tot[:, :, :, None]  # party a on axis 2
    gb = tot[:, :, None, :]  # party b on axis 3
    cond = (
        (dj[:, None, :, None] > tol)
        & (dk[None, :, :, None] < -tol)
        & (dj[:, None, None, :] < -tol)
        & (dk[None, :, None, :] > tol)
        & (ga > tol)
        & (gb > tol)
    )
    score = np.where(cond, np.minimum(ga, gb), -np.inf)  # (mj, mk, n, n)
    flat = score.reshape(-1, n, n)
    arg = flat.argmax(axis=0)
    best = flat.max(axis=0)
    out = []
    for a, b in zip(*np.nonzero(np.isfinite(best)), strict=True):
        v, w = np.unravel_index(arg[a, b], (dj.shape[0], dk.shape[0]))
        g = tot[v, w]
        out.append(
            (
                float(best[a, b]),
                {
                    "parties": (domain.party_ids[a], domain.party_ids[b]),
                    "issues": (domain.issue_ids[j], domain.issue_ids[kk]),
                    "options": {
                        domain.issue_ids[j]: domain.options[j][v],
                        domain.issue_ids[kk]: domain.options[kk][w],
                    },
                    "gains": {domain.party_ids[p]: float(g[p]) for p in range(n)},
                },
            )
        )
    return out


def logrolls(
    domain: AdditiveDomain,
    reference: Any,
    *,
    top: int = 10,
    tol: float = 1e-12,
) -> list[dict[str, Any]]:
    """Best two-issue trades between every pair of parties, from ``reference``.

    Steps
    -----
    1. Per issue, the change of each party's contribution when the option moves from the
       reference, ``D_j (m_j, n)``.
    2. For every issue pair ``(j, k)`` and every option pair, the gains of all parties
       ``D_j[v] + D_k[w]``; keep the pairs of parties ``(a, b)`` for which ``a`` gains on ``j``
       and loses on ``k``, ``b`` the reverse, and both gain in total (broadcast over
       ``(m_j, m_k, n, n)``).
    3. Per (a, b, j, k), the option pair maximising ``min(gain_a, gain_b)``; return the
       ``top`` trades overall, largest smaller gain first (ties in the order found: issue
       pair, then party pair). Only the ``top`` best are held while searching.

    Returns
    -------
    list of dicts: ``parties`` (a, b), ``issues`` (j gained by a, k gained by b),
    ``options`` {issue: label}, ``gains`` {party: utility change} for every party.
    """
    x0 = np.asarray(reference, dtype=np.intp)
    k = domain.n_issues
    deltas = [domain.contributions(j) - domain.contributions(j)[x0[j]] for j in range(k)]
    # min-heap of the best `top` so far, keyed (score, -order found): the weakest on top
    held: list[tuple[float, int, dict[str, Any]]] = []
    found = 0
    with task("logrolls, issue pairs", total=k * (k - 1) // 2) as advance:
        for j in range(k):
            for kk in range(j + 1, k):  # (a gets j, b gets k) over all ordered party pairs
                for score, trade in _pair_trades(domain, j, kk, deltas[j], deltas[kk], tol):
                    item = (score, -found, trade)
                    found += 1
                    if len(held) < top:
                        heapq.heappush(held, item)
                    elif top > 0 and item[:2] > held[0][:2]:
                        heapq.heapreplace(held, item)
                advance()
    held.sort(key=lambda t: (-t[0], -t[1]))
    return [d for _, _, d in held]
