"""What a run will cost, said before it starts.

Each expensive computation (a model, the bargaining analysis, the backtest) estimates its
peak memory and time from the problem's sizes as a :class:`Cost`; :func:`check` refuses a
run whose memory would not fit the machine, naming the sizes and the option that changes
them, and the CLI prints the time estimate of runs expected to take long.

The estimates are deliberately simple formulas in the sizes (n actors, k issues, grid
points, rounds) with constants measured on the reference machine; they are there to tell
a 2-second run from a 2-hour one, not to time a run to the second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from detente.scenario.errors import TooCostlyError

__all__ = ["Cost", "available_memory", "check", "format_bytes", "format_seconds"]


@dataclass(frozen=True)
class Cost:
    """Estimated peak memory and wall time of one computation.

    Attributes
    ----------
    what : str
        What is estimated, in the user's words (``"model smp on 2000 actors x 5 issues"``).
    bytes : float
        Peak working memory in bytes, beyond the inputs.
    seconds : float
        Wall time on one core of the reference machine.
    hint : str
        The option or change that makes the run smaller (``"use --grid 200"``).
    """

    what: str
    bytes: float
    seconds: float
    hint: str = ""


def available_memory() -> float:
    """Bytes of memory this process may still use.

    ``DETENTE_MAX_MEMORY_MB`` overrides (tests and shared machines set it); otherwise
    ``MemAvailable`` from ``/proc/meminfo``, or the physical memory where that is absent.
    """
    env = os.environ.get("DETENTE_MAX_MEMORY_MB")
    if env:
        try:
            mb = float(env)
        except ValueError:
            mb = float("nan")
        if not (mb > 0 and mb < 1e12):
            raise TooCostlyError(
                "DETENTE_MAX_MEMORY_MB is not a usable number of megabytes",
                field="DETENTE_MAX_MEMORY_MB",
                value=env,
                allowed="a positive number of megabytes below 1e12",
            )
        return mb * 1e6
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def format_bytes(n: float) -> str:
    """``1.2 GB``-style text."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def format_seconds(s: float) -> str:
    """``3 min``-style text."""
    if s < 1:
        return "under a second"
    if s < 120:
        return f"about {s:.0f} s"
    if s < 7200:
        return f"about {s / 60:.0f} min"
    if s < 172800:
        return f"about {s / 3600:.0f} h"
    return f"about {s / 86400:.0f} days"


def check(cost: Cost, *, path: str | None = None, fraction: float = 0.8) -> Cost:
    """Refuse ``cost`` when its memory exceeds ``fraction`` of :func:`available_memory`.

    Raises
    ------
    TooCostlyError
        Naming what was estimated, the memory it needs and has, and ``cost.hint``.
    """
    have = available_memory() * fraction
    if cost.bytes > have:
        raise TooCostlyError(
            f"{cost.what} would need about {format_bytes(cost.bytes)} of memory, "
            f"more than the {format_bytes(have)} this machine can spare",
            path=path,
            allowed=cost.hint or "a smaller problem (fewer actors, issues or grid points)",
        )
    return cost
