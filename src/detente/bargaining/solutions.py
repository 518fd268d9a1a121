"""Bargaining solutions on a frontier: Nash, Kalai–Smorodinsky, egalitarian, utilitarian.

All four are chosen among candidate frontier points (the zone of agreement's efficient
packages when it is non-empty, else the whole frontier). With disagreement point ``d`` and
gains ``g = u - d``:

* **Nash** (1950): maximise ``prod_p g_p`` over candidates with every ``g_p >= 0``
  (``None`` if there is none).
* **Kalai–Smorodinsky** (1975), discrete form: with ideal ``b_p`` (each party's best
  utility over the domain) and normalised gains ``a_p = g_p / (b_p - d_p)``, the candidate
  whose normalised gains are most equal (smallest ``max_p a_p - min_p a_p``) among those with
  every ``g_p >= 0``; ties by the larger sum of gains. This is NegMAS's ``ks_points``.
* **Egalitarian** (Kalai 1977): maximise ``min_p g_p`` (NegMAS ``kalai_points``).
* **Utilitarian**: maximise ``sum_p g_p`` (equivalently total utility).

Ties keep the first candidate in frontier order.

References
----------
Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155–162.
Kalai, E. & Smorodinsky, M. (1975). Other solutions to Nash's bargaining problem.
*Econometrica* 43(3), 513–518.
Kalai, E. (1977). Proportional solutions to bargaining situations. *Econometrica* 45(7),
1623–1630.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SOLUTION_NAMES", "bargaining_solutions"]

SOLUTION_NAMES = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")


def bargaining_solutions(
    utilities: Any,
    disagreement: Any,
    ideal: Any,
    candidates: Any = None,
) -> dict[str, int | None]:
    """Indices (into ``utilities``) of the four solutions.

    Steps
    -----
    1. Restrict to ``candidates`` (bool mask or indices; default all rows).
    2. Gains ``g = u - d``; Nash and KS consider only rows with ``g >= 0`` for every party.
    3. Arg-max / arg-min as in the module docstring; ties → first row.

    Parameters
    ----------
    utilities : (F, n) float
        Frontier utilities.
    disagreement : (n,) float
    ideal : (n,) float
        Each party's best achievable utility.
    candidates : (F,) bool or int array, optional

    Returns
    -------
    dict name -> row index or None.
    """
    u = np.asarray(utilities, dtype=float)
    d = np.asarray(disagreement, dtype=float)
    b = np.asarray(ideal, dtype=float)
    rows = np.arange(u.shape[0])
    if candidates is not None:
        c = np.asarray(candidates)
        rows = np.flatnonzero(c) if c.dtype == bool else c.astype(np.intp)
    out: dict[str, int | None] = dict.fromkeys(SOLUTION_NAMES)
    if rows.size == 0:
        return out
    g = u[rows] - d
    feas = (g >= 0).all(axis=1)
    if feas.any():
        fr = np.flatnonzero(feas)
        gf = g[fr]
        # Nash via logs for numerical range; zero gains give -inf (never chosen over positive)
        with np.errstate(divide="ignore"):
            logp = np.log(gf).sum(axis=1)
        if np.isfinite(logp).any():
            out["nash"] = int(rows[fr[int(np.argmax(logp))]])
        else:
            out["nash"] = int(rows[fr[int(np.argmax(gf.prod(axis=1)))]])
        span = np.where(b - d > 0, b - d, 1.0)
        a = gf / span
        spread = a.max(axis=1) - a.min(axis=1)
        best = np.flatnonzero(spread == spread.min())
        out["kalai_smorodinsky"] = int(rows[fr[best[int(np.argmax(gf[best].sum(axis=1)))]]])
    out["egalitarian"] = int(rows[int(np.argmax(g.min(axis=1)))])
    out["utilitarian"] = int(rows[int(np.argmax(g.sum(axis=1)))])
    return out
