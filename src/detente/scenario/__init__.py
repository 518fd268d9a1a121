"""Scenarios: the pydantic schema, its numeric arrays, and the file formats."""

from detente.scenario.arrays import ScenarioArrays

__all__ = ["ScenarioArrays"]
