"""BDM's quadrant chart for the expected-utility model, drawn from the model's own perceptions.

Positions by round are drawn by ``Forecast.plot(issue=j)`` (one issue) and
:func:`detente.report.plot_forecasts` (one panel per issue).

(Formerly ``detente.models._eu_plots``; that name still imports the same functions.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.arrays import ScenarioArrays

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["REGIONS", "plot_quadrants", "regions"]

REGIONS = (
    "conflict (i wins)",
    "conflict (j wins)",
    "compromise (j yields)",
    "compel (j capitulates)",
    "compromise (i yields)",
    "compel (i capitulates)",
    "status quo",
)
_COLOURS = ("#d62728", "#ff9896", "#1f77b4", "#2ca02c", "#aec7e8", "#98df8a", "#7f7f7f")


def regions(per: dict[str, Any]) -> NDArray[np.int_]:
    """BDM's region of each pair, as indices into :data:`REGIONS`, from the model's own offers.

    ``per`` is the output of :func:`detente.models.expected_utility.perceptions`: its ``kind``
    (i's offer to j, as the round acts on it) gives regions 0, 2, 3 (conflict i wins,
    compromise, compel), its ``kind_back`` (j's offer to i as i sees it) the mirror regions
    1, 4, 5; neither is region 6 (status quo). Returns ``(n, n, k)`` int.
    """
    from detente.models.expected_utility import COMPEL, COMPROMISE, CONFLICT

    kind, back = np.asarray(per["kind"]), np.asarray(per["kind_back"])
    return np.select(
        [kind == CONFLICT, kind == COMPROMISE, kind == COMPEL,
         back == CONFLICT, back == COMPROMISE, back == COMPEL],
        [0, 2, 3, 1, 4, 5],
        6,
    )  # fmt: skip


def _perceivers(
    arrays: ScenarioArrays, present: Any, actors: Sequence[int | str] | None
) -> list[int]:
    if actors is None:
        return [i for i in range(arrays.n_actors) if present[i]]
    return [arrays.actor_ids.index(a) if isinstance(a, str) else int(a) for a in actors]


def _draw_panel(
    ax: Axes,
    arrays: ScenarioArrays,
    i: int,
    present: Any,
    u_c: Any,
    u_r: Any,
    reg_all: Any,
    lim: float,
) -> None:
    """One perceiver's panel: the axes, the diagonals, every other actor coloured by region."""
    others = [b for b in range(arrays.n_actors) if b != i and present[b]]
    reg = reg_all[i, others]
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=0.6, ls=":")
    ax.plot([0, lim], [0, -lim], color="0.6", lw=0.6, ls=":")
    ax.plot([-lim, 0], [lim, 0], color="0.6", lw=0.6, ls=":")
    for b, g in zip(others, reg, strict=True):
        ax.scatter(u_c[i, b], u_r[i, b], color=_COLOURS[g], s=18, zorder=3)
        ax.annotate(
            arrays.actor_ids[b],
            (u_c[i, b], u_r[i, b]),
            fontsize=6,
            xytext=(2, 2),
            textcoords="offset points",
        )
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_title(f"as {arrays.actor_ids[i]} sees it", fontsize=8)
    ax.tick_params(labelsize=6)


def _finish(fig: Figure, issue_id: str) -> None:
    """The figure's legend of regions, axis labels and title."""
    import matplotlib.pyplot as plt

    handles = [
        plt.Line2D([], [], marker="o", ls="", color=c, label=n)
        for n, c in zip(REGIONS, _COLOURS, strict=True)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7)
    fig.supxlabel("EU_i(ij): i's expected utility of challenging j", fontsize=8, y=0.075)
    fig.supylabel("EU_j(ji) as i sees it", fontsize=8)
    fig.suptitle(f"Perceived relations on {issue_id}", fontsize=10)
    fig.tight_layout(rect=(0, 0.09, 1, 1))


def plot_quadrants(
    arrays: ScenarioArrays,
    issue: int | str = 0,
    positions: Any = None,
    actors: Sequence[int | str] | None = None,
    **options: Any,
) -> Figure:
    """The quadrant chart: each actor's perceived relations with every other actor.

    One panel per perceiving actor i; each point is another actor j at
    ``(EU_i(ij), EU_j(ji))`` as i sees them (:func:`~detente.models.expected_utility.perceptions`),
    coloured by the offer the model makes of it (:func:`regions`): conflict, compromise,
    compel, or the mirror images in which i yields, or the status quo.

    Steps: the perceptions and regions on the issue; the perceivers to draw; one common
    symmetric axis limit; one panel per perceiver; the legend and labels.

    Parameters
    ----------
    arrays : ScenarioArrays
    issue : int or str
    positions : (n, k) array, optional
        Positions to evaluate at (e.g. ``forecast.history[r]``); default the inputs.
    actors : sequence of int or str, optional
        The perceivers to draw (default all present on the issue).
    **options
        Model options (see :data:`detente.models.expected_utility.DEFAULTS`).

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Bueno de Mesquita, B. (2002). *Predicting Politics*, ch. 4 (the perceptual quadrants).
    """
    import matplotlib.pyplot as plt

    from detente.models.expected_utility import perceptions

    j = arrays.issue_ids.index(issue) if isinstance(issue, str) else int(issue)
    per = perceptions(arrays, positions=positions, **options)
    u_c, u_r = per["u_c"][:, :, j], per["u_r"][:, :, j]
    reg_all = regions(per)[:, :, j]
    present = arrays.present[:, j]
    idx = _perceivers(arrays, present, actors)
    ncol = min(len(idx), 4)
    nrow = (len(idx) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.4 * nrow), squeeze=False)
    lim = float(
        np.nanmax(np.abs(np.concatenate([u_c[present][:, present], u_r[present][:, present]])))
    )
    lim = 1.05 * lim if lim > 0 else 1.0
    flat = np.ravel(axes)
    for ax, i in zip(flat, idx, strict=False):
        _draw_panel(ax, arrays, i, present, u_c, u_r, reg_all, lim)
    for ax in flat[len(idx) :]:
        ax.set_visible(False)
    _finish(fig, arrays.issue_ids[j])
    return fig
