"""Stokman's position-exchange model (Equal-Gain variant): issue-linkage trades between actors.

Two actors who sit on opposite sides of the expected outcome on two issues, and who care about
the two issues in different proportions, can both gain by trading: each moves its *voting*
position toward the other on the issue it cares less about. The expected outcome of an issue is
its Nash bargaining solution as approximated by the compromise model (the capability × salience
weighted mean of the voting positions). Implemented from the written description in
``shared/reference/bargaining-models.md`` §4.1 and the cited papers; no code of the Decide
program (GPL-3) was used. ``docs/explanation/exchange.md`` records what the description left
open and how it is resolved here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.models import _params
from detente.models._costs import exchange_cost
from detente.models.compromise import weighted_mean
from detente.models.registry import register
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import ModelParamError
from detente.typing import RNG

__all__ = ["DEFAULTS", "VARIANTS", "candidate_gains", "run", "simulate"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VARIANTS = ("equal-gain",)
"""Exchange-rate rules implemented (the random-rate variant is not)."""

DEFAULTS: dict[str, Any] = {
    "rounds": 10,
    "salience_weight": 0.4,
    "fixed_weight": 0.1,
    "variant": "equal-gain",
}
"""Parameters of the ``"exchange"`` model and their defaults."""

_SIDE_TOL = 1e-9  # on the unit scale: closer than this to the NBS counts as "on it"
_GAIN_TOL = 1e-12  # smallest gain (unit scale × salience) that counts as a gain


def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``rounds`` a whole number >= 0, ``salience_weight`` and ``fixed_weight`` in [0, 1] with
    a sum of at most 1, ``variant`` one of :data:`VARIANTS`.

    Raises
    ------
    ModelParamError
        ``field="exchange.<option>"``, the value and what is allowed.
    """
    for key, val in params.items():
        if key == "variant":
            _params.choice("exchange", key, val, VARIANTS)
        elif key == "rounds":
            _params.integer("exchange", key, val, lo=0)
        else:
            _params.number("exchange", key, val, lo=0.0, hi=1.0)
    both = {**DEFAULTS, **params}
    if float(both["salience_weight"]) + float(both["fixed_weight"]) > 1.0:
        raise ModelParamError(
            "model 'exchange': salience_weight + fixed_weight must be at most 1",
            field="exchange.fixed_weight"
            if "fixed_weight" in params
            else "exchange.salience_weight",
            value=(both["salience_weight"], both["fixed_weight"]),
            allowed="salience_weight + fixed_weight <= 1",
        )
    return dict(params)


def _nbs(y: FloatArray, w: FloatArray, present: BoolArray) -> FloatArray:
    """The compromise point of every issue (capability × salience weighted mean)."""
    return weighted_mean(y, w, present)


def candidate_gains(
    x: FloatArray,
    y: FloatArray,
    s: FloatArray,
    w: FloatArray,
    present: BoolArray,
    free_supply: BoolArray,
    may_demand: BoolArray,
) -> dict[str, FloatArray]:
    """Every possible Equal-Gain exchange at once, over actor pairs × issue pairs.

    Index ``[i, j, p, q]`` is the exchange in which actor *i* supplies on issue *p* (moves its
    voting position toward *j*'s position there) and demands on *q*, while *j* supplies on *q*
    and demands on *p*.

    Steps
    -----
    1. NBS ``O = Σ w y / Σ w`` per issue from the voting positions ``y`` (weights
       ``w = c·s``); ``d = x − O`` says on which side of it each actor's own position ``x`` is.
    2. Feasible (:func:`_feasible`): *i* and *j* strictly on opposite sides of ``O`` on both
       *p* and *q* (``p ≠ q``), both present on both, *i* and *j* still free to supply on *p*
       and *q* respectively and allowed to demand on *q* and *p*.
    3. Exchange rate (Equal Gain; :func:`_equal_gain_rate`, :func:`_equal_gain`). If the
       NBS moves by ``a`` on *q* (toward ``x_iq``) and by ``b`` on *p* (toward ``x_jp``), the
       gains are ``g_i = a s_iq − b s_ip`` and ``g_j = b s_jp − a s_jq``; equal gains need
       ``b = r a`` with ``r = (s_iq + s_jq) / (s_ip + s_jp)``, and then
       ``g = a (s_iq s_jp − s_ip s_jq) / (s_ip + s_jp)``, positive exactly when
       ``s_ip / s_iq < s_jp / s_jq`` (i cares relatively less about p).
    4. Size (:func:`_exchange_size`): ``a`` is the largest value allowed by four limits —
       *j* moves at most all the way to ``x_iq`` (``a ≤ w_jq |x_iq − y_jq| / S_q``); *i* moves
       at most all the way to ``x_jp`` (``r a ≤ w_ip |x_jp − y_ip| / S_p``); the NBS of *q*
       does not pass ``x_iq`` (``a ≤ |x_iq − O_q|``) and that of *p* does not pass ``x_jp``
       (``r a ≤ |x_jp − O_p|``). Taking the first two limits in turn is the description's
       "j moves fully to i's position; if i's implied move exceeds its gap, the roles are
       reversed".

    Parameters
    ----------
    x : (n, k) float
        Each actor's own (start-of-round) position, unit scale (0 where absent).
    y : (n, k) float
        Current voting positions, unit scale.
    s, w : (n, k) float
        Saliences and weights ``c·s`` (0 where absent).
    present : (n, k) bool
    free_supply : (n, k) bool
        Actor may still supply (move its voting position) on the issue.
    may_demand : (n, k) bool
        Actor may demand on the issue.

    Returns
    -------
    dict with ``gain, a, b, frac_i, frac_j`` (n, n, k, k) and ``nbs`` (k,): ``frac_i`` and
    ``frac_j`` are the shares of their gaps *i* (on *p*) and *j* (on *q*) move.

    References
    ----------
    Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an
    object-oriented model of policy networks. In B. Bueno de Mesquita & F. N. Stokman (eds.),
    *European Community Decision Making*, Yale UP, 105–127.
    """
    S = np.where(present, w, 0.0).sum(axis=0)
    nbs = _nbs(y, w, present)
    d = x - nbs
    feasible = _feasible(d, present, free_supply, may_demand)
    ok, r = _equal_gain_rate(s, feasible)
    a, lim_i, lim_j = _exchange_size(x, y, w, d, S, ok, r)
    b = r * a
    gain = _equal_gain(a, s, ok)
    frac_j = np.divide(a, lim_j, out=np.zeros_like(a), where=(lim_j > 0) & ok)
    frac_i = np.divide(b, lim_i, out=np.zeros_like(b), where=(lim_i > 0) & ok)
    return {
        "gain": gain,
        "a": a,
        "b": b,
        "frac_i": np.minimum(frac_i, 1.0),
        "frac_j": np.minimum(frac_j, 1.0),
        "nbs": nbs,
    }


def _feasible(
    d: FloatArray, present: BoolArray, free_supply: BoolArray, may_demand: BoolArray
) -> BoolArray:
    """(i, j, p, q): i and j strictly on opposite sides of the NBS (``d = x - O``) on both
    p and q (p ≠ q), i free to supply on p and j on q, i may demand on q and j on p (step 2)."""
    k = d.shape[1]
    side = np.where(present & (np.abs(d) > _SIDE_TOL), np.sign(d), 0.0)
    opp = side[:, None, :] * side[None, :, :] < 0  # (i, j, issue)
    feasible = opp[:, :, :, None] & opp[:, :, None, :]
    feasible &= ~np.eye(k, dtype=bool)[None, None]
    feasible &= free_supply[:, None, :, None] & free_supply[None, :, None, :]
    feasible &= may_demand[:, None, None, :] & may_demand[None, :, :, None]
    return feasible


def _equal_gain_rate(s: FloatArray, feasible: BoolArray) -> tuple[BoolArray, FloatArray]:
    """The feasible exchanges in which both gain, and their rate
    ``r = (s_iq + s_jq) / (s_ip + s_jp)`` (0 elsewhere; step 3)."""
    sip = s[:, None, :, None]
    siq = s[:, None, None, :]
    sjp = s[None, :, :, None]
    sjq = s[None, :, None, :]
    den = sip + sjp
    ok = feasible & (den > 0) & (siq * sjp - sip * sjq > 0)
    r = np.divide(siq + sjq, den, out=np.zeros(ok.shape), where=ok)
    return ok, r


def _exchange_size(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    d: FloatArray,
    S: FloatArray,
    ok: BoolArray,
    r: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The NBS move ``a`` on q of each exchange, the largest the four limits allow (step 4),
    and j's and i's full moves ``lim_j`` (on q) and ``lim_i`` (on p) in NBS units."""
    Sp = S[None, None, :, None]
    Sq = S[None, None, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        # j all the way to x_iq on q; i all the way to x_jp on p (in NBS units on p)
        lim_j = np.where(
            Sq > 0,
            w[None, :, None, :] * np.abs(x[:, None, None, :] - y[None, :, None, :]) / Sq,
            0.0,
        )
        lim_i = np.where(
            Sp > 0,
            w[:, None, :, None] * np.abs(x[None, :, :, None] - y[:, None, :, None]) / Sp,
            0.0,
        )
        cap_q = np.abs(d)[:, None, None, :]  # |x_iq − O_q|
        cap_p = np.abs(d)[None, :, :, None]  # |x_jp − O_p|
        a = np.minimum(np.minimum(lim_j, cap_q), np.where(ok, np.minimum(lim_i, cap_p) / r, 0.0))
    return np.where(ok, a, 0.0), lim_i, lim_j


def _equal_gain(a: FloatArray, s: FloatArray, ok: BoolArray) -> FloatArray:
    """Each exchange's gain to both actors, ``a (s_iq s_jp − s_ip s_jq) / (s_ip + s_jp)``."""
    sip = s[:, None, :, None]
    siq = s[:, None, None, :]
    sjp = s[None, :, :, None]
    sjq = s[None, :, None, :]
    den = sip + sjp
    return np.where(ok, a * (siq * sjp - sip * sjq) / np.where(ok, den, 1.0), 0.0)


def simulate(
    arrays: ScenarioArrays,
    *,
    rounds: int = 10,
    salience_weight: float = 0.4,
    fixed_weight: float = 0.1,
    variant: str = "equal-gain",
) -> dict[str, Any]:
    """Run the exchange rounds; return positions, voting positions, NBS and exchanges.

    Steps
    -----
    1. Unit scale; weights ``w = c·s`` (0 for absent actors); voting positions ``y = x``
       (:func:`_unit_inputs`).
    2. Within a round (:func:`_exchange_round`), repeat: compute every candidate exchange with :func:`candidate_gains`;
       realise the one with the highest gain (ties: the first in actor, actor, issue, issue
       order); move the two voting positions; the NBS of the two issues moves accordingly. The
       supplier's (actor, issue) slot is then used up for the round (an actor moves its voting
       position on an issue at most once per round), and an actor never both supplies and
       demands on one issue in a round. Every other exchange is recomputed against the new
       NBS. Stop when no exchange has a positive gain.
    3. End of round: ``x ← (1 − λ) x + λ y`` with ``λ = salience_weight·(1 − s) + fixed_weight``
       (an actor moves its own position further toward its voting position on issues it cares
       little about).
    4. Rounds stop early once a round realises no exchange (later rounds would repeat it;
       :func:`_simulation_result` pads them).

    Returns
    -------
    dict with ``history`` (rounds+1, n, k) start positions in issue units (round 0 = inputs),
    ``voting`` (rounds, n, k) the voting positions at the end of each round, ``nbs``
    (rounds+1, k) the NBS of each row of ``history``, ``exchanges`` (list of dicts: round,
    supplier on p ``i``, supplier on q ``j``, issues ``p``, ``q``, ``gain`` (unit scale ×
    salience, equal for both), ``shift_p``, ``shift_q`` (NBS moves, issue units)).

    References
    ----------
    Stokman, F. N. & Van Oosten, R. (1994), in Bueno de Mesquita & Stokman (eds.), *European
    Community Decision Making*, Yale UP, 105–127.
    """
    _check_params(
        {
            "rounds": rounds,
            "salience_weight": salience_weight,
            "fixed_weight": fixed_weight,
            "variant": variant,
        }
    )
    rounds = int(rounds)
    present, x, s, w, lam = _unit_inputs(arrays, salience_weight, fixed_weight)
    hist = [x.copy()]
    voting: list[FloatArray] = []
    exchanges: list[dict[str, Any]] = []
    for t in range(rounds):
        y, done = _exchange_round(arrays, t + 1, x, s, w, present, exchanges)
        voting.append(y)
        if done == 0:
            break
        x = np.where(present, (1.0 - lam) * x + lam * y, 0.0)
        hist.append(x.copy())
    return _simulation_result(arrays, rounds, hist, voting, exchanges, w, present)


def _unit_inputs(
    arrays: ScenarioArrays, salience_weight: float, fixed_weight: float
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Presence, unit-scale positions, saliences and weights ``c·s`` (0 where absent), and
    each actor's end-of-round step ``λ`` (step 1)."""
    present = np.asarray(arrays.present, bool)
    x = np.where(present, arrays.unit_positions(), 0.0)
    s = np.where(present, np.clip(arrays.salience, 0.0, None), 0.0)
    w = np.where(present, np.clip(arrays.capability, 0.0, None)[:, None] * s, 0.0)
    lam = np.where(present, float(salience_weight) * (1.0 - s) + float(fixed_weight), 0.0)
    return present, x, s, w, lam


def _exchange_round(
    arrays: ScenarioArrays,
    round_no: int,
    x: FloatArray,
    s: FloatArray,
    w: FloatArray,
    present: BoolArray,
    exchanges: list[dict[str, Any]],
) -> tuple[FloatArray, int]:
    """One round's exchanges, best first, until none gains (step 2); each is appended to
    ``exchanges``. Returns the round's voting positions and how many exchanges it made."""
    n, k = x.shape
    span = arrays.span
    y = x.copy()
    supplied = np.zeros((n, k), bool)
    demanded = np.zeros((n, k), bool)
    done = 0
    while True:
        c = candidate_gains(
            x, y, s, w, present, present & ~supplied & ~demanded, present & ~supplied
        )
        g = c["gain"]
        best = int(np.argmax(g))
        if g.flat[best] <= _GAIN_TOL:
            return y, done
        i, j, p, q = np.unravel_index(best, g.shape)
        y[i, p] += c["frac_i"][i, j, p, q] * (x[j, p] - y[i, p])
        y[j, q] += c["frac_j"][i, j, p, q] * (x[i, q] - y[j, q])
        supplied[i, p] = supplied[j, q] = True
        demanded[i, q] = demanded[j, p] = True
        done += 1
        exchanges.append(
            {
                "round": round_no,
                "i": arrays.actor_ids[i],
                "j": arrays.actor_ids[j],
                "p": arrays.issue_ids[p],
                "q": arrays.issue_ids[q],
                "gain": float(g.flat[best]),
                "shift_p": float(np.sign(x[j, p] - x[i, p]) * c["b"][i, j, p, q] * span[p]),
                "shift_q": float(np.sign(x[i, q] - x[j, q]) * c["a"][i, j, p, q] * span[q]),
            }
        )


def _simulation_result(
    arrays: ScenarioArrays,
    rounds: int,
    hist: list[FloatArray],
    voting: list[FloatArray],
    exchanges: list[dict[str, Any]],
    w: FloatArray,
    present: BoolArray,
) -> dict[str, Any]:
    """The rounds in issue units, padded to ``rounds`` (rounds after one without exchanges
    repeat it), with the NBS of each start position."""
    n, k = present.shape
    while len(hist) < rounds + 1:
        hist.append(hist[-1].copy())
    while len(voting) < rounds:
        voting.append(hist[-1].copy())

    def to_issue(u: FloatArray) -> FloatArray:
        return np.where(present, arrays.from_unit(u), np.nan)

    nbs_unit = np.stack([_nbs(h, w, present) for h in hist])
    nbs_unit = np.where(present.any(axis=0), nbs_unit, np.nan)
    return {
        "history": np.stack([to_issue(h) for h in hist]),
        "voting": np.stack([to_issue(v) for v in voting]) if voting else np.empty((0, n, k)),
        "nbs": arrays.from_unit(nbs_unit),
        "exchanges": exchanges,
    }


@register(
    "exchange",
    title="Position-exchange model (Stokman & Van Oosten; Equal Gain)",
    citation=(
        "Stokman, F. N. & Van Oosten, R. (1994) 'The exchange of voting positions: an "
        "object-oriented model of policy networks', in Bueno de Mesquita & Stokman (eds.) "
        "European Community Decision Making, Yale UP, 105–127; Arregui, J., Stokman, F. N. & "
        "Thomson, R. (2006) 'Compromise, exchange and challenge in the European Union', in "
        "Thomson, Stokman, Achen & König (eds.) The European Union Decides, CUP, ch. 5."
    ),
    dynamic=True,
    supports=("multi_issue",),
    params=dict(DEFAULTS),
    check_params=_check_params,
    cost=exchange_cost,
)
def run(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    rounds: int = 10,
    salience_weight: float = 0.4,
    fixed_weight: float = 0.1,
    variant: str = "equal-gain",
) -> Forecast:
    """Forecast each issue as its NBS after rounds of Equal-Gain position exchanges.

    Steps
    -----
    1. The NBS of each issue is the compromise point ``Σ c s x / Σ c s`` (round 0: exactly the
       compromise model).
    2. Each round, actors on opposite sides of the NBS on two issues, with different relative
       saliences, trade voting positions at the Equal-Gain rate; the best exchange is realised
       first and the rest recomputed (:func:`simulate`, :func:`candidate_gains`).
    3. After the round, each actor's position moves toward its voting position by
       ``salience_weight·(1 − s) + fixed_weight``.
    4. Forecast: the NBS of the positions after the last round.

    An issue on which no exchange is possible (fewer than two issues, everyone on one side)
    keeps its compromise forecast.

    Parameters
    ----------
    arrays : ScenarioArrays
    rng : ignored (the Equal-Gain model is deterministic)
    rounds : int
        Number of exchange rounds (default 10).
    salience_weight, fixed_weight : float
        The position update's weights (defaults 0.4 and 0.1).
    variant : ``"equal-gain"``
        Exchange-rate rule (only Equal Gain is implemented).

    Returns
    -------
    Forecast
        ``history`` (rounds+1, n, k) in issue units; ``extra``: ``nbs`` (rounds+1, k),
        ``voting`` (rounds, n, k), ``exchanges`` (list of dicts), ``n_exchanges``.

    References
    ----------
    Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an
    object-oriented model of policy networks. In B. Bueno de Mesquita & F. N. Stokman (eds.),
    *European Community Decision Making*, Yale UP, 105–127.
    Arregui, J., Stokman, F. N. & Thomson, R. (2006). Compromise, exchange and challenge in the
    European Union. In *The European Union Decides*, CUP, ch. 5.
    Stokman, F. N. & Thomson, R. (2015). Forecasting the Paris 2015 UNFCCC negotiations (Decide
    model documentation, bargaining-models.md §4.1).
    """
    sim = simulate(
        arrays,
        rounds=rounds,
        salience_weight=salience_weight,
        fixed_weight=fixed_weight,
        variant=variant,
    )
    fc = np.asarray(sim["nbs"][-1], dtype=np.float64)
    extra = {
        "nbs": sim["nbs"],
        "voting": sim["voting"],
        "exchanges": sim["exchanges"],
        "n_exchanges": len(sim["exchanges"]),
        "params": {
            "rounds": rounds,
            "salience_weight": salience_weight,
            "fixed_weight": fixed_weight,
            "variant": variant,
        },
    }
    return Forecast("exchange", arrays.issue_ids, arrays.actor_ids, fc, sim["history"], extra)
