"""The optional ``revision`` block: a scenario as one dated revision of a series.

An analyst revisits a forecast as talks move. Each revision is a complete scenario file with
its own ``as_of`` date, so that the date rule (every cited source public by that date) holds
per file; the ``revision`` block says which series the file belongs to, names the revision for
a reader, and points at the revision it revises::

    revision:
      series: ukraine-2025
      label: 20-point draft
      previous: miami-2025-12-19.yaml
      changes:
      - 'territory: the 20-point text offers a referendum on a demilitarised zone [S17, S26]'

:mod:`detente.scenario.revisions` loads a series (files, or a chain of ``previous`` links),
runs each revision and says how the forecasts, the zone of agreement and its blocking issues
moved. :func:`late_sources` is the date rule as a check: the sources dated after the file's
``as_of`` (``detente validate`` warns on them).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from pydantic import Field

from detente.scenario._types import Id, SchemaProblem, Strict, Text

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario, Source

__all__ = [
    "LateSourceWarning",
    "RevisionSpec",
    "check_revision",
    "late_messages",
    "late_sources",
    "warn_late",
]


class RevisionSpec(Strict):
    """Where a scenario file sits in a series of dated revisions.

    Attributes
    ----------
    series : str
        The series' id (the same in every revision of it).
    label : str
        A short name for a reader ("Miami round", "20-point draft").
    previous : str or None
        The file this one revises, relative to this file's folder (``None`` for the first).
    changes : list of str
        What changed since ``previous``, one line per change, each citing its new source in
        brackets (``[S17]``): the date rule checks these citations too.
    """

    series: Id
    label: Text = ""
    previous: Text | None = None
    changes: list[Text] = Field(default_factory=list)


class LateSourceWarning(UserWarning):
    """A scenario lists a source dated after its ``as_of`` date (the date rule is broken)."""


def check_revision(scenario: Scenario) -> None:
    """Cross-checks of the revision block: a revision must be dated (``as_of``).

    Raises
    ------
    SchemaProblem
        When the scenario has a revision block but no ``as_of``.
    """
    r = scenario.revision
    if r is None or scenario.as_of is not None:
        return
    value: Any = r.series
    raise SchemaProblem(
        ("revision",),
        "a revision needs the scenario's as_of date",
        value,
        "an 'as_of: YYYY-MM-DD' date in the scenario, or no revision block",
    )


def late_sources(scenario: Scenario) -> list[Source]:
    """The scenario's sources dated after its ``as_of`` (empty without an ``as_of``).

    The date rule: a scenario dated D cites only sources public by D. A source with no date is
    not counted here (it cannot be checked).
    """
    if scenario.as_of is None:
        return []
    return [s for s in scenario.sources if s.date is not None and s.date > scenario.as_of]


def late_messages(scenario: Scenario, path: str | None = None) -> list[str]:
    """One message per source dated after ``as_of`` (:func:`late_sources`); ``path`` names
    the file in it."""
    where = f"{path}: " if path else ""
    return [
        f"{where}source {s.id} is dated {s.date} after the scenario's as_of "
        f"{scenario.as_of}; a scenario dated {scenario.as_of} may cite only sources "
        "public by then"
        for s in late_sources(scenario)
    ]


def warn_late(scenario: Scenario, path: str | None = None) -> list[Source]:
    """Warn (:class:`LateSourceWarning`, one per source) on every source dated after ``as_of``.

    Returns the late sources. ``path`` names the file in the message (:func:`late_messages`).
    """
    for message in late_messages(scenario, path):
        warnings.warn(message, LateSourceWarning, stacklevel=2)
    return late_sources(scenario)
