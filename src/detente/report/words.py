"""Numbers in words for readers: an issue's value named by its documented options.

A reader of a brief knows the options on the table ("freeze at the line of contact"), not the
analyst's 0-100 scale. :func:`option_words` names a value by the scale's anchor labels (the
documented options) and, at the ends, by what the scale's ends mean; :func:`short_name` gives
an actor's name without its parenthesis; :func:`round_sensibly` writes a number with no more
digits than a reader can use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detente.scenario.schema import Issue, Scenario

__all__ = ["actor_names", "nearest_option", "option_words", "round_sensibly", "short_name"]


def round_sensibly(x: float) -> str:
    """``x`` with at most one decimal below 100 and none above (``91.67`` → ``91.7``).

    Examples
    --------
    >>> round_sensibly(91.66666677), round_sensibly(38.714285714), round_sensibly(250.4)
    ('91.7', '38.7', '250')
    >>> round_sensibly(50.0)
    '50'
    """
    if math.isnan(x):
        return "–"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}".removesuffix(".0")


def short_name(name: str) -> str:
    """An actor's name without its parenthesis: ``"Russia (Putin; ...)"`` → ``"Russia"``."""
    head = name.split(" (")[0].strip()
    return head or name


def actor_names(scenario: Scenario) -> dict[str, str]:
    """Actor id → short name."""
    return {a.id: short_name(a.name) for a in scenario.actors}


def _points(issue: Issue) -> list[tuple[float, str]]:
    """The issue's named points: its anchors, and its ends where they mean something and no
    anchor sits there."""
    sc = issue.scale
    pts = [(a.value, " ".join(a.label.split())) for a in sc.anchors]
    values = {v for v, _ in pts}
    if sc.lo_means and sc.lo not in values:
        pts.append((sc.lo, " ".join(sc.lo_means.split())))
    if sc.hi_means and sc.hi not in values:
        pts.append((sc.hi, " ".join(sc.hi_means.split())))
    return sorted(pts)


def nearest_option(issue: Issue, value: float, *, tol: float | None = None) -> str:
    """The documented option nearest ``value``: ``"«label»"`` on it, ``"near «label»"``
    otherwise (the short form of :func:`option_words`, for tables)."""
    sc = issue.scale
    tol = 0.01 * (sc.hi - sc.lo) if tol is None else tol
    pts = _points(issue)
    if not pts or math.isnan(value):
        return f"{round_sensibly(value)} {sc.unit}".strip()
    v, label = min(pts, key=lambda p: abs(p[0] - value))
    return f"«{label}»" if abs(v - value) <= tol else f"near «{label}»"


def option_words(issue: Issue, value: float, *, tol: float | None = None) -> str:
    """``value`` on ``issue`` named by its documented options.

    On an option (within ``tol``, default 1% of the scale): ``"«label»"``; between two:
    ``"between «A» and «B»"`` (nearer one first when it is much nearer: ``"close to «A»"``);
    beyond the last named point: ``"beyond «A»"``. Without any named point, the number and
    unit.

    Examples
    --------
    >>> from detente.scenario.schema import Issue
    >>> iss = Issue.model_validate({"id": "t", "name": "T", "scale": {"anchors": [
    ...     {"value": 20, "label": "freeze"}, {"value": 65, "label": "withdrawal"}]}})
    >>> option_words(iss, 20), option_words(iss, 60), option_words(iss, 40)
    ('«freeze»', 'close to «withdrawal»', 'between «freeze» and «withdrawal»')
    """
    sc = issue.scale
    span = sc.hi - sc.lo
    tol = 0.01 * span if tol is None else tol
    pts = _points(issue)
    if not pts or math.isnan(value):
        return f"{round_sensibly(value)} {sc.unit}".strip()
    near = min(pts, key=lambda p: abs(p[0] - value))
    if abs(near[0] - value) <= tol:
        return f"«{near[1]}»"
    below = [p for p in pts if p[0] < value]
    above = [p for p in pts if p[0] > value]
    if not below:
        return f"short of «{above[0][1]}»"
    if not above:
        return f"beyond «{below[-1][1]}»"
    a, b = below[-1], above[0]
    da, db = value - a[0], b[0] - value
    if min(da, db) <= 0.25 * (da + db):
        return f"close to «{(a if da < db else b)[1]}»"
    return f"between «{a[1]}» and «{b[1]}»"
