"""``detente analyze``: acceptable sets, zone of agreement, frontier, solutions, logrolls."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.app import app, check_output, errors, fail

__all__ = ["analyze"]


class _Fmt(str, Enum):
    table = "table"
    json = "json"


@app.command("analyze")
def analyze(
    file: Annotated[
        str,
        typer.Argument(
            help="Scenario file, shipped example name (miami), or a folder holding a GENIUS "
            "domain and its profiles."
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
) -> None:
    """Which packages every veto player prefers to walking away, the efficient frontier, the
    Nash / Kalai–Smorodinsky / egalitarian / utilitarian packages, the cheapest concessions
    when no zone of agreement exists, and logrolls.

    Examples:

      detente analyze miami

      detente analyze ../shared/data/genius/EnglandZimbabwe --format json

      detente analyze miami --actors RUS,UKR --plot plane.png
    """
    from detente.bargaining import LOSS_SHAPES
    from detente.bargaining import analyze as run_analysis
    from detente.scenario.io.genius import GeniusFormatError

    if loss not in LOSS_SHAPES:
        fail(f"--loss {loss!r} unknown; allowed: {', '.join(LOSS_SHAPES)}")
    if walkaway not in ("limits", "utility"):
        fail(f"--walkaway {walkaway!r} unknown; allowed: limits, utility")
    if objective not in ("balanced", "sum"):
        fail(f"--split {objective!r} unknown; allowed: balanced, sum")
    if grid < 2:
        fail(f"--grid {grid} too small; allowed: an integer >= 2")
    # before the analysis runs: a bad --plot never fails after the report has been printed
    check_output(plot, "--plot", figure=True)
    who = [a.strip() for a in actors.split(",") if a.strip()] if actors is not None else None
    if who == []:
        fail(
            f"--actors {actors!r}: no actor id given; allowed: comma-separated actor ids, or 'all'"
        )
    scenario = None
    with errors():
        try:
            p = Path(file)
            if p.is_dir() and not any(p.glob("*.yaml")) and not any(p.glob("*.yml")):
                source: object = p
            else:
                from detente.cli.app import load_scenario

                scenario = load_scenario(file)
                source = scenario.to_arrays()
                ids = source.actor_ids  # type: ignore[attr-defined]
                if who and who != ["all"]:
                    bad = [a for a in who if a not in ids]
                    if bad:
                        fail(
                            f"--actors: unknown actor(s) {', '.join(bad)}; allowed: "
                            f"{', '.join(ids)}"
                        )
            res = run_analysis(
                source,
                actors=who,
                shape=loss,
                grid=grid,
                walkaway=walkaway,
                objective=objective,
            )
        except GeniusFormatError as e:
            fail(str(e))
        except ValueError as e:
            fail(str(e))
    prov = _provenance(scenario, res.reservation_points) if scenario is not None else []
    if fmt is _Fmt.json:
        d = res.to_dict()
        d["reservation_points"] = prov or d["reservation_points"]
        typer.echo(json.dumps(d, indent=1, default=str))
    else:
        typer.echo(res.summary())
        if prov:
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
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(12, 5))
        res.plot_plane(axes[0], actors=tuple(who[:2]) if who and len(who) >= 2 else None)
        res.plot_concessions(axes[1])
        fig.tight_layout()
        try:
            with errors():
                fig.savefig(plot)
        finally:
            plt.close(fig)


def _provenance(scenario: object, points: list[dict]) -> list[dict]:
    """Attach each reservation point's ``sources``, ``basis`` and ``note`` from the scenario."""
    pos = {(p.actor, p.issue): p for p in scenario.positions}  # type: ignore[attr-defined]
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
