"""Package-level rules for the zone of agreement: per-issue vetoes, linked limits and declared
contradictions (issue 13, item 4).

* A veto may bind on named issues only (``Actor.veto_issues``): :func:`veto_scope` gives, per
  actor and issue, where its limits constrain the zone.
* A *linked limit* (``process.linked_limits``) replaces an actor's signable interval on one
  issue when other issues reach given levels; a *declared contradiction*
  (``process.contradictions``) makes every package meeting all its conditions infeasible.

Both break the zone's product form (one interval per issue). On a discrete domain the zone is
a union of products, one per *branch*: each linked limit either holds (its conditions hold,
its interval applies) or fails through one of its conditions (the ordinary interval applies);
each contradiction is avoided through one of its conditions failing. :func:`branch_options`
enumerates the branches; the zone is non-empty iff some branch has an option on every issue.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.arrays import ScenarioArrays

if TYPE_CHECKING:
    from detente.bargaining.domain import AdditiveDomain
    from detente.scenario.schema import Scenario

__all__ = ["MAX_BRANCHES", "PackageRules", "branch_options", "veto_scope"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Cond = tuple[int, float, float]

#: Most branches :func:`branch_options` enumerates (the product of the rules' choices).
MAX_BRANCHES = 100_000


def veto_scope(arrays: ScenarioArrays, veto: Any = None) -> BoolArray:
    """``(n, k)``: where each veto player's limits constrain the zone.

    ``arrays.vetoes()`` (a veto on named issues binds there only), restricted to the actors
    ``veto`` marks when given. Without per-issue vetoes this is ``veto`` on every issue.
    """
    v = np.asarray(arrays.veto if veto is None else veto, bool)
    n, k = arrays.n_actors, arrays.n_issues
    if arrays.veto_scope is None:
        return np.broadcast_to(v[:, None], (n, k))
    return np.asarray(arrays.veto_scope & v[:, None], dtype=bool)


@dataclass(frozen=True)
class LinkedRule:
    """A linked limit in index form: actor ``a`` signs ``[lo, hi]`` on ``issue`` when ``when``."""

    actor: int
    issue: int
    lo: float
    hi: float
    when: tuple[Cond, ...]


@dataclass(frozen=True)
class PackageRules:
    """A scenario's linked limits and declared contradictions, in index form."""

    linked: tuple[LinkedRule, ...] = ()
    contradictions: tuple[tuple[str, tuple[Cond, ...]], ...] = ()
    names: tuple[str, ...] = ()  # human-readable lines, one per rule

    def __bool__(self) -> bool:
        return bool(self.linked or self.contradictions)

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, arrays: ScenarioArrays | None = None
    ) -> PackageRules:
        """The rules of ``scenario``'s process block (empty without one)."""
        p = scenario.process
        if p is None:
            return cls()
        arr = scenario.to_arrays() if arrays is None else arrays
        aidx = {a: i for i, a in enumerate(arr.actor_ids)}
        iidx = {s: j for j, s in enumerate(arr.issue_ids)}

        def cond(c: Any) -> Cond:
            lo = -np.inf if c.at_least is None else float(c.at_least)
            hi = np.inf if c.at_most is None else float(c.at_most)
            return (iidx[c.issue], lo, hi)

        linked, names = [], []
        for ll in p.linked_limits:
            if not ll.when:  # only a ratification requirement: no condition on the package
                continue
            a, j = aidx[ll.actor], iidx[ll.issue]
            pos = float(np.asarray(arr.position)[..., a, j].reshape(-1)[0])
            rad = abs(ll.reservation - pos)
            lo, hi = max(pos - rad, float(arr.lo[j])), min(pos + rad, float(arr.hi[j]))
            linked.append(LinkedRule(a, j, lo, hi, tuple(cond(c) for c in ll.when)))
            names.append(f"linked limit: {ll.actor} signs {ll.issue} in [{lo:g}, {hi:g}] if "
                         + _cond_text(arr, linked[-1].when))  # fmt: skip
        contra = []
        for c in p.contradictions:
            conds = tuple(cond(w) for w in c.when)
            contra.append((c.id, conds))
            names.append(f"declared infeasible ({c.id}): " + _cond_text(arr, conds))
        return cls(tuple(linked), tuple(contra), tuple(names))

    def admissible(self, arrays: ScenarioArrays, x: Any, scope: BoolArray) -> BoolArray:
        """``(N,)``: packages ``x`` (``(N, k)``) every veto player signs (each where its veto
        binds, linked limits applied) and that meet no declared contradiction."""
        from detente.bargaining.acceptable import signable_intervals

        xx = np.asarray(x, dtype=float)
        lo, hi = signable_intervals(arrays)
        lo = np.broadcast_to(lo, (xx.shape[0], *lo.shape)).copy()
        hi = np.broadcast_to(hi, (xx.shape[0], *hi.shape)).copy()
        tol = 1e-9 * np.asarray(arrays.span, dtype=float)
        for r in self.linked:
            on = _holds(r.when, xx, tol)
            lo[:, r.actor, r.issue] = np.where(on, r.lo, lo[:, r.actor, r.issue])
            hi[:, r.actor, r.issue] = np.where(on, r.hi, hi[:, r.actor, r.issue])
        v = xx[:, None, :]
        bad = ~np.isnan(lo) & ((v < lo - tol) | (v > hi + tol)) & scope[None]
        ok = ~bad.any(axis=(1, 2))
        for _, conds in self.contradictions:
            ok &= ~_holds(conds, xx, tol)
        return np.asarray(ok, dtype=bool)


def _cond_text(arrays: ScenarioArrays, conds: tuple[Cond, ...]) -> str:
    parts = []
    for j, lo, hi in conds:
        iss = arrays.issue_ids[j]
        if np.isfinite(lo) and np.isfinite(hi):
            parts.append(f"{lo:g} <= {iss} <= {hi:g}")
        elif np.isfinite(lo):
            parts.append(f"{iss} >= {lo:g}")
        else:
            parts.append(f"{iss} <= {hi:g}")
    return " and ".join(parts)


def _holds(conds: tuple[Cond, ...], x: FloatArray, tol: FloatArray) -> BoolArray:
    ok = np.ones(x.shape[0], dtype=bool)
    for j, lo, hi in conds:
        ok &= (x[:, j] >= lo - tol[j]) & (x[:, j] <= hi + tol[j])
    return ok


def branch_options(
    arrays: ScenarioArrays, dom: AdditiveDomain, scope: BoolArray, rules: PackageRules
) -> Iterator[list[BoolArray]]:
    """The zone's branches: per branch, the options of each issue in it (non-empty only).

    Steps
    -----
    1. Per issue, the options inside every in-scope veto player's signable interval, leaving
       out each (actor, issue) a linked limit governs.
    2. Choices: a linked limit holds (its interval and its conditions apply) or fails through
       one of its conditions (the ordinary interval applies, that condition is false); a
       contradiction is avoided through one of its conditions being false. Linked limits of
       actors whose veto does not bind on the issue are ignored.
    3. Each combination of choices narrows the options issue by issue; combinations that
       leave every issue an option are yielded.

    Raises
    ------
    ValueError
        If the rules have more than :data:`MAX_BRANCHES` combinations.
    """
    from detente.bargaining.acceptable import signable_intervals

    lo, hi = signable_intervals(arrays)
    xs = [np.asarray(dom.option_scale(j), float) for j in range(dom.n_issues)]
    tol = 1e-9 * np.asarray(arrays.span, dtype=float)

    def inside(j: int, a: float, b: float) -> BoolArray:
        return np.asarray((xs[j] >= a - tol[j]) & (xs[j] <= b + tol[j]), dtype=bool)

    linked = [r for r in rules.linked if scope[r.actor, r.issue]]
    governed = {(r.actor, r.issue) for r in linked}
    fixed = [np.ones(x.size, bool) for x in xs]
    for i, j in zip(*np.nonzero(scope), strict=True):
        if not np.isnan(lo[i, j]) and (int(i), int(j)) not in governed:
            fixed[j] &= inside(int(j), lo[i, j], hi[i, j])
    choices: list[list[tuple[str, Any]]] = [
        [("on", r)] + [("off", (r, c)) for c in r.when] for r in linked
    ]
    choices += [[("avoid", c) for c in conds] for _, conds in rules.contradictions]
    total = int(np.prod([len(c) for c in choices], dtype=object)) if choices else 1
    if total > MAX_BRANCHES:
        raise ValueError(
            f"{total} combinations of linked limits and contradictions; allowed: at most "
            f"{MAX_BRANCHES} (fewer conditions per rule)"
        )
    for combo in itertools.product(*choices):
        masks = [m.copy() for m in fixed]
        for kind, what in combo:
            _narrow(masks, kind, what, inside, lo, hi)
        if all(m.any() for m in masks):
            yield masks


def _narrow(masks: list[BoolArray], kind: str, what: Any, inside: Any, lo: Any, hi: Any) -> None:
    """Step 3 of :func:`branch_options`: one choice applied to the masks, in place."""
    if kind == "on":
        r: LinkedRule = what
        masks[r.issue] &= inside(r.issue, r.lo, r.hi)
        for j, a, b in r.when:
            masks[j] &= inside(j, a, b)
        return
    if kind == "off":
        r, (j, a, b) = what
        if not np.isnan(lo[r.actor, r.issue]):
            masks[r.issue] &= inside(r.issue, lo[r.actor, r.issue], hi[r.actor, r.issue])
        masks[j] &= ~inside(j, a, b)
        return
    j, a, b = what
    masks[j] &= ~inside(j, a, b)
