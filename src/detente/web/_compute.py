"""What the dashboard runs: forecasts, analyses, ensembles and simulations of a scenario, with
options checked before any work, and their charts drawn by the results' own plotting methods.

Every run is a function of (scenario, kind, options, seed): the dashboard always fixes a seed
(a fresh one when none is given) and records it, so that a run's chart can be drawn again from
the store alone.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario
    from detente.store import RunRecord

__all__: list[str] = []

#: The kinds of run the dashboard launches (each recorded under the CLI command of its name).
KINDS = ("forecast", "analyze", "ensemble", "simulate")

#: The result kind an ensemble or a simulation records (see :func:`payloads` for the others).
_RESULT_KIND = {"ensemble": "ensemble", "simulate": "simulation"}

#: Bounds on the sizes a form may ask for (a browser is no place for an hours-long run).
MAX_DRAWS = 5_000
MAX_RUNS = 2_000

#: matplotlib's pyplot is not thread-safe: one chart at a time.
PLOT_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunSpec:
    """A checked request: the kind, the models, the sizes and the seed."""

    kind: str
    models: tuple[str, ...]
    seed: int
    draws: int = 0
    runs: int = 0

    def params(self) -> dict[str, Any]:
        """The options recorded in the store (without the models and seed, kept apart)."""
        out: dict[str, Any] = {}
        if self.kind == "ensemble":
            out["draws"] = self.draws
        if self.kind == "simulate":  # every run on the point values (the CLI's --point)
            out["runs"], out["point"] = self.runs, True
        return out


def _whole(raw: Any, name: str, default: int, lo: int, hi: int) -> int:
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        raise ScenarioError(
            "out of range", field=name, value=raw, allowed=f"a whole number from {lo} to {hi:,}"
        )
    return value


def check_request(kind: str, form: Mapping[str, Any], models: list[str]) -> RunSpec:
    """The run a form asks for, every option checked (a located :class:`ScenarioError`)."""
    from detente.models import get_model

    if kind not in KINDS:
        raise ScenarioError(
            "unknown kind of run", field="kind", value=kind, allowed=", ".join(KINDS)
        )
    for m in models:
        try:
            get_model(m)
        except KeyError as e:
            raise ScenarioError(str(e.args[0]), field="model", value=m) from None
    if kind == "forecast":
        from detente.cli.app import _model_names  # the CLI's choice: as named, or its defaults

        chosen = tuple(_model_names(models))
    elif kind == "ensemble":
        from detente.uncertainty.ensemble import DEFAULT_MODELS, _check_models

        chosen = _check_models(models or DEFAULT_MODELS)  # as `detente ensemble` chooses
    else:
        chosen = ()
    seed = _whole(form.get("seed"), "seed", secrets.randbelow(2**31), 0, 2**63 - 1)
    draws = _whole(form.get("draws"), "draws", 200, 1, MAX_DRAWS) if kind == "ensemble" else 0
    runs = _whole(form.get("runs"), "runs", 100, 1, MAX_RUNS) if kind == "simulate" else 0
    return RunSpec(kind, chosen, seed, draws=draws, runs=runs)


def check_cost(scenario: Scenario, spec: RunSpec, label: str) -> None:
    """Refuse a run before it is queued, as the CLI does before any work: the scenario's
    ``model_params`` checked by the registry, and a forecast or an ensemble too big for the
    memory (:func:`detente.resources.check`; a :class:`ScenarioError` located at ``label``).

    The analysis makes the same memory check itself; a simulation has no estimate.
    """
    if spec.kind not in ("forecast", "ensemble"):
        return
    from detente.models.registry import check_model_params

    params = check_model_params(scenario.model_params, path=label)
    arrays = scenario.to_arrays()
    if spec.kind == "forecast":
        from detente.cli._run import check_costs

        check_costs(spec.models, arrays, params, path=label)
    else:
        from detente.resources import check
        from detente.uncertainty.ensemble import ensemble_cost

        check(ensemble_cost(arrays, spec.models, spec.draws, params=params), path=label)


#: Recorded options that do not change what :func:`compute` does (the CLI's input path; the
#: model options, which come from the stored scenario itself).
_NEUTRAL_PARAMS = frozenset({"input", "model_params"})


def spec_from_record(run: RunRecord) -> RunSpec | None:
    """The request behind a stored run, to compute it again for its chart; ``None`` when
    :func:`compute` would not make the same run: another command, no seed, or options the
    dashboard does not set (a CLI run with ``--method lhs``, ``--grid 31`` or drawn inputs
    would be drawn as another run)."""
    if run.command not in KINDS or run.seed is None:
        return None
    p = {k: v for k, v in run.params.items() if k not in _NEUTRAL_PARAMS}
    try:
        draws, runs = int(p.get("draws", 0)), int(p.get("runs", 0))
    except (TypeError, ValueError):
        return None
    spec = RunSpec(run.command, tuple(run.models), int(run.seed), draws=draws, runs=runs)
    return spec if spec.params() == p else None


def compute(scenario: Scenario, spec: RunSpec) -> Any:
    """Run ``spec`` on ``scenario``: a list of forecasts (forecast) or one result object."""
    if spec.kind == "forecast":
        from detente.models.registry import run_models

        return run_models(spec.models, scenario.to_arrays(), spec.seed)
    if spec.kind == "analyze":
        from detente.bargaining import analyze
        from detente.bargaining.rules import PackageRules

        return analyze(scenario.to_arrays(), rules=PackageRules.from_scenario(scenario))
    if spec.kind == "ensemble":
        from detente.uncertainty.ensemble import ensemble

        return ensemble(scenario, draws=spec.draws, seed=spec.seed, models=spec.models)
    from detente.process.simulation import simulate

    return simulate(scenario, runs=spec.runs, seed=spec.seed)


def payloads(spec: RunSpec, result: Any) -> list[tuple[str, Any]]:
    """The results to record, as the CLI records them: ``forecast:MODEL`` per model for a
    forecast, ``analysis`` (without the frontier's points, as ``detente analyze`` stores it),
    ``ensemble`` or ``simulation`` (``to_dict()``)."""
    if spec.kind == "forecast":
        return [(f"forecast:{f.model}", f.to_dict()) for f in result]
    if spec.kind == "analyze":
        from detente.cli.cmd_analyze import _for_store

        return [("analysis", _for_store(result))]
    return [(_RESULT_KIND[spec.kind], result.to_dict())]


def chart(scenario: Scenario, spec: RunSpec, result: Any, fmt: str) -> bytes:
    """The run's chart as PNG or SVG bytes, drawn by the result's plotting method (every
    model's forecast per issue for a forecast)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with PLOT_LOCK, tempfile.TemporaryDirectory(prefix="detente-chart-") as tmp:
        path = Path(tmp) / f"chart.{fmt}"
        if spec.kind == "forecast":
            from detente.report import plot_forecasts, scenario_panels

            plot_forecasts(result, **scenario_panels(scenario), path=path)
        else:
            ax = result.plot()
            fig = ax.figure
            try:
                fig.savefig(path, bbox_inches="tight")
            finally:
                plt.close(fig)
        return path.read_bytes()
