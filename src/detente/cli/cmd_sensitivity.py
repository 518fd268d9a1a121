"""``detente sensitivity``: which uncertain inputs each answer hinges on (Sobol or Morris)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
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
    app,
    check_output,
    display_path,
    errors,
    fail,
    load_scenario,
)

if TYPE_CHECKING:
    from detente.uncertainty.sensitivity import SensitivityResult

__all__ = ["sensitivity_cmd"]


class _Method(str, Enum):
    sobol = "sobol"
    morris = "morris"


class _Groups(str, Enum):
    analyst = "analyst"
    inputs = "inputs"


#: Default sample sizes: Sobol base samples, Morris trajectories.
DEFAULT_N = {"sobol": 256, "morris": 20}


@app.command("sensitivity")
def sensitivity_cmd(  # long: the command's options, each one declaration
    file: Annotated[
        str,
        typer.Argument(
            help="Scenario file or folder, a shipped example name (miami), or - for standard input."
        ),
    ],
    method: Annotated[_Method, typer.Option("--method", help="sobol or morris.")] = _Method.sobol,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            min=2,
            help="Sobol base samples (a power of 2; cost n x (inputs + 2) evaluations) or Morris "
            "trajectories (cost n x (inputs + 1)). Default 256 (sobol), 20 (morris).",
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Model whose forecasts are answers (repeatable). Default: compromise.",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed (default: fresh, reported).")
    ] = None,
    groups: Annotated[
        _Groups,
        typer.Option(
            "--groups",
            help="analyst: inputs grouped as an analyst reads them (an actor's saliences, the "
            "positions on an issue, an actor's capability, its reservation points); inputs: one "
            "by one.",
        ),
    ] = _Groups.analyst,
    what_if: Annotated[
        str | None,
        typer.Option("--what-if", help="Analyse this what-if of the scenario (its id)."),
    ] = None,
    executor: ExecutorOpt = ExecName.local,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: FmtOpt = Fmt.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Draw a tornado chart to this PNG/SVG/PDF file.")
    ] = None,
    answer: Annotated[
        str | None,
        typer.Option(
            "--answer",
            help="The answer the --plot chart shows (MODEL:ISSUE or zone). Default: the first "
            "that varied.",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Inputs named per answer in the table.")
    ] = 3,
    input_format: InputFormat = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Global sensitivity: which uncertain inputs each model's forecast (and whether a zone of
    agreement exists) hinges on, with confidence intervals.

    Every position, salience, capability and reservation point is uncertain (the scenario's
    uncertainty block, else the defaults by basis). Sobol gives first-order (S1) and total
    (ST) shares of each answer's variance; Morris a cheaper screen (mu*, sigma).

    Steps: refuse bad outputs; read the scenario; apply the what-if; sample and evaluate
    (progress on stderr); analyse; write the table or JSON (atomically); draw the chart.

    Examples:

      detente sensitivity miami

      detente sensitivity miami --method morris --groups inputs -m compromise -m smp

      detente sensitivity miami --what-if front_stalls --format json -o sens.json --plot t.png
    """
    from detente.cli.progress import reporting
    from detente.uncertainty.sensitivity import sensitivity

    check_output(output, "--output", inputs=[file])
    check_output(plot, "--plot", figure=True, inputs=[file])
    if answer is not None and plot is None:
        fail("--answer: needs --plot (the chart it chooses the answer for)")
    ex = make_executor(executor, workers, scheduler)
    names = list(dict.fromkeys(model or ["compromise"]))
    params: dict[str, Any] = {
        "input": display_path(file),
        "method": method.value,
        "n": n or DEFAULT_N[method.value],
    }
    params |= {"groups": groups.value, "what_if": what_if, "executor": executor.value}
    with recording(store, no_store, "sensitivity", models=names, params=params) as rec:
        with interruptible(), errors(oom_hint="a smaller --n or --groups analyst"):
            scenario = load_scenario(file, input_format)
            with reporting(), _located(file):
                res = sensitivity(
                    scenario,
                    method=method.value,
                    n=n or DEFAULT_N[method.value],
                    models=names,
                    seed=seed,
                    groups=groups.value,
                    what_if=what_if,
                    executor=ex,
                )
            if answer is not None and answer not in res.answers:
                fail(f"--answer {answer!r}: unknown; allowed: {', '.join(res.answers)}")
        _emit(res, fmt, output, top)
        if plot is not None:
            with errors():
                _save_plot(res, plot, answer)
        typer.echo(
            f"seed {res.seed} ({display_path(file)}): --seed {res.seed} repeats this run", err=True
        )
        rec.scenario(scenario)
        rec.seed = res.seed
        rec.result("sensitivity", res)


@contextmanager
def _located(file: str) -> Iterator[None]:
    """A ``ScenarioError`` of the analysis (an unknown what-if) names the file."""
    from detente.scenario.errors import ScenarioError

    try:
        yield
    except ScenarioError as e:
        raise e.located(display_path(file)) from None


def _emit(res: SensitivityResult, fmt: Fmt, output: Path | None, top: int) -> None:
    """The JSON document or the summary in words, to ``output`` (atomically) or stdout."""
    from detente.cli._forecast_output import write_text

    if fmt is Fmt.json:
        text = json.dumps(res.to_dict(), indent=1, allow_nan=False) + "\n"
    else:
        text = res.summary(top=top) + "\n"
    with errors():
        write_text(text, output)


def _save_plot(res: SensitivityResult, plot: Path, answer: str | None) -> None:
    """The tornado chart, written through :func:`save_figure` (an interrupted save leaves no
    half-written picture)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.figures import save_figure

    fig, ax = plt.subplots(figsize=(9, 6))
    res.plot(ax, answer=answer)
    save_figure(fig, plot)
