"""Plots for the expected-utility model: positions by round, and BDM's quadrant chart."""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays

__all__ = ["plot_positions", "plot_quadrants", "relations"]

_REGIONS = (
    "conflict (i wins)",
    "conflict (j wins)",
    "compromise (j yields)",
    "compel (j capitulates)",
    "compromise (i yields)",
    "compel (i capitulates)",
    "status quo",
)
_COLOURS = ("#d62728", "#ff9896", "#1f77b4", "#2ca02c", "#aec7e8", "#98df8a", "#7f7f7f")


def relations(u_c: Any, u_r: Any) -> Any:
    """BDM's regions of i's perceived relation with j, as indices into the region names.

    ``u_c = EU_i(ij)`` and ``u_r = EU_j(ji)`` as i sees them: 0 conflict that i wins,
    1 conflict that j wins, 2 compromise (j yields part-way), 3 compel (j capitulates),
    4 compromise (i yields), 5 compel (i capitulates), 6 status quo (both negative).
    """
    x, y = np.asarray(u_c, float), np.asarray(u_r, float)
    return np.select(
        [
            (x > 0) & (y > 0) & (y < x),
            (x > 0) & (y > 0),
            (x > 0) & (np.abs(y) < x),
            x > 0,
            (y > 0) & (np.abs(x) < y),
            y > 0,
        ],
        [0, 1, 2, 3, 4, 5],
        6,
    )


def plot_positions(forecast: Forecast, axes: Any = None) -> Any:
    """One panel per issue: each actor's position by round, with the forecast dashed.

    Returns the array of axes.
    """
    import matplotlib.pyplot as plt

    k = len(forecast.issue_ids)
    if axes is None:
        ncol = min(k, 3)
        _, axes = plt.subplots(
            (k + ncol - 1) // ncol,
            ncol,
            figsize=(6 * ncol, 3.5 * ((k + ncol - 1) // ncol)),
            squeeze=False,
        )
    flat = np.ravel(axes)
    for j in range(k):
        forecast.plot(ax=flat[j], issue=j)
        flat[j].set_title(f"{forecast.model}: {forecast.issue_ids[j]}")
    for ax in flat[k:]:
        ax.set_visible(False)
    return axes


def plot_quadrants(
    arrays: ScenarioArrays,
    issue: int | str = 0,
    positions: Any = None,
    actors: Any = None,
    **options: Any,
) -> Any:
    """The quadrant chart: each actor's perceived relations with every other actor.

    One panel per perceiving actor i; each point is another actor j at
    ``(EU_i(ij), EU_j(ji))`` as i sees them, coloured by BDM's region (conflict, compromise,
    compel, or the mirror images in which i yields, or the status quo).

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
    present = arrays.present[:, j]
    if actors is None:
        idx = [i for i in range(arrays.n_actors) if present[i]]
    else:
        idx = [arrays.actor_ids.index(a) if isinstance(a, str) else int(a) for a in actors]
    ncol = min(len(idx), 4)
    nrow = (len(idx) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.4 * nrow), squeeze=False)
    lim = float(
        np.nanmax(np.abs(np.concatenate([u_c[present][:, present], u_r[present][:, present]])))
    )
    lim = 1.05 * lim if lim > 0 else 1.0
    flat = np.ravel(axes)
    for ax, i in zip(flat, idx, strict=False):
        others = [b for b in range(arrays.n_actors) if b != i and present[b]]
        reg = relations(u_c[i, others], u_r[i, others])
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
    for ax in flat[len(idx) :]:
        ax.set_visible(False)
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=c, label=n)
        for n, c in zip(_REGIONS, _COLOURS, strict=True)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7)
    fig.supxlabel("EU_i(ij): i's expected utility of challenging j", fontsize=8, y=0.075)
    fig.supylabel("EU_j(ji) as i sees it", fontsize=8)
    fig.suptitle(f"Perceived relations on {arrays.issue_ids[j]}", fontsize=10)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig
