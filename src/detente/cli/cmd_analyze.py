"""``detente analyze``: acceptable sets, zone of agreement, frontier, solutions, logrolls."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli._store import NoStoreOpt, StoreOpt, recording
from detente.cli.app import (
    InputFormat,
    app,
    check_output,
    display_path,
    errors,
    fail,
    input_path,
    load_scenario,
)

if TYPE_CHECKING:
    from detente.bargaining import BargainingAnalysis
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.schema import Scenario

__all__ = ["analyze"]

_OOM = "a smaller problem (fewer actors or issues, a coarser --grid)"


class _Fmt(str, Enum):
    table = "table"
    json = "json"


#: --detail: the full report after the short plain summary.
_DetailOpt = Annotated[
    bool,
    typer.Option(
        "--detail",
        "--verbose",
        help="The full report (limits, concessions, solutions, logrolls, the reservation "
        "points' sources) after the short summary.",
    ),
]


@app.command("analyze")
def analyze(  # long: Typer declares every option in the signature (--store, --no-store too)
    file: Annotated[
        str,
        typer.Argument(
            help="Scenario file or folder (any format forecast reads), a shipped example name "
            "(miami), a folder holding a GENIUS domain and its profiles, or - for standard "
            "input."
        ),
    ],
    actors: Annotated[
        str | None,
        typer.Option(
            "--actors",
            help="Parties of the frontier and solutions: comma-separated ids, or 'all'. "
            "Default: the veto players when there are at least two, else everyone.",
        ),
    ] = None,
    walkaway: Annotated[
        str,
        typer.Option(
            "--walkaway",
            help="limits: reservation points are hard per-issue limits (default); utility: "
            "one walk-away utility per actor from its reservation points, compensable "
            "across issues.",
        ),
    ] = "limits",
    objective: Annotated[
        str,
        typer.Option(
            "--split",
            help="How a gap is shared in the minimal concession: balanced (equal "
            "salience-weighted moves, default) or sum (least total salience x units).",
        ),
    ] = "balanced",
    fmt: Annotated[_Fmt, typer.Option("--format", "-f", help="table or json.")] = _Fmt.table,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Save the utility plane and the concession bars (PNG/SVG)."),
    ] = None,
    loss: Annotated[
        str, typer.Option("--loss", help="Loss shape for scenarios: linear, quadratic, ktab.")
    ] = "linear",
    grid: Annotated[
        int, typer.Option("--grid", help="Grid points per continuous issue (scenarios).")
    ] = 21,
    input_format: InputFormat = None,
    detail: _DetailOpt = False,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Which packages every veto player prefers to walking away, the efficient frontier, the
    Nash / Kalai–Smorodinsky / egalitarian / utilitarian packages, the cheapest concessions
    when no zone of agreement exists, and logrolls.

    Steps: check the options and the --plot path; read the scenario (every format forecast
    reads) or the GENIUS folder; check --actors against it; analyse; print the report (a
    short plain summary; with --detail the full report and the sources of the reservation
    points used; or JSON); draw the figure.

    Examples:

      detente analyze miami

      detente analyze miami --detail

      detente analyze ../shared/data/genius/EnglandZimbabwe --format json

      detente analyze miami --actors RUS,UKR --plot plane.png
    """
    who = _check_options(loss, walkaway, objective, grid, actors)
    # before the analysis runs: a bad --plot never fails after the report has been printed
    check_output(plot, "--plot", figure=True, inputs=[file])
    options = {"shape": loss, "grid": grid, "walkaway": walkaway, "objective": objective}
    params = {"input": display_path(file), "actors": who, **options}
    with recording(store, no_store, "analyze", params=params) as rec:
        with errors(oom_hint=_OOM):
            scenario, source = _read_source(file, input_format)
            res = _run(scenario, source, who, options)
        prov = _provenance(scenario, res.reservation_points) if scenario is not None else []
        if fmt is _Fmt.json:
            _print_json(res, prov)
        else:
            _print_report(res, prov, scenario, detail)
        if plot is not None:
            _save_plot(res, plot, who)
        rec.scenario(scenario)
        rec.result("analysis", _for_store(res))


#: Largest --grid: points per continuous issue (the memory check refuses far smaller grids on
#: most scenarios; this bound keeps the estimate itself from overflowing).
MAX_GRID = 1_000_000


def _check_options(
    loss: str, walkaway: str, objective: str, grid: int, actors: str | None
) -> list[str] | None:
    """Refuse unknown option values; the --actors ids (``None``: the default parties)."""
    from detente.bargaining import LOSS_SHAPES

    if loss not in LOSS_SHAPES:
        fail(f"--loss {loss!r} unknown; allowed: {', '.join(LOSS_SHAPES)}")
    if walkaway not in ("limits", "utility"):
        fail(f"--walkaway {walkaway!r} unknown; allowed: limits, utility")
    if objective not in ("balanced", "sum"):
        fail(f"--split {objective!r} unknown; allowed: balanced, sum")
    if not 2 <= grid <= MAX_GRID:
        fail(f"--grid {grid}: out of range; allowed: an integer from 2 to {MAX_GRID:,}")
    if actors is None:
        return None
    who = [a.strip() for a in actors.split(",")]
    if not any(who):
        fail(
            f"--actors {actors!r}: no actor id given; allowed: comma-separated actor ids, or 'all'"
        )
    if not all(who):
        fail(f"--actors {actors!r}: an empty actor id; allowed: comma-separated actor ids")
    twice = [a for n, a in enumerate(who) if a in who[:n]]
    if twice:
        fail(f"--actors {actors!r}: {twice[0]} is named twice; allowed: distinct actor ids")
    return who


def _genius_folder(file: str) -> Path | None:
    """``file`` as a GENIUS domain folder: a folder that is no tidy-CSV scenario and holds no
    YAML file; ``None`` for anything else (read as a scenario)."""
    from detente.scenario.errors import ScenarioError
    from detente.scenario.io import detect_format

    p = input_path(file)
    if p is None or not p.is_dir() or any(p.glob("*.yaml")) or any(p.glob("*.yml")):
        return None
    try:
        detect_format(p)
    except ScenarioError:
        return p
    return None


def _read_source(
    file: str, input_format: str | None
) -> tuple[Scenario | None, Path | ScenarioArrays]:
    """The scenario (through the loader ``forecast`` uses) and its arrays, or a GENIUS
    folder's path (and no scenario)."""
    genius = None if input_format is not None else _genius_folder(file)
    if genius is not None:
        return None, genius
    scenario = load_scenario(file, input_format)
    return scenario, scenario.to_arrays()


def _run(
    scenario: Scenario | None,
    source: Path | ScenarioArrays,
    who: list[str] | None,
    options: dict[str, Any],
) -> BargainingAnalysis:
    """The analysis (progress on stderr past a second), after checking --actors against the
    scenario's actors."""
    from detente.bargaining import analyze as run_analysis
    from detente.bargaining.rules import PackageRules
    from detente.cli.progress import reporting

    try:
        if scenario is not None:
            _check_actors(who, scenario.to_arrays())
        _announce(source, who, options["grid"])
        with reporting():
            rules = None if scenario is None else PackageRules.from_scenario(scenario)
            return run_analysis(source, actors=who, rules=rules, **options)
    except ValueError as e:  # a GENIUS format error, or parties the analysis refuses
        fail(str(e))


def _announce(source: Path | ScenarioArrays, who: list[str] | None, grid: int) -> None:
    """Say on stderr how long a long analysis will take (the estimate of
    :func:`detente.bargaining.estimate_cost`); a run too big for the memory is refused by the
    analysis itself."""
    from detente.bargaining import estimate_cost
    from detente.cli._run import ANNOUNCE_SECONDS
    from detente.resources import check, format_seconds

    cost = check(estimate_cost(source, actors=who, grid=grid))  # refused: no time line
    if cost.seconds > ANNOUNCE_SECONDS:
        typer.echo(f"{cost.what}: {format_seconds(cost.seconds)}", err=True)


def _check_actors(who: list[str] | None, arrays: ScenarioArrays) -> None:
    ids = arrays.actor_ids
    if who and who != ["all"]:
        bad = [a for a in who if a not in ids]
        if bad:
            fail(f"--actors: unknown actor(s) {', '.join(bad)}; allowed: {', '.join(ids)}")


def _print_json(res: BargainingAnalysis, prov: list[dict[str, Any]]) -> None:
    d = res.to_dict()
    d["reservation_points"] = prov or d["reservation_points"]
    typer.echo(json.dumps(d, indent=1, default=str))


def _print_report(
    res: BargainingAnalysis, prov: list[dict[str, Any]], scenario: Scenario | None, detail: bool
) -> None:
    """The short plain summary; with ``detail``, then the full report and the reservation
    points' sources."""
    from detente.report.plain import plain_analysis

    typer.echo(plain_analysis(res, scenario))
    if not detail:
        return
    typer.echo("")
    typer.echo(res.summary())
    if not prov:
        return
    typer.echo("reservation points used (actor, issue, value; sources; note):")
    for r in prov:
        src = ", ".join(r["sources"]) or "none"
        typer.echo(
            f"  {r['actor']} {r['issue']} = {r['reservation']:g} "
            f"(position {r['position']:g}, salience {r['salience']:.2f}); "
            f"sources: {src}; position basis: {r['basis']}"
        )
        if r["note"]:
            typer.echo(f"      {r['note']}")


def _save_plot(res: BargainingAnalysis, plot: Path, who: list[str] | None) -> None:
    """The utility plane of the first two parties and the concession bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    res.plot_plane(axes[0], actors=tuple(who[:2]) if who and len(who) >= 2 else None)
    res.plot_concessions(axes[1])
    with errors():
        save_figure(fig, plot)


def _for_store(res: BargainingAnalysis) -> dict[str, Any]:
    """The analysis as recorded in the run store: everything but the frontier's points
    (megabytes of JSON on the Miami example; ``frontier_size`` stays, and the points can be
    recomputed from the recorded scenario and parameters)."""
    d = res.to_dict()
    if "frontier" in d:
        d["frontier"] = None
        d["frontier_points_recorded"] = False
    return d


def _provenance(scenario: Scenario, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach each reservation point's ``sources``, ``basis`` and ``note`` from the scenario."""
    pos = {(p.actor, p.issue): p for p in scenario.positions}
    out = []
    for r in points:
        p = pos.get((r["actor"], r["issue"]))
        out.append(
            {
                **r,
                "sources": list(p.sources) if p is not None else [],
                "basis": p.basis if p is not None else "",
                "note": " ".join(p.note.split()) if p is not None else "",
            }
        )
    return out
