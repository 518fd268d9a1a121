"""Ensembles of models: the mean or the median of named members' forecasts.

The combination rule is fixed in advance — the plain mean (``ensemble-mean``) or the median
(``ensemble-median``) of the members' forecasts, issue by issue — and no weight is learnt: the
only thing the ensemble learns is what its fittable members learn, each through its own
``train`` hook on the training data it is given. In the backtest's grouped cross-validation
every fittable member is therefore trained inside each fold on that fold's training issues
only, and the combination of the held-out forecasts is the same fixed rule, so the ensemble's
out-of-fold error is as honest as its members'. (Learning combination weights would need
forecasts the weights were not fitted on — a further nested loop — and with a few hundred
issues the weights would mostly fit noise; equal weights are the robust choice, Clemen 1989.)

References
----------
Bates, J. M. & Granger, C. W. J. (1969). The combination of forecasts. *Operational Research
Quarterly* 20(4), 451–468.
Clemen, R. T. (1989). Combining forecasts: a review and annotated bibliography. *International
Journal of Forecasting* 5(4), 559–583.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.models.registry import register
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.typing import RNG

if TYPE_CHECKING:
    from detente.resources import Cost

__all__ = ["DEFAULT_MEMBERS", "combine", "run_mean", "run_median", "train"]

DEFAULT_MEMBERS: tuple[str, ...] = ("learnt-power", "fitted-lite", "exchange")
"""The members fixed in advance: learnt actor power, the two-parameter fitted compromise, and
Stokman's exchange model (a different mechanism, close to the compromise model on DEU)."""


def combine(forecasts: Any, rule: str) -> np.ndarray:
    """Issue by issue, the ``rule`` (mean or median) of the members' ``(m, k)`` forecasts,
    ignoring members without a forecast (``nan``) on an issue; ``nan`` where none has one."""
    f = np.asarray(forecasts, float)
    ok = np.isfinite(f)
    out = np.full(f.shape[1], np.nan)
    some = ok.any(axis=0)
    if rule == "mean":
        s = np.where(ok, f, 0.0).sum(axis=0)
        out[some] = s[some] / ok.sum(axis=0)[some]
    else:
        for j in np.flatnonzero(some):
            out[j] = float(np.median(f[ok[:, j], j]))
    return out


def _check(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``members``: a list of two or more distinct registered models, none an ensemble;
    ``member_params``: a mapping of member names to their options (checked by each member).

    Raises
    ------
    ModelParamError
        ``field="<model>.members"`` or ``"<model>.member_params"`` (or the member's own
        ``<member>.<option>``), the value and what is allowed.
    """
    from detente.models import _params
    from detente.models.registry import _REGISTRY, get_model
    from detente.scenario.errors import ModelParamError

    _params.known(model, params, ("members", "member_params"))
    out = dict(params)
    members = out.get("members", DEFAULT_MEMBERS)
    known = sorted(n for n in _REGISTRY if not n.startswith("ensemble-"))
    ok = (
        isinstance(members, (list, tuple))
        and len(members) >= 2
        and all(isinstance(m, str) and m in known for m in members)
        and len(set(members)) == len(members)
    )
    if not ok:
        raise ModelParamError(
            f"model {model!r}: members must be two or more distinct registered models",
            field=f"{model}.members",
            value=members,
            allowed="a list of two or more of: " + ", ".join(known),
        )
    out["members"] = tuple(members)
    mp = out.get("member_params", {})
    if not isinstance(mp, Mapping) or any(k not in members for k in mp):
        raise ModelParamError(
            f"model {model!r}: member_params must map members to their options",
            field=f"{model}.member_params",
            value=mp,
            allowed="a mapping whose keys are among the members: " + ", ".join(members),
        )
    if "member_params" in out:
        out["member_params"] = {k: get_model(k).validate_params(v) for k, v in mp.items()}
    return out


def _run(model: str, arrays: ScenarioArrays, rng: RNG, params: dict[str, Any]) -> Forecast:
    """Every member's forecast (one child stream each, spawned from ``rng``), combined."""
    from detente.models.registry import get_model, require_positions, spawn_streams

    p = _check(model, params)
    members = p["members"]
    mp = p.get("member_params", {})
    streams: list[Any] = [None] * len(members) if rng is None else spawn_streams(rng, len(members))
    require_positions(arrays)
    fcs = np.vstack(
        [
            np.asarray(get_model(m).run(arrays, rng=s, **mp.get(m, {})).forecast, float)
            for m, s in zip(members, streams, strict=True)
        ]
    )
    rule = model.removeprefix("ensemble-")
    fc = combine(fcs, rule)
    return Forecast(
        model,
        arrays.issue_ids,
        arrays.actor_ids,
        fc,
        extra={"members": dict(zip(members, fcs, strict=True)), "rule": rule},
    )


def train(
    arrays: ScenarioArrays, outcome: Any, groups: Any, *, cap: Any = None, seed: int = 0
) -> dict[str, Any]:
    """The ``train`` hook of the default ensembles: each fittable member trained on the data
    given (its own ``train`` hook), the others as they are; no combination weight is learnt.

    Returns
    -------
    dict
        ``members``, ``member_params`` (the trained options of the fittable members) and
        ``_diagnostics`` (each member's).
    """
    from detente.models.registry import get_model, split_trained

    member_params: dict[str, Any] = {}
    diagnostics: dict[str, Any] = {}
    for m in DEFAULT_MEMBERS:
        info = get_model(m)
        if info.train is None:
            continue
        p, d = split_trained(info.train(arrays, outcome, groups, cap=cap, seed=seed))
        member_params[m] = p
        if d:
            diagnostics[m] = d
    return {
        "members": DEFAULT_MEMBERS,
        "member_params": member_params,
        "_diagnostics": {"members": diagnostics},
    }


def _cost(model: str) -> Callable[[int, int, Mapping[str, Any]], Cost]:
    """The cost function of ``model``: the sum of the members' times (they run one after
    another), the largest member's memory."""

    def cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
        from detente.models.registry import get_model
        from detente.resources import Cost

        members = params.get("members", DEFAULT_MEMBERS)
        mp = params.get("member_params", {}) or {}
        costs = [get_model(m).estimate_cost(n, k, mp.get(m, {})) for m in members]
        return Cost(
            what=f"model {model} ({len(costs)} members) on {n} actors x {k} issues",
            bytes=max(c.bytes for c in costs),
            seconds=sum(c.seconds for c in costs),
            hint=f"fewer or cheaper members (-m {model} with other members), or fewer actors",
        )

    return cost


_CITATION = (
    "Combination of forecasts after Bates & Granger (1969) and Clemen (1989): a rule fixed in "
    "advance, no weights learnt; members trained inside each cross-validation fold."
)
_PARAMS = {"members": DEFAULT_MEMBERS, "member_params": {}}


def _register_rule(name: str, title: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an ensemble ``name``: the two rules differ only in name, title and rule."""
    return register(
        name,
        title=title,
        citation=_CITATION,
        stochastic=True,
        draws_when="a member draws, e.g. smp with StateTransitions Stochastic",
        params=dict(_PARAMS),
        fittable=True,
        check_params=lambda p: _check(name, p),
        cost=_cost(name),
        train=train,
    )


@_register_rule("ensemble-mean", "Ensemble of models: the mean of the members' forecasts")
def run_mean(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    members: tuple[str, ...] = DEFAULT_MEMBERS,
    member_params: Mapping[str, Any] | None = None,
) -> Forecast:
    """The mean of the members' forecasts, issue by issue.

    Steps
    -----
    1. Check the members and their options.
    2. Run each member (a stochastic member gets its own child stream of ``rng``).
    3. :func:`combine` with the mean (members without a forecast on an issue left out).

    Without training, fittable members run with their registered defaults; in the backtest
    and ``detente backtest predict`` the ``train`` hook supplies their trained options.

    References
    ----------
    Bates, J. M. & Granger, C. W. J. (1969). The combination of forecasts. *Operational
    Research Quarterly* 20(4), 451–468.
    """
    return _run(
        "ensemble-mean", arrays, rng, {"members": members, "member_params": member_params or {}}
    )


@_register_rule("ensemble-median", "Ensemble of models: the median of the members' forecasts")
def run_median(
    arrays: ScenarioArrays,
    *,
    rng: RNG = None,
    members: tuple[str, ...] = DEFAULT_MEMBERS,
    member_params: Mapping[str, Any] | None = None,
) -> Forecast:
    """The median of the members' forecasts, issue by issue.

    Steps
    -----
    As :func:`run_mean`, combining with the median (robust to one member far off).

    References
    ----------
    Clemen, R. T. (1989). Combining forecasts: a review and annotated bibliography.
    *International Journal of Forecasting* 5(4), 559–583.
    """
    return _run(
        "ensemble-median", arrays, rng, {"members": members, "member_params": member_params or {}}
    )
