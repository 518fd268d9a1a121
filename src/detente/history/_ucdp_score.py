"""Out-of-time scoring of the base rates: fit on what was known at the end of 1999, forecast
every conflict-year after it.

A **conflict-year** is a dyad episode running on 1 January of a test year (it began before and
had not ended). For each, every model gives the probability that it ends by agreement, by
ceasefire, or otherwise within 12 months (by 31 December), from its covariates and its duration
so far on 1 January; the outcome is read from the full file. Episodes that begin and end within
one calendar year are never running on a 1 January and are not scored.

The models, all fitted on the episodes known at the end of ``train_until`` (running ones
censored on its 31 December; later rows are dropped before anything is computed):

- ``base rate``: the share of training conflict-years (1946-1999, same definition) that ended
  this way within the year. One number per ending: the reference for the skill score.
- ``reference class``: the Aalen-Johansen estimate of :func:`~detente.history.termination.
  base_rate` (class matched and widened the same way, conditioned on the duration so far).
- ``cox``: the cause-specific Cox models conditioned on the duration so far.

Scores per model and ending: the Brier score, its skill against the base rate
(``1 - Brier / Brier(base rate)``), and the concordance index (for a yes/no outcome within a
fixed window, Harrell's C is the probability that a conflict-year that ended this way got the
higher forecast than one that did not, ties counting one half: the area under the ROC curve).
Nothing was tuned on the test years: the covariates, the widening rule and its threshold, and
the Cox penalty were fixed before the test years were scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.history._ucdp_episodes import CAUSES as _ENDINGS
from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__: list[str] = []

#: Calibration bins of the forecast probability.
BINS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1.0)
#: Fewest conflict-years for a bin to be drawn in the calibration chart.
MIN_BIN = 5


def conflict_years(episodes: pd.DataFrame, years: range) -> pd.DataFrame:
    """Every episode running on 1 January of each year: its covariates, the duration so far
    (days) and how it ended within that year (0: it did not)."""
    import pandas as pd

    rows = []
    records = _records(episodes)
    for y in years:
        jan1, dec31 = dt.date(y, 1, 1), dt.date(y, 12, 31)
        for i, e in enumerate(records):
            start, end, censor = e["start"], e["end"], e["censor"]
            if start >= jan1 or (end is not None and end < jan1) or censor < jan1:
                continue
            ended = e["event"] if (end is not None and end <= dec31) else 0
            if end is None and censor < dec31:
                continue  # the year is not fully observed
            rows.append({"year": y, "episode": i, "at": float((jan1 - start).days), "ended": ended})
    cy = pd.DataFrame(rows)
    if cy.empty:
        return cy
    cols = ["dyad_id", "conflict_id", "location", "type_of_conflict", "intensity"]
    cols += ["incompatibility", "regions", "decade"]
    return pd.concat([cy, episodes.iloc[cy["episode"]][cols].reset_index(drop=True)], axis=1)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict(orient="records")]


def base_rates(train: pd.DataFrame, years: range) -> dict[int, float]:
    """The training conflict-years' share ending each way within the year."""
    cy = conflict_years(train, years)
    return {k: float((cy["ended"] == k).mean()) for k in _ENDINGS}


def aj_forecasts(train: pd.DataFrame, test: pd.DataFrame, horizon_days: float) -> np.ndarray:
    """The reference-class Aalen-Johansen forecast for each test conflict-year: (rows, 3).

    A test episode is asked about as a query of ``detente baserate`` is: with one region, the
    first its dyad lists (training episodes match on any of theirs)."""
    from detente.history._ucdp_aj import conditional_incidence
    from detente.history.termination import reference_class

    out = np.empty((len(test), len(_ENDINGS)))
    dur, ev = train["duration"].to_numpy(), train["event"].to_numpy()
    cache: dict[tuple[Any, ...], np.ndarray] = {}
    for i, r in enumerate(_records(test)):
        codes = {
            "type": int(r["type_of_conflict"]),
            "intensity": int(r["intensity"]),
            "incompatibility": int(r["incompatibility"]),
            "region": int(r["regions"][0]),
        }
        key = (*codes.values(), r["at"])
        if key not in cache:
            mask, _, at = reference_class(train, codes, float(r["at"]))
            p = conditional_incidence(
                dur[mask], ev[mask], tuple(_ENDINGS), at, np.array([horizon_days])
            )
            cache[key] = p[:, 0]
        out[i] = cache[key]
    return out


def cox_forecasts(train: pd.DataFrame, test: pd.DataFrame, horizon_days: float) -> np.ndarray:
    """The cause-specific Cox forecast for each test conflict-year: (rows, 3)."""
    from detente.history import _ucdp_cox as cx

    models = cx.fit(train, tuple(_ENDINGS))
    x = cx.episode_design(test)
    at = test["at"].to_numpy() / cx.DAYS_PER_YEAR
    return cx.predict_conditional(models, x, at, np.array([horizon_days / cx.DAYS_PER_YEAR]))[
        :, :, 0
    ]


def concordance(p: np.ndarray, y: np.ndarray) -> float:
    """Harrell's C for a yes/no outcome: P(forecast of a yes > forecast of a no), ties 1/2."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(p)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


@dataclasses.dataclass(frozen=True, repr=False)
class OutOfTimeScore(Result):
    """Scores of the base-rate forecasts on years the fit never saw.

    Attributes
    ----------
    train_until : int
        Last year the fit saw.
    test_years : tuple (first, last)
    forecasts : DataFrame
        One row per test conflict-year: ``year, dyad_id, conflict_id, location, at`` (days),
        ``ended`` (0/1/2/3) and each model's probability per ending (``p_<model>_<ending>``).
    base_rate : dict
        Training conflict-years' share ending each way within a year.
    n_train_episodes : int
    """

    train_until: int
    test_years: tuple[int, int]
    forecasts: pd.DataFrame
    base_rate: dict[int, float]
    n_train_episodes: int

    models = ("base rate", "reference class", "cox")

    def to_df(self) -> pd.DataFrame:
        """One row per model and ending: n, events, Brier, skill, concordance."""
        import pandas as pd

        rows = []
        f = self.forecasts
        for k, ending in _ENDINGS.items():
            y = (f["ended"] == k).to_numpy()
            ref = brier(f[f"p_base rate_{ending}"].to_numpy(), y)
            for m in self.models:
                p = f[f"p_{m}_{ending}"].to_numpy()
                b = brier(p, y)
                rows.append(
                    {
                        "ending": ending,
                        "model": m,
                        "conflict_years": len(f),
                        "events": int(y.sum()),
                        "mean_forecast": float(p.mean()),
                        "brier": b,
                        "skill": 1.0 - b / ref if ref > 0 else float("nan"),
                        "concordance": concordance(p, y) if m != "base rate" else 0.5,
                    }
                )
        return pd.DataFrame(rows)

    def calibration(self) -> pd.DataFrame:
        """Per model, ending and forecast bin (:data:`BINS`): n, mean forecast, share ended."""
        import pandas as pd

        rows = []
        f = self.forecasts
        for k, ending in _ENDINGS.items():
            y = (f["ended"] == k).to_numpy()
            for m in self.models[1:]:
                p = f[f"p_{m}_{ending}"].to_numpy()
                b = np.clip(np.digitize(p, BINS[1:-1], right=True), 0, len(BINS) - 2)
                for j in range(len(BINS) - 1):
                    sel = b == j
                    if sel.any():
                        rows.append(
                            {
                                "ending": ending,
                                "model": m,
                                "bin": f"{BINS[j]:g}-{BINS[j + 1]:g}",
                                "n": int(sel.sum()),
                                "mean_forecast": float(p[sel].mean()),
                                "observed": float(y[sel].mean()),
                            }
                        )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        df = self.to_df()
        head = (
            f"Out-of-time scores: fit on what was known at the end of {self.train_until} "
            f"({self.n_train_episodes} dyad episodes), forecast {len(self.forecasts)} conflict-years "
            f"{self.test_years[0]}-{self.test_years[1]} (ends within 12 months)."
        )
        lines = [head, "", markdown_table(df)]
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Calibration: mean forecast against the share that ended, per bin (agreement solid,
        ceasefire dashed), each model its colour; the diagonal is perfect calibration, the
        thin horizontal lines the training base rates. Bins with fewer than :data:`MIN_BIN`
        conflict-years are left out of the chart (they are in :meth:`calibration`)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        cal = self.calibration()
        cal = cal[cal["n"] >= MIN_BIN]
        styles = {"agreement": "-", "ceasefire": "--"}
        colours = {"reference class": "tab:blue", "cox": "tab:orange"}
        top = 0.0
        for (ending, m), g in cal.groupby(["ending", "model"], sort=False):
            if ending not in styles:
                continue
            ax.plot(
                g["mean_forecast"],
                g["observed"],
                styles[str(ending)],
                marker="o",
                color=colours[str(m)],
                label=f"{m}: {ending}",
            )
            top = max(top, float(g["mean_forecast"].max()), float(g["observed"].max()))
        top = min(1.0, top * 1.1 + 0.01)
        ax.plot([0, top], [0, top], color="grey", lw=0.8, label="perfect calibration")
        for ending, k in (("agreement", 1), ("ceasefire", 2)):
            ax.axhline(self.base_rate[k], color="grey", ls=styles[ending], lw=0.6)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("forecast probability of ending within 12 months")
        ax.set_ylabel("share of conflict-years that ended so")
        ax.set_title(
            f"Calibration, {self.test_years[0]}-{self.test_years[1]} (fit to {self.train_until})"
        )
        ax.legend(fontsize=8)
        return ax

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "train_until": self.train_until,
                "test_years": list(self.test_years),
                "n_train_episodes": self.n_train_episodes,
                "conflict_years": len(self.forecasts),
                "base_rate": {_ENDINGS[k]: v for k, v in self.base_rate.items()},
                "scores": self.to_df().to_dict(orient="records"),
                "calibration": self.calibration().to_dict(orient="records"),
            }
        )


def markdown_table(df: pd.DataFrame) -> str:
    """The score table as Markdown."""
    head = "| ending | model | conflict-years | events | mean forecast | Brier | skill vs base rate | C-index |"
    out = [head, "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples(index=False):
        out.append(
            f"| {r.ending} | {r.model} | {r.conflict_years} | {r.events} | {r.mean_forecast:.4f} "
            f"| {r.brier:.4f} | {r.skill:+.3f} | {r.concordance:.3f} |"
        )
    return "\n".join(out)


def score(
    episodes_train: pd.DataFrame, episodes_all: pd.DataFrame, train_until: int
) -> OutOfTimeScore:
    """Steps: training base rates; the test conflict-years; each model's forecasts."""
    last = int(episodes_all["censor"].iloc[0].year)
    test = conflict_years(episodes_all, range(train_until + 1, last + 1))
    first_train = min(d.year for d in episodes_train["start"])
    rates = base_rates(episodes_train, range(first_train, train_until + 1))
    horizon = 365.25
    f = test.copy()
    aj = aj_forecasts(episodes_train, test, horizon)
    cx = cox_forecasts(episodes_train, test, horizon)
    for k, ending in _ENDINGS.items():
        f[f"p_base rate_{ending}"] = rates[k]
        f[f"p_reference class_{ending}"] = aj[:, k - 1]
        f[f"p_cox_{ending}"] = cx[:, k - 1]
    return OutOfTimeScore(
        train_until=train_until,
        test_years=(train_until + 1, last),
        forecasts=f,
        base_rate=rates,
        n_train_episodes=len(episodes_train),
    )
