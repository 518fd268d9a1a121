"""Shipped example scenarios, written in detente's own format from published facts.

===================== ==========================================================================
name                  what
===================== ==========================================================================
``miami``             The Russia–Ukraine talks as of 19 December 2025 (the Miami round):
                      five actors, twelve anchored issues, every number cited or flagged
                      as judgement, every source dated and public by 19 December 2025
                      (``miami-2025-12-19.yaml``).
``eu-emissions``      The EC car-emission standards case (Bueno de Mesquita 1994, pp. 77–78):
                      ten member states, one issue measured in years (``eu-emissions-1994.yaml``).
``camp-david``        Egypt and Israel on the eve of Camp David (4 September 1978), the United
                      States mediating with a single negotiating text: six anchored issues,
                      sources public by the eve, a process block (``camp-david-1978-09-04.yaml``).
===================== ==========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = ["example_path", "list_examples", "load_example"]

_EXAMPLES = {
    "miami": "miami-2025-12-19.yaml",
    "eu-emissions": "eu-emissions-1994.yaml",
    "camp-david": "camp-david-1978-09-04.yaml",
}


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
