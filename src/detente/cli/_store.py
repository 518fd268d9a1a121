"""The run store seen from the command line: the ``--store``/``--no-store`` options and
:func:`recording`, the one helper every command that runs something calls.

A command wraps its work in ``with recording(store, no_store, "simulate", ...) as rec:`` and
tells ``rec`` what it ran (``rec.scenario(s)``, ``rec.result(kind, obj)``, ``rec.seed = ...``).
When the block ends normally the run is written to the store in one transaction; when it
ends by an error (bad input: exit 2), Ctrl-C or any exception, nothing is written. (This
module imports nothing of the CLI at its top, so that ``cli/app.py`` can take its options.)

Where: ``--store PATH``, else ``$DETENTE_STORE``, else the per-user data folder
(:func:`detente.store.default_store_path`). Not at all: ``--no-store``, or the environment
variable ``DETENTE_NO_STORE=1``. The store is opened and closed before the work starts (a
store that cannot be opened is refused on one line, exit 2, before anything runs; no
connection is held while the work runs, so none is carried into worker processes), then
opened again to write; a store that cannot be written at the end (a full disk) costs a
warning line on stderr, not the command's output or its exit code. When standard error is a
terminal, the command says ``recorded run ID in PATH`` there; piped or captured, it says
nothing (stdout is never touched).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario
    from detente.store import Run

__all__ = ["NO_STORE_ENV", "NoStoreOpt", "Recorder", "StoreOpt", "recording"]

#: Environment variable: set to 1 (true, yes) to record nothing.
NO_STORE_ENV = "DETENTE_NO_STORE"

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Run store file to record this run in (default: $DETENTE_STORE, else the "
        "per-user store; see `detente runs`).",
    ),
]
NoStoreOpt = Annotated[
    bool,
    typer.Option("--no-store", help="Do not record this run (or set DETENTE_NO_STORE=1)."),
]


class Recorder:
    """What a command tells the store about its run (a no-op when recording is off).

    Attributes ``models`` (list of names), ``params`` (dict) and ``seed`` may be set at any
    time in the block.
    """

    def __init__(self, run: Run | None) -> None:
        self._run = run

    @property
    def active(self) -> bool:
        """Whether this run will be recorded."""
        return self._run is not None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("models", "params", "seed"):
            if self._run is not None:
                setattr(self._run, name, value)
            return
        object.__setattr__(self, name, value)

    def scenario(self, scenario: Scenario | None) -> None:
        """Record the scenario the run read (as detente's JSON, keyed by its SHA-256)."""
        if self._run is None or scenario is None:
            return
        from detente.scenario.io.native import dump_json

        self._run.attach_scenario(
            dump_json(scenario), name=scenario.name, fmt="json", as_of=scenario.as_of
        )

    def scenario_text(self, text: str, *, name: str, fmt: str) -> None:
        """Record an input read as text (a DEU table) under its format name."""
        if self._run is not None:
            self._run.attach_scenario(text, name=name, fmt=fmt)

    def result(self, kind: str, result: Any) -> None:
        """Record a result: a :class:`~detente.results.Result` (its ``to_dict()``) or a dict."""
        if self._run is None:
            return
        payload = result.to_dict() if hasattr(result, "to_dict") else result
        self._run.add_result(kind, payload)


def _disabled(no_store: bool) -> bool:
    return no_store or os.environ.get(NO_STORE_ENV, "").strip().lower() in ("1", "true", "yes")


@contextmanager
def recording(
    store: Path | None,
    no_store: bool,
    command: str,
    *,
    models: list[str] | None = None,
    params: dict[str, Any] | None = None,
    seed: int | None = None,
) -> Iterator[Recorder]:
    """Record the run of ``command`` made in the block (see the module docstring).

    Steps: unless recording is off, check that the store opens (refused on one line, exit 2);
    yield a :class:`Recorder`; when the block ends normally, open the store again and write
    the run in one transaction (a failed write: a warning line); say where on stderr if it is
    a terminal.
    """
    from detente.cli.app import fail, warn
    from detente.store import Run, RunStore, StoreError

    if _disabled(no_store):
        yield Recorder(None)
        return
    try:  # refused before the work; closed during it (no connection held across a fork)
        RunStore(store).close()
    except StoreError as e:
        fail(f"--store: {e}")
    run = Run(command, scenario_hash=None, models=models or [], params=params or {}, seed=seed)
    yield Recorder(run)
    try:
        with RunStore(store) as db:
            db.record(run)
    except StoreError as e:
        warn(f"run not recorded: {e}")
        return
    if sys.stderr.isatty():
        typer.echo(f"recorded run {run.id} in {db.path}", err=True)
