"""Figures of forecasts: every model's forecast per issue, on the issue's scale and anchors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "MAX_ISSUES",
    "plot_forecasts",
    "save_figure",
    "scenario_panels",
    "spread_labels",
    "wrap_title",
]

#: Panels drawn by default (the first issues); ``issues=`` chooses others.
MAX_ISSUES = 12


def save_figure(fig: Figure, path: str | Path, **savefig: Any) -> None:
    """Write ``fig`` to ``path`` (PNG, SVG or PDF by its suffix) through a temporary file
    beside it, renamed into place (:func:`~detente.scenario.io._common.atomic_path`), and
    close it: a failed or interrupted save leaves no half-written picture. ``savefig`` options
    (``dpi``, ...) go to matplotlib.

    Raises
    ------
    ScenarioError
        Naming ``path``: its folder does not exist, it is a folder, or the write is refused.
    """
    import matplotlib.pyplot as plt

    from detente.scenario.io._common import atomic_path

    p = Path(path)
    try:
        fig.tight_layout()
        with atomic_path(p) as tmp:
            fig.savefig(tmp, format=p.suffix.lstrip(".").lower() or "png", **savefig)
    finally:
        plt.close(fig)


def wrap_title(text: str, width: int = 48) -> str:
    """``text`` whole, broken into lines of at most ``width`` characters (never cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(" ".join(text.split()), width)) or text


def _spread(ys: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Label heights as near ``ys`` (ascending) as possible, at least ``gap`` apart, within
    [lo, hi] when they fit there."""
    out = list(ys)
    for k in range(1, len(out)):
        out[k] = max(out[k], out[k - 1] + gap)
    if out and out[-1] > hi:  # pushed off the top: slide the stack down, keeping the gaps
        out[-1] = hi
        for k in range(len(out) - 2, -1, -1):
            out[k] = min(out[k], out[k + 1] - gap)
    if out and out[0] < lo and (hi - lo) >= gap * (len(out) - 1):
        shift = lo - out[0]
        out = [y + shift for y in out]
    return out


def spread_labels(
    ax: Axes,
    x: Any,
    items: Sequence[tuple[float, str, Any]],
    *,
    x_text: Any = None,
    fontsize: float = 7.0,
    gap: float | None = None,
) -> list[Any]:
    """Label line ends directly: each ``(y, text, colour)`` written beside the point
    ``(x, y)``, the labels moved apart vertically so that none overlaps another, each joined
    to its point by a thin line of its colour.

    Parameters
    ----------
    ax : matplotlib Axes
        Its y-limits must be final (the spacing is a share of them).
    x : scalar (or date)
        Where the lines end (data coordinates).
    items : sequence of (y, text, colour)
    x_text : scalar, optional
        Where the labels go, in data coordinates; default just right of the axes.
    gap : float, optional
        Least vertical distance between two labels, in data units (default: the text's
        height plus a little, from ``fontsize`` and the axes' height).

    Returns
    -------
    list of matplotlib Annotation
    """
    items = sorted((float(y), t, c) for y, t, c in items if np.isfinite(y))
    if not items:
        return []
    lo, hi = ax.get_ylim()
    if gap is None:
        # a SubFigure has no height of its own: then assume a panel of about 200 points
        inches = getattr(ax.figure, "get_figheight", lambda: 200.0 / 72)()
        height_pt = ax.get_position().height * inches * 72
        gap = 1.45 * fontsize * abs(hi - lo) / max(height_pt, 1.0)
    ys = _spread([y for y, _, _ in items], gap, min(lo, hi), max(lo, hi))
    coords: Any = ("axes fraction", "data") if x_text is None else "data"
    xt = 1.02 if x_text is None else x_text
    out = []
    for (y, text, c), ya in zip(items, ys, strict=True):
        out.append(
            ax.annotate(
                text,
                xy=(x, y),
                xytext=(xt, ya),
                textcoords=coords,
                color=c,
                fontsize=fontsize,
                va="center",
                ha="left",
                annotation_clip=False,
                arrowprops={"arrowstyle": "-", "color": c, "lw": 0.5, "alpha": 0.6},
            )
        )
    return out


def _chosen_issues(n_issues: int, issues: Sequence[int] | None, max_issues: int) -> list[int]:
    """The issues to draw: ``issues`` as given (checked), else the first ``max_issues``."""
    if issues is None:
        return list(range(min(n_issues, max_issues)))
    chosen = [int(j) for j in issues]
    bad = [j for j in chosen if not 0 <= j < n_issues]
    if bad or not chosen:
        raise ValueError(
            f"issues {list(issues)}: no such issue; allowed: indices 0 to {n_issues - 1}"
            if bad
            else "issues: empty; allowed: at least one issue index"
        )
    return chosen


def _coverage_note(chosen: list[int], n_issues: int, default: bool) -> str | None:
    """The suptitle saying which issues a figure leaves out (``None`` when it draws all)."""
    if len(chosen) >= n_issues and sorted(chosen) == list(range(n_issues)):
        return None
    if default:
        return f"first {len(chosen)} of {n_issues} issues"
    if len(chosen) <= 6:
        return f"issues {', '.join(str(j + 1) for j in chosen)} of {n_issues}"
    return f"{len(chosen)} of {n_issues} issues"


def _draw_anchors(ax: Axes, anchors: Sequence[tuple[float, str]]) -> None:
    for a_val, _label in anchors:
        ax.axhline(a_val, color="0.85", lw=0.8, zorder=0)
        ax.annotate(
            f"{a_val:g}",
            (1.0, a_val),
            xycoords=("axes fraction", "data"),
            fontsize=6,
            color="0.5",
            va="center",
        )


def _draw_panel(
    ax: Axes,
    results: Sequence[Any],
    j: int,
    colours: Sequence[str],
    rounds: int,
    scale: tuple[float, float] | None,
    title: str,
) -> None:
    """Issue ``j``'s panel: each dynamic model's rounds (one line per actor, labelled with
    the actor's id at its end) and final dot, each static model's forecast as a dashed line,
    on the issue's scale; the issue's full name as the title, wrapped."""
    from detente.models.registry import display_name

    ends: list[tuple[float, str, str]] = []
    last = max(rounds - 1, 1)
    for m, r in enumerate(results):
        c = colours[m % len(colours)]
        name = display_name(r.model)
        if r.history is not None and r.history.shape[0] > 1:
            h = r.history[:, :, j]
            for i, actor in enumerate(r.actor_ids):
                ax.plot(np.arange(h.shape[0]), h[:, i], color=c, lw=0.7, alpha=0.5,
                        gid=f"actor:{r.model}:{actor}")  # fmt: skip
                ends.append((float(h[-1, i]), str(actor), c))
            ax.plot([h.shape[0] - 1], [r.forecast[j]], "o", color=c, label=name)
        else:
            ax.axhline(r.forecast[j], color=c, ls="--", lw=1.5, label=name)
    room = 0.5 * last if ends else 0.0  # the actors' labels sit inside the panel
    ax.set_xlim(0, last + room)
    if scale is not None:
        lo, hi = scale
        pad = 0.03 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
    if ends:
        _end_labels(ax, ends, last)
    ax.set_title(wrap_title(title, 52), fontsize=8)
    ax.set_xlabel("round", fontsize=8)
    ax.tick_params(labelsize=7)


def _end_labels(ax: Axes, ends: list[tuple[float, str, str]], last: int) -> None:
    """Each actor's id at the end of its line; actors whose lines end together (within a
    label's height, same colour) share one label ("RUS, UKR")."""
    lo, hi = ax.get_ylim()
    near = 0.02 * abs(hi - lo)
    merged: list[tuple[float, str, str]] = []
    for y, a, c in sorted(ends, key=lambda e: (e[2], e[0])):
        if merged and merged[-1][2] == c and abs(merged[-1][0] - y) < near:
            y0, names, _ = merged[-1]
            merged[-1] = (y0, f"{names}, {a}", c)
        else:
            merged.append((y, a, c))
    spread_labels(ax, last, merged, x_text=last + 0.04 * last, fontsize=6)


def scenario_panels(scenario: Any) -> dict[str, Any]:
    """The :func:`plot_forecasts` options a scenario gives: its issues' names, documented
    anchors ``(value, label)`` and scale ends."""
    return {
        "issue_names": [i.name for i in scenario.issues],
        "anchors": [[(a.value, a.label) for a in i.scale.anchors] for i in scenario.issues],
        "scales": [(i.scale.lo, i.scale.hi) for i in scenario.issues],
    }


def plot_forecasts(
    results: Sequence[Any],
    *,
    issue_names: Sequence[str] | None = None,
    anchors: Sequence[Sequence[tuple[float, str]]] | None = None,
    scales: Sequence[tuple[float, float]] | None = None,
    max_issues: int = MAX_ISSUES,
    issues: Sequence[int] | None = None,
    path: str | Path | None = None,
) -> Figure | None:
    """One panel per issue: each model's forecast, and the rounds of the dynamic models.

    Parameters
    ----------
    results : sequence of Forecast
        Forecasts of the same scenario by several models.
    issue_names : sequence of str, optional
        Panel titles, one per issue of the scenario (default: the issue ids).
    anchors : sequence of sequences of (value, label), optional
        Documented options per issue, drawn as faint horizontal lines with their values.
    scales : sequence of (lo, hi), optional
        Each issue's scale ends, used as the panel's vertical limits.
    max_issues : int
        Without ``issues``: at most this many panels, the first issues (default
        :data:`MAX_ISSUES`).
    issues : sequence of int, optional
        The issues to draw (0-based indices into the scenario's issues), in this order.
    path : str or Path, optional
        Write the figure there (PNG, SVG or PDF by suffix) and close it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (``None`` when written to ``path``).

    Raises
    ------
    ValueError
        An index in ``issues`` that is not an issue of the scenario.

    Notes
    -----
    A dynamic model's panel shows every actor's position at every round (thin lines) and its
    forecast as a dot at the last round; a static model's forecast is a horizontal dashed line.
    When the figure leaves issues out, its title says so (``"first 12 of 40 issues"``).
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = results[0]
    n_issues = len(first.issue_ids)
    chosen = _chosen_issues(n_issues, issues, max_issues)
    k = len(chosen)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.2 * rows), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    rounds = max((r.history.shape[0] for r in results if r.history is not None), default=1)
    for p, j in enumerate(chosen):
        ax = axes[p // cols][p % cols]
        _draw_anchors(ax, anchors[j] if anchors else ())
        title = issue_names[j] if issue_names else first.issue_ids[j]
        _draw_panel(ax, results, j, colours, rounds, scales[j] if scales else None, title)
        if p == 0:
            ax.legend(fontsize=7, loc="best")
    for p in range(k, rows * cols):
        axes[p // cols][p % cols].axis("off")
    note = _coverage_note(chosen, n_issues, issues is None)
    if note is not None:
        fig.suptitle(note, fontsize=10)
    if path is not None:
        save_figure(fig, path, dpi=110)
        return None
    fig.tight_layout()
    return fig
