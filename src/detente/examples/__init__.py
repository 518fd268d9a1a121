"""Shipped example scenarios, written in detente's own format from published facts.

======================= ==========================================================================
name                    what
======================= ==========================================================================
``miami``               The Russia–Ukraine talks as of 19 December 2025 (the Miami round):
                        five actors, twelve anchored issues, every number cited or flagged
                        as judgement, every source dated and public by 19 December 2025
                        (``miami-2025-12-19.yaml``).
``eu-emissions``        The EC car-emission standards case (Bueno de Mesquita 1994, pp. 77–78):
                        ten member states, one issue measured in years (``eu-emissions-1994.yaml``).
``ukraine-2025-12-24``  The same talks as of 24 December 2025 (the 20-point draft): the Miami file
                        with what the 20-point text documents (``ukraine-2025-12-24.yaml``).
``ukraine-2026-01-24``  As of 24 January 2026 (the Abu Dhabi trilateral), with what was public by
                        then (``ukraine-2026-01-24.yaml``).
``camp-david``          Egypt and Israel on the eve of Camp David (4 September 1978), the United
                        States mediating with a single negotiating text: six anchored issues,
                        sources public by the eve, a process block (``camp-david-1978-09-04.yaml``).
======================= ==========================================================================

Series of dated revisions (``detente revisions NAME``): ``ukraine-2025`` = ``miami``,
``ukraine-2025-12-24``, ``ukraine-2026-01-24``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = ["example_path", "list_examples", "list_series", "load_example", "series_examples"]

_EXAMPLES = {
    "miami": "miami-2025-12-19.yaml",
    "eu-emissions": "eu-emissions-1994.yaml",
    "camp-david": "camp-david-1978-09-04.yaml",
    "ukraine-2025-12-24": "ukraine-2025-12-24.yaml",
    "ukraine-2026-01-24": "ukraine-2026-01-24.yaml",
}

#: Shipped series of dated revisions: name -> example names, oldest first.
_SERIES = {"ukraine-2025": ("miami", "ukraine-2025-12-24", "ukraine-2026-01-24")}


def list_examples() -> list[str]:
    """Names of the shipped examples."""
    return list(_EXAMPLES)


def example_path(name: str) -> Path:
    """Path of a shipped example file."""
    try:
        return Path(__file__).with_name(_EXAMPLES[name])
    except KeyError:
        raise KeyError(
            f"unknown example {name!r}; shipped examples: {', '.join(_EXAMPLES)}"
        ) from None


def load_example(name: str) -> Scenario:
    """Load a shipped example as a :class:`~detente.scenario.schema.Scenario`."""
    from detente.scenario.io import load

    return load(example_path(name))


def list_series() -> list[str]:
    """Names of the shipped series of dated revisions."""
    return list(_SERIES)


def series_examples(name: str) -> list[str]:
    """The example names of a shipped series, oldest revision first."""
    try:
        return list(_SERIES[name])
    except KeyError:
        raise KeyError(f"unknown series {name!r}; shipped series: {', '.join(_SERIES)}") from None
