"""The ``detente`` command line (Typer + rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app", "errors", "fail", "load_scenario", "main"]

app = typer.Typer(
    name="detente",
    help=(
        "Analyse, simulate and forecast multi-party negotiations.\n\n"
        "Examples:\n\n"
        "  detente forecast miami            # the shipped Russia-Ukraine example\n\n"
        "  detente forecast talks.yaml -m compromise -m smp --history --format csv\n\n"
        "  detente models\n\n"
        "  detente validate talks.yaml\n\n"
        "  detente convert ktab.csv talks.yaml"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    c = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not c.is_terminal:
        # Piped or captured output: wide enough for a forecast table on one line per issue.
        c = Console(stderr=stderr, highlight=False, soft_wrap=False, width=140)
    return c


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error to stderr and exit with ``code``."""
    from rich.markup import escape

    # soft_wrap: the message stays on one line (the terminal may wrap it; rich does not),
    # so that it can be grepped and copied whole.
    _console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


#: Picture types the plot options write (matplotlib picks the format from the suffix).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_output(path: Path | None, flag: str, *, figure: bool = False) -> None:
    """Refuse, before any work is done, an output path that cannot be written.

    Its folder must exist and it must not be a folder; a ``figure`` needs one of
    :data:`FIGURE_SUFFIXES`. Other write errors (a read-only folder, a full disk) surface
    from the write itself through :func:`errors`.
    """
    if path is None:
        return
    if figure and path.suffix.lower() not in FIGURE_SUFFIXES:
        fail(
            f"{flag} {path}: unknown figure type; allowed: a "
            + ", ".join(FIGURE_SUFFIXES[:-1])
            + f" or {FIGURE_SUFFIXES[-1]} file name"
        )
    if not path.parent.is_dir():
        fail(f"{flag} {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        fail(f"{flag} {path}: is a folder; allowed: a file name")


@contextmanager
def errors() -> Iterator[None]:
    """Turn input errors into one-line messages and exit code 2 (never a traceback)."""
    from detente.scenario.errors import ScenarioError

    try:
        yield
    except ScenarioError as e:
        fail(str(e))
    except KeyError as e:  # unknown model names and the like
        fail(str(e.args[0]) if e.args else str(e))
    except OSError as e:
        fail(f"{e.filename or 'file'}: {e.strerror or e}")
    except MemoryError:
        fail(
            "out of memory; try a smaller problem (fewer actors or issues, a coarser --grid)",
            code=1,
        )


def load_scenario(path: str, input_format: str | None = None) -> Any:
    """Load a scenario file, or a shipped example by name (``miami``, ``eu-emissions``)."""
    from detente.examples import example_path, list_examples
    from detente.scenario.io import load

    p = Path(path)
    if not p.exists() and path in list_examples():
        p = example_path(path)
    return load(p, format=input_format)


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class ListFormat(str, Enum):
    table = "table"
    csv = "csv"


DEFAULT_MODELS = ("compromise", "median", "nash", "smp", "eu")


@app.command()
def forecast(
    file: Annotated[
        str,
        typer.Argument(
            help="Scenario file or folder, or a shipped example name (miami, eu-emissions)."
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Model to run (repeatable); see `detente models`. Default: every core model.",
        ),
    ] = None,
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Output: table, csv or json.")
    ] = TableFormat.table,
    history: Annotated[
        bool, typer.Option("--history", help="Also print every actor's position at every round.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed for stochastic models.")
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format", help="Force the input format (see `detente convert --help`)."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of the terminal."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Also draw each issue's forecasts and rounds to this PNG/SVG file."
        ),
    ] = None,
) -> None:
    """Forecast every issue of a scenario with one or more models.

    CSV output has the columns model,issue,forecast (and model,round,actor,issue,position
    for --history), with issue and actor ids as in the file. Forecasts are in each issue's
    own units.

    Examples:

      detente forecast miami

      detente forecast ../shared/data/deu3/deu3-dev.tsv -m compromise --format csv

      detente forecast talks.yaml -m smp --history --format csv -o history.csv
    """
    import numpy as np

    from detente.models import get_model, list_models
    from detente.scenario.errors import ScenarioError

    with errors():
        scenario = load_scenario(file, input_format)
        arrays = scenario.to_arrays()
        registered = {m.name for m in list_models()}
        # a model named twice runs once (in the order first named)
        names = (
            list(dict.fromkeys(model)) if model else [m for m in DEFAULT_MODELS if m in registered]
        )
        for n in names:
            get_model(n)
        # refused before running the models (which may be slow)
        check_output(output, "--output")
        check_output(plot, "--plot", figure=True)
        # One child stream per model: a model's draws do not depend on which others ran.
        seeds = np.random.SeedSequence(seed).spawn(len(names))
        results = []
        for n, s in zip(names, seeds, strict=True):
            try:
                results.append(_run_one(n, arrays, s))
            except ScenarioError as e:  # e.g. a bad option in the file's model_params
                raise e.located(file) from None
            except ValueError as e:  # a bad model parameter in the file's model_params
                msg = str(e)
                fail(f"{file}: {msg if msg.startswith(n + ':') else f'model {n}: {msg}'}")
    with errors():
        _emit_forecasts(scenario, arrays, results, fmt, history, output)
    if plot is not None:
        from detente.report import plot_forecasts

        with errors():
            plot_forecasts(
                results,
                issue_names=[i.name for i in scenario.issues],
                anchors=[[(a.value, a.label) for a in i.scale.anchors] for i in scenario.issues],
                scales=[(i.scale.lo, i.scale.hi) for i in scenario.issues],
                path=plot,
            )


def _run_one(name: str, arrays: Any, rng: Any) -> Any:
    from detente.models import get_model
    from detente.models.registry import run_by_group

    info = get_model(name)
    # A table of separate negotiations (DEU proposals) runs group by group.
    return run_by_group(name, arrays, rng=rng if info.stochastic else None)


def _history_frame(res: Any, arrays: Any) -> Any:
    import numpy as np

    from detente.models import Forecast

    if res.history is None:
        res = Forecast(
            res.model,
            res.issue_ids,
            res.actor_ids,
            res.forecast,
            history=np.asarray(arrays.position)[None],
        )
    return res.history_df()


def _emit_forecasts(
    scenario: Any,
    arrays: Any,
    results: list[Any],
    fmt: TableFormat,
    history: bool,
    output: Path | None,
) -> None:
    import pandas as pd

    fc = pd.concat([r.to_df() for r in results], ignore_index=True)
    hist = (
        pd.concat([_history_frame(r, arrays) for r in results], ignore_index=True)
        if history
        else None
    )
    if fmt is TableFormat.csv:
        # One table per output so that the CSV parses: with --history, the rounds
        # (model,round,actor,issue,position); without, the forecasts (model,issue,forecast).
        table = hist if hist is not None else fc
        _write(table.to_csv(index=False, float_format="%.6g"), output)
        return
    if fmt is TableFormat.json:
        payload: dict[str, Any] = {
            "scenario": scenario.name,
            "as_of": None if scenario.as_of is None else scenario.as_of.isoformat(),
            "forecasts": _records(fc),
            "rounds": {r.model: r.n_rounds for r in results},
        }
        if hist is not None:
            payload["history"] = _records(hist)
        _write(json.dumps(payload, indent=2, allow_nan=False, default=_json_default) + "\n", output)
        return
    _print_table(scenario, results, hist, output)


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o).__name__)


def _records(df: Any) -> list[dict[str, Any]]:
    import numpy as np

    out = df.astype(object).where(df.notna(), None).to_dict(orient="records")
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in out]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from detente.scenario.io._common import atomic_write_text

    atomic_write_text(output, text)


def _nearest_anchor(issue: Any, value: float) -> str:
    import math

    if not issue.scale.anchors or value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    a = min(issue.scale.anchors, key=lambda a: abs(a.value - value))
    label = a.label if len(a.label) <= 48 else a.label[:45] + "..."
    return f"{a.value:g}: {label}"


def _print_table(scenario: Any, results: list[Any], hist: Any, output: Path | None) -> None:
    import math

    import numpy as np
    from rich.table import Table

    many = len(scenario.issues) > 40
    table = Table(
        title=f"{scenario.name}" + (f" (as of {scenario.as_of})" if scenario.as_of else ""),
        show_lines=False,
    )
    table.add_column("issue", overflow="fold")
    if not many:
        table.add_column("scale", overflow="fold")
    for r in results:
        table.add_column(
            r.model + (f" ({r.n_rounds} rounds)" if r.history is not None else ""), justify="right"
        )
    if not many:
        table.add_column(f"nearest option to {results[0].model}", overflow="fold")
    for j, issue in enumerate(scenario.issues):
        cells = [issue.id]
        if not many:
            sc = issue.scale
            unit = sc.unit if len(sc.unit) <= 12 else ""
            cells.append(f"{sc.lo:g}–{sc.hi:g} {unit}".strip())
        for r in results:
            v = float(r.forecast[j])
            cells.append("–" if math.isnan(v) else f"{v:.1f}")
        if not many:
            cells.append(_nearest_anchor(issue, float(results[0].forecast[j])))
        table.add_row(*cells)
    notes = []
    for r in results:
        feas = r.extra.get("feasible")
        if feas is not None and not bool(np.all(feas)):
            notes.append(
                f"{r.model}: '–' = no outcome that every actor with weight prefers to its "
                "reservation point or the status quo"
            )
    if notes:
        table.caption = "\n".join(notes)
    console = _console()
    if output is not None:
        import io

        from rich.console import Console

        buf = io.StringIO()
        c = Console(file=buf, width=160)
        c.print(table)
        if hist is not None:
            c.print(hist.to_string(index=False))
        _write(buf.getvalue(), output)
        return
    console.print(table)
    if hist is not None:
        console.print(hist.to_string(index=False))


@app.command("models")
def models_cmd(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table or csv.")
    ] = ListFormat.table,
) -> None:
    """List the registered models with their citations.

    The CSV's first column, model, is the name that `detente forecast --model` takes.
    """
    import pandas as pd

    from detente.models import list_models

    rows = [
        {
            "model": m.name,
            "title": m.title,
            "stochastic": m.stochastic,
            "dynamic": m.dynamic,
            "citation": m.citation,
        }
        for m in list_models()
    ]
    if fmt is ListFormat.csv:
        sys.stdout.write(pd.DataFrame(rows).to_csv(index=False))
        return
    from rich.table import Table

    t = Table(title="detente models")
    for c in ("model", "title", "kind", "citation"):
        t.add_column(c, overflow="fold")
    for r in rows:
        kind = ("stochastic" if r["stochastic"] else "deterministic") + (
            ", dynamic" if r["dynamic"] else ", static"
        )
        t.add_row(str(r["model"]), str(r["title"]), kind, str(r["citation"]))
    _console().print(t)


@app.command()
def validate(
    file: Annotated[
        str, typer.Argument(help="Scenario file or folder, or a shipped example name.")
    ],
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Force the input format.")
    ] = None,
) -> None:
    """Check a scenario file; print what it holds and how much of it is documented.

    Exit code 0 when valid, 2 with a located message when not.
    """
    with errors():
        s = load_scenario(file, input_format)
        from detente.models.smp import check_file_params

        try:
            check_file_params(s.model_params)
        except ValueError as e:
            fail(f"{file}: {e}")
    documented = sum(p.basis == "documented" for p in s.positions)
    judged = len(s.positions) - documented
    vetoes = [a.id for a in s.actors if a.veto]
    _console().print(
        f"[green]valid[/]: {s.name} — {len(s.actors)} actors, {len(s.issues)} issues, "
        f"{len(s.positions)} positions ({documented} documented, {judged} judgement), "
        f"{len(s.sources)} sources; veto players: {', '.join(vetoes) or 'none'}",
        soft_wrap=True,
    )


@app.command()
def convert(
    src: Annotated[str, typer.Argument(help="Input scenario (any readable format).")],
    dst: Annotated[
        Path, typer.Argument(help="Output file (.yaml, .json, .csv) or folder (tidy CSV).")
    ],
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Force the input format.")
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format",
            help="Force the output format: yaml, json, tidy-csv, ktab-csv, decide-csv.",
        ),
    ] = None,
) -> None:
    """Convert a scenario between formats.

    Readable: yaml, json, tidy-csv, ktab-csv, ktab-xml, bdm-csv, decide-csv, deu.
    Writable: yaml, json, tidy-csv, ktab-csv, decide-csv.

    Example: detente convert ../shared/data/ktab/dummyData_3Dim.csv dummy.yaml
    """
    from detente.scenario.io import save

    with errors():
        s = load_scenario(src, input_format)
        out = save(s, dst, format=output_format)
    _console().print(f"wrote {out}")


# command modules (each adds its commands to `app` when imported)
def _register_commands() -> None:
    import importlib

    for mod in ("cmd_analyze", "cmd_backtest"):
        try:
            importlib.import_module(f"detente.cli.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"detente.cli.{mod}":
                raise


def main() -> None:
    """Entry point of the ``detente`` console script."""
    _register_commands()
    app()
