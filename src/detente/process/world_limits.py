"""The process block compiled to index form, and the package-level rules of the world.

:func:`compile_world` turns a :class:`~detente.scenario.process_spec.ProcessSpec` into arrays
and index tuples once; the functions below evaluate, vectorised over runs, the conditions of
linked limits, declared contradictions and ratification stages on packages ``x`` (``(m, k)``
issue units). Equations: docs/explanation/process-world.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.scenario.arrays import ScenarioArrays
from detente.scenario.process_spec import Condition, ProcessSpec, order_cycle

__all__ = [
    "CompiledWorld",
    "Linked",
    "Stage",
    "compile_world",
    "conditions_hold",
    "ordering_conflicts",
    "stage_pass_probability",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: A condition in index form: (issue index, at_least or -inf, at_most or +inf).
Cond = tuple[int, float, float]


@dataclass(frozen=True)
class Linked:
    """A linked limit in index form."""

    actor: int
    issue: int
    reservation: float
    when: tuple[Cond, ...]
    stage: int  # -1: none


@dataclass(frozen=True)
class Stage:
    """A ratification stage in index form."""

    id: str
    actor: int
    required_if: tuple[Cond, ...]
    probability: float | None
    support: tuple[tuple[int, FloatArray, FloatArray], ...]  # (issue, values, shares)
    threshold: float
    poll_error: float
    days: int


@dataclass(frozen=True)
class CompiledWorld:
    """The process block as indices and arrays (see :func:`compile_world`)."""

    delay: FloatArray  # (n, k) widening per month
    sens: tuple[tuple[int, int, int, float, float | None], ...]  # a, j, driver, per_unit, ref
    expect: dict[tuple[int, int], tuple[float, float]]  # (a, driver) -> (expected, rate)
    shock_limit: tuple[tuple[int, int, int, float], ...]  # shock, a, j, shift
    shock_driver: tuple[tuple[int, int, float], ...]  # shock, driver, factor
    linked: tuple[Linked, ...]
    contradictions: tuple[tuple[str, tuple[Cond, ...]], ...]
    stages: tuple[Stage, ...]


def _cond(iidx: dict[str, int], c: Condition) -> Cond:
    lo = -np.inf if c.at_least is None else float(c.at_least)
    hi = np.inf if c.at_most is None else float(c.at_most)
    return (iidx[c.issue], lo, hi)


def compile_world(arrays: ScenarioArrays, spec: ProcessSpec | None) -> CompiledWorld:
    """Index form of ``spec`` for ``arrays``' actors and issues (empty when ``spec`` is None)."""
    n, k = arrays.n_actors, arrays.n_issues
    delay = np.zeros((n, k))
    if spec is None:
        return CompiledWorld(delay, (), {}, (), (), (), (), ())
    aidx = {a: i for i, a in enumerate(arrays.actor_ids)}
    iidx = {s: j for j, s in enumerate(arrays.issue_ids)}
    didx = {d.id: i for i, d in enumerate(spec.drivers)}
    sidx = {s.id: i for i, s in enumerate(spec.ratification)}
    sens = []
    for w in spec.walkaways:
        a, j = aidx[w.actor], iidx[w.issue]
        delay[a, j] += w.delay_cost_per_month
        sens += [(a, j, didx[s.driver], s.per_unit, s.reference) for s in w.sensitivities]
    expect = {
        (aidx[e.actor], didx[e.driver]): (e.expected, e.convergence_per_month)
        for e in spec.expectations
    }
    s_lim, s_drv = [], []
    for s, sh in enumerate(spec.shocks):
        for e in sh.effects:
            if e.driver is not None and e.factor is not None:
                s_drv.append((s, didx[e.driver], float(e.factor)))
            elif e.actor is not None and e.issue is not None and e.shift is not None:
                s_lim.append((s, aidx[e.actor], iidx[e.issue], float(e.shift)))
    linked = tuple(
        Linked(
            aidx[ll.actor],
            iidx[ll.issue],
            ll.reservation,
            tuple(_cond(iidx, c) for c in ll.when),
            -1 if ll.requires_stage is None else sidx[ll.requires_stage],
        )
        for ll in spec.linked_limits
    )
    contra = tuple((c.id, tuple(_cond(iidx, w) for w in c.when)) for c in spec.contradictions)
    stages = tuple(
        Stage(
            st.id,
            aidx[st.actor],
            tuple(_cond(iidx, c) for c in st.required_if),
            st.probability,
            tuple(
                (
                    iidx[cv.issue],
                    np.array([p.value for p in cv.points]),
                    np.array([p.share for p in cv.points]),
                )
                for cv in st.support
            ),
            st.threshold,
            st.poll_error,
            st.days,
        )
        for st in spec.ratification
    )
    return CompiledWorld(
        delay, tuple(sens), expect, tuple(s_lim), tuple(s_drv), linked, contra, stages
    )


def conditions_hold(conds: Sequence[Cond], x: FloatArray, tol: FloatArray) -> BoolArray:
    """``(m,)``: every condition holds for packages ``x`` (``(m, k)``); ends count as holding.

    An empty list holds everywhere. ``tol`` is ``(k,)``, the slack in issue units.
    """
    ok = np.ones(x.shape[0], dtype=bool)
    for j, lo, hi in conds:
        ok &= (x[:, j] >= lo - tol[j]) & (x[:, j] <= hi + tol[j])
    return ok


def stage_pass_probability(stage: Stage, x: FloatArray) -> FloatArray:
    """``(m,)``: the chance that ``stage`` passes package ``x``.

    A fixed ``probability``, or ``Phi((s(x) - threshold) / poll_error)`` where ``s(x)`` is the
    smallest over the support curves of the share interpolated linearly between the poll
    points (flat beyond the first and last) and ``Phi`` the standard normal CDF: the vote
    share is the poll share plus a normal polling error.
    """
    if stage.probability is not None:
        return np.full(x.shape[0], stage.probability)
    from scipy.special import ndtr

    share = np.full(x.shape[0], np.inf)
    for j, vals, shares in stage.support:
        share = np.minimum(share, np.interp(x[:, j], vals, shares))
    return np.asarray(ndtr((share - stage.threshold) / stage.poll_error), dtype=float)


def ordering_conflicts(spec: ProcessSpec | None) -> list[dict[str, object]]:
    """Ordering demands that exclude each other: each cycle among all demands.

    Steps: find a cycle (depth-first search); record the demands along it and their actors;
    drop one non-binding demand of the cycle (the last one found); repeat until acyclic.
    Binding demands alone are acyclic (the schema refuses a cycle among them).
    """
    if spec is None or spec.sequencing is None:
        return []
    demands = list(spec.sequencing.demands)
    out: list[dict[str, object]] = []
    while True:
        cycle = order_cycle([(d.first, d.then) for d in demands])
        if not cycle:
            return out
        pairs = list(itertools.pairwise(cycle))
        used = [next(d for d in demands if (d.first, d.then) == pr) for pr in pairs]
        out.append(
            {
                "cycle": cycle,
                "demands": [d.id for d in used],
                "actors": sorted({d.actor for d in used if d.actor is not None}),
                "sources": sorted({s for d in used for s in d.sources}),
            }
        )
        drop = next((d for d in reversed(used) if not d.binding), used[-1])
        demands.remove(drop)
