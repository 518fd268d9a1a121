"""The one-page brief: a self-contained HTML page for a reader who will never open a terminal.

:func:`render_brief` turns a scenario (and, when given, a small ensemble, a sensitivity result
and the run of its dated revisions) into one HTML file: no script, no style sheet and no image
is fetched from anywhere (the charts are PNG data URIs, the style sheet is inline, with a print
style so that the browser prints it to one or two pages). Every string from the scenario is
escaped (Jinja2 autoescape): a scenario named ``<script>`` is printed as text.

Sections: the bottom line in words (whether a deal zone exists; if not, each veto player's
floor and ceiling on the blocking issues, named by the documented options); a chart of what
each veto player would sign per issue; the forecasts per issue (with their spread over the
ensemble's draws); what the answer hinges on; indicators to watch; plain caveats (how many
numbers are judgement, what the models were tested on and their error there); what moved
since the last revision; the inputs with every judgement marked, and the sources.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.report.words import actor_names, nearest_option, option_words, round_sensibly

if TYPE_CHECKING:
    from detente.bargaining import BargainingAnalysis
    from detente.models.result import Forecast
    from detente.scenario.revisions import RevisionsResult
    from detente.scenario.schema import Scenario

__all__ = ["BACKTEST", "BACKTEST_MAE", "DEFAULT_BRIEF_MODELS", "brief_context", "render_brief"]

#: Models whose forecasts the brief shows by default.
DEFAULT_BRIEF_MODELS = ("compromise", "smp", "eu")

#: Mean absolute error on the DEU III development file (245 scored issues, 0-100 scale, equal
#: capability), the point estimates of ``docs/explanation/backtest.md`` ("The numbers"); a
#: test checks that they match that page.
BACKTEST_MAE: dict[str, float] = {
    "compromise": 24.46,
    "fitted-lite": 24.38,
    "fitted": 24.49,
    "sq-compromise": 24.89,
    "exchange": 24.89,
    "role-compromise": 25.91,
    "smp": 27.28,
    "median": 29.36,
    "eu-damped": 30.56,
    "procedural": 33.27,
    "eu": 34.56,
    "nash": 38.47,
}
#: What the backtest scored the models on, in words.
BACKTEST = (
    "EU legislative decisions (the DEU III data, Arregui & Perarnaud 2021: 245 scored issues "
    "of the development file), not peace talks"
)


def _forecasts(scenario: Scenario, models: Sequence[str], seed: int | None) -> list[Forecast]:
    """Each model's forecast (a model's stream keyed by its name under ``seed``)."""
    from detente.models.registry import run_models

    return run_models(models, scenario.to_arrays(), seed)


def _bottom_line(
    scenario: Scenario, analysis: BargainingAnalysis, names: dict[str, str]
) -> dict[str, Any]:
    """Whether a deal zone exists, in words; if not, each veto player's floor and ceiling on
    each blocking issue, named by the documented options."""
    issues = {i.id: i for i in scenario.issues}
    d = analysis.domain
    veto = [names.get(a, a) for a, v in zip(d.party_ids, d.veto_mask, strict=True) if v]
    if analysis.zone_nonempty:
        head = (
            "A deal zone exists: some package of terms is acceptable to every veto player ("
            + ", ".join(veto)
            + ")."
        )
        zone_items: list[Any] = [
            f"{issues[g['issue']].name}: every veto player signs "
            + _range_words(issues[g["issue"]], g["lo"], g["hi"])
            for g in analysis.limits
            if g["issue"] in issues
        ]
        return {"zone": True, "headline": head, "items": zone_items}
    blocking = [b for b in analysis.blocking if b in issues]
    head = (
        "No deal zone: no package of terms is acceptable to every veto player ("
        + ", ".join(veto)
        + f"). It is blocked on {len(blocking)} issue{'s' if len(blocking) != 1 else ''}: "
        + "; ".join(issues[b].name for b in blocking)
        + "."
    )
    lims = {g["issue"]: g for g in analysis.limits}
    items = [_blocked_words(issues[b], lims[b], names) for b in blocking if b in lims]
    return {"zone": False, "headline": head, "items": items}


def _one_option(issue: Any, lo: float, hi: float) -> bool:
    """Whether ``lo`` and ``hi`` are one option (within 1% of the issue's scale)."""
    return abs(hi - lo) <= 0.01 * (issue.scale.hi - issue.scale.lo)


def _range_words(issue: Any, lo: float, hi: float) -> str:
    if _one_option(issue, lo, hi):
        return "only " + option_words(issue, lo)
    return f"from {option_words(issue, lo)} to {option_words(issue, hi)}"


def _blocked_words(issue: Any, g: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """One blocking issue: each veto player's floor and ceiling, and where they fail to meet."""
    who = [
        {
            "actor": names.get(a, a),
            "floor": option_words(issue, lo),
            "ceiling": option_words(issue, hi),
        }
        for a, (lo, hi) in g["limits"].items()
    ]
    low, high = names.get(g["low_side"], g["low_side"]), names.get(g["high_side"], g["high_side"])
    gap = (
        f"{low} will go no lower than {option_words(issue, g['lo'])}; "
        f"{high} will go no higher than {option_words(issue, g['hi'])}."
    )
    return {"issue": issue.name, "who": who, "gap": gap}


def _png(fig: Any) -> str:
    """A figure as a PNG data URI (and the figure closed)."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _limits_chart(scenario: Scenario, analysis: BargainingAnalysis) -> str | None:
    """What each veto player would sign per issue (the analysis's limits chart), as PNG."""
    if not analysis.limits:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import wrap_title

    names = {i.id: wrap_title(i.name, 40) for i in scenario.issues}
    rows = len(analysis.limits)
    fig, ax = plt.subplots(figsize=(8.0, 1.2 + 0.62 * rows))
    analysis.plot_limits(ax, issue_names=names)
    return _png(fig)


def _forecast_table(scenario: Scenario, results: Sequence[Forecast], ens: Any) -> dict[str, Any]:
    """Columns (model display names) and rows (issue, cells, nearest option of the first)."""
    from detente.models.registry import display_name

    spread = {}
    if ens is not None:
        for r in results:
            if r.model in getattr(ens, "models", ()):
                st = ens.stats().forecasts[r.model]
                spread[r.model] = (st["q05"], st["q95"])
    rows = []
    for j, issue in enumerate(scenario.issues):
        cells = []
        for r in results:
            x = float(r.forecast[j])
            cell = round_sensibly(x)
            if r.model in spread:
                lo, hi = (float(v[j]) for v in spread[r.model])
                cell += f" (90% of draws {round_sensibly(lo)}–{round_sensibly(hi)})"
            cells.append(cell)
        first = float(results[0].forecast[j]) if results else math.nan
        rows.append({"issue": issue.name, "cells": cells, "option": nearest_option(issue, first)})
    return {
        "columns": [display_name(r.model) for r in results],
        "rows": rows,
        "first": display_name(results[0].model) if results else "",
    }


def _hinges(
    scenario: Scenario, analysis: BargainingAnalysis, sensitivity: Any, names: dict[str, str]
) -> list[str]:
    """What the answer hinges on: the sensitivity result's ranking when given; else the
    blocked issues with the smallest gaps, the issues all sign at a single option, and the
    cheapest joint concession that opens a zone."""
    if sensitivity is not None:
        return [line for line in sensitivity.summary().splitlines()[1:] if line.strip()]
    issues = {i.id: i for i in scenario.issues}
    out = []
    blocked = sorted(
        (g for g in analysis.limits if g["blocked"]),
        key=lambda g: g["gap"] / (issues[g["issue"]].scale.hi - issues[g["issue"]].scale.lo),
    )
    for g in blocked:
        i = issues[g["issue"]]
        span = i.scale.hi - i.scale.lo
        low, high = (
            names.get(g["low_side"], g["low_side"]),
            names.get(g["high_side"], g["high_side"]),
        )
        out.append(
            f"{i.name}: {low}'s floor and {high}'s ceiling are "
            f"{round_sensibly(100 * g['gap'] / span)}% of the scale apart."
        )
    for g in analysis.limits:
        i = issues[g["issue"]]
        if not g["blocked"] and _one_option(i, g["lo"], g["hi"]):
            out.append(f"{i.name}: the veto players meet at one option only.")
    out.extend(_opening_words(analysis, issues, names))
    return out


def _opening_words(
    analysis: BargainingAnalysis, issues: dict[str, Any], names: dict[str, str]
) -> list[str]:
    """The joint concession that opens a zone, in options."""
    joint = dict(analysis.concessions).get("joint")
    if joint is None or not joint.meeting:
        return []
    parts = [f"{k} {nearest_option(issues[k], v)}" for k, v in joint.meeting.items()]
    movers = sorted({names.get(m["actor"], m["actor"]) for m in joint.moves})
    return [
        "A zone would open if "
        + " and ".join(movers)
        + " both moved their limits to meet at: "
        + "; ".join(parts)
        + "."
    ]


def _indicators(scenario: Scenario) -> list[str]:
    """Indicators to watch: the process block's drivers (last value, its date and sources)
    and shocks (chance a month)."""
    p = scenario.process
    if p is None:
        return []
    out = []
    for d in p.drivers:
        last = d.series[-1] if d.series else None
        val = (
            f"; last reading {round_sensibly(last.value)} {d.unit} ({last.date})"
            if last is not None
            else ""
        )
        src = f" [{', '.join(d.sources)}]" if d.sources else ""
        out.append(f"{d.name}{val}{src}")
    for s in p.shocks:
        chance = getattr(s, "hazard_per_month", None)
        when = f": judged about {round_sensibly(100 * chance)}% a month" if chance else ""
        out.append(f"Watch for: {s.name}{when}")
    return out


def _caveats(scenario: Scenario, models: Sequence[str]) -> list[str]:
    """Plain caveats: how many numbers are judgement; what the models were tested on."""
    from detente.models.registry import display_name

    pos = scenario.positions
    jp = sum(p.basis == "judgement" for p in pos)
    js = sum(p.salience_basis == "judgement" for p in pos)
    jc = sum(a.capability_basis == "judgement" for a in scenario.actors)
    res = sum(p.reservation is not None for p in pos)
    return [
        f"Judgement, not documented: {jp} of {len(pos)} positions, {js} of {len(pos)} "
        f"saliences (how much each side cares), {jc} of {len(scenario.actors)} capabilities "
        f"(clout). The {res} limits (the worst terms each side would sign) carry no basis of "
        "their own: read them as the analyst's judgement unless their note cites a statement.",
        f"The models were tested on {BACKTEST}. Their typical error there (mean absolute "
        "error on a 0-100 scale; docs/explanation/backtest.md): "
        + "; ".join(
            f"{display_name(m)} {BACKTEST_MAE[m]:.1f} points" for m in models if m in BACKTEST_MAE
        )
        + ". Expect errors at least as large here: nobody has scored them on peace talks.",
        "The zone of agreement rests on the limits: move one limit and the answer can change "
        "(see what it hinges on).",
    ]


def _inputs(scenario: Scenario, names: dict[str, str]) -> dict[str, Any]:
    """Actor × issue matrix of bases: D (documented, with its sources) or J (judgement)."""
    pos = {(p.actor, p.issue): p for p in scenario.positions}
    rows = []
    for a in scenario.actors:
        cells: list[dict[str, Any] | None] = []
        for i in scenario.issues:
            p = pos.get((a.id, i.id))
            if p is None:
                cells.append(None)
                continue
            cells.append(
                {
                    "value": round_sensibly(p.position),
                    "judgement": p.basis == "judgement",
                    "salience_judgement": p.salience_basis == "judgement",
                    "sources": ", ".join(p.sources),
                }
            )
        rows.append({"actor": names.get(a.id, a.id), "cells": cells})
    return {"issues": [i.id for i in scenario.issues], "rows": rows}


def _sources(scenario: Scenario) -> list[dict[str, Any]]:
    """The sources, each with how many documented and judgement positions cite it."""
    uses: dict[str, list[int]] = {s.id: [0, 0] for s in scenario.sources}
    for p in scenario.positions:
        for s in p.sources:
            if s in uses:
                uses[s][p.basis == "judgement"] += 1
    return [
        {
            "id": s.id,
            "title": s.title,
            "publisher": s.publisher,
            "date": "" if s.date is None else s.date.isoformat(),
            "url": s.url if s.url.startswith(("https://", "http://")) else "",
            "documented": uses[s.id][0],
            "judgement": uses[s.id][1],
        }
        for s in scenario.sources
    ]


def _moved(runs: RevisionsResult | None, names: dict[str, str]) -> dict[str, Any] | None:
    """What moved between the last two revisions: the zone, the blocking issues, each
    forecast that moved, and the changes the newest revision lists with their sources."""
    if runs is None or len(runs.runs) < 2:
        return None
    from detente.models.registry import display_name
    from detente.scenario.revisions import MIN_MOVE

    a, b = runs.runs[-2], runs.runs[-1]
    lines = []
    if a.zone != b.zone:
        lines.append("The deal zone " + ("opened." if b.zone else "closed."))
    new, gone = runs.blocking_change(-1)
    if new:
        lines.append("Newly blocking: " + ", ".join(new) + ".")
    if gone:
        lines.append("No longer blocking: " + ", ".join(gone) + ".")
    ga = {g["issue"]: g for g in a.limits}
    for g in b.limits:
        old = ga.get(g["issue"])
        if old is not None and g["blocked"] and old["blocked"] and g["gap"] != old["gap"]:
            lines.append(
                f"{g['issue']}: the gap between the veto players went from "
                f"{round_sensibly(old['gap'])} to {round_sensibly(g['gap'])} points."
            )
    for m in runs.models:
        for i in runs.issues:
            x0, x1 = runs.forecast(m, i, -2), runs.forecast(m, i, -1)
            if not (math.isnan(x0) or math.isnan(x1)) and abs(x1 - x0) >= MIN_MOVE:
                lines.append(
                    f"{display_name(m)} on {i}: {round_sensibly(x0)} → {round_sensibly(x1)}."
                )
    if not lines:
        lines.append("Nothing the models compute moved.")
    rev = b.revision.scenario.revision
    return {
        "since": f"{a.revision.as_of} ({a.revision.label})",
        "now": f"{b.revision.as_of} ({b.revision.label})",
        "lines": lines,
        "changes": list(rev.changes) if rev is not None else [],
    }


def brief_context(
    scenario: Scenario,
    *,
    runs: RevisionsResult | None = None,
    ensemble: Any = None,
    models: Sequence[str] = DEFAULT_BRIEF_MODELS,
    forecasts: Sequence[Forecast] | None = None,
    analysis: BargainingAnalysis | None = None,
    sensitivity: Any = None,
    seed: int | None = None,
    grid: int = 21,
) -> dict[str, Any]:
    """Everything the brief shows, as plain data (the template only lays it out).

    Steps: forecasts per model (unless given); the bargaining analysis (unless given); the
    ensemble (when ``ensemble`` is a number of draws and the scenario has an uncertainty
    block); then one entry per section (see the module docstring).
    """
    import detente
    from detente.bargaining import analyze

    names = actor_names(scenario)
    results = list(forecasts) if forecasts is not None else _forecasts(scenario, models, seed)
    a = analysis if analysis is not None else analyze(scenario, grid=grid)
    ens, ens_note = _ensemble(scenario, ensemble, [r.model for r in results], seed)
    return {
        "title": scenario.name,
        "as_of": None if scenario.as_of is None else scenario.as_of.isoformat(),
        "label": scenario.revision.label if scenario.revision is not None else "",
        "version": detente.__version__,
        "bottom": _bottom_line(scenario, a, names),
        "chart": _limits_chart(scenario, a),
        "forecasts": _forecast_table(scenario, results, ens),
        "ensemble_note": ens_note,
        "hinges": _hinges(scenario, a, sensitivity, names),
        "hinges_from": "sensitivity analysis" if sensitivity is not None else "the limits",
        "indicators": _indicators(scenario),
        "caveats": _caveats(scenario, [r.model for r in results]),
        "moved": _moved(runs, names),
        "inputs": _inputs(scenario, names),
        "sources": _sources(scenario),
    }


def _ensemble(
    scenario: Scenario, ensemble: Any, models: list[str], seed: int | None
) -> tuple[Any, str]:
    """The ensemble result to show (run here when ``ensemble`` is a number of draws) and a
    note saying what was done."""
    if ensemble is None:
        return None, ""
    if not isinstance(ensemble, int):
        return ensemble, f"Spread over {ensemble.draws} draws of the uncertain inputs."
    if scenario.uncertainty is None:
        return None, "No spread shown: the scenario has no uncertainty block."
    from detente.uncertainty.ensemble import ensemble as run_ensemble

    seed = 0 if seed is None else seed
    res = run_ensemble(scenario, draws=ensemble, seed=seed, models=models)
    return res, (
        f"Spread over {ensemble} draws of the uncertain inputs (seed {seed}): the middle 90% "
        "of the draws' forecasts."
    )


def render_brief(
    scenario: Scenario,
    *,
    runs: RevisionsResult | None = None,
    ensemble: Any = None,
    models: Sequence[str] = DEFAULT_BRIEF_MODELS,
    forecasts: Sequence[Forecast] | None = None,
    analysis: BargainingAnalysis | None = None,
    sensitivity: Any = None,
    seed: int | None = None,
    grid: int = 21,
) -> str:
    """The brief of ``scenario`` as one self-contained HTML page.

    Parameters
    ----------
    scenario : Scenario
    runs : RevisionsResult, optional
        The run of the scenario's dated revisions (:func:`detente.scenario.revisions.
        run_revisions`), newest last: adds "what moved since last time".
    ensemble : int or EnsembleResult, optional
        A finished ensemble, or a number of draws to run here (only when the scenario has an
        uncertainty block; seeded by ``seed``, default 0): forecasts get their spread.
    models : sequence of str
        Models to forecast with (ignored when ``forecasts`` is given).
    forecasts : sequence of Forecast, optional
        Forecasts already computed.
    analysis : BargainingAnalysis, optional
        The bargaining analysis already computed (else run here with ``grid``).
    sensitivity : SensitivityResult, optional
        When given, "what it hinges on" is its ranking.
    seed : int, optional
        Seed for the stochastic models and the ensemble.
    grid : int
        Grid points per issue of the analysis.

    Returns
    -------
    str
        The HTML page (UTF-8 text), every scenario string escaped.
    """
    ctx = brief_context(
        scenario,
        runs=runs,
        ensemble=ensemble,
        models=models,
        forecasts=forecasts,
        analysis=analysis,
        sensitivity=sensitivity,
        seed=seed,
        grid=grid,
    )
    return _template().render(**ctx)


def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("brief.html.j2")
