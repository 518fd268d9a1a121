"""EU-aware models: the reference point, the vote rule, and the roles of the Commission and the EP.

These models read the procedure (``proc``: ``COD``/``CNS``) and the Council vote rule
(``counvte``: ``QMV``/``Unan``) of each issue from ``arrays.meta["issue_attributes"]`` (as the
DEU reader provides them) and the Commission and Parliament by their actor ids ``com`` and
``ep``. Where those are absent — any scenario that is not EU legislation, such as the Ukraine
example — each model says in its docstring what it falls back to; every fallback is the
compromise model or a part of it, so the models run on any scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from detente.models import _params
from detente.models.compromise import weighted_mean
from detente.models.registry import register
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

__all__ = [
    "issue_labels",
    "procedural_outcome",
    "role_weights",
    "run_procedural",
    "run_role",
    "run_sq",
]


def issue_labels(arrays: ScenarioArrays) -> tuple[np.ndarray, np.ndarray]:
    """Procedure and vote rule per issue, upper-cased; ``""`` where unknown.

    ``QMV(10)`` and other ``QMV…`` spellings become ``QMV``; ``UNAN…`` becomes ``UNAN``.
    """
    attrs = arrays.meta.get("issue_attributes") if arrays.meta else None
    k = arrays.n_issues
    if not attrs or len(attrs) != k:
        return np.full(k, "", dtype=object), np.full(k, "", dtype=object)
    proc = np.array([str(a.get("proc", "")).strip().upper() for a in attrs], dtype=object)
    vote = []
    for a in attrs:
        v = str(a.get("counvte", "")).strip().upper()
        vote.append("QMV" if v.startswith("QMV") else "UNAN" if v.startswith("UNAN") else v)
    return proc, np.array(vote, dtype=object)


def _actor_mask(arrays: ScenarioArrays, name: str) -> np.ndarray:
    return np.array([a == name for a in arrays.actor_ids], dtype=bool)


# --------------------------------------------------------------- status-quo pull
def _check_pulls(params: Mapping[str, Any]) -> dict[str, Any]:
    """``pull_unan`` and ``pull_qmv`` are shares of the way to the status quo, in [0, 1]."""
    for key, val in params.items():
        _params.number("sq-compromise", key, val, lo=0.0, hi=1.0)
    return dict(params)


def _check_roles(params: Mapping[str, Any]) -> dict[str, Any]:
    """The role weights are shares of the other actors' capability, finite and >= 0."""
    for key, val in params.items():
        _params.number("role-compromise", key, val, lo=0.0)
    return dict(params)


def _check_threshold(params: Mapping[str, Any]) -> dict[str, Any]:
    """``qmv_threshold`` is the weight share a qualified majority needs, in (0, 1]."""
    for key, val in params.items():
        _params.number("procedural", key, val, lo=0.0, hi=1.0, lo_open=True)
    return dict(params)


@register(
    "sq-compromise",
    title="Compromise pulled toward the reference point under unanimity",
    citation=(
        "Tsebelis, G. (2002) Veto Players, Princeton UP (unanimity enlarges the winset's "
        "dependence on the status quo); compromise model after Achen (2006) in The European "
        "Union Decides, ch. 10."
    ),
    supports=("status_quo",),
    params={"pull_unan": 0.2, "pull_qmv": 0.0},
    check_params=_check_pulls,
)
def run_sq(
    arrays: ScenarioArrays, *, rng: RNG = None, pull_unan: float = 0.2, pull_qmv: float = 0.0
) -> Forecast:
    """The compromise forecast moved part of the way toward the status quo, by vote rule.

    Steps
    -----
    1. Compromise ``m_j`` (capability × salience weighted mean).
    2. Pull ``θ_j = pull_unan`` on unanimity issues, ``pull_qmv`` on QMV issues, 0 elsewhere.
    3. ``x_j = (1 − θ_j) m_j + θ_j q_j`` with ``q_j`` the reference point; where ``q_j`` is
       unknown, ``x_j = m_j``.

    Under unanimity every member is a veto player, so only changes that all prefer to the status
    quo pass (Tsebelis 2002): outcomes should sit nearer the status quo than under QMV. The
    default 0.2 is an a-priori value, not tuned.

    Without vote-rule labels (non-EU scenarios) this is the compromise model.

    References
    ----------
    Tsebelis, G. (2002). *Veto Players: How Political Institutions Work*. Princeton UP.
    """
    _check_pulls({"pull_unan": pull_unan, "pull_qmv": pull_qmv})
    _, vote = issue_labels(arrays)
    base = arrays.weights()
    m = weighted_mean(arrays.position, base, arrays.present)
    theta = np.where(vote == "UNAN", pull_unan, np.where(vote == "QMV", pull_qmv, 0.0))
    q = arrays.status_quo
    fc = np.where(np.isfinite(q), (1 - theta) * m + theta * np.nan_to_num(q), m)
    return Forecast("sq-compromise", arrays.issue_ids, arrays.actor_ids, fc, extra={"pull": theta})


# --------------------------------------------------------------- role weights
def role_weights(
    arrays: ScenarioArrays,
    *,
    ep_cod: float = 1.0,
    ep_cns: float = 0.0,
    com_cod: float = 0.25,
    com_cns: float = 0.5,
) -> np.ndarray:
    """Capability × salience weights with the Commission and the EP weighted by procedure.

    The Commission's (``com``) and the Parliament's (``ep``) capability on issue *j* becomes a
    share of the total capability ``T_j`` of the other actors present: under COD (co-decision)
    ``ep_cod·T_j`` and ``com_cod·T_j``, under CNS (consultation) ``ep_cns·T_j`` and
    ``com_cns·T_j``; their salience is kept. Issues without a procedure, and scenarios without
    those actors, keep the plain capability × salience weights. See
    :func:`detente.backtest.datasets.role_capability` for the treaty basis of the defaults.
    """
    proc, _ = issue_labels(arrays)
    w = np.array(arrays.weights(), dtype=float)
    is_com, is_ep = _actor_mask(arrays, "com"), _actor_mask(arrays, "ep")
    others = arrays.present & ~(is_com | is_ep)[:, None]
    total = np.where(others, arrays.capability[:, None], 0.0).sum(axis=0)  # (k,)
    com_share = np.where(proc == "COD", com_cod, np.where(proc == "CNS", com_cns, np.nan))
    ep_share = np.where(proc == "COD", ep_cod, np.where(proc == "CNS", ep_cns, np.nan))
    for mask, share in ((is_com, com_share), (is_ep, ep_share)):
        if mask.any():
            new = share[None, :] * total[None, :] * arrays.salience[mask]
            w[mask] = np.where(np.isfinite(new) & arrays.present[mask], new, w[mask])
    return w


@register(
    "role-compromise",
    title="Compromise with the Commission and the EP weighted by their role under the procedure",
    citation=(
        "Crombez, C. (1996) 'Legislative procedures in the European Community', BJPolS 26(2); "
        "Tsebelis, G. & Garrett, G. (2000) 'Legislative politics in the European Union', EUP "
        "1(1); compromise model after Achen (2006)."
    ),
    params={"ep_cod": 1.0, "ep_cns": 0.0, "com_cod": 0.25, "com_cns": 0.5},
    check_params=_check_roles,
)
def run_role(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    ep_cod: float = 1.0,
    ep_cns: float = 0.0,
    com_cod: float = 0.25,
    com_cns: float = 0.5,
) -> Forecast:
    """Compromise model whose Commission and Parliament weights follow the procedure.

    Steps
    -----
    1. Weights from :func:`role_weights`: under co-decision the Parliament counts as much as
       the Council (``ep_cod = 1``) and the Commission a quarter of it; under consultation the
       Parliament's opinion does not bind (0) and the Commission, as agenda setter whose
       proposal the Council can amend only by unanimity, half of the Council.
    2. The weighted mean of positions with these weights.

    The defaults are a-priori readings of the treaties, not tuned. Without procedure labels or
    without ``com``/``ep`` actors it is the compromise model.

    References
    ----------
    Crombez, C. (1996). Legislative procedures in the European Community. *BJPolS* 26(2), 199–228.
    Tsebelis, G. & Garrett, G. (2000). Legislative politics in the EU. *EUP* 1(1), 9–36.
    """
    _check_roles({"ep_cod": ep_cod, "ep_cns": ep_cns, "com_cod": com_cod, "com_cns": com_cns})
    w = role_weights(arrays, ep_cod=ep_cod, ep_cns=ep_cns, com_cod=com_cod, com_cns=com_cns)
    fc = weighted_mean(arrays.position, w, arrays.present)
    return Forecast("role-compromise", arrays.issue_ids, arrays.actor_ids, fc)


# --------------------------------------------------------------- procedural model
def procedural_outcome(
    position: Any,
    weight: Any,
    present: Any,
    status_quo: Any,
    setter: Any,
    threshold: Any,
    second: Any = None,
) -> np.ndarray:
    """Agenda setter's best proposal that a weighted qualified majority prefers to the status quo.

    One-dimensional, Euclidean preferences. On issue *j*, orient the axis so that the setter's
    ideal ``a_j`` lies above the status quo ``q_j`` (``y = ±(x − q)``). Voter *i* at ``y_i``
    prefers ``y ≥ 0`` to the status quo iff ``y ≤ 2 y_i``. The largest ``y`` accepted by voters
    holding at least ``threshold`` of the weight is the ``threshold`` upper weighted quantile of
    ``max(2 y_i, 0)``. The setter proposes ``min(y_a, that bound)``; if a second chamber at
    ``y_s`` must also accept, the bound is also capped at ``max(2 y_s, 0)``.

    Parameters
    ----------
    position, weight, present : (n, k)
        The voters (e.g. the Council members).
    status_quo, setter : (k,)
        Status quo and the setter's ideal; ``nan`` gives ``nan``.
    threshold : (k,) float in (0, 1]
        Weight share needed (1 = unanimity).
    second : (k,) float or None
        Ideal point of a second veto player (the EP under co-decision); ``nan`` = none.

    Returns
    -------
    (k,) float
    """
    pos = np.asarray(position, float)
    q = np.asarray(status_quo, float)
    a = np.asarray(setter, float)
    sgn = np.where(a >= q, 1.0, -1.0)
    y = sgn * (pos - q)
    w = np.where(present, np.asarray(weight, float), 0.0)
    u = np.where(present, np.maximum(2.0 * y, 0.0), -np.inf)
    order = np.argsort(-u, axis=0, kind="stable")
    us = np.take_along_axis(u, order, axis=0)
    ws = np.take_along_axis(w, order, axis=0)
    cum = np.cumsum(ws, axis=0)
    total = cum[-1]
    need = np.asarray(threshold, float) * total - 1e-9 * np.maximum(total, 1.0)
    idx = np.argmax(cum >= need[None, :], axis=0)
    bound = np.take_along_axis(us, idx[None, :], axis=0)[0]
    bound = np.where(total > 0, bound, 0.0)
    if second is not None:
        s = np.asarray(second, float)
        bound = np.where(
            np.isfinite(s), np.minimum(bound, np.maximum(2.0 * sgn * (s - q), 0.0)), bound
        )
    ystar = np.clip(sgn * (a - q), 0.0, None)
    ystar = np.minimum(ystar, np.maximum(bound, 0.0))
    return q + sgn * ystar


@register(
    "procedural",
    title="Procedural model (Commission agenda setter, Council qualified majority, EP under COD)",
    citation=(
        "Steunenberg, B. (1994) 'Decision making under different institutional arrangements', "
        "JITE 150(4): 642–669; Crombez, C. (1996) 'Legislative procedures in the European "
        "Community', BJPolS 26(2): 199–228; Tsebelis, G. & Garrett, G. (2000) EUP 1(1): 9–36."
    ),
    supports=("status_quo",),
    params={"qmv_threshold": 0.71},
    check_params=_check_threshold,
)
def run_procedural(
    arrays: ScenarioArrays, *, rng: RNG = None, qmv_threshold: float = 0.71
) -> Forecast:
    """Procedural (spatial agenda-setting) model of EU legislation.

    Steps
    -----
    1. Voters: every actor other than ``com`` and ``ep``, weighted by capability (salience
       plays no part in a procedural model).
    2. Threshold: ``qmv_threshold`` of the weight under QMV, all of it under unanimity.
       The treaty thresholds: 62/87 ≈ 0.71 in the EU-15 (1995–2004); under Nice 260/352 ≈
       0.74 in the EU-28 (the weights of :data:`detente.backtest.datasets.NICE_WEIGHTS`;
       255/345 in the EU-27 of 2007–2013); the double majority after 2014 has no single
       weight threshold. The default 0.71 is the EU-15 figure, the regime of most DEU
       proposals.
    3. The Commission proposes its ideal point if the qualified majority prefers it to the
       reference point, else the point of the acceptance set nearest to it
       (:func:`procedural_outcome`); under COD the Parliament must prefer it to the reference
       point too.
    4. Fallbacks (documented): an issue without a reference point, without a Commission
       position, or without a vote rule gets the compromise forecast.

    Published comparisons find procedural models clearly less accurate than the compromise
    model on DEU (Achen 2006; Thomson 2011); it is here to report that honestly.

    References
    ----------
    Steunenberg, B. (1994). *JITE* 150(4), 642–669.
    Crombez, C. (1996). *BJPolS* 26(2), 199–228.
    """
    _check_threshold({"qmv_threshold": qmv_threshold})
    proc, vote = issue_labels(arrays)
    is_com, is_ep = _actor_mask(arrays, "com"), _actor_mask(arrays, "ep")
    voters = arrays.present & ~(is_com | is_ep)[:, None]
    comp = weighted_mean(arrays.position, arrays.weights(), arrays.present)
    k = arrays.n_issues
    setter = arrays.position[is_com][0] if is_com.any() else np.full(k, np.nan)
    ep = arrays.position[is_ep][0] if is_ep.any() else np.full(k, np.nan)
    second = np.where(proc == "COD", ep, np.nan)
    threshold = np.where(vote == "UNAN", 1.0, qmv_threshold)
    cap = np.broadcast_to(arrays.capability[:, None], arrays.position.shape)
    out = procedural_outcome(
        np.nan_to_num(arrays.position), cap, voters, arrays.status_quo, setter, threshold, second
    )
    ok = np.isfinite(arrays.status_quo) & np.isfinite(setter) & (vote != "") & voters.any(axis=0)
    fc = np.where(ok, out, comp)
    return Forecast("procedural", arrays.issue_ids, arrays.actor_ids, fc, extra={"procedural": ok})
