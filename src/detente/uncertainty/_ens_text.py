"""Words and pictures for :class:`~detente.uncertainty._ens_result.EnsembleResult`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from detente.uncertainty._ens_result import EnsembleResult

__all__ = ["case_lines", "draw_boxes", "zone_lines"]

#: Issues named in the "blocks" line at most (the rest are counted).
_MAX_BLOCKERS = 5


def _decimals(span: float) -> int:
    """Decimals that show a value on a scale of ``span`` to about 1/100 of it."""
    if not (math.isfinite(span) and span > 0):
        return 2
    return max(0, 2 - math.floor(math.log10(span)))


def _fmt(x: float, d: int) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.{d}f}"


def _forecast_line(res: EnsembleResult, j: int, what_if: str | None) -> str:
    """``territory: compromise 52–62, expected utility (BDM) 25–85 (defined in 40%)`` (5–95%
    of draws; models by their display names)."""
    from detente.models.registry import display_name
    from detente.uncertainty._ens_result import _pct

    st = res.stats(what_if)
    d = _decimals(float(res.scale_hi[j] - res.scale_lo[j]))
    parts = []
    for model, stats in st.forecasts.items():
        lo, hi, dfd = stats["q05"][j], stats["q95"][j], stats["defined"][j]
        if dfd == 0:
            parts.append(f"{display_name(model)} none")
            continue
        text = f"{display_name(model)} {_fmt(lo, d)}–{_fmt(hi, d)}"
        if dfd < 1:
            text += f" (defined in {_pct(dfd)})"
        parts.append(text)
    return f"{res.issue_ids[j]}: " + ", ".join(parts)


def zone_lines(res: EnsembleResult, what_if: str | None) -> list[str]:
    """How often a zone of agreement exists, which issues block it, single-point agreements."""
    from detente.uncertainty._ens_result import _pct

    st = res.stats(what_if)
    lo, hi = st.zone_interval
    lines = [
        f"a zone of agreement exists in {_pct(st.probability_zone)} of draws "
        f"(95% interval {_pct(lo)}–{_pct(hi)})"
    ]
    order = [j for j in np.argsort(-st.blocks, kind="stable") if st.blocks[j] > 0]
    if order:
        named = [f"{res.issue_ids[j]} blocks in {_pct(st.blocks[j])}" for j in order]
        more = len(named) - _MAX_BLOCKERS
        tail = f"; {more} more issue{'s block' if more > 1 else ' blocks'} less often"
        lines.append("; ".join(named[:_MAX_BLOCKERS]) + (tail if more > 0 else ""))
    points = [j for j in range(len(res.issue_ids)) if st.point_only[j] > 0]
    if points:
        lines.append(
            "agreement only at a single point (joint limits narrower than "
            f"{_pct(res.point_tol)} of the scale): "
            + ", ".join(f"{res.issue_ids[j]} in {_pct(st.point_only[j])}" for j in points)
            + " of draws"
        )
    return lines


def case_lines(res: EnsembleResult, what_if: str | None) -> list[str]:
    """The summary lines of one case: forecasts (5–95% of draws), then the zone."""
    lines = ["forecasts, 90% of draws between (5th–95th percentile):"]
    lines += ["  " + _forecast_line(res, j, what_if) for j in range(len(res.issue_ids))]
    return lines + zone_lines(res, what_if)


def _box_stats(res: EnsembleResult, what_if: str | None, unit: bool) -> list[list[dict[str, Any]]]:
    """Per model, per issue, the dict ``Axes.bxp`` draws (whiskers at 5 and 95%)."""
    st = res.stats(what_if)
    span = res.scale_hi - res.scale_lo
    out = []
    for model in res.models:
        s = st.forecasts[model]
        rows = []
        for j in range(len(res.issue_ids)):
            vals = [s[q][j] for q in ("q05", "q25", "q50", "q75", "q95")]
            if unit:
                vals = [100.0 * (v - res.scale_lo[j]) / span[j] for v in vals]
            w1, q1, med, q3, w2 = vals
            rows.append({"whislo": w1, "q1": q1, "med": med, "q3": q3, "whishi": w2, "fliers": []})
        out.append(rows)
    return out


def draw_boxes(res: EnsembleResult, ax: Axes | None, what_if: str | None) -> Axes:
    """Boxes per issue (one per model, side by side), labelled, on ``ax`` or a new figure."""
    import matplotlib.pyplot as plt

    fig = None
    if ax is None:
        k = len(res.issue_ids)
        fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.6 * k * max(1, len(res.models)))), 5))
    unit = not (
        np.allclose(res.scale_lo, res.scale_lo[0]) and np.allclose(res.scale_hi, res.scale_hi[0])
    )
    stats = _box_stats(res, what_if, unit)
    k, nm = len(res.issue_ids), len(res.models)
    width = 0.8 / max(nm, 1)
    from detente.models.registry import display_name

    colours = plt.get_cmap("tab10")
    for i, (model, rows) in enumerate(zip(res.models, stats, strict=True)):
        keep = [j for j in range(k) if np.isfinite(rows[j]["med"])]
        pos = [j - 0.4 + width * (i + 0.5) for j in keep]
        if keep:
            ax.bxp(
                [rows[j] for j in keep],
                positions=pos,
                widths=width * 0.85,
                showfliers=False,
                patch_artist=True,
                boxprops={"facecolor": colours(i % 10), "alpha": 0.6},
                medianprops={"color": "black"},
            )
        ax.plot([], [], color=colours(i % 10), linewidth=6, alpha=0.6, label=display_name(model))
    ax.set_xticks(range(k))
    ax.set_xticklabels(list(res.issue_ids), rotation=40, ha="right", fontsize=8)
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_ylabel("forecast, % of the issue's scale" if unit else "forecast")
    case = "base case" if what_if is None else f"what-if {what_if}"
    ax.set_title(
        f"{res.scenario}: {case}, {res.draws:,} draws\n(box 25–75%, whiskers 5–95%); "
        f"zone of agreement in {100 * res.stats(what_if).probability_zone:.0f}%",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="best")
    if fig is not None:
        fig.tight_layout()
    return ax
