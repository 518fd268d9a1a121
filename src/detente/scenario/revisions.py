"""Dated revisions: run each revision of a scenario and say how the answers moved.

A series is a list of complete scenario files, each with its own ``as_of`` date (and usually a
``revision`` block, :mod:`detente.scenario.revision_spec`). :func:`load_series` reads one from
file paths, from a shipped series' name (``ukraine-2025``), or from a single file by following
its ``previous`` links; :func:`run_revisions` runs every revision — each model's forecast per
issue and the bargaining analysis (zone of agreement, blocking issues, each veto player's
limits) — and returns a :class:`RevisionsResult` whose table gives, per model and issue, the
forecast at every date and its change from the revision before.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.results import Result, jsonable

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd
    from matplotlib.axes import Axes

    from detente.scenario.schema import Scenario

__all__ = [
    "DEFAULT_REVISION_MODELS",
    "MIN_MOVE",
    "Revision",
    "RevisionRun",
    "RevisionsResult",
    "load_series",
    "run_revisions",
]

#: Models run on every revision when none are named.
DEFAULT_REVISION_MODELS = ("compromise", "smp", "eu")

#: A forecast change smaller than this (in issue units) counts as no move (the summary, the
#: brief's "what moved").
MIN_MOVE = 0.05


@dataclass(frozen=True)
class Revision:
    """One dated revision: its scenario, where it was read from and its label."""

    scenario: Scenario
    path: str | None = None

    @property
    def as_of(self) -> dt.date:
        """The revision's date (every revision has one: :func:`load_series` checks)."""
        assert self.scenario.as_of is not None  # checked by load_series
        return self.scenario.as_of

    @property
    def label(self) -> str:
        """The revision block's label, else the scenario's name."""
        r = self.scenario.revision
        return r.label if r is not None and r.label else self.scenario.name


def _read(item: str | Path | Scenario) -> Revision:
    """One revision from a path, a shipped example's name, or a scenario."""
    from detente.examples import example_path, list_examples
    from detente.scenario.io import load
    from detente.scenario.schema import Scenario

    if isinstance(item, Scenario):
        return Revision(item)
    p = Path(item)
    if not p.exists() and str(item) in list_examples():
        p = example_path(str(item))
    return Revision(load(p), str(p))


def _chain(first: Revision) -> list[Revision]:
    """``first`` and the revisions its ``previous`` links reach, oldest first."""
    from detente.scenario.errors import ScenarioError

    out = [first]
    seen = {Path(first.path).resolve()} if first.path else set()
    while (r := out[-1].scenario.revision) is not None and r.previous and out[-1].path:
        nxt = Path(out[-1].path).parent / r.previous
        if nxt.resolve() in seen:
            raise ScenarioError(
                "the previous links form a loop",
                path=out[-1].path,
                field="revision.previous",
                value=r.previous,
                allowed="a chain of earlier revisions that ends",
            )
        if not nxt.is_file():
            raise ScenarioError(
                "the previous revision does not exist",
                path=out[-1].path,
                field="revision.previous",
                value=r.previous,
                allowed="a scenario file's path relative to this file's folder",
            )
        seen.add(nxt.resolve())
        out.append(_read(nxt))
    return out[::-1]


def load_series(items: str | Path | Scenario | Sequence[str | Path | Scenario]) -> list[Revision]:
    """The revisions of a series, oldest first.

    Parameters
    ----------
    items : name, path, Scenario, or a sequence of them
        A shipped series' name (``"ukraine-2025"``, :func:`detente.examples.list_series`);
        several scenario files (paths, shipped example names or scenarios); or one file whose
        ``revision.previous`` links are followed back to the first revision.

    Raises
    ------
    ScenarioError
        A revision without an ``as_of`` date, two revisions of the same date, revisions of
        different series, or a broken ``previous`` link.
    """
    from detente.examples import list_series, series_examples

    if isinstance(items, (str, Path)) and str(items) in list_series():
        revs = [_read(n) for n in series_examples(str(items))]
    elif isinstance(items, (str, Path)) or not isinstance(items, Sequence):
        revs = _chain(_read(items))
    elif len(items) == 1:
        return load_series(items[0])
    else:
        revs = [_read(i) for i in items]
    return _checked(revs)


def _checked(revs: list[Revision]) -> list[Revision]:
    """Refuse undated, same-dated or mixed-series revisions; sort by date."""
    from detente.scenario.errors import ScenarioError

    for r in revs:
        if r.scenario.as_of is None:
            raise ScenarioError(
                "a revision needs an as_of date",
                path=r.path,
                field="as_of",
                value=None,
                allowed="as_of: YYYY-MM-DD",
            )
    revs = sorted(revs, key=lambda r: r.as_of)
    for a, b in itertools.pairwise(revs):
        if a.as_of == b.as_of:
            raise ScenarioError(
                "two revisions share one as_of date",
                path=b.path,
                field="as_of",
                value=b.as_of.isoformat(),
                allowed=f"a date other than {a.as_of.isoformat()} ({a.path or a.label})",
            )
    series = {r.scenario.revision.series for r in revs if r.scenario.revision is not None}
    if len(series) > 1:
        raise ScenarioError(
            "the revisions belong to different series",
            path=revs[-1].path,
            field="revision.series",
            value=sorted(series),
            allowed="revisions of one series",
        )
    return revs


@dataclass(frozen=True)
class RevisionRun:
    """What one revision gave: each model's forecast per issue, whether a zone of agreement
    exists, its blocking issues, the veto players' limits, and the analysis itself."""

    revision: Revision
    forecasts: dict[str, dict[str, float]]
    zone: bool | None
    blocking: list[str]
    limits: list[dict[str, Any]] = field(default_factory=list)
    analysis: Any = field(default=None, repr=False)


def _run_one(
    rev: Revision, models: Sequence[str], seed: int | None, grid: int | None
) -> RevisionRun:
    """Each model's forecast of ``rev`` and (``grid`` not None) its bargaining analysis."""
    from detente.models.registry import run_models

    fc = {
        m: {i: float(v) for i, v in zip(res.issue_ids, res.forecast, strict=True)}
        for m, res in zip(models, run_models(models, rev.scenario.to_arrays(), seed), strict=True)
    }
    if grid is None:
        return RevisionRun(rev, fc, None, [])
    from detente.bargaining import analyze

    a = analyze(rev.scenario, grid=grid)
    return RevisionRun(rev, fc, a.zone_nonempty, list(a.blocking), list(a.limits), a)


def run_revisions(
    revisions: Sequence[Revision],
    models: Sequence[str] = DEFAULT_REVISION_MODELS,
    *,
    seed: int | None = None,
    grid: int | None = 21,
) -> RevisionsResult:
    """Run every revision of a series and collect how its answers moved.

    Steps: for each revision, oldest first, each model's forecast per issue (a model's stream
    keyed by its name when ``seed`` is given, as ``detente forecast --seed`` does); the
    bargaining analysis (:func:`detente.bargaining.analyze`, hard limits, ``grid`` points per
    issue; skipped when ``grid`` is None): whether a zone of agreement exists, its blocking
    issues, each veto player's signable range; then the movement between revisions
    (:meth:`RevisionsResult.to_df`).

    Parameters
    ----------
    revisions : sequence of Revision
        From :func:`load_series`.
    models : sequence of str
        Registered model names.
    seed : int, optional
        Seed for the stochastic models.
    grid : int or None
        Grid points per continuous issue of the analysis (None: no analysis).
    """
    from detente.progress import task

    runs = []
    with task("revisions", total=len(revisions)) as advance:
        for rev in revisions:
            runs.append(_run_one(rev, models, seed, grid))
            advance()
    return RevisionsResult(runs=runs, models=list(models))


def _fmt(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.1f}"


@dataclass(repr=False)
class RevisionsResult(Result):
    """How forecasts, the zone of agreement and its blocking issues moved across revisions.

    Attributes
    ----------
    runs : list of RevisionRun
        One per revision, oldest first.
    models : list of str
        The models run (registry names).
    """

    runs: list[RevisionRun]
    models: list[str]

    # ------------------------------------------------------------ accessors
    @property
    def issues(self) -> list[str]:
        """Every issue id of the series, in first-seen order."""
        seen: dict[str, None] = {}
        for r in self.runs:
            for i in r.revision.scenario.issues:
                seen.setdefault(i.id, None)
        return list(seen)

    def forecast(self, model: str, issue: str, revision: int) -> float:
        """The forecast of ``model`` on ``issue`` at revision ``revision`` (NaN if absent)."""
        return self.runs[revision].forecasts.get(model, {}).get(issue, math.nan)

    def to_df(self) -> pd.DataFrame:
        """One row per revision, model and issue: ``revision, label, as_of, model, issue,
        forecast, change`` (change from the revision before; NaN for the first), then
        ``zone`` (a zone of agreement exists) and ``blocking`` (the issue blocks it)."""
        import pandas as pd

        rows = []
        issues = self.issues
        for n, r in enumerate(self.runs):
            for m in self.models:
                for i in issues:
                    x = self.forecast(m, i, n)
                    prev = self.forecast(m, i, n - 1) if n else math.nan
                    rows.append(
                        {
                            "revision": n + 1,
                            "label": r.revision.label,
                            "as_of": r.revision.as_of.isoformat(),
                            "model": m,
                            "issue": i,
                            "forecast": x,
                            "change": x - prev,
                            "zone": r.zone,
                            "blocking": i in r.blocking,
                        }
                    )
        return pd.DataFrame(rows)

    def blocking_change(self, revision: int) -> tuple[list[str], list[str]]:
        """The issues that started and those that stopped blocking the zone of agreement at
        ``revision`` (against the revision before), each sorted."""
        now, before = set(self.runs[revision].blocking), set(self.runs[revision - 1].blocking)
        return sorted(now - before), sorted(before - now)

    def _zone_lines(self) -> list[str]:
        lines = []
        for n, r in enumerate(self.runs):
            head = f"{r.revision.as_of} {r.revision.label}: "
            if r.zone is None:
                lines.append(head + "no analysis")
                continue
            if r.zone:
                state = "a zone of agreement exists"
            else:
                gaps = {g["issue"]: g.get("gap") for g in r.limits if g.get("blocked")}
                state = "no zone of agreement; blocked on " + (
                    ", ".join(
                        i + (f" (gap {gaps[i]:g})" if gaps.get(i) is not None else "")
                        for i in r.blocking
                    )
                    or "—"
                )
            new, gone = self.blocking_change(n) if n else ([], [])
            if new:
                state += f" (newly blocking: {', '.join(new)})"
            if gone:
                state += f" (no longer blocking: {', '.join(gone)})"
            lines.append(head + state)
        return lines

    def _table_lines(self) -> list[str]:
        from detente.models.registry import display_name

        dates = [str(r.revision.as_of) for r in self.runs]
        lines = []
        for m in self.models:
            lines.append(f"forecasts of {display_name(m)} (change from the revision before):")
            w = max(len(i) for i in self.issues)
            lines.append("  " + "issue".ljust(w) + "".join(f"  {d:>16}" for d in dates))
            for i in self.issues:
                cells = []
                for n in range(len(self.runs)):
                    x = self.forecast(m, i, n)
                    d = x - self.forecast(m, i, n - 1) if n else math.nan
                    moved = "" if math.isnan(d) or abs(d) < MIN_MOVE else f" ({d:+.1f})"
                    cells.append(f"{_fmt(x) + moved:>16}")
                lines.append("  " + i.ljust(w) + "".join(f"  {c}" for c in cells))
        return lines

    def summary(self) -> str:
        """The zone of agreement at each date (and which issues started or stopped blocking
        it), then each model's forecast per issue at each date with its change."""
        head = f"{len(self.runs)} revisions, {self.runs[0].revision.as_of} to "
        head += f"{self.runs[-1].revision.as_of}"
        return "\n".join([head, *self._zone_lines(), *self._table_lines()])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the revisions (date, label, path, zone, blocking) and the movement rows."""
        revs = [
            {
                "as_of": r.revision.as_of.isoformat(),
                "label": r.revision.label,
                "path": r.revision.path,
                "zone": r.zone,
                "blocking": list(r.blocking),
                "forecasts": r.forecasts,
            }
            for r in self.runs
        ]
        rows = self.to_df().to_dict(orient="records")
        return dict(jsonable({"models": self.models, "revisions": revs, "movement": rows}))

    def plot(self, ax: Axes | None = None, model: str | None = None) -> Axes:
        """One line per issue: ``model``'s forecast (default the first model) at each
        revision's date, each line labelled at its end with the issue id (labels spread so
        that none overlap); a red cross where the issue blocks the zone of agreement; the
        zone's state at each date written under the axis."""
        import matplotlib.pyplot as plt

        from detente.models.registry import display_name
        from detente.report.figures import spread_labels

        m = model or self.models[0]
        if ax is None:
            _, ax = plt.subplots(figsize=(9.5, 5.5))
        dates: list[Any] = [r.revision.as_of for r in self.runs]
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        if len(self.issues) > len(colours):  # no two issues share a colour
            colours = [plt.get_cmap("tab20")(k % 20) for k in range(len(self.issues))]
        ends = []
        for k, i in enumerate(self.issues):
            xs = [self.forecast(m, i, n) for n in range(len(self.runs))]
            c = colours[k % len(colours)]
            ax.plot(dates, xs, "-o", color=c, ms=4, lw=1.5, gid=f"issue:{i}")
            blocked = [(d, x) for d, x, r in zip(dates, xs, self.runs, strict=True)
                       if i in r.blocking]  # fmt: skip
            if blocked:
                ax.plot(*zip(*blocked, strict=True), "x", color="tab:red", ms=9, mew=2)
            if not math.isnan(xs[-1]):
                ends.append((xs[-1], i, c))
        spread_labels(ax, dates[-1], ends)
        if any(r.blocking for r in self.runs):
            ax.plot([], [], "x", color="tab:red", ms=9, mew=2, label="blocks the zone of agreement")
            ax.legend(loc="best", fontsize=8)
        ax.set_xticks(dates, [f"{r.revision.as_of}: {r.revision.label}" for r in self.runs])
        ax.tick_params(axis="x", labelsize=7, labelrotation=20)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
        ax.set_ylabel(f"forecast of {display_name(m)}")
        zones = "; ".join(
            f"{r.revision.as_of}: "
            + ("zone" if r.zone else "no zone" if r.zone is not None else "?")
            for r in self.runs
        )
        ax.set_title(f"How the forecasts moved ({display_name(m)}); {zones}", fontsize=9, wrap=True)
        ax.margins(x=0.05)
        return ax
