"""The single negotiating text: the mediator drafts one package, each party states its
objections, the mediator revises, round after round (the Camp David procedure).

Each round (vectorised over runs):

1. every actor states what it would sign now (:class:`~._table.Window`: its walk-away limits
   at this date from the Environment, narrowed by its concession strategy);
2. the mediator drafts within the *common box*, the values on each issue that every veto
   player whose veto binds there would sign (:meth:`~._table.Table.common_box`). Where the
   box is empty (a blocked issue) the draft splits the gap: the midpoint between the highest
   demand and the lowest offer;
3. the parties object where the draft falls outside what they would sign now (issue and
   direction); a veto player's objection where its veto binds blocks the text;
4. a text no veto player objects to, that the Environment's ``consent`` and ``feasible``
   pass, goes to ratification (:mod:`detente.process.protocols._engine`).

Draft rules within the box:

* ``nash``: the package maximising the Nash product ``Π_i (u_i(x) - d_i)`` of the veto
  players (:func:`detente.bargaining.package_utility`, linear loss), ``d_i`` the utility of
  the worst package the text could hold for ``i`` (its walk-away limit or the box's far end on
  each issue, whichever is farther), so every gain is >= 0. Found by coordinate ascent over
  candidate values per issue (the box's ends, each veto player's position clipped into it,
  ``candidates`` equally spaced interior points), starting from last round's text: the
  objective is concave in ``x`` (a sum of logs of concave functions), and the search is exact
  up to the candidate grid (``span / (candidates + 1)`` on the widest box).
* ``mediator``: the mediator's ideal clipped into the box (its best package there, since its
  utility is separable by issue), then pulled toward its ideal by ``pressure``:
  ``x + pressure (ideal - x)``. An interested mediator that presses drafts texts the parties
  object to; ``pressure = 0`` never leaves the box.

References
----------
Raiffa, H. (1982). *The Art and Science of Negotiation*, ch. 14 (the single negotiating text
at Camp David). Harvard University Press.

Fisher, R. (1978). Playing the wrong game? In *Dynamics of Third Party Intervention*.

Klein, M., Faratin, P., Sayama, H. & Bar-Yam, Y. (2003). Negotiating complex contracts.
*Group Decision and Negotiation* 12, 111–125 (mediated single-text protocol).

Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2), 155–162.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.process.protocols._table import Table, Window

__all__ = ["mediator_draft", "nash_draft"]

FloatArray = NDArray[np.float64]


def _search_box(table: Table, w: Window) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The box the draft searches, ``(m, k)`` each: its low and high ends (both the gap's
    midpoint on a blocked issue) and the gap's midpoint or the box's centre."""
    low, high = table.common_box(w)
    mid = 0.5 * (low + high)
    blocked = low > high
    return np.where(blocked, mid, low), np.where(blocked, mid, high), mid


def nash_draft(
    table: Table, w: Window, previous: FloatArray | None, candidates: int = 7, sweeps: int = 2
) -> FloatArray:
    """The Nash draft (module docstring), ``(m, k)``.

    Steps: the search box; the veto players (every actor where there are none) and their
    disagreement utilities; the start (last text clipped into the box, else its centre);
    every issue's candidates (the start first, so that a tie keeps it) and their weighted
    utilities to the veto players, ``(m, k, C, v)``, at once; coordinate ascent over the
    issues, ``sweeps`` times from the box's centre, once from last round's text.
    """
    low, high, mid = _search_box(table, w)
    who = np.flatnonzero(table.blockers)
    if who.size == 0:
        who = np.flatnonzero(table.present.any(axis=1))
    x = mid.copy() if previous is None else np.clip(previous, low, high)
    d = _disagreement(table, w, low, high, who)
    cand = _candidates(table, x, low, high, who, candidates).transpose(1, 0, 2).copy()
    pos = np.nan_to_num(table.pos[:, who, :]).transpose(2, 0, 1)[:, :, None, :]
    wgt = table.weight[:, who, :].transpose(2, 0, 1)[:, :, None, :]
    dist = np.minimum(np.abs(cand[..., None] - pos) / table.span[:, None, None, None], 1.0)
    contrib = wgt * (1.0 - dist)  # (k, m, C, v), issue first so each issue is contiguous
    now = contrib[:, :, 0, :].copy()
    u = now.sum(axis=0)
    log = who.size > 8  # a product of many gains <= 1 could underflow: sum logs instead
    for _ in range(sweeps if previous is None else 1):
        for j in range(x.shape[1]):
            gains = np.maximum(contrib[j] + (u - now[j] - d)[:, None, :], 0.0) + 1e-12
            score = np.log(gains).sum(axis=-1) if log else gains.prod(axis=-1)
            best = np.argmax(score, axis=1)[:, None]
            new = np.take_along_axis(contrib[j], best[:, :, None], axis=1)[:, 0, :]
            u += new - now[j]
            now[j] = new
            x[:, j] = np.take_along_axis(cand[j], best, axis=1)[:, 0]
    return x


def _candidates(
    table: Table,
    x: FloatArray,
    low: FloatArray,
    high: FloatArray,
    who: NDArray[np.intp],
    inner: int,
) -> FloatArray:
    """``(m, k, C)``: every issue's candidate values within ``[low, high]``: the start ``x``,
    the ends, the veto players' positions clipped in, ``inner`` equally spaced points."""
    centre = 0.5 * (table.lo + table.hi)
    own = np.where(np.isnan(table.pos[:, who, :]), centre, table.pos[:, who, :])
    own = np.clip(own.transpose(0, 2, 1), low[..., None], high[..., None])
    q = np.linspace(0.0, 1.0, inner + 2)[1:-1]
    grid = low[..., None] + (high - low)[..., None] * q
    return np.concatenate([x[..., None], low[..., None], high[..., None], own, grid], axis=-1)


def _disagreement(
    table: Table, w: Window, low: FloatArray, high: FloatArray, who: NDArray[np.intp]
) -> FloatArray:
    """``(m, len(who))``: each veto player's utility of the worst value the text could hold on
    every issue (its walk-away limit or the box's far end, whichever is farther)."""
    p = np.nan_to_num(table.pos[:, who, :])
    span = table.span
    lim_lo = np.where(np.isnan(w.lo[:, who, :]), table.lo, w.lo[:, who, :])
    lim_hi = np.where(np.isnan(w.hi[:, who, :]), table.hi, w.hi[:, who, :])
    far_lo = np.minimum(lim_lo, low[:, None, :])
    far_hi = np.maximum(lim_hi, high[:, None, :])
    dist = np.clip(np.maximum(np.abs(p - far_lo), np.abs(far_hi - p)) / span, 0.0, 1.0)
    return np.asarray((table.weight[:, who, :] * (1.0 - dist)).sum(axis=-1), dtype=float)


def mediator_draft(table: Table, w: Window, pressure: float = 0.0) -> FloatArray:
    """The mediator's draft (module docstring), ``(m, k)``: its ideal clipped into the box
    (the gap on a blocked issue), pulled toward its ideal by ``pressure``; the box's centre
    on issues where the mediator takes no part."""
    if table.mediator is None:
        raise ValueError("the mediator draft rule needs a mediator")
    low, high = table.common_box(w)
    a, b = np.minimum(low, high), np.maximum(low, high)
    ideal = table.pos[:, table.mediator, :]
    x = np.where(np.isnan(ideal), 0.5 * (a + b), np.clip(ideal, a, b))
    return np.asarray(np.where(np.isnan(ideal), x, x + pressure * (ideal - x)), dtype=float)
