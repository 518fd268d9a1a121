"""Discrete multi-issue domains with additive utilities.

A *package* (outcome) chooses one option per issue. Party ``p``'s utility of package
``x = (x_1, ..., x_k)`` is additive::

    u_p(x) = sum_j W[p, j] * V_j[p, x_j]

with issue weights ``W`` (n, k) and per-issue value tables ``V_j`` (n, m_j). This is the
GENIUS linear-additive profile, and also what a continuous scenario becomes once each issue is
discretised (see :func:`detente.bargaining.utility.domain_from_arrays`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["AdditiveDomain"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class AdditiveDomain:
    """A discrete multi-issue domain and each party's additive utility over it.

    Attributes
    ----------
    party_ids : tuple of str
        ``n`` parties.
    issue_ids : tuple of str
        ``k`` issues.
    options : tuple of tuple of str
        The option labels of each issue (``m_j`` per issue).
    values : tuple of (n, m_j) float arrays
        Per issue, each party's value of each option (GENIUS: 0–1, best option 1).
    weights : (n, k) float
        Issue weights per party.
    reservation : (n,) float
        Walk-away (reservation) utility per party, on the utility scale.
    discount : (n,) float
        Discount factor per party (1 = none); recorded, not used by the static analysis.
    veto : (n,) bool
        Whether each party must sign (a veto player). Default: every party.
    option_values : tuple of (m_j,) float arrays or None
        Where options sit on a numeric scale (issue units), if they do.
    meta : dict
        Provenance, approximation bounds, ...
    """

    party_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    values: tuple[FloatArray, ...]
    weights: FloatArray
    reservation: FloatArray
    discount: FloatArray | None = None
    veto: NDArray[np.bool_] | None = None
    option_values: tuple[FloatArray | None, ...] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, k = len(self.party_ids), len(self.issue_ids)
        w = np.array(self.weights, dtype=float).reshape(n, k)
        vals = tuple(np.array(v, dtype=float).reshape(n, -1) for v in self.values)
        if len(vals) != k or len(self.options) != k:
            raise ValueError(
                f"AdditiveDomain: {k} issues but {len(vals)} value tables / "
                f"{len(self.options)} option lists"
            )
        for j, (v, o) in enumerate(zip(vals, self.options, strict=True)):
            if v.shape[1] != len(o):
                raise ValueError(
                    f"AdditiveDomain: issue {self.issue_ids[j]!r} has {len(o)} options but a "
                    f"value table of shape {v.shape}"
                )
        res = np.broadcast_to(np.asarray(self.reservation, dtype=float), (n,)).copy()
        disc = np.ones(n) if self.discount is None else np.asarray(self.discount, float).reshape(n)
        veto = np.ones(n, bool) if self.veto is None else np.asarray(self.veto, bool).reshape(n)
        ov = self.option_values if self.option_values is not None else (None,) * k
        for name, val in (
            ("weights", w),
            ("values", vals),
            ("reservation", res),
            ("discount", disc),
            ("veto", veto),
            ("option_values", tuple(ov)),
        ):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "options", tuple(tuple(str(x) for x in o) for o in self.options))

    # ------------------------------------------------------------------ sizes
    @property
    def n_parties(self) -> int:
        return len(self.party_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    @property
    def n_options(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options)

    @property
    def veto_mask(self) -> NDArray[np.bool_]:
        """``(n,)`` bool: which parties must sign (every party when ``veto`` was not given)."""
        if self.veto is None:  # only before __post_init__ has filled the default
            return np.ones(self.n_parties, bool)
        return self.veto

    def option_scale(self, j: int) -> FloatArray:
        """``(m_j,)`` float: where issue ``j``'s options sit on its numeric scale (issue units).

        Raises ``ValueError`` if the issue's options are labels only (no numeric values).
        """
        ov = self.option_values
        xv = None if ov is None else ov[j]
        if xv is None:
            raise ValueError(
                f"issue {self.issue_ids[j]!r} has no numeric option values "
                "(its options are labels only)"
            )
        return xv

    @property
    def n_outcomes(self) -> int:
        """Number of packages (exact Python integer)."""
        return math.prod(self.n_options)

    # ------------------------------------------------------------- utilities
    def contributions(self, j: int) -> FloatArray:
        """Issue ``j``'s contribution table, ``(m_j, n)``: row v = ``W[:, j] * V_j[:, v]``."""
        return (self.weights[:, j, None] * self.values[j]).T

    def utility(self, packages: Any) -> FloatArray:
        """Utilities ``(m, n)`` of packages given as option indices ``(m, k)`` (or ``(k,)``)."""
        x = np.asarray(packages, dtype=np.intp)
        single = x.ndim == 1
        x = np.atleast_2d(x)
        u = np.zeros((x.shape[0], self.n_parties))
        for j in range(self.n_issues):
            u = u + self.contributions(j)[x[:, j]]
        return u[0] if single else u

    def best(self) -> FloatArray:
        """Each party's maximum utility over all packages, ``(n,)``."""
        return sum(
            (self.contributions(j).max(axis=0) for j in range(self.n_issues)),
            start=np.zeros(self.n_parties),
        )

    def worst(self) -> FloatArray:
        """Each party's minimum utility over all packages, ``(n,)``."""
        return sum(
            (self.contributions(j).min(axis=0) for j in range(self.n_issues)),
            start=np.zeros(self.n_parties),
        )

    def enumerate_utilities(self) -> FloatArray:
        """Brute force: the ``(N, n)`` utility matrix of every package (lexicographic order).

        Summed issue by issue in the same order as the fold in
        :func:`detente.bargaining.frontier.pareto_fold`, so the floating-point values agree
        bit for bit. Only for small domains (memory ``8 N n`` bytes).
        """
        u = np.zeros((1, self.n_parties))
        for j in range(self.n_issues):
            c = self.contributions(j)
            u = (u[:, None, :] + c[None, :, :]).reshape(-1, self.n_parties)
        return u

    def unravel(self, flat: Any) -> NDArray[np.intp]:
        """Option indices ``(m, k)`` of packages given by their lexicographic flat index."""
        return np.stack(np.unravel_index(np.asarray(flat), self.n_options), axis=-1)

    def labels(self, package: Any) -> dict[str, str]:
        """``{issue: option label}`` of one package."""
        return {iss: self.options[j][int(package[j])] for j, iss in enumerate(self.issue_ids)}

    def subset(self, parties: Any) -> AdditiveDomain:
        """The same domain restricted to some parties (indices or ids)."""
        idx = [self.party_ids.index(p) if isinstance(p, str) else int(p) for p in parties]
        return AdditiveDomain(
            party_ids=tuple(self.party_ids[i] for i in idx),
            issue_ids=self.issue_ids,
            options=self.options,
            values=tuple(v[idx] for v in self.values),
            weights=self.weights[idx],
            reservation=self.reservation[idx],
            discount=None if self.discount is None else self.discount[idx],
            veto=None if self.veto is None else self.veto[idx],
            option_values=self.option_values,
            meta=dict(self.meta),
        )

    def restrict(self, keep: Any) -> AdditiveDomain:
        """The same domain with each issue's options restricted to ``keep[j]`` (bool masks or
        index arrays, one per issue). ``meta["option_index"]`` maps the new option indices
        back to this domain's."""
        idx = []
        for j, kj in enumerate(keep):
            a = np.asarray(kj)
            a = np.flatnonzero(a) if a.dtype == bool else a.astype(np.intp)
            if a.size == 0:
                raise ValueError(f"restrict: no option left on issue {self.issue_ids[j]!r}")
            idx.append(a)
        ov = self.option_values
        meta = dict(self.meta)
        meta["option_index"] = tuple(idx)
        return AdditiveDomain(
            party_ids=self.party_ids,
            issue_ids=self.issue_ids,
            options=tuple(tuple(self.options[j][int(v)] for v in a) for j, a in enumerate(idx)),
            values=tuple(self.values[j][:, a] for j, a in enumerate(idx)),
            weights=self.weights,
            reservation=self.reservation,
            discount=self.discount,
            veto=self.veto,
            option_values=None
            if ov is None
            else tuple(None if o is None else o[a] for o, a in zip(ov, idx, strict=False)),
            meta=meta,
        )
