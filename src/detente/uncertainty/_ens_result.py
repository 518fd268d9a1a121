"""The result of an ensemble: forecast distributions, the zone of agreement, what-ifs."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["QUANTILES", "EnsembleResult", "wilson_interval"]

FloatArray = NDArray[np.float64]

#: The quantiles reported per model and issue (shares of the draws).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_Q_NAMES = ("q05", "q25", "q50", "q75", "q95")
#: z of the two-sided 95% interval of a proportion.
_Z95 = 1.959963984540054


class _CaseLike(Protocol):
    what_if: str | None
    forecasts: dict[str, FloatArray]
    zone: NDArray[np.bool_]
    blocked: NDArray[np.bool_]
    lo: FloatArray
    hi: FloatArray


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (95% by default).

    For draws made by plain random sampling it is the usual binomial interval; Sobol and
    Latin hypercube draws vary less than independent ones, so for them it is conservative
    (wider than the sampling error).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209–212.
    """
    from detente.process.result import wilson

    if n <= 0:
        return (math.nan, math.nan)
    _p, lo, hi = wilson(successes, n, z)  # the one Wilson formula (process.result)
    return (float(lo), float(hi))


def _describe(values: FloatArray) -> dict[str, FloatArray]:
    """Per column of ``values`` (draws × issues): quantiles, mean, sd over the draws with a
    forecast, and the share of draws that have one (``defined``)."""
    ok = ~np.isnan(values)
    defined = ok.mean(axis=0)
    out: dict[str, FloatArray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns give nan, as meant
        qs = np.nanquantile(values, QUANTILES, axis=0)
        out.update({name: qs[i] for i, name in enumerate(_Q_NAMES)})
        out["mean"] = np.nanmean(values, axis=0)
        count = ok.sum(axis=0)
        sd = np.nanstd(values, axis=0, ddof=1)
        out["sd"] = np.where(count > 1, sd, np.nan)
    out["defined"] = defined.astype(float)
    return out


@dataclass(frozen=True)
class _CaseStats:
    """Everything reported for one case (the base or a what-if)."""

    forecasts: dict[str, dict[str, FloatArray]]  # model -> stat -> (k,)
    probability_zone: float
    zone_interval: tuple[float, float]
    blocks: FloatArray  # (k,) share of draws in which the issue blocks
    point_only: FloatArray  # (k,) share in which the issue's joint interval is a point
    zone_at_point: float  # share of draws with a zone that is a single point on some issue


def _case_stats(case: _CaseLike, span: FloatArray, tol: float) -> _CaseStats:
    m = int(case.zone.shape[0])
    width = case.hi - case.lo
    # narrower than tol x the scale (or exactly a point); nan widths compare False
    point = ~case.blocked & (width >= 0) & ((width < tol * span) | (width == 0))
    hits = int(case.zone.sum())
    return _CaseStats(
        forecasts={name: _describe(v) for name, v in case.forecasts.items()},
        probability_zone=hits / m,
        zone_interval=wilson_interval(hits, m),
        blocks=case.blocked.mean(axis=0),
        point_only=point.mean(axis=0),
        zone_at_point=float((case.zone & point.any(axis=1)).mean()),
    )


def _pct(x: float) -> str:
    """A share as a percentage: whole percent, finer near 0 and 100."""
    if not math.isfinite(x):
        return "n/a"
    v = 100 * x
    if 0 < v < 10 or 90 < v < 100:  # one decimal near the ends; never 0% or 100% falsely
        return f"{min(max(v, 0.1), 99.9):.1f}%"
    return f"{v:.0f}%"


@dataclass(frozen=True, eq=False, repr=False)
class EnsembleResult(Result):
    """Forecast distributions and the zone of agreement over draws of a scenario's inputs.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    issue_ids, issue_names : tuple of str
    scale_lo, scale_hi : (k,) float
        Each issue's scale.
    models : tuple of str
    draws : int
        Draws per case.
    seed : int
        The seed used (the entropy drawn when none was given): ``seed=`` repeats the run.
    method : str
        How the inputs were drawn (``sobol``, ``lhs``, ``random``, or ``given``).
    executor : str
        Where the chunks ran (reported only: results do not depend on it).
    cases : tuple
        The base case first, then each what-if: per model the ``(draws, k)`` forecasts, the
        zone ``(draws,)``, the blocked issues and the joint interval ``(draws, k)``.
    point_tol : float
        Share of an issue's scale under which a joint interval counts as a single point.
    probability_of_agreement : dict or None
        Per case (``None`` = the base case, else the what-if id), the probability of a ratified
        deal from simulated talks over the same draws (:func:`detente.process.simulate`):
        ``{"overall": {"p", "lo", "hi"}, "by_date": [...]}``; ``None`` when the ensemble did
        not simulate.
    """

    scenario: str
    issue_ids: tuple[str, ...]
    issue_names: tuple[str, ...]
    scale_lo: FloatArray
    scale_hi: FloatArray
    models: tuple[str, ...]
    draws: int
    seed: int
    method: str
    executor: str
    cases: tuple[Any, ...]
    point_tol: float = 0.01
    probability_of_agreement: dict[str | None, Any] | None = None
    _stats: dict[str | None, _CaseStats] = field(default_factory=dict, repr=False)

    # --------------------------------------------------------------- numbers
    @property
    def what_ifs(self) -> tuple[str, ...]:
        """The what-if scenarios run beside the base case, in order."""
        return tuple(c.what_if for c in self.cases[1:])

    def _case(self, what_if: str | None) -> Any:
        for c in self.cases:
            if c.what_if == what_if:
                return c
        raise KeyError(f"no what-if {what_if!r} in this ensemble; run: {list(self.what_ifs)}")

    def stats(self, what_if: str | None = None) -> _CaseStats:
        """The figures reported for the base case (``None``) or one what-if."""
        if what_if not in self._stats:
            span = self.scale_hi - self.scale_lo
            self._stats[what_if] = _case_stats(self._case(what_if), span, self.point_tol)
        return self._stats[what_if]

    def forecasts(self, model: str, what_if: str | None = None) -> FloatArray:
        """Model ``model``'s forecast in every draw, ``(draws, k)`` in issue units."""
        return np.asarray(self._case(what_if).forecasts[model])

    @property
    def probability_zone(self) -> float:
        """Share of the base case's draws in which a zone of agreement exists."""
        return self.stats().probability_zone

    @property
    def probability_zone_interval(self) -> tuple[float, float]:
        """Wilson 95% interval of :attr:`probability_zone`."""
        return self.stats().zone_interval

    # ----------------------------------------------------------- Result API
    def to_df(self) -> pd.DataFrame:
        """Tidy table: ``model, issue, what_if, stat, value``.

        Forecast rows have stats ``q05 q25 q50 q75 q95 mean sd defined`` (``defined``: the
        share of draws in which the model gives a forecast); the zone's rows have model
        ``zone`` and stats ``probability_zone``, ``probability_zone_lo``/``_hi`` (issue empty),
        ``blocks`` and ``point_only`` (per issue). ``what_if`` is ``base`` for the base case.
        """
        import pandas as pd

        rows: list[tuple[str, str, str, str, float]] = []
        for case in self.cases:
            w = case.what_if or "base"
            st = self.stats(case.what_if)
            for model, stats in st.forecasts.items():
                for stat, vals in stats.items():
                    rows += [
                        (model, i, w, stat, float(v))
                        for i, v in zip(self.issue_ids, vals, strict=True)
                    ]
            lo, hi = st.zone_interval
            rows += [
                ("zone", "", w, "probability_zone", st.probability_zone),
                ("zone", "", w, "probability_zone_lo", lo),
                ("zone", "", w, "probability_zone_hi", hi),
            ]
            rows += [
                ("zone", i, w, "blocks", float(v))
                for i, v in zip(self.issue_ids, st.blocks, strict=True)
            ]
            rows += [
                ("zone", i, w, "point_only", float(v))
                for i, v in zip(self.issue_ids, st.point_only, strict=True)
            ]
        return pd.DataFrame(rows, columns=["model", "issue", "what_if", "stat", "value"])

    def _case_dict(self, what_if: str | None) -> dict[str, Any]:
        st = self.stats(what_if)
        return {
            "forecasts": {
                model: {
                    iss: {stat: vals[j] for stat, vals in stats.items()}
                    for j, iss in enumerate(self.issue_ids)
                }
                for model, stats in st.forecasts.items()
            },
            "probability_zone": st.probability_zone,
            "probability_zone_interval": list(st.zone_interval),
            "blocking": dict(zip(self.issue_ids, st.blocks, strict=True)),
            "point_only": dict(zip(self.issue_ids, st.point_only, strict=True)),
            "zone_at_a_point": st.zone_at_point,
            "probability_of_agreement": (self.probability_of_agreement or {}).get(what_if),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the run's settings, then per model and issue the quantiles, mean, sd
        and defined share (``forecasts``), ``probability_zone`` with its 95% interval, per issue
        how often it blocks (``blocking``) and how often agreement exists only at a point
        (``point_only``), ``probability_of_agreement`` (``null`` unless the ensemble simulated), and
        the same block for each what-if under ``what_ifs``."""
        out = {
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed,
            "method": self.method,
            "executor": self.executor,
            "models": list(self.models),
            "issues": list(self.issue_ids),
            "quantiles": list(QUANTILES),
            "point_tolerance": self.point_tol,
            **self._case_dict(None),
            "what_ifs": {w: self._case_dict(w) for w in self.what_ifs},
        }
        return jsonable(out)

    def summary(self) -> str:
        """In words: the settings, then per case the 5–95% spread of each model's forecast per
        issue, how often a zone of agreement exists, what blocks it, and where agreement exists
        only at a single point."""
        from detente.uncertainty._ens_text import case_lines

        head = (
            f"ensemble of {self.draws:,} draws of {self.scenario or 'the scenario'} "
            f"({self.method}; seed {self.seed}): {', '.join(self.models)}"
        )
        lines = [head]
        for case in self.cases:
            title = "base case" if case.what_if is None else f"what-if {case.what_if}"
            lines += ["", f"{title}:"]
            lines += ["  " + t for t in case_lines(self, case.what_if)]
            lines += ["  " + t for t in self._agreement_lines(case.what_if)]
        return "\n".join(lines)

    def _agreement_lines(self, what_if: str | None) -> list[str]:
        got = (self.probability_of_agreement or {}).get(what_if)
        if not got:
            return []
        o = got["overall"]
        end = got["by_date"][-1]["date"] if got["by_date"] else "the end"
        return [
            f"simulated talks: a ratified deal by {end} in {o['p']:.1%} of draws "
            f"(95% interval {o['lo']:.1%}-{o['hi']:.1%})"
        ]

    def plot(self, ax: Axes | None = None, what_if: str | None = None) -> Axes:
        """Each model's forecast distribution per issue: box = 25–75%, whiskers = 5–95%,
        line = median; values as a share of each issue's scale when the scales differ."""
        from detente.uncertainty._ens_text import draw_boxes

        return draw_boxes(self, ax, what_if)

    def _headline(self) -> str:
        return (
            f"{self.draws:,} draws of {self.scenario or 'a scenario'}; zone of agreement in "
            f"{_pct(self.probability_zone)} of draws"
        )
