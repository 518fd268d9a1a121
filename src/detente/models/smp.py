"""KTAB's Spatial Model of Politics (SMP): multi-dimensional probabilistic Condorcet bargaining.

Implemented from the written description in ``shared/reference/bargaining-models.md`` §1.5–1.6
(no KTAB code was read or copied). Where the description leaves a detail open, the plausible
readings were tried and KTAB's deterministic reference logs decided; see
``docs/explanation/smp.md``. With KTAB's defaults the implementation reproduces the logs of
``dummyData_3Dim`` (11 states) and ``SOE-Pol-Comp`` (28 states): every actor's position on
every dimension at every turn within the logs' printed precision (0.05), and every logged
position probability to its 4 printed decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from detente.models import _params
from detente.models import _smp_core as _core
from detente.models._costs import smp_cost
from detente.models._smp_run import DEFAULTS, run_smp
from detente.models.registry import register, register_batch, spawn_streams
from detente.models.result import Forecast
from detente.resources import Cost
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import ModelParamError
from detente.scenario.ktab_params import KTAB_ALIASES, KTAB_PARAMETERS
from detente.typing import RNG

__all__ = [
    "PARAMETERS",
    "RUN_OPTIONS",
    "batch",
    "effective_power",
    "plot_positions",
    "plot_power_landscape",
    "run",
]

#: The nine SMP parameters: allowed values in KTAB's enum order (the one table,
#: :data:`detente.scenario.ktab_params.KTAB_PARAMETERS`; defaults in :data:`DEFAULTS`).
PARAMETERS = KTAB_PARAMETERS

#: The options of :func:`run` beyond KTAB's nine, and their defaults.
RUN_OPTIONS: dict[str, Any] = {"max_turns": 100, "exhaustive": False}


def _check_params(params: Mapping[str, Any], model: str = "smp") -> dict[str, Any]:
    """``params`` checked: KTAB's nine by their allowed values (``Prop`` read as
    ``Proportional``), ``max_turns`` a whole number >= 0, ``exhaustive`` true or false.

    Raises
    ------
    ModelParamError
        ``field="smp.<name>"``, the value and the allowed ones.
    """
    _params.known(model, params, [*KTAB_PARAMETERS, *RUN_OPTIONS])
    out = dict(params)
    for key, val in params.items():
        if key in KTAB_PARAMETERS:
            out[key] = _params.choice(
                model, key, KTAB_ALIASES.get(str(val), val), KTAB_PARAMETERS[key]
            )
        elif key == "max_turns":
            _params.integer(model, key, val, lo=0)
        elif key == "exhaustive":
            _params.boolean(model, key, val)
    return out


def _ktab_params(params: Mapping[str, Any]) -> dict[str, str]:
    """KTAB's nine parameters of one run: the defaults, then ``params`` (checked)."""
    checked = _check_params(params)
    return {**DEFAULTS, **checked}


def _file_message(model: str, options: Any, e: ModelParamError) -> ModelParamError:
    """``e`` (from the registry) reworded as ``model_params.<model>: <option> = <value>``."""
    option = (e.field or "").partition(".")[2]
    if not isinstance(options, Mapping):
        what = f"= {options!r}"
    elif option in options and "no option" not in e.message:
        what = f"{option} = {options[option]!r}"
    else:
        what = f"unknown parameter {option!r}"
    return ModelParamError(what, path=e.path, field=f"model_params.{model}", allowed=e.allowed)


def _file_params(meta: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The scenario file's own SMP parameters and seed, if it has any.

    ``meta["model_params"]`` (a :class:`~detente.scenario.schema.Scenario`'s
    ``model_params``, where the KTAB XML reader puts ``ModelParameters`` under ``"smp"`` and
    ``prngSeed`` under ``"seed"``); for arrays made directly by
    :func:`~detente.scenario.io.ktab.ktab_to_arrays`, ``meta["ktab_parameters"]`` and
    ``meta["seed"]``.
    """
    mp = meta.get("model_params") or {}
    params = mp.get("smp") if isinstance(mp, dict) else None
    seed = mp.get("seed") if isinstance(mp, dict) else None
    if params is None:
        params = meta.get("ktab_parameters")
    if seed is None:
        seed = meta.get("seed")
    return (dict(params) if isinstance(params, dict) else {}), _params.seed(seed)


def effective_power(capability: Any, salience: Any) -> Any:
    """Effective power of each actor on each dimension: capability × salience, ``(n, k)``."""
    return np.asarray(capability, float)[..., :, None] * np.asarray(salience, float)


def _pce_forecast(
    sub: ScenarioArrays,
    last: np.ndarray,
    p_last: np.ndarray,
    cap: np.ndarray,
    sal: np.ndarray,
    present: np.ndarray,
) -> np.ndarray:
    """Per issue, the PCE-probability-weighted mean of the distinct final positions, in issue
    units; ``nan`` on an issue no actor takes part in.

    A position class stands where its member with the most effective power stands.
    """
    rep = _core.unique_index(last)
    power = cap * sal.sum(axis=1)
    m = rep.size
    order = np.lexsort((np.arange(m), -power, rep))  # by class, strongest member first
    lead = np.zeros(m, dtype=bool)
    lead[order[np.r_[True, rep[order][1:] != rep[order][:-1]]]] = True
    # per issue, only actors present on it count (an absent actor's placeholder never pulls);
    # should no class leader with weight be present, the present actors' probabilities, and
    # failing those the present actors alike
    w = np.where(lead, p_last, 0.0)[:, None] * present
    for alt in (p_last[:, None] * present, present.astype(float)):  # two fallbacks, not actors
        w = np.where(w.sum(axis=0) > 0, w, alt)
    fc = sub.from_unit((w * last).sum(axis=0) / np.maximum(w.sum(axis=0), 1e-300))
    return np.where(present.any(axis=0), fc, np.nan)  # no actor takes part: no forecast


@register(
    "smp",
    title="KTAB Spatial Model of Politics (probabilistic Condorcet bargaining)",
    citation=(
        "Wise, B. P., Lester, L., Efird, B. et al. (2015–2019) KAPSARC Toolkit for Behavioral "
        "Analysis (KTAB): 'An Introduction to KTAB' and 'Multidimensional Bargaining using KTAB', "
        "KAPSARC discussion papers; KTAB source (MIT) examples/smp."
    ),
    stochastic=True,
    draws_when="StateTransitions is Stochastic",
    dynamic=True,
    supports=("multi_issue",),
    params={**DEFAULTS, **RUN_OPTIONS},
    check_params=_check_params,
    cost=smp_cost,
)
def run(  # long: its docstring is the algorithm's written description; the body is ~30 lines
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    max_turns: int = 100,
    exhaustive: bool = False,
    **params: Any,
) -> Forecast:
    """Run KTAB's Spatial Model of Politics until its stopping rule fires.

    Steps
    -----
    Each turn (``shared/reference/bargaining-models.md`` §1.5):

    1. Salience-weighted normalised Euclidean distance from every actor's ideal to every
       position; utility ``u(d, R) = (1 - d)(1 + d R)``.
    2. Risk attitudes R from the risk-neutral probabilistic Condorcet election (PCE, weights =
       capability) over **every actor's** position (equal positions are separate options), by
       ``BigRRange``; h's estimate of i's R by ``BigRAdjust``.
    3. The turn's position probabilities: PCE over the **distinct** positions (within 0.1 on the
       0–100 scale), each voter using its own R; each actor is given its position's probability.
    4. Each actor i picks the target j maximising its expected gain from challenging,
       ``D (1 - 2 S_j (1 - P_ij))`` with ``D = U(i,i) - U(i,j)`` and ``P_ij`` i's estimate of its
       chance, from the principals' votes and the third parties' votes under
       ``ThirdPartyCommit`` (each third party first weighs the "little contest" with its own
       vote added). No challenge when the best gain is not above 1e-5.
    5. Bargain: ``InterVecBrgn`` interpolation of the two positions (S2P2: weights
       ``s_i^2 P^2`` and ``s_j^2 (1-P)^2``, floor 1e-6), rounded to 4 decimals on 0–1.
    6. Each actor's queue (status quo, then each bargain it is party to, in initiator order)
       goes to a PCE among all actors, valuing a bargain by the mean utility of all positions
       with the two bargained positions substituted; ``Deterministic`` takes the most probable
       (first on ties), ``Stochastic`` draws one with ``rng``. The owner takes its part.
    7. Ideals move by the accommodation matrix (identity: ideal = position).
    8. Stop at ``max_turns`` or, from turn 2 on, when the summed Euclidean movement of this turn
       is below 2 % of the first turn's (+1e-4).

    The challenge search computes the exact third-party sums (an O(n) sum per pair) only for
    pairs whose bound on the gain can still reach the initiator's best; the result is the same
    as the exhaustive search (``exhaustive=True``), which the tests check.

    Parameters
    ----------
    arrays : ScenarioArrays
        Positions are mapped onto 0–1 by each issue's ``lo``/``hi``; saliences whose sum over
        issues exceeds 1 are scaled down to sum to 1 (KTAB requires at most 1). An absent
        actor is given salience 0 on that issue and the issue's mid-point.
    rng : seed or Generator, optional
        Used only with ``StateTransitions="Stochastic"``. When None, the scenario file's
        own seed (KTAB's ``prngSeed``) is used if it has one; numpy's generator cannot
        reproduce KTAB's draws, but the run is repeatable.
    max_turns : int
        KTAB's maxIter (100).
    exhaustive : bool
        Evaluate every (initiator, target) pair (slow; for checking).
    **params
        The nine KTAB parameters by name (``VictoryProbModel``, ``PCEModel``,
        ``StateTransitions``, ``VotingRule``, ``BigRAdjust``, ``BigRRange``,
        ``ThirdPartyCommit``, ``InterVecBrgn``, ``BargnModel``). Those not given are taken
        from the scenario file when it has them (``arrays.meta["model_params"]["smp"]``, as
        the KTAB XML reader stores ``ModelParameters``), otherwise KTAB's defaults. Keyword
        arguments win over the file.

    Returns
    -------
    Forecast
        ``history`` (turns+1, n, k) in issue units; ``forecast`` = per issue, the
        PCE-probability-weighted mean of the final positions of the actors present on it;
        ``extra``: ``prob`` (turns+1, n) each actor's position probability per turn, ``risk`` (turns+1, n), ``targets`` / ``bargain_initiator``
        (turns, n; -1 = none / status quo), ``stop_ratio``, ``effective_power`` (n, k),
        ``params``.

    References
    ----------
    Wise, B. P. et al., *An Introduction to the KAPSARC Toolkit for Behavioral Analysis (KTAB)*
    and *Multidimensional Bargaining using KTAB*, KAPSARC discussion papers; KTAB (MIT),
    ``examples/smp``; reference logs ``examples/smp/doc/20170530_ref-*.txt``.
    """
    _check_params({"max_turns": max_turns, "exhaustive": exhaustive})
    p, seed = _run_params(arrays.meta, params)
    gen = np.random.default_rng(seed if rng is None else rng)
    keep = np.asarray(np.asarray(arrays.present, bool).any(axis=1))  # absent everywhere: no part
    sub = arrays if keep.all() else arrays.subset(actors=np.flatnonzero(keep))
    present = np.asarray(sub.present, bool)
    pos = np.where(present, np.asarray(sub.to_unit(sub.position), float), 0.5)
    sal = np.where(present, np.asarray(sub.salience, float), 0.0)
    sal = sal / np.maximum(sal.sum(axis=1, keepdims=True), 1.0)
    cap = np.asarray(sub.capability, float)
    acc = None if sub.accommodation is None else np.asarray(sub.accommodation, float)
    if acc is not None and np.allclose(acc, np.eye(acc.shape[0])):
        acc = None
    tr = run_smp(
        np.clip(pos, 0.0, 1.0),
        sal,
        cap,
        acc,
        p,
        gen,
        max_turns=int(max_turns),
        exhaustive=exhaustive,
    )
    hist_u = np.stack(tr.positions)
    n, t_len = len(arrays.actor_ids), hist_u.shape[0]
    history = np.full((t_len, n, len(arrays.issue_ids)), np.nan)
    history[:, keep] = np.where(present[None], sub.from_unit(hist_u), np.nan)
    fc = _pce_forecast(sub, hist_u[-1], np.stack(tr.prob)[-1], cap, sal, present)
    extra = _extra(tr, keep, cap, sal, len(arrays.issue_ids))
    extra["params"] = p
    return Forecast(
        "smp", arrays.issue_ids, arrays.actor_ids, np.asarray(fc, float), history, extra
    )


def batch_cost(n: int, k: int, m: int, params: Mapping[str, Any]) -> Cost:
    """Estimated peak memory and time of :func:`batch` over ``m`` draws.

    The batch cuts draws into sub-batches whose largest per-turn array holds about
    ``_BLOCK`` (4M) numbers, so its memory is bounded whatever ``m``: at most one run's memory
    × ``m``, or about 16 such arrays of float64 (an allowance for the turn's temporaries).
    Time: ``m`` single runs (an upper bound; the batch shares each turn's work).
    """
    from dataclasses import replace

    from detente.models._smp_batch import _BLOCK

    one = smp_cost(n, k, params)
    bound = one.bytes + 16 * 8.0 * _BLOCK
    return replace(
        one,
        what=f"{one.what}, {m:,} draws",
        bytes=min(one.bytes * m, bound),
        seconds=one.seconds * m,
    )


@register_batch("smp", cost=batch_cost)
def batch(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    max_turns: int = 100,
    exhaustive: bool = False,
    **params: Any,
) -> np.ndarray:
    """SMP's forecasts for m draws of a scenario at once, ``(m, k)`` in issue units.

    Row d is exactly (bit for bit) ``run(draw d, rng=SeedSequence(rng).spawn(m)[d]).forecast``,
    what :func:`~detente.models.registry.run_batch` would give by looping.

    Steps
    -----
    1. Options as :func:`run` takes them; draw d's stream is ``SeedSequence(rng)``'s child
       d (used only with ``StateTransitions="Stochastic"``).
    2. The inputs on 0–1 as :func:`run` maps them, for every draw at once.
    3. With the proportional rule, ``SemiCommit``, the ``Conditional`` PCE,
       ``InitOnlyInterp``, no accommodation and fewer than 64 actors, the draws run their
       turns together (:func:`detente.models._smp_batch.run_draws`; a finished draw leaves
       the active set) in sub-batches of bounded memory, and the forecasts are taken for
       all of them at once; otherwise draw by draw with :func:`run`.

    Parameters
    ----------
    arrays : ScenarioArrays
        ``capability`` (m, n); ``position``, ``salience`` (m, n, k); ``present``, ``lo``,
        ``hi`` and ``accommodation`` shared by every draw.
    rng, max_turns, exhaustive, **params
        As for :func:`run`.

    Returns
    -------
    (m, k) float
        Each draw's forecast (``nan`` on an issue no actor takes part in).

    References
    ----------
    As :func:`run`.
    """
    from detente.models import _smp_batch
    from detente.scenario.draws import InputDraws

    _check_params({"max_turns": max_turns, "exhaustive": exhaustive})
    if arrays.n_draws is None:  # one scenario without a draw axis: one draw
        gen = spawn_streams(rng, 1)[0]
        one = run(arrays, rng=gen, max_turns=max_turns, exhaustive=exhaustive, **params)
        return np.asarray(one.forecast, float)[None]
    p, _ = _run_params(arrays.meta, params)
    draws = InputDraws(arrays)
    m = draws.m
    stochastic = p["StateTransitions"] == "Stochastic"
    gens: list[Any] = spawn_streams(rng, m) if stochastic else [None] * m
    keep = np.asarray(np.asarray(arrays.present, bool).any(axis=1))
    acc = None if arrays.accommodation is None else np.asarray(arrays.accommodation, float)
    if acc is not None and np.allclose(acc, np.eye(acc.shape[0])):
        acc = None
    if not _smp_batch.vectorisable(int(keep.sum()), p, acc, exhaustive):
        out = np.empty((m, arrays.n_issues))
        for d in range(m):
            one = draws.point(d)
            out[d] = run(one, rng=gens[d], max_turns=max_turns, exhaustive=exhaustive, **p).forecast
        return out
    return _batch_forecasts(arrays, keep, p, gens, int(max_turns))


def _batch_forecasts(
    arrays: ScenarioArrays,
    keep: np.ndarray,
    p: dict[str, str],
    gens: list[np.random.Generator],
    max_turns: int,
) -> np.ndarray:
    """The vectorised path of :func:`batch`: inputs on 0–1 as :func:`run` maps them, the
    draws' turns in sub-batches, and their forecasts."""
    from detente.models import _smp_batch

    present = np.asarray(arrays.present, bool)[keep]
    lo, span = np.asarray(arrays.lo, float), np.asarray(arrays.span, float)
    pos = np.where(present, (np.asarray(arrays.position, float)[:, keep] - lo) / span, 0.5)
    sal = np.where(present, np.asarray(arrays.salience, float)[:, keep], 0.0)
    sal = sal / np.maximum(sal.sum(axis=2, keepdims=True), 1.0)
    cap = np.asarray(arrays.capability, float)[:, keep]
    pos = np.clip(pos, 0.0, 1.0)
    m, n = cap.shape
    step = max(1, _smp_batch._BLOCK // n**3)
    out = np.empty((m, arrays.n_issues))
    for a0 in range(0, m, step):
        sl = slice(a0, min(m, a0 + step))
        last, p_last = _smp_batch.run_draws(pos[sl], sal[sl], cap[sl], p, gens[sl], max_turns)
        out[sl] = _smp_batch.forecast(last, p_last, cap[sl], sal[sl], present, lo, span)
    return out


def _run_params(
    meta: dict[str, Any], params: Mapping[str, Any]
) -> tuple[dict[str, str], int | None]:
    """KTAB's nine parameters of a run (keyword arguments over the file's over the defaults)
    and the file's seed; a bad option in the file is said as the file says it."""
    file_params, file_seed = _file_params(meta)
    try:
        _check_params(file_params)
    except ModelParamError as e:  # model_params.smp
        raise _file_message("smp", file_params, e) from None
    return _ktab_params({**file_params, **params}), file_seed


def _extra(tr: Any, keep: np.ndarray, cap: np.ndarray, sal: np.ndarray, k: int) -> dict[str, Any]:
    """The run's diagnostics, with the actors that took no part put back (prob 0, R nan,
    index -1)."""
    n, t_len = keep.size, len(tr.prob)
    kidx = np.flatnonzero(keep)
    prob = np.zeros((t_len, n))
    prob[:, keep] = np.stack(tr.prob)
    risk = np.full((t_len, n), np.nan)
    risk[:, keep] = np.stack(tr.risk)

    def expand(rows: list[np.ndarray]) -> np.ndarray:
        out = np.full((len(rows), n), -1)
        if rows:  # all turns at once: actor indices of the kept actors back to the scenario's
            a = np.stack(rows)
            out[:, kidx] = np.where(a >= 0, kidx[np.maximum(a, 0)], -1)
        return out

    eff = np.zeros((n, k))
    eff[keep] = effective_power(cap, sal)
    return {
        "prob": prob,
        "risk": risk,
        "targets": expand(tr.targets),
        "bargain_initiator": expand(tr.chosen),
        "stop_ratio": np.asarray(tr.stop_ratio),
        "effective_power": eff,
    }


# ----------------------------------------------------------------------------- plots
def plot_positions(forecast: Forecast, issue: int | str = 0, ax: Any = None) -> Any:
    """Positions of every actor by turn on one issue, with the PCE-weighted mean dashed.

    Line width grows with the actor's position probability at the last turn.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    j = forecast.issue_ids.index(issue) if isinstance(issue, str) else int(issue)
    h = forecast.history
    if h is None:
        raise ValueError("plot_positions needs a forecast with a history (a dynamic model)")
    prob = forecast.extra.get("prob")
    for i, a in enumerate(forecast.actor_ids):
        lw = 1.0 + (3.0 * float(prob[-1, i]) if prob is not None else 0.0)
        ax.plot(np.arange(h.shape[0]), h[:, i, j], lw=lw, label=a)
    if prob is not None:
        # PCE-weighted mean position per turn (each distinct position counted once)
        means = []
        for t in range(h.shape[0]):
            rep = _core.unique_index(np.nan_to_num(h[t]) / 100.0)
            w = np.where(rep == np.arange(rep.size), prob[t], 0.0)
            means.append(np.nansum(w * h[t, :, j]) / w.sum())
        ax.plot(np.arange(h.shape[0]), means, "k--", lw=1.5, label="PCE mean")
    ax.set_xlabel("turn")
    ax.set_ylabel(forecast.issue_ids[j])
    ax.set_title(f"{forecast.model}: positions by turn")
    if len(forecast.actor_ids) <= 14:
        ax.legend(fontsize="small", ncol=2)
    return ax


def plot_power_landscape(
    forecast: Forecast, issue: int | str = 0, ax: Any = None, bins: int = 20
) -> Any:
    """The effective power landscape: per turn, capability × salience stacked by position.

    A heat map with turns across and position bins up; each cell is the total effective power
    (capability × salience on the issue) of the actors standing in that bin at that turn.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    j = forecast.issue_ids.index(issue) if isinstance(issue, str) else int(issue)
    h = forecast.history
    if h is None:
        raise ValueError("plot_power_landscape needs a forecast with a history")
    power = np.asarray(forecast.extra["effective_power"])[:, j]
    lo, hi = np.nanmin(h[:, :, j]), np.nanmax(h[:, :, j])
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    idx = np.clip(np.digitize(h[:, :, j], edges) - 1, 0, bins - 1)  # (T, n)
    grid = np.zeros((h.shape[0], bins))
    np.add.at(
        grid,
        (np.repeat(np.arange(h.shape[0]), h.shape[1]), idx.ravel()),
        np.tile(power, h.shape[0]),
    )
    im = ax.imshow(
        grid.T,
        origin="lower",
        aspect="auto",
        extent=(-0.5, h.shape[0] - 0.5, lo, hi),
        cmap="viridis",
    )
    ax.figure.colorbar(im, ax=ax, label="effective power (capability × salience)")
    ax.set_xlabel("turn")
    ax.set_ylabel(forecast.issue_ids[j])
    ax.set_title(f"{forecast.model}: effective power landscape")
    return ax
