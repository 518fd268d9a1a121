"""``detente brief``: the one-page brief of a scenario (or of a recorded run) as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli._store import NoStoreOpt, StoreOpt
from detente.cli.app import (
    app,
    check_output,
    errors,
    fail,
    input_path,
    load_scenario,
    warn,
    warn_late_sources,
)

if TYPE_CHECKING:
    from detente.scenario.revisions import RevisionsResult
    from detente.scenario.schema import Scenario

__all__ = ["brief"]


@app.command("brief")
def brief(
    file: Annotated[
        str,
        typer.Argument(
            help="Scenario file, shipped example or series name (ukraine-2025), or the id "
            "of a recorded run (see `detente runs list`)."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the HTML page here (default: stdout)."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Model to forecast with (repeatable). Default: compromise, "
            "smp, eu (for a run: the run's models).",
        ),
    ] = None,
    ensemble: Annotated[
        int | None,
        typer.Option(
            "--ensemble",
            min=1,
            help="Run a seeded ensemble of N draws (the scenario's uncertainty block) and "
            "show each forecast's spread.",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed for stochastic models.")
    ] = None,
    grid: Annotated[
        int, typer.Option("--grid", min=2, help="Grid points per issue of the zone analysis.")
    ] = 21,
    revisions: Annotated[
        bool,
        typer.Option(
            "--revisions/--no-revisions",
            help="For a series (or a file with revision.previous): run the earlier "
            "revisions too and add 'what moved since last time'.",
        ),
    ] = True,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Write the brief: the bottom line in words, what each veto player would sign, the
    forecasts (with their spread under --ensemble), what the answer hinges on, indicators to
    watch, caveats, what moved since the last revision, and the sources. One self-contained
    HTML page; print it to PDF from the browser.

    Steps: check the output path; read the scenario (a file, an example, the newest revision
    of a series, or a recorded run's scenario from the store); run the earlier revisions
    (series); forecast, analyse and (--ensemble) draw; write the page atomically.

    Examples:

      detente brief miami -o brief.html

      detente brief ukraine-2025 -o brief.html --ensemble 200 --seed 1

      detente brief 20261205T193000-1a2b -o brief.html   # a recorded run
    """
    from detente.cli._store import recording

    check_output(output, "--output", inputs=[file])
    with errors():
        scenario, models, run_seed, series = _resolve(file, model, store, seed)
        seed = seed if seed is not None else run_seed
        with recording(store, no_store, "brief", models=models, seed=seed) as rec:
            rec.scenario(scenario)
            runs = _revisions(series, models, seed, grid) if revisions and series else None
            html = _render(scenario, runs, ensemble, models, seed, grid)
    _write(html, output)


def _resolve(
    file: str, model: list[str] | None, store: Path | None, seed: int | None
) -> tuple[Scenario, list[str], int | None, Any]:
    """The scenario, models, seed and (for a series) the revisions to run."""
    from detente.examples import list_series
    from detente.models.registry import get_model
    from detente.report.brief import DEFAULT_BRIEF_MODELS

    series: Any = None
    run_models: list[str] = []
    run_seed = None
    path = input_path(file)  # None: standard input
    if file in list_series():
        from detente.scenario.revisions import load_series

        series = load_series(file)
        scenario = series[-1].scenario
    elif path is None or path.exists():
        scenario = load_scenario(file)
        series = _chain(path, scenario)
    else:
        scenario, run_models, run_seed = _from_store(file, store)
    names = list(dict.fromkeys(model)) if model else (run_models or list(DEFAULT_BRIEF_MODELS))
    for n in names:
        get_model(n)
    return scenario, names, run_seed, series


def _chain(path: Path | None, scenario: Scenario) -> Any:
    """The revisions a file's previous links reach (``None`` when it has none, or for
    standard input)."""
    from detente.scenario.revisions import load_series

    if scenario.revision is None or not scenario.revision.previous or path is None:
        return None
    revs = load_series(path)
    return revs if len(revs) > 1 else None


def _from_store(run_id: str, store: Path | None) -> tuple[Scenario, list[str], int | None]:
    """A recorded run's scenario (its text, as stored), models and seed."""
    from detente.scenario.errors import ScenarioError
    from detente.scenario.io.native import read_json, read_yaml
    from detente.store import RunStore

    with RunStore(store) as st:
        try:
            rec = st.get_run(run_id)
        except ScenarioError as e:
            raise ScenarioError(
                "no such scenario file, example, series or recorded run",
                field="FILE",
                value=run_id,
                allowed="a scenario file, a shipped example or series name, or a run id "
                f"(detente runs list); the store said: {e.message}",
            ) from None
        if rec.scenario_hash is None:
            fail(f"run {rec.id}: it recorded no scenario; allowed: a run that read a scenario")
        text, fmt = st.scenario_text(rec.scenario_hash), st.scenario_fmt(rec.scenario_hash)
    if fmt not in ("json", "yaml"):
        fail(f"run {rec.id}: its input is a {fmt} table; allowed: a run of a scenario file")
    reader = read_json if fmt == "json" else read_yaml
    scenario = reader(f"run {rec.id}", text=text)
    from detente.models.registry import list_models

    known = {m.name for m in list_models()}
    return scenario, [m for m in rec.models if m in known], rec.seed


def _revisions(series: Any, models: list[str], seed: int | None, grid: int) -> RevisionsResult:
    from detente.scenario.revisions import run_revisions

    warn_late_sources((r.scenario, r.path) for r in series)
    return run_revisions(series, models, seed=seed, grid=grid)


def _render(
    scenario: Scenario,
    runs: RevisionsResult | None,
    ensemble: int | None,
    models: list[str],
    seed: int | None,
    grid: int,
) -> str:
    from detente.cli.progress import reporting
    from detente.report.brief import render_brief

    if ensemble is not None and scenario.uncertainty is None:
        warn("--ensemble: the scenario has no uncertainty block; the brief shows no spread")
    analysis = runs.runs[-1].analysis if runs is not None else None
    with reporting():
        return render_brief(
            scenario,
            runs=runs,
            ensemble=ensemble,
            models=models,
            analysis=analysis,
            seed=seed,
            grid=grid,
        )


def _write(html: str, output: Path | None) -> None:
    from detente.cli._forecast_output import write_text

    with errors():
        write_text(html, output)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)
