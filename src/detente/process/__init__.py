"""Talks as a process: protocols, strategies and the world around the table over time.

``simulate(scenario, ...)`` runs the talks many times (:mod:`detente.process.simulation`) and
returns a :class:`~detente.process.result.SimulationResult`. Submodules are imported where used
(no work at import).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SimulationResult", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "simulate":
        from detente.process.simulation import simulate

        return simulate
    if name == "SimulationResult":
        from detente.process.result import SimulationResult

        return SimulationResult
    raise AttributeError(f"module 'detente.process' has no attribute {name!r}")
