"""``detente simulate``: the talks run many times; the probability of a deal by date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli._runs import (
    ExecName,
    ExecutorOpt,
    Fmt,
    FmtOpt,
    SchedulerOpt,
    WorkersOpt,
    interruptible,
    make_executor,
)
from detente.cli._store import NoStoreOpt, StoreOpt, recording
from detente.cli.app import (
    InputFormat,
    ScenarioFile,
    app,
    check_output,
    display_path,
    errors,
    fail,
    load_scenario,
)

if TYPE_CHECKING:
    from detente.process.result import SimulationResult
    from detente.scenario.draws import InputDraws
    from detente.scenario.schema import Scenario
    from detente.uncertainty.executors import Executor

__all__ = ["simulate_cmd"]


_OOM = "fewer --runs or fewer rounds (--rounds / --until)"


@app.command("simulate")
def simulate_cmd(  # long: Typer declares every option in the signature; the body is 25 lines
    file: ScenarioFile,
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="single_text or alternating (default: the file's)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Simulate the rounds up to this date (YYYY-MM-DD)."),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="Simulate this many rounds.")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Runs of the talks.")] = 1000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed (default: fresh, printed so it can be reused)."),
    ] = None,
    point: Annotated[
        bool,
        typer.Option(
            "--point", help="Every run on the point values (default: inputs drawn per run)."
        ),
    ] = False,
    what_if: Annotated[
        str | None,
        typer.Option("--what-if", help="Run one of the scenario's what-ifs instead of the base."),
    ] = None,
    executor: ExecutorOpt = ExecName.local,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: FmtOpt = Fmt.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Draw the probability of a deal by date (PNG/SVG/PDF)."),
    ] = None,
    input_format: InputFormat = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Run the talks many times: how likely a deal is by when, on what terms, what blocks it.

    By default each run draws the uncertain inputs (positions, saliences, reservation points,
    drivers, shocks) from the scenario's uncertainty block: the probability comes from how the
    walk-aways move and how uncertain they are, not from the point values alone. --point runs
    every run on the point values.

    Steps: check the options and output paths; read the scenario; draw the inputs (unless
    --point); simulate (progress on stderr past a second); print or write the report; draw
    the figure.

    Examples:

      detente simulate miami --until 2026-02-28 --runs 2000 --seed 1

      detente simulate miami --protocol alternating --rounds 52 --format json -o sim.json

      detente simulate talks.yaml --point --plot deal-by-date.png
    """
    _check_options(runs, rounds, until)
    ex = make_executor(executor, workers, scheduler)
    check_output(output, "--output", inputs=[file])
    check_output(plot, "--plot", figure=True, inputs=[file])
    params: dict[str, Any] = {"input": display_path(file), "protocol": protocol, "until": until}
    params |= {"rounds": rounds, "runs": runs, "point": point, "what_if": what_if}
    with recording(store, no_store, "simulate", params=params) as rec:
        with interruptible():
            with errors(oom_hint=_OOM):
                scenario = base = load_scenario(file, input_format)
                if what_if is not None:
                    scenario = _what_if(scenario, file, what_if)
                res = _run(scenario, file, protocol, until, rounds, runs, seed, point, ex)
                if what_if is not None:
                    object.__setattr__(res, "what_if", what_if)
                if point:  # point values, even where a what-if fixed a driver for every run
                    object.__setattr__(res, "point", True)
        with errors():
            _emit(res, fmt, output)
        _historical_rate(scenario, stdout=fmt is Fmt.table and output is None)
        if plot is not None:
            with errors():
                _draw(res, plot)
        rec.scenario(base)  # the file as read; the what-if is a parameter
        rec.seed = res.seed
        rec.result("simulation", res)


def _check_options(runs: int, rounds: int | None, until: str | None) -> None:
    """Refuse option values the simulation cannot take, before any work."""
    from detente.process.simulation import MAX_ROUNDS, MAX_RUNS

    if not 1 <= runs <= MAX_RUNS:
        fail(f"--runs {runs}: out of range; allowed: a whole number from 1 to {MAX_RUNS:,}")
    if rounds is not None and not 1 <= rounds <= MAX_ROUNDS:
        fail(f"--rounds {rounds}: out of range; allowed: a whole number from 1 to {MAX_ROUNDS:,}")
    if rounds is not None and until is not None:
        fail("--until and --rounds: give one of them; allowed: --until DATE or --rounds N")


def _run(
    scenario: Scenario,
    file: str,
    protocol: str | None,
    until: str | None,
    rounds: int | None,
    runs: int,
    seed: int | None,
    point: bool,
    executor: Executor,
) -> SimulationResult:
    """Draw the inputs (unless ``point``), then simulate with progress drawn on stderr."""
    import numpy as np

    from detente.cli.progress import reporting
    from detente.process.simulation import horizon, simulate
    from detente.scenario.errors import ScenarioError
    from detente.uncertainty.executors import resolve_seed

    root = resolve_seed(seed)
    draw_seed, sim_seed = root.spawn(2)
    try:
        horizon(scenario, until=until, rounds=rounds)  # a bad date is refused before drawing
        with reporting():
            draws = _fixed_draws(scenario, runs) if point else _draws(scenario, runs, draw_seed)
            res = simulate(
                scenario,
                protocol=protocol,
                until=until,
                rounds=rounds,
                runs=None if draws is not None else runs,
                seed=sim_seed,
                draws=draws,
                executor=executor,
            )
    except ScenarioError as e:
        raise e.located(display_path(file)) from None
    # the seed to report is the root's (the one --seed takes), not the child's
    object.__setattr__(res, "seed", root.entropy if seed is None else int(np.int64(seed)))
    return res


def _what_if(scenario: Scenario, file: str, name: str) -> Scenario:
    """The scenario with its what-if ``name`` applied (a located error for an unknown one)."""
    from detente.scenario.errors import ScenarioError
    from detente.uncertainty.whatif import apply_what_if

    try:
        return apply_what_if(scenario, name)
    except ScenarioError as e:
        raise e.located(display_path(file)) from None


def _fixed_draws(scenario: Scenario, runs: int) -> InputDraws | None:
    """Point values, except drivers and shocks that the file (or a what-if) fixes at a value.

    A what-if such as "aid doubles" fixes a driver's multiplier in the uncertainty block; with
    --point it must still apply, so those values go to every run. ``None`` when there are none.
    """
    from dataclasses import replace

    import numpy as np

    from detente.scenario.draws import InputDraws
    from detente.uncertainty.sampling import InputSpace

    fixed = [v for v in InputSpace.from_scenario(scenario).fixed if v.kind in ("driver", "shock")]
    if not fixed:
        return None
    a = scenario.to_arrays()
    batch = replace(
        a,
        capability=np.tile(a.capability, (runs, 1)),
        position=np.tile(a.position, (runs, 1, 1)),
        salience=np.tile(a.salience, (runs, 1, 1)),
        reservation=np.tile(a.reservation, (runs, 1, 1)),
    )
    values = {v.key: np.full(runs, v.dist.low) for v in fixed}
    return InputDraws(batch, values)


def _draws(scenario: Scenario, runs: int, seed: object) -> InputDraws:
    """One draw of the uncertain inputs per run (refused, with --point as the way out, where
    this build cannot draw them)."""
    from detente.uncertainty.sampling import draw_inputs

    try:
        return draw_inputs(scenario, runs, seed=seed)  # type: ignore[arg-type]
    except NotImplementedError:
        fail(
            "drawing the uncertain inputs is not available in this build of detente; "
            "allowed: --point (every run on the point values)"
        )


def _historical_rate(scenario: Scenario, *, stdout: bool) -> None:
    """The UCDP agreement rate beside the simulation's own (``detente baserate``)."""
    from detente.cli.cmd_baserate import print_historical_rate

    print_historical_rate(scenario, stdout=stdout)


def _emit(res: SimulationResult, fmt: Fmt, output: Path | None) -> None:
    from detente.cli._forecast_output import write_text

    if fmt is Fmt.json:
        text = json.dumps(res.to_dict(), indent=1, allow_nan=False) + "\n"
    else:
        text = res.summary() + "\n"
    write_text(text, output)


def _draw(res: SimulationResult, plot: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import save_figure

    fig, ax = plt.subplots(figsize=(9, 4.5))
    res.plot(ax)
    save_figure(fig, plot)
