"""Figures of forecasts: every model's forecast per issue, on the issue's scale and anchors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_forecasts"]


def plot_forecasts(
    results: Sequence[Any],
    *,
    issue_names: Sequence[str] | None = None,
    anchors: Sequence[Sequence[tuple[float, str]]] | None = None,
    scales: Sequence[tuple[float, float]] | None = None,
    max_issues: int = 12,
    path: str | Path | None = None,
) -> Any:
    """One panel per issue: each model's forecast, and the rounds of the dynamic models.

    Parameters
    ----------
    results : sequence of Forecast
        Forecasts of the same scenario by several models.
    issue_names : sequence of str, optional
        Panel titles (default: the issue ids).
    anchors : sequence of sequences of (value, label), optional
        Documented options per issue, drawn as faint horizontal lines with their values.
    scales : sequence of (lo, hi), optional
        Each issue's scale ends, used as the panel's vertical limits.
    max_issues : int
        At most this many panels (the first issues).
    path : str or Path, optional
        Write the figure there (PNG, SVG or PDF by suffix) and close it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (``None`` when written to ``path``).

    Notes
    -----
    A dynamic model's panel shows every actor's position at every round (thin lines) and its
    forecast as a dot at the last round; a static model's forecast is a horizontal dashed line.
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = results[0]
    k = min(len(first.issue_ids), max_issues)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.2 * rows), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j in range(k):
        ax = axes[j // cols][j % cols]
        for a_val, _label in anchors[j] if anchors else ():
            ax.axhline(a_val, color="0.85", lw=0.8, zorder=0)
            ax.annotate(
                f"{a_val:g}",
                (1.0, a_val),
                xycoords=("axes fraction", "data"),
                fontsize=6,
                color="0.5",
                va="center",
            )
        rounds = max((r.history.shape[0] for r in results if r.history is not None), default=1)
        for m, r in enumerate(results):
            c = colours[m % len(colours)]
            if r.history is not None and r.history.shape[0] > 1:
                h = r.history[:, :, j]
                ax.plot(np.arange(h.shape[0]), h, color=c, lw=0.7, alpha=0.5)
                ax.plot([h.shape[0] - 1], [r.forecast[j]], "o", color=c, label=r.model)
            else:
                ax.axhline(r.forecast[j], color=c, ls="--", lw=1.5, label=r.model)
        ax.set_xlim(0, max(rounds - 1, 1))
        if scales:
            lo, hi = scales[j]
            pad = 0.03 * (hi - lo)
            ax.set_ylim(lo - pad, hi + pad)
        ax.set_title((issue_names[j] if issue_names else first.issue_ids[j])[:50], fontsize=9)
        ax.set_xlabel("round", fontsize=8)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.legend(fontsize=7)
    for j in range(k, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return None
    return fig
