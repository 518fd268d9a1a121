"""Concession strategies: how much of its room each actor gives up at each round.

An actor's *room* on an issue is the stretch between the best value it would sign (its
position, clipped into its limits) and its walk-away limit on that side (the Environment's
:meth:`~detente.process.environment.Environment.limits` at that round; the scale's end where it
has no limit). Its *concession level* ``c`` ∈ [0, 1] says how much of that room it accepts now:
at round ``t`` it signs the values within ``a - c (a - lo)`` .. ``a + c (hi - a)`` of its anchor
``a``. ``c = 0`` signs only its own position, ``c = 1`` everything up to its walk-away. Its
*demand level* is ``d = 1 - c``.

Time-dependent tactics (Faratin, Sierra & Jennings 1998, §4.2.1). With ``τ = min(t, t_max) /
t_max`` the share of the actor's deadline used and ``κ`` ∈ [0, 1) its opening concession:

* polynomial family: ``α(τ) = κ + (1 - κ) τ^(1/e)``;
* exponential family: ``α(τ) = exp((1 - τ)^e ln κ)`` (``κ > 0``);

and ``c = α``. ``e < 1`` is Boulware (holds out, concedes near the deadline), ``e = 1`` linear,
``e > 1`` conceder (concedes early). Both families reach ``α = 1`` at the deadline.

NegMAS's time-based negotiators (``BoulwareTBNegotiator``, ``LinearTBNegotiator``,
``ConcederTBNegotiator`` over a polynomial aspiration curve) write the same curve as an
aspiration ``1 - τ^x`` with ``x = 1/e``: NegMAS's exponent is the reciprocal of Faratin's ``e``
(NegMAS's Boulware uses ``x > 1``). :func:`negmas_exponent` converts.

Imitative (reciprocal) tactics (Faratin et al. 1998, §4.2.3), applied to demand levels: with
``D(t)`` the mean demand level of the actor's *other side* (the other veto players; everyone
else when it has none) and ``δ`` ≥ 1 rounds of memory,

* relative tit-for-tat: ``d_i(t) = d_i(t-1) · D(t-1) / D(t-1-δ)`` (concede in proportion to
  what the others conceded over the last ``δ`` rounds; no change while ``D(t-1-δ) = 0``);
* absolute tit-for-tat: ``d_i(t) = d_i(t-1) - (D(t-1-δ) - D(t-1))``;

clipped to ``[0, 1 - κ]``; for the first ``δ`` rounds ``d_i = 1 - κ``. A *hard-liner* keeps
``c = κ`` throughout (default 0: it signs only its own position).

References
----------
Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for autonomous
agents. *Robotics and Autonomous Systems* 24(3–4), 159–182.

Mohammad, Y. et al. NegMAS: a platform for automated negotiation (time-based negotiators,
aspiration curves); https://negmas.readthedocs.io.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from detente.scenario.protocol_spec import StrategySpec

__all__ = [
    "KINDS",
    "Concession",
    "StrategyTable",
    "faratin_alpha",
    "negmas_exponent",
]

FloatArray = NDArray[np.float64]

#: Strategy kinds and their default Faratin ``e``.
KINDS: dict[str, float] = {
    "boulware": 0.2,
    "linear": 1.0,
    "conceder": 5.0,
    "time": 1.0,
    "tit_for_tat": 1.0,
    "hardliner": 1.0,
}
_TIME, _RECIP, _HARD = 0, 1, 2


def faratin_alpha(tau: Any, e: Any, kappa: Any = 0.0, family: str = "polynomial") -> FloatArray:
    """Faratin's time-dependent concession ``α(τ)`` (module docstring), elementwise.

    Parameters
    ----------
    tau : array_like
        Share of the deadline used, clipped to [0, 1].
    e : array_like
        Concession exponent (> 0): < 1 Boulware, 1 linear, > 1 conceder.
    kappa : array_like
        Opening concession ``α(0)`` ∈ [0, 1) (``> 0`` for the exponential family).
    family : {"polynomial", "exponential"}

    Examples
    --------
    >>> float(faratin_alpha(0.5, 0.5))   # Boulware: 0.5 ** 2
    0.25
    """
    t = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    e = np.asarray(e, dtype=float)
    k = np.asarray(kappa, dtype=float)
    if family == "polynomial":
        return np.asarray(k + (1.0 - k) * t ** (1.0 / e), dtype=float)
    if family == "exponential":
        return np.asarray(np.exp((1.0 - t) ** e * np.log(k)), dtype=float)
    raise ValueError(f"family {family!r} unknown; allowed: polynomial, exponential")


def negmas_exponent(e: float) -> float:
    """NegMAS's aspiration exponent for Faratin's ``e`` (its reciprocal)."""
    return 1.0 / float(e)


@dataclass(frozen=True)
class StrategyTable:
    """Every actor's strategy as arrays of length ``n`` (see the module docstring).

    Attributes
    ----------
    kind : (n,) int
        0 time-dependent, 1 tit-for-tat, 2 hard-liner.
    e, kappa : (n,) float
        Faratin's exponent and opening concession.
    exponential : (n,) bool
        The exponential family (else polynomial).
    deadline : (n,) float
        Rounds to each actor's deadline ``t_max`` (>= 1).
    absolute : (n,) bool
        Absolute (else relative) tit-for-tat.
    delta : (n,) int
        Tit-for-tat memory in rounds.
    names : tuple of str
        Each actor's strategy in words (for summaries).
    """

    kind: NDArray[np.intp]
    e: FloatArray
    kappa: FloatArray
    exponential: NDArray[np.bool_]
    deadline: FloatArray
    absolute: NDArray[np.bool_]
    delta: NDArray[np.intp]
    names: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls,
        actor_ids: Sequence[str],
        specs: Sequence[StrategySpec] = (),
        *,
        deadline: float,
        default: str = "linear",
    ) -> StrategyTable:
        """The table for ``actor_ids`` from the scenario's strategy specs; actors without one
        play ``default``; ``deadline`` (rounds) where a spec gives none."""
        by_actor = {s.actor: s for s in specs}
        cols: dict[str, list[Any]] = {
            k: [] for k in ("kind", "e", "kappa", "exp", "deadline", "absolute", "delta", "names")
        }
        for a in actor_ids:
            s = by_actor.get(a)
            kind = default if s is None else s.kind
            p = {} if s is None else dict(s.params)
            e = float(p.get("e", KINDS[kind]))
            fam = "polynomial" if s is None else s.family
            mode = "relative" if s is None else s.reciprocity
            code = {"tit_for_tat": _RECIP, "hardliner": _HARD}.get(kind, _TIME)
            cols["kind"].append(code)
            cols["e"].append(e)
            cols["kappa"].append(float(p.get("kappa", 0.1 if fam == "exponential" else 0.0)))
            cols["exp"].append(fam == "exponential")
            cols["deadline"].append(max(1.0, float(p.get("deadline", deadline))))
            cols["absolute"].append(mode == "absolute")
            cols["delta"].append(int(p.get("delta", 1)))
            cols["names"].append(_describe(kind, e, fam, mode))
        return cls(
            kind=np.asarray(cols["kind"], dtype=np.intp),
            e=np.asarray(cols["e"], dtype=float),
            kappa=np.asarray(cols["kappa"], dtype=float),
            exponential=np.asarray(cols["exp"], dtype=bool),
            deadline=np.asarray(cols["deadline"], dtype=float),
            absolute=np.asarray(cols["absolute"], dtype=bool),
            delta=np.asarray(cols["delta"], dtype=np.intp),
            names=tuple(cols["names"]),
        )

    def time_levels(self, t: int) -> FloatArray:
        """``(n,)``: each actor's time-dependent concession at round ``t`` (hard-liners: κ)."""
        tau = np.minimum(t / self.deadline, 1.0)
        poly = faratin_alpha(tau, self.e, self.kappa, "polynomial")
        kap = np.where(self.exponential, np.maximum(self.kappa, 1e-300), 0.5)
        expo = faratin_alpha(tau, self.e, kap, "exponential")
        alpha = np.where(self.exponential, expo, poly)
        return np.asarray(np.where(self.kind == _HARD, self.kappa, alpha), dtype=float)


def _describe(kind: str, e: float, family: str, mode: str) -> str:
    if kind == "hardliner":
        return "hard-liner"
    if kind == "tit_for_tat":
        return f"{mode} tit-for-tat"
    return f"{kind} ({family}, e={e:g})"


class Concession:
    """Concession levels of ``n`` actors over ``m`` runs, round by round.

    Parameters
    ----------
    table : StrategyTable
    others : (n, n) bool
        ``others[i, o]``: actor ``o`` is on actor ``i``'s other side (for tit-for-tat).
    m : int
        Runs.

    Call :meth:`levels` once per round, in order ``t = 0, 1, ...``.
    """

    def __init__(self, table: StrategyTable, others: NDArray[np.bool_], m: int) -> None:
        self.table = table
        self.m = m
        cnt = others.sum(axis=1)
        self._avg = np.where(others, 1.0, 0.0) / np.maximum(cnt, 1)[:, None]  # (n, n)
        self._has_others = cnt > 0
        self._recip = table.kind == _RECIP
        self._history: list[FloatArray] = []  # D(t) per round, (m, n)
        self._demand: FloatArray | None = None

    def levels(self, t: int) -> FloatArray:
        """``(m, n)``: concession levels at round ``t`` (records the round for tit-for-tat)."""
        tab = self.table
        base = np.broadcast_to(tab.time_levels(t), (self.m, tab.kind.size))
        if not self._recip.any():
            c = np.array(base)
        else:
            c = self._reciprocate(t, base)
        self._history.append((1.0 - c) @ self._avg.T)  # others' mean demand, (m, n)
        return c

    def _reciprocate(self, t: int, base: FloatArray) -> FloatArray:
        tab = self.table
        top = 1.0 - tab.kappa
        if self._demand is None:
            self._demand = np.broadcast_to(top, base.shape).copy()
        d = self._demand
        hist = self._history
        upd = self._recip & self._has_others & (t > tab.delta)
        if upd.any() and t >= 2:
            now = hist[t - 1]
            idx = np.maximum(t - 1 - tab.delta, 0)
            then = np.stack([hist[int(i)][:, j] for j, i in enumerate(idx)], axis=1)
            rel = np.where(then > 0, d * now / np.where(then > 0, then, 1.0), d)
            absd = d - (then - now)
            new = np.where(tab.absolute, absd, rel)
            d = np.where(upd, np.clip(new, 0.0, top), d)
            self._demand = d
        return np.asarray(np.where(self._recip, 1.0 - d, base), dtype=float)
