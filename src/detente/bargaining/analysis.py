"""One entry point for the bargaining-space analysis: :func:`analyze`.

Two readings of walking away (``walkaway=``):

* ``"limits"`` (default for scenarios): a reservation point is the worst value on that issue
  the actor would still sign (the scenario schema's ``Position.reservation``). A veto player
  accepts a package only if every issue where it has a reservation point lies in its signable
  interval (:func:`~detente.bargaining.acceptable.signable_intervals`), and, where an explicit
  BATNA utility is given, only if its utility is at least that. No compensation across
  issues. The zone is computed exactly by restricting each issue's options to the values
  every veto player signs: the zone is the product of those sets (cut by the BATNA
  utilities, if any).
* ``"utility"``: the issue's item-1 reading, "the reservation utility from reservation
  points": a single walk-away utility per actor (the utility of its reservation package, or
  the BATNA), and any package worth at least that is acceptable, so a gain on one issue can
  compensate for going past a reservation point on another. GENIUS domains always use this
  reading (their profiles give a reservation *utility*).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.bargaining.acceptable import (
    Concession,
    LimitConcession,
    acceptable_mask,
    apply_limit_concession,
    blocking_issues,
    cheapest_openings,
    limit_concessions,
    limit_gaps,
    signable_intervals,
    within_limits,
)
from detente.bargaining.domain import AdditiveDomain
from detente.bargaining.frontier import Frontier, pareto_fold
from detente.bargaining.packages import issuewise_reference, logrolls
from detente.bargaining.rules import PackageRules, branch_options, veto_scope
from detente.bargaining.solutions import SOLUTION_NAMES, bargaining_solutions
from detente.bargaining.utility import domain_from_arrays, package_utility
from detente.results import Result, jsonable
from detente.scenario.arrays import ScenarioArrays

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["WALKAWAY_READINGS", "BargainingAnalysis", "Zone", "analyze"]

WALKAWAY_READINGS = ("limits", "utility")

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
MaskFn = Callable[[FloatArray], BoolArray]


def _r(x: float, nd: int = 6) -> float | None:
    x = float(x)
    return float(round(x, nd)) if np.isfinite(x) else None


def _label4(v: Any) -> str:
    """An option label as printed: a number to 4 significant digits (``91.66666677`` →
    ``91.67``), any other label as it is."""
    try:
        return f"{float(v):.4g}"
    except (TypeError, ValueError):
        return str(v)


def _utils(ids: Any, u: Any) -> dict[str, float | None]:
    return {p: _r(u[i]) for i, p in enumerate(ids)}


@dataclass(frozen=True, eq=False)
class Zone:
    """The zone of agreement as :func:`analyze` found it.

    Under the utility reading only ``nonempty`` and ``efficient`` are set; under hard limits
    the rest describe the restricted domain (the options every veto player signs).

    Attributes
    ----------
    nonempty : bool
        Whether some package is acceptable to every veto player.
    efficient : int
        Efficient packages in the zone.
    n_packages : int or None
        Packages in the zone (hard limits: the product of the signable options; ``None`` under
        the utility reading, where they are not counted).
    options : dict str -> list of str, or None
        Hard limits: per issue, the option labels every veto player signs.
    keep : tuple of (m_j,) bool arrays
        Hard limits: the same options as masks over the full domain's options.
    solutions : dict or None
        The four solutions within the zone (``None`` when it is empty).
    disagreement, ideal : (p,) float or None
        Per frontier party: its walk-away or worst utility in the zone, and its best there.
    frontier_size : int
    frontier_bound : float
        The zone's own frontier: its size and approximation bound.
    domain : AdditiveDomain or None
        The restricted domain.
    packages : (F, k) int or None
        The zone frontier's packages as option indices of the *full* domain.
    utilities : (F, n) float or None
        Every party's utility of those packages.
    mask : (F,) bool or None
        Which of them pass the BATNA utilities.
    batna_openings : tuple of Concession
        Limits met but BATNA utilities not: the minimal utility concessions (packages in the
        full domain's option indices).
    """

    nonempty: bool
    efficient: int = 0
    n_packages: int | None = None
    options: dict[str, list[str]] | None = None
    keep: tuple[BoolArray, ...] = ()
    solutions: dict[str, Any] | None = None
    disagreement: FloatArray | None = None
    ideal: FloatArray | None = None
    frontier_size: int = 0
    frontier_bound: float = 0.0
    domain: AdditiveDomain | None = None
    packages: NDArray[np.intp] | None = None
    utilities: FloatArray | None = None
    mask: BoolArray | None = None
    batna_openings: tuple[Concession, ...] = ()


@dataclass(frozen=True, eq=False)
class _Solved:
    """A frontier, its candidates and the four solutions among them (see :func:`_solve`)."""

    frontier: Frontier
    utilities: FloatArray
    mask: BoolArray
    disagreement: FloatArray
    ideal: FloatArray
    solutions: dict[str, Any]


def _everyone(U: FloatArray) -> BoolArray:
    return np.ones(U.shape[0], bool)


def _solve(
    dom: AdditiveDomain,
    sel: list[int],
    mask_fn: MaskFn,
    max_points: int | None,
    pkg_mask: Any = None,
) -> _Solved:
    """Frontier of ``dom`` over parties ``sel``, the candidates ``mask_fn(U_all)`` (and
    ``pkg_mask(packages)`` when given) and the four solutions among them. Solutions'
    utilities are reported for every party."""
    sub = dom.subset(sel)
    F = pareto_fold(sub, max_points=max_points)
    U = dom.utility(F.packages) if F.size else np.zeros((0, dom.n_parties))
    mask = mask_fn(U)
    if pkg_mask is not None and F.size:
        mask = mask & pkg_mask(F.packages)
    d = np.maximum(dom.reservation, dom.worst())[sel]
    ideal = dom.best()[sel]
    s = bargaining_solutions(F.utilities, d, ideal, mask if mask.any() else None)
    sols: dict[str, Any] = {}
    for name in SOLUTION_NAMES:
        i = s.get(name)
        sols[name] = (
            None
            if i is None
            else {
                "package": dom.labels(F.packages[i]),
                "utilities": _utils(dom.party_ids, U[i]),
                "_index": int(i),
            }
        )
    return _Solved(F, U, mask, d, ideal, sols)


def _signable_options(
    arrays: ScenarioArrays, dom: AdditiveDomain, veto: BoolArray
) -> list[BoolArray]:
    """Per issue, which of ``dom``'s options every veto player signs (where its veto binds)."""
    lo, hi = signable_intervals(arrays)
    scope = veto_scope(arrays, veto)
    keep = []
    for j in range(dom.n_issues):
        xv = np.asarray(dom.option_scale(j), float)
        tol = 1e-9 * float(arrays.span[j])
        ok = np.ones(xv.size, bool)
        for i in np.flatnonzero(veto):
            if scope[i, j] and not np.isnan(lo[i, j]):
                ok &= (xv >= lo[i, j] - tol) & (xv <= hi[i, j] + tol)
        keep.append(ok)
    return keep


def _limit_zone(
    arrays: ScenarioArrays,
    dom: AdditiveDomain,
    sel: list[int],
    max_points: int | None,
    rules: PackageRules | None = None,
) -> Zone:
    """The zone under hard limits: options every veto player signs, then the BATNA cut.

    With linked limits or declared contradictions (``rules``) the zone is the union of the
    branches of :func:`~detente.bargaining.rules.branch_options`: the options kept per issue
    are those of some branch, and frontier packages count only if admissible.
    """
    veto = np.asarray(dom.veto, bool)
    pkg_mask = None
    if rules:
        keep, pkg_mask = _rule_options(arrays, dom, veto, rules)
    else:
        keep = _signable_options(arrays, dom, veto)
    options = {
        iss: [dom.options[j][v] for v in np.flatnonzero(keep[j])]
        for j, iss in enumerate(dom.issue_ids)
    }
    if not all(k.any() for k in keep):
        return Zone(nonempty=False, efficient=0, n_packages=0, options=options, keep=tuple(keep))
    Z = dom.restrict(keep)
    vr = veto & np.isfinite(dom.reservation)

    def batna_ok(U: FloatArray) -> BoolArray:
        return np.asarray((U[:, vr] >= dom.reservation[vr] - 1e-12).all(axis=1), dtype=bool)

    zmask = None
    if pkg_mask is not None:
        zidx = Z.meta["option_index"]

        def zmask(P: NDArray[np.intp]) -> BoolArray:
            return pkg_mask(np.stack([zidx[j][P[:, j]] for j in range(Z.n_issues)], axis=1))

    res = _solve(Z, sel, batna_ok, max_points, zmask)
    idx = Z.meta["option_index"]
    # report packages by their index in the full domain
    F = res.frontier
    full_pk = np.stack([idx[j][F.packages[:, j]] for j in range(Z.n_issues)], axis=1)
    openings: tuple[Concession, ...] = ()
    if vr.any() and not res.mask.any():
        # limits met, BATNA utilities not: the utility MILP on the restricted domain
        openings = tuple(
            replace(c, package=np.array([idx[j][v] for j, v in enumerate(c.package)]))
            for c in cheapest_openings(Z)
        )
    return Zone(
        nonempty=bool(res.mask.any()),
        efficient=int(res.mask.sum()),
        n_packages=int(np.prod([int(k.sum()) for k in keep], dtype=object)),
        options=options,
        keep=tuple(keep),
        solutions=res.solutions if res.mask.any() else None,
        disagreement=res.disagreement,
        ideal=res.ideal,
        frontier_size=F.size,
        frontier_bound=F.bound,
        domain=Z,
        packages=full_pk,
        utilities=res.utilities,
        mask=res.mask,
        batna_openings=openings,
    )


def _rule_options(
    arrays: ScenarioArrays, dom: AdditiveDomain, veto: BoolArray, rules: PackageRules
) -> tuple[list[BoolArray], Any]:
    """Per issue, the options of some admissible branch; and a mask of admissible packages
    (option indices of ``dom``)."""
    scope = veto_scope(arrays, veto)
    keep = [np.zeros(len(dom.options[j]), bool) for j in range(dom.n_issues)]
    for masks in branch_options(arrays, dom, scope, rules):
        for j, m in enumerate(masks):
            keep[j] |= m

    def admissible(P: NDArray[np.intp]) -> BoolArray:
        x = np.stack(
            [np.asarray(dom.option_scale(j), float)[P[:, j]] for j in range(dom.n_issues)],
            axis=1,
        )
        return rules.admissible(arrays, x, scope)

    return keep, admissible


@dataclass(eq=False, repr=False)
class BargainingAnalysis(Result):
    """Result of :func:`analyze` (see ``docs/explanation/bargaining-space.md``).

    ``frontier`` is computed over ``parties`` (by default the veto players when there are at
    least two); ``frontier_utilities`` gives every party's utility at those packages.
    ``issue_scales`` holds each issue's scale ends ``(lo, hi)`` for a scenario (``None`` for a
    GENIUS domain, whose options are labels).
    """

    domain: AdditiveDomain
    parties: tuple[str, ...]
    walkaway: str
    frontier: Frontier
    frontier_utilities: FloatArray
    in_zone: BoolArray
    zone: Zone
    solutions: dict[str, Any]
    restricted_to_zone: bool
    limits: list[dict[str, Any]] = field(default_factory=list)
    reservation_points: list[dict[str, Any]] = field(default_factory=list)
    concessions: list[tuple[str, LimitConcession | None]] = field(default_factory=list)
    opened: dict[str, Any] | None = None
    openings: list[Concession] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    forecast: dict[str, Any] | None = None
    trades: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issue_scales: tuple[tuple[float, float], ...] | None = None

    # ------------------------------------------------------------ accessors
    @property
    def zone_nonempty(self) -> bool:
        """Whether some package is acceptable to every veto player."""
        return bool(self.zone.nonempty)

    @staticmethod
    def _sols(s: dict[str, Any] | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            k: (None if v is None else {a: b for a, b in v.items() if not a.startswith("_")})
            for k, v in s.items()
        }

    @staticmethod
    def _conc(c: LimitConcession | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {
            "allowed": list(c.allowed),
            "objective": c.objective,
            "cost": _r(c.cost),
            "cost_by_actor": {a: _r(x) for a, x in c.by_actor().items()},
            "meeting": {k: _r(v) for k, v in c.meeting.items()},
            "moves": [
                {k: (_r(v) if isinstance(v, float) else v) for k, v in m.items()} for m in c.moves
            ],
        }

    def _zone_dict(self, z: Zone) -> dict[str, Any]:
        out: dict[str, Any] = {"nonempty": bool(z.nonempty)}
        if z.n_packages is not None:
            out["packages"] = z.n_packages
        out["efficient_packages"] = int(z.efficient)
        if z.options is not None:
            out["options"] = z.options
        if z.disagreement is not None:
            ids = self.parties
            out["disagreement"] = _utils(ids, z.disagreement)
            out["ideal"] = _utils(ids, z.ideal)
        out["solutions"] = self._sols(z.solutions)
        return out

    def _openings_list(self) -> list[dict[str, Any]]:
        d = self.domain
        return [
            {
                "allowed": list(c.allowed),
                "delta": {k: _r(v) for k, v in c.delta.items()},
                "total": _r(c.total),
                "package": d.labels(c.package),
                "utilities": _utils(d.party_ids, c.utilities),
                "issue_loss": {
                    a: {i: _r(x) for i, x in v.items()} for a, v in c.issue_loss.items()
                },
            }
            for c in self.openings
        ]

    def _frontier_list(self) -> list[dict[str, Any]]:
        d, F = self.domain, self.frontier
        return [
            {
                "package": d.labels(F.packages[i]),
                "utilities": _utils(d.party_ids, self.frontier_utilities[i]),
                "in_zone": bool(self.in_zone[i]),
            }
            for i in range(F.size)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; ``frontier`` has one entry per Pareto-efficient package."""
        d = self.domain
        F = self.frontier
        n_out = d.n_outcomes
        out = {
            "source": str(d.meta.get("source", "")),
            "walkaway": self.walkaway,
            "parties": list(d.party_ids),
            "frontier_parties": list(self.parties),
            "veto": [p for p, v in zip(d.party_ids, d.veto_mask, strict=True) if v],
            "issues": list(d.issue_ids),
            "n_outcomes": int(n_out) if n_out < 2**63 else str(n_out),
            "walkaway_utility": _utils(d.party_ids, d.reservation),
            "walkaway_basis": d.meta.get("walkaway_basis"),
            "reservation_points": self.reservation_points,
            "limits": self.limits,
            "zone": self._zone_dict(self.zone),
            "blocking_issues": list(self.blocking),
            "concessions": [
                {"who": who, **(self._conc(c) or {"infeasible": True})}
                for who, c in self.concessions
            ],
            "opened_zone": None
            if self.opened is None
            else {"by": self.opened["by"], **self._zone_dict(self.opened["zone"])},
            "openings": self._openings_list(),
            "frontier_size": F.size,
            "frontier_bound": F.bound,
            "grid_bound": d.meta.get("grid_bound"),
            "solutions_restricted_to_zone": self.restricted_to_zone,
            "solutions": self._sols(self.solutions),
            "forecast": self.forecast,
            "logrolls": self.trades,
            "notes": list(self.notes),
            "frontier": self._frontier_list(),
        }
        return dict(jsonable(out))

    def to_df(self) -> pd.DataFrame:
        """The frontier as a tidy table: one row per efficient package (options, utilities)."""
        import pandas as pd

        d, F = self.domain, self.frontier
        cols: dict[str, Any] = {
            iss: [d.options[j][int(v)] for v in F.packages[:, j]]
            for j, iss in enumerate(d.issue_ids)
        }
        for i, p in enumerate(d.party_ids):
            cols[f"u_{p}"] = self.frontier_utilities[:, i]
        cols["in_zone"] = self.in_zone
        return pd.DataFrame(cols)

    # ------------------------------------------------------------- summary
    @staticmethod
    def _sol_lines(d: AdditiveDomain, sols: dict[str, Any] | None) -> list[str]:
        lines = []
        for name in SOLUTION_NAMES:
            s = None if sols is None else sols.get(name)
            if s is None:
                lines.append(f"  {name}: none")
                continue
            u = ", ".join(f"{p} {x:.3f}" for p, x in s["utilities"].items())
            pk = "; ".join(f"{k}={_label4(v)}" for k, v in s["package"].items())
            lines.append(f"  {name}: [{u}]\n      {pk}")
        return lines

    @staticmethod
    def _conc_lines(who: str, c: LimitConcession | None) -> list[str]:
        title = "joint (every veto player may move)" if who == "joint" else f"{who} alone"
        if c is None:
            return [f"  {title}: impossible (the others' limits do not meet)"]
        out = [f"  {title}: cost {c.cost:.1f} (points moved, weighted by salience)"]
        for m in c.moves:
            out.append(
                f"    {m['actor']} moves its reservation point on {m['issue']} from "
                f"{m['from']:g} to {m['to']:.4g} ({m['units']:.4g} units, salience "
                f"{m['salience']:.2f})"
            )
        if c.meeting:
            out.append("    meeting at: " + ", ".join(f"{k}={v:.3g}" for k, v in c.meeting.items()))
        return out

    def _walkaway_line(self) -> str:
        d = self.domain
        if self.walkaway != "limits":
            return "walk-away: utility threshold: " + ", ".join(
                f"{p} {d.reservation[i]:.3f}" for i, p in enumerate(d.party_ids)
            )
        batna = ""
        if np.isfinite(d.reservation).any():
            batna = "; BATNA utility " + ", ".join(
                f"{p} {d.reservation[i]:.3f}"
                for i, p in enumerate(d.party_ids)
                if np.isfinite(d.reservation[i])
            )
        return "walk-away: hard per-issue limits (reservation points)" + batna

    def _head_lines(self) -> list[str]:
        d, F = self.domain, self.frontier
        veto = [p for p, v in zip(d.party_ids, d.veto_mask, strict=True) if v]
        return [
            f"Bargaining space: {len(d.party_ids)} parties, {d.n_issues} issues, "
            f"{d.n_outcomes:,} packages",
            f"veto players: {', '.join(veto) or 'none'}",
            self._walkaway_line(),
            f"frontier over {', '.join(self.parties)}: {F.size} efficient packages"
            + ("" if F.exact else f" (approximate, bound {F.bound:.4f})"),
        ]

    def _limit_lines(self) -> list[str]:
        if not self.limits:
            return []
        lines = ["limits of the veto players per issue (signable values):"]
        for g in self.limits:
            lim = "; ".join(f"{a} [{lo:g}, {hi:g}]" for a, (lo, hi) in g["limits"].items())
            st = (
                f"BLOCKED: {g['low_side']} needs >= {g['lo']:g}, {g['high_side']} signs "
                f"<= {g['hi']:g}, gap {g['gap']:g}"
                if g["blocked"]
                else f"all sign [{g['lo']:g}, {g['hi']:g}]"
            )
            lines.append(f"  {g['issue']}: {lim} -> {st}")
        return lines

    def _zone_lines(self) -> list[str]:
        if self.zone_nonempty:
            z = self.zone
            counts = [f"{z.n_packages:,} packages"] if z.n_packages is not None else []
            counts.append(f"{z.efficient} efficient")
            return ["zone of agreement: NON-EMPTY (" + "; ".join(counts) + ")"]
        lines = ["zone of agreement: EMPTY"]
        if self.blocking:
            lines.append("  blocking issues: " + ", ".join(self.blocking))
        return lines

    def _opening_lines(self) -> list[str]:
        lines = []
        if self.concessions:
            lines.append(
                "minimal concessions that open a zone (reservation points moved, issue units):"
            )
            for who, c in self.concessions:
                lines.extend(self._conc_lines(who, c))
        for oc in self.openings:
            who = ", ".join(f"{k} {v:.3f}" for k, v in oc.delta.items() if v > 1e-9)
            lines.append(
                f"  utility opening (may concede: {', '.join(oc.allowed)}): total "
                f"{oc.total:.3f} — {who or 'nobody'}"
            )
        return lines

    def _solution_lines(self) -> list[str]:
        d = self.domain
        lines = []
        if self.zone_nonempty or self.walkaway == "utility":
            lines.append("solutions" + (" (within the zone):" if self.restricted_to_zone else ":"))
            lines.extend(self._sol_lines(d, self.solutions))
        if self.opened is not None:
            z: Zone = self.opened["zone"]
            lines.append(
                f"zone opened by the {self.opened['by']} concession: "
                + (
                    f"{z.n_packages:,} packages, {z.efficient} efficient"
                    if z.nonempty
                    else "still empty (BATNA utilities)"
                )
            )
            lines.append("solutions within the opened zone:")
            lines.extend(self._sol_lines(d, z.solutions))
        return lines

    def _reference_lines(self) -> list[str]:
        lines = []
        if self.forecast is not None:
            fc = self.forecast
            lines.append(
                f"compromise forecast: uniform gain available {fc['uniform_gain']:.4f}; "
                f"signable by every veto player: {fc['acceptable_to_all_veto']}"
            )
        if self.trades:
            lines.append("logrolls:")
            for t in self.trades[:5]:
                a, b = t["parties"]
                lines.append(
                    f"  {a} gets {t['issues'][0]}, {b} gets {t['issues'][1]} "
                    f"({t['options']}): {a} +{t['gains'][a]:.3f}, "
                    f"{b} +{t['gains'][b]:.3f}"
                )
        return lines

    def summary(self) -> str:
        """A plain-text report.

        Sections: the space (parties, issues, veto players, walk-away reading, frontier);
        the veto players' limits per issue; the zone of agreement; the concessions that
        would open it; the solutions (within the zone, or the zone a concession opens); the
        compromise forecast and the logrolls; the notes.
        """
        lines = [
            *self._head_lines(),
            *self._limit_lines(),
            *self._zone_lines(),
            *self._opening_lines(),
            *self._solution_lines(),
            *self._reference_lines(),
        ]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    # ------------------------------------------------------------------ plots
    def plot(self, ax: Axes | None = None) -> Axes:
        """The analysis's most telling chart.

        For a scenario whose veto players have reservation points, what each would sign on
        each issue (:meth:`plot_limits`); otherwise (a GENIUS domain, or no reservation
        points) the utility plane of the first two frontier parties (:meth:`plot_plane`).
        """
        if self.limits and self.issue_scales is not None:
            return self.plot_limits(ax)
        return self.plot_plane(ax)

    def plot_limits(
        self,
        ax: Axes | None = None,
        *,
        issue_names: dict[str, str] | None = None,
        unit: str | None = None,
    ) -> Axes:
        """Each veto player's signable range on every issue where one has a reservation point.

        One row per such issue, top to bottom in the scenario's order. Per veto player a
        thick horizontal segment from the lowest to the highest value it would sign
        (``gid="limit:<actor>:<issue>"``), with a dot at its own position; a green band where
        every veto player signs, a red hatched band over the gap where no value is signed by
        all (a blocked issue), labelled with its width. Issues sharing one scale are drawn in
        its units (the axis spans the scale); otherwise each row is drawn as a percentage of
        its own scale, whose ends are written beside the issue's name.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        issue_names : dict issue id -> name, optional
            Row labels (default: the issue ids).
        unit : str, optional
            The scale's unit, added to the axis label.
        """
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        if ax is None:
            _, ax = plt.subplots(figsize=(8.5, 1.6 + 0.55 * max(len(self.limits), 1)))
        if not self.limits or self.issue_scales is None:
            ax.text(
                0.5,
                0.5,
                "no veto player has a reservation point",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return ax
        rows = [g["issue"] for g in self.limits]
        scales = [self.issue_scales[self.domain.issue_ids.index(i)] for i in rows]
        common = all(s == scales[0] for s in scales)
        for y, (g, (lo, hi)) in enumerate(zip(self.limits, scales, strict=True)):
            self._draw_limit_row(ax, y, g, lo, hi, common)
        names = issue_names or {}
        ax.set_yticks(
            range(len(rows)),
            [
                names.get(i, i) + ("" if common else f" ({lo:g}–{hi:g})")
                for i, (lo, hi) in zip(rows, scales, strict=True)
            ],
            fontsize=8,
        )
        ax.set_ylim(len(rows) - 0.4, -0.6)
        lo0, hi0 = scales[0] if common else (0.0, 100.0)
        ax.set_xlim(lo0, hi0)
        ax.set_xlabel(
            (f"value on the issue scale ({lo0:g}–{hi0:g})" if common else "% of each issue's scale")
            + (f", {unit}" if unit else "")
        )
        ax.set_title(self._limits_title(), fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        fig = ax.get_figure()
        if isinstance(fig, Figure) and len(fig.axes) == 1:
            fig.tight_layout()
        return ax

    def _limits_title(self) -> str:
        if self.zone_nonempty:
            return "What each veto player would sign: a zone of agreement exists"
        if self.blocking:
            return f"What each veto player would sign: blocked on {', '.join(self.blocking)}"
        return "What each veto player would sign: zone of agreement empty"

    def _draw_limit_row(
        self, ax: Axes, y: int, g: dict[str, Any], lo: float, hi: float, common: bool
    ) -> None:
        """One issue's row of :meth:`plot_limits`."""
        import matplotlib.pyplot as plt

        def x(v: float) -> float:
            return v if common else 100.0 * (v - lo) / (hi - lo)

        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        veto = [p for p, v in zip(self.domain.party_ids, self.domain.veto_mask, strict=True) if v]
        pos = {(r["actor"], r["issue"]): r["position"] for r in self.reservation_points}
        seen = (
            {t.get_label() for t in ax.get_lines()}
            | {p.get_label() for p in ax.patches}
            | {c.get_label() for c in ax.containers}  # barh labels its container
        )
        actors = list(g["limits"])
        offsets = np.linspace(-0.25, 0.25, len(actors)) if len(actors) > 1 else [0.0]
        for a, off in zip(actors, offsets, strict=True):
            c = colours[veto.index(a) % len(colours)] if a in veto else "0.4"
            a_lo, a_hi = g["limits"][a]
            ax.plot(
                [x(a_lo), x(a_hi)],
                [y + off] * 2,
                color=c,
                lw=4,
                solid_capstyle="butt",
                gid=f"limit:{a}:{g['issue']}",
                label="_nolegend_" if a in seen else a,
            )
            seen.add(a)
            if (a, g["issue"]) in pos:
                ax.plot(
                    [x(pos[(a, g["issue"])])],
                    [y + off],
                    "o",
                    color=c,
                    mec="k",
                    ms=5,
                    label="_nolegend_" if "own position" in seen else "own position",
                )
                seen.add("own position")
        if g["blocked"]:
            lab = "gap: no value all sign"
            ax.barh(
                y,
                x(g["lo"]) - x(g["hi"]),
                left=x(g["hi"]),
                height=0.8,
                color="tab:red",
                alpha=0.15,
                hatch="//",
                label="_nolegend_" if lab in seen else lab,
            )
            ax.annotate(
                f"gap {g['gap']:g}",
                (x((g["lo"] + g["hi"]) / 2), y - 0.42),
                ha="center",
                va="bottom",
                fontsize=7,
                color="tab:red",
            )
        else:
            lab = "every veto player signs"
            ax.barh(
                y,
                x(g["hi"]) - x(g["lo"]),
                left=x(g["lo"]),
                height=0.8,
                color="tab:green",
                alpha=0.15,
                label="_nolegend_" if lab in seen else lab,
            )

    def plot_plane(self, ax: Axes | None = None, actors: Any = None) -> Axes:
        """Utility plane of two parties: frontier, walk-aways, solutions."""
        import matplotlib.pyplot as plt

        from detente.bargaining.frontier import nondominated

        d = self.domain
        if actors is None:
            actors = tuple((list(self.parties) + list(d.party_ids))[:2])
        a, b = (d.party_ids.index(x) for x in actors)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        u = self.frontier_utilities
        ax.scatter(
            u[:, a],
            u[:, b],
            s=6,
            c=np.where(self.in_zone, "tab:green", "0.6"),
            label="efficient packages (green: in zone)",
        )
        if u.shape[0]:
            nd = nondominated(u[:, [a, b]])
            o = nd[np.argsort(u[nd, a])]
            ax.plot(
                u[o, a],
                u[o, b],
                "-",
                color="tab:blue",
                lw=1,
                label=f"frontier {actors[0]}–{actors[1]}",
            )
        for val, fn in ((d.reservation[a], ax.axvline), (d.reservation[b], ax.axhline)):
            if np.isfinite(val):
                fn(val, ls="--", color="tab:red", lw=1)
        marks = {"nash": "*", "kalai_smorodinsky": "D", "egalitarian": "s", "utilitarian": "^"}
        zs = self.solutions if self.zone_nonempty or self.walkaway == "utility" else None
        if zs is None and self.opened is not None:
            zs = self.opened["zone"].solutions
        for name, mk in marks.items():
            s = None if zs is None else zs.get(name)
            if s is not None:
                ua, ub = s["utilities"][actors[0]], s["utilities"][actors[1]]
                ax.scatter([ua], [ub], marker=mk, s=80, zorder=5, label=name)
        if self.forecast is not None:
            fu = self.forecast["utilities"]
            ax.scatter(
                [fu[actors[0]]],
                [fu[actors[1]]],
                marker="x",
                s=80,
                c="k",
                label="compromise forecast",
            )
        ax.set_xlabel(f"utility of {actors[0]}")
        ax.set_ylabel(f"utility of {actors[1]}")
        ax.legend(fontsize=7)
        return ax

    def plot_concessions(self, ax: Axes | None = None) -> Axes:
        """Bars: issue units each veto player moves its reservation points, per opening."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        concs = [(w, c) for w, c in self.concessions if c is not None and c.moves]
        if not concs:
            ax.text(
                0.5,
                0.5,
                "zone of agreement non-empty: no concession needed"
                if self.zone_nonempty
                else "no opening found",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return ax
        keys = sorted({(m["actor"], m["issue"]) for _, c in concs for m in c.moves})
        width = 0.8 / len(concs)
        x = np.arange(len(keys))
        for o, (who, c) in enumerate(concs):
            mv = {(m["actor"], m["issue"]): m["units"] for m in c.moves}
            ax.bar(
                x + o * width,
                [mv.get(k, 0.0) for k in keys],
                width,
                label="joint" if who == "joint" else f"{who} alone",
            )
        ax.set_xticks(x + width * (len(concs) - 1) / 2, [f"{a}\n{i}" for a, i in keys], fontsize=7)
        ax.set_ylabel("reservation point moved (issue units)")
        ax.legend(fontsize=7)
        return ax


def _select(ids: tuple[str, ...], veto: np.ndarray, actors: Any) -> list[int]:
    if actors is None:
        v = list(np.flatnonzero(veto))
        return [int(i) for i in v] if len(v) >= 2 else list(range(len(ids)))
    if isinstance(actors, str):
        actors = [actors]
    actors = list(actors)
    if actors == ["all"]:
        return list(range(len(ids)))
    missing = [a for a in actors if a not in ids]
    if missing:
        raise ValueError(f"unknown actor(s) {missing}; allowed: {list(ids)} or 'all'")
    return [ids.index(a) for a in actors]


def _thinning_cap(max_points: int | str | None, n_parties: int) -> int | None:
    """The frontier's point cap: ``"auto"`` is exact up to three parties, 2000 beyond."""
    if max_points == "auto":
        return None if n_parties <= 3 else 2000
    if isinstance(max_points, str):
        raise ValueError(f"max_points {max_points!r} unknown; allowed: an integer, None or 'auto'")
    return max_points


def _read_source(source: Any) -> ScenarioArrays | AdditiveDomain:
    """A scenario's arrays, or a ready domain (a GENIUS folder is read here)."""
    if isinstance(source, (str, Path)):
        from detente.bargaining.genius import read_genius_folder

        return read_genius_folder(source)
    if isinstance(source, (ScenarioArrays, AdditiveDomain)):
        return source
    raise TypeError(
        f"analyze: source must be a GENIUS folder, ScenarioArrays or "
        f"AdditiveDomain, not {type(source).__name__}"
    )


def _frontier_notes(
    domain: AdditiveDomain, parties: tuple[str, ...], F: Frontier, mp: int | None
) -> list[str]:
    notes = []
    if not F.exact:
        notes.append(
            f"frontier over {', '.join(parties)} thinned to at most {mp} points; every "
            f"package is within {F.bound:.4f} utility of a listed one"
        )
    gb = domain.meta.get("grid_bound")
    if gb is not None:
        notes.append(
            "continuous issues discretised; grid bound per party: "
            + ", ".join(f"{p} {b:.4f}" for p, b in zip(domain.party_ids, gb, strict=True))
        )
    return notes


@dataclass
class _Reading:
    """What one reading of walking away says about the zone (see :func:`analyze`, step 4-5)."""

    in_zone: BoolArray
    zone: Zone
    solutions: dict[str, Any]
    restricted: bool
    limits: list[dict[str, Any]] = field(default_factory=list)
    reservation_points: list[dict[str, Any]] = field(default_factory=list)
    concessions: list[tuple[str, LimitConcession | None]] = field(default_factory=list)
    opened: dict[str, Any] | None = None
    openings: list[Concession] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _reservation_points(arrays: ScenarioArrays, veto: BoolArray) -> list[dict[str, Any]]:
    """Every veto player's reservation points (where its veto binds), with its position and
    signable interval."""
    lo, hi = signable_intervals(arrays)
    scope = veto_scope(arrays, veto)
    out = []
    for i in np.flatnonzero(veto):
        for j in range(arrays.n_issues):
            if scope[i, j] and not np.isnan(lo[i, j]):
                out.append(
                    {
                        "actor": arrays.actor_ids[i],
                        "issue": arrays.issue_ids[j],
                        "reservation": float(arrays.reservation[i, j]),
                        "position": float(arrays.position[i, j]),
                        "signable": [float(lo[i, j]), float(hi[i, j])],
                        "salience": float(arrays.salience[i, j]),
                    }
                )
    return out


def _frontier_within_limits(
    arrays: ScenarioArrays,
    domain: AdditiveDomain,
    F: Frontier,
    U_all: FloatArray,
    rules: PackageRules | None = None,
) -> BoolArray:
    """Which frontier packages every veto player signs (limits where its veto binds, linked
    limits, declared contradictions, BATNA utilities)."""
    veto = np.asarray(domain.veto, bool)
    scope = veto_scope(arrays, veto)
    if F.size:
        x = np.stack(
            [np.asarray(domain.option_scale(j))[F.packages[:, j]] for j in range(domain.n_issues)],
            axis=1,
        )
        if rules:
            ok_lim = rules.admissible(arrays, x, scope)
        else:
            ok_lim = np.asarray(within_limits(arrays, x, scope=scope)[:, veto].all(axis=1))
    else:
        ok_lim = np.zeros(0, bool)
    vr = veto & np.isfinite(domain.reservation)
    return np.asarray(ok_lim & (U_all[:, vr] >= domain.reservation[vr] - 1e-12).all(axis=1))


def _limit_openings(
    arrays: ScenarioArrays,
    veto: BoolArray,
    sel: list[int],
    mp: int | None,
    objective: str,
    domain_options: dict[str, Any],
) -> tuple[list[tuple[str, LimitConcession | None]], dict[str, Any] | None]:
    """The joint and solo minimal moves of reservation points, and the zone the joint one
    opens (with its own domain, the meeting values added to the options)."""
    concessions: list[tuple[str, LimitConcession | None]] = [
        ("joint", limit_concessions(arrays, objective=objective))
    ]
    lo, _ = signable_intervals(arrays)
    has_limit = (veto_scope(arrays, veto) & ~np.isnan(lo)).any(axis=1)
    for i in np.flatnonzero(veto & has_limit):  # a veto player without limits has none to move
        a = arrays.actor_ids[i]
        concessions.append((a, limit_concessions(arrays, allowed=[a], objective=objective)))
    joint = concessions[0][1]
    if joint is None:
        return concessions, None
    arr2 = apply_limit_concession(arrays, joint)
    dom2 = domain_from_arrays(
        arr2, **domain_options, extra_values={k: [v] for k, v in joint.meeting.items()}
    )
    opened = {"by": "joint", "zone": _limit_zone(arr2, dom2, sel, mp), "concession": joint}
    return concessions, opened


def _read_limits(
    arrays: ScenarioArrays,
    domain: AdditiveDomain,
    sel: list[int],
    mp: int | None,
    base: _Solved,
    objective: str,
    domain_options: dict[str, Any],
    rules: PackageRules | None = None,
) -> _Reading:
    """Hard limits: the gaps, the zone on the restricted domain, and what would open it."""
    veto = np.asarray(domain.veto, bool)
    limits = limit_gaps(arrays)
    rpoints = _reservation_points(arrays, veto)
    notes = []
    if not rpoints:
        notes.append(
            "no veto player has a reservation point: under hard limits every package is "
            "signable (give BATNA utilities, or use walkaway='utility' with a status quo)"
        )
    zone = _limit_zone(arrays, domain, sel, mp, rules)
    in_zone = _frontier_within_limits(arrays, domain, base.frontier, base.utilities, rules)
    if rules:
        notes += [f"{n} (the zone respects it)" for n in rules.names]
    blocking = [g["issue"] for g in limits if g["blocked"]]
    concessions: list[tuple[str, LimitConcession | None]] = []
    opened = None
    if not zone.nonempty and blocking:
        concessions, opened = _limit_openings(arrays, veto, sel, mp, objective, domain_options)
    restricted = bool(zone.nonempty)
    sols = (zone.solutions or base.solutions) if restricted else base.solutions
    return _Reading(
        in_zone=in_zone,
        zone=zone,
        solutions=sols,
        restricted=restricted,
        limits=limits,
        reservation_points=rpoints,
        concessions=concessions,
        opened=opened,
        openings=list(zone.batna_openings),
        blocking=blocking,
        notes=notes,
    )


def _read_utility(
    domain: AdditiveDomain, sel: list[int], mp: int | None, base: _Solved
) -> _Reading:
    """Utility thresholds: the zone among the frontier's packages, else the cheapest utility
    concessions (MILP) and the blocking issues."""
    veto = np.asarray(domain.veto, bool)
    in_zone = acceptable_mask(base.utilities, domain.reservation, veto)
    zone = Zone(nonempty=bool(in_zone.any()), efficient=int(in_zone.sum()))
    reading = _Reading(
        in_zone=np.asarray(in_zone, bool),
        zone=zone,
        solutions=base.solutions,
        restricted=bool(in_zone.any()),
    )
    if reading.restricted:

        def acceptable(U: FloatArray) -> BoolArray:
            return acceptable_mask(U, domain.reservation, veto)

        reading.solutions = _solve(domain, sel, acceptable, mp).solutions
    else:
        reading.openings = cheapest_openings(domain)
        reading.blocking = blocking_issues(domain)
    if "none" in (domain.meta.get("walkaway_basis") or []):
        reading.notes.append(
            "no BATNA, reservation point or status quo given for some actors: their "
            "walk-away utility is 0 (they accept any package)"
        )
    return reading


def _compromise_reference(
    arrays: ScenarioArrays,
    domain: AdditiveDomain,
    F: Frontier,
    sel: list[int],
    mode: str,
    shape: str,
    risk: Any,
) -> tuple[dict[str, Any], NDArray[np.intp]]:
    """The compromise model's forecast as a package: its utilities, whether every veto
    player signs it, the largest uniform gain a frontier package offers over it; and the
    nearest option per issue (the logrolls' reference)."""
    from detente.models.compromise import run as compromise

    veto = np.asarray(domain.veto, bool)
    fc = np.asarray(compromise(arrays).forecast, float)
    fc = np.where(np.isnan(fc), (arrays.lo + arrays.hi) / 2, fc)
    uc = package_utility(arrays, fc, shape=shape, risk=risk)
    gains = (F.utilities - uc[sel]).min(axis=1)
    best = int(np.argmax(gains))
    if mode == "limits":
        vr = veto & np.isfinite(domain.reservation)
        signs = bool(
            within_limits(arrays, fc, scope=veto_scope(arrays, veto))[veto].all()
        ) and bool((uc[vr] >= domain.reservation[vr]).all())
    else:
        signs = bool(acceptable_mask(uc, domain.reservation, veto))
    forecast = {
        "model": "compromise",
        "package": {iss: _r(fc[j], 4) for j, iss in enumerate(arrays.issue_ids)},
        "utilities": _utils(domain.party_ids, uc),
        "uniform_gain": _r(max(0.0, float(gains[best]))),
        "gain_over": [domain.party_ids[i] for i in sel],
        "dominating_package": domain.labels(F.packages[best]) if gains[best] > 0 else None,
        "acceptable_to_all_veto": signs,
    }
    ref = np.array(
        [
            int(np.argmin(np.abs(np.asarray(domain.option_scale(j)) - fc[j])))
            for j in range(domain.n_issues)
        ],
        dtype=np.intp,
    )
    return forecast, ref


def analyze(  # long: the docstring documents every step and option; the body is ~40 lines
    source: Any,
    *,
    actors: Any = None,
    walkaway: str = "limits",
    shape: str = "linear",
    risk: Any = 0.0,
    batna: Any = None,
    grid: int = 21,
    options: dict[str, Any] | None = None,
    max_points: int | str | None = "auto",
    top_logrolls: int = 10,
    objective: str = "balanced",
    rules: PackageRules | None = None,
) -> BargainingAnalysis:
    """Acceptable sets, zone of agreement, frontier, solutions, concessions and logrolls.

    Steps
    -----
    0. The cost: peak memory and time are estimated from the sizes
       (:func:`~detente.bargaining.estimate_cost`) and a run that would not fit in memory is
       refused (:class:`~detente.scenario.errors.TooCostlyError`, naming the sizes and the
       option that makes it smaller) before any work.
    1. Build the discrete additive domain: a GENIUS folder is read as is; a
       :class:`ScenarioArrays` is discretised (:func:`domain_from_arrays`; loss ``shape``,
       risk attitudes, explicit ``batna`` utilities, ``grid`` points per issue plus every
       position, reservation point and limit).
    2. Parties of the frontier: ``actors`` (ids, or ``"all"``); by default the veto players
       when there are at least two, else everyone. Other parties' utilities are reported at
       the frontier's packages.
    3. Frontier by the exact issue-wise fold; intermediate sets above ``max_points`` are
       ε-thinned (bound reported). ``"auto"``: exact for up to three frontier parties,
       2000 points otherwise.
    4. The zone. ``walkaway="limits"`` (scenarios, default): per issue, the options every veto
       player signs (its signable interval from its reservation point); the zone is their
       product, cut by the BATNA utilities where given; its own frontier and the four
       solutions are computed on that restricted domain (disagreement point = each party's
       BATNA or its worst utility in the zone; ideal = its best in the zone).
       ``walkaway="utility"`` (and GENIUS): packages with ``u_i >= r_i`` for every veto player,
       solutions among the frontier's packages in the zone.
    5. If the zone is empty. Limits: the blocking issues and gaps
       (:func:`~detente.bargaining.acceptable.limit_gaps`); the minimal moves of reservation
       points, jointly and for each veto player alone
       (:func:`~detente.bargaining.acceptable.limit_concessions`, ``objective``); the zone the
       joint concession opens, with its solutions. Utility: the joint and solo minimal
       utility concessions (MILP) and blocking issues.
    6. Scenarios: the compromise model's forecast, its utilities, whether every veto player
       signs it, and the largest uniform gain a frontier package offers over it (0 = on the
       frontier); logrolls from it. GENIUS domains: logrolls from the issue-by-issue
       reference.

    Per-issue vetoes, linked limits and declared contradictions (issue 13): a veto player's
    limits constrain the zone only on the issues its veto covers (``veto_issues``); with
    ``rules`` (:class:`~detente.bargaining.rules.PackageRules`; taken from the scenario's
    ``process`` block when ``source`` is a :class:`~detente.scenario.schema.Scenario`) the
    zone under hard limits is the union of the rules' branches and never holds a package a
    linked limit forbids or the scenario declares infeasible.

    Raises
    ------
    TooCostlyError
        When the estimated memory exceeds what the machine can spare (step 0).
    """
    source, rules = _scenario_rules(source, rules)
    if walkaway not in WALKAWAY_READINGS:
        raise ValueError(f"walkaway {walkaway!r} unknown; allowed: {', '.join(WALKAWAY_READINGS)}")
    domain_options: dict[str, Any] = {
        "shape": shape,
        "risk": risk,
        "batna": batna,
        "grid": grid,
        "options": options,
        "walkaway": walkaway,
    }
    arrays, domain, sel, mp = _prepare(source, actors, max_points, top_logrolls, domain_options)
    parties = tuple(domain.party_ids[i] for i in sel)
    base = _solve(domain, sel, _everyone, mp)
    notes = _frontier_notes(domain, parties, base.frontier, mp)
    if arrays is not None and walkaway == "limits":
        reading = _read_limits(arrays, domain, sel, mp, base, objective, domain_options, rules)
    else:
        reading = _read_utility(domain, sel, mp, base)
    forecast, trades = _package_deals(
        arrays, domain, base.frontier, sel, domain_options, top_logrolls
    )
    return BargainingAnalysis(
        domain=domain,
        parties=parties,
        walkaway=walkaway if arrays is not None else "utility",
        frontier=base.frontier,
        frontier_utilities=base.utilities,
        in_zone=np.asarray(reading.in_zone, bool),
        zone=reading.zone,
        solutions=reading.solutions,
        restricted_to_zone=reading.restricted,
        limits=reading.limits,
        reservation_points=reading.reservation_points,
        concessions=reading.concessions,
        opened=reading.opened,
        openings=reading.openings,
        blocking=reading.blocking,
        forecast=forecast,
        trades=trades,
        notes=notes + reading.notes,
        issue_scales=_scales(arrays),
    )


def _scenario_rules(source: Any, rules: PackageRules | None) -> tuple[Any, PackageRules | None]:
    """A Scenario source becomes its arrays and (unless ``rules`` is given) its rules."""
    from detente.scenario.schema import Scenario

    if isinstance(source, Scenario):
        arrays = source.to_arrays()
        return arrays, (PackageRules.from_scenario(source, arrays) if rules is None else rules)
    return source, rules


def _scales(arrays: ScenarioArrays | None) -> tuple[tuple[float, float], ...] | None:
    if arrays is None:
        return None
    return tuple((float(a), float(b)) for a, b in zip(arrays.lo, arrays.hi, strict=True))


def _package_deals(
    arrays: ScenarioArrays | None,
    domain: AdditiveDomain,
    F: Frontier,
    sel: list[int],
    domain_options: dict[str, Any],
    top: int,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Step 6 of :func:`analyze`: the compromise reference (scenarios) or the issue-by-issue
    one (GENIUS), and the logrolls from it."""
    forecast: dict[str, Any] | None = None
    if arrays is not None:
        o = domain_options
        forecast, ref = _compromise_reference(
            arrays, domain, F, sel, o["walkaway"], o["shape"], o["risk"]
        )
    else:
        ref = issuewise_reference(domain)
    return forecast, (logrolls(domain, ref, top=top) if domain.n_parties >= 2 else [])


def _prepare(
    source: Any,
    actors: Any,
    max_points: int | str | None,
    top_logrolls: int,
    domain_options: dict[str, Any],
) -> tuple[ScenarioArrays | None, AdditiveDomain, list[int], int | None]:
    """Steps 0-2 of :func:`analyze`: read the source, choose the frontier's parties and its
    point cap, refuse a run that would not fit in memory, then build the domain."""
    from detente.bargaining.cost import frontier_sizes
    from detente.resources import check

    src = _read_source(source)
    sel, mp, sizes = frontier_sizes(
        src, actors, max_points, domain_options["grid"], domain_options["options"]
    )
    check(sizes.cost(top_logrolls), path=str(source) if isinstance(source, (str, Path)) else None)
    if isinstance(src, ScenarioArrays):
        return src, domain_from_arrays(src, **domain_options), sel, mp
    return None, src, sel, mp
