"""Forecast accuracy metrics with proposal-clustered bootstrap intervals.

Issues of one EU proposal are negotiated together and their errors are correlated, so the
bootstrap resamples *proposals* (clusters) with replacement and keeps each one whole (Field &
Welsh 2007; Cameron, Gelbach & Miller 2008). A paired comparison computes both models' metric on
the same resampled proposals and takes the difference, so the shared difficulty of the issues
cancels out.

References
----------
Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. *JRSS B* 69(3), 369–390.
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *REStat* 90(3), 414–427.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.typing import RNG

__all__ = [
    "METRICS",
    "Interval",
    "bootstrap_metric",
    "cluster_resample_counts",
    "format_interval",
    "mae",
    "paired_bootstrap",
    "paired_ratio",
    "rmse",
    "within",
]

METRICS = ("mae", "rmse", "within10")


def mae(error: Any) -> float:
    """Mean absolute error."""
    e = np.asarray(error, dtype=float)
    return float(np.mean(np.abs(e)))


def rmse(error: Any) -> float:
    """Root mean squared error."""
    e = np.asarray(error, dtype=float)
    return float(np.sqrt(np.mean(e**2)))


def within(error: Any, tol: float = 10.0) -> float:
    """Share of forecasts with ``|error| <= tol``."""
    e = np.asarray(error, dtype=float)
    return float(np.mean(np.abs(e) <= tol))


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile bootstrap interval."""

    estimate: float
    lo: float
    hi: float

    def __str__(self) -> str:
        return format_interval(self.estimate, self.lo, self.hi)


def cluster_resample_counts(
    groups: Any, n_boot: int = 2000, rng: RNG = None
) -> tuple[np.ndarray, np.ndarray]:
    """How many times each cluster is drawn in each bootstrap replicate.

    Steps
    -----
    1. Label the distinct clusters ``0 .. G-1``.
    2. Each replicate draws ``G`` clusters uniformly with replacement.
    3. Return the ``(n_boot, G)`` count matrix and each item's cluster label, so that any
       additive statistic of a replicate is ``counts @ per_cluster_sums``.

    Returns
    -------
    counts : (n_boot, G) int
    label : (k,) int
    """
    gen = np.random.default_rng(rng)
    _, label = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    n_groups = int(label.max()) + 1 if label.size else 0
    draws = gen.integers(0, n_groups, size=(n_boot, n_groups))
    counts = np.zeros((n_boot, n_groups), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(n_boot), n_groups), draws.ravel()), 1)
    return counts, label


def _replicates(
    error: np.ndarray, counts: np.ndarray, label: np.ndarray, metric: str, tol: float
) -> np.ndarray:
    """The metric on every replicate, from per-cluster sums: ``(..., n_boot)``."""
    n_groups = counts.shape[1]
    size = np.bincount(label, minlength=n_groups).astype(float)
    e = np.atleast_2d(error)
    if metric == "mae":
        item = np.abs(e)
    elif metric == "rmse":
        item = e**2
    elif metric == "within10":
        item = (np.abs(e) <= tol).astype(float)
    else:
        raise KeyError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    sums = np.stack([np.bincount(label, weights=row, minlength=n_groups) for row in item])
    num = sums @ counts.T  # (m, n_boot)
    den = counts @ size  # (n_boot,)
    val = num / den
    return np.sqrt(val) if metric == "rmse" else val


def _point(error: np.ndarray, metric: str, tol: float) -> float:
    if metric == "mae":
        return mae(error)
    if metric == "rmse":
        return rmse(error)
    if metric == "within10":
        return within(error, tol)
    raise KeyError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")


def _bootstrap(
    errors: list[Any],
    groups: Any,
    metric: str,
    n_boot: int,
    level: float,
    tol: float,
    rng: RNG,
    *,
    ratio: bool = False,
) -> tuple[float, float, float]:
    """Point estimate and percentile interval of ``metric(errors[0]) - metric(errors[1])``
    (with ``ratio``: ``metric(errors[0]) / metric(errors[1])``, replicates that divide by 0
    left out), or of ``metric(errors[0])`` alone, all on the same resampled clusters."""
    e = np.stack([np.asarray(x, dtype=float) for x in errors])
    counts, label = cluster_resample_counts(groups, n_boot, rng)
    reps = _replicates(e, counts, label, metric, tol)
    points = [_point(row, metric, tol) for row in e]
    a = (1.0 - level) / 2.0
    if len(e) == 1:
        reps, point = reps[0], points[0]
    elif ratio:
        with np.errstate(divide="ignore", invalid="ignore"):
            reps, point = reps[0] / reps[1], points[0] / points[1]
        if not np.isfinite(reps).any():
            return float(point), np.nan, np.nan
        lo, hi = np.nanquantile(reps, [a, 1.0 - a])
        return float(point), float(lo), float(hi)
    else:
        reps, point = reps[0] - reps[1], points[0] - points[1]
    lo, hi = np.quantile(reps, [a, 1.0 - a])
    return point, float(lo), float(hi)


def _paired(error: Any, baseline_error: Any) -> list[np.ndarray]:
    """The model's and the baseline's errors as float arrays; ``ValueError`` if their shapes
    differ."""
    e = np.asarray(error, dtype=float)
    b = np.asarray(baseline_error, dtype=float)
    if e.shape != b.shape:
        raise ValueError(f"error shapes differ: {e.shape} vs {b.shape}")
    return [e, b]


def bootstrap_metric(
    error: Any,
    groups: Any,
    metric: str = "mae",
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    tol: float = 10.0,
    rng: RNG = None,
) -> Interval:
    """A metric of the errors with a cluster-bootstrap percentile interval.

    Steps
    -----
    1. Point estimate on all items.
    2. ``n_boot`` replicates, each resampling whole clusters (``groups``) with replacement
       (:func:`cluster_resample_counts`); the metric of each replicate is computed from the
       per-cluster sums, weighting each drawn cluster by its size.
    3. The interval is the ``(1 - level)/2`` and ``(1 + level)/2`` percentiles of the
       replicates (Efron & Tibshirani 1993, ch. 13).

    Parameters
    ----------
    error : (k,) float
        Forecast minus outcome.
    groups : (k,)
        Cluster label of each item (the DEU proposal ``prnr``).
    metric : {"mae", "rmse", "within10"}
    rng : seed or Generator

    References
    ----------
    Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. *JRSS B* 69(3), 369–390.
    """
    return Interval(*_bootstrap([error], groups, metric, n_boot, level, tol, rng))


def paired_bootstrap(
    error: Any,
    baseline_error: Any,
    groups: Any,
    metric: str = "mae",
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    tol: float = 10.0,
    rng: RNG = None,
) -> Interval:
    """Difference ``metric(model) - metric(baseline)`` on the same issues, cluster-bootstrapped.

    Steps
    -----
    1. Point estimate: the metric of each model's errors on all items, differenced.
    2. Each replicate resamples whole clusters once and evaluates *both* models on that
       sample, so the difference keeps the pairing by issue.
    3. Percentile interval of the replicated differences. For MAE and RMSE a negative
       difference favours the model; for ``within10`` a positive one does.

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13.
    """
    errors = _paired(error, baseline_error)
    return Interval(*_bootstrap(errors, groups, metric, n_boot, level, tol, rng))


def paired_ratio(
    error: Any,
    baseline_error: Any,
    groups: Any,
    metric: str = "mae",
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    tol: float = 10.0,
    rng: RNG = None,
) -> Interval:
    """Ratio ``metric(model) / metric(baseline)`` on the same issues, cluster-bootstrapped.

    Steps
    -----
    1. Point estimate: the ratio of the two models' metric on all items.
    2. Each replicate resamples whole clusters once (the same draws as
       :func:`paired_bootstrap` with the same ``rng``) and takes the ratio on that sample.
    3. Percentile interval of the replicated ratios: ``0.92 [0.87, 0.97]`` reads "8% lower
       error, between 3% and 13% lower".

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13.
    """
    errors = _paired(error, baseline_error)
    return Interval(*_bootstrap(errors, groups, metric, n_boot, level, tol, rng, ratio=True))


def format_interval(
    estimate: float, lo: float, hi: float, *, digits: int = 2, signed: bool = False
) -> str:
    """``"24.46 [22.03, 27.03]"`` (``"+0.43 [-0.01, +0.99]"`` when ``signed``); ``"—"`` when
    the estimate is missing."""
    if estimate is None or not np.isfinite(estimate):
        return "—"
    f = f"{{:{'+' if signed else ''}.{digits}f}}"
    return f"{f.format(estimate)} [{f.format(lo)}, {f.format(hi)}]"
