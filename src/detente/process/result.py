"""What a simulation of the talks found: :class:`SimulationResult`.

The probability of a deal by round and by date is the share of runs whose text was ratified
by then, with a 95 % Wilson score interval (the runs taken as independent draws; with
quasi-random draws the interval is conservative).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.process.protocols import TalkRecord

__all__ = ["SimulationResult", "wilson"]

_Z = 1.959963984540054  # the 97.5 % quantile of the standard normal


def wilson(k: Any, n: int, z: float = _Z) -> tuple[NDArray[np.float64], ...]:
    """The share ``k / n`` and its Wilson score interval ``(p, lo, hi)`` (elementwise in k).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209–212.
    """
    k = np.asarray(k, dtype=float)
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # The interval's ends are exactly 0 at k = 0 and 1 at k = n (rounding would leave 1e-19).
    lo = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    hi = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return p, lo, hi


@dataclass(frozen=True, repr=False, eq=False)
class SimulationResult(Result):
    """Runs of the talks: when they end in a deal, on what terms, and what blocks them.

    Attributes
    ----------
    scenario : str
    actor_ids, issue_ids : tuple of str
    blockers : tuple of bool
        Whose veto binds somewhere.
    dates : tuple of date
        The date of each round.
    protocol, draft : str
    strategies : tuple of str
        Each actor's strategy in words.
    stage_names : tuple of str
        Ratification stages.
    record : TalkRecord
        Per-run arrays (see :class:`~detente.process.protocols.TalkRecord`).
    seed : int or sequence
        The root seed's entropy (repeat with ``seed=``).
    point : bool
        Whether every run used the point values (no draws of the inputs).
    what_if : str or None
    """

    scenario: str
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    blockers: tuple[bool, ...]
    dates: tuple[dt.date, ...]
    protocol: str
    draft: str
    strategies: tuple[str, ...]
    stage_names: tuple[str, ...]
    record: TalkRecord
    seed: Any
    point: bool
    what_if: str | None = None

    # ------------------------------------------------------------- numbers
    @property
    def runs(self) -> int:
        return int(self.record.deal_round.size)

    @property
    def rounds(self) -> int:
        return len(self.dates)

    @property
    def agreed(self) -> NDArray[np.bool_]:
        """``(m,)``: runs that ended in a ratified deal."""
        return np.asarray(self.record.deal_round >= 0, dtype=bool)

    def by_round(self) -> tuple[NDArray[np.float64], ...]:
        """Cumulative probability of a deal by each round, ``(p, lo, hi)`` each ``(T,)``."""
        dr = self.record.deal_round
        counts = np.bincount(dr[dr >= 0], minlength=self.rounds)[: self.rounds]
        return wilson(np.cumsum(counts), self.runs)

    def overall(self) -> tuple[float, float, float]:
        """Probability of a deal within the horizon, with its interval."""
        p, lo, hi = wilson(self.agreed.sum(), self.runs)
        return float(p), float(lo), float(hi)

    def terms_quantiles(self) -> dict[str, dict[str, float | int | None]]:
        """Per issue, the agreed terms' count, mean and quantiles (5, 25, 50, 75, 95 %)."""
        ok = self.agreed
        out: dict[str, dict[str, float | int | None]] = {}
        for j, iss in enumerate(self.issue_ids):
            v = self.record.terms[ok, j]
            if v.size == 0:
                out[iss] = {"n": 0}
                continue
            q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
            row: dict[str, float | int | None] = {"n": int(v.size), "mean": float(v.mean())}
            for name, x in zip(("q05", "q25", "median", "q75", "q95"), q, strict=True):
                row[name] = float(x)
            out[iss] = row
        return out

    def _pairs(
        self, actor: NDArray[np.intp], issue: NDArray[np.intp], mask: Any
    ) -> list[dict[str, Any]]:
        """(actor, issue) pairs counted over the runs in ``mask``, most frequent first."""
        a, i = actor[mask], issue[mask]
        keep = a >= 0
        total = int(np.count_nonzero(mask))
        if total == 0 or not keep.any():
            return []
        k = len(self.issue_ids)
        codes, counts = np.unique(a[keep] * k + i[keep], return_counts=True)
        order = np.lexsort((codes, -counts))
        return [
            {
                "actor": self.actor_ids[int(codes[o]) // k],
                "issue": self.issue_ids[int(codes[o]) % k],
                "runs": int(counts[o]),
                "share": float(counts[o]) / total,
            }
            for o in order
        ]

    def walkaways(self) -> dict[str, Any]:
        """Who holds out at the end of the runs without a deal (and on what), who objects
        first, how often each actor objected per issue, and the ratification failures."""
        rec = self.record
        no_deal = ~self.agreed
        rounds = int(rec.rounds_run.sum())
        objections = [
            {
                "actor": self.actor_ids[i],
                "issue": self.issue_ids[j],
                "veto_binds": bool(self.blockers[i]),
                "share_of_rounds": float(rec.objections[i, j]) / max(rounds, 1),
            }
            for i, j in zip(*np.nonzero(rec.objections), strict=True)
        ]
        objections.sort(key=lambda r: -r["share_of_rounds"])
        stages = {
            (self.stage_names[s] if s < len(self.stage_names) else f"stage {s}"): int(c)
            for s, c in enumerate(rec.stage_failures)
            if c
        }
        return {
            "held_out": self._pairs(rec.last_actor, rec.last_issue, no_deal),
            "first_objection": self._pairs(rec.first_actor, rec.first_issue, np.ones_like(no_deal)),
            "objections": objections,
            "runs_without_deal": int(no_deal.sum()),
            "ratification_failures": stages,
            "runs_ended_by_ratification": int(
                np.count_nonzero(no_deal & (rec.ratify_failures > 0))
            ),
        }

    def drafts(self) -> list[dict[str, Any]]:
        """Run 0's texts round by round, with the objections to each."""
        out = []
        for row in self.record.trace:
            t = row["round"]
            out.append(
                {
                    "round": t,
                    "date": self.dates[t].isoformat(),
                    "text": dict(zip(self.issue_ids, row["text"].tolist(), strict=True)),
                    "objections": [
                        {
                            "actor": self.actor_ids[i],
                            "issue": self.issue_ids[j],
                            "wants": direction,
                            "by": share,
                            "veto_binds": binds,
                        }
                        for i, j, direction, share, binds in row["objections"]
                    ],
                    "vetoed": row["vetoed"],
                    "deal": row["deal"],
                    "ratified": row["ratified"],
                }
            )
        return out

    # ---------------------------------------------------------- the four views
    def to_df(self) -> pd.DataFrame:
        """The cumulative probability of a deal by round: round, date, p, lo, hi."""
        import pandas as pd

        p, lo, hi = self.by_round()
        return pd.DataFrame(
            {
                "round": np.arange(self.rounds),
                "date": [d.isoformat() for d in self.dates],
                "p_agreement": p,
                "lo": lo,
                "hi": hi,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON: ``probability_of_agreement`` (``overall``, ``by_date``), ``terms``,
        ``walkaways``, ``drafts`` and the run's provenance."""
        p, lo, hi = self.by_round()
        po, plo, phi = self.overall()
        return jsonable(
            {
                "scenario": self.scenario,
                "protocol": self.protocol,
                "draft": self.draft,
                "runs": self.runs,
                "rounds": self.rounds,
                "start": self.dates[0].isoformat() if self.dates else None,
                "end": self.dates[-1].isoformat() if self.dates else None,
                "seed": self.seed,
                "inputs": "point values" if self.point else "drawn per run",
                "what_if": self.what_if,
                "strategies": dict(zip(self.actor_ids, self.strategies, strict=True)),
                "probability_of_agreement": {
                    "overall": {"p": po, "lo": plo, "hi": phi},
                    "by_date": [
                        {"round": t, "date": d.isoformat(), "p": p[t], "lo": lo[t], "hi": hi[t]}
                        for t, d in enumerate(self.dates)
                    ],
                },
                "terms": self.terms_quantiles(),
                "walkaways": self.walkaways(),
                "drafts": self.drafts(),
            }
        )

    def summary(self) -> str:
        """How likely a deal is by when, on what terms, and what blocks it, in words."""
        from detente.process._words import summarise

        return summarise(self)

    def plot(self, ax: Axes | None = None) -> Axes:
        """The cumulative probability of a deal by date, with its 95 % interval."""
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        p, lo, hi = self.by_round()
        x = np.array(self.dates, dtype="datetime64[D]")
        ax.step(x, p, where="post", label="P(deal by date)")
        ax.fill_between(x, lo, hi, step="post", alpha=0.25, label="95 % interval")
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability of a ratified deal")
        ax.set_title(f"{self.scenario}: {self.protocol}, {self.runs:,} runs")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.legend(loc="upper left")
        return ax

    def _headline(self) -> str:
        po, _, _ = self.overall()
        end = self.dates[-1].isoformat() if self.dates else "?"
        return f"P(deal by {end}) = {po:.1%} over {self.runs:,} runs"
