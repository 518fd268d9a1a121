"""The bargaining analysis in a few plain lines (``detente analyze``'s default report).

:func:`plain_analysis` says whether a zone of agreement exists and, if not, where each blocking
issue's two sides stop, by value and by the documented option, and the cheapest way to open a
zone, with numbers rounded to what a reader can use. The full report
(:meth:`~detente.bargaining.BargainingAnalysis.summary`) stays behind ``--detail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.report.words import actor_names, option_words, round_sensibly

if TYPE_CHECKING:
    from detente.bargaining import BargainingAnalysis
    from detente.scenario.schema import Scenario

__all__ = ["plain_analysis"]


def _val(issues: dict[str, Any], issue: str, x: float) -> str:
    i = issues.get(issue)
    words = "" if i is None or not i.scale.anchors else " " + option_words(i, x)
    return round_sensibly(x) + words


def _head(res: BargainingAnalysis, scenario: Scenario | None) -> list[str]:
    d = res.domain
    names = {} if scenario is None else actor_names(scenario)
    veto = [p for p, v in zip(d.party_ids, d.veto_mask, strict=True) if v]
    who = [names[p] for p in veto if p in names and names[p] != p]
    return [
        f"Bargaining space: {len(d.party_ids)} parties, {d.n_issues} issues, "
        f"{d.n_outcomes:,} packages",
        f"veto players: {', '.join(veto) or 'none'}"
        + (f" ({', '.join(who)})" if who and len(who) == len(veto) else ""),
    ]


def _zone(res: BargainingAnalysis, issues: dict[str, Any]) -> list[str]:
    if res.zone_nonempty:
        z = res.zone
        count = f"{z.n_packages:,} packages, " if z.n_packages is not None else ""
        out = [
            f"zone of agreement: NON-EMPTY ({count}{z.efficient} efficient): some package "
            "is acceptable to every veto player"
        ]
        nash = (res.solutions or {}).get("nash")
        if nash:
            pk = "; ".join(f"{k} {_round_label(v)}" for k, v in nash["package"].items())
            out.append(f"  the Nash bargaining package in it: {pk}")
        return out + _open_issues(res)
    out = ["zone of agreement: EMPTY — no package is acceptable to every veto player"]
    blocked = [g for g in res.limits if g["blocked"]]
    if blocked:
        out.append(f"blocked on {len(blocked)} issue{'s' if len(blocked) != 1 else ''}:")
        for g in blocked:
            out.append(
                f"  {g['issue']}: {g['low_side']} needs at least "
                f"{_val(issues, g['issue'], g['lo'])}; {g['high_side']} signs at most "
                f"{_val(issues, g['issue'], g['hi'])} (gap {round_sensibly(g['gap'])})"
            )
    elif res.blocking:
        out.append("blocking issues: " + ", ".join(res.blocking))
    return out + _open_issues(res)


def _open_issues(res: BargainingAnalysis) -> list[str]:
    """The issues that do not block: where the veto players' limits meet (a single value
    said so), and those on which no veto player has a limit."""
    meet = []
    for g in res.limits:
        if g["blocked"]:
            continue
        lo, hi = g["lo"], g["hi"]
        span = (
            "only " + round_sensibly(lo)
            if abs(hi - lo) < 1e-9
            else (f"{round_sensibly(lo)} to {round_sensibly(hi)}")
        )
        meet.append(f"{g['issue']} ({span})")
    limited = {g["issue"] for g in res.limits}
    free = [i for i in res.domain.issue_ids if i not in limited and i not in res.blocking]
    out = []
    if meet:
        out.append("the veto players' limits meet on: " + ", ".join(meet))
    if free:
        out.append("no veto player has a limit on: " + ", ".join(free))
    return out


def _round_label(v: Any) -> str:
    try:
        return round_sensibly(float(v))
    except (TypeError, ValueError):
        return str(v)


def _opening(res: BargainingAnalysis) -> list[str]:
    conc = dict(res.concessions)
    joint = conc.get("joint")
    if joint is None or not joint.meeting:
        return []
    movers = sorted({m["actor"] for m in joint.moves})
    meet = ", ".join(f"{k} {round_sensibly(v)}" for k, v in joint.meeting.items())
    solo = [
        f"{who} alone would have to move {len(c.moves)} limit{'s' if len(c.moves) != 1 else ''}"
        for who, c in res.concessions
        if who != "joint" and c is not None
    ]
    line = f"cheapest opening: {' and '.join(movers)} move their limits to meet at {meet}"
    return [line + (f" ({'; '.join(solo)})" if solo else "")]


def plain_analysis(res: BargainingAnalysis, scenario: Scenario | None = None) -> str:
    """A short plain report of ``res``: the space, the veto players, the zone of agreement,
    each blocking issue's two sides (values rounded, named by the nearest documented option
    when ``scenario`` is given), the cheapest opening, and whether every veto player signs the
    compromise forecast."""
    issues = {} if scenario is None else {i.id: i for i in scenario.issues}
    lines = [*_head(res, scenario), *_zone(res, issues), *_opening(res)]
    if res.forecast is not None:
        ok = res.forecast.get("acceptable_to_all_veto")
        lines.append(
            "the compromise forecast is signable by every veto player: " + ("yes" if ok else "no")
        )
    lines.append("(the full report — limits, concessions, solutions, logrolls, sources: --detail)")
    return "\n".join(lines)
