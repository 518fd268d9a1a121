"""Distributions of uncertain inputs and the correlations between them.

Each uncertain number has a distribution on a bounded support ``[low, high]`` mapped from the
unit interval by its inverse CDF (``ppf``, :mod:`scipy.stats`), so that one point of the unit
cube (a Sobol, Latin-hypercube or random point) gives one draw of every input:

* ``triangular(low, mode, high)`` — the default: most likely at the scenario's own value,
  falling linearly to the ends of the support;
* ``uniform(low, high)`` — every value of the support equally likely;
* ``beta(low, high, alpha, beta)`` — a beta distribution stretched over the support;
* ``truncnorm(low, high, mean, sd)`` — a normal of ``mean`` and ``sd`` cut to the support.

Correlations are imposed on the columns of a unit sample, keeping every column's marginal
uniform: :func:`gaussian_copula` (normal scores multiplied by a factor of the correlation
matrix) or :func:`iman_conover` (Iman & Conover 1982: the columns re-ordered so that their
ranks follow correlated normal scores; each column keeps its own values).

References
----------
Iman, R. L. & Conover, W. J. (1982). A distribution-free approach to inducing rank
correlation among input variables. *Communications in Statistics — Simulation and
Computation*, 11(3), 311–334.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Dist", "correlation_factor", "gaussian_copula", "iman_conover", "ppf_columns"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Dist:
    """A distribution on ``[low, high]``: ``name`` and its shape parameters.

    ``params`` holds ``mode`` (triangular), ``alpha`` and ``beta`` (beta), ``mean`` and
    ``sd`` (truncnorm).
    """

    name: str
    low: float
    high: float
    params: dict[str, float] = field(default_factory=dict)

    def ppf(self, u: Any) -> FloatArray:
        """The values at unit points ``u`` (any shape)."""
        return ppf_columns([self], np.asarray(u, dtype=float).reshape(-1, 1)).reshape(np.shape(u))

    def frozen(self) -> Any:
        """The :mod:`scipy.stats` frozen distribution (``None`` when the support is a point)."""
        from scipy import stats

        lo, width = self.low, self.high - self.low
        if width <= 0:
            return None
        p = self.params
        if self.name == "triangular":
            return stats.triang((p["mode"] - lo) / width, loc=lo, scale=width)
        if self.name == "uniform":
            return stats.uniform(loc=lo, scale=width)
        if self.name == "beta":
            return stats.beta(p["alpha"], p["beta"], loc=lo, scale=width)
        mean, sd = p["mean"], p["sd"]
        return stats.truncnorm((lo - mean) / sd, (self.high - mean) / sd, loc=mean, scale=sd)


def ppf_columns(dists: Sequence[Dist], unit: Any) -> FloatArray:
    """Column ``c`` of ``unit`` ``(m, d)`` through ``dists[c].ppf``: ``(m, d)`` values.

    Columns of one distribution family go through :mod:`scipy.stats` in one broadcast call.
    A point support (``low == high``) gives ``low``.
    """
    from scipy import stats

    u = np.asarray(unit, dtype=float)
    out = np.empty_like(u)
    names = np.array([d.name for d in dists])
    lo = np.array([d.low for d in dists], dtype=float)
    width = np.array([d.high - d.low for d in dists], dtype=float)
    point = width <= 0
    safe = np.where(point, 1.0, width)
    for name in set(names.tolist()):
        cols = np.flatnonzero((names == name) & ~point)
        if cols.size == 0:
            continue
        uc, lc, wc = u[:, cols], lo[cols], safe[cols]
        par = {k: np.array([dists[int(c)].params.get(k, np.nan) for c in cols]) for k in _KEYS}
        if name == "triangular":
            out[:, cols] = stats.triang.ppf(uc, (par["mode"] - lc) / wc, loc=lc, scale=wc)
        elif name == "uniform":
            out[:, cols] = lc + uc * wc
        elif name == "beta":
            out[:, cols] = stats.beta.ppf(uc, par["alpha"], par["beta"], loc=lc, scale=wc)
        else:
            a, b = (lc - par["mean"]) / par["sd"], (lc + wc - par["mean"]) / par["sd"]
            out[:, cols] = stats.truncnorm.ppf(uc, a, b, loc=par["mean"], scale=par["sd"])
    if point.any():
        out[:, point] = lo[point]
    # scipy may land a hair outside the support in floating point: keep the ends exact.
    hi = lo + width
    return np.clip(out, lo, hi)


_KEYS = ("mode", "alpha", "beta", "mean", "sd")


def correlation_factor(corr: Any) -> FloatArray:
    """``L`` with ``L @ L.T == corr`` for a positive semi-definite correlation matrix.

    Cholesky (lower triangular: the first column keeps its own values) when the matrix is
    positive definite; a symmetric square root from the eigen-decomposition when singular.
    """
    c = np.asarray(corr, dtype=float)
    try:
        return np.asarray(np.linalg.cholesky(c))
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(c)
        return np.asarray((v * np.sqrt(np.clip(w, 0.0, None))) @ v.T)


def gaussian_copula(unit: Any, corr: Any) -> FloatArray:
    """Columns of ``unit`` ``(m, d)`` correlated by a Gaussian copula with matrix ``corr``.

    Steps: normal scores ``z = Φ⁻¹(u)`` (``u`` kept inside ``(0, 1)``); ``z @ L.T`` with
    ``L L^T = corr`` (:func:`correlation_factor`); back through ``Φ``. Every column stays
    uniform; the normal scores have correlation ``corr`` (Spearman's rank correlation is
    ``6/π · asin(ρ/2)``, within 0.02 of ρ).
    """
    from scipy.special import ndtr, ndtri

    u = np.asarray(unit, dtype=float)
    eps = np.finfo(float).eps
    z = ndtri(np.clip(u, eps, 1 - eps))
    return np.asarray(ndtr(z @ correlation_factor(corr).T))


def iman_conover(unit: Any, corr: Any, rng: Any = None) -> FloatArray:
    """Columns of ``unit`` ``(m, d)`` re-ordered so that their rank correlation is ``corr``.

    Steps (Iman & Conover 1982): van der Waerden scores ``Φ⁻¹(i/(m+1))`` in an independent
    random order per column (``S``); remove their sample correlation ``E = F F^T`` and impose
    ``corr = Q Q^T``: ``T = S (F⁻¹)^T Q^T``; re-order each column of ``unit`` to the ranks of
    the matching column of ``T``. Each column keeps exactly its own values (so a Latin
    hypercube stays one). Needs more rows than columns.
    """
    from scipy.special import ndtri

    u = np.asarray(unit, dtype=float)
    m, d = u.shape
    if m <= d:
        raise ValueError(f"Iman-Conover needs more draws ({m}) than correlated inputs ({d})")
    gen = np.random.default_rng(rng)
    scores = ndtri(np.arange(1, m + 1) / (m + 1))
    s = np.column_stack([gen.permutation(scores) for _ in range(d)])
    f = np.linalg.cholesky(np.corrcoef(s, rowvar=False))
    t = s @ np.linalg.inv(f).T @ correlation_factor(corr).T
    out = np.empty_like(u)
    for c in range(d):
        ranks = np.argsort(np.argsort(t[:, c], kind="stable"), kind="stable")
        out[:, c] = np.sort(u[:, c])[ranks]
    return out
