"""What changed between two recorded runs: :class:`RunDiff`.

Steps of :func:`diff_runs`:

1. read both runs (ids or unique prefixes);
2. the scenario inputs: when both runs hold a scenario and both parse, every actor's
   capability and every (actor, issue) position, salience and reservation that differs;
   otherwise only whether the scenario changed (its hash);
3. the parameters (flattened to dotted keys), the seed and the models run;
4. the forecasts, per issue and model, from every result that holds a ``forecast`` list
   beside its ``issues`` (a :class:`~detente.models.Forecast`'s ``to_dict()``, the
   predictions of ``backtest predict``), and an ensemble's medians (``q50``) per model and
   issue and its probability of a zone of agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detente.results import Result
from detente.store._export import tidy_rows

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.scenario.schema import Scenario
    from detente.store._db import RunStore
    from detente.store._rows import RunRecord

__all__ = ["Change", "RunDiff", "diff_runs"]

_COLUMNS = ("section", "field", "actor", "issue", "model", "a", "b")


@dataclass(frozen=True)
class Change:
    """One difference: in ``section`` (scenario, params, models, forecast), ``field``
    (position, salience, capability, a dotted parameter key, ...), where (actor, issue,
    model; empty when not applicable), its value in run a and in run b (``None``: absent)."""

    section: str
    field: str
    actor: str = ""
    issue: str = ""
    model: str = ""
    a: Any = None
    b: Any = None

    @property
    def change(self) -> float | None:
        """``b - a`` for two numbers, else ``None``."""
        if _is_num(self.a) and _is_num(self.b):
            return float(self.b) - float(self.a)
        return None


@dataclass(repr=False)
class RunDiff(Result):
    """The differences between run ``a`` and run ``b`` (see the module docstring).

    Attributes
    ----------
    a, b : str
        The two full run ids.
    changes : list of Change
        Every difference, in the order: scenario, params, models, forecast.
    scenario_changed : bool
        Whether the two runs' scenarios differ (by hash).
    scenario_compared : bool
        Whether the scenario inputs were compared value by value (both parsed).
    """

    a: str
    b: str
    changes: list[Change] = field(default_factory=list)
    scenario_changed: bool = False
    scenario_compared: bool = False

    def section(self, name: str) -> list[Change]:
        """The changes of one section."""
        return [c for c in self.changes if c.section == name]

    def to_df(self) -> pd.DataFrame:
        """One row per change: section, field, actor, issue, model, a, b, change."""
        import pandas as pd

        return pd.DataFrame([_row(c) for c in self.changes], columns=[*_COLUMNS, "change"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the two ids, the scenario flags and the list of changes."""
        from detente.results import jsonable

        return {
            "a": self.a,
            "b": self.b,
            "scenario_changed": self.scenario_changed,
            "scenario_compared": self.scenario_compared,
            "changes": [jsonable(_row(c)) for c in self.changes],
        }

    def summary(self) -> str:
        """Plain text: one line per change, grouped by section."""
        lines = [f"run {self.a} -> run {self.b}: {len(self.changes)} differences"]
        if self.scenario_changed and not self.scenario_compared:
            lines.append("  scenario: changed (not compared value by value)")
        for c in self.changes:
            where = " ".join(x for x in (c.actor, c.issue, c.model) if x)
            delta = "" if c.change is None else f" ({c.change:+.6g})"
            lines.append(
                f"  {c.section}: {c.field}{' ' + where if where else ''}: "
                f"{_show(c.a)} -> {_show(c.b)}{delta}"
            )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """The forecast changes (b − a) per issue and model as horizontal bars."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        moved = [c for c in self.section("forecast") if c.change is not None]
        labels = [f"{c.issue} ({c.model})" for c in moved]
        ax.barh(range(len(moved)), [float(c.change or 0.0) for c in moved])
        ax.set_yticks(range(len(moved)), labels)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel("forecast change, run b minus run a")
        ax.set_title(f"Forecast changes: {self.a} to {self.b}")
        return ax


def _row(c: Change) -> dict[str, Any]:
    """A change as a row of :meth:`RunDiff.to_df`: its fields and ``change``."""
    return {k: getattr(c, k) for k in _COLUMNS} | {"change": c.change}


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _show(x: Any) -> str:
    if x is None:
        return "-"
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def diff_runs(store: RunStore, a: str, b: str) -> RunDiff:
    """The :class:`RunDiff` from run ``a`` to run ``b`` of ``store`` (steps: module doc)."""
    ra, rb = store.get_run(a), store.get_run(b)
    out = RunDiff(ra.id, rb.id, scenario_changed=ra.scenario_hash != rb.scenario_hash)
    if out.scenario_changed:
        sa, sb = _parsed(store, ra), _parsed(store, rb)
        if sa is not None and sb is not None:
            out.scenario_compared = True
            out.changes += _scenario_changes(sa, sb)
    out.changes += _param_changes(ra, rb)
    out.changes += _model_changes(ra, rb)
    out.changes += _forecast_changes(ra, rb)
    return out


def _parsed(store: RunStore, run: RunRecord) -> Scenario | None:
    """The run's scenario parsed, or ``None`` (no scenario, or one that does not parse)."""
    from detente.store._rows import StoreError

    if run.scenario_hash is None:
        return None
    try:
        return store.load_scenario(run.scenario_hash)
    except StoreError:
        return None


def _scenario_changes(sa: Scenario, sb: Scenario) -> list[Change]:
    """Capabilities by actor; positions, saliences and reservations by actor and issue."""
    out: list[Change] = []
    cap_a = {x.id: x.capability for x in sa.actors}
    cap_b = {x.id: x.capability for x in sb.actors}
    for actor in dict.fromkeys([*cap_a, *cap_b]):
        va, vb = cap_a.get(actor), cap_b.get(actor)
        if va != vb:
            out.append(Change("scenario", "capability", actor=actor, a=va, b=vb))
    pa = {(p.actor, p.issue): p for p in sa.positions}
    pb = {(p.actor, p.issue): p for p in sb.positions}
    for key in dict.fromkeys([*pa, *pb]):
        for name in ("position", "salience", "reservation"):
            va = getattr(pa[key], name) if key in pa else None
            vb = getattr(pb[key], name) if key in pb else None
            if va != vb:
                out.append(Change("scenario", name, actor=key[0], issue=key[1], a=va, b=vb))
    return out


def _param_changes(ra: RunRecord, rb: RunRecord) -> list[Change]:
    """Parameters by dotted key, then the command and the seed."""
    out: list[Change] = []
    fa, fb = (dict(tidy_rows(r.params, lists=False)) for r in (ra, rb))
    for key in dict.fromkeys([*fa, *fb]):
        if fa.get(key) != fb.get(key):
            out.append(Change("params", key, a=fa.get(key), b=fb.get(key)))
    for name in ("command", "seed"):
        if getattr(ra, name) != getattr(rb, name):
            out.append(Change("params", name, a=getattr(ra, name), b=getattr(rb, name)))
    return out


def _model_changes(ra: RunRecord, rb: RunRecord) -> list[Change]:
    """A model run in one of the two runs only."""
    out = [
        Change("models", "model", model=m, a=True, b=False) for m in ra.models if m not in rb.models
    ]
    out += [
        Change("models", "model", model=m, a=False, b=True) for m in rb.models if m not in ra.models
    ]
    return out


def _forecasts(run: RunRecord) -> dict[tuple[str, str, str], Any]:
    """``(field, issue, model)`` → value: ``forecast`` from every result holding ``issues``
    and ``forecast`` lists (a Forecast), ``median`` (``q50``) per model and issue and
    ``probability_zone`` from an ensemble's ``forecasts`` block."""
    found: dict[tuple[str, str, str], Any] = {}
    for kind, payload in run.results.items():
        if not isinstance(payload, dict):
            continue
        found |= _point_forecasts(kind, payload)
        found |= _ensemble_medians(payload)
    return found


def _point_forecasts(kind: str, payload: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    issues, values = payload.get("issues"), payload.get("forecast")
    if not isinstance(issues, list) or not isinstance(values, list) or len(issues) != len(values):
        return {}
    model = str(payload.get("model") or kind)
    return {("forecast", str(i), model): v for i, v in zip(issues, values, strict=True)}


def _ensemble_medians(payload: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    block = payload.get("forecasts")
    found: dict[tuple[str, str, str], Any] = {}
    if not isinstance(block, dict):
        return found
    for model, per_issue in block.items():
        if not isinstance(per_issue, dict):
            continue
        for issue, stats in per_issue.items():
            if isinstance(stats, dict) and "q50" in stats:
                found[("median", str(issue), str(model))] = stats["q50"]
    if "probability_zone" in payload:
        found[("probability_zone", "", "")] = payload["probability_zone"]
    return found


def _forecast_changes(ra: RunRecord, rb: RunRecord) -> list[Change]:
    """Each forecast (issue, model) that differs, or is in one run only."""
    fa, fb = _forecasts(ra), _forecasts(rb)
    out = []
    for name, issue, model in dict.fromkeys([*fa, *fb]):
        va, vb = fa.get((name, issue, model)), fb.get((name, issue, model))
        if va != vb:
            out.append(Change("forecast", name, issue=issue, model=model, a=va, b=vb))
    return out
