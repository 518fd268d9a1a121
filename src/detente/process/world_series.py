"""Driver series and shock dates: the time side of :class:`~detente.process.environment.Environment`.

* :func:`driver_value`: a driver's value at a date (the observed series as a step function of
  its periods, then its extension: last value, mean of the last ``window`` values, or the
  least-squares trend through them).
* :func:`draw_shock_days`: per run, the day (from the start) on which each shock happens
  (``inf`` if it does not), vectorised over runs.
* :func:`hazard_survival`: the closed-form survival of a monthly hazard (for tests and docs).

Equations: docs/explanation/process-world.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from detente.scenario.process_spec import Driver, Shock

__all__ = [
    "DAYS_PER_MONTH",
    "draw_shock_days",
    "driver_value",
    "hazard_survival",
    "months",
    "period_index",
]

FloatArray = NDArray[np.float64]

#: The mean Gregorian month in days (365.25 / 12): the "month" of hazards and rates.
DAYS_PER_MONTH = 30.4375

_MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def months(days: float) -> float:
    """Days as mean months."""
    return days / DAYS_PER_MONTH


def period_index(d: Driver, date: dt.date) -> float:
    """Which period of ``d``'s frequency ``date`` falls in, counting the first point's as 0.

    Whole periods for dates on the period grid; within a period the index is floored.
    Negative before the first point.
    """
    first = d.series[0].date
    if d.frequency in ("day", "week"):
        step = 1 if d.frequency == "day" else 7
        return float(math.floor((date - first).days / step))
    k = _MONTHS_PER[d.frequency]
    n = (date.year - first.year) * 12 + (date.month - first.month)
    if date.day < first.day:
        n -= 1
    return float(math.floor(n / k))


def driver_value(d: Driver, date: dt.date) -> float:
    """The driver's value at ``date`` (its own units).

    Steps
    -----
    1. The period of ``date`` (:func:`period_index`): before the first point, the first value.
    2. Within the series, the value of that period.
    3. After the last period, the extension: ``last``; ``mean`` of the last ``window``
       values; ``trend``: ``a + b * i`` at period ``i``, ``(a, b)`` the least-squares line
       through the last ``window`` points (a single point: flat).
    """
    vals = [p.value for p in d.series]
    i = period_index(d, date)
    if i < 0:
        return vals[0]
    if i < len(vals):
        return vals[int(i)]
    tail = vals[-d.window :]
    if d.extend == "last":
        return vals[-1]
    if d.extend == "mean":
        return float(np.mean(tail))
    x = np.arange(len(vals) - len(tail), len(vals), dtype=float)
    if len(tail) < 2:
        return vals[-1]
    b, a = np.polyfit(x, np.asarray(tail, dtype=float), 1)
    return float(a + b * i)


def hazard_survival(hazard_per_month: float, days: float) -> float:
    """``P(T > days)`` for a monthly hazard ``h``: ``(1 - h) ** (days / DAYS_PER_MONTH)``."""
    return float((1.0 - hazard_per_month) ** months(days))


def draw_shock_days(
    shocks: Sequence[Shock],
    start: dt.date,
    n_runs: int,
    rng: np.random.Generator,
    values: Mapping[str, FloatArray],
) -> FloatArray:
    """``(m, S)``: per run, the day after ``start`` on which each shock happens (``inf``: never).

    Steps (shocks in the scenario's order, one vector of draws each, so the draws do not
    depend on which shocks happen)
    -----
    1. A dated shock happens on its date with probability ``p`` (``values["shock:<id>"]``
       per run if drawn, else the shock's ``probability``): ``U < p``, ``U`` uniform.
    2. A hazard ``h`` per month (``values["shock:<id>"]`` overrides): the time to the event is
       exponential with rate ``lambda = -ln(1 - h)`` per month, so ``P(T > t) = (1 - h)^t``;
       drawn as ``E / lambda`` months, ``E`` a standard exponential.
    """
    out = np.full((n_runs, len(shocks)), np.inf)
    for s, sh in enumerate(shocks):
        drawn = values.get(f"shock:{sh.id}")
        if sh.date is not None:
            p = np.full(n_runs, sh.probability) if drawn is None else np.asarray(drawn, float)
            u = rng.random(n_runs)
            out[:, s] = np.where(u < p, float((sh.date - start).days), np.inf)
            continue
        h = float(sh.hazard_per_month or 0.0)
        hz = np.full(n_runs, h) if drawn is None else np.clip(np.asarray(drawn, float), 0, 1)
        e = rng.standard_exponential(n_runs)
        with np.errstate(divide="ignore"):
            rate = -np.log1p(-np.minimum(hz, 1.0 - 1e-15))
            out[:, s] = np.where(rate > 0, e / np.where(rate > 0, rate, 1.0), np.inf)
        out[:, s] *= DAYS_PER_MONTH
    return out
