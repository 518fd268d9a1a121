"""Steps shared by the commands that run models: the file's model options, the cost check.

Both happen before any model runs, so that a bad option or a run too big for the machine is
refused in a second rather than after minutes of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.scenario.arrays import ScenarioArrays

__all__ = ["announce", "check_costs"]

#: Summed estimate (seconds) above which a command says how long it expects to take.
ANNOUNCE_SECONDS = 10.0


def check_costs(
    names: Sequence[str],
    arrays: ScenarioArrays,
    params: Mapping[str, Mapping[str, Any]],
    *,
    path: str | None = None,
) -> float:
    """Refuse a model whose memory estimate exceeds the machine; return the summed seconds.

    Raises
    ------
    TooCostlyError
        From :func:`detente.resources.check`, naming the model, the sizes and the option
        that makes the run smaller.
    """
    from detente.models.registry import group_cost
    from detente.resources import check

    total = 0.0
    for name in names:
        cost = check(group_cost(name, arrays, params.get(name, {})), path=path)
        total += cost.seconds
    return total


def announce(
    seconds: float,
    n_actors: int,
    n_issues: int,
    names: Sequence[str],
    *,
    verb: str = "forecasting",
) -> str | None:
    """The line saying how long a run will take, when it passes :data:`ANNOUNCE_SECONDS`.

    ``forecasting 300 actors x 5 issues with smp, eu: about 4 min``; ``None`` for a short run.
    """
    from detente.resources import format_seconds

    if seconds <= ANNOUNCE_SECONDS:
        return None
    return (
        f"{verb} {n_actors} actors x {n_issues} issues with {', '.join(names)}: "
        f"{format_seconds(seconds)}"
    )
