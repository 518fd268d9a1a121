"""Steps shared by the commands that run models: the file's model options, the cost check.

Both happen before any model runs, so that a bad option or a run too big for the machine is
refused in a second rather than after minutes of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.resources import Cost
    from detente.scenario.arrays import ScenarioArrays

__all__ = ["announce", "check_costs", "model_cost"]

#: Summed estimate (seconds) above which a command says how long it expects to take.
ANNOUNCE_SECONDS = 10.0


def model_cost(name: str, arrays: ScenarioArrays, params: Mapping[str, Any]) -> Cost:
    """Estimated cost of running model ``name`` on ``arrays`` as the commands run it.

    A table of separate negotiations (``meta["issue_groups"]``, the DEU proposals) runs
    group by group (:func:`~detente.models.registry.run_by_group`): the time is the sum over
    the groups, the memory that of the largest group.
    """
    import numpy as np

    from detente.models import get_model
    from detente.resources import Cost

    info = get_model(name)
    groups = tuple(arrays.meta.get("issue_groups") or ())
    if len(set(groups)) <= 1 or len(groups) != arrays.n_issues:
        return info.estimate_cost(arrays.n_actors, arrays.n_issues, params)
    order: dict[object, list[int]] = {}
    for j, g in enumerate(groups):
        order.setdefault(g, []).append(j)
    present = np.asarray(arrays.present)
    costs = [
        info.estimate_cost(int(present[:, idx].any(axis=1).sum()), len(idx), params)
        for idx in order.values()
    ]
    worst = max(costs, key=lambda c: c.bytes)
    return Cost(
        what=f"{worst.what} (the largest of {len(costs)} groups of issues)",
        bytes=worst.bytes,
        seconds=sum(c.seconds for c in costs),
        hint=worst.hint,
    )


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
    from detente.resources import check

    total = 0.0
    for name in names:
        cost = check(model_cost(name, arrays, params.get(name, {})), path=path)
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
