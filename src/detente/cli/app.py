"""The ``detente`` command line (Typer + rich)."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from detente.cli._store import NoStoreOpt, StoreOpt

if TYPE_CHECKING:
    from rich.console import Console

    from detente.models.result import Forecast
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.schema import Scenario

__all__ = [
    "STDIN",
    "app",
    "check_output",
    "console",
    "display_path",
    "errors",
    "fail",
    "input_path",
    "load_scenario",
    "main",
    "warn",
]

app = typer.Typer(
    name="detente",
    help=(
        "Analyse, simulate and forecast multi-party negotiations.\n\n"
        "Examples:\n\n"
        "  detente forecast miami            # the shipped Russia-Ukraine example\n\n"
        "  detente forecast talks.yaml -m compromise -m smp --history --format csv\n\n"
        "  detente models\n\n"
        "  detente validate talks.yaml\n\n"
        "  detente convert ktab.csv talks.yaml\n\n"
        "  cat talks.yaml | detente forecast - -m compromise   # '-' reads standard input"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


#: The file name that means standard input.
STDIN = "-"


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr), 140 columns wide when not a terminal."""
    from rich.console import Console

    c = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not c.is_terminal:
        # Piped or captured output: wide enough for a forecast table on one line per issue.
        c = Console(stderr=stderr, highlight=False, soft_wrap=False, width=140)
    return c


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error to stderr and exit with ``code``."""
    from rich.markup import escape

    # soft_wrap: the message stays on one line (the terminal may wrap it; rich does not),
    # so that it can be grepped and copied whole.
    console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """Print ``warning: message`` on one line of stderr (the command goes on)."""
    typer.echo(f"warning: {' '.join(message.split())}", err=True)


def display_path(file: str) -> str:
    """How messages name an input: the path as given, ``<stdin>`` for ``-``."""
    return "<stdin>" if file == STDIN else file


def input_path(file: str) -> Path | None:
    """The path a command reads for ``file``: a shipped example's file for its name, the path
    itself otherwise; ``None`` for standard input (``-``)."""
    from detente.examples import example_path, list_examples

    if file == STDIN:
        return None
    p = Path(file)
    if not p.exists() and file in list_examples():
        return example_path(file)
    return p


#: Picture types the plot options write (matplotlib picks the format from the suffix).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_output(
    path: Path | None,
    flag: str,
    *,
    figure: bool = False,
    inputs: Sequence[str | Path] = (),
    folder: bool = False,
    force: bool | None = None,
) -> None:
    """Refuse, before any work is done, an output path that cannot or must not be written.

    Its folder must exist and it must not be a folder (unless ``folder``: a tidy-CSV
    output); a ``figure`` needs one of :data:`FIGURE_SUFFIXES`; it must not be one of the
    command's ``inputs`` (the same file by device and inode, so that links and other
    spellings of the path are caught), lie inside an input folder, or (``folder``) hold an
    input — unless ``force`` (``None``: the command has no ``--force``). Inputs may be shipped example names or ``-`` (standard input: refused when it is
    redirected from the output file itself). Other write errors (a read-only folder, a full disk) surface from the write
    itself through :func:`errors`.
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
    if path.is_dir() and not folder:
        fail(f"{flag} {path}: is a folder; allowed: a file name")
    if force:
        return
    for given in inputs:
        inp = input_path(str(given))
        if inp is None:  # standard input: the file behind it, when it is one
            clash = _stdin_overlap(path)
        else:
            clash = _overlap(path, inp, folder=folder)
        if clash is not None:
            also = "" if force is None else " or --force"
            fail(
                f"{flag} {path}: {clash} {given}; writing it would destroy an input; "
                f"allowed: another {'path' if folder else 'file name'}{also}"
            )


def _stdin_overlap(output: Path) -> str | None:
    """How ``output`` would overwrite the file redirected to standard input; ``None`` if not."""
    import os
    import stat

    try:
        st = os.fstat(0)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return "is read on standard input as" if _file_key(output) == (st.st_dev, st.st_ino) else None


def _file_key(path: Path) -> tuple[int, int] | None:
    """(device, inode) of what ``path`` names, links followed; ``None`` if it names nothing."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _overlap(output: Path, inp: Path, *, folder: bool) -> str | None:
    """How ``output`` would overwrite input ``inp``, in words; ``None`` when it would not."""
    key = _file_key(inp)
    if key is None:
        return None
    out = output.resolve()
    if _file_key(out) == key:
        return "is the input"
    if inp.is_dir() and any(_file_key(parent) == key for parent in out.parents):
        return "lies inside the input folder"
    if folder and output.is_dir():
        okey = _file_key(out)
        if any(_file_key(parent) == okey for parent in inp.resolve().parents):
            return "is a folder holding the input"
    return None


@contextmanager
def errors(oom_hint: str = "a smaller problem (fewer actors or issues)") -> Iterator[None]:
    """Turn input errors into one-line messages and exit code 2 (never a traceback).

    ``oom_hint`` completes the out-of-memory message with what the command's own options
    can change (exit code 1).
    """
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
        fail(f"out of memory; try {oom_hint}", code=1)


def load_scenario(path: str, input_format: str | None = None) -> Scenario:
    """Load a scenario file, a shipped example by name (``miami``, ``eu-emissions``), or
    standard input (``-``)."""
    from detente.resources import format_bytes
    from detente.scenario.io import load

    p = input_path(path)
    if p is not None and p.is_file() and p.stat().st_size > _ANNOUNCE_READ_BYTES:
        # Reading and checking a big scenario takes seconds: say so rather than sit silent.
        typer.echo(f"reading {p.name} ({format_bytes(p.stat().st_size)})", err=True)
    return load(STDIN if p is None else p, format=input_format)


#: Scenario files above this size are announced on stderr before they are read.
_ANNOUNCE_READ_BYTES = 5_000_000


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class ListFormat(str, Enum):
    table = "table"
    csv = "csv"


DEFAULT_MODELS = ("compromise", "median", "nash", "smp", "eu")

#: The scenario argument of forecast and validate.
ScenarioFile = Annotated[
    str,
    typer.Argument(
        help="Scenario file or folder, a shipped example name (miami, eu-emissions), "
        "or - for standard input."
    ),
]
#: The --input-format option of every command that reads a scenario.
InputFormat = Annotated[
    str | None,
    typer.Option("--input-format", help="Force the input format (see `detente convert --help`)."),
]

_FORECAST_OOM = "a smaller problem (fewer actors or issues) or fewer models (-m compromise)"


@app.command()
def forecast(  # long: Typer declares every option in the signature (--store, --no-store too)
    file: ScenarioFile,
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
    input_format: InputFormat = None,
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
    plot_issues: Annotated[
        str | None,
        typer.Option(
            "--plot-issues",
            help="Issues the --plot figure shows: comma-separated ids. Default: the first ones.",
        ),
    ] = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Forecast every issue of a scenario with one or more models.

    CSV output has the columns model,issue,forecast (and model,round,actor,issue,position
    for --history), with issue and actor ids as in the file. Forecasts are in each issue's
    own units, written in full precision.

    Steps: refuse bad outputs; load the scenario; check the models and the file's
    model_params; estimate each model's memory and time (refuse what does not fit, say how
    long a long run will take); run the models (progress on stderr past a second); write
    the forecasts; draw the figure.

    Examples:

      detente forecast miami

      detente forecast ../shared/data/deu3/deu3-dev.tsv -m compromise --format csv

      detente forecast talks.yaml -m smp --history --format csv -o history.csv

      cat talks.yaml | detente forecast - -m compromise
    """
    # refused before any work (reading, running the models, which may be slow)
    check_output(output, "--output", inputs=[file])
    check_output(plot, "--plot", figure=True, inputs=[file])
    if plot_issues is not None and plot is None:
        fail("--plot-issues: needs --plot (the figure it chooses issues for)")
    from detente.cli._store import recording

    with recording(store, no_store, "forecast", seed=seed) as rec:
        with errors(oom_hint=_FORECAST_OOM):
            names = _model_names(model)
            scenario = load_scenario(file, input_format)
            params = _checked_params(scenario, file)
            arrays = scenario.to_arrays()
            chosen = _plot_selection(plot_issues, scenario)
            _check_cost(names, arrays, params, file)
            results = _run_models(names, arrays, seed, file)
        with errors():
            from detente.cli._forecast_output import emit_forecasts

            emit_forecasts(scenario, arrays, results, fmt.value, history, output)
        if plot is not None:
            with errors():
                _draw_forecasts(results, scenario, plot, chosen)
        rec.scenario(scenario)
        rec.models, rec.params = names, {"input": display_path(file), "model_params": params}
        for r in results:
            rec.result(f"forecast:{r.model}", r)


def _model_names(model: list[str] | None) -> list[str]:
    """The models to run: as named (a model named twice runs once, where first named), or
    the default core models; an unknown name raises ``KeyError`` with the known ones."""
    from detente.models import get_model, list_models

    registered = {m.name for m in list_models()}
    names = list(dict.fromkeys(model)) if model else [m for m in DEFAULT_MODELS if m in registered]
    for n in names:
        get_model(n)
    return names


def _checked_params(scenario: Scenario, file: str) -> dict[str, dict[str, object]]:
    """The scenario's ``model_params``, every model's options checked by the registry."""
    from detente.models.registry import check_model_params

    return check_model_params(scenario.model_params, path=display_path(file))


def _check_cost(
    names: list[str], arrays: ScenarioArrays, params: dict[str, dict[str, object]], file: str
) -> None:
    """Refuse a run too big for the memory; say how long a long one will take (stderr)."""
    from detente.cli._run import announce, check_costs

    seconds = check_costs(names, arrays, params, path=display_path(file))
    line = announce(seconds, arrays.n_actors, arrays.n_issues, names)
    if line is not None:
        typer.echo(line, err=True)


def _run_models(
    names: list[str], arrays: ScenarioArrays, seed: int | None, file: str
) -> list[Forecast]:
    """Each model's forecast, with progress drawn for long runs.

    With ``--seed``, each model its own stream keyed by its name
    (:func:`~detente.models.registry.model_stream`), so that a model's draws do not depend on
    which others ran or in what order; without it, ``None``, so that a seed the file sets
    (``model_params.seed``, KTAB's ``prngSeed``) applies.
    """

    from detente.cli.progress import reporting
    from detente.models.registry import run_models
    from detente.scenario.errors import ScenarioError

    with reporting():
        try:  # a table of separate negotiations (DEU proposals) runs group by group
            return run_models(names, arrays, seed)
        except ScenarioError as e:  # e.g. a scenario without positions
            raise e.located(display_path(file)) from None


def _figure_limit() -> int:
    """How many issues the forecast figure draws at most."""
    from detente.report.figures import MAX_ISSUES

    return MAX_ISSUES


def _plot_selection(plot_issues: str | None, scenario: Scenario) -> list[str] | None:
    """The issue ids ``--plot-issues`` names, checked against the scenario; ``None`` when
    not given (the figure shows the first issues)."""
    if plot_issues is None:
        return None
    ids = [i.id for i in scenario.issues]
    chosen = [x.strip() for x in plot_issues.split(",") if x.strip()]
    limit = _figure_limit()
    if not chosen:
        fail(f"--plot-issues {plot_issues!r}: no issue id given; allowed: comma-separated ids")
    unknown = [x for x in chosen if x not in ids]
    if unknown:
        shown = ", ".join(ids[:30]) + (", ..." if len(ids) > 30 else "")
        fail(f"--plot-issues: unknown issue {unknown[0]!r}; allowed: {shown}")
    twice = [x for n, x in enumerate(chosen) if x in chosen[:n]]
    if twice:
        fail(f"--plot-issues: issue {twice[0]!r} named twice; allowed: distinct issue ids")
    if len(chosen) > limit:
        fail(f"--plot-issues: {len(chosen)} issues; allowed: at most {limit} in one figure")
    return chosen


def _draw_forecasts(
    results: list[Forecast], scenario: Scenario, plot: Path, chosen: list[str] | None
) -> None:
    """The --plot figure; a note on stderr when it leaves issues out."""
    from detente.report import plot_forecasts, scenario_panels

    n = len(scenario.issues)
    limit = _figure_limit()
    ids = [i.id for i in scenario.issues]
    issues = None if chosen is None else [ids.index(x) for x in chosen]
    if chosen is None and n > limit:
        typer.echo(
            f"note: the figure shows the first {limit} of {n} issues; choose with --plot-issues",
            err=True,
        )
    plot_forecasts(results, **scenario_panels(scenario), path=plot, issues=issues)


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

    infos = list_models()
    if fmt is ListFormat.csv:
        rows = [
            {
                "model": m.name,
                "title": m.title,
                "stochastic": m.stochastic,
                "dynamic": m.dynamic,
                "citation": m.citation,
            }
            for m in infos
        ]
        sys.stdout.write(pd.DataFrame(rows).to_csv(index=False))
        return
    from rich.markup import escape
    from rich.table import Table

    t = Table(title="detente models")
    for c in ("model", "title", "kind", "citation"):
        t.add_column(c, overflow="fold")
    for m in infos:
        kind = ("stochastic" if m.stochastic else "deterministic") + (
            ", dynamic" if m.dynamic else ", static"
        )
        t.add_row(escape(m.name), escape(m.title), kind, escape(m.citation))
    console().print(t)


@app.command()
def validate(
    file: ScenarioFile,
    input_format: InputFormat = None,
) -> None:
    """Check a scenario file; print what it holds and how much of it is documented.

    The file's model_params are checked by each model's rules (unknown models and options
    are refused with the allowed ones). Exit code 0 when valid, 2 with a located message
    when not.
    """
    from rich.markup import escape

    with errors(oom_hint="a smaller scenario file"):
        s = load_scenario(file, input_format)
        _checked_params(s, file)
    warn_late_sources([(s, display_path(file))])
    documented = sum(p.basis == "documented" for p in s.positions)
    judged = len(s.positions) - documented
    vetoes = [a.id for a in s.actors if a.veto]
    console().print(
        f"[green]valid[/]: {escape(s.name)} — {len(s.actors)} actors, {len(s.issues)} issues, "
        f"{len(s.positions)} positions ({documented} documented, {judged} judgement), "
        f"{len(s.sources)} sources; veto players: {escape(', '.join(vetoes) or 'none')}",
        soft_wrap=True,
    )


def warn_late_sources(revisions: Iterable[tuple[Scenario, str | None]]) -> None:
    """One ``warning:`` line per source dated after its scenario's as_of (the date rule), for
    each ``(scenario, path)``."""
    from detente.scenario.revision_spec import late_messages

    for scenario, path in revisions:
        for message in late_messages(scenario, path):
            warn(message)


@app.command()
def convert(
    src: Annotated[
        str,
        typer.Argument(help="Input scenario (any readable format), or - for standard input."),
    ],
    dst: Annotated[
        Path, typer.Argument(help="Output file (.yaml, .json, .csv) or folder (tidy CSV).")
    ],
    input_format: InputFormat = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format",
            help="Force the output format: yaml, json, tidy-csv, ktab-csv, decide-csv.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write even when the output is the input (rewrite it in place)."
        ),
    ] = False,
) -> None:
    """Convert a scenario between formats.

    Readable: yaml, json, tidy-csv, ktab-csv, ktab-xml, bdm-csv, decide-csv, deu.
    Writable: yaml, json, tidy-csv, ktab-csv, decide-csv.

    An output that is the input (or a folder holding it) is refused unless --force. What
    the output format cannot hold (e.g. vetoes in Decide's CSV) is said on stderr as a
    warning line.

    Example: detente convert ../shared/data/ktab/dummyData_3Dim.csv dummy.yaml
    """
    from rich.markup import escape

    from detente.scenario.io import save

    check_output(dst, "output", folder=True, inputs=[src], force=force)
    with errors(oom_hint="a smaller scenario file"):
        s = load_scenario(src, input_format)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = save(s, dst, format=output_format)
    for w in caught:
        warn(str(w.message))
    console().print(f"wrote {escape(str(out))}", soft_wrap=True)


# command modules (each adds its commands to `app` when imported)
def _register_commands() -> None:
    import importlib

    for mod in (
        "cmd_analyze",
        "cmd_backtest",
        "cmd_baserate",
        "cmd_brief",
        "cmd_ensemble",
        "cmd_revisions",
        "cmd_runs",
        "cmd_sensitivity",
        "cmd_simulate",
        "cmd_serve",
    ):
        try:
            importlib.import_module(f"detente.cli.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"detente.cli.{mod}":
                raise


def main() -> None:
    """Entry point of the ``detente`` console script."""
    if len(sys.argv) < 2 or "--help" in sys.argv[1:]:
        from detente.cli._lazy_rich import import_typer_rich_utils

        import_typer_rich_utils()  # start-up time: see the module
    _register_commands()
    app()
