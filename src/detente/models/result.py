"""The result every forecasting model returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Forecast"]


@dataclass(frozen=True, eq=False, repr=False)
class Forecast(Result):
    """A model's forecast for every issue of a scenario.

    Attributes
    ----------
    model : str
        Registered model name.
    issue_ids, actor_ids : tuple of str
        Ids in array order.
    forecast : (k,) float
        Predicted outcome per issue, in the issue's own units; ``nan`` where the model
        has nothing to say (no actor with weight on the issue).
    history : (r, n, k) float or None
        Positions of every actor at every round (round 0 = the inputs), in issue units;
        ``None`` for static models.
    extra : dict
        Model-specific diagnostics (probabilities, parameters used, ...).
    """

    model: str
    issue_ids: tuple[str, ...]
    actor_ids: tuple[str, ...]
    forecast: NDArray[np.float64]
    history: NDArray[np.float64] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_rounds(self) -> int:
        """Number of recorded rounds after the initial one (0 for static models)."""
        return 0 if self.history is None else int(self.history.shape[0]) - 1

    def to_df(self) -> pd.DataFrame:
        """Tidy table with columns ``model, issue, forecast``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "model": self.model,
                "issue": list(self.issue_ids),
                "forecast": np.asarray(self.forecast, dtype=float),
            }
        )

    def history_df(self) -> pd.DataFrame:
        """Tidy table with columns ``model, round, actor, issue, position``.

        Static models report their inputs as round 0 only.
        """
        import pandas as pd

        h = self.history
        if h is None:
            return pd.DataFrame(columns=["model", "round", "actor", "issue", "position"])
        r, n, k = h.shape
        rr, aa, ii = np.meshgrid(np.arange(r), np.arange(n), np.arange(k), indexing="ij")
        df = pd.DataFrame(
            {
                "model": self.model,
                "round": rr.ravel(),
                "actor": np.asarray(self.actor_ids, dtype=object)[aa.ravel()],
                "issue": np.asarray(self.issue_ids, dtype=object)[ii.ravel()],
                "position": h.ravel(),
            }
        )
        return df.dropna(subset=["position"]).reset_index(drop=True)

    def summary(self) -> str:
        """One line per issue."""
        lines = [
            f"{self.model}: forecast per issue"
            + (f" after {self.n_rounds} rounds" if self.history is not None else "")
        ]
        for iid, v in zip(self.issue_ids, self.forecast, strict=True):
            lines.append(f"  {iid:<24} {v:10.2f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: ``model``, ``issues``, ``actors``, ``forecast`` (one number per issue,
        ``None`` where the model has nothing to say), ``n_rounds``, ``history`` (rounds × actors
        × issues, ``None`` for static models) and ``extra`` (diagnostics, made JSON-safe by
        :func:`detente.results.jsonable`)."""
        return {
            "model": self.model,
            "issues": list(self.issue_ids),
            "actors": list(self.actor_ids),
            "forecast": jsonable(np.asarray(self.forecast, dtype=float)),
            "n_rounds": self.n_rounds,
            "history": None if self.history is None else jsonable(self.history),
            "extra": jsonable(self.extra),
        }

    def plot(self, ax: Axes | None = None, issue: int | str = 0) -> Axes:
        """Positions by round for one issue (dynamic models), or the forecast bar chart."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        j = self.issue_ids.index(issue) if isinstance(issue, str) else int(issue)
        if self.history is not None and self.history.shape[0] > 1:
            self._plot_rounds(ax, j)
        else:
            ax.barh(list(self.issue_ids), self.forecast)
            ax.set_xlabel("forecast (issue units)")
        from detente.models.registry import display_name

        ax.set_title(display_name(self.model))
        return ax

    def _plot_rounds(self, ax: Axes, j: int) -> None:
        """Every actor's position by round on issue ``j``, each line labelled at its end with
        the actor's id (labels spread apart), and the forecast as a dashed line."""
        from detente.report.figures import spread_labels

        assert self.history is not None
        last = self.history.shape[0] - 1
        ends: list[tuple[float, str, Any]] = []
        for i, a in enumerate(self.actor_ids):
            (line,) = ax.plot(self.history[:, i, j], lw=1, gid=f"actor:{a}")
            ends.append((float(self.history[-1, i, j]), str(a), line.get_color()))
        ax.axhline(self.forecast[j], color="k", ls="--", lw=1.5, label="forecast")
        ax.set_xlim(0, last * 1.3 if last else 1)
        ax.set_xlabel("round")
        ax.set_ylabel(self.issue_ids[j])
        ax.legend(fontsize="small", loc="best")
        spread_labels(ax, last, ends, x_text=last * 1.04)
