"""What :func:`~detente.bargaining.analyze` will cost, from the sizes, before it runs.

Three parts of the analysis grow with the problem:

* the **domain**: ``m_j`` options per issue (``grid`` points plus every position, reservation
  point and limit) for ``n`` parties — small;
* the **Pareto fold** over the ``p`` frontier parties: step ``j`` forms ``|F| * e_j`` candidate
  packages (``e_j`` = issue ``j``'s efficient options) and filters them. With a point cap
  (``max_points``, 2000 by default beyond three parties) ``|F|`` stays below it; exact (up to
  three parties) ``|F|`` grows with the issues: for two parties about ``1.6 S e^0.8`` after
  ``S = sum e_j`` options of mean ``e``, each further party multiplying it by about the
  square root of a third of that (fitted to the Miami scenario's folds at grids 21 and 51;
  it over-estimates larger grids, by about 2.5 at grid 201);
* the **logrolls**: every pair of issues builds ``(m_j, m_k, n, n)`` arrays, so time grows
  with ``n^2 (sum m)^2`` and memory with the two largest ``m_j``.

The constants below were measured on the reference machine (2 cores shared with other jobs,
Python 3.11): the DEU III development table cut to 5, 10 and 20 issues (30 parties, grid 21,
about 1 s per fold step), the Miami scenario at grids 21, 51 and 201 (two frontier parties:
0.1 s, 0.6 s, 22 s and 0.7 GB; three parties at grid 21: 36 s), and a random 10-actor
scenario at 20, 50 and 100 issues (fold 15-81 s, logrolls 2-60 s). Estimates land within
a factor of about 2-3 of those runs: they tell a two-second run from a two-hour one, no more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.bargaining.domain import AdditiveDomain
from detente.resources import Cost
from detente.scenario.arrays import ScenarioArrays

__all__ = ["AnalysisSizes", "estimate_cost", "estimate_sizes", "frontier_sizes"]

#: Seconds per candidate row of a fold step, by filter: two parties (sort and scan), three
#: (divide and conquer), and per (row x front point x party) for more (blocked sweep).
_FOLD_ROW_SECONDS = {1: 2e-7, 2: 4e-7, 3: 6e-6}
_FOLD_SWEEP_SECONDS = 8e-10
#: Seconds per element of a logroll pair's ``(m_j, m_k, n, n)`` arrays, and peak bytes per
#: element (the boolean conditions, the gains, the scores).
_LOGROLL_SECONDS = 1.5e-7
_LOGROLL_BYTES = 24.0
#: Folds per analysis (the whole domain, then the zone's), and the fixed part of a run
#: (scipy's import, the concession LPs, the compromise forecast; Miami: about 1-4 s).
_FOLDS = 2.0
_BASE_SECONDS = 1.0


@dataclass(frozen=True)
class AnalysisSizes:
    """The sizes that drive the cost of one analysis.

    Attributes
    ----------
    n_parties : int
        Parties of the domain.
    frontier_parties : int
        Parties of the frontier (``p``).
    options : tuple of int
        Options per issue (``m_j``).
    efficient : tuple of int
        Options per issue that are efficient for the frontier parties (``e_j``).
    max_points : int or None
        The fold's point cap (``None``: exact).
    grid : int or None
        Grid points per continuous issue (``None`` for a ready domain).
    """

    n_parties: int
    frontier_parties: int
    options: tuple[int, ...]
    efficient: tuple[int, ...]
    max_points: int | None
    grid: int | None = None

    @property
    def n_issues(self) -> int:
        """Number of issues."""
        return len(self.options)

    def fold(self) -> tuple[float, float]:
        """Peak candidate rows of one fold step, and the fold's estimated seconds."""
        e = [max(int(x), 1) for x in self.efficient]
        if not e:
            return 0.0, 0.0
        p = max(self.frontier_parties, 1)
        f = float(e[0] if self.max_points is None else min(e[0], self.max_points))
        peak, seconds, total = float(e[0]), 0.0, float(e[0])
        for j in range(1, len(e)):
            rows = f * e[j]
            peak = max(peak, rows)
            total += e[j]
            kept = min(rows, self._frontier_size(p, total, total / (j + 1)))
            if self.max_points is not None:
                kept = min(kept, float(self.max_points))
            seconds += (
                rows * _FOLD_ROW_SECONDS[p]
                if p <= 3
                else rows * max(kept, 1.0) * p * _FOLD_SWEEP_SECONDS
            )
            f = max(kept, 1.0)
        return peak, seconds

    @staticmethod
    def _frontier_size(p: int, total: float, mean: float) -> float:
        if p == 1:
            return 1.0
        two = 1.6 * total * mean**0.8
        return two * math.sqrt(two / 3.0) ** (p - 2)

    def logrolls(self) -> tuple[float, float]:
        """Peak bytes of one issue pair, and the seconds over every pair."""
        m = np.asarray(self.options, dtype=float)
        if m.size < 2 or self.n_parties < 2:
            return 0.0, 0.0
        n2 = float(self.n_parties) ** 2
        top2 = np.sort(m)[-2:]
        pairs = (m.sum() ** 2 - (m * m).sum()) / 2.0
        return float(top2[0] * top2[1] * n2 * _LOGROLL_BYTES), float(pairs * n2 * _LOGROLL_SECONDS)

    def cost(self, top_logrolls: int = 10) -> Cost:
        """The estimate as a :class:`~detente.resources.Cost` (peak memory, total time)."""
        from detente.bargaining.frontier import fold_bytes_per_row

        peak_rows, fold_s = self.fold()
        fold_b = peak_rows * fold_bytes_per_row(self.frontier_parties)
        roll_b, roll_s = self.logrolls() if top_logrolls else (0.0, 0.0)
        domain_b = 16.0 * sum(self.options) * self.n_parties
        what = (
            f"analyze on {self.n_parties} parties x {self.n_issues} issues "
            f"({sum(self.options):,} options"
            + ("" if self.grid is None else f", --grid {self.grid}")
            + f"; frontier over {self.frontier_parties} parties"
            + (", exact" if self.max_points is None else f", at most {self.max_points} points")
            + ")"
        )
        return Cost(
            what=what,
            bytes=domain_b + max(fold_b, roll_b),
            seconds=_BASE_SECONDS + _FOLDS * fold_s + roll_s,
            hint=self._hint(fold_b >= roll_b),
        )

    def _hint(self, fold_dominates: bool) -> str:
        if self.grid is not None and self.grid > 21:
            first = f"a smaller --grid (now {self.grid})"
        elif fold_dominates and self.max_points is None and self.frontier_parties > 2:
            first = "fewer frontier parties (--actors)"
        else:
            first = f"fewer issues (now {self.n_issues}) or fewer actors"
        return f"{first}; or analyse a subset of the issues in a separate scenario"


def _efficient_count(xv: Any, arrays: ScenarioArrays, j: int, sel: list[int]) -> int:
    """Options of issue ``j`` that are efficient for the parties ``sel``: with single-peaked
    utilities, those between the lowest and highest position of the parties that care."""
    rows = [i for i in sel if arrays.present[i, j] and arrays.salience[i, j] > 0]
    if not rows:
        return len(xv)
    p = arrays.position[rows, j]
    return max(int(((xv >= p.min() - 1e-9) & (xv <= p.max() + 1e-9)).sum()), 1)


def estimate_sizes(
    source: ScenarioArrays | AdditiveDomain,
    *,
    sel: list[int],
    max_points: int | None,
    grid: int = 21,
    options: dict[str, Any] | None = None,
) -> AnalysisSizes:
    """The sizes of an analysis of ``source`` over the frontier parties ``sel`` (indices),
    computed without building the domain (a ready domain is measured as it is)."""
    if isinstance(source, AdditiveDomain):
        from detente.bargaining.frontier import nondominated

        counts = tuple(
            int(nondominated(source.contributions(j)[:, sel]).size) for j in range(source.n_issues)
        )
        return AnalysisSizes(source.n_parties, len(sel), source.n_options, counts, max_points)
    from detente.bargaining.utility import _issue_values

    m: list[int] = []
    eff: list[int] = []
    for j in range(source.n_issues):
        _, xv, _ = _issue_values(source, j, grid, options or {}, None)
        m.append(len(xv))
        eff.append(_efficient_count(xv, source, j, sel))
    return AnalysisSizes(source.n_actors, len(sel), tuple(m), tuple(eff), max_points, int(grid))


def estimate_cost(
    source: Any,
    *,
    actors: Any = None,
    grid: int = 21,
    options: dict[str, Any] | None = None,
    max_points: int | str | None = "auto",
    top_logrolls: int = 10,
) -> Cost:
    """Peak memory and time of :func:`~detente.bargaining.analyze` with these options.

    Parameters
    ----------
    source : ScenarioArrays, AdditiveDomain, or a GENIUS folder
    actors, grid, options, max_points, top_logrolls
        As for :func:`~detente.bargaining.analyze`.

    Returns
    -------
    Cost
        ``what`` names the sizes, ``hint`` the option that makes the run smaller; compare
        ``bytes`` with :func:`detente.resources.available_memory`, or print
        ``format_seconds(cost.seconds)`` before a long run.

    Examples
    --------
    >>> from detente.bargaining import estimate_cost
    >>> from detente.cli.app import load_scenario
    >>> cost = estimate_cost(load_scenario("miami").to_arrays())
    >>> cost.seconds < 60
    True
    """
    from detente.bargaining.analysis import _read_source

    _, _, sizes = frontier_sizes(_read_source(source), actors, max_points, grid, options)
    return sizes.cost(top_logrolls)


def frontier_sizes(
    src: ScenarioArrays | AdditiveDomain,
    actors: Any,
    max_points: int | str | None,
    grid: int,
    options: dict[str, Any] | None,
) -> tuple[list[int], int | None, AnalysisSizes]:
    """The frontier parties (indices), the fold's point cap, and the sizes, as
    :func:`~detente.bargaining.analyze` chooses them."""
    from detente.bargaining.analysis import _select, _thinning_cap

    if isinstance(src, ScenarioArrays):
        ids, veto = src.actor_ids, np.asarray(src.veto, bool)
    else:
        ids, veto = src.party_ids, np.asarray(src.veto_mask, bool)
    sel = _select(ids, veto, actors)
    mp = _thinning_cap(max_points, len(sel))
    return sel, mp, estimate_sizes(src, sel=sel, max_points=mp, grid=grid, options=options)
