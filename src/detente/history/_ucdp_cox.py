"""Cause-specific Cox models (lifelines ``CoxPHFitter``) and the cumulative incidence they imply.

One proportional-hazards model per cause (agreement, ceasefire, other), the other causes
treated as censoring, on the time scale "years since the episode began". The covariates are
fixed before any test year is seen: conflict type (intrastate the baseline), war intensity in
the first year, incompatibility (government the baseline), region (Africa the baseline; an
interstate dyad in several regions counts in each), and the decade the episode began (centred
on 1980, in decades). An L2 penalty of 0.05 keeps the sparse cells (few interstate wars) finite;
it was set once and not tuned.

The probability of ending by cause k in (a, a + h] given the episode is still running at a
(its duration so far) sums the cause's hazard increments weighted by the all-cause survival,
divided by the survival at a (conditioning = delayed entry at a):

    P_k = sum_{a < t_j <= a + h} S(t_{j-1}) dH_k(t_j) / S(a),  S = exp(-sum_k H_k)

References
----------
Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34(2), 187-220.
Putter, H., Fiocco, M. & Geskus, R. B. (2007). Tutorial in biostatistics: competing risks and
multi-state models. *Statistics in Medicine* 26(11), 2389-2430.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []

PENALIZER = 0.05
COVARIATES = (
    "interstate",
    "internationalized",
    "extrasystemic",
    "war",
    "territory",
    "both",
    "europe",
    "middle_east",
    "asia",
    "americas",
    "decade",
)
DAYS_PER_YEAR = 365.25


def _lifelines() -> Any:
    try:
        import lifelines
    except ModuleNotFoundError:  # pragma: no cover - depends on the install
        from detente.scenario.errors import ScenarioError

        raise ScenarioError(
            "the base-rate models need lifelines",
            allowed="pip install 'detente[history]'",
        ) from None
    return lifelines


def design(
    type_of_conflict: np.ndarray,
    intensity: np.ndarray,
    incompatibility: np.ndarray,
    regions: Sequence[tuple[int, ...]],
    decade: np.ndarray,
) -> pd.DataFrame:
    """The covariate table (one row per episode or query) in :data:`COVARIATES` order."""
    import pandas as pd

    t = np.asarray(type_of_conflict)
    inc = np.asarray(incompatibility)
    cols = {
        "interstate": t == 2,
        "internationalized": t == 4,
        "extrasystemic": t == 1,
        "war": np.asarray(intensity) == 2,
        "territory": inc == 1,
        "both": inc == 3,
        "europe": [1 in r for r in regions],
        "middle_east": [2 in r for r in regions],
        "asia": [3 in r for r in regions],
        "americas": [5 in r for r in regions],
    }
    df = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()})
    df["decade"] = (np.asarray(decade, dtype=float) - 1980.0) / 10.0
    return df


def episode_design(episodes: pd.DataFrame) -> pd.DataFrame:
    """:func:`design` for an episode table."""
    return design(
        episodes["type_of_conflict"].to_numpy(),
        episodes["intensity"].to_numpy(),
        episodes["incompatibility"].to_numpy(),
        list(episodes["regions"]),
        episodes["decade"].to_numpy(),
    )


def fit(episodes: pd.DataFrame, causes: Sequence[int]) -> dict[int, Any]:
    """One fitted ``CoxPHFitter`` per cause (years since the episode began)."""
    lifelines = _lifelines()
    x = episode_design(episodes)
    x = x.loc[:, x.std(ddof=0) > 0]  # a covariate constant in the data cannot be estimated
    x["T"] = episodes["duration"].to_numpy() / DAYS_PER_YEAR
    models = {}
    for c in causes:
        data = x.copy()
        data["E"] = (episodes["event"].to_numpy() == c).astype(int)
        cph = lifelines.CoxPHFitter(penalizer=PENALIZER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph.fit(data, duration_col="T", event_col="E")
        models[c] = cph
    return models


def predict_conditional(
    models: dict[int, Any], x: pd.DataFrame, at: np.ndarray, horizons: np.ndarray
) -> np.ndarray:
    """P(ends by each cause within each horizon | running at ``at``), all in years: shape
    (rows, causes, horizons). See the module docstring for the formula."""
    causes = list(models)
    first = models[causes[0]]
    grid = np.unique(np.asarray(first.baseline_cumulative_hazard_.index, dtype=float))
    cols = list(first.params_.index)
    hz = np.stack(
        [
            np.asarray(m.predict_cumulative_hazard(x[cols], times=grid), dtype=float)
            for m in models.values()
        ]
    )  # (causes, grid, rows)
    at = np.asarray(at, dtype=float)
    total = hz.sum(axis=0)  # (grid, rows)
    surv = np.exp(-total)
    before = np.vstack([np.ones((1, surv.shape[1])), surv[:-1]])
    inc = np.diff(np.concatenate([np.zeros((len(causes), 1, hz.shape[2])), hz], axis=1), axis=1)
    weighted = before[None] * inc  # (causes, grid, rows)
    cum = np.cumsum(weighted, axis=1)
    cum = np.concatenate([np.zeros((len(causes), 1, hz.shape[2])), cum], axis=1)
    s_pad = np.vstack([np.ones((1, surv.shape[1])), surv])
    rows = np.arange(at.size)
    i0 = np.searchsorted(grid, at, side="right")  # index into the padded arrays
    out = np.empty((at.size, len(causes), len(horizons)))
    for h, hy in enumerate(np.asarray(horizons, dtype=float)):
        i1 = np.searchsorted(grid, at + hy, side="right")
        out[:, :, h] = ((cum[:, i1, rows] - cum[:, i0, rows]) / s_pad[i0, rows]).T
    return out
