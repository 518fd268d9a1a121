"""Progress of long runs on the command line: a rich bar on stderr for tasks past a second.

The numeric core reports through :func:`detente.progress.task`; the commands install a
:class:`ProgressReporter` around their long steps (:func:`reporting`). What is drawn:

- stderr is a terminal: a transient rich progress bar (description, bar, done/total, elapsed)
  for each task that has run for more than ``delay`` seconds (1 s); nothing for shorter
  tasks, and the bar is erased when the task ends.
- stderr is not a terminal (a log file, CI, a pipe): no bar; a plain line
  ``smp rounds: 40/100 (35 s)`` once a task has run ``first`` seconds (10 s), then at most
  every ``interval`` seconds (30 s). A short run writes nothing, so that captured output
  stays clean; a long one shows in a log that it is alive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["ProgressReporter", "reporting"]


@dataclass
class _Task:
    description: str
    total: float | None
    started: float
    done: float = 0.0
    bar: TaskID | None = None


class ProgressReporter:
    """A :class:`detente.progress.Reporter` that draws on a rich console (stderr by default).

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw; default a console on stderr.
    delay : float
        Seconds a task runs before it is shown on a terminal.
    first : float
        Seconds a task runs before its first plain line when the console is not a terminal.
    interval : float
        Seconds between plain lines when the console is not a terminal.
    clock : callable
        Monotonic time in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        console: Console | None = None,
        *,
        delay: float = 1.0,
        first: float = 10.0,
        interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if console is None:
            from rich.console import Console

            console = Console(stderr=True, highlight=False)
        self._console = console
        self._terminal = console.is_terminal
        self._delay = delay
        self._first = first
        self._interval = interval
        self._clock = clock
        self._progress: Progress | None = None
        self._shown = 0
        self._last_line = -float("inf")

    def start(self, description: str, total: float | None) -> _Task:
        """A new task; nothing is drawn yet."""
        return _Task(description, total, self._clock())

    def advance(self, handle: object, amount: float) -> None:
        """Count ``amount`` more units; draw once the task has run long enough."""
        if not isinstance(handle, _Task):  # not a handle this reporter's start returned
            return
        handle.done += amount
        now = self._clock()
        if self._terminal:
            if handle.bar is not None or now - handle.started >= self._delay:
                self._draw(handle)
        elif now - handle.started >= self._first and now - self._last_line >= self._interval:
            self._line(handle, now)

    def finish(self, handle: object) -> None:
        """Erase the task's bar (the bar display stops with the last task)."""
        if not isinstance(handle, _Task) or handle.bar is None or self._progress is None:
            return
        self._progress.remove_task(handle.bar)
        handle.bar = None
        self._shown -= 1
        if self._shown == 0:
            self._progress.stop()
            self._progress = None

    def _draw(self, handle: _Task) -> None:
        if handle.bar is None:
            if self._progress is None:
                self._progress = self._new_progress()
                self._progress.start()
            handle.bar = self._progress.add_task(
                handle.description, total=handle.total, completed=int(handle.done)
            )
            self._shown += 1
        elif self._progress is not None:
            self._progress.update(handle.bar, completed=handle.done)

    def _new_progress(self) -> Progress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        return Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self._console,
            transient=True,
        )

    def _line(self, handle: _Task, now: float) -> None:
        self._last_line = now
        done = f"{handle.done:g}" + (f"/{handle.total:g}" if handle.total is not None else "")
        self._console.print(
            f"{handle.description}: {done} ({now - handle.started:.0f} s)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@contextmanager
def reporting(reporter: ProgressReporter | None = None) -> Iterator[ProgressReporter]:
    """Draw the progress of everything run inside the block (see the module docstring)."""
    from detente.progress import use_reporter

    rep = reporter if reporter is not None else ProgressReporter()
    with use_reporter(rep):
        yield rep
