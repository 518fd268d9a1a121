"""Progress of long computations, reported without the numeric core knowing who listens.

The numeric core (models, bargaining, the backtest) calls :func:`task` around a loop and
``advance()`` inside it; by default nothing listens and the cost is one context-variable
lookup. The CLI installs a reporter (:func:`use_reporter`) that draws a rich progress bar
for runs that pass a second. A reporter is per context (thread / asyncio task), so
concurrent runs do not mix.

Examples
--------
>>> from detente.progress import task
>>> with task("smp rounds", total=3) as advance:
...     for _ in range(3):
...         advance()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Reporter", "task", "use_reporter"]


class Reporter(Protocol):
    """Receives progress events; the CLI's implementation draws them."""

    def start(self, description: str, total: float | None) -> object:
        """A new task; returns a handle passed back to the other methods."""

    def advance(self, handle: object, amount: float) -> None:
        """``amount`` more units of the task are done."""

    def finish(self, handle: object) -> None:
        """The task ended (normally or by an exception)."""


_REPORTER: ContextVar[Reporter | None] = ContextVar("detente_progress_reporter", default=None)


def _noop(amount: float = 1.0) -> None:
    return None


@contextmanager
def task(description: str, total: float | None = None) -> Iterator[Callable[..., None]]:
    """Report a task of ``total`` units (``None``: unknown); yields ``advance(amount=1)``."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield _noop
        return
    handle = reporter.start(description, total)

    def advance(amount: float = 1.0) -> None:
        reporter.advance(handle, amount)

    try:
        yield advance
    finally:
        reporter.finish(handle)


@contextmanager
def use_reporter(reporter: Reporter | None) -> Iterator[None]:
    """Send the progress of everything run inside the block to ``reporter``."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)
