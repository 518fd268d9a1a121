"""Run registered models over DEU III and score them against the recorded outcomes.

Every model is run proposal by proposal (the actors present on a proposal, the capability of
the chosen option for that proposal's date and procedure), so static, dynamic, one- and
multi-dimensional models are treated alike. A fittable model (one with a ``train`` hook in the
registry: :mod:`detente.models.fitted`, :mod:`detente.models.learnt_power`, the ensembles) is
scored by its *out-of-fold* forecasts from cross-validation grouped by proposal; its in-sample
error is reported beside, never instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.backtest.datasets import DeuData, check_capability, load_deu, proposal_arrays
from detente.backtest.metrics import (
    METRICS,
    bootstrap_metric,
    format_interval,
    paired_bootstrap,
    paired_ratio,
)
from detente.results import Result, jsonable
from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.resources import Cost

__all__ = [
    "SUBSETS",
    "BacktestResult",
    "backtest_cost",
    "bootstrap_cost",
    "capability_matrix",
    "default_models",
    "interval_text",
    "predict_deu",
    "predict_file",
    "run_backtest",
    "subset_mask",
]

SUBSETS = ("all", "COD", "CNS", "QMV", "Unan")
"""Subsets scored: all issues, by procedure, by Council vote rule (labels as displayed)."""


def default_models() -> list[str]:
    """Every registered model (in registration order)."""
    from detente.models import list_models

    return [m.name for m in list_models()]


def capability_matrix(data: DeuData, capability: str) -> np.ndarray:
    """Capability of every actor on every issue, ``(n, k)``, under a capability option."""
    a = data.arrays
    cap = np.ones((a.n_actors, a.n_issues))
    pos = {aid: i for i, aid in enumerate(a.actor_ids)}
    for prop in _proposals(data):
        idx = np.flatnonzero(data.proposal == prop)
        sub = proposal_arrays(data, idx, capability)
        rows = np.array([pos[x] for x in sub.actor_ids], dtype=np.intp)
        cap[np.ix_(rows, idx)] = sub.capability[:, None]
    return cap


def _proposals(data: DeuData) -> list[Any]:
    seen: dict[Any, None] = {}
    for p in data.proposal:
        seen.setdefault(p, None)
    return list(seen)


def subset_mask(proc: Any, vote: Any, subset: str) -> np.ndarray:
    """Issues of a subset of :data:`SUBSETS`, from labels normalised by
    :func:`detente.models.procedural.issue_labels` (``"Unan"`` selects ``UNAN``)."""
    proc = np.asarray(proc, dtype=object)
    if subset == "all":
        return np.ones(len(proc), dtype=bool)
    key = subset.upper()
    return (proc == key) | (np.asarray(vote, dtype=object) == key)


def predict_deu(
    data: DeuData,
    model: str,
    *,
    capability: str = "equal",
    params: dict[str, Any] | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """One model's forecast for every issue of ``data``, run proposal by proposal.

    Steps
    -----
    1. ``equal`` and ``gdp`` give each actor one capability, so the model runs through
       :func:`detente.models.registry.run_by_group` on the proposals (``issue_groups``) —
       the very call ``detente forecast`` makes.
    2. ``council`` and ``council-roles`` give an actor a capability that depends on the
       proposal's date and procedure: for each proposal, the arrays of its issues and the
       actors present on any of them with that proposal's capability
       (:func:`~detente.backtest.datasets.proposal_arrays`), run one by one.
    3. Either way a stochastic model gets the streams of ``run_by_group``: child *n* of
       ``SeedSequence(seed).spawn(number of proposals)`` for the *n*-th proposal in order of
       first appearance (``seed`` itself when there is one proposal), so ``detente forecast
       --seed S`` and ``detente backtest --seed S`` draw alike on the same issues, and no
       result depends on which models ran before.
    4. Forecasts come back in issue order (``nan`` where the model gives none).
    """
    from detente.models import get_model
    from detente.models.registry import run_by_group, spawn_streams
    from detente.progress import task

    check_capability(data, capability)
    info = get_model(model)
    kw = info.validate_params(params or {})
    if capability in ("equal", "gdp"):
        a = data.arrays
        cap = np.ones(a.n_actors) if capability == "equal" else data.gdp
        fc = run_by_group(model, replace(a, capability=np.asarray(cap, float)), rng=seed, **kw)
        return np.asarray(fc.forecast, dtype=float)
    props = _proposals(data)
    rngs: list[Any] = spawn_streams(seed, len(props)) if len(props) > 1 else [seed]
    out = np.full(data.n_issues, np.nan)
    with task(f"{model}: proposals", total=len(props)) as advance:
        for prop, rng in zip(props, rngs, strict=True):
            idx = np.flatnonzero(data.proposal == prop)
            arr = proposal_arrays(data, idx, capability)
            fc = info.run(arr, rng=rng, **kw)
            out[idx] = np.asarray(fc.forecast, dtype=float)
            advance()
    return out


#: Seconds per (bootstrap draw x proposal x model) of the metrics table, and bytes per
#: (draw x proposal) at its peak (the draw and count matrices: four int64 arrays of that size).
#: The time constant is a one-off calibration on deu3-dev, rounded up.
_BOOT_SECONDS = 1e-6
_BOOT_BYTES = 32.0


def bootstrap_cost(n_boot: int, n_proposals: int, n_models: int) -> Cost:
    """Estimated peak memory and time of the proposal bootstrap behind
    :meth:`BacktestResult.to_df` (every metric, subset and paired difference)."""
    from detente.resources import Cost

    return Cost(
        what=f"the bootstrap of {n_boot:,} draws over {n_proposals} proposals",
        bytes=_BOOT_BYTES * n_boot * n_proposals,
        seconds=_BOOT_SECONDS * n_boot * n_proposals * n_models,
        hint="fewer bootstrap draws (--boot; 2000 is the default)",
    )


@dataclass(repr=False)
class BacktestResult(Result):
    """Forecasts and scores of several models on the same DEU issues.

    Attributes
    ----------
    issues : pandas.DataFrame
        One row per issue and model: ``issue, proposal, proc, vote, outcome, model, prediction,
        error, fallback`` (``fallback`` = the model gave no forecast and the baseline's was used).
    capability, baseline : str
    n_boot, seed, level : bootstrap settings
    fitted : dict
        For fitted models: ``in_sample_mae``, ``cv_mae``, ``n_folds``, ``params`` (fitted on all),
        ``fold_params``.
    failures : dict
        Models that raised, with the one-line reason.
    """

    issues: Any
    capability: str
    baseline: str
    n_boot: int
    seed: int
    level: float
    fitted: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _metrics: pd.DataFrame | None = field(default=None, init=False, compare=False)

    @property
    def models(self) -> list[str]:
        """The models scored, in the order they ran."""
        return list(dict.fromkeys(self.issues["model"]))

    def _headline(self) -> str:
        # summary() bootstraps every metric: too slow for a repr
        n = int(self.issues["issue"].nunique()) if len(self.issues) else 0
        return (
            f"DEU backtest of {len(self.models)} models on {n} issues "
            f"(capability={self.capability}, baseline {self.baseline})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the settings, ``metrics`` (the rows of :meth:`to_df`), ``issues``
        (the rows of the per-issue table), ``fitted`` and ``failures``; ``None`` where a number
        is missing."""
        return {
            "capability": self.capability,
            "baseline": self.baseline,
            "n_boot": int(self.n_boot),
            "seed": jsonable(self.seed),
            "level": float(self.level),
            "models": self.models,
            "metrics": jsonable(self.to_df().to_dict(orient="records")),
            "issues": jsonable(self.issues.to_dict(orient="records")),
            "fitted": jsonable(self.fitted),
            "failures": dict(self.failures),
        }

    def to_df(self) -> pd.DataFrame:
        """Metrics table: one row per model and subset (all, COD, CNS, QMV, Unan).

        Columns: ``model, subset, n, n_fallback``, then for each metric ``m`` in
        ``mae, rmse, within10``: ``m, m_lo, m_hi`` (the estimate and its proposal-bootstrap
        interval) and ``d_m, d_m_lo, d_m_hi`` (paired difference against the baseline);
        ``ratio, ratio_lo, ratio_hi`` (MAE / baseline MAE on the same resampled proposals); for
        fitted models ``in_sample_mae`` and ``cv`` = True (their rows use out-of-fold forecasts).
        """
        if self._metrics is None:
            self._metrics = self._bootstrap_metrics()
        return self._metrics.copy()

    def _bootstrap_metrics(self) -> pd.DataFrame:
        """The metrics table of :meth:`to_df`, bootstrapped once (progress per model)."""
        import pandas as pd

        from detente.progress import task

        rows = []
        base = self.issues[self.issues["model"] == self.baseline].set_index("issue")
        with task("bootstrap intervals", total=len(self.models)) as advance:
            for model in self.models:
                rows.extend(self._model_rows(model, base))
                advance()
        return pd.DataFrame(rows)

    def _model_rows(self, model: str, base: pd.DataFrame) -> list[dict[str, Any]]:
        """One model's metric rows, one per subset it has issues in."""
        rows = []
        df = self.issues[self.issues["model"] == model].set_index("issue")
        for subset in SUBSETS:
            mask = subset_mask(df["proc"].to_numpy(), df["vote"].to_numpy(), subset)
            if not mask.any():
                continue
            d = df[mask]
            e = d["error"].to_numpy(float)
            g = d["proposal"].to_numpy()
            row: dict[str, Any] = {
                "model": model,
                "subset": subset,
                "n": int(mask.sum()),
                "n_fallback": int(d["fallback"].sum()),
            }
            be = (
                base.loc[d.index, "error"].to_numpy(float) if self.baseline in self.models else None
            )
            for metric in METRICS:
                iv = bootstrap_metric(
                    e, g, metric, n_boot=self.n_boot, level=self.level, rng=self.seed
                )
                row[metric], row[f"{metric}_lo"], row[f"{metric}_hi"] = (
                    iv.estimate,
                    iv.lo,
                    iv.hi,
                )
                if be is not None:
                    dv = paired_bootstrap(
                        e, be, g, metric, n_boot=self.n_boot, level=self.level, rng=self.seed
                    )
                    row[f"d_{metric}"], row[f"d_{metric}_lo"], row[f"d_{metric}_hi"] = (
                        dv.estimate,
                        dv.lo,
                        dv.hi,
                    )
                if be is not None and metric == "mae":
                    rv = paired_ratio(
                        e, be, g, metric, n_boot=self.n_boot, level=self.level, rng=self.seed
                    )
                    row["ratio"], row["ratio_lo"], row["ratio_hi"] = rv.estimate, rv.lo, rv.hi
            info = self.fitted.get(model)
            row["cv"] = info is not None
            row["in_sample_mae"] = info["in_sample"][subset] if info else math.nan
            rows.append(row)
        return rows

    def table(self, subset: str = "all", metrics: Any = None) -> pd.DataFrame:
        """One subset's metrics as display text: one row per model, every interval formatted.

        Columns: ``model`` (``(CV)`` marks fitted models scored out of fold), ``n``, ``MAE``,
        ``ratio`` (MAE / baseline MAE, with its paired proposal-bootstrap interval), ``ΔMAE``, ``RMSE``, ``ΔRMSE``, ``within 10``,
        ``Δwithin 10``, ``in-sample MAE``, ``fallbacks``. ``metrics`` is ``to_df()`` if
        already computed.
        """
        import pandas as pd

        t = self.to_df() if metrics is None else metrics
        t = t[t["subset"] == subset]
        b = t[t["model"] == self.baseline]["mae"]
        base = float(b.iloc[0]) if len(b) else math.nan
        rows = []
        for _, r in t.iterrows():
            rows.append(
                {
                    "model": r["model"] + (" (CV)" if r["cv"] else ""),
                    "n": int(r["n"]),
                    "MAE": interval_text(r, "mae"),
                    "ratio": _ratio_text(r, base),
                    "ΔMAE": interval_text(r, "d_mae", signed=True),
                    "RMSE": interval_text(r, "rmse"),
                    "ΔRMSE": interval_text(r, "d_rmse", signed=True),
                    "within 10": interval_text(r, "within10"),
                    "Δwithin 10": interval_text(r, "d_within10", signed=True),
                    "in-sample MAE": (
                        f"{r['in_sample_mae']:.2f}" if np.isfinite(r["in_sample_mae"]) else ""
                    ),
                    "fallbacks": int(r["n_fallback"]),
                }
            )
        return pd.DataFrame(rows)

    def by_subset(self, metrics: Any = None) -> pd.DataFrame:
        """MAE by procedure and Council rule as display text: ``"mae (Δ [lo, hi])"`` per model
        (rows) and subset (columns headed ``"COD (n=151)"`` etc.)."""
        import pandas as pd

        t = self.to_df() if metrics is None else metrics
        subsets = [s for s in SUBSETS[1:] if s in set(t["subset"])]
        heads = {s: f"{s} (n={int(t[t['subset'] == s]['n'].iloc[0])})" for s in subsets}
        rows = []
        for m in self.models:
            row = {"model": m + (" (CV)" if m in self.fitted else "")}
            for s in subsets:
                r = t[(t["model"] == m) & (t["subset"] == s)]
                row[heads[s]] = (
                    "—"
                    if r.empty
                    else f"{r['mae'].iloc[0]:.2f} ({interval_text(r.iloc[0], 'd_mae', signed=True)})"
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self, subset: str = "all") -> str:
        """Plain text: the metrics of one subset, MAE by procedure and vote rule (for
        ``subset="all"``), the fitted parameters, and the models that failed."""
        metrics = self.to_df()
        head = (
            f"DEU backtest ({subset}; capability={self.capability}; "
            f"{100 * self.level:.0f}% proposal-bootstrap, {self.n_boot} draws, seed {self.seed}; "
            f"Δ = model − {self.baseline})"
        )
        lines = [head, _text(self.table(subset, metrics))]
        if subset == "all" and len(self.models):
            lines += [
                "",
                f"MAE by procedure and Council vote rule (Δ vs {self.baseline}):",
                _text(self.by_subset(metrics)),
            ]
        for m, info in self.fitted.items():
            ps = ", ".join(f"{k}={_param_text(v)}" for k, v in info["params"].items())
            lines.append(
                f"{m}: grouped {info['n_folds']}-fold CV MAE {info['cv_mae']:.2f} (shown above); "
                f"in-sample {info['in_sample_mae']:.2f}; fitted on all: {ps}"
            )
        lines += self._snap_lines(metrics)
        for m, why in self.failures.items():
            lines.append(f"{m} failed: {why}")
        return "\n".join(lines)

    def _snap_lines(self, metrics: pd.DataFrame) -> list[str]:
        """For each focal-point model: its difference to the baseline (all issues) in points
        and in per cent with their paired intervals, and the rules its CV folds chose."""
        from collections import Counter

        from detente.models.snap import is_snap

        lines = []
        t = metrics[metrics["subset"] == "all"].set_index("model")
        for m in self.models:
            if not is_snap(m) or m not in t.index or "d_mae" not in t.columns:
                continue
            r = t.loc[m]
            pct = (
                f"{100 * (r['ratio'] - 1):+.1f}% [{100 * (r['ratio_lo'] - 1):+.1f}%, "
                f"{100 * (r['ratio_hi'] - 1):+.1f}%]"
                if np.isfinite(r.get("ratio", math.nan))
                else "—"
            )
            line = f"{m} vs {self.baseline}: ΔMAE {interval_text(r, 'd_mae', signed=True)} ({pct})"
            folds = (self.fitted.get(m) or {}).get("fold_params") or []
            rules = Counter(_rule_text(p) for p in folds if "snap_focal" in p)
            if rules:
                line += "; rules chosen in the folds: " + ", ".join(
                    f"{k} ×{c}" for k, c in rules.most_common()
                )
            lines.append(line)
        return lines

    def plot(self, ax: Axes | None = None) -> Axes:
        """MAE with its interval per model and subset (points), the baseline dashed."""
        import matplotlib.pyplot as plt

        t = self.to_df()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.45 * len(self.models) * 1.0 + 2.5))
        models = self.models
        offsets = np.linspace(-0.3, 0.3, len(SUBSETS))
        for s, off in zip(SUBSETS, offsets, strict=True):
            d = t[t["subset"] == s].set_index("model").reindex(models)
            y = np.arange(len(models)) + off
            ax.errorbar(
                d["mae"], y, xerr=[d["mae"] - d["mae_lo"], d["mae_hi"] - d["mae"]],
                fmt="o", ms=4, capsize=2, label=s,
            )  # fmt: skip
        b = t[(t["subset"] == "all") & (t["model"] == self.baseline)]
        if len(b):
            ax.axvline(
                float(b["mae"].iloc[0]), color="k", ls="--", lw=1, label=f"{self.baseline} (all)"
            )
            ax.axvline(0.9 * float(b["mae"].iloc[0]), color="grey", ls=":", lw=1, label="10% below")
        ax.set_yticks(np.arange(len(models)))
        ax.set_yticklabels([m + (" (CV)" if m in self.fitted else "") for m in models])
        ax.invert_yaxis()
        ax.set_xlabel("mean absolute error (0–100 scale), 95% proposal-bootstrap interval")
        ax.set_title(f"DEU III backtest, capability = {self.capability}")
        ax.legend(fontsize="small", loc="lower right")
        return ax


def _param_text(v: Any) -> str:
    """A fitted option for the summary: numbers to 3 significant digits, mappings of numbers
    as ``{a: 1.2, b: 0.8}``, anything else as text."""
    if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
        return f"{v:.3g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_param_text(x)}" for k, x in v.items()) + "}"
    return str(v)


def _rule_text(p: dict[str, Any]) -> str:
    """A focal-point rule's options as ``positions+round ≤ 0.1``."""
    if not p.get("snap_distance"):
        return "no snapping"
    return f"{'+'.join(p['snap_focal'])} ≤ {p['snap_distance']:g}"


def _ratio_text(r: Any, base: float) -> str:
    """MAE / baseline MAE with its paired interval when computed (``"0.983 [0.962, 1.004]"``)."""
    if not base > 0:
        return "—"
    if np.isfinite(r.get("ratio", math.nan)):
        return format_interval(r["ratio"], r["ratio_lo"], r["ratio_hi"], digits=3)
    return f"{r['mae'] / base:.3f}"


def _text(df: Any) -> str:
    """A display table as plain text, the model names left-aligned."""
    w = max([len("model"), *map(len, df["model"])]) if len(df) else 5
    return str(df.to_string(index=False, formatters={"model": lambda s: f"{s:<{w}}"}))


def interval_text(row: Any, key: str, digits: int = 2, signed: bool = False) -> str:
    """``row[key]`` with ``row[key_lo]``, ``row[key_hi]`` as ``"24.46 [22.03, 27.03]"``
    (:func:`~detente.backtest.metrics.format_interval`; ``"—"`` when missing)."""
    v = row.get(key, math.nan)
    if v is None or not np.isfinite(v):
        return "—"
    return format_interval(v, row[key + "_lo"], row[key + "_hi"], digits=digits, signed=signed)


def run_backtest(
    data: DeuData | str | Path,
    models: list[str] | tuple[str, ...] | None = None,
    *,
    capability: str = "equal",
    baseline: str = "compromise",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    n_folds: int = 10,
    skip_failures: bool = True,
) -> BacktestResult:
    """Backtest models on a DEU III table with recorded outcomes.

    Steps
    -----
    1. Load the scored issues (outcome recorded, ≥ 3 actors with a valid position) and check
       the options against the table (:func:`_check_options`), then the estimated cost
       against the machine (:func:`backtest_cost`, :func:`detente.resources.check`).
    2. Forecast every issue with every model (:func:`_forecast_all`, :func:`predict_deu`); the
       baseline is always run. A fitted model is scored by its out-of-fold forecasts from
       ``n_folds``-fold cross-validation grouped by proposal; its in-sample error is kept for
       reference.
    3. Where a model gives no forecast (``nan``), the baseline's forecast is used and counted
       in ``n_fallback`` (:func:`_issue_table`).
    4. The result computes MAE, RMSE and the share within 10 points with proposal-bootstrap
       intervals, and paired differences against the baseline, overall and by procedure and
       vote rule (:meth:`BacktestResult.to_df`).

    Parameters
    ----------
    data : DeuData or path
    models : model names (default: every registered model)
    capability : one of ``equal, gdp, council, council-roles``
    baseline : the model every other is paired against
    skip_failures : record a model that raises in ``failures`` instead of raising

    Raises
    ------
    ScenarioError
        An option the table cannot serve (``n_folds`` beyond the number of proposals, ``gdp``
        without the GDP line, ...), naming the option, the value and the allowed range;
        :class:`~detente.scenario.errors.TooCostlyError` when the run would not fit in memory.
    """
    from detente.resources import check

    d = data if isinstance(data, DeuData) else load_deu(data)
    names = list(dict.fromkeys([baseline, *(models or default_models())]))
    _check_options(d, names, capability, n_boot, level, n_folds)
    check(backtest_cost(d, names, capability, n_folds), path=str(d.path))
    preds, fitted, failures = _forecast_all(
        d, names, capability, baseline, seed, n_folds, skip_failures
    )
    issues = _issue_table(d, preds, baseline)
    for info in fitted.values():
        _in_sample_errors(d, info)
    return BacktestResult(issues, capability, baseline, n_boot, seed, level, fitted, failures)


def _check_options(
    d: DeuData, names: list[str], capability: str, n_boot: int, level: float, n_folds: int
) -> None:
    """Refuse, before any model runs, the options this table cannot serve."""
    from detente.models import get_model

    infos = [get_model(n) for n in names]  # unknown names fail early, with the known ones
    if d.n_issues == 0:
        raise ScenarioError(
            "no issue has a recorded outcome ('out') and at least 3 valid positions",
            path=d.path,
            allowed="a table with outcomes; use `detente backtest predict` for blind forecasts",
        )
    if not np.isfinite(d.outcome).all():
        raise ScenarioError(
            "some scored issues have no outcome", path=d.path, allowed="outcomes on every issue"
        )
    check_capability(d, capability)
    n_props = len(_proposals(d))
    if any(i.fittable for i in infos) and not (
        isinstance(n_folds, int) and 2 <= n_folds <= max(2, n_props)
    ):
        raise ScenarioError(
            f"cannot cross-validate with {n_folds} folds on {n_props} proposals",
            path=d.path,
            field="n_folds",
            value=n_folds,
            allowed=f"a whole number from 2 to {max(2, n_props)} (the number of proposals)",
        )
    if not (isinstance(n_boot, int) and n_boot >= 1):
        raise ScenarioError(
            "bootstrap draws", field="n_boot", value=n_boot, allowed="a whole number >= 1"
        )
    if not 0.0 < float(level) < 1.0:
        raise ScenarioError(
            "interval level", field="level", value=level, allowed="a number in (0, 1)"
        )


def backtest_cost(d: DeuData, names: list[str], capability: str, n_folds: int) -> Cost:
    """Estimated peak memory and time of forecasting every issue of ``d`` with ``names``.

    Each model runs proposal by proposal (:func:`~detente.models.registry.group_cost`); a
    fittable model is counted as ``n_folds + 1`` fits of 6000 forecasts each; an ensemble (a
    model with ``members``) costs its members' fits plus ``n_folds + 1`` runs of every member.
    The 6000 is a rough size for refusing runs far too large, not a timing: on the dev part
    it estimates 35 s for learnt-power's 10-fold CV, which benchmarks/results/learnt.md
    measured at 156 s on a shared machine, and 1209 s for an ensemble, measured at 756-892 s.
    """
    from detente.models.registry import group_cost
    from detente.resources import Cost

    peak, seconds = 0.0, 0.0
    for name in names:
        c = group_cost(name, d.arrays, {})
        peak = max(peak, c.bytes)
        seconds += _fit_seconds(d, name, n_folds)
    return Cost(
        what=f"backtest of {len(names)} models on {d.n_issues} issues",
        bytes=peak,
        seconds=seconds,
        hint="score fewer models (-m), or leave out the costly ones (smp, eu)",
    )


def _fit_seconds(d: DeuData, name: str, n_folds: int) -> float:
    """Estimated seconds of one model in the backtest (see :func:`backtest_cost`)."""
    from detente.models import get_model
    from detente.models.registry import group_cost

    info = get_model(name)
    members = info.params.get("members")
    if info.fittable and members:
        runs = sum(group_cost(m, d.arrays, {}).seconds for m in members) * (n_folds + 1)
        return runs + sum(_fit_seconds(d, m, n_folds) for m in members if get_model(m).fittable)
    one = group_cost(name, d.arrays, {}).seconds
    return one * (6000.0 * (n_folds + 1) if info.fittable else 1.0)


def _forecast_all(
    d: DeuData,
    names: list[str],
    capability: str,
    baseline: str,
    seed: int,
    n_folds: int,
    skip_failures: bool,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]], dict[str, str]]:
    """Every model's forecasts (out of fold for fitted ones), their fit details, failures."""
    from detente.models import get_model
    from detente.progress import task

    preds: dict[str, np.ndarray] = {}
    fitted: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    with task("backtest: models", total=len(names)) as advance:
        for n in names:
            try:
                if get_model(n).fittable:
                    preds[n], fitted[n] = _cv_fitted(d, capability, n_folds, seed, n)
                else:
                    preds[n] = predict_deu(d, n, capability=capability, seed=seed)
            except Exception as e:
                if not skip_failures or n == baseline:
                    raise
                failures[n] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            advance()
    return preds, fitted, failures


def _issue_table(d: DeuData, preds: dict[str, np.ndarray], baseline: str) -> Any:
    """One row per issue and model; the baseline's forecast where a model gave none."""
    import pandas as pd

    base = preds[baseline]
    frames = []
    for n, p in preds.items():
        fb = ~np.isfinite(p)
        p = np.where(fb, base, p)
        frames.append(
            pd.DataFrame(
                {
                    "issue": list(d.arrays.issue_ids),
                    "proposal": d.proposal,
                    "proc": d.proc,
                    "vote": d.vote,
                    "outcome": d.outcome,
                    "model": n,
                    "prediction": p,
                    "error": p - d.outcome,
                    "fallback": fb,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _in_sample_errors(d: DeuData, info: dict[str, Any]) -> None:
    """A fitted model's in-sample MAE, overall and by subset, into ``info``."""
    ins = info.pop("_in_sample_pred")
    err = ins - d.outcome
    info["in_sample"] = {}
    for s in SUBSETS:
        m = subset_mask(d.proc, d.vote, s)
        info["in_sample"][s] = float(np.mean(np.abs(err[m]))) if m.any() else math.nan
    info["in_sample_mae"] = info["in_sample"]["all"]


def _cv_fitted(
    d: DeuData, capability: str, n_folds: int, seed: int, name: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """A fittable model's out-of-fold forecasts and its fit details, through its ``train`` hook.

    Steps
    -----
    1. The ``(n, k)`` capability of the option (:func:`capability_matrix`).
    2. Grouped cross-validation by proposal (:func:`detente.models._fitting.cross_validate`):
       each fold's model is trained on the other folds' issues only.
    3. Trained on every issue for the in-sample error and the parameters reported.

    Forecasts for trained options come from :func:`_apply_trained`.
    """
    from detente.models._fitting import cross_validate, train_on

    cap = capability_matrix(d, capability)

    def forecast(params: dict[str, Any]) -> np.ndarray:
        return _apply_trained(d, name, params, capability, cap, seed)

    oof, fold_params, fold_diag = cross_validate(
        name, d.arrays, d.outcome, d.proposal, cap=cap, n_folds=n_folds, seed=seed,
        predict=forecast,
    )  # fmt: skip
    params, diagnostics = train_on(name, d.arrays, d.outcome, d.proposal, cap=cap, seed=seed)
    ins = forecast(params)
    cv_mae = float(np.mean(np.abs(oof - d.outcome)))
    out: dict[str, Any] = {
        "params": params,
        "fold_params": fold_params,
        "n_folds": n_folds,
        "cv_mae": cv_mae,
        "_in_sample_pred": ins,
    }
    if diagnostics or any(fold_diag):
        out["diagnostics"] = diagnostics
        out["fold_diagnostics"] = fold_diag
    return oof, out


def _apply_trained(
    d: DeuData, name: str, params: dict[str, Any], capability: str, cap: Any, seed: int
) -> np.ndarray:
    """Forecasts of model ``name`` with trained options ``params`` on every issue of ``d``:
    its ``apply`` hook with the ``(n, k)`` capability ``cap`` when it has one, else the model
    run proposal by proposal (:func:`predict_deu`)."""
    from detente.models import get_model

    apply = get_model(name).apply
    if apply is not None:
        return np.asarray(apply(d.arrays, params, cap), dtype=float)
    return predict_deu(d, name, capability=capability, params=params, seed=seed)


def predict_file(
    train: str | Path,
    holdout: str | Path,
    model: str,
    *,
    capability: str = "equal",
    min_actors: int = 3,
    seed: int = 0,
) -> Any:
    """Blind forecasts for a DEU table without outcomes.

    Steps
    -----
    1. Read the held-out inputs; keep the issues with at least ``min_actors`` valid positions
       (outcomes are neither needed nor read).
    2. A fittable model is trained on ``train`` only (all its issues with an outcome) through
       its ``train`` hook, then applied to the held-out issues (its ``apply`` hook, or run
       proposal by proposal with the trained options); any other model runs on the held-out
       inputs directly (``train`` is read only to check it).
    3. Issues where the model gives no forecast get the compromise forecast.

    Returns
    -------
    pandas.DataFrame with columns exactly ``issue, model, prediction``.
    """
    import pandas as pd

    from detente.models import get_model

    get_model(model)
    hold = load_deu(holdout, need_outcome=False, min_actors=min_actors)
    tr = load_deu(train)
    if tr.n_issues == 0:
        raise ScenarioError(
            "no issue with an outcome and at least 3 valid positions",
            path=train,
            allowed=(
                "a DEU III table with outcomes ('out' column) to train on, such as "
                "deu3-dev.tsv; the held-out inputs have none"
            ),
        )
    info = get_model(model)
    if info.fittable:
        from detente.models._fitting import train_on

        params, _ = train_on(
            model, tr.arrays, tr.outcome, tr.proposal, cap=capability_matrix(tr, capability),
            seed=seed,
        )  # fmt: skip
        pred = _apply_trained(
            hold, model, params, capability, capability_matrix(hold, capability), seed
        )
    else:
        pred = predict_deu(hold, model, capability=capability, seed=seed)
    if not np.isfinite(pred).all():
        comp = predict_deu(hold, "compromise", capability=capability)
        pred = np.where(np.isfinite(pred), pred, comp)
    return pd.DataFrame({"issue": list(hold.arrays.issue_ids), "model": model, "prediction": pred})
