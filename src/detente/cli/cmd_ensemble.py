"""``detente ensemble``: every model and the zone of agreement over draws of the inputs."""

from __future__ import annotations

import json
from enum import Enum
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
    from rich.table import Table

    from detente.scenario.schema import Scenario
    from detente.uncertainty._ens_result import EnsembleResult
    from detente.uncertainty.executors import Executor

__all__ = ["ensemble_cmd"]

_OOM = "fewer draws (--draws) or fewer models (--model)"


class _Method(str, Enum):
    sobol = "sobol"
    lhs = "lhs"
    random = "random"


@app.command("ensemble")
def ensemble_cmd(  # long: Typer declares every option in the signature; the body is 20 lines
    file: ScenarioFile,
    draws: Annotated[int, typer.Option("--draws", "-n", help="Draws of the inputs.")] = 1000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the draws and of stochastic models (>= 0)."),
    ] = None,
    method: Annotated[
        _Method, typer.Option("--method", help="How inputs are drawn: sobol, lhs or random.")
    ] = _Method.sobol,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model to run (repeatable). Default: compromise, eu, smp."
        ),
    ] = None,
    what_if: Annotated[
        list[str] | None,
        typer.Option(
            "--what-if",
            "--scenario",
            help="A what-if scenario of the file to run beside the base case (repeatable).",
        ),
    ] = None,
    executor: ExecutorOpt = ExecName.local,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also simulate the talks once per draw: the probability of a ratified deal.",
        ),
    ] = False,
    fmt: FmtOpt = Fmt.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of the terminal."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Draw the forecast distributions to this PNG/SVG/PDF file."),
    ] = None,
    input_format: InputFormat = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Forecast distributions, the chance of a zone of agreement and what blocks it, over
    draws of every uncertain input (Monte Carlo).

    Steps: check the options and outputs; load the scenario; estimate memory and time
    (refuse what does not fit, say how long a long run will take); draw the inputs and run
    every model and the zone check over them, chunk by chunk on the executor (progress on
    stderr past a second); print or write the result; draw the figure. Ctrl-C stops at once
    (exit 130) and writes nothing. The same --seed gives the same numbers bit for bit with
    any executor and number of workers; without one, the seed used is printed on stderr.

    Examples:

      detente ensemble miami --draws 4096 --seed 1

      detente ensemble miami -m compromise -m smp --format json -o ens.json

      detente ensemble miami --draws 1024 --seed 1 --simulate

      detente ensemble talks.yaml --executor dask --scheduler tcp://10.0.0.5:8786
    """
    params: dict[str, Any] = {"input": display_path(file), "draws": draws, "method": method.value}
    params |= {"what_if": what_if or [], "simulate": simulate, "executor": executor.value}
    with recording(store, no_store, "ensemble", params=params) as rec, interruptible():
        with errors(oom_hint=_OOM):
            ex = _check_options(file, draws, seed, executor, workers, scheduler, output, plot)
            scenario = load_scenario(file, input_format)
            names = _models(model)
            _check_cost(scenario, names, draws, what_if or [], ex, file)
            res = _run(
                scenario, file, draws, seed, method.value, names, what_if or [], ex, simulate
            )
        if seed is None:
            typer.echo(f"seed: {res.seed} (repeat this run with --seed {res.seed})", err=True)
        with errors():
            _emit(res, fmt.value, output)
            if plot is not None:
                _save_plot(res, plot)
        rec.scenario(scenario)
        rec.models, rec.seed = names, res.seed
        rec.result("ensemble", res)


def _check_options(
    file: str,
    draws: int,
    seed: int | None,
    executor: ExecName,
    workers: int | None,
    scheduler: str | None,
    output: Path | None,
    plot: Path | None,
) -> Executor:
    """Refuse bad options and outputs before any work; the executor to run on."""
    if draws < 1:
        fail(f"--draws {draws}: an ensemble needs at least one draw; allowed: a whole number >= 1")
    if seed is not None and seed < 0:
        fail(f"--seed {seed}: allowed: a whole number >= 0")
    ex = make_executor(executor, workers, scheduler)
    check_output(output, "--output", inputs=[file])
    check_output(plot, "--plot", figure=True, inputs=[file])
    return ex


def _models(model: list[str] | None) -> list[str]:
    """The models named (each once), else the ensemble's defaults; unknown ones refused."""
    from detente.uncertainty.ensemble import DEFAULT_MODELS, _check_models

    return list(_check_models(model or DEFAULT_MODELS))


def _check_cost(
    scenario: Scenario, names: list[str], draws: int, what_ifs: list[str], ex: Executor, file: str
) -> None:
    """Refuse an ensemble too big for the memory; say how long a long one will take."""
    from detente.cli._run import ANNOUNCE_SECONDS
    from detente.models.registry import check_model_params
    from detente.resources import check, format_seconds
    from detente.uncertainty.ensemble import ensemble_cost

    path = display_path(file)
    params = check_model_params(scenario.model_params, path=path)
    arrays = scenario.to_arrays()
    cost = check(
        ensemble_cost(arrays, names, draws, what_ifs=len(what_ifs), params=params), path=path
    )
    seconds = cost.seconds / ex.n_workers
    if seconds > ANNOUNCE_SECONDS:
        typer.echo(
            f"ensemble of {draws:,} draws x {1 + len(what_ifs)} case(s) of {arrays.n_actors} "
            f"actors x {arrays.n_issues} issues with {', '.join(names)}: "
            f"{format_seconds(seconds)} at most (the estimate is an upper bound)",
            err=True,
        )


def _run(
    scenario: Scenario,
    file: str,
    draws: int,
    seed: int | None,
    method: str,
    names: list[str],
    what_ifs: list[str],
    ex: Executor,
    simulate: bool = False,
) -> EnsembleResult:
    from detente.cli.progress import reporting
    from detente.scenario.errors import ScenarioError
    from detente.uncertainty.ensemble import ensemble

    with reporting():
        try:
            return ensemble(
                scenario,
                draws=draws,
                seed=seed,
                method=method,
                models=names,
                what_ifs=what_ifs,
                executor=ex,
                simulate=simulate,
            )
        except ScenarioError as e:
            raise e.located(display_path(file)) from None
        except NotImplementedError as e:
            fail(f"cannot draw the inputs yet: {e}", code=1)


def _emit(res: EnsembleResult, fmt: str, output: Path | None) -> None:
    """The result as JSON or as tables and sentences, to ``output`` or stdout."""
    from detente.cli._forecast_output import write_text

    if fmt == "json":
        write_text(json.dumps(res.to_dict(), indent=2, allow_nan=False) + "\n", output)
        return
    _print_tables(res, output)


def _quantile_table(res: EnsembleResult, what_if: str | None) -> Table:
    """Per issue and model: the 5, 25, 50, 75 and 95% points of the forecasts."""
    from rich.markup import escape
    from rich.table import Table

    from detente.uncertainty._ens_result import _pct

    st = res.stats(what_if)
    title = "base case" if what_if is None else f"what-if {what_if}"
    table = Table(title=escape(f"{res.scenario}: {title}, {res.draws:,} draws"))
    for col in ("issue", "model", "5%", "25%", "median", "75%", "95%", "defined"):
        table.add_column(col, justify="left" if col in ("issue", "model") else "right")
    for j, iss in enumerate(res.issue_ids):
        for n, (model, s) in enumerate(st.forecasts.items()):
            cells = [_num(s[q][j]) for q in ("q05", "q25", "q50", "q75", "q95")]
            first = escape(iss) if n == 0 else ""
            table.add_row(first, escape(model), *cells, _pct(s["defined"][j]))
        table.add_section()
    return table


def _num(x: float) -> str:
    return "-" if x != x else f"{x:.4g}"


def _print_tables(res: EnsembleResult, output: Path | None) -> None:
    """Each case's quantile table and its zone sentences; the seed and settings first."""
    import io

    from rich.console import Console
    from rich.markup import escape

    from detente.cli._forecast_output import write_text
    from detente.cli.app import console
    from detente.uncertainty._ens_text import zone_lines

    buf = io.StringIO()
    out = console() if output is None else Console(file=buf, width=140)
    out.print(escape(res.summary().splitlines()[0]), soft_wrap=True)
    for case in res.cases:
        out.print(_quantile_table(res, case.what_if))
        for line in zone_lines(res, case.what_if):
            out.print(escape(line), soft_wrap=True)
    if output is not None:
        write_text(buf.getvalue(), output)


def _save_plot(res: EnsembleResult, plot: Path) -> None:
    """The figure, written through a temporary file beside ``plot`` and renamed into place,
    so that an interrupted or failed write leaves no half-written picture."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import save_figure

    k = len(res.issue_ids)
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.6 * k * len(res.models))), 5))
    res.plot(ax)
    save_figure(fig, plot)
