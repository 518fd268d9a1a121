"""One entry point for the bargaining-space analysis: :func:`analyze`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.bargaining.acceptable import (
    Concession,
    acceptable_mask,
    blocking_issues,
    cheapest_openings,
    reservation_concessions,
)
from detente.bargaining.domain import AdditiveDomain
from detente.bargaining.frontier import Frontier, pareto_fold
from detente.bargaining.packages import issuewise_reference, logrolls
from detente.bargaining.solutions import SOLUTION_NAMES, bargaining_solutions
from detente.bargaining.utility import domain_from_arrays, package_utility
from detente.scenario.arrays import ScenarioArrays

__all__ = ["BargainingAnalysis", "analyze"]


def _r(x: float, nd: int = 6) -> float:
    return float(round(float(x), nd))


@dataclass(eq=False)
class BargainingAnalysis:
    """Result of :func:`analyze` (see ``docs/explanation/bargaining-space.md``)."""

    domain: AdditiveDomain
    frontier: Frontier
    disagreement: np.ndarray
    ideal: np.ndarray
    in_zone: np.ndarray
    solutions: dict[str, int | None]
    restricted_to_zone: bool
    openings: list[Concession] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    reservation_moves: list[dict[str, Any]] = field(default_factory=list)
    forecast: dict[str, Any] | None = None
    trades: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------ accessors
    @property
    def zone_nonempty(self) -> bool:
        return bool(self.in_zone.any())

    def _pkg(self, pkg: Any) -> dict[str, str]:
        return self.domain.labels(pkg)

    def _utils(self, u: Any) -> dict[str, float]:
        return {p: _r(u[i]) for i, p in enumerate(self.domain.party_ids)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; ``frontier`` has one entry per Pareto-efficient package."""
        d = self.domain
        F = self.frontier
        sol = {}
        for name in SOLUTION_NAMES:
            i = self.solutions.get(name)
            sol[name] = (
                None
                if i is None
                else {
                    "package": self._pkg(F.packages[i]),
                    "utilities": self._utils(F.utilities[i]),
                }
            )
        return {
            "source": str(d.meta.get("source", "")),
            "parties": list(d.party_ids),
            "veto": [p for p, v in zip(d.party_ids, d.veto, strict=True) if v],
            "issues": list(d.issue_ids),
            "n_outcomes": int(d.n_outcomes) if d.n_outcomes < 2**63 else str(d.n_outcomes),
            "walkaway": self._utils(d.reservation),
            "walkaway_basis": d.meta.get("walkaway_basis"),
            "disagreement": self._utils(self.disagreement),
            "ideal": self._utils(self.ideal),
            "frontier_size": F.size,
            "frontier_bound": F.bound,
            "grid_bound": d.meta.get("grid_bound"),
            "zone": {
                "nonempty": self.zone_nonempty,
                "efficient_packages_in_zone": int(self.in_zone.sum()),
            },
            "solutions_restricted_to_zone": self.restricted_to_zone,
            "solutions": sol,
            "openings": [
                {
                    "allowed": list(c.allowed),
                    "delta": {k: _r(v) for k, v in c.delta.items()},
                    "total": _r(c.total),
                    "package": self._pkg(c.package),
                    "utilities": self._utils(c.utilities),
                    "issue_loss": {
                        a: {i: _r(x) for i, x in v.items()} for a, v in c.issue_loss.items()
                    },
                }
                for c in self.openings
            ],
            "blocking_issues": list(self.blocking),
            "reservation_concessions": self.reservation_moves,
            "forecast": self.forecast,
            "logrolls": self.trades,
            "notes": list(self.notes),
            "frontier": [
                {
                    "package": self._pkg(F.packages[i]),
                    "utilities": self._utils(F.utilities[i]),
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
            cols[f"u_{p}"] = F.utilities[:, i]
        cols["in_zone"] = self.in_zone
        return pd.DataFrame(cols)

    def summary(self) -> str:
        """A plain-text report."""
        d, F = self.domain, self.frontier
        lines = [
            f"Bargaining space: {len(d.party_ids)} parties, {d.n_issues} issues, "
            f"{d.n_outcomes:,} packages",
            "walk-away utility: "
            + ", ".join(f"{p} {d.reservation[i]:.3f}" for i, p in enumerate(d.party_ids)),
            f"veto players: {', '.join(p for p, v in zip(d.party_ids, d.veto, strict=True) if v)}",
            f"frontier: {F.size} efficient packages"
            + ("" if F.exact else f" (approximate, bound {F.bound:.4f})"),
        ]
        if self.zone_nonempty:
            lines.append(
                f"zone of agreement: NON-EMPTY ({int(self.in_zone.sum())} efficient "
                "packages every veto player prefers to walking away)"
            )
        else:
            lines.append("zone of agreement: EMPTY")
            if self.blocking:
                lines.append("  blocking issues: " + ", ".join(self.blocking))
            for c in self.openings:
                who = ", ".join(f"{k} {v:.3f}" for k, v in c.delta.items() if v > 1e-9)
                lines.append(
                    f"  opening (may concede: {', '.join(c.allowed)}): total "
                    f"{c.total:.3f} — {who or 'nobody'}"
                )
            for m in self.reservation_moves:
                if m["blocked"]:
                    mv = ", ".join(f"{a} {x:.1f}" for a, x in m["moves"].items())
                    lines.append(
                        f"  issue {m['issue']}: reservation points must move ({mv}); "
                        f"meeting at {m['value']:.1f}"
                    )
        lines.append("solutions" + (" (within the zone):" if self.restricted_to_zone else ":"))
        for name in SOLUTION_NAMES:
            i = self.solutions.get(name)
            if i is None:
                lines.append(f"  {name}: none")
                continue
            u = ", ".join(f"{p} {F.utilities[i, a]:.3f}" for a, p in enumerate(d.party_ids))
            pk = "; ".join(f"{k}={v}" for k, v in self._pkg(F.packages[i]).items())
            lines.append(f"  {name}: [{u}]  {pk}")
        if self.forecast is not None:
            lines.append(
                f"compromise forecast: uniform gain available {self.forecast['uniform_gain']:.4f}"
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

        d, F = self.domain, self.frontier
        if actors is None:
            veto = [p for p, v in zip(d.party_ids, d.veto, strict=True) if v]
            actors = tuple((veto + list(d.party_ids))[:2]) if len(veto) < 2 else tuple(veto[:2])
        a, b = (d.party_ids.index(x) for x in actors)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        u = F.utilities
        ax.scatter(
            u[:, a],
            u[:, b],
            s=6,
            c=np.where(self.in_zone, "tab:green", "0.6"),
            label="efficient packages (green: in zone)",
        )
        nd = nondominated(u[:, [a, b]])
        o = nd[np.argsort(u[nd, a])]
        ax.plot(
            u[o, a], u[o, b], "-", color="tab:blue", lw=1, label=f"frontier {actors[0]}–{actors[1]}"
        )
        ax.axvline(d.reservation[a], ls="--", color="tab:red", lw=1)
        ax.axhline(d.reservation[b], ls="--", color="tab:red", lw=1, label="walk-away")
        marks = {"nash": "*", "kalai_smorodinsky": "D", "egalitarian": "s", "utilitarian": "^"}
        for name, mk in marks.items():
            i = self.solutions.get(name)
            if i is not None:
                ax.scatter([u[i, a]], [u[i, b]], marker=mk, s=80, zorder=5, label=name)
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
        """Bars: utility each veto player must concede, for each cheapest opening."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        if not self.openings:
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
        players = list(self.openings[0].delta)
        width = 0.8 / len(self.openings)
        x = np.arange(len(players))
        for o, c in enumerate(self.openings):
            lab = "joint" if len(c.allowed) > 1 else f"only {c.allowed[0]}"
            ax.bar(x + o * width, [c.delta.get(p, 0.0) for p in players], width, label=lab)
        ax.set_xticks(x + width * (len(self.openings) - 1) / 2, players)
        ax.set_ylabel("utility conceded below walk-away")
        ax.legend(fontsize=7)
        return ax


def analyze(
    source: Any,
    *,
    actors: Any = None,
    shape: str = "linear",
    risk: Any = 0.0,
    batna: Any = None,
    grid: int = 21,
    options: dict[str, Any] | None = None,
    max_points: int | None = 2000,
    top_logrolls: int = 10,
) -> BargainingAnalysis:
    """Acceptable sets, zone of agreement, frontier, solutions, concessions and logrolls.

    Steps
    -----
    1. Build the discrete additive domain: a GENIUS folder is read as is; a
       :class:`ScenarioArrays` is discretised (:func:`domain_from_arrays`; loss ``shape``,
       risk attitudes, explicit ``batna`` utilities, ``grid`` points per issue).
    2. Frontier by the exact issue-wise fold; intermediate sets above ``max_points`` are
       ε-thinned (bound reported).
    3. Disagreement point ``d = max(walk-away, worst utility)``; the zone = efficient
       packages every veto player prefers to walking away.
    4. Solutions among the zone's efficient packages if the zone is non-empty, else among
       all efficient packages.
    5. If the zone is empty: the joint and solo minimal concessions (MILP), blocking issues,
       and (scenarios with reservation points) issue-by-issue reservation moves.
    6. Scenarios: the compromise model's forecast, its utilities and the largest uniform gain
       a frontier package offers over it (0 = on the frontier); logrolls from it. GENIUS
       domains: logrolls from the issue-by-issue reference.
    """
    arrays: ScenarioArrays | None = None
    if isinstance(source, (str, Path)):
        from detente.scenario.io.genius import read_genius_folder

        domain = read_genius_folder(source)
    elif isinstance(source, ScenarioArrays):
        arrays = source
        if actors is not None:
            idx = [arrays.actor_ids.index(a) for a in actors]
            arrays = arrays.subset(actors=idx)
            if batna is not None:
                batna = np.asarray(batna, float)[idx]
        domain = domain_from_arrays(
            arrays, shape=shape, risk=risk, batna=batna, grid=grid, options=options
        )
    elif isinstance(source, AdditiveDomain):
        domain = source
    else:
        raise TypeError(
            f"analyze: source must be a GENIUS folder, ScenarioArrays or "
            f"AdditiveDomain, not {type(source).__name__}"
        )
    if actors is not None and arrays is None:
        missing = [a for a in actors if a not in domain.party_ids]
        if missing:
            raise ValueError(f"unknown actor(s) {missing}; allowed: {list(domain.party_ids)}")
        domain = domain.subset(actors)
    notes: list[str] = []
    F = pareto_fold(domain, max_points=max_points)
    if not F.exact:
        notes.append(
            f"frontier thinned to at most {max_points} points; every package is "
            f"within {F.bound:.4f} utility of a listed one"
        )
    gb = domain.meta.get("grid_bound")
    if gb is not None:
        notes.append(
            "continuous issues discretised; grid bound per party: "
            + ", ".join(f"{p} {b:.4f}" for p, b in zip(domain.party_ids, gb, strict=True))
        )
    if "none" in (domain.meta.get("walkaway_basis") or []):
        notes.append(
            "no BATNA, reservation point or status quo given for some actors: their "
            "walk-away utility is 0 (they accept any package)"
        )
    d = np.maximum(domain.reservation, domain.worst())
    ideal = domain.best()
    in_zone = acceptable_mask(F.utilities, domain.reservation, domain.veto)
    restricted = bool(in_zone.any())
    sols = bargaining_solutions(F.utilities, d, ideal, in_zone if restricted else None)
    openings: list[Concession] = []
    blocking: list[str] = []
    moves: list[dict[str, Any]] = []
    if not restricted:
        openings = cheapest_openings(domain)
        blocking = blocking_issues(domain)
    if arrays is not None:
        moves = reservation_concessions(arrays)
    forecast = None
    if arrays is not None:
        from detente.models.compromise import run as compromise

        fc = np.asarray(compromise(arrays).forecast, float)
        fc = np.where(np.isnan(fc), (arrays.lo + arrays.hi) / 2, fc)
        uc = package_utility(arrays, fc, shape=shape, risk=risk)
        gains = (F.utilities - uc).min(axis=1)
        best = int(np.argmax(gains))
        forecast = {
            "model": "compromise",
            "package": {iss: _r(fc[j], 4) for j, iss in enumerate(arrays.issue_ids)},
            "utilities": {p: _r(uc[i]) for i, p in enumerate(domain.party_ids)},
            "uniform_gain": _r(max(0.0, float(gains[best]))),
            "dominating_package": domain.labels(F.packages[best]) if gains[best] > 0 else None,
            "acceptable_to_all_veto": bool(acceptable_mask(uc, domain.reservation, domain.veto)),
        }
        ref = np.array(
            [int(np.argmin(np.abs(ov - fc[j]))) for j, ov in enumerate(domain.option_values)]
        )  # type: ignore[arg-type]
    else:
        ref = issuewise_reference(domain)
    trades = logrolls(domain, ref, top=top_logrolls) if domain.n_parties >= 2 else []
    return BargainingAnalysis(
        domain,
        F,
        d,
        ideal,
        in_zone,
        sols,
        restricted,
        openings,
        blocking,
        moves,
        forecast,
        trades,
        notes,
    )
