"""``detente analyze``: acceptable sets, zone of agreement, frontier, solutions, logrolls."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.app import app, errors, fail

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
        str | None, typer.Option("--actors", help="Comma-separated actor ids to include.")
    ] = None,
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
    if grid < 2:
        fail(f"--grid {grid} too small; allowed: an integer >= 2")
    who = [a.strip() for a in actors.split(",") if a.strip()] if actors else None
    with errors():
        try:
            p = Path(file)
            if p.is_dir() and not any(p.glob("*.yaml")) and not any(p.glob("*.yml")):
                source: object = p
            else:
                from detente.cli.app import load_scenario

                source = load_scenario(file).to_arrays()
                ids = source.actor_ids  # type: ignore[attr-defined]
                if who:
                    bad = [a for a in who if a not in ids]
                    if bad:
                        fail(
                            f"--actors: unknown actor(s) {', '.join(bad)}; allowed: "
                            f"{', '.join(ids)}"
                        )
            res = run_analysis(source, actors=who, shape=loss, grid=grid)
        except GeniusFormatError as e:
            fail(str(e))
        except ValueError as e:
            fail(str(e))
    if fmt is _Fmt.json:
        typer.echo(json.dumps(res.to_dict(), indent=1, default=str))
    else:
        typer.echo(res.summary())
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(12, 5))
        res.plot_plane(axes[0], actors=tuple(who[:2]) if who and len(who) >= 2 else None)
        res.plot_concessions(axes[1])
        fig.tight_layout()
        fig.savefig(plot)
        plt.close(fig)
