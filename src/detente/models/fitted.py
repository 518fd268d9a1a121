"""A compromise model with a few parameters learned from data (cross-validated by proposal).

The model keeps the compromise model's form — a weighted mean of positions — and lets six
parameters bend it where theory says the EU's rules might: how strongly salience counts, how
much the Commission and the Parliament weigh (by procedure), a shrinkage toward the middle of
the scale, and a pull toward the reference point under unanimity. The parameters are fitted by
minimising mean absolute error; their honest accuracy is the *grouped cross-validation* error,
where whole proposals are held out (issues of one proposal share their actors and their fate,
so splitting them would leak).

The registered defaults (:data:`DEFAULTS`) were fitted on ``deu3-dev.tsv`` (equal capability)
with :func:`fit`; ``benchmarks/bench_deu_backtest.py`` recomputes them and reports the grouped
CV error beside the in-sample one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from detente.models import _params
from detente.models.compromise import weighted_mean
from detente.models.procedural import issue_labels
from detente.models.registry import register
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

__all__ = [
    "DEFAULTS",
    "IDENTITY",
    "LITE_DEFAULTS",
    "LITE_FREE",
    "PARAM_NAMES",
    "apply",
    "fit",
    "fitted_forecast",
    "grouped_cv",
    "grouped_folds",
    "run",
    "run_lite",
    "train_fitted",
    "train_lite",
]

PARAM_NAMES = ("gamma", "shrink", "com_w", "ep_cod", "ep_cns", "pull_unan")

IDENTITY: dict[str, float] = {
    "gamma": 1.0,
    "shrink": 0.0,
    "com_w": 1.0,
    "ep_cod": 1.0,
    "ep_cns": 1.0,
    "pull_unan": 0.0,
}
"""The parameters at which the model is the compromise model."""

DEFAULTS: dict[str, float] = {
    "gamma": 2.0,
    "shrink": 0.058,
    "com_w": 1.573,
    "ep_cod": 1.844,
    "ep_cns": 0.880,
    "pull_unan": 0.0,
}
"""Fitted on all 245 scored issues of deu3-dev.tsv, equal capability (in-sample MAE 23.86;
grouped 10-fold CV MAE 24.49, compromise 24.46)."""


def fitted_forecast(
    arrays: ScenarioArrays, params: dict[str, float], cap: Any = None
) -> np.ndarray:
    """The fitted model's forecast for given parameters.

    Steps
    -----
    1. Weight ``w_ij = c_ij · s_ij ** gamma`` over present actors (``c_ij`` = capability,
       optionally varying by issue through ``cap``).
    2. The Commission's weight times ``com_w``; the Parliament's times ``ep_cod`` on COD
       issues and ``ep_cns`` on CNS issues.
    3. ``m_j`` = weighted mean of positions.
    4. Shrink toward the scale midpoint, kept inside the range of the positions of the actors
       with weight (the Pareto set, so that unanimous actors get their common position):
       ``x_j = (1 − shrink) m_j + shrink · clip((lo_j + hi_j)/2, min_i x_ij, max_i x_ij)``.
    5. On unanimity issues with a known reference point ``q_j``:
       ``x_j ← (1 − pull_unan) x_j + pull_unan q_j``.

    Without procedure or vote labels, or without ``com``/``ep`` actors, steps 2 and 5 do
    nothing (the model is a salience-exponent compromise, shrunk toward the middle).

    Parameters
    ----------
    arrays : ScenarioArrays
    params : dict with the keys of :data:`PARAM_NAMES`
    cap : (n, k) float or None
        Capability per actor and issue; ``None`` uses ``arrays.capability``.
    """
    p = {**IDENTITY, **params}
    proc, vote = issue_labels(arrays)
    c = arrays.capability[:, None] if cap is None else np.asarray(cap, float)
    sal = np.clip(arrays.salience, 0.0, None)
    w = np.where(arrays.present, c * sal ** p["gamma"], 0.0)
    mult = np.ones(arrays.position.shape)
    ids = np.asarray(arrays.actor_ids, dtype=object)
    mult[ids == "com"] = p["com_w"]
    ep_m = np.where(proc == "COD", p["ep_cod"], np.where(proc == "CNS", p["ep_cns"], 1.0))
    mult[ids == "ep"] = ep_m[None, :]
    m = weighted_mean(arrays.position, w * mult, arrays.present)
    mid = 0.5 * (arrays.lo + arrays.hi)
    counts = arrays.present & (w * mult > 0)
    counts = np.where(counts.any(axis=0), counts, arrays.present)
    lo = np.min(np.where(counts, arrays.position, np.inf), axis=0)
    hi = np.max(np.where(counts, arrays.position, -np.inf), axis=0)
    target = np.clip(mid, lo, hi)  # stay inside the Pareto set of the actors who count
    x = (1.0 - p["shrink"]) * m + p["shrink"] * target
    q = arrays.status_quo
    pull = np.where((vote == "UNAN") & np.isfinite(q), p["pull_unan"], 0.0)
    return (1.0 - pull) * x + pull * np.nan_to_num(q)


def _from_theta(t: np.ndarray) -> dict[str, float]:
    sig = np.where(t <= -30.0, 0.0, 1.0 / (1.0 + np.exp(-np.clip(t, -30.0, 30.0))))
    return {
        "gamma": float(np.exp(np.clip(t[0], -3, 2))),
        "shrink": float(sig[1]),
        "com_w": float(np.exp(np.clip(t[2], -6, 4))),
        "ep_cod": float(np.exp(np.clip(t[3], -6, 4))),
        "ep_cns": float(np.exp(np.clip(t[4], -6, 4))),
        "pull_unan": float(sig[5]),
    }


def fit(
    arrays: ScenarioArrays,
    outcome: Any,
    *,
    cap: Any = None,
    issues: Any = None,
    penalty: float = 0.05,
    free: tuple[str, ...] = PARAM_NAMES,
) -> dict[str, float]:
    """Fit the parameters by minimising the mean absolute error on ``issues``.

    Steps
    -----
    1. Parameters on an unconstrained scale: logs of ``gamma`` and the role multipliers,
       logits of ``shrink`` and ``pull_unan``.
    2. Objective: MAE on the training issues plus ``penalty`` times the squared distance of the
       log-parameters from the compromise model's (``gamma = 1``, multipliers 1) — a light ridge
       that keeps parameters the data cannot identify at the compromise model.
    3. Nelder–Mead (scipy) from two starts (the compromise model; a mild shrinkage), best kept.

    Parameters
    ----------
    arrays : ScenarioArrays
    outcome : (k,) float
    cap : (n, k) float or None
    issues : mask or indices of the training issues (default all with an outcome)
    free : names of the parameters to fit; the others stay at the compromise model's values
        (``gamma = 1``, multipliers 1, ``shrink = pull_unan = 0``)
    """
    from scipy.optimize import minimize

    unknown = set(free) - set(PARAM_NAMES)
    if unknown:
        raise KeyError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAM_NAMES)}")
    on = np.array([n in free for n in PARAM_NAMES])
    ident = np.array([0.0, -np.inf, 0.0, 0.0, 0.0, -np.inf])

    y = np.asarray(outcome, float)
    train = np.isfinite(y)
    if issues is not None:
        sel = np.zeros_like(train)
        sel[np.arange(len(y))[issues]] = True
        train &= sel

    def full(t: np.ndarray) -> np.ndarray:
        out = ident.copy()
        out[on] = t
        return out

    def obj(t: np.ndarray) -> float:
        t = full(t)
        fc = fitted_forecast(arrays, _from_theta(t), cap)
        ridge = penalty * float(np.sum(np.where(on & np.isfinite(ident), t, 0.0) ** 2))
        return float(np.mean(np.abs(fc[train] - y[train]))) + ridge

    starts = [
        np.array([0.0, -6.0, 0.0, 0.0, 0.0, -6.0]),
        np.array([0.5, -2.0, 0.0, 0.0, 0.0, -3.0]),
    ]
    best = None
    for s in starts:
        r = minimize(
            obj,
            s[on],
            method="Nelder-Mead",
            options={"maxiter": 1500, "xatol": 1e-3, "fatol": 1e-4},
        )
        if best is None or r.fun < best.fun:
            best = r
    if best is None:  # pragma: no cover - the loop always runs
        raise RuntimeError("no fit")
    return _from_theta(full(np.atleast_1d(best.x)))


def grouped_folds(groups: Any, n_folds: int = 10, seed: int = 0) -> np.ndarray:
    """Fold number of each item, whole groups (proposals) to a fold, groups shuffled by ``seed``."""
    g = np.asarray(groups, dtype=object).astype(str)
    uniq = np.unique(g)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(uniq))
    fold_of = {u: int(i % n_folds) for i, u in zip(range(len(uniq)), uniq[perm], strict=True)}
    return np.array([fold_of[x] for x in g], dtype=int)


def grouped_cv(
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    n_folds: int = 10,
    seed: int = 0,
    free: tuple[str, ...] = PARAM_NAMES,
) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Out-of-fold forecasts, folds formed by group (proposal).

    Steps
    -----
    1. :func:`grouped_folds` assigns each proposal to one of ``n_folds`` folds.
    2. For each fold, :func:`fit` on the other folds' issues, forecast the fold's issues.

    Returns
    -------
    oof : (k,) float
        Each issue's forecast from the model fitted without its proposal.
    params : list of dict
        The parameters fitted for each fold.
    """
    from detente.progress import task

    fold = grouped_folds(groups, n_folds, seed)
    oof = np.full(arrays.n_issues, np.nan)
    params = []
    with task("fitted: cross-validation folds", total=n_folds) as advance:
        for f in range(n_folds):
            test = fold == f
            if test.any():
                p = fit(arrays, outcome, cap=cap, issues=~test, free=free)
                params.append(p)
                oof[test] = fitted_forecast(arrays, p, cap)[test]
            advance()
    return oof, params


def _train(free: tuple[str, ...]) -> Any:
    """The ``train`` hook of a fitted model learning the parameters ``free``."""

    def train(
        arrays: ScenarioArrays, outcome: Any, groups: Any, *, cap: Any = None, seed: int = 0
    ) -> dict[str, Any]:
        # :func:`fit` on every issue with an outcome; ``groups`` and ``seed`` are not needed
        # (the fit has no internal folds and draws nothing).
        p = fit(arrays, outcome, cap=cap, free=free)
        return {k: p[k] for k in free}

    train.__qualname__ = train.__name__ = "train"
    return train


def apply(arrays: ScenarioArrays, params: Mapping[str, Any], cap: Any = None) -> np.ndarray:
    """The ``apply`` hook: :func:`fitted_forecast` with capability ``cap`` (``(n, k)``)."""
    return fitted_forecast(arrays, dict(params), cap)


train_fitted = _train(PARAM_NAMES)
"""``train`` hook of ``fitted``: :func:`fit` of all six parameters."""


def _check(model: str, names: tuple[str, ...], params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` checked: names among ``names``; ``gamma`` > 0, ``shrink`` and ``pull_unan``
    in [0, 1], the role multipliers ``com_w``, ``ep_cod``, ``ep_cns`` >= 0.

    Raises
    ------
    ModelParamError
        ``field="<model>.<option>"``, the value and what is allowed.
    """
    _params.known(model, params, names)
    for key, val in params.items():
        if key == "gamma":
            _params.number(model, key, val, lo=0.0, lo_open=True)
        elif key in ("shrink", "pull_unan"):
            _params.number(model, key, val, lo=0.0, hi=1.0)
        else:
            _params.number(model, key, val, lo=0.0)
    return dict(params)


def _check_fitted(params: Mapping[str, Any]) -> dict[str, Any]:
    return _check("fitted", PARAM_NAMES, params)


def _check_lite(params: Mapping[str, Any]) -> dict[str, Any]:
    return _check("fitted-lite", LITE_FREE, params)


@register(
    "fitted",
    title="Fitted compromise (salience exponent, role weights, shrinkage, unanimity pull)",
    citation=(
        "Compromise model after Achen (2006) in The European Union Decides, ch. 10; role and "
        "vote-rule terms after Crombez (1996) and Tsebelis (2002); parameters fitted on DEU III "
        "dev (Arregui & Perarnaud 2021) with cross-validation grouped by proposal."
    ),
    supports=("status_quo",),
    params=dict(DEFAULTS),
    fittable=True,
    check_params=_check_fitted,
    train=train_fitted,
    apply=apply,
)
def run(arrays: ScenarioArrays, *, rng: RNG = None, **params: float) -> Forecast:
    """Forecast with the fitted compromise model (parameters default to :data:`DEFAULTS`).

    Steps
    -----
    See :func:`fitted_forecast`. Unknown names and values out of range raise
    :class:`~detente.scenario.errors.ModelParamError`.

    References
    ----------
    Achen, C. H. (2006). Evaluating political decision-making models. In *The European Union
    Decides*, CUP, ch. 10.
    """
    p = {**DEFAULTS, **_check_fitted(params)}
    fc = fitted_forecast(arrays, p)
    return Forecast("fitted", arrays.issue_ids, arrays.actor_ids, fc, extra={"params": p})


LITE_FREE = ("gamma", "shrink")
"""The parameters ``fitted-lite`` learns; the rest stay at the compromise model's values."""

train_lite = _train(LITE_FREE)
"""``train`` hook of ``fitted-lite``: :func:`fit` of ``gamma`` and ``shrink``."""

LITE_DEFAULTS: dict[str, float] = {**IDENTITY, "gamma": 2.0, "shrink": 0.148}
"""Fitted on all 245 scored issues of deu3-dev.tsv, equal capability (in-sample MAE 24.03;
grouped 10-fold CV MAE 24.38, compromise 24.46)."""


@register(
    "fitted-lite",
    title="Fitted compromise, two parameters (salience exponent, shrinkage to the middle)",
    citation=(
        "Compromise model after Achen (2006) in The European Union Decides, ch. 10; parameters "
        "fitted on DEU III dev (Arregui & Perarnaud 2021) with cross-validation grouped by proposal."
    ),
    params={k: LITE_DEFAULTS[k] for k in LITE_FREE},
    fittable=True,
    check_params=_check_lite,
    train=train_lite,
    apply=apply,
)
def run_lite(arrays: ScenarioArrays, *, rng: RNG = None, **params: float) -> Forecast:
    """Forecast with the two-parameter fitted compromise model.

    Steps
    -----
    1. Weight ``w_ij = c_i s_ij ** gamma``; weighted mean ``m_j``.
    2. ``x_j = (1 − shrink) m_j + shrink · t_j``, with ``t_j`` the scale midpoint clipped to
       the range of the weighted actors' positions.

    It needs no EU labels and runs on any scenario.

    References
    ----------
    Achen, C. H. (2006). Evaluating political decision-making models. In *The European Union
    Decides*, CUP, ch. 10.
    """
    p = {**LITE_DEFAULTS, **_check_lite(params)}
    fc = fitted_forecast(arrays, p)
    return Forecast("fitted-lite", arrays.issue_ids, arrays.actor_ids, fc, extra={"params": p})
