"""The Pareto frontier: a non-dominated filter and the exact issue-wise fold for additive domains.

A package ``x`` is *Pareto-efficient* if no package ``y`` gives every party at least as much
and some party strictly more (``u(y) >= u(x)``, ``u(y) != u(x)``). Packages with identical
utility vectors do not dominate each other, so all of them are kept: the frontier lists one
entry per efficient *package*.

For additive utilities the frontier of a sum of issues is the frontier of the sum of the
issues' frontiers (a package is efficient only if its restriction to every group of issues is
efficient within that group: otherwise replacing that part improves the whole). So the frontier
is built issue by issue, never enumerating the ``prod(m_j)`` packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.domain import AdditiveDomain
from detente.progress import task
from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "Frontier",
    "brute_force_frontier",
    "fold_bytes_per_row",
    "nondominated",
    "pareto_fold",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, eq=False, repr=False)
class Frontier(Result):
    """Pareto-efficient packages of a domain.

    Attributes
    ----------
    packages : (F, k) int
        Option index per issue of each efficient package.
    utilities : (F, n) float
        Each party's utility of each package.
    bound : float
        Approximation bound in utility units: every package of the domain has a frontier
        package that gives every party at least its utility minus ``bound``. 0 = exact.
    meta : dict
        How it was computed (method, thinning steps, ...).
    party_ids, issue_ids : tuple of str
        The parties (columns of ``utilities``) and issues (columns of ``packages``); empty
        when the frontier was built from bare arrays (then named ``p0, p1, ...``,
        ``i0, i1, ...``).
    """

    packages: IntArray
    utilities: FloatArray
    bound: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    party_ids: tuple[str, ...] = ()
    issue_ids: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Number of efficient packages."""
        return int(self.utilities.shape[0])

    @property
    def exact(self) -> bool:
        """Whether no thinning was needed (``bound == 0``)."""
        return self.bound == 0.0

    def _names(self) -> tuple[list[str], list[str]]:
        n, k = self.utilities.shape[1], self.packages.shape[1]
        parties = list(self.party_ids) or [f"p{i}" for i in range(n)]
        issues = list(self.issue_ids) or [f"i{j}" for j in range(k)]
        return parties, issues

    def to_df(self) -> pd.DataFrame:
        """One row per efficient package: the option index on every issue (columns named by
        issue), then ``u_<party>`` for every party."""
        import pandas as pd

        parties, issues = self._names()
        cols: dict[str, Any] = {iss: self.packages[:, j] for j, iss in enumerate(issues)}
        for i, p in enumerate(parties):
            cols[f"u_{p}"] = self.utilities[:, i]
        return pd.DataFrame(cols)

    def summary(self) -> str:
        """Size, parties, exactness, and each party's range of utility on the frontier."""
        parties, issues = self._names()
        lines = [
            f"Pareto frontier: {self.size} efficient packages over {', '.join(parties)} "
            f"({len(issues)} issues; "
            + ("exact)" if self.exact else f"approximate, bound {self.bound:.4f})")
        ]
        if self.size:
            for i, p in enumerate(parties):
                u = self.utilities[:, i]
                lines.append(f"  {p}: utility {float(u.min()):.3f} to {float(u.max()):.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: ``parties``, ``issues``, ``packages`` (option indices), ``utilities``,
        ``bound``, ``exact``, ``meta``."""
        parties, issues = self._names()
        return {
            "parties": parties,
            "issues": issues,
            "packages": jsonable(self.packages),
            "utilities": jsonable(self.utilities),
            "bound": jsonable(self.bound),
            "exact": self.exact,
            "meta": jsonable(self.meta),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """The frontier in the utility plane of its first two parties (one party: the
        utilities of the efficient packages in frontier order)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        parties, _ = self._names()
        u = self.utilities
        if u.shape[1] >= 2:
            o = np.argsort(u[:, 0], kind="stable")
            ax.plot(u[o, 0], u[o, 1], "o-", ms=3, lw=0.8, label="efficient packages")
            ax.set_xlabel(f"utility of {parties[0]}")
            ax.set_ylabel(f"utility of {parties[1]}")
        else:
            ax.plot(np.arange(self.size), u[:, 0], "o", ms=3, label="efficient packages")
            ax.set_xlabel("package")
            ax.set_ylabel(f"utility of {parties[0]}")
        ax.set_title(
            f"Pareto frontier ({self.size} packages"
            + (")" if self.exact else f", within {self.bound:.3g})")
        )
        ax.legend(fontsize=7)
        return ax


# --------------------------------------------------------------------------- filters
def _nd2(u: FloatArray) -> IntArray:
    """Non-dominated rows of an (N, 2) array, duplicates kept; O(N log N)."""
    a, b = u[:, 0], u[:, 1]
    order = np.lexsort((-b, -a))  # a descending, then b descending
    a_s, b_s = a[order], b[order]
    start = np.ones(a_s.shape[0], bool)
    start[1:] = a_s[1:] != a_s[:-1]
    gidx = np.maximum.accumulate(np.where(start, np.arange(a_s.shape[0]), 0))
    group_max = b_s[gidx]  # first element of each a-group has the group's max b
    cm = np.maximum.accumulate(b_s)
    prev = np.where(gidx > 0, cm[np.maximum(gidx - 1, 0)], -np.inf)
    keep = (b_s == group_max) & (b_s > prev)
    return np.sort(order[keep])


def _nd_dense(u: FloatArray) -> IntArray:
    """Non-dominated rows by the definition, all pairs at once (small ``N`` only)."""
    ge = u[:, None, 0] >= u[None, :, 0]
    gt = u[:, None, 0] > u[None, :, 0]
    for c in range(1, u.shape[1]):
        ge &= u[:, None, c] >= u[None, :, c]
        gt |= u[:, None, c] > u[None, :, c]
    return np.flatnonzero(~(ge & gt).any(axis=0))


def _ndk(u: FloatArray, budget: int = 1 << 21) -> IntArray:
    """Non-dominated rows for any number of columns, duplicates kept.

    Steps
    -----
    1. Deduplicate rows; sort the distinct rows by decreasing sum, ties by decreasing
       coordinates (lexicographic), so every dominator of a row precedes it, also under
       floating-point rounding (``a >= b`` componentwise and ``a != b`` implies a larger or
       equal float sum and a lexicographically larger row).
    2. Sweep in blocks of ``B`` rows (``B * |front| <= budget``): drop the block's rows that
       some row of the running front is ``>=`` in every column (rows are distinct, so that is
       dominance), column by column into one ``(B, |front|)`` boolean matrix; then drop the
       rows another row of the block dominates; append the survivors to the front. Exact.
    3. Map back to the original rows (duplicates of a front row are all kept).

    Cost ``O(N F n)`` boolean operations for ``F`` efficient rows, with no ``(.., n)``
    temporaries.

    References
    ----------
    Kung, H. T., Luccio, F. & Preparata, F. P. (1975), the sort-then-sweep idea; the
    blocked numpy sweep is this project's.
    """
    n = u.shape[1]
    uniq, inv = np.unique(u, axis=0, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    keys = (*(-uniq[:, c] for c in range(n - 1, -1, -1)), -uniq.sum(axis=1))
    order = np.lexsort(keys)
    v = uniq[order]
    cols = [np.ascontiguousarray(v[:, c]) for c in range(n)]
    m_rows = v.shape[0]
    front = np.empty((n, m_rows))
    fsize = 0
    keep = np.zeros(m_rows, bool)
    start = 0
    while start < m_rows:
        b = max(64, min(4096, budget // max(fsize, 1)))
        stop = min(m_rows, start + b)
        idx = np.arange(start, stop)
        if fsize:
            m = front[0, None, :fsize] >= cols[0][start:stop, None]
            for c in range(1, n):
                m &= front[c, None, :fsize] >= cols[c][start:stop, None]
            idx = idx[~m.any(axis=1)]
        if idx.size:
            m = cols[0][idx, None] >= cols[0][None, idx]
            for c in range(1, n):
                m &= cols[c][idx, None] >= cols[c][None, idx]
            np.fill_diagonal(m, False)
            idx = idx[~m.any(axis=0)]
            front[:, fsize : fsize + idx.size] = v[idx].T
            fsize += idx.size
            keep[idx] = True
        start = stop
    nd_uniq = np.zeros(m_rows, bool)
    nd_uniq[order[keep]] = True
    return np.flatnonzero(nd_uniq[inv])


def _dense_rank(x: FloatArray) -> NDArray[np.int64]:
    return np.unique(x, return_inverse=True)[1].astype(np.int64).reshape(-1)


def _nd3(u: FloatArray) -> IntArray:
    """Non-dominated rows of an (N, 3) array, duplicates kept; O(N log^2 N), vectorised.

    Steps
    -----
    1. Deduplicate rows and sort them lexicographically descending, so every dominator of a
       row precedes it.
    2. Row ``p`` is dominated iff some earlier row ``q`` has ``q1 >= p1`` and ``q2 >= p2``.
       Answer this for all rows at once by divide and conquer over positions (CDQ): at the
       level with block size ``s``, every right-half row queries its left half (left rows
       sorted by ``u1`` descending, segmented running maximum of ``u2``, binary search).
       Every (earlier, later) pair is examined at exactly one level. Ranks (integers) are
       compared, never shifted floats, so the test is exact.
    """
    uniq, inv = np.unique(u, axis=0, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    v = uniq[::-1]
    n_u = v.shape[0]
    r1 = _dense_rank(v[:, 1])
    r2 = _dense_rank(v[:, 2])
    big = np.int64(n_u + 1)
    dominated = np.zeros(n_u, bool)
    pos = np.arange(n_u, dtype=np.int64)
    s = 1
    while s < n_u:
        pair = pos // (2 * s)
        left = (pos // s) % 2 == 0
        lidx = np.flatnonzero(left)
        ridx = np.flatnonzero(~left)
        kl = pair[lidx] * big - r1[lidx]
        o = np.argsort(kl, kind="stable")
        ls, kls = lidx[o], kl[o]
        cm = np.maximum.accumulate(pair[ls] * big + r2[ls])
        q = pair[ridx] * big - r1[ridx]
        at = np.searchsorted(kls, q, side="right") - 1
        ok = at >= 0
        atc = np.maximum(at, 0)
        ok &= pair[ls[atc]] == pair[ridx]
        best = cm[atc] - pair[ridx] * big
        dominated[ridx[ok & (best >= r2[ridx])]] = True
        s *= 2
    nd_v = ~dominated
    nd_uniq = nd_v[::-1]
    return np.flatnonzero(nd_uniq[inv])


def nondominated(u: Any) -> IntArray:
    """Indices (ascending) of the Pareto-efficient rows of a utility matrix ``(N, n)``.

    A row is efficient if no other row is ``>=`` in every column and ``>`` in one; rows with
    identical values are all kept. Two parties use an ``O(N log N)`` sort-and-scan, three a
    vectorised divide-and-conquer (``O(N log^2 N)``); more parties a sum-sorted sweep
    against the running front in blocks (``O(N F)`` for ``F`` efficient rows). Up to 48 rows
    (two parties) or 256 rows (three or more), the definition is applied to all pairs at once:
    below those sizes its O(N^2) comparisons cost less than the other methods' numpy calls
    (the effect on whole folds is in ``benchmarks/results/frontier.md``: Politics).

    References
    ----------
    Kung, H. T., Luccio, F. & Preparata, F. P. (1975). On finding the maxima of a set of
    vectors. *Journal of the ACM* 22(4), 469–476.
    """
    u = np.asarray(u, dtype=float)
    if u.ndim != 2:
        raise ValueError(f"utilities must be (N, n), got shape {u.shape}")
    if u.shape[0] == 0:
        return np.zeros(0, np.intp)
    if u.shape[1] == 1:
        return np.flatnonzero(u[:, 0] == u[:, 0].max())
    if u.shape[0] <= (48 if u.shape[1] == 2 else 256):
        return _nd_dense(u)
    if u.shape[1] == 2:
        return _nd2(u)
    if u.shape[1] == 3:
        return _nd3(u)
    return _ndk(u)


def _box_select(u: FloatArray, eps: float) -> IntArray:
    """Indices of an ε-cover: one max-welfare row per ε-box of utility space."""
    boxes = np.floor(u / eps).astype(np.int64)
    w = u.sum(axis=1)
    order = np.lexsort((-w, *(boxes[:, c] for c in range(boxes.shape[1] - 1, -1, -1))))
    bs = boxes[order]
    first = np.ones(bs.shape[0], bool)
    first[1:] = (bs[1:] != bs[:-1]).any(axis=1)
    return np.sort(order[first])


# --------------------------------------------------------------------------- frontiers
def brute_force_frontier(domain: AdditiveDomain) -> Frontier:
    """The frontier by enumerating every package (reference / tests; small domains only)."""
    u = domain.enumerate_utilities()
    keep = nondominated(u)
    return Frontier(
        domain.unravel(keep),
        u[keep],
        0.0,
        {"method": "enumeration"},
        party_ids=tuple(domain.party_ids),
        issue_ids=tuple(domain.issue_ids),
    )


def _reduce(u: FloatArray, eps: float, max_points: int | None) -> tuple[IntArray, float]:
    """The rows of ``u`` kept after one fold step, and the ε used (0 = exact).

    Exact (the non-dominated rows) unless ``eps > 0`` or more than ``max_points`` would
    remain; then box-select first (cheap), then the non-dominated among the representatives,
    doubling ε until at most ``max_points`` are left.
    """
    if max_points is None or u.shape[0] <= max_points:
        keep = nondominated(u)
        if eps <= 0 and (max_points is None or keep.size <= max_points):
            return keep, 0.0
    e = eps if eps > 0 else 1e-4
    sel = _box_select(u, e)
    while max_points is not None and sel.size > 2 * max_points:
        e *= 2.0
        sel = _box_select(u, e)
    keep = sel[nondominated(u[sel])]
    while max_points is not None and keep.size > max_points:
        e *= 2.0
        sel = _box_select(u, e)
        keep = sel[nondominated(u[sel])]
    return keep, e


def _check_step(domain: AdditiveDomain, j: int, rows: int) -> None:
    """Refuse a fold step whose sums would not fit in memory (before forming them)."""
    from detente.resources import Cost, check

    n = domain.n_parties
    check(
        Cost(
            what=(
                f"the Pareto frontier over {n} parties at issue {j + 1} of {domain.n_issues} "
                f"({rows:,} candidate packages)"
            ),
            bytes=float(rows) * fold_bytes_per_row(n),
            seconds=0.0,
            hint="fewer grid points (--grid), fewer issues or parties, or a max_points cap",
        )
    )


def fold_bytes_per_row(n: int) -> float:
    """Peak bytes per candidate row of a fold step: the sums (8 n), the kept copy, the
    filter's sort keys and indices (measured with tracemalloc on 2 and 10 parties: about
    48 n + 64)."""
    return 48.0 * n + 64.0


def pareto_fold(
    domain: AdditiveDomain,
    *,
    eps: float = 0.0,
    max_points: int | None = None,
) -> Frontier:
    """Exact Pareto frontier of an additive discrete domain, issue by issue.

    Steps
    -----
    1. ``F`` ← the efficient options of issue 1 (its contribution table ``W[:,1] V_1``).
    2. For each further issue ``j``: form all sums of a row of ``F`` and an efficient option
       of issue ``j`` (``|F| * |F_j|`` points, the package indices carried alongside), and
       set ``F`` ← the efficient ones among them (:func:`_reduce`). A step whose sums would
       not fit in memory is refused before they are formed
       (:class:`~detente.scenario.errors.TooCostlyError`).
    3. The survivors are exactly the efficient packages (additivity: a package whose part on
       issues ``1..j`` is dominated within those issues is dominated overall).

    Optional thinning (approximation, for domains whose frontier explodes, e.g. discretised
    continuous issues with several parties): after each step, if ``eps > 0`` or the set
    exceeds ``max_points``, keep one point per ε-box of utility space (the one with the
    highest welfare) and the non-dominated of those; if ``max_points`` is still exceeded, ε
    is doubled until it is not. Each thinning step with box size ε loses at most ε per party,
    and covers survive later sums, so the result covers every package within
    ``bound = sum of the ε actually used`` (reported in :attr:`Frontier.bound`).

    Parameters
    ----------
    domain : AdditiveDomain
    eps : float
        Box size for thinning after each step (0 = exact).
    max_points : int, optional
        Cap on the intermediate frontier size (triggers thinning; ``None`` = exact).

    References
    ----------
    The Minkowski-sum property of Pareto sets of separable objectives: Ehrgott, M. (2005).
    *Multicriteria Optimization*, 2nd ed., Springer, §2; Appendix A.3 of the project's
    ``automated-negotiation.md`` (measured against NegMAS 0.16).
    """
    n, k = domain.n_parties, domain.n_issues
    c0 = domain.contributions(0)
    keep, used = _reduce(c0, eps, max_points)
    steps: list[float] = [used]
    fu = c0[keep]
    fp = keep[:, None].astype(np.intp)
    with task("Pareto frontier, issue by issue", total=max(k - 1, 0)) as advance:
        for j in range(1, k):
            cj = domain.contributions(j)
            nj = nondominated(cj)
            cjn = cj[nj]
            _check_step(domain, j, fu.shape[0] * cjn.shape[0])
            s = (fu[:, None, :] + cjn[None, :, :]).reshape(-1, n)
            keep, used = _reduce(s, eps, max_points)
            steps.append(used)
            m = cjn.shape[0]
            fu = s[keep]
            fp = np.concatenate([fp[keep // m], nj[keep % m][:, None]], axis=1)
            advance()
    # deterministic order: by the first party's utility, descending, then package
    order = np.lexsort((*(fp[:, c] for c in range(k - 1, -1, -1)), -fu[:, 0]))
    return Frontier(
        fp[order],
        fu[order],
        float(sum(steps)),
        {"method": "issue-wise fold", "thinning_eps": steps},
        party_ids=tuple(domain.party_ids),
        issue_ids=tuple(domain.issue_ids),
    )
