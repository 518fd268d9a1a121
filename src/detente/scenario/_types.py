"""The scenario schema's shared field types (ids, bounded numbers, text, the strict base model).

Kept apart from :mod:`detente.scenario.schema` so that the optional blocks of a scenario
(:mod:`~detente.scenario.uncertainty_spec`, :mod:`~detente.scenario.process_spec`) use the same
types without importing the schema itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_MAGNITUDE",
    "Basis",
    "Id",
    "NonNeg",
    "Number",
    "Role",
    "SchemaProblem",
    "Strict",
    "Text",
    "ref_error",
]

Id = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$"),
]
#: Largest magnitude of a number in a scenario. Far beyond any real scale (a GDP in dollars is
#: ~1e13), and small enough that the models' products (capability x salience x position,
#: squared in places) stay finite in float64: 1e308 would overflow them to inf.
MAX_MAGNITUDE = 1e15
Number = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
]
NonNeg = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_MAGNITUDE)]
Text = Annotated[str, Field(strict=True, max_length=10_000)]
Basis = Literal["documented", "judgement"]
Role = Literal["party", "mediator", "guarantor", "observer"]


class Strict(BaseModel):
    """The base of every scenario model: unknown fields refused, frozen, text stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SchemaProblem(ValueError):
    """A cross-field problem found by a scenario validator, with its location."""

    def __init__(self, loc: tuple[Any, ...], message: str, value: Any, allowed: str) -> None:
        self.loc = loc
        self.message = message
        self.value = value
        self.allowed = allowed
        super().__init__(message)


def ref_error(loc: tuple[Any, ...], value: str, kind: str, known: set[str]) -> SchemaProblem:
    """A :class:`SchemaProblem` for a reference to an unknown id, listing the known ones."""
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return SchemaProblem(
        loc, f"unknown {kind}", value, f"one of the {kind} ids: {shown or '(none)'}"
    )
