"""Training and grouped cross-validation of any fittable model (private).

A fittable model registers a ``train`` hook (:class:`~detente.models.registry.ModelInfo`);
everything here calls it the same way, so the DEU backtest, the learnt-power model's nested
selection and the ensembles treat every fittable model alike.

The one rule that keeps cross-validation honest lives in :func:`train_on`: the hook sees the
arrays, outcomes, groups and capabilities of the training issues *only* (the arrays are cut
down with :meth:`~detente.scenario.arrays.ScenarioArrays.subset`), so nothing about a held-out
issue — not its outcome, not even its inputs — can reach the fitted options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from detente.scenario.arrays import ScenarioArrays

__all__ = ["cross_validate", "grouped_folds", "train_on"]


def grouped_folds(groups: Any, n_folds: int = 10, seed: int = 0) -> np.ndarray:
    """Fold number of each issue, whole groups to a fold (:func:`detente.models.fitted.
    grouped_folds`, the backtest's folds since the start)."""
    from detente.models.fitted import grouped_folds as folds

    return folds(groups, n_folds, seed)


def train_on(
    name: str,
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    issues: Any = None,
    cap: Any = None,
    seed: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train model ``name`` on the issues ``issues`` (indices or a mask; default all).

    Steps
    -----
    1. Keep the training issues only: the arrays (``subset``), the outcomes, the groups and
       the ``(n, k)`` capability columns.
    2. Call the model's ``train`` hook on them.
    3. Split what it returned into ``run``'s options and the diagnostics
       (:func:`~detente.models.registry.split_trained`).

    Raises
    ------
    ValueError
        The model is not fittable.
    """
    from detente.models.registry import get_model, split_trained

    info = get_model(name)
    if info.train is None:
        raise ValueError(f"model {name!r} is not fittable (it registers no train hook)")
    k = arrays.n_issues
    idx = np.arange(k) if issues is None else np.arange(k)[issues]
    y = np.asarray(outcome, float)
    g = np.asarray(groups, dtype=object)
    c = None if cap is None else np.asarray(cap, float)
    if len(idx) < k or not np.array_equal(idx, np.arange(k)):
        arrays = arrays.subset(issues=idx)
        y, g = y[idx], g[idx]
        c = None if c is None else c[:, idx]
    return split_trained(info.train(arrays, y, g, cap=c, seed=seed))


def cross_validate(
    name: str,
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    n_folds: int = 10,
    seed: int = 0,
    predict: Callable[[dict[str, Any]], Any] | None = None,
) -> tuple[np.ndarray, list[dict[str, Any]], list[dict[str, Any]]]:
    """Out-of-fold forecasts of a fittable model, folds by group (proposal).

    Steps
    -----
    1. :func:`grouped_folds` assigns each group to one of ``n_folds`` folds (``seed``).
    2. For each fold: :func:`train_on` the other folds' issues (the held-out fold is cut
       away before the model sees anything), then forecast every issue with the trained
       options and keep the fold's.
    3. Forecasts come from the model's ``apply`` hook with ``cap`` when it has one, else from
       ``predict(params)`` (the caller's way to run the model, e.g. the backtest's proposal by
       proposal), else from :func:`~detente.models.registry.run_by_group` on ``arrays``.

    Returns
    -------
    oof : (k,) float
        Each issue's forecast from the model trained without its group.
    params, diagnostics : list of dict
        The trained options and diagnostics of each fold that had issues.
    """
    from detente.models.registry import get_model, run_by_group
    from detente.progress import task

    info = get_model(name)

    def forecast(params: dict[str, Any]) -> np.ndarray:
        if info.apply is not None:
            return np.asarray(info.apply(arrays, params, cap), float)
        if predict is not None:
            return np.asarray(predict(params), float)
        return np.asarray(run_by_group(name, arrays, rng=seed, **params).forecast, float)

    fold = grouped_folds(groups, n_folds, seed)
    oof = np.full(arrays.n_issues, np.nan)
    params, diagnostics = [], []
    # one label for every fitted model's folds (progress displays and tests read it)
    with task("fitted: cross-validation folds", total=n_folds) as advance:
        for f in range(n_folds):
            test = fold == f
            if test.any():
                p, d = train_on(name, arrays, outcome, groups, issues=~test, cap=cap, seed=seed)
                params.append(p)
                diagnostics.append(d)
                oof[test] = forecast(p)[test]
            advance()
    return oof, params, diagnostics
