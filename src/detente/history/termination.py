"""How and when armed conflicts end: base rates from the UCDP Conflict Termination data.

For a conflict described by UCDP's covariates (:class:`~detente.scenario.conflict_spec.
ConflictSpec`) and an as-of date, :func:`base_rate` answers: how likely is it to end by a peace
agreement, or by a ceasefire, within 3, 6, 12 and 24 months, given that it has lasted this long
already; among how many similar episodes; and how often fighting came back within 5 years,
by how an episode ended. :func:`score_out_of_time` checks such answers on years the fit never
saw (fit on what was known at the end of 1999, forecast every conflict-year 2000-2020).

Unit: the **dyad episode** (Kreutz 2010): a run of consecutive years in which one government
fought one opponent over one incompatibility with at least 25 battle deaths a year. The file is
at this level and so is its ``outcome``; a conflict with several rebel groups contributes
several dyad episodes, so intervals are bootstrapped over whole conflicts, not episodes.

Outcomes compete: agreement (UCDP outcome 1, peace agreement), ceasefire (2), other (3-6:
victory for either side, low activity, an actor ceasing to exist; and the three episodes
with no recorded outcome).

Steps of :func:`base_rate`:

1. Read the file (:func:`load_episodes`; located errors for a malformed file).
2. The reference class: episodes with the same type, intensity in their first year,
   incompatibility and region; while fewer than ``min_at_risk`` of them were still running at
   the conflict's duration so far, drop region, then incompatibility, then intensity, then type.
3. Aalen-Johansen cumulative incidence of each ending from the duration so far on (the class's
   episodes still running then, entering at that duration: delayed entry), at each horizon;
   95% percentile intervals from a bootstrap over conflicts.
4. Cause-specific Cox models on all episodes (:mod:`detente.history._ucdp_cox`), conditioned on
   the duration so far, as a covariate-adjusted second opinion (point estimates).
5. Renewed fighting within 5 years among the class's ended episodes, by how each ended.

References
----------
Kreutz, J. (2010). How and when armed conflicts end: Introducing the UCDP Conflict Termination
dataset. *Journal of Peace Research* 47(2), 243-250.
Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. *Scandinavian Journal of Statistics* 5(3), 141-150.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.history._ucdp_episodes import CAUSES, OUTCOMES
from detente.history._ucdp_load import data_path
from detente.results import Result, jsonable
from detente.scenario.errors import ScenarioError
from detente.typing import RNG

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.scenario.conflict_spec import ConflictSpec

__all__ = [
    "DAYS_PER_MONTH",
    "HORIZONS_MONTHS",
    "MIN_AT_RISK",
    "WIDEN_ORDER",
    "BaseRate",
    "base_rate",
    "data_path",
    "format_table",
    "load_episodes",
    "recurrence_by_outcome",
    "reference_class",
    "score_out_of_time",
    "widening_steps",
]

#: Horizons the base rate is given for, in months.
HORIZONS_MONTHS = (3, 6, 12, 24)
#: A month is a twelfth of a Julian year.
DAYS_PER_MONTH = 365.25 / 12
#: Fewest class episodes still running at the duration so far before the class is widened.
MIN_AT_RISK = 20
#: The covariates dropped, in this order, to widen a class that is too small.
WIDEN_ORDER = ("region", "incompatibility", "intensity", "type")

_CAUSES = tuple(CAUSES)  # (1, 2, 3)
_CACHE: dict[tuple[Any, ...], pd.DataFrame] = {}


def load_episodes(data: str | Path | None = None, *, until_year: int | None = None) -> pd.DataFrame:
    """The dyad episodes of the UCDP termination file, one row each.

    Parameters
    ----------
    data : path, optional
        The file (see :func:`data_path`).
    until_year : int, optional
        Use only what was known at the end of that year: later rows are dropped first, so
        episodes still running are censored on its 31 December (no later end, outcome or
        recurrence can leak).

    Returns
    -------
    pandas.DataFrame
        Columns ``dyad_id, conflict_id, location, side_a, side_b, start, end`` (``None`` while
        running), ``censor, duration`` (days), ``event`` (0 running, 1 agreement, 2 ceasefire,
        3 other), ``outcome`` (UCDP code; 0 unknown, -1 running), ``type_of_conflict,
        intensity`` (first year), ``incompatibility, regions`` (tuple of codes), ``decade,
        line`` (first line in the file), ``recur5`` (1/0; NaN not known).
        The table is cached per file and year: do not modify it.

    Raises
    ------
    ScenarioError
        Missing file; a malformed value (file, line, column, value, what is allowed).
    """
    from detente.history._ucdp_episodes import build_episodes
    from detente.history._ucdp_load import read_rows

    p = data_path(data)
    st = p.stat()
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size, until_year)
    if key not in _CACHE:
        eps = build_episodes(read_rows(p), until_year=until_year)
        eps.attrs["path"] = str(p)
        _CACHE[key] = eps
    return _CACHE[key]


def _codes(conflict: ConflictSpec) -> dict[str, int]:
    c = conflict.codes()
    return {
        "type": c["type_of_conflict"],
        "intensity": c["intensity_level"],
        "incompatibility": c["incompatibility"],
        "region": c["region"],
    }


def _match(episodes: pd.DataFrame, codes: dict[str, int], used: tuple[str, ...]) -> np.ndarray:
    cols = {
        "type": "type_of_conflict",
        "intensity": "intensity",
        "incompatibility": "incompatibility",
    }
    mask = np.ones(len(episodes), dtype=bool)
    for name in used:
        if name == "region":
            mask &= np.array([codes["region"] in r for r in episodes["regions"]], dtype=bool)
        else:
            mask &= episodes[cols[name]].to_numpy() == codes[name]
    return mask


def _classes(
    episodes: pd.DataFrame, codes: dict[str, int]
) -> Iterator[tuple[tuple[str, ...], np.ndarray]]:
    """Each class in widening order: all four covariates matched, then one dropped at a time
    in :data:`WIDEN_ORDER` down to none; the covariates matched and the class's mask."""
    used: tuple[str, ...] = ("type", "intensity", "incompatibility", "region")
    for drop in (None, *WIDEN_ORDER):
        if drop is not None:
            used = tuple(u for u in used if u != drop)
        yield used, _match(episodes, codes, used)


def reference_class(
    episodes: pd.DataFrame,
    codes: dict[str, int],
    at_days: float,
    min_at_risk: int = MIN_AT_RISK,
) -> tuple[np.ndarray, tuple[str, ...], float]:
    """The episodes like the conflict, widened until enough were running at ``at_days``.

    ``codes``: UCDP codes by ``type``, ``intensity``, ``incompatibility``, ``region``.
    Returns the class (a boolean mask), the covariates matched, and the duration the class is
    conditioned on: ``at_days``, or, when even all episodes leave fewer than ``min_at_risk``
    running that long, the longest duration that leaves ``min_at_risk`` (documented cap).
    """
    duration = episodes["duration"].to_numpy()
    for used, mask in _classes(episodes, codes):
        if (duration[mask] > at_days).sum() >= min_at_risk:
            return mask, used, float(at_days)
    ordered = np.sort(duration)[::-1]
    cap = float(ordered[min(min_at_risk, ordered.size) - 1]) - 1.0
    return mask, used, max(0.0, min(float(at_days), cap))


def widening_steps(
    episodes: pd.DataFrame, codes: dict[str, int], at_days: float
) -> list[dict[str, Any]]:
    """Each class tried in :data:`WIDEN_ORDER`: the covariates matched, its size and how many
    of it were still running at ``at_days`` (so a reader sees why a class was widened)."""
    duration = episodes["duration"].to_numpy()
    return [
        {
            "matched": list(used),
            "size": int(mask.sum()),
            "at_risk": int((duration[mask] > at_days).sum()),
        }
        for used, mask in _classes(episodes, codes)
    ]


@dataclasses.dataclass(frozen=True, repr=False)
class BaseRate(Result):
    """How similar conflicts ended, from the duration so far on (see :func:`base_rate`).

    Attributes
    ----------
    conflict : dict
        The covariates asked about (names) and the start date.
    as_of : date
    duration_days : float
        As-of date minus start.
    matched : tuple of str
        The covariates the reference class matches (after widening).
    reference_class_size : int
        Episodes in the class; ``at_risk`` of them were still running at ``duration_days``
        (at ``conditioned_days`` when capped).
    probability, lower, upper : ndarray (3, horizons)
        Aalen-Johansen probability of ending by agreement / ceasefire / other within each
        horizon, and the bootstrap 95% interval.
    model : ndarray (3, horizons) or None
        Cause-specific Cox estimate for the same conflict and duration.
    curve_months, curve : ndarray
        The conditional cumulative incidence curves (3, points) over the next 24 months.
    recurrence : list of dict
        Per UCDP outcome: episodes in the class with 5 years observed after their end, how
        many saw renewed fighting, the share and its Wilson 95% interval.
    """

    conflict: dict[str, Any]
    as_of: dt.date
    duration_days: float
    conditioned_days: float
    matched: tuple[str, ...]
    reference_class_size: int
    at_risk: int
    horizons_months: tuple[int, ...]
    probability: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    model: np.ndarray | None
    curve_months: np.ndarray
    curve: np.ndarray
    recurrence: list[dict[str, Any]]
    n_boot: int
    data: str
    data_end: dt.date
    steps: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    min_at_risk: int = MIN_AT_RISK

    def to_df(self) -> pd.DataFrame:
        """One row per ending and horizon: probability, interval, Cox estimate."""
        import pandas as pd

        rows = []
        for k, cause in enumerate(CAUSES.values()):
            for h, months in enumerate(self.horizons_months):
                rows.append(
                    {
                        "ending": cause,
                        "months": months,
                        "probability": self.probability[k, h],
                        "lower": self.lower[k, h],
                        "upper": self.upper[k, h],
                        "cox": None if self.model is None else self.model[k, h],
                        "reference_class_size": self.reference_class_size,
                        "at_risk": self.at_risk,
                    }
                )
        return pd.DataFrame(rows)

    def _by_horizon(self, k: int) -> dict[str, dict[str, Any]]:
        return {
            str(m): {
                "estimate": self.probability[k, h],
                "lower": self.lower[k, h],
                "upper": self.upper[k, h],
                "cox": None if self.model is None else self.model[k, h],
            }
            for h, m in enumerate(self.horizons_months)
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``probability_agreement`` / ``_ceasefire`` / ``_other`` keyed by months
        (estimate, lower, upper, cox), ``reference_class_size``, ``at_risk``, the class's
        covariates, ``recurrence_5y`` and how it was computed."""
        return jsonable(
            {
                "conflict": self.conflict,
                "as_of": self.as_of,
                "duration_so_far_days": self.duration_days,
                "conditioned_on_days": self.conditioned_days,
                "reference_class": {
                    "matched": list(self.matched),
                    "dropped": [c for c in WIDEN_ORDER if c not in self.matched],
                    "min_at_risk": self.min_at_risk,
                    "tried": self.steps,
                },
                "reference_class_size": self.reference_class_size,
                "at_risk": self.at_risk,
                "probability_agreement": self._by_horizon(0),
                "probability_ceasefire": self._by_horizon(1),
                "probability_other": self._by_horizon(2),
                "recurrence_5y": self.recurrence,
                "method": (
                    "Aalen-Johansen cumulative incidence from the duration so far (delayed "
                    f"entry); 95% percentile intervals from {self.n_boot} bootstrap resamples "
                    "of whole conflicts; cox: cause-specific Cox models, point estimates"
                ),
                "data": self.data,
                "data_end": self.data_end,
            }
        )

    def summary(self) -> str:
        """The answer in words, then the table."""
        c = self.conflict
        words = (
            f"Historical base rate (UCDP dyad episodes to {self.data_end.year}): "
            f"{c['type']} {c['intensity']} over {c['incompatibility']} in {c['region']}, "
            f"running {self.duration_days / 365.25:.1f} years on {self.as_of.isoformat()}.\n"
            f"Reference class: {self.reference_class_size} episodes matching "
            f"{', '.join(self.matched) or 'nothing (all episodes)'}"
            f"; {self.at_risk} of them lasted as long"
        )
        tried = [
            f"{'+'.join(t['matched']) or 'all'}: {t['at_risk']} of {t['size']}"
            for t in self.steps
            if len(t["matched"]) > len(self.matched)
        ]
        if tried:
            words += (
                f" (narrower classes had fewer than {self.min_at_risk} lasting as long: "
                + "; ".join(tried)
                + ")"
            )
        if self.conditioned_days < self.duration_days:
            words += f" (conditioned on {self.conditioned_days / 365.25:.1f} years: too few lasted longer)"
        lines = [words + ".", "", format_table(self)]
        lines += ["", "Renewed fighting within 5 years, by how the episode ended:"]
        for r in self.recurrence:
            lines.append(
                f"  {r['outcome']:<22} {r['recurred']:>3}/{r['n']:<3} "
                + (f"{r['probability']:.0%} [{r['lower']:.0%}-{r['upper']:.0%}]" if r["n"] else "-")
            )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """The conditional cumulative incidence of each ending over the next 24 months."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        for k, cause in enumerate(CAUSES.values()):
            ax.step(self.curve_months, self.curve[k], where="post", label=cause)
            ax.errorbar(
                self.horizons_months,
                self.probability[k],
                yerr=[self.probability[k] - self.lower[k], self.upper[k] - self.probability[k]],
                fmt="o",
                color=ax.lines[-1].get_color(),
                capsize=3,
            )
        ax.set_xlabel(f"months after {self.as_of.isoformat()}")
        ax.set_ylabel("probability the conflict has ended this way")
        ax.set_title(
            f"How similar conflicts ended (n = {self.reference_class_size}, {self.at_risk} at risk)"
        )
        ax.set_ylim(0, max(0.05, float(np.nanmax(self.upper)) * 1.1))
        ax.legend(title="ending")
        return ax


def format_table(res: BaseRate) -> str:
    """The plain-text table: per horizon, agreement and ceasefire with intervals and Cox."""
    head = f"{'within':>9}  {'agreement [95% CI]':<22} {'Cox':>6}  {'ceasefire [95% CI]':<22} {'Cox':>6}"
    out = [head]
    for h, m in enumerate(res.horizons_months):
        cells = [f"{m} months".rjust(9)]
        for k in (0, 1):
            p, lo, hi = res.probability[k, h], res.lower[k, h], res.upper[k, h]
            cells.append(f"{_pct(p)} [{_pct(lo)}-{_pct(hi)}]".ljust(22))
            cells.append(("-" if res.model is None else _pct(res.model[k, h])).rjust(6))
        out.append(f"{cells[0]}  {cells[1]} {cells[2]}  {cells[3]} {cells[4]}")
    return "\n".join(out)


def _pct(x: float) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


def base_rate(  # long: its numpydoc docstring is half of it; the steps are helpers
    conflict: ConflictSpec,
    as_of: dt.date,
    *,
    data: str | Path | None = None,
    episodes: pd.DataFrame | None = None,
    n_boot: int = 1000,
    min_at_risk: int = MIN_AT_RISK,
    model: bool = True,
    rng: RNG = 0,
) -> BaseRate:
    """How conflicts like ``conflict`` ended, given it is still running on ``as_of``.

    Parameters
    ----------
    conflict : ConflictSpec
        Type, intensity, incompatibility, region and start.
    as_of : date
        The date of the question; the duration so far is ``as_of - conflict.start``.
    data : path, optional
        The UCDP termination file (see :func:`data_path`).
    episodes : DataFrame, optional
        Episodes already loaded (:func:`load_episodes`); ``data`` is then not read.
    n_boot : int
        Bootstrap resamples (of whole conflicts) for the intervals.
    min_at_risk : int
        Fewest class episodes running at the duration so far before the class is widened.
    model : bool
        Also fit the cause-specific Cox models (a few seconds).
    rng : seed or Generator
        For the bootstrap (default 0: the same intervals every time).

    Returns
    -------
    BaseRate

    Raises
    ------
    ScenarioError
        ``as_of`` before the start (field ``as_of``); a missing or malformed data file.

    Notes
    -----
    Steps (module docstring): load; reference class; Aalen-Johansen with delayed entry and
    the bootstrap; Cox; recurrence.
    """
    from detente.history import _ucdp_aj as aj

    if as_of < conflict.start:
        raise ScenarioError(
            "the as-of date is before the conflict's start",
            field="as_of",
            value=as_of.isoformat(),
            allowed=f"a date on or after the start, {conflict.start.isoformat()}",
        )
    eps = load_episodes(data) if episodes is None else episodes
    codes = _codes(conflict)
    at = float((as_of - conflict.start).days)
    mask, matched, at_c = reference_class(eps, codes, at, min_at_risk)
    cls = eps[mask]
    dur, ev = cls["duration"].to_numpy(), cls["event"].to_numpy()
    hz = np.asarray(HORIZONS_MONTHS, dtype=float) * DAYS_PER_MONTH
    prob, lower, upper = _with_interval(cls, at_c, hz, n_boot, rng)
    months = np.linspace(0, 24, 97)
    curve = aj.conditional_incidence(dur, ev, _CAUSES, at_c, months * DAYS_PER_MONTH)
    cox = _cox(eps, codes, conflict.start.year, at_c, hz) if model else None
    return BaseRate(
        conflict={
            "type": conflict.type,
            "intensity": conflict.intensity,
            "incompatibility": conflict.incompatibility,
            "region": conflict.region,
            "start": conflict.start.isoformat(),
        },
        as_of=as_of,
        duration_days=at,
        conditioned_days=at_c,
        matched=matched,
        reference_class_size=int(mask.sum()),
        at_risk=int((dur > at_c).sum()),
        horizons_months=HORIZONS_MONTHS,
        probability=prob,
        lower=lower,
        upper=upper,
        model=cox,
        curve_months=months,
        curve=curve,
        recurrence=recurrence_by_outcome(cls),
        n_boot=n_boot,
        data=str(eps.attrs.get("path", "")),
        data_end=eps["censor"].iloc[0],
        steps=widening_steps(eps, codes, at_c),
        min_at_risk=min_at_risk,
    )


def _with_interval(
    cls: pd.DataFrame, at: float, hz: np.ndarray, n_boot: int, rng: RNG
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aalen-Johansen from ``at`` on, and its 95% interval from a bootstrap over conflicts."""
    from detente.history import _ucdp_aj as aj

    dur, ev = cls["duration"].to_numpy(), cls["event"].to_numpy()
    prob = aj.conditional_incidence(dur, ev, _CAUSES, at, hz)
    boots = aj.bootstrap_conditional(
        dur, ev, cls["conflict_id"].to_numpy(), _CAUSES, at, hz, n_boot, rng=rng
    )
    lower, upper = np.nanpercentile(boots, [2.5, 97.5], axis=0)
    return prob, lower, upper


def _cox(
    eps: pd.DataFrame, c: dict[str, int], start_year: int, at_days: float, hz: np.ndarray
) -> np.ndarray:
    """The cause-specific Cox estimate for one conflict (codes ``c``, begun in ``start_year``)
    still running at ``at_days``, at each horizon ``hz`` (days): shape (causes, horizons)."""
    from detente.history import _ucdp_cox as cx

    models = cx.fit(eps, _CAUSES)
    x = cx.design(
        np.array([c["type"]]),
        np.array([c["intensity"]]),
        np.array([c["incompatibility"]]),
        [(c["region"],)],
        np.array([(start_year // 10) * 10]),
    )
    years = np.array([at_days / cx.DAYS_PER_YEAR])
    return cx.predict_conditional(models, x, years, hz / cx.DAYS_PER_YEAR)[0]


def recurrence_by_outcome(episodes: pd.DataFrame) -> list[dict[str, Any]]:
    """Per UCDP outcome: ended episodes with 5 years observed (or a new episode within them),
    how many saw the dyad fight again within 5 years, the share and its Wilson 95% interval."""
    out = []
    known = episodes[episodes["recur5"].notna()]
    for code in (1, 2, 3, 4, 5, 6):
        r = known.loc[known["outcome"] == code, "recur5"].to_numpy()
        n, k = int(r.size), int(r.sum())
        lo, hi = _wilson(k, n)
        out.append(
            {
                "outcome": OUTCOMES[code],
                "n": n,
                "recurred": k,
                "probability": k / n if n else None,
                "lower": lo,
                "upper": hi,
            }
        )
    return out


def _wilson(k: int, n: int) -> tuple[float | None, float | None]:
    """Wilson score 95% interval of k successes in n (``None`` for n = 0): the process
    module's :func:`~detente.process.result.wilson`, as plain floats."""
    if n == 0:
        return None, None
    from detente.process.result import wilson

    _, lo, hi = wilson(k, n)
    return float(lo), float(hi)


def score_out_of_time(data: str | Path | None = None, *, train_until: int = 1999) -> Any:
    """Fit on what was known at the end of ``train_until``; score every later conflict-year.

    Returns an ``OutOfTimeScore`` (a :class:`~detente.results.Result`: ``to_df()`` the
    Brier scores, skill against the training base rate and concordance per model and ending;
    ``calibration()``; ``plot()`` the calibration chart). See
    :mod:`detente.history._ucdp_score` for the definitions.

    Steps: load the file twice, once cut at the end of ``train_until`` (later rows dropped
    before anything is computed) and once whole; list the test conflict-years from the whole
    file; fit every model on the cut file; forecast; score.
    """
    from detente.history._ucdp_score import score

    train = load_episodes(data, until_year=train_until)
    full = load_episodes(data)
    return score(train, full, train_until)
