"""Options and handling shared by the commands that run many draws or runs (ensemble,
sensitivity, simulate): the output format, where the work runs, and a clean Ctrl-C."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from detente.cli.app import fail

if TYPE_CHECKING:
    from detente.uncertainty.executors import Executor

__all__ = [
    "INTERRUPTED",
    "ExecName",
    "ExecutorOpt",
    "Fmt",
    "FmtOpt",
    "SchedulerOpt",
    "WorkersOpt",
    "interruptible",
    "make_executor",
]

#: Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class Fmt(str, Enum):
    """Output format of a run's report."""

    table = "table"
    json = "json"


class ExecName(str, Enum):
    """Where the chunks of a run go (:class:`detente.uncertainty.executors.Executor`)."""

    local = "local"
    process = "process"
    dask = "dask"


FmtOpt = Annotated[Fmt, typer.Option("--format", "-f", help="table or json.")]
ExecutorOpt = Annotated[
    ExecName,
    typer.Option("--executor", help="Where the work runs: local, process (a local pool) or dask."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", help="Processes for process or a local Dask cluster (default: cores)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (tcp://HOST:PORT), with dask."
    ),
]


def make_executor(executor: ExecName, workers: int | None, scheduler: str | None) -> Executor:
    """The executor the options name; a bad combination is refused on one line (exit 2)."""
    from detente.uncertainty.executors import Executor

    if workers is not None and not 1 <= workers <= 4096:
        fail(f"--workers {workers}: out of range; allowed: a whole number from 1 to 4096")
    if scheduler is not None and executor is not ExecName.dask:
        fail(
            f"--scheduler {scheduler}: a scheduler address is for the dask executor only; "
            "allowed: --executor dask --scheduler tcp://HOST:PORT"
        )
    return Executor(executor.value, workers, scheduler)


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C in the block ends the command with exit 130 and says that nothing was written
    (outputs are written atomically after the run, so none is left half-written)."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing written", err=True)
        raise typer.Exit(INTERRUPTED) from None
