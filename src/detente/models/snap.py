"""Focal points: a forecast that falls close to a salient point snaps to it (Schelling 1960).

Negotiated outcomes are not spread evenly over an issue's scale. Parties settle on points that
stand out — a text already on the table, a party's own proposal, the law as it stands, a round
number — because each expects the others to expect them (Schelling 1960, ch. 3). The wrapper
``snap:<model>`` takes any registered model's forecast and moves it onto such a point when one is
near enough.

The rule has three parts, all options of every ``snap:`` model:

``snap_focal``
    The focal sets to look in, in order of preference: ``anchors`` (the documented options of
    the issue, ``Issue.scale.anchors``), ``positions`` (the present actors' positions),
    ``status_quo`` (the reference point), ``round`` (round numbers of the scale, see
    ``snap_grid``). The first set with a point within reach decides.
``snap_distance``
    How near is near: a fraction of the issue's scale (``0.1`` = 10 points on 0–100). ``0``
    leaves every forecast unchanged.
``snap_grid``
    The step of the round numbers as a fraction of the span: ``0.5`` gives the ends and the
    middle (0, 50, 100 on 0–100), ``0.25`` adds the quarters.

A training record (the DEU III dev table) lets the rule be learnt: :func:`fit_snap_rule` picks
the order of sets and the distance with the lowest training error, and :func:`nested_cv_snap`
scores that choice honestly with cross-validation grouped by proposal (inner cross-validation
inside the training folds when the wrapped model is itself fitted). Without a record the
documented default :data:`DEFAULT_RULE` applies: documented options first, then the actors'
positions, within 10% of the scale.

References
----------
Schelling, T. C. (1960). *The Strategy of Conflict*. Harvard University Press, ch. 3 ("Bargaining,
communication, and limited war") and appendix C.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.models import _params
from detente.models.registry import ModelInfo, get_model
from detente.models.result import Forecast
from detente.scenario.errors import ModelParamError
from detente.typing import RNG

if TYPE_CHECKING:
    from detente.resources import Cost
    from detente.scenario.arrays import ScenarioArrays

__all__ = [
    "DEFAULT_RULE",
    "DISTANCE_GRID",
    "FOCAL_SETS",
    "INNER_FOLDS",
    "RULE_KEYS",
    "SE_RULE",
    "FocalPoints",
    "SnapRule",
    "apply_snap",
    "family_entry",
    "fit_snap_rule",
    "focal_points",
    "is_snap",
    "listed",
    "nested_cv_snap",
    "rule_orders",
    "snap",
    "snap_forecast",
    "snap_parts",
    "train_snap",
]

FOCAL_SETS = ("anchors", "positions", "status_quo", "round")
"""The focal sets a rule may use (in the order candidate rules list them)."""

RULE_KEYS = ("snap_focal", "snap_distance", "snap_grid")
"""The options every ``snap:`` model adds to its inner model's."""

DEFAULT_RULE: dict[str, Any] = {
    "snap_focal": ("anchors", "positions"),
    "snap_distance": 0.1,
    "snap_grid": 0.5,
}
"""The rule where no training record exists: a documented option, else an actor's position,
within 10% of the scale (Schelling's 'texts on the table'; on DEU III dev, snapping the
compromise forecast to actors' positions within 10 points is the rule the dev experiment of
issue 11 reports, and the one nested CV picks most often: docs/explanation/focal-points.md)."""

SE_RULE = 1.0
"""The rule a ``snap:`` model learns is the simplest within one grouped standard error of the
best (:func:`fit_snap_rule`'s ``se_rule``): on DEU III dev the plain best of the 82 candidate
rules chased noise (grouped-CV MAE 24.55 against the compromise model's 24.46, seed 0), the
one-standard-error choice did not (24.06); benchmarks/results/deu_backtest.md has both,
docs/explanation/focal-points.md lists the variants tried."""

INNER_FOLDS = 5
"""Folds of the inner cross-validation that gives a fitted inner model's training forecasts."""

DISTANCE_GRID = (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2)
"""Distances (fractions of the scale) :func:`fit_snap_rule` chooses from by default."""

_PREFIX = "snap:"
_EPS = 1e-9


@dataclass(frozen=True)
class SnapRule:
    """A focal-point rule: the sets in order of preference, the reach, the round-number grid."""

    focal: tuple[str, ...]
    distance: float
    grid: float = 0.5
    score: float = math.nan
    """The training MAE of the rule where it was fitted (``nan`` otherwise)."""

    def params(self) -> dict[str, Any]:
        """The rule as ``snap:`` model options."""
        return {"snap_focal": self.focal, "snap_distance": self.distance, "snap_grid": self.grid}

    def __str__(self) -> str:
        sets = "+".join(self.focal) if self.distance > 0 else "none"
        return f"{sets} within {self.distance:g} of the scale"


@dataclass(frozen=True)
class FocalPoints:
    """The focal points of every issue, in issue units.

    Attributes
    ----------
    sets : dict of str to (k, p) float
        Each focal set's points per issue, padded with ``nan``.
    span : (k,) float
        ``hi - lo`` of each issue's scale (the distance is a fraction of it).
    lo, hi : (k,) float
        The range of the present actors' positions and the reference point: a point outside
        it is never a candidate (every actor would rather move toward the range).
    """

    sets: dict[str, np.ndarray]
    span: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def take(self, issues: Any) -> FocalPoints:
        """The focal points of the issues selected by a mask or indices."""
        return FocalPoints(
            {k: v[issues] for k, v in self.sets.items()},
            self.span[issues],
            self.lo[issues],
            self.hi[issues],
        )

    @property
    def n_issues(self) -> int:
        return int(self.span.shape[0])


def _padded(rows: Sequence[Sequence[float]], k: int) -> np.ndarray:
    width = max((len(r) for r in rows), default=0)
    out = np.full((k, width), np.nan)
    for j, r in enumerate(rows):
        out[j, : len(r)] = np.asarray(r, float)
    return out


def focal_points(arrays: ScenarioArrays, grid: float = 0.5) -> FocalPoints:
    """The focal sets of every issue of ``arrays`` (one scenario, no draw axis).

    Steps
    -----
    1. ``anchors``: the issue's documented options (``arrays.meta["issue_anchors"]``, filled
       from ``Issue.scale.anchors``; none for tables without them, such as DEU III).
    2. ``positions``: the positions of the actors present on the issue.
    3. ``status_quo``: the reference point, where known.
    4. ``round``: ``lo + t · (hi − lo)`` for ``t = 0, grid, 2·grid, …, 1``.
    5. The admissible range: from the lowest to the highest of the positions and the reference
       point (the whole scale on an issue with neither).
    """
    k = arrays.n_issues
    pos = np.where(arrays.present, arrays.position, np.nan).T
    sq = np.asarray(arrays.status_quo, float)[:, None]
    anchors = (arrays.meta or {}).get("issue_anchors") or ()
    anc = _padded(anchors if len(anchors) == k else [()] * k, k)
    span = np.asarray(arrays.hi - arrays.lo, float)
    steps = np.arange(0.0, 1.0 + _EPS, grid)
    steps = np.unique(np.append(steps[steps <= 1.0 + _EPS], 1.0).clip(0.0, 1.0))
    rnd = arrays.lo[:, None] + steps[None, :] * span[:, None]
    both = np.concatenate([pos, sq], axis=1)
    lo = np.fmin.reduce(np.where(np.isnan(both), np.inf, both), axis=1)
    hi = np.fmax.reduce(np.where(np.isnan(both), -np.inf, both), axis=1)
    empty = ~np.isfinite(lo)
    lo = np.where(empty, arrays.lo, lo)
    hi = np.where(empty, arrays.hi, hi)
    sets = {"anchors": anc, "positions": pos, "status_quo": sq, "round": rnd}
    return FocalPoints(sets, span, np.asarray(lo, float), np.asarray(hi, float))


def snap_forecast(
    forecast: Any, focal: FocalPoints, order: Sequence[str], distance: float
) -> np.ndarray:
    """Move each forecast onto the nearest focal point within ``distance`` of the scale.

    Steps
    -----
    1. ``distance <= 0``: the forecasts are returned unchanged.
    2. For each set in ``order``, on the issues not yet decided: the points inside the
       admissible range (:class:`FocalPoints`), their distance to the forecast, the nearest.
    3. Where the nearest is within ``distance × span``, that set decides the issue: the
       forecast moves onto the nearest point — unless two different points are equally near
       (a tie), when it stays where it is (no point stands out).
    4. Issues that no set decides keep their forecast; a ``nan`` forecast stays ``nan``.

    Returns
    -------
    (k,) float
    """
    x = np.array(forecast, dtype=float, copy=True)
    if distance <= 0 or x.size == 0:
        return x
    reach = distance * focal.span + _EPS * focal.span
    done = ~np.isfinite(x)
    for name in order:
        pts = focal.sets[name]
        if pts.shape[1] == 0:
            continue
        ok = (pts >= focal.lo[:, None] - _EPS * focal.span[:, None]) & (
            pts <= focal.hi[:, None] + _EPS * focal.span[:, None]
        )
        dist = np.where(ok & np.isfinite(pts), np.abs(pts - x[:, None]), np.inf)
        best = dist.min(axis=1)
        hit = (best <= reach) & ~done
        near = dist <= best[:, None] + _EPS * focal.span[:, None]
        vlo = np.min(np.where(near, pts, np.inf), axis=1)
        vhi = np.max(np.where(near, pts, -np.inf), axis=1)
        tie = (vhi - vlo) > _EPS * focal.span
        move = hit & ~tie
        x[move] = vlo[move]
        done |= hit
    return x


def rule_orders(max_sets: int = 2, sets: Sequence[str] = FOCAL_SETS) -> list[tuple[str, ...]]:
    """Every order of preference of 1 to ``max_sets`` distinct focal sets, shortest first."""
    out: list[tuple[str, ...]] = []
    for r in range(1, max_sets + 1):
        out += list(itertools.permutations(sets, r))
    return out


def fit_snap_rule(
    forecasts: Any,
    outcomes: Any,
    focal_sets: FocalPoints,
    groups: Any,
    *,
    orders: Sequence[Sequence[str]] | None = None,
    distances: Sequence[float] = DISTANCE_GRID,
    grid: float = 0.5,
    se_rule: float = 0.0,
) -> SnapRule:
    """The focal-point rule with the lowest mean absolute error on a training record.

    Steps
    -----
    1. Candidates: every order of preference of :func:`rule_orders` (one or two sets), among
       the sets that hold a point on some training issue, times every distance in
       ``distances``; distance 0 (no snapping) is one candidate. Candidates are listed
       simplest first (shorter reach, then fewer sets, then the order of :data:`FOCAL_SETS`).
    2. Each candidate snaps the training forecasts (:func:`snap_forecast`); its score is the
       MAE against ``outcomes``.
    3. The first candidate with the lowest score is chosen. With ``se_rule > 0``, the simplest
       candidate whose score is within ``se_rule`` standard errors of the best (the standard
       error of the paired difference over ``groups``, the proposals) is chosen instead — the
       one-standard-error rule of Hastie, Tibshirani & Friedman (2009, §7.10).

    Only the issues given are used: call it with the training folds' forecasts, outcomes and
    focal points, never the test fold's.

    Parameters
    ----------
    forecasts, outcomes : (k,) float
        The model's forecasts (out of fold when the model is fitted) and the recorded outcomes.
    focal_sets : FocalPoints
        The focal points of the same ``k`` issues (:func:`focal_points`, :meth:`FocalPoints.take`).
    groups : (k,)
        The group (proposal) of each issue.

    Returns
    -------
    SnapRule
        With ``score`` = its training MAE.

    References
    ----------
    Schelling, T. C. (1960). *The Strategy of Conflict*, ch. 3.
    Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of Statistical Learning*,
    2nd ed., §7.10.
    """
    f = np.asarray(forecasts, float)
    y = np.asarray(outcomes, float)
    g = np.asarray(groups, dtype=object).astype(str)
    if not (f.shape == y.shape == g.shape == (focal_sets.n_issues,)):
        raise ValueError("forecasts, outcomes, groups and focal points must cover the same issues")
    _check_rule("snap", {"snap_distance": max(distances, default=0.0), "snap_grid": grid})
    cands = _candidates(focal_sets, orders, distances)
    errs = np.stack([np.abs(snap_forecast(f, focal_sets, o, d) - y) for o, d in cands])
    scores = errs.mean(axis=1)
    best = int(np.argmin(scores))
    if se_rule > 0:
        best = _within_se(errs, g, best, se_rule)
    o, d = cands[best]
    return SnapRule(tuple(o), float(d), float(grid), float(scores[best]))


def _candidates(
    focal: FocalPoints, orders: Sequence[Sequence[str]] | None, distances: Sequence[float]
) -> list[tuple[tuple[str, ...], float]]:
    """The candidate rules, simplest first; sets without any point are left out."""
    have = [s for s in FOCAL_SETS if np.isfinite(focal.sets[s]).any()]
    if orders is None:
        orders = rule_orders(2, have)
    else:
        for o in orders:
            _check_focal("snap", o)
    ds = sorted({float(d) for d in distances})
    out: list[tuple[tuple[str, ...], float]] = [(("positions",), 0.0)]
    for d in ds:
        if d > 0:
            out += [(tuple(o), d) for o in orders]
    return out


def _within_se(errs: np.ndarray, groups: np.ndarray, best: int, k_se: float) -> int:
    """The first (simplest) candidate within ``k_se`` grouped standard errors of the best."""
    _, label = np.unique(groups, return_inverse=True)
    n_g = int(label.max()) + 1
    diff = errs - errs[best]
    sums = np.stack([np.bincount(label, weights=row, minlength=n_g) for row in diff])
    size = np.bincount(label, minlength=n_g).astype(float)
    # cluster-robust standard error of a mean difference: per-group totals around the mean
    mean = sums.sum(axis=1) / size.sum()
    resid = sums - mean[:, None] * size[None, :]
    se = np.sqrt((resid**2).sum(axis=1) * n_g / max(n_g - 1, 1)) / size.sum()
    ok = mean <= k_se * se + _EPS
    return int(np.flatnonzero(ok)[0])


def nested_cv_snap(
    name: str,
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    n_folds: int = 10,
    seed: int = 0,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Out-of-fold forecasts of the ``snap:`` model ``name``, each fold's rule (and inner
    model, when fitted) trained on its training folds only.

    Steps
    -----
    1. Folds of whole groups (proposals), shuffled by ``seed``
       (:func:`detente.models.fitted.grouped_folds`, the backtest's folds).
    2. For each fold, the training issues alone are cut out (arrays, outcomes, groups,
       capability columns) and handed to the model's training (:meth:`_SnapRun.train`):
       inner cross-validation inside them gives honest forecasts of a fitted inner model,
       :func:`fit_snap_rule` chooses the rule on them.
    3. The test fold's forecasts: the trained options applied (:meth:`_SnapRun.apply`).

    This is the backtest's generic cross-validation of a fittable model
    (:func:`detente.models._fitting.cross_validate`) with the ``train`` and ``apply`` hooks,
    named here so that the snapping can be checked on its own.

    Returns
    -------
    oof : (k,) float
    params : list of dict, the options trained in each fold

    References
    ----------
    Varma, S. & Simon, R. (2006). Bias in error estimation when using cross-validation for
    model selection. *BMC Bioinformatics* 7, 91.
    """
    from detente.models._fitting import cross_validate

    oof, params, _ = cross_validate(
        name, arrays, outcome, groups, cap=cap, n_folds=n_folds, seed=seed
    )
    return oof, params


def _run_groups(
    inner: str, arrays: Any, params: Mapping[str, Any], cap: Any, seed: int
) -> np.ndarray:
    """The inner model run group by group (``meta["issue_groups"]``), each group on its
    present actors with the capability of its first issue's column of ``cap``."""
    from detente.models.registry import run_by_group, spawn_streams

    if cap is None:
        return np.asarray(run_by_group(inner, arrays, rng=seed, **params).forecast, float)
    c = np.asarray(cap, float)
    groups = tuple((arrays.meta or {}).get("issue_groups") or ())
    if len(groups) != arrays.n_issues:
        groups = ("",) * arrays.n_issues
    order: dict[Any, list[int]] = {}
    for j, grp in enumerate(groups):
        order.setdefault(grp, []).append(j)
    info = get_model(inner)
    streams: list[Any] = spawn_streams(seed, len(order)) if len(order) > 1 else [seed]
    out = np.full(arrays.n_issues, np.nan)
    for idx, rng in zip(order.values(), streams, strict=True):
        actors = np.flatnonzero(arrays.present[:, idx].any(axis=1))
        if actors.size == 0:
            continue
        sub = arrays.subset(actors=actors, issues=idx)
        sub = replace(sub, capability=c[actors, idx[0]])
        out[idx] = np.asarray(info.run(sub, rng=rng, **params).forecast, float)
    return out


def _inner_forecast(
    inner: str, arrays: Any, params: Mapping[str, Any], cap: Any, seed: int = 0
) -> np.ndarray:
    """The inner model's forecast of every issue with options ``params``: its ``apply`` hook
    when it has one (the fitted compromise's closed form here), else run group by group."""
    apply = get_model(inner).apply
    if apply is not None:
        return np.asarray(apply(arrays, dict(params), cap), float)
    return _run_groups(inner, arrays, params, cap, seed)


def _inner_train(
    inner: str, arrays: Any, y: np.ndarray, g: np.ndarray, cap: Any, seed: int
) -> dict[str, Any]:
    """The inner model's options trained on these issues (its ``train`` hook, without the
    diagnostics)."""
    from detente.models._fitting import train_on

    return train_on(inner, arrays, y, g, cap=cap, seed=seed)[0]


def _inner_oof(
    inner: str, arrays: Any, y: np.ndarray, g: np.ndarray, cap: Any, seed: int, folds: int
) -> np.ndarray:
    """Out-of-fold forecasts of a fitted inner model on these issues: a grouped CV among them
    alone (``folds`` folds, fewer when there are fewer groups)."""
    from detente.models._fitting import grouped_folds

    out = np.full(y.shape, np.nan)
    n_groups = len(set(np.asarray(g, dtype=object).astype(str)))
    if n_groups < 2:
        p = _inner_train(inner, arrays, y, g, cap, seed)
        return _inner_forecast(inner, arrays, p, cap, seed)
    fold = grouped_folds(g, min(folds, n_groups), seed)
    for h in np.unique(fold):
        keep = np.flatnonzero(fold != h)
        c = None if cap is None else np.asarray(cap, float)[:, keep]
        p = _inner_train(inner, arrays.subset(issues=keep), y[keep], g[keep], c, seed)
        held = fold == h
        out[held] = _inner_forecast(inner, arrays, p, cap, seed)[held]
    return out


# --------------------------------------------------------------------------- options
def _check_focal(model: str, value: Any) -> tuple[str, ...]:
    """``snap_focal`` as a tuple of known set names (a list, or text such as ``"a,b"``)."""
    items: Any = value
    if isinstance(value, str):
        items = [s.strip() for s in value.replace("+", ",").split(",") if s.strip()]
    allowed = "a list of one or more of " + ", ".join(FOCAL_SETS) + " (in order of preference)"
    if not isinstance(items, (list, tuple)) or not items:
        raise ModelParamError(
            f"model {model!r}: snap_focal must name focal sets",
            field=f"{model}.snap_focal",
            value=value,
            allowed=allowed,
        )
    for s in items:
        if not isinstance(s, str) or s not in FOCAL_SETS:
            raise ModelParamError(
                f"model {model!r}: unknown focal set {s!r}",
                field=f"{model}.snap_focal",
                value=s,
                allowed=allowed,
            )
    if len(set(items)) != len(items):
        raise ModelParamError(
            f"model {model!r}: a focal set is named twice",
            field=f"{model}.snap_focal",
            value=value,
            allowed=allowed + ", each once",
        )
    return tuple(items)


def _check_rule(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The ``snap_*`` options checked: known focal sets, distance in [0, 1], grid in (0, 1]."""
    out = dict(params)
    if "snap_focal" in out:
        out["snap_focal"] = _check_focal(model, out["snap_focal"])
    if "snap_distance" in out:
        out["snap_distance"] = _params.number(
            model, "snap_distance", out["snap_distance"], lo=0.0, hi=1.0
        )
    if "snap_grid" in out:
        out["snap_grid"] = _params.number(
            model, "snap_grid", out["snap_grid"], lo=0.0, hi=1.0, lo_open=True
        )
    return out


# --------------------------------------------------------------------------- the wrapper
@dataclass(frozen=True)
class _SnapRun:
    """Focal-point wrapper: the inner model's forecast snapped to a focal point (Schelling 1960).

    Steps
    -----
    1. Run the inner model with its own options (every option not starting with ``snap_``).
    2. The focal points of the scenario (:func:`focal_points` with ``snap_grid``).
    3. Snap the forecast (:func:`snap_forecast` with ``snap_focal`` and ``snap_distance``).
       The history, when the inner model has one, is the inner model's.

    References
    ----------
    Schelling, T. C. (1960). *The Strategy of Conflict*. Harvard University Press, ch. 3.
    """

    name: str
    inner: str
    defaults: dict[str, Any] = field(default_factory=dict)

    def __call__(self, arrays: ScenarioArrays, *, rng: RNG = None, **params: Any) -> Forecast:
        rule, inner_params = self._split(params)
        base = get_model(self.inner).run(arrays, rng=rng, **inner_params)
        fp = focal_points(arrays, rule["snap_grid"])
        x = snap_forecast(base.forecast, fp, rule["snap_focal"], rule["snap_distance"])
        extra = {**base.extra, "inner": self.inner, "inner_forecast": base.forecast, "rule": rule}
        return Forecast(
            self.name, arrays.issue_ids, arrays.actor_ids, x, history=base.history, extra=extra
        )

    def _split(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        rule = {**DEFAULT_RULE, **self.defaults}
        rule.update({k: v for k, v in params.items() if k in RULE_KEYS})
        return _check_rule(self.name, rule), {k: v for k, v in params.items() if k not in RULE_KEYS}

    def train(
        self, arrays: ScenarioArrays, outcome: Any, groups: Any, *, cap: Any = None, seed: int = 0
    ) -> dict[str, Any]:
        """The options learnt from a training record: the inner model's and the rule.

        Steps
        -----
        1. The inner model's forecasts of the training issues: its plain forecasts, or for a
           fittable inner model out-of-fold forecasts of a grouped CV inside these issues
           (:data:`INNER_FOLDS` folds) — the nested CV that keeps the rule honest.
        2. The rule: :func:`fit_snap_rule` on those forecasts and the outcomes.
        3. A fittable inner model is then trained on all these issues.

        Only the issues passed are used; the caller cuts the test fold away. Returns the
        options of ``run`` with ``"_diagnostics"`` (the rule in words, its training MAE).
        """
        y = np.asarray(outcome, float)
        g = np.asarray(groups, dtype=object)
        info = get_model(self.inner)
        grid = float(self.defaults.get("snap_grid", DEFAULT_RULE["snap_grid"]))
        if info.fittable:
            fc = _inner_oof(self.inner, arrays, y, g, cap, seed, INNER_FOLDS)
            inner_p = _inner_train(self.inner, arrays, y, g, cap, seed)
        else:
            fc = _inner_forecast(self.inner, arrays, {}, cap, seed)
            inner_p = {}
        rule = fit_snap_rule(fc, y, focal_points(arrays, grid), g, grid=grid, se_rule=SE_RULE)
        diag = {"rule": str(rule), "train_mae": rule.score}
        return {**inner_p, **rule.params(), "_diagnostics": diag}

    def apply(self, arrays: ScenarioArrays, params: Mapping[str, Any], cap: Any) -> np.ndarray:
        """The forecast for trained options on arrays whose capability varies by issue."""
        rule, inner_p = self._split(params)
        fc = _inner_forecast(self.inner, arrays, inner_p, cap)
        fp = focal_points(arrays, rule["snap_grid"])
        return snap_forecast(fc, fp, rule["snap_focal"], rule["snap_distance"])


_FAMILY: dict[str, ModelInfo] = {}
_PARTS: dict[str, tuple[str, dict[str, Any]]] = {}


def _runner(name: str) -> _SnapRun:
    run = get_model(name).run
    if not isinstance(run, _SnapRun):
        raise KeyError(f"{name!r} is not a snap: model")
    return run


def train_snap(
    name: str, arrays: ScenarioArrays, outcome: Any, groups: Any, *, cap: Any = None, seed: int = 0
) -> dict[str, Any]:
    """The options of the ``snap:`` model ``name`` trained on every issue of ``arrays``
    (the inner model's and the rule; see :meth:`_SnapRun.train`), without diagnostics."""
    from detente.models._fitting import train_on

    _runner(name)  # KeyError unless a snap: model
    return train_on(name, arrays, outcome, groups, cap=cap, seed=seed)[0]


def apply_snap(name: str, arrays: ScenarioArrays, params: Mapping[str, Any], cap: Any) -> Any:
    """The forecast of the ``snap:`` model ``name`` for trained options ``params``."""
    return _runner(name).apply(arrays, params, cap)


def is_snap(name: str) -> bool:
    """Whether ``name`` is a focal-point model (``snap:<model>`` or made by :func:`snap`)."""
    return name.startswith(_PREFIX)


def snap_parts(name: str) -> tuple[str, dict[str, Any]]:
    """The inner model and the rule's defaults of the ``snap:`` model ``name``."""
    if name in _PARTS:
        return _PARTS[name]
    return name[len(_PREFIX) :], dict(DEFAULT_RULE)


def _entry(name: str, inner: str, rule: Mapping[str, Any]) -> ModelInfo:
    """The registry entry of ``name``: the inner model's, with the rule's options added."""
    info = get_model(inner)
    defaults = {**DEFAULT_RULE, **rule}
    run = _SnapRun(name, inner, defaults)

    def check(params: Mapping[str, Any]) -> dict[str, Any]:
        rule_p = {k: v for k, v in params.items() if k in RULE_KEYS}
        rest = {k: v for k, v in params.items() if k not in RULE_KEYS}
        try:
            inner_p = info.validate_params(rest)
        except ModelParamError as e:  # name the option as the user wrote it: snap:<model>.x
            field_ = e.field or ""
            if field_.startswith(f"{inner}."):
                field_ = f"{name}.{field_[len(inner) + 1 :]}"
            raise ModelParamError(
                e.message.replace(f"model {inner!r}", f"model {name!r}"),
                path=e.path,
                line=e.line,
                field=field_,
                value=e.value,
                allowed=e.allowed,
            ) from None
        return {**inner_p, **_check_rule(name, rule_p)}

    def cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
        rest = {a: b for a, b in params.items() if a not in RULE_KEYS}
        c = info.estimate_cost(n, k, rest)  # snapping itself is a linear pass
        return replace(c, what=f"{c.what}, inside {name}")

    return ModelInfo(
        train=run.train,
        apply=run.apply,
        name=name,
        title=f"{info.title}, snapped to focal points",
        citation=f"Schelling, T. C. (1960) The Strategy of Conflict, ch. 3; inner model: "
        f"{info.citation}",
        run=run,
        stochastic=info.stochastic,
        dynamic=info.dynamic,
        supports=frozenset(info.supports - {"draws"}),
        params={**info.params, **defaults},
        experimental=True,
        fittable=True,
        check_params=check,
        cost=cost,
        draws_when=info.draws_when,
    )


def family_entry(name: str) -> ModelInfo:
    """The entry of ``snap:<model>`` for any registered model (made once, not listed).

    Raises
    ------
    KeyError
        ``name`` is not ``snap:`` followed by a registered model that is not itself ``snap:``.
    """
    if name in _FAMILY:
        return _FAMILY[name]
    inner = name[len(_PREFIX) :]
    if not is_snap(name) or is_snap(inner):
        raise KeyError(f"unknown model {name!r}: snap: wraps a model that is not itself snap:")
    info = _entry(name, inner, {})  # KeyError with the known names for an unknown inner model
    _FAMILY[name] = info
    return info


def snap(model: str, **rule: Any) -> str:
    """A focal-point version of ``model``; returns the name to run it by.

    Without a rule, the name is ``snap:<model>`` (the default rule, :data:`DEFAULT_RULE`).
    With one (``snap_focal``, ``snap_distance``, ``snap_grid``), the name spells the rule, e.g.
    ``snap:compromise[positions+round,0.05,0.5]``; :func:`~detente.models.registry.get_model`
    and :func:`~detente.models.registry.run_model` resolve it. The rule's options may still be
    overridden at run time, as may the inner model's.

    Raises
    ------
    ModelParamError
        An unknown option, a negative distance, an unknown focal set.
    KeyError
        ``model`` is not registered.
    """
    get_model(model)
    if is_snap(model):
        raise KeyError(f"{model!r} is already a snap: model")
    for key in rule:
        if key not in RULE_KEYS:
            _params.known(f"snap:{model}", {key: rule[key]}, RULE_KEYS)
    checked = _check_rule(f"snap:{model}", rule)
    if not checked:
        family_entry(f"{_PREFIX}{model}")
        return f"{_PREFIX}{model}"
    full = {**DEFAULT_RULE, **checked}
    name = (
        f"{_PREFIX}{model}[{'+'.join(full['snap_focal'])},"
        f"{full['snap_distance']:g},{full['snap_grid']:g}]"
    )
    if name not in _FAMILY:
        _FAMILY[name] = _entry(name, model, full)
        _PARTS[name] = (model, full)
    return name


def listed(base: Sequence[ModelInfo]) -> list[ModelInfo]:
    """The focal-point models :func:`~detente.models.registry.list_models` lists after
    ``base``: ``snap:compromise`` and ``snap:<model>`` of every fittable model of ``base``, in
    its order (every other ``snap:<model>`` resolves through ``get_model`` unlisted)."""
    names = [m.name for m in base if m.name == "compromise"]
    names += [m.name for m in base if m.fittable and not is_snap(m.name)]
    return [family_entry(f"{_PREFIX}{n}") for n in names]
