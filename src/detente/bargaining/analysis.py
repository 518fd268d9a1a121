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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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
from detente.bargaining.solutions import SOLUTION_NAMES, bargaining_solutions
from detente.bargaining.utility import domain_from_arrays, package_utility
from detente.scenario.arrays import ScenarioArrays

__all__ = ["WALKAWAY_READINGS", "BargainingAnalysis", "analyze"]

WALKAWAY_READINGS = ("limits", "utility")


def _r(x: float, nd: int = 6) -> float | None:
    x = float(x)
    return float(round(x, nd)) if np.isfinite(x) else None


def _utils(ids: Any, u: Any) -> dict[str, float | None]:
    return {p: _r(u[i]) for i, p in enumerate(ids)}


def _solve(
    dom: AdditiveDomain,
    sel: list[int],
    mask_fn: Any,
    max_points: int | None,
) -> dict[str, Any]:
    """Frontier of ``dom`` over parties ``sel``, the candidates ``mask_fn(U_all)`` and the
    four solutions among them. Solutions' utilities are reported for every party."""
    sub = dom.subset(sel)
    F = pareto_fold(sub, max_points=max_points)
    U = dom.utility(F.packages) if F.size else np.zeros((0, dom.n_parties))
    mask = mask_fn(U)
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
    return {"frontier": F, "U": U, "mask": mask, "d": d, "ideal": ideal, "solutions": sols}


def _limit_zone(
    arrays: ScenarioArrays,
    dom: AdditiveDomain,
    sel: list[int],
    max_points: int | None,
) -> dict[str, Any]:
    """The zone under hard limits: options every veto player signs, then the BATNA cut."""
    lo, hi = signable_intervals(arrays)
    veto = np.asarray(dom.veto, bool)
    keep = []
    for j in range(dom.n_issues):
        xv = np.asarray(dom.option_scale(j), float)
        tol = 1e-9 * float(arrays.span[j])
        ok = np.ones(xv.size, bool)
        for i in np.flatnonzero(veto):
            if not np.isnan(lo[i, j]):
                ok &= (xv >= lo[i, j] - tol) & (xv <= hi[i, j] + tol)
        keep.append(ok)
    out: dict[str, Any] = {
        "keep": keep,
        "options": {
            iss: [dom.options[j][v] for v in np.flatnonzero(keep[j])]
            for j, iss in enumerate(dom.issue_ids)
        },
    }
    if not all(k.any() for k in keep):
        out.update(nonempty=False, n_packages=0, efficient=0, solutions=None)
        return out
    Z = dom.restrict(keep)
    vr = veto & np.isfinite(dom.reservation)

    def batna_ok(U: np.ndarray) -> np.ndarray:
        return np.asarray((U[:, vr] >= dom.reservation[vr] - 1e-12).all(axis=1), dtype=bool)

    res = _solve(Z, sel, batna_ok, max_points)
    idx = Z.meta["option_index"]
    # report packages by their index in the full domain
    F = res["frontier"]
    full_pk = np.stack([idx[j][F.packages[:, j]] for j in range(Z.n_issues)], axis=1)
    out.update(
        nonempty=bool(res["mask"].any()),
        n_packages=int(np.prod([int(k.sum()) for k in keep], dtype=object)),
        efficient=int(res["mask"].sum()),
        frontier_size=F.size,
        frontier_bound=F.bound,
        disagreement=res["d"],
        ideal=res["ideal"],
        solutions=res["solutions"] if res["mask"].any() else None,
        domain=Z,
        packages=full_pk,
        utilities=res["U"],
        mask=res["mask"],
    )
    if vr.any() and not res["mask"].any():
        # limits met, BATNA utilities not: the utility MILP on the restricted domain
        from dataclasses import replace

        out["batna_openings"] = [
            replace(c, package=np.array([idx[j][v] for j, v in enumerate(c.package)]))
            for c in cheapest_openings(Z)
        ]
    return out


@dataclass(eq=False)
class BargainingAnalysis:
    """Result of :func:`analyze` (see ``docs/explanation/bargaining-space.md``).

    ``frontier`` is computed over ``parties`` (by default the veto players when there are at
    least two); ``frontier_utilities`` gives every party's utility at those packages.
    """

    domain: AdditiveDomain
    parties: tuple[str, ...]
    walkaway: str
    frontier: Frontier
    frontier_utilities: np.ndarray
    in_zone: np.ndarray
    zone: dict[str, Any]
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

    # ------------------------------------------------------------ accessors
    @property
    def zone_nonempty(self) -> bool:
        return bool(self.zone.get("nonempty"))

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

    def _zone_dict(self, z: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"nonempty": bool(z.get("nonempty"))}
        if "n_packages" in z:
            out["packages"] = z["n_packages"]
        out["efficient_packages"] = int(z.get("efficient", 0))
        if "options" in z:
            out["options"] = z["options"]
        if z.get("disagreement") is not None:
            ids = self.parties
            out["disagreement"] = _utils(ids, z["disagreement"])
            out["ideal"] = _utils(ids, z["ideal"])
        out["solutions"] = self._sols(z.get("solutions"))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; ``frontier`` has one entry per Pareto-efficient package."""
        d = self.domain
        F = self.frontier
        n_out = d.n_outcomes
        return {
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
            "openings": [
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
            ],
            "frontier_size": F.size,
            "frontier_bound": F.bound,
            "grid_bound": d.meta.get("grid_bound"),
            "solutions_restricted_to_zone": self.restricted_to_zone,
            "solutions": self._sols(self.solutions),
            "forecast": self.forecast,
            "logrolls": self.trades,
            "notes": list(self.notes),
            "frontier": [
                {
                    "package": d.labels(F.packages[i]),
                    "utilities": _utils(d.party_ids, self.frontier_utilities[i]),
                    "in_zone": bool(self.in_zone[i]),
                }
                for i in range(F.size)
            ],
        }

    def to_df(self) -> Any:
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
            pk = "; ".join(f"{k}={v}" for k, v in s["package"].items())
            lines.append(f"  {name}: [{u}]\n      {pk}")
        return lines

    @staticmethod
    def _conc_lines(who: str, c: LimitConcession | None) -> list[str]:
        title = "joint (every veto player may move)" if who == "joint" else f"{who} alone"
        if c is None:
            return [f"  {title}: impossible (the others' limits do not meet)"]
        out = [f"  {title}: cost {c.cost:.3f} (salience × units)"]
        for m in c.moves:
            out.append(
                f"    {m['actor']} moves its reservation point on {m['issue']} from "
                f"{m['from']:g} to {m['to']:.4g} ({m['units']:.4g} units, salience "
                f"{m['salience']:.2f})"
            )
        if c.meeting:
            out.append("    meeting at: " + ", ".join(f"{k}={v:.4g}" for k, v in c.meeting.items()))
        return out

    def summary(self) -> str:
        """A plain-text report."""
        d, F = self.domain, self.frontier
        veto = [p for p, v in zip(d.party_ids, d.veto_mask, strict=True) if v]
        lines = [
            f"Bargaining space: {len(d.party_ids)} parties, {d.n_issues} issues, "
            f"{d.n_outcomes:,} packages",
            f"veto players: {', '.join(veto) or 'none'}",
            "walk-away: "
            + (
                "hard per-issue limits (reservation points)"
                + (
                    "; BATNA utility "
                    + ", ".join(
                        f"{p} {d.reservation[i]:.3f}"
                        for i, p in enumerate(d.party_ids)
                        if np.isfinite(d.reservation[i])
                    )
                    if np.isfinite(d.reservation).any()
                    else ""
                )
                if self.walkaway == "limits"
                else "utility threshold: "
                + ", ".join(f"{p} {d.reservation[i]:.3f}" for i, p in enumerate(d.party_ids))
            ),
            f"frontier over {', '.join(self.parties)}: {F.size} efficient packages"
            + ("" if F.exact else f" (approximate, bound {F.bound:.4f})"),
        ]
        if self.limits:
            lines.append("limits of the veto players per issue (signable values):")
            for g in self.limits:
                lim = "; ".join(f"{a} [{lo:g}, {hi:g}]" for a, (lo, hi) in g["limits"].items())
                st = (
                    f"BLOCKED: {g['low_side']} needs >= {g['lo']:g}, {g['high_side']} signs "
                    f"<= {g['hi']:g}, gap {g['gap']:g}"
                    if g["blocked"]
                    else f"all sign [{g['lo']:g}, {g['hi']:g}]"
                )
                lines.append(f"  {g['issue']}: {lim} -> {st}")
        if self.zone_nonempty:
            z = self.zone
            counts = [f"{z['n_packages']:,} packages"] if "n_packages" in z else []
            counts.append(f"{z.get('efficient', 0)} efficient")
            lines.append("zone of agreement: NON-EMPTY (" + "; ".join(counts) + ")")
        else:
            lines.append("zone of agreement: EMPTY")
            if self.blocking:
                lines.append("  blocking issues: " + ", ".join(self.blocking))
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
        if self.zone_nonempty or self.walkaway == "utility":
            lines.append("solutions" + (" (within the zone):" if self.restricted_to_zone else ":"))
            lines.extend(self._sol_lines(d, self.solutions))
        if self.opened is not None:
            z = self.opened["zone"]
            lines.append(
                f"zone opened by the {self.opened['by']} concession: "
                + (
                    f"{z['n_packages']:,} packages, {z['efficient']} efficient"
                    if z.get("nonempty")
                    else "still empty (BATNA utilities)"
                )
            )
            lines.append("solutions within the opened zone:")
            lines.extend(self._sol_lines(d, z.get("solutions")))
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
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    # ------------------------------------------------------------------ plots
    def plot_plane(self, ax: Any = None, actors: Any = None) -> Any:
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
            zs = self.opened["zone"].get("solutions")
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

    def plot_concessions(self, ax: Any = None) -> Any:
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


def analyze(
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
) -> BargainingAnalysis:
    """Acceptable sets, zone of agreement, frontier, solutions, concessions and logrolls.

    Steps
    -----
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
    """
    if walkaway not in WALKAWAY_READINGS:
        raise ValueError(f"walkaway {walkaway!r} unknown; allowed: {', '.join(WALKAWAY_READINGS)}")
    arrays: ScenarioArrays | None = None
    if isinstance(source, (str, Path)):
        from detente.bargaining.genius import read_genius_folder

        domain = read_genius_folder(source)
    elif isinstance(source, ScenarioArrays):
        arrays = source
        domain = domain_from_arrays(
            arrays,
            shape=shape,
            risk=risk,
            batna=batna,
            grid=grid,
            options=options,
            walkaway=walkaway,
        )
    elif isinstance(source, AdditiveDomain):
        domain = source
    else:
        raise TypeError(
            f"analyze: source must be a GENIUS folder, ScenarioArrays or "
            f"AdditiveDomain, not {type(source).__name__}"
        )
    mode = walkaway if arrays is not None else "utility"
    sel = _select(domain.party_ids, np.asarray(domain.veto, bool), actors)
    parties = tuple(domain.party_ids[i] for i in sel)
    mp: int | None
    if max_points == "auto":
        mp = None if len(sel) <= 3 else 2000
    elif isinstance(max_points, str):
        raise ValueError(f"max_points {max_points!r} unknown; allowed: an integer, None or 'auto'")
    else:
        mp = max_points
    notes: list[str] = []
    base = _solve(domain, sel, lambda U: np.ones(U.shape[0], bool), mp)
    F: Frontier = base["frontier"]
    U_all = base["U"]
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
    veto = np.asarray(domain.veto, bool)
    limits: list[dict[str, Any]] = []
    rpoints: list[dict[str, Any]] = []
    concessions: list[tuple[str, LimitConcession | None]] = []
    opened = None
    openings: list[Concession] = []
    blocking: list[str] = []
    if mode == "limits":
        assert arrays is not None
        limits = limit_gaps(arrays)
        lo, hi = signable_intervals(arrays)
        for i in np.flatnonzero(veto):
            for j in range(arrays.n_issues):
                if not np.isnan(lo[i, j]):
                    rpoints.append(
                        {
                            "actor": arrays.actor_ids[i],
                            "issue": arrays.issue_ids[j],
                            "reservation": float(arrays.reservation[i, j]),
                            "position": float(arrays.position[i, j]),
                            "signable": [float(lo[i, j]), float(hi[i, j])],
                            "salience": float(arrays.salience[i, j]),
                        }
                    )
        if not rpoints:
            notes.append(
                "no veto player has a reservation point: under hard limits every package is "
                "signable (give BATNA utilities, or use walkaway='utility' with a status quo)"
            )
        zone = _limit_zone(arrays, domain, sel, mp)
        ok_lim = (
            within_limits(
                arrays,
                np.stack(
                    [
                        np.asarray(domain.option_scale(j))[F.packages[:, j]]
                        for j in range(domain.n_issues)
                    ],
                    axis=1,
                ),
            )[:, veto].all(axis=1)
            if F.size
            else np.zeros(0, bool)
        )
        vr = veto & np.isfinite(domain.reservation)
        in_zone = ok_lim & (U_all[:, vr] >= domain.reservation[vr] - 1e-12).all(axis=1)
        blocking = [g["issue"] for g in limits if g["blocked"]]
        openings = list(zone.get("batna_openings", []))
        if not zone["nonempty"] and blocking:
            concessions.append(("joint", limit_concessions(arrays, objective=objective)))
            for i in np.flatnonzero(veto):
                a = arrays.actor_ids[i]
                concessions.append((a, limit_concessions(arrays, allowed=[a], objective=objective)))
            joint = concessions[0][1]
            if joint is not None:
                arr2 = apply_limit_concession(arrays, joint)
                dom2 = domain_from_arrays(
                    arr2,
                    shape=shape,
                    risk=risk,
                    batna=batna,
                    grid=grid,
                    options=options,
                    walkaway=walkaway,
                    extra_values={k: [v] for k, v in joint.meeting.items()},
                )
                opened = {
                    "by": "joint",
                    "zone": _limit_zone(arr2, dom2, sel, mp),
                    "concession": joint,
                }
        sols = zone.get("solutions") or base["solutions"]
        restricted = bool(zone["nonempty"])
        if not restricted:
            sols = base["solutions"]
    else:
        in_zone = acceptable_mask(U_all, domain.reservation, veto)
        zone = {"nonempty": bool(in_zone.any()), "efficient": int(in_zone.sum())}
        restricted = bool(in_zone.any())
        sols = base["solutions"]
        if restricted:
            sols = _solve(domain, sel, lambda U: acceptable_mask(U, domain.reservation, veto), mp)[
                "solutions"
            ]
        else:
            openings = cheapest_openings(domain)
            blocking = blocking_issues(domain)
        if "none" in (domain.meta.get("walkaway_basis") or []):
            notes.append(
                "no BATNA, reservation point or status quo given for some actors: their "
                "walk-away utility is 0 (they accept any package)"
            )
    forecast = None
    if arrays is not None:
        from detente.models.compromise import run as compromise

        fc = np.asarray(compromise(arrays).forecast, float)
        fc = np.where(np.isnan(fc), (arrays.lo + arrays.hi) / 2, fc)
        uc = package_utility(arrays, fc, shape=shape, risk=risk)
        gains = (F.utilities - uc[sel]).min(axis=1)
        best = int(np.argmax(gains))
        if mode == "limits":
            vr = veto & np.isfinite(domain.reservation)
            signs = bool(within_limits(arrays, fc)[veto].all()) and bool(
                (uc[vr] >= domain.reservation[vr]).all()
            )
        else:
            signs = bool(acceptable_mask(uc, domain.reservation, veto))
        forecast = {
            "model": "compromise",
            "package": {iss: _r(fc[j], 4) for j, iss in enumerate(arrays.issue_ids)},
            "utilities": _utils(domain.party_ids, uc),
            "uniform_gain": _r(max(0.0, float(gains[best]))),
            "gain_over": list(parties),
            "dominating_package": domain.labels(F.packages[best]) if gains[best] > 0 else None,
            "acceptable_to_all_veto": signs,
        }
        ref = np.array(
            [
                int(np.argmin(np.abs(np.asarray(domain.option_scale(j)) - fc[j])))
                for j in range(domain.n_issues)
            ]
        )
    else:
        ref = issuewise_reference(domain)
    trades = logrolls(domain, ref, top=top_logrolls) if domain.n_parties >= 2 else []
    return BargainingAnalysis(
        domain=domain,
        parties=parties,
        walkaway=mode,
        frontier=F,
        frontier_utilities=U_all,
        in_zone=np.asarray(in_zone, bool),
        zone=zone,
        solutions=sols,
        restricted_to_zone=restricted,
        limits=limits,
        reservation_points=rpoints,
        concessions=concessions,
        opened=opened,
        openings=openings,
        blocking=blocking,
        forecast=forecast,
        trades=trades,
        notes=notes,
    )
