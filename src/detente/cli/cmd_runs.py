"""``detente runs``: list, show, compare and export the runs recorded in the run store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from detente.cli.app import TableFormat, app, check_output, errors

if TYPE_CHECKING:
    from detente.store import RunRecord, RunRow, RunStore

__all__ = ["runs_app"]

runs_app = typer.Typer(
    no_args_is_help=True,
    help=(
        "The runs recorded in the run store (every forecast, analyze, ensemble, sensitivity, "
        "simulate and backtest run, unless --no-store or DETENTE_NO_STORE=1).\n\n"
        "The store is --store PATH, else $DETENTE_STORE, else runs.sqlite3 in the per-user "
        "data folder.\n\n"
        "Examples:\n\n"
        "  detente runs list --limit 10\n\n"
        "  detente runs show 20251219-1015\n\n"
        "  detente runs diff RUN_A RUN_B\n\n"
        "  detente runs export RUN_A RUN_B -o runs.csv"
    ),
)
app.add_typer(runs_app, name="runs")

StorePath = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Run store file (default: $DETENTE_STORE, else the per-user one)."
    ),
]


class _ExportFmt(str, Enum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


@contextmanager
def _open(store: Path | None) -> Iterator[RunStore]:
    """The store, opened (a located one-line error, exit 2, when it cannot be)."""
    from detente.store import RunStore

    with errors():
        db = RunStore(store)
    with db, errors():
        yield db


_LIST_COLUMNS = ("id", "command", "created", "scenario_name", "models", "seed", "seconds")


@runs_app.command("list")
def list_cmd(
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="table, csv or json.")
    ] = TableFormat.table,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="At most this many (newest).")
    ] = None,
    command: Annotated[
        str | None,
        typer.Option("--command", help="Only runs of this command (forecast, simulate, ...)."),
    ] = None,
    store: StorePath = None,
) -> None:
    """List recorded runs, newest first.

    CSV and JSON hold every column: id, command, created (UTC), scenario_hash,
    scenario_name, models, seed, version, seconds.
    """
    with _open(store) as db:
        rows = db.list_runs(limit=limit, command=command)
    if fmt is TableFormat.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in rows], indent=1) + "\n")
    elif fmt is TableFormat.csv:
        sys.stdout.write(_frame([r.to_dict() for r in rows]).to_csv(index=False))
    else:
        _print_table(rows, db.path)


def _frame(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    from detente.store import RunRow

    cols = list(RunRow.__dataclass_fields__)
    flat = [r | {"models": " ".join(r["models"]), "seed": _seed_text(r["seed"])} for r in rows]
    return pd.DataFrame(flat, columns=cols)


def _seed_text(seed: int | None) -> str:
    return "" if seed is None else str(seed)


def _print_table(rows: list[RunRow], path: Path) -> None:
    from rich.markup import escape
    from rich.table import Table

    from detente.cli.app import console

    t = Table(title=f"runs in {escape(str(path))}")
    for c in _LIST_COLUMNS:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(
            r.id,
            escape(r.command),
            r.created[:19].replace("T", " "),
            escape(r.scenario_name or ""),
            escape(", ".join(r.models)),
            _seed_text(r.seed),
            f"{r.seconds:.1f}",
        )
    console().print(t)
    if not rows:
        typer.echo("no runs recorded", err=True)


@runs_app.command("show")
def show_cmd(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    fmt: Annotated[
        TableFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (a summary), csv (kind, key, value: one row per result value) or json "
            "(everything).",
        ),
    ] = TableFormat.table,
    store: StorePath = None,
) -> None:
    """Show one run: when, what, with which inputs and parameters, and its results."""
    with _open(store) as db:
        rec = db.get_run(run_id)
    if fmt is TableFormat.table:
        typer.echo(_describe(rec))
        return
    if fmt is TableFormat.json:
        sys.stdout.write(json.dumps(rec.to_dict(), indent=1) + "\n")
        return
    from detente.store._export import tidy_rows

    rows = [
        {"kind": kind, "key": key, "value": value}
        for kind, payload in rec.results.items()
        for key, value in tidy_rows(payload)
    ]
    import pandas as pd

    sys.stdout.write(pd.DataFrame(rows, columns=["kind", "key", "value"]).to_csv(index=False))


def _describe(rec: RunRecord) -> str:
    """The run in a few lines of words, and its forecasts when it has any."""
    lines = [
        f"run {rec.id}: {rec.command}, {rec.created} ({rec.seconds:.2f} s), "
        f"detente {rec.version}, Python {rec.python or '?'}",
        f"scenario: {rec.scenario_name or '-'}"
        + (f" (sha256 {rec.scenario_hash[:12]})" if rec.scenario_hash else ""),
        f"models: {', '.join(rec.models) or '-'}; seed: {_seed_text(rec.seed) or '-'}",
        "params: " + json.dumps(rec.params, sort_keys=True),
        "results: " + (", ".join(rec.results) or "none"),
    ]
    for kind, payload in rec.results.items():
        issues, values = payload.get("issues"), payload.get("forecast")
        if isinstance(issues, list) and isinstance(values, list) and len(issues) == len(values):
            shown = ", ".join(
                f"{i}={v:.4g}" if isinstance(v, (int, float)) else f"{i}=-"
                for i, v in zip(issues, values, strict=True)
            )
            lines.append(f"  {kind}: {shown}")
    return "\n".join(lines)


@runs_app.command("diff")
def diff_cmd(
    a: Annotated[str, typer.Argument(help="The first run (id or unique prefix).")],
    b: Annotated[str, typer.Argument(help="The second run.")],
    fmt: Annotated[
        TableFormat, typer.Option("--format", "-f", help="table, csv or json.")
    ] = TableFormat.table,
    store: StorePath = None,
) -> None:
    """What changed from run A to run B: scenario inputs (capabilities, positions,
    saliences, reservation points by actor and issue), parameters, models, and forecasts
    per issue and model."""
    with _open(store) as db:
        d = db.diff(a, b)
    if fmt is TableFormat.json:
        sys.stdout.write(json.dumps(d.to_dict(), indent=1, allow_nan=False) + "\n")
    elif fmt is TableFormat.csv:
        sys.stdout.write(d.to_df().to_csv(index=False))
    else:
        typer.echo(d.summary())


@runs_app.command("export")
def export_cmd(
    run_ids: Annotated[list[str], typer.Argument(help="Run ids (or unique prefixes).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[
        _ExportFmt,
        typer.Option(
            "--format",
            "-f",
            help="csv (tidy: one row per result value), json (every run in full) or parquet "
            "(the tidy table; needs pip install 'detente[parquet]').",
        ),
    ] = _ExportFmt.csv,
    store: StorePath = None,
) -> None:
    """Write runs and their results to a file (atomically: a failed write leaves no half
    file)."""
    from detente.store import default_store_path

    check_output(output, "--output", inputs=[store or default_store_path()])
    with _open(store) as db:
        db.export(run_ids, output, fmt.value)
    typer.echo(f"wrote {output}: {len(run_ids)} run(s)", err=True)
