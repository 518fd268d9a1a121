"""Learnt actor power: the compromise model with each actor's clout learnt from a body's record.

The compromise model (Achen 2006) forecasts an issue as the weighted mean of the actors'
positions, with weight capability × salience. Which capability? Formal weights (Council votes)
predict EU outcomes poorly; an actor's real clout differs from its vote count, and a
published precedent fits it per actor to the EU-15 record with evolutionary search ("Power in
the European Union: an evolutionary computing approach", *Journal of European Integration*,
2021). This model learns it:

.. math::

    w_{ij} = m_i \\, c_{ij} \\, s_{ij}^{\\,p}, \\qquad
    \\hat x_j = \\frac{\\sum_i w_{ij} x_{ij}}{\\sum_i w_{ij}}

with ``c_ij`` the *prior* capability (``base="equal"``: every actor 1; ``base="capability"``:
the scenario's capability, e.g. the DEU loader's Council votes), ``m_i > 0`` a per-actor
multiplier learnt from past decisions, and ``p > 0`` a learnt salience exponent.

Fitting (:func:`fit_power`) minimises the mean absolute error (in points of a 0-100 scale) plus
``penalty · mean_i (log m_i)^2``, a ridge on the log-multipliers that pulls every actor toward
its prior (``m_i = 1``). Why least absolute error rather than maximum likelihood: the score the
model is judged by is the MAE; DEU outcomes are far from Gaussian around the weighted mean
(62 % of them sit exactly on some actor's position, 44 % on 0, 50 or 100:
benchmarks/results/deu_backtest.md), so a Gaussian likelihood would be misspecified and
dominated by the large misses, while the absolute loss is the M-estimator of the very quantity
scored and is robust to them. The absolute value is smoothed (``sqrt(r^2 + eps^2) - eps`` with
``eps = 0.5`` points) so that a quasi-Newton method (BFGS) can use the exact gradient.

The penalty strength and the prior (``base``) are chosen by grouped cross-validation *inside*
the training data (:func:`select_hyper`; folds by group — the DEU proposal), so in the backtest
they are chosen by nested CV and never see the outer test fold. Uncertainty comes from a
bootstrap over groups (:func:`learn_power`) with the chosen penalty and prior held fixed: a
Laplace approximation would need the Hessian of a non-smooth, penalised objective at a
boundary-prone optimum and would ignore that issues of one proposal share their errors; the
group bootstrap needs neither assumption.

Learnt weights are a property of one body — the Council, Commission and Parliament of the era
of the training record. **They do not transfer** to other negotiations: on a scenario without a
training record (the Miami example) the model runs with every multiplier at its prior (1) and
the salience exponent at :data:`DEFAULT_EXPONENT` (1, which makes it exactly the compromise
model) or at an exponent passed as a parameter.

References
----------
Achen, C. H. (2006). Evaluating political decision-making models. In R. Thomson, F. N. Stokman,
C. H. Achen & T. König (eds.), *The European Union Decides*, CUP, ch. 10.
"Power in the European Union: an evolutionary computing approach" (2021). *Journal of European
Integration*, doi:10.1080/07036337.2020.1835886.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.models import _params
from detente.models.compromise import weighted_mean
from detente.models.registry import register
from detente.models.result import Forecast
from detente.results import Result, jsonable
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "BASES",
    "DEFAULT_EXPONENT",
    "EPS",
    "PENALTIES",
    "LearntPower",
    "PowerFit",
    "apply",
    "fit_power",
    "learn_power",
    "learnt_forecast",
    "run",
    "select_hyper",
    "train",
]

DEFAULT_EXPONENT = 1.0
"""The salience exponent without a training record: 1, the compromise model's."""

PENALTIES: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
"""The grid of penalty strengths the inner cross-validation chooses from (fixed in advance)."""

BASES: tuple[str, ...] = ("equal", "capability")
"""The priors: every actor's capability 1, or the scenario's (formal) capability."""

EPS = 0.5
"""Smoothing of the absolute error, in points of a 0-100 scale."""

_LOG_M = 5.0  # bounds on log m_i: multipliers within [e^-5, e^5]
_LOG_P = (math.log(0.05), math.log(8.0))  # bounds on the salience exponent


# --------------------------------------------------------------------------- the forecast
def _prior_cap(arrays: ScenarioArrays, base: str, cap: Any) -> np.ndarray:
    """``(n, k)`` prior capability: ones (``equal``) or ``cap`` / the arrays' capability."""
    n, k = arrays.n_actors, arrays.n_issues
    if base == "equal":
        return np.ones((n, k))
    if cap is None:
        return np.broadcast_to(np.asarray(arrays.capability, float)[:, None], (n, k))
    return np.asarray(cap, float)


def _weights(arrays: ScenarioArrays, m: np.ndarray, p: float, c: np.ndarray) -> np.ndarray:
    """``w_ij = m_i c_ij s_ij^p`` on present actors, 0 elsewhere."""
    sal = np.clip(arrays.salience, 0.0, None)
    return np.where(arrays.present, m[:, None] * c * sal**p, 0.0)


def learnt_forecast(
    arrays: ScenarioArrays,
    multipliers: Any = None,
    exponent: float = DEFAULT_EXPONENT,
    *,
    base: str = "capability",
    cap: Any = None,
) -> np.ndarray:
    """The forecast ``x_j = Σ_i w_ij x_ij / Σ_i w_ij`` with ``w_ij = m_i c_ij s_ij^p``.

    Parameters
    ----------
    arrays : ScenarioArrays
    multipliers : (n,) float, a mapping actor id -> multiplier (missing actors 1), or None
    exponent : float
        The salience exponent ``p``.
    base : ``"equal"`` or ``"capability"``
        The prior capability ``c_ij``.
    cap : (n, k) float or None
        Capability per actor and issue when ``base="capability"`` (``None``: the arrays').

    Where every present actor has zero weight, the plain mean of their positions (as the
    compromise model does).
    """
    m = _multiplier_vector(arrays, multipliers)
    w = _weights(arrays, m, exponent, _prior_cap(arrays, base, cap))
    return np.asarray(weighted_mean(arrays.position, w, arrays.present), dtype=float)


def _multiplier_vector(arrays: ScenarioArrays, multipliers: Any) -> np.ndarray:
    if multipliers is None:
        return np.ones(arrays.n_actors)
    if isinstance(multipliers, Mapping):
        return np.array([float(multipliers.get(a, 1.0)) for a in arrays.actor_ids])
    return np.asarray(multipliers, float)


# --------------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class PowerFit:
    """One penalised fit: log-multipliers per actor of the arrays, the exponent, the setting.

    ``active`` marks the actors present on some training issue (the others stay at 1).
    """

    actor_ids: tuple[str, ...]
    log_m: np.ndarray
    exponent: float
    base: str
    penalty: float
    active: np.ndarray
    objective: float

    @property
    def multipliers(self) -> dict[str, float]:
        """Learnt multipliers of the actors seen in training (others are at their prior 1)."""
        return {
            a: float(np.exp(v))
            for a, v, on in zip(self.actor_ids, self.log_m, self.active, strict=True)
            if on
        }

    def params(self) -> dict[str, Any]:
        """The options :func:`run` takes."""
        return {"multipliers": self.multipliers, "exponent": self.exponent, "base": self.base}


def _scale(arrays: ScenarioArrays) -> np.ndarray:
    """Per issue, points of a 0-100 scale per issue unit."""
    span = np.asarray(arrays.hi, float) - np.asarray(arrays.lo, float)
    return np.where(span > 0, 100.0 / np.where(span > 0, span, 1.0), 1.0)


def _objective(
    theta: np.ndarray,
    arrays: ScenarioArrays,
    y: np.ndarray,
    c: np.ndarray,
    active: np.ndarray,
    penalty: float,
) -> tuple[float, np.ndarray]:
    """Smoothed MAE + ridge, and its exact gradient in ``(log m_active, log p)``.

    ``f_j = Σ w x / W``; ``∂f_j/∂log m_i = w_ij (x_ij − f_j) / W_j``;
    ``∂f_j/∂log p = Σ_i w_ij p ln(s_ij) (x_ij − f_j) / W_j``.
    """
    n = arrays.n_actors
    inside = np.append(np.abs(theta[:-1]) < _LOG_M, _LOG_P[0] < theta[-1] < _LOG_P[1])
    t = _clip(theta)
    log_m = np.zeros(n)
    log_m[active] = t[:-1]
    p = float(np.exp(t[-1]))
    w = _weights(arrays, np.exp(log_m), p, c)
    x = np.where(arrays.present, arrays.position, 0.0)
    wsum = w.sum(axis=0)
    f = weighted_mean(arrays.position, w, arrays.present)
    ok = wsum > 0
    d = np.where(ok, w * (x - f) / np.where(ok, wsum, 1.0), 0.0)  # (n, k)
    sc = _scale(arrays)
    r = (f - y) * sc
    root = np.sqrt(r * r + EPS * EPS)
    k = len(y)
    n_act = max(int(active.sum()), 1)
    loss = float(np.mean(root - EPS)) + penalty * float(np.sum(t[:-1] ** 2)) / n_act
    g_f = (r / root) * sc / k  # dL/df_j
    sal = np.clip(arrays.salience, 0.0, None)
    ln_s = np.where(sal > 0, np.log(np.where(sal > 0, sal, 1.0)), 0.0)
    grad_m = (d * g_f).sum(axis=1)[active] + 2.0 * penalty * t[:-1] / n_act
    grad_p = float((d * ln_s * p * g_f).sum())
    # outside the box the parameters are clipped: the objective is flat there
    return loss, np.where(inside, np.append(grad_m, grad_p), 0.0)


def _clip(theta: np.ndarray) -> np.ndarray:
    """``θ`` inside its box: ``|log m_i| <= 5``, ``p`` in [0.05, 8]."""
    return np.append(np.clip(theta[:-1], -_LOG_M, _LOG_M), np.clip(theta[-1], *_LOG_P))


def fit_power(
    arrays: ScenarioArrays,
    outcome: Any,
    *,
    penalty: float = 1.0,
    base: str = "equal",
    cap: Any = None,
    start: PowerFit | None = None,
) -> PowerFit:
    """Fit the multipliers and the salience exponent by penalised least absolute error.

    Steps
    -----
    1. Training issues: those with a finite outcome. Active actors: present on one of them.
    2. Parameters ``θ = (log m_i for active i, log p)``; objective
       ``mean_j ρ((x̂_j − y_j)·100/(hi_j − lo_j)) + penalty · mean_i (log m_i)^2`` with
       ``ρ(r) = sqrt(r^2 + EPS^2) − EPS`` (smoothed absolute error, points of a 0-100 scale).
    3. BFGS (scipy) with the exact gradient, from ``start`` (a previous fit; warm starts
       along a penalty path) or from the prior (``m = 1``, ``p = 1``); parameters are clipped
       to a box (multipliers within ``[e^-5, e^5]``, ``p`` within [0.05, 8]). (L-BFGS-B
       would take the box itself; no benchmark here compares the two.)

    Parameters
    ----------
    arrays : ScenarioArrays
    outcome : (k,) float (``nan`` = not a training issue)
    penalty : float >= 0
    base : ``"equal"`` or ``"capability"``
    cap : (n, k) float or None (the capability of ``base="capability"``)
    start : PowerFit or None

    Returns
    -------
    PowerFit
    """
    from scipy.optimize import minimize

    y_all = np.asarray(outcome, float)
    train = np.isfinite(y_all)
    sub = arrays.subset(issues=np.flatnonzero(train)) if not train.all() else arrays
    c_all = _prior_cap(arrays, base, cap)
    c = c_all[:, train] if not train.all() else c_all
    y = y_all[train]
    active: np.ndarray = np.asarray(np.asarray(sub.present, bool).any(axis=1), bool)
    theta0 = np.zeros(int(active.sum()) + 1)
    if start is not None and len(start.log_m) == arrays.n_actors:
        theta0 = np.append(start.log_m[active], math.log(start.exponent))
    if y.size == 0:
        best_theta, best_fun = theta0, math.nan
    else:
        r = minimize(
            _objective,
            theta0,
            args=(sub, y, c, active, float(penalty)),
            jac=True,
            method="BFGS",
            options={"maxiter": 1000},
        )
        best_theta, best_fun = _clip(np.asarray(r.x, float)), float(r.fun)
    log_m = np.zeros(arrays.n_actors)
    log_m[active] = best_theta[:-1]
    return PowerFit(
        actor_ids=tuple(arrays.actor_ids),
        log_m=log_m,
        exponent=float(np.exp(best_theta[-1])),
        base=base,
        penalty=float(penalty),
        active=active,
        objective=best_fun,
    )


def _mae(arrays: ScenarioArrays, y: np.ndarray, fc: np.ndarray) -> float:
    """Plain MAE in points of a 0-100 scale."""
    return float(np.mean(np.abs(fc - y) * _scale(arrays)))


def select_hyper(
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    penalties: Sequence[float] = PENALTIES,
    bases: Sequence[str] = BASES,
    n_inner: int = 5,
    seed: int = 0,
) -> tuple[float, str, list[dict[str, Any]]]:
    """Choose the penalty and the prior by grouped cross-validation on the data given.

    Steps
    -----
    1. ``n_inner`` folds by group (:func:`detente.models._fitting.grouped_folds`, ``seed``);
       fewer when there are fewer groups (at least 2).
    2. For each prior and each penalty (from the largest down, each fit warm-started from the
       previous one) fit on the other folds, score the plain MAE on the fold.
    3. The setting with the least mean out-of-fold MAE; ties go to the larger penalty, then
       to the earlier prior in ``bases``. When the two priors are the same capability (e.g.
       the equal option), only ``equal`` is tried.

    Called by :func:`train` on the training part of an outer fold, this is the *inner* loop
    of nested cross-validation: it sees nothing else.

    Returns
    -------
    penalty, base, table
        The choice and every setting's inner MAE (``base, penalty, mae``).
    """
    from detente.models._fitting import grouped_folds

    y = np.asarray(outcome, float)
    g = np.asarray(groups, dtype=object)
    bases = _distinct_bases(arrays, bases, cap)
    n_groups = len(set(map(str, g)))
    k_in = max(2, min(int(n_inner), n_groups))
    if n_groups < 2:
        return max(penalties), bases[0], []
    fold = grouped_folds(g, k_in, seed)
    order = sorted(penalties, reverse=True)
    table: list[dict[str, Any]] = []
    for base in bases:
        errs = {pen: np.full(len(y), np.nan) for pen in order}
        for f in range(k_in):
            test = fold == f
            if not test.any() or test.all():
                continue
            y_tr = np.where(test, np.nan, y)
            prev = None
            for pen in order:
                fit = fit_power(arrays, y_tr, penalty=pen, base=base, cap=cap, start=prev)
                prev = fit
                fc = learnt_forecast(arrays, np.exp(fit.log_m), fit.exponent, base=base, cap=cap)
                errs[pen][test] = fc[test]
        for pen in order:
            ok = np.isfinite(errs[pen]) & np.isfinite(y)
            sub = arrays.subset(issues=np.flatnonzero(ok))
            table.append(
                {"base": base, "penalty": float(pen), "mae": _mae(sub, y[ok], errs[pen][ok])}
            )
    best = min(
        range(len(table)),
        key=lambda i: (round(table[i]["mae"], 12), -table[i]["penalty"], i),
    )
    return table[best]["penalty"], table[best]["base"], table


def _distinct_bases(arrays: ScenarioArrays, bases: Sequence[str], cap: Any) -> list[str]:
    """``bases`` without ``capability`` when it is the same as ``equal`` up to a scale per
    issue (the weighted mean cannot tell them apart)."""
    out = list(dict.fromkeys(bases))
    if "capability" in out and "equal" in out:
        c = np.where(arrays.present, _prior_cap(arrays, "capability", cap), np.nan)
        with np.errstate(all="ignore"):
            rel = c / np.nanmax(c, axis=0, keepdims=True)
        if np.all(np.isnan(rel) | np.isclose(rel, 1.0, rtol=0, atol=1e-12)):
            out.remove("capability")
    return out


def train(
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    seed: int = 0,
    penalties: Sequence[float] = PENALTIES,
    bases: Sequence[str] = BASES,
    n_inner: int = 5,
) -> dict[str, Any]:
    """The ``train`` hook: choose penalty and prior by inner grouped CV, then fit on all.

    Steps
    -----
    1. :func:`select_hyper` on the data given (in the backtest: the outer training folds).
    2. :func:`fit_power` on every issue with an outcome, with the chosen setting.

    Returns
    -------
    dict
        ``multipliers`` (actors seen in training), ``exponent``, ``base`` — the options of
        :func:`run` — and ``_diagnostics``: ``penalty`` and the inner CV ``table``.
    """
    penalty, base, table = select_hyper(
        arrays, outcome, groups, cap=cap, penalties=penalties, bases=bases, n_inner=n_inner,
        seed=seed,
    )  # fmt: skip
    fit = fit_power(arrays, outcome, penalty=penalty, base=base, cap=cap)
    return {**fit.params(), "_diagnostics": {"penalty": penalty, "base": base, "inner": table}}


def apply(arrays: ScenarioArrays, params: Mapping[str, Any], cap: Any = None) -> np.ndarray:
    """The ``apply`` hook: :func:`learnt_forecast` with capability ``cap`` per actor and issue."""
    p = _check_params(dict(params))
    return learnt_forecast(
        arrays,
        p.get("multipliers"),
        p.get("exponent", DEFAULT_EXPONENT),
        base=p.get("base", "capability"),
        cap=cap,
    )


# --------------------------------------------------------------------------- options
def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``multipliers``: a mapping of actor ids to numbers > 0; ``exponent``: a number in
    (0, 8]; ``base``: ``equal`` or ``capability``.

    Raises
    ------
    ModelParamError
        ``field="learnt-power.<option>"`` (``learnt-power.multipliers.<actor>`` for a bad
        multiplier), the value and what is allowed.
    """
    from detente.scenario.errors import ModelParamError

    _params.known("learnt-power", params, ("multipliers", "exponent", "base"))
    out = dict(params)
    if "exponent" in out:
        out["exponent"] = _params.number(
            "learnt-power", "exponent", out["exponent"], lo=0.0, hi=8.0, lo_open=True
        )
    if "base" in out:
        out["base"] = _params.choice("learnt-power", "base", out["base"], BASES)
    if "multipliers" in out:
        m = out["multipliers"]
        if m is None:
            m = {}
        if not isinstance(m, Mapping):
            raise ModelParamError(
                "model 'learnt-power': multipliers are not a mapping of actor ids to numbers",
                field="learnt-power.multipliers",
                value=m,
                allowed="a mapping of actor ids to numbers > 0 (missing actors: 1)",
            )
        out["multipliers"] = {
            str(a): _params.number("learnt-power", f"multipliers.{a}", v, lo=0.0, lo_open=True)
            for a, v in m.items()
        }
    return out


@register(
    "learnt-power",
    title="Learnt actor power (compromise model, per-actor clout and salience exponent learnt)",
    citation=(
        "Compromise model after Achen (2006) in The European Union Decides, ch. 10; actor power "
        "fitted to a body's record as in 'Power in the European Union: an evolutionary "
        "computing approach', Journal of European Integration (2021), "
        "doi:10.1080/07036337.2020.1835886; here by penalised least absolute error with the "
        "penalty and prior chosen by nested cross-validation grouped by proposal."
    ),
    supports=(),
    params={"multipliers": {}, "exponent": DEFAULT_EXPONENT, "base": "capability"},
    fittable=True,
    check_params=_check_params,
    train=train,
    apply=apply,
)
def run(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    multipliers: Mapping[str, float] | None = None,
    exponent: float = DEFAULT_EXPONENT,
    base: str = "capability",
) -> Forecast:
    """Forecast with learnt actor power: ``w_ij = m_i c_ij s_ij^p``, the weighted mean.

    Steps
    -----
    1. Check the options (:func:`_check_params`).
    2. ``m_i`` from ``multipliers`` (actors not named: their prior, 1); ``c_ij`` the prior
       capability (``base``); ``p = exponent``.
    3. The weighted mean of the present actors' positions (:func:`learnt_forecast`).

    Learnt multipliers come from :func:`train` (or the backtest) on one body's record and
    describe that body only: **they do not transfer between bodies**. On a scenario without a
    training record leave ``multipliers`` empty — every actor at its prior — and the exponent
    at :data:`DEFAULT_EXPONENT` (1: the model is then exactly the compromise model) or set it.

    Parameters
    ----------
    arrays : ScenarioArrays
    rng : ignored (deterministic)
    multipliers : mapping actor id -> m_i > 0
    exponent : salience exponent p in (0, 8]
    base : ``"capability"`` (the scenario's capability as prior) or ``"equal"``

    References
    ----------
    Achen, C. H. (2006). Evaluating political decision-making models. In *The European Union
    Decides*, CUP, ch. 10.
    "Power in the European Union: an evolutionary computing approach" (2021). *Journal of
    European Integration*, doi:10.1080/07036337.2020.1835886.
    """
    p = _check_params({"multipliers": multipliers or {}, "exponent": exponent, "base": base})
    fc = learnt_forecast(arrays, p["multipliers"], p["exponent"], base=p["base"])
    return Forecast("learnt-power", arrays.issue_ids, arrays.actor_ids, fc, extra={"params": p})


# --------------------------------------------------------------------------- with intervals
@dataclass(repr=False)
class LearntPower(Result):
    """Learnt actor power with bootstrap intervals (:func:`learn_power`).

    Attributes
    ----------
    actor_ids : tuple of str
        The actors seen in training.
    multipliers, lo, hi : (n,) float
        Each actor's learnt multiplier ``m_i`` (relative to its prior, 1) and its interval.
    exponent, exponent_lo, exponent_hi : float
        The salience exponent and its interval.
    base : str
        The prior chosen (``equal`` or ``capability``).
    penalty : float
        The penalty chosen.
    inner : list of dict
        The inner cross-validation table that chose them (``base, penalty, mae``).
    n_boot, level, seed : the bootstrap settings; n_issues, n_groups : the training record.
    boot_log_m : (n_boot, n) float
        The bootstrap draws of ``log m_i`` (``nan`` where an actor was absent from a draw).
    """

    actor_ids: tuple[str, ...]
    multipliers: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    exponent: float
    exponent_lo: float
    exponent_hi: float
    base: str
    penalty: float
    inner: list[dict[str, Any]]
    n_boot: int
    level: float
    seed: int
    n_issues: int
    n_groups: int
    boot_log_m: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    boot_exponent: np.ndarray = field(default_factory=lambda: np.empty(0))

    def params(self) -> dict[str, Any]:
        """The options of :func:`run` (the point estimates)."""
        return {
            "multipliers": dict(zip(self.actor_ids, map(float, self.multipliers), strict=True)),
            "exponent": float(self.exponent),
            "base": self.base,
        }

    def to_df(self) -> pd.DataFrame:
        """One row per actor, then one for the exponent: ``term, actor, estimate, lo, hi``."""
        import pandas as pd

        rows = [
            {"term": "multiplier", "actor": a, "estimate": float(m), "lo": float(lo),
             "hi": float(hi)}
            for a, m, lo, hi in zip(self.actor_ids, self.multipliers, self.lo, self.hi,
                                    strict=True)
        ]  # fmt: skip
        rows.append(
            {"term": "exponent", "actor": "", "estimate": self.exponent,
             "lo": self.exponent_lo, "hi": self.exponent_hi}
        )  # fmt: skip
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Plain text: the setting chosen, the exponent and every actor's multiplier."""
        pct = f"{100 * self.level:.0f}%"
        lines = [
            f"Learnt actor power on {self.n_issues} issues in {self.n_groups} groups "
            f"(prior {self.base}, penalty {self.penalty:g} chosen by grouped CV; "
            f"{pct} intervals from {self.n_boot} bootstrap draws over groups, seed {self.seed})",
            f"salience exponent p = {self.exponent:.2f} [{self.exponent_lo:.2f}, "
            f"{self.exponent_hi:.2f}]",
            "multipliers m_i (1 = the prior):",
        ]
        order = np.argsort(-self.multipliers, kind="stable")
        w = max((len(a) for a in self.actor_ids), default=5)
        for i in order:
            lines.append(
                f"  {self.actor_ids[i]:<{w}}  {self.multipliers[i]:6.2f} "
                f"[{self.lo[i]:.2f}, {self.hi[i]:.2f}]"
            )
        lines.append("Learnt weights describe this body only; they do not transfer.")
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of every actor's multiplier with its interval (log scale), the
        prior (1) dashed; every actor labelled."""
        import matplotlib.pyplot as plt

        n = len(self.actor_ids)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 1.5 + 0.28 * n))
        order = np.argsort(self.multipliers, kind="stable")
        y = np.arange(n)
        m = self.multipliers[order]
        err = np.vstack([m - self.lo[order], self.hi[order] - m])
        ax.barh(y, m, color="#4c72b0", alpha=0.75, height=0.7)
        ax.errorbar(m, y, xerr=np.clip(err, 0, None), fmt="none", ecolor="k", capsize=2, lw=1)
        ax.axvline(1.0, color="grey", ls="--", lw=1, label="prior (1)")
        ax.set_yticks(y)
        ax.set_yticklabels([self.actor_ids[i] for i in order])
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xscale("log")
        ax.set_xlabel(
            f"multiplier m_i on the {self.base} prior ({100 * self.level:.0f}% bootstrap interval)"
        )
        ax.set_title(f"Learnt actor power (salience exponent {self.exponent:.2f})")
        ax.legend(fontsize="small", loc="lower right")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the setting, the estimates and intervals (the bootstrap draws left out)."""
        return jsonable(
            {
                "actors": list(self.actor_ids),
                "multipliers": self.multipliers,
                "lo": self.lo,
                "hi": self.hi,
                "exponent": self.exponent,
                "exponent_lo": self.exponent_lo,
                "exponent_hi": self.exponent_hi,
                "base": self.base,
                "penalty": self.penalty,
                "inner": self.inner,
                "n_boot": self.n_boot,
                "level": self.level,
                "seed": self.seed,
                "n_issues": self.n_issues,
                "n_groups": self.n_groups,
            }
        )


def learn_power(
    arrays: ScenarioArrays,
    outcome: Any,
    groups: Any,
    *,
    cap: Any = None,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    penalty: float | None = None,
    base: str | None = None,
    penalties: Sequence[float] = PENALTIES,
    bases: Sequence[str] = BASES,
    n_inner: int = 5,
) -> LearntPower:
    """Learnt actor power with intervals from a bootstrap over groups (proposals).

    Steps
    -----
    1. The penalty and the prior: given, or chosen by :func:`select_hyper` (grouped CV).
    2. :func:`fit_power` on every issue with an outcome.
    3. ``n_boot`` times: draw the groups with replacement (``seed``), refit with the same
       penalty and prior (warm-started at step 2's fit), keep ``log m_i`` of the actors present
       in the draw and the exponent.
    4. Percentile intervals at ``level``.

    Raises
    ------
    ValueError
        Bad ``n_boot`` or ``level``.
    """
    if not (isinstance(n_boot, int) and n_boot >= 1):
        raise ValueError(f"n_boot must be a whole number >= 1, not {n_boot!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level!r}")
    y = np.asarray(outcome, float)
    g = np.asarray(groups, dtype=object)
    inner: list[dict[str, Any]] = []
    if penalty is None or base is None:
        pen, bas, inner = select_hyper(
            arrays, y, g, cap=cap, penalties=penalties, bases=bases, n_inner=n_inner, seed=seed
        )
        penalty = pen if penalty is None else penalty
        base = bas if base is None else base
    full = fit_power(arrays, y, penalty=penalty, base=base, cap=cap)
    boot_m, boot_p = _bootstrap(arrays, y, g, cap, full, n_boot, seed)
    a = (1.0 - level) / 2.0
    act = full.active
    with np.errstate(all="ignore"):
        lo = np.exp(np.nanquantile(boot_m[:, act], a, axis=0))
        hi = np.exp(np.nanquantile(boot_m[:, act], 1.0 - a, axis=0))
    return LearntPower(
        actor_ids=tuple(np.asarray(arrays.actor_ids, dtype=object)[act]),
        multipliers=np.exp(full.log_m[act]),
        lo=lo,
        hi=hi,
        exponent=full.exponent,
        exponent_lo=float(np.quantile(boot_p, a)),
        exponent_hi=float(np.quantile(boot_p, 1.0 - a)),
        base=base,
        penalty=float(penalty),
        inner=inner,
        n_boot=n_boot,
        level=float(level),
        seed=seed,
        n_issues=int(np.isfinite(y).sum()),
        n_groups=len(set(map(str, g[np.isfinite(y)]))),
        boot_log_m=boot_m[:, act],
        boot_exponent=boot_p,
    )


def _bootstrap(
    arrays: ScenarioArrays,
    y: np.ndarray,
    g: np.ndarray,
    cap: Any,
    full: PowerFit,
    n_boot: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_boot`` refits on groups drawn with replacement: ``(n_boot, n)`` log m, ``(n_boot,)`` p."""
    from detente.progress import task

    rng = np.random.default_rng(seed)
    keys = np.asarray([str(x) for x in g])
    uniq = np.unique(keys[np.isfinite(y)])
    members = {u: np.flatnonzero((keys == u) & np.isfinite(y)) for u in uniq}
    c_all = None if cap is None else np.asarray(cap, float)
    out_m = np.full((n_boot, arrays.n_actors), np.nan)
    out_p = np.empty(n_boot)
    with task("learnt power: bootstrap", total=n_boot) as advance:
        for b in range(n_boot):
            pick = rng.choice(uniq, size=len(uniq), replace=True)
            idx = np.concatenate([members[u] for u in pick])
            sub = arrays.subset(issues=idx)
            fit = fit_power(
                sub, y[idx], penalty=full.penalty, base=full.base,
                cap=None if c_all is None else c_all[:, idx], start=full,
            )  # fmt: skip
            out_m[b] = np.where(fit.active, fit.log_m, np.nan)
            out_p[b] = fit.exponent
            advance()
    return out_m, out_p
