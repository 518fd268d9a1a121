"""Errors a person can act on: every problem with input names where it is and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["ExportWarning", "ModelParamError", "ScenarioError", "TooCostlyError"]


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScenarioError(ValueError):
    """Bad scenario input.

    Attributes
    ----------
    message : str
        What is wrong.
    path : str or None
        The file.
    line : int or None
        1-based line in the file, where known.
    field : str or None
        Dotted field path (``positions[3].salience``) or column name.
    value : object
        The offending value (``...`` when not applicable).
    allowed : str or None
        What would be accepted.
    """

    _NO_VALUE: Any = ...

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        value: Any = ...,
        allowed: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(self.format())

    def located(self, path: str | Path | None = None, line: int | None = None) -> ScenarioError:
        """A copy, of the same class, with the file (and line) filled in where unknown."""
        return type(self)(
            self.message,
            path=self.path or (None if path is None else str(path)),
            line=self.line if self.line is not None else line,
            field=self.field,
            value=self.value,
            allowed=self.allowed,
        )

    def format(self) -> str:
        """``file:line: field: message (got value; allowed: ...)``."""
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        fld = f"{self.field}: " if self.field else ""
        got = "" if self.value is ... else f" (got {_short(self.value)})"
        allowed = f"; allowed: {self.allowed}" if self.allowed else ""
        return f"{where}{fld}{self.message}{got}{allowed}"

    def __str__(self) -> str:
        return self.format()


class ModelParamError(ScenarioError):
    """A model option (from the command line or a scenario's ``model_params``) that the model
    does not take or that is out of its range; ``field`` names ``model.param``."""


class TooCostlyError(ScenarioError):
    """A run whose estimated memory exceeds the machine (see :mod:`detente.resources`);
    ``allowed`` names the option that makes it smaller."""


class ExportWarning(UserWarning):
    """A write into a format that has no place for some of the scenario (vetoes, reservation
    points, sources, ...): the file is written without them, and the warning names what was
    left out."""
