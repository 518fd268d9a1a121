"""What-if scenarios: named alternatives to the base case, declared in the scenario file.

A what-if (:class:`~detente.scenario.uncertainty_spec.WhatIf`) is a list of changes. Each
change addresses a number as an uncertain input does (``{input: reservation, actor: RUS,
issue: territory, add: -15}``) and sets, shifts or scales it; or it changes a structure
(``{input: veto, actor: EU, issues: [sanctions_relief, frozen_assets]}``: the actor gains a
veto on those issues; ``{input: role, actor: EU, role: party}``).

:func:`apply_what_if` returns a new, validated :class:`~detente.scenario.schema.Scenario`, so
that every model, ``analyze`` and ``simulate`` run on it unchanged. Its ``what_ifs`` list is
empty (it *is* the what-if) and its name says which what-if it is.

Changes to a process driver or shock (owned by the ``process`` block) are written into the
new scenario's ``uncertainty`` block: the driver's multiplier (1 = the series as written) or
the shock's probability is changed there (a number not uncertain in the base case becomes a
fixed one, ``low == high``), so :func:`~detente.uncertainty.sampling.draw_inputs` hands the
changed value to the process as ``values["driver:<id>"]``.

Examples
--------
>>> from detente.examples import load_example
>>> from detente.uncertainty.whatif import apply_what_if
>>> s = load_example("miami")
>>> eu = apply_what_if(s, "eu_veto")
>>> eu.actor("EU").veto, eu.actor("EU").veto_issues
(True, ['sanctions_relief', 'frozen_assets'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.scenario._types import SchemaProblem

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario
    from detente.scenario.uncertainty_spec import Change

__all__ = ["apply_what_if", "changed_data", "what_if_ids"]


def what_if_ids(scenario: Scenario) -> list[str]:
    """The ids of the scenario's what-ifs, in file order."""
    return [w.id for w in scenario.what_ifs]


def apply_what_if(scenario: Scenario, what_if: str) -> Scenario:
    """The scenario as the what-if ``what_if`` (its id) changes it: a new validated Scenario.

    Steps: find the what-if (unknown id: ``ScenarioError`` listing the known ones); apply its
    changes in order to a copy of the scenario's data (:func:`changed_data`); validate the
    result as a new scenario (name ``"<name> — what-if: <what-if name>"``, no what-ifs).

    Raises
    ------
    ScenarioError
        An unknown what-if id, or a change that leaves the scenario invalid (located at the
        change: ``what_ifs[n].changes[m].field``).
    """
    from detente.scenario.errors import ScenarioError
    from detente.scenario.io._common import build_scenario

    ids = what_if_ids(scenario)
    if what_if not in ids:
        raise ScenarioError(
            "unknown what-if",
            field="what_if",
            value=what_if,
            allowed=", ".join(ids) if ids else "(the scenario declares no what-ifs)",
        )
    n = ids.index(what_if)
    try:
        data = changed_data(scenario, n)
    except SchemaProblem as p:
        raise ScenarioError(_where(p.loc) + p.message, value=p.value, allowed=p.allowed) from None
    try:
        return build_scenario(data, None)
    except ScenarioError as e:
        raise ScenarioError(
            f"what-if {what_if!r} leaves the scenario invalid: {e.message}",
            field=e.field,
            value=e.value,
            allowed=e.allowed,
        ) from None


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out + ": "


def changed_data(scenario: Scenario, n: int) -> dict[str, Any]:
    """The scenario's data (a plain mapping) with what-if number ``n``'s changes applied.

    Raises ``SchemaProblem`` located at ``what_ifs[n].changes[m]`` for a change to an unknown
    target, to a number that does not exist (a reservation point not written, shifted with
    ``add``), or whose result leaves the number's range.
    """
    from detente.scenario.uncertainty_spec import target_problem

    w = scenario.what_ifs[n]
    data = scenario.model_dump(mode="python", exclude={"what_ifs"})
    data["name"] = f"{scenario.name} — what-if: {w.name}"
    for m, ch in enumerate(w.changes):
        loc = ("what_ifs", n, "changes", m)
        problem = target_problem(scenario, ch, loc)
        if problem is not None:
            raise problem
        if ch.input == "veto":
            _veto(data, ch, loc)
        elif ch.input == "role":
            _role(data, ch, loc)
        else:
            _number(scenario, data, ch, loc)
    return data


def _one_op(ch: Change, loc: tuple[Any, ...]) -> tuple[str, float]:
    ops = [(op, getattr(ch, op)) for op in ("set", "add", "scale") if getattr(ch, op) is not None]
    if ch.issues or ch.role is not None:
        raise SchemaProblem(
            (*loc, "issues" if ch.issues else "role"),
            f"a change to a {ch.input} takes no '{'issues' if ch.issues else 'role'}'",
            ch.issues or ch.role,
            "set, add or scale",
        )
    if len(ops) != 1:
        raise SchemaProblem(
            (*loc, "set"),
            f"a change to a {ch.input} needs exactly one of set, add, scale",
            {op: v for op, v in ops} or None,
            "one of set: VALUE, add: DELTA, scale: FACTOR",
        )
    return ops[0]


def _apply_op(old: float | None, op: str, by: float, loc: tuple[Any, ...], what: str) -> float:
    if op == "set":
        return by
    if old is None:
        raise SchemaProblem(
            (*loc, op),
            f"the scenario has no {what} to {op} (write it with 'set')",
            by,
            "set: VALUE",
        )
    return old + by if op == "add" else old * by


def _number(scenario: Scenario, data: dict[str, Any], ch: Change, loc: tuple[Any, ...]) -> None:
    from detente.scenario.uncertainty_spec import support_bounds

    op, by = _one_op(ch, loc)
    if ch.input in ("driver", "shock"):
        _process_number(scenario, data, ch, op, by, loc)
        return
    if ch.input == "capability":
        actor = next(a for a in data["actors"] if a["id"] == ch.actor)
        new = _apply_op(actor["capability"], op, by, loc, "capability")
        _in_range(scenario, ch, new, loc, op)
        actor["capability"] = new
        _follow_distribution(scenario, data, ch, op, by)
        return
    pos = next(p for p in data["positions"] if p["actor"] == ch.actor and p["issue"] == ch.issue)
    field = ch.input
    new = _apply_op(pos[field], op, by, loc, f"{field} for {ch.actor} on {ch.issue}")
    _in_range(scenario, ch, new, loc, op)
    if field == "position" and pos.get("range") is not None:
        lo, hi, _ = support_bounds(scenario, _as_target(ch))
        delta = new - pos["position"]
        rlo, rhi = pos["range"]
        pos["range"] = (max(lo, min(rlo + delta, new)), min(hi, max(rhi + delta, new)))
    pos[field] = new
    _follow_distribution(scenario, data, ch, op, by)


def _follow_distribution(
    scenario: Scenario, data: dict[str, Any], ch: Change, op: str, by: float
) -> None:
    """Move the uncertainty block's distribution of a changed number with it.

    ``set``: the block's distribution is dropped (the default for the number's basis applies,
    around the new value); ``add``/``scale``: its support, mode and mean move the same way,
    kept within the number's range.
    """
    from detente.scenario.uncertainty_spec import support_bounds

    unc = data.get("uncertainty")
    if not unc:
        return
    key = ch.key()
    keep = []
    lo, hi, _ = support_bounds(scenario, _as_target(ch))
    for u in unc["inputs"]:
        if _key_of(u) != key:
            keep.append(u)
            continue
        if op == "set":
            continue
        for fld in ("low", "high", "mode", "mean"):
            if u.get(fld) is not None:
                u[fld] = min(hi, max(lo, u[fld] + by if op == "add" else u[fld] * by))
        if op == "scale" and u.get("sd") is not None and by > 0:
            u["sd"] *= by
        keep.append(u)
    unc["inputs"] = keep


def _as_target(ch: Change) -> Any:
    from detente.scenario.uncertainty_spec import Target

    return Target(input=ch.input, actor=ch.actor, issue=ch.issue, driver=ch.driver, shock=ch.shock)  # type: ignore[arg-type]


def _in_range(scenario: Scenario, ch: Change, new: float, loc: tuple[Any, ...], op: str) -> None:
    from detente.scenario.uncertainty_spec import support_bounds

    lo, hi, words = support_bounds(scenario, _as_target(ch))
    if not lo <= new <= hi:
        raise SchemaProblem(
            (*loc, op), f"the change takes the {ch.input} to {new:g}, off its range", new, words
        )


def _process_number(
    scenario: Scenario,
    data: dict[str, Any],
    ch: Change,
    op: str,
    by: float,
    loc: tuple[Any, ...],
) -> None:
    """A driver's multiplier or a shock's probability, written into the uncertainty block."""
    unc = data.get("uncertainty") or {"inputs": []}
    data["uncertainty"] = unc
    key = ch.key()
    old = next(
        (u for u in unc["inputs"] if _key_of(u) == key),
        None,
    )
    base = 1.0 if ch.input == "driver" else _shock_base(scenario, ch.shock or "")
    if old is None:
        value = _apply_op(base, op, by, loc, f"probability for shock {ch.shock!r}")
        _in_range(scenario, ch, value, loc, op)
        unc["inputs"].append(
            {"input": ch.input, ch.input: getattr(ch, ch.input), "low": value, "high": value}
        )
        return
    for fld in ("low", "high", "mode", "mean"):
        if old.get(fld) is not None:
            old[fld] = _apply_op(old[fld], op, by, loc, fld)
            _in_range(scenario, ch, old[fld], loc, op)
    if op == "scale" and old.get("sd") is not None and by > 0:
        old["sd"] *= by
    if op == "set":
        old.update(dist="triangular", mode=None, alpha=None, beta=None, mean=None, sd=None)


def _key_of(u: dict[str, Any]) -> str:
    parts = [u.get(f) for f in ("input", "actor", "issue", "driver", "shock")]
    return ":".join(str(p) for p in parts if p is not None)


def _shock_base(scenario: Scenario, shock: str) -> float | None:
    """The shock's own probability (or hazard) where the process block states one."""
    proc = scenario.process
    if proc is None:
        return None
    for s in proc.shocks:
        if s.id == shock:
            for name in ("probability", "hazard"):
                val = getattr(s, name, None)
                if isinstance(val, (int, float)):
                    return float(val)
    return None


def _veto(data: dict[str, Any], ch: Change, loc: tuple[Any, ...]) -> None:
    if any(getattr(ch, op) is not None for op in ("set", "add", "scale")) or ch.role:
        raise SchemaProblem(
            (*loc, "input"),
            "a veto change takes only actor and issues",
            ch.key(),
            "{input: veto, actor: ID, issues: [ISSUE, ...]} (no issues: every issue)",
        )
    issues = {i["id"] for i in data["issues"]}
    for m, iss in enumerate(ch.issues):
        if iss not in issues:
            from detente.scenario._types import ref_error

            raise ref_error((*loc, "issues", m), iss, "issue", issues)
    actor = next(a for a in data["actors"] if a["id"] == ch.actor)
    had_all = actor["veto"] and not actor["veto_issues"]
    if not ch.issues or had_all:
        actor["veto_issues"] = []
    else:
        old = actor["veto_issues"] if actor["veto"] else []
        actor["veto_issues"] = list(dict.fromkeys([*old, *ch.issues]))
    actor["veto"] = True


def _role(data: dict[str, Any], ch: Change, loc: tuple[Any, ...]) -> None:
    if ch.role is None:
        raise SchemaProblem(
            (*loc, "role"),
            "a role change needs 'role'",
            None,
            "party, mediator, guarantor, observer",
        )
    actor = next(a for a in data["actors"] if a["id"] == ch.actor)
    actor["role"] = ch.role
