"""``detente revisions``: run each dated revision of a scenario and show how the answers moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from detente.cli._runs import Fmt, FmtOpt
from detente.cli._store import NoStoreOpt, StoreOpt, recording
from detente.cli.app import app, check_output, errors, fail, warn_late_sources

if TYPE_CHECKING:
    from detente.scenario.revisions import RevisionsResult

__all__ = ["revisions"]


@app.command("revisions")
def revisions(
    files: Annotated[
        list[str],
        typer.Argument(
            help="The revisions: scenario files or shipped example names, a shipped series "
            "(ukraine-2025), or one file whose revision.previous links lead back to the first."
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model to run (repeatable). Default: compromise, smp, eu."
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Draw the forecasts of the first model over the dates (PNG/SVG/PDF)."
        ),
    ] = None,
    fmt: FmtOpt = Fmt.table,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed for stochastic models.")
    ] = None,
    grid: Annotated[
        int,
        typer.Option("--grid", min=2, help="Grid points per issue of the zone analysis."),
    ] = 21,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Run every dated revision (forecasts per issue and model, the zone of agreement and its
    blocking issues) and show how they moved: a table, or JSON, and a plot.

    Each revision is a complete scenario file with its own as_of date; a source dated after
    a file's as_of is warned about (the date rule).

    Steps: check the plot path; read the revisions (oldest first); warn on late sources; run
    each; print the movement; draw the plot.

    Examples:

      detente revisions ukraine-2025 --plot revisions.png

      detente revisions a.yaml b.yaml c.yaml -m compromise --format json
    """
    from detente.models.registry import get_model
    from detente.scenario.revisions import DEFAULT_REVISION_MODELS, load_series, run_revisions

    check_output(plot, "--plot", figure=True, inputs=files)
    names = list(dict.fromkeys(model or DEFAULT_REVISION_MODELS))
    params = {"inputs": list(files), "grid": grid}
    with recording(store, no_store, "revisions", models=names, params=params, seed=seed) as rec:
        with errors():
            for n in names:
                get_model(n)
            revs = load_series(files if len(files) > 1 else files[0])
            if len(revs) < 2:
                fail(f"{files[0]}: one revision only; allowed: two or more dated revisions")
            warn_late_sources((r.scenario, r.path) for r in revs)
            res = run_revisions(revs, names, seed=seed, grid=grid)
        if fmt is Fmt.json:
            typer.echo(json.dumps(res.to_dict(), indent=1, allow_nan=False))
        else:
            typer.echo(res.summary())
        if plot is not None:
            _save(res, plot)
        rec.scenario(revs[-1].scenario)
        rec.result("revisions", res)


def _save(res: RevisionsResult, plot: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import save_figure

    fig, ax = plt.subplots(figsize=(10, 5.5))
    res.plot(ax)
    with errors():
        save_figure(fig, plot)
