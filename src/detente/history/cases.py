"""Historical peace talks as test cases: load a case, score every model on it, ask the eve.

A case is a dated scenario (the inputs, as public on the eve) beside a case file holding the
recorded outcome (:mod:`detente.history.case_spec`). This module

- loads a case (:func:`load_case`), checking the case file against its scenario and raising a
  :class:`~detente.scenario.errors.ScenarioError` located by file, line and field for an outcome
  issue the scenario lacks, an outcome value off the issue's scale, an unknown source id, a
  missing scenario file, an outcome not dated after the scenario's ``as_of``, or a ratification
  record naming a stage the scenario's process block lacks;
- lists the shipped cases (:func:`list_cases`: every ``*.case.yaml`` in ``history/cases/``);
- scores every registered model on every case (:func:`score_cases`): the absolute error per
  issue on a 0-100 normalised scale, per case and pooled, with bootstrap intervals over issues
  (per case) and over cases (pooled), the compromise model as baseline; and asks what the eve
  said: is there a zone of agreement, which issues block, is the outcome inside each veto
  player's signable interval, and where the scenario has a process block, the probability of a
  ratified deal (``simulate``) and each ratification stage's chance of passing the recorded
  terms, scored against the recorded vote.

The number of cases is small (four shipped here: Colombia, Dayton, Good Friday, Oslo): the
intervals say so, and :meth:`CaseScores.summary` prints the count beside every pooled number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.history.case_spec import CaseFile
from detente.results import Result, jsonable
from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.scenario.schema import Scenario

__all__ = [
    "CASES_DIR",
    "Case",
    "CaseScores",
    "case_path",
    "list_cases",
    "load_case",
    "score_cases",
]

#: Where the shipped cases live (``NAME.case.yaml`` beside its dated scenario).
CASES_DIR = Path(__file__).parent / "cases"

_SUFFIX = ".case.yaml"

#: The baseline every model is compared with (as on DEU).
BASELINE = "compromise"


# ----------------------------------------------------------------------------- loading
@dataclass(frozen=True, repr=False)
class Case:
    """A loaded case: the case file, its validated scenario and where both came from."""

    name: str
    spec: CaseFile
    scenario: Scenario
    path: Path
    scenario_path: Path

    def __repr__(self) -> str:
        return f"<Case {self.name}: {self.spec.title}>"

    @property
    def issue_ids(self) -> list[str]:
        """The scenario's issues that carry a recorded outcome, in scenario order."""
        return [i.id for i in self.scenario.issues if i.id in self.spec.outcome.issues]


def list_cases(folder: str | Path | None = None) -> list[str]:
    """The case names (file name without ``.case.yaml``) in ``folder`` (the shipped ones)."""
    root = CASES_DIR if folder is None else Path(folder)
    return sorted(p.name[: -len(_SUFFIX)] for p in root.glob(f"*{_SUFFIX}"))


def case_path(path_or_name: str | Path) -> Path:
    """The case file for a path, or for the name of a shipped case (``colombia-2016``)."""
    p = Path(path_or_name)
    if p.is_file() or p.suffix in (".yaml", ".yml") or len(p.parts) > 1:
        return p
    shipped = CASES_DIR / f"{p.name}{_SUFFIX}"
    if shipped.is_file():
        return shipped
    names = list_cases()
    raise ScenarioError(
        "no such case file or shipped case",
        value=str(path_or_name),
        allowed=f"a case file path, or one of: {', '.join(names) or '(none shipped)'}",
    )


def load_case(path_or_name: str | Path) -> Case:
    """Load a case file and its scenario, and check the one against the other.

    Steps
    -----
    1. Find the file (a path, or a shipped case's name) and read its YAML with the scenario
       reader's line machinery (YAML 1.2 core schema, duplicate keys refused, every value's
       line kept).
    2. Validate it as a :class:`~detente.history.case_spec.CaseFile` (unknown fields, wrong
       types: a located error).
    3. Read the scenario it names (relative to the case file); a missing file is a located
       error on the ``scenario`` field.
    4. Check the outcome against the scenario: the scenario is dated and the outcome is later;
       every outcome issue (and every revision's) is a scenario issue, on its scale; every
       source id resolves to the case file's ``sources``; every ``scenario_stage`` names a
       ratification stage of the scenario's process block.

    Raises
    ------
    ScenarioError
        Located by file, line and field, with the value and what is allowed.
    """
    path = case_path(path_or_name)
    data, lines = _read_yaml(path)
    spec = _validate(data, path, lines)
    scen_path = (path.parent / spec.scenario).resolve()
    if not scen_path.is_file():
        raise _err(
            "the scenario file named by the case does not exist",
            path,
            lines,
            ("scenario",),
            value=spec.scenario,
            allowed=f"a scenario file relative to the case file's folder ({path.parent})",
        )
    from detente.scenario.io import load

    scenario = load(scen_path)
    _check(spec, scenario, path, lines)
    name = path.name[: -len(_SUFFIX)] if path.name.endswith(_SUFFIX) else path.stem
    return Case(name, spec, scenario, path, scen_path)


def _read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The case file's data and the line of every value (the scenario reader's machinery)."""

    from detente.scenario.io._common import read_text
    from detente.scenario.io.native import _construct, _single_node

    if not path.is_file():
        raise ScenarioError("no such case file", path=path, allowed="an existing *.case.yaml")
    node = _single_node(read_text(path), path)
    lines: dict[tuple[Any, ...], int] = {}
    return _construct(node, (), lines, path), lines


def _err(
    message: str,
    path: Path,
    lines: dict[tuple[Any, ...], int],
    loc: tuple[Any, ...],
    *,
    value: Any = ...,
    allowed: str | None = None,
) -> ScenarioError:
    from detente.scenario.io._common import _line_for, _loc_text

    return ScenarioError(
        message,
        path=path,
        line=_line_for(loc, lines),
        field=_loc_text(loc) or None,
        value=value,
        allowed=allowed,
    )


def _validate(data: Any, path: Path, lines: dict[tuple[Any, ...], int]) -> CaseFile:
    """The data as a :class:`CaseFile`, the first problem as a located error."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise ScenarioError(
            "the top level must be a mapping of case fields",
            path=path,
            line=1,
            allowed="case, title, scenario, outcome, sources, notes",
        )
    try:
        return CaseFile.model_validate(data)
    except ValidationError as exc:
        e = exc.errors(include_url=False)[0]
        loc = tuple(e.get("loc", ()))
        msg = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
        value = e.get("input", ...)
        if isinstance(value, dict) or e.get("type") == "missing":
            value = ...
        allowed = (
            "only the fields of the case file format (detente.history.case_spec)"
            if e.get("type") == "extra_forbidden"
            else None
        )
        raise _err(msg, path, lines, loc, value=value, allowed=allowed) from None


def _check(spec: CaseFile, scenario: Scenario, path: Path, lines: dict[Any, int]) -> None:
    """The outcome against its scenario (see :func:`load_case`, step 4)."""
    out = spec.outcome
    if scenario.as_of is None:
        raise _err(
            "the case's scenario has no as_of date",
            path,
            lines,
            ("scenario",),
            value=spec.scenario,
            allowed="a dated scenario (as_of: the eve of the agreement)",
        )
    if out.date <= scenario.as_of:
        raise _err(
            "the outcome is not dated after the scenario's as_of",
            path,
            lines,
            ("outcome", "date"),
            value=out.date.isoformat(),
            allowed=f"a date after {scenario.as_of.isoformat()} (the scenario's as_of)",
        )
    _check_issues(out.issues, ("outcome", "issues"), scenario, path, lines)
    for n, rev in enumerate(out.revisions):
        _check_issues(rev.issues, ("outcome", "revisions", n, "issues"), scenario, path, lines)
    _check_sources(spec, path, lines)
    _check_stages(spec, scenario, path, lines)


def _check_issues(
    issues: dict[str, Any],
    where: tuple[Any, ...],
    scenario: Scenario,
    path: Path,
    lines: dict[Any, int],
) -> None:
    known = {i.id: i for i in scenario.issues}
    for iid, oi in issues.items():
        if iid not in known:
            raise _err(
                "the outcome names an issue the scenario lacks",
                path,
                lines,
                (*where, iid),
                value=iid,
                allowed=f"an issue of {_spec_name(scenario)}: {', '.join(known)}",
            )
        sc = known[iid].scale
        if not (sc.lo <= oi.value <= sc.hi):
            raise _err(
                "the outcome value is off the issue's scale",
                path,
                lines,
                (*where, iid, "value"),
                value=oi.value,
                allowed=f"a number from {sc.lo:g} to {sc.hi:g} ({iid}'s scale)",
            )


def _spec_name(scenario: Scenario) -> str:
    """How an error names a scenario."""
    return f"the scenario '{scenario.name}'"


def _cited(spec: CaseFile) -> list[tuple[tuple[Any, ...], list[str]]]:
    """Every list of source ids in the case file with its location."""
    out = spec.outcome
    found: list[tuple[tuple[Any, ...], list[str]]] = [(("outcome", "sources"), out.sources)]
    found += [(("outcome", "issues", k, "sources"), v.sources) for k, v in out.issues.items()]
    found += [
        (("outcome", "ratification", n, "sources"), r.sources)
        for n, r in enumerate(out.ratification)
    ]
    for n, rev in enumerate(out.revisions):
        found.append((("outcome", "revisions", n, "sources"), rev.sources))
        found += [
            (("outcome", "revisions", n, "issues", k, "sources"), v.sources)
            for k, v in rev.issues.items()
        ]
    return found


def _check_sources(spec: CaseFile, path: Path, lines: dict[Any, int]) -> None:
    ids = [s.id for s in spec.sources]
    seen: set[str] = set()
    for n, sid in enumerate(ids):
        if sid in seen:
            raise _err(
                "duplicate source id",
                path,
                lines,
                ("sources", n, "id"),
                value=sid,
                allowed="each source id once",
            )
        seen.add(sid)
    for loc, cited in _cited(spec):
        for n, sid in enumerate(cited):
            if sid not in seen:
                raise _err(
                    "unknown outcome source id",
                    path,
                    lines,
                    (*loc, n),
                    value=sid,
                    allowed=f"an id of the case file's sources: {', '.join(ids) or '(none)'}",
                )


def _check_stages(spec: CaseFile, scenario: Scenario, path: Path, lines: dict[Any, int]) -> None:
    stages = [] if scenario.process is None else [s.id for s in scenario.process.ratification]
    for n, r in enumerate(spec.outcome.ratification):
        if r.scenario_stage is not None and r.scenario_stage not in stages:
            raise _err(
                "the ratification record names a stage the scenario's process block lacks",
                path,
                lines,
                ("outcome", "ratification", n, "scenario_stage"),
                value=r.scenario_stage,
                allowed=f"a process.ratification stage id: {', '.join(stages) or '(none)'}",
            )


# ----------------------------------------------------------------------------- scoring
def _scale(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, span)`` of the scored issues' scales, for the 0-100 normalisation."""
    iss = {i.id: i for i in case.scenario.issues}
    lo = np.array([iss[j].scale.lo for j in case.issue_ids], float)
    hi = np.array([iss[j].scale.hi for j in case.issue_ids], float)
    return lo, hi - lo


def _forecast(case: Case, model: str, seed: int) -> np.ndarray:
    """The model's forecast of the scored issues (issue units)."""
    from detente.models.registry import run_models

    arrays = case.scenario.to_arrays()
    (fc,) = run_models([model], arrays, seed)
    by_id = dict(zip(fc.issue_ids, np.asarray(fc.forecast, float), strict=True))
    return np.array([by_id[j] for j in case.issue_ids], float)


def _errors_rows(cases: list[Case], models: list[str], seed: int) -> tuple[list[dict], dict]:
    """One row per (case, model, issue) with the forecast and the normalised absolute error;
    the models (or model on a case) that could not be scored, with why.

    A model that fails on one case is still scored on the others; it gets no pooled row (its
    pooled number would not be comparable with the others')."""
    from detente.models.registry import get_model

    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for m in models:
        if get_model(m).fittable and not _runs_untrained(m):
            skipped[m] = "needs training on outcomes (fittable); there is no training set of cases"
            continue
        failed = []
        for c in cases:
            try:
                rows += _case_rows(c, m, seed)
            except Exception as e:  # a model that fails on a case is reported, not fatal
                failed.append(f"{c.name}: {type(e).__name__}: {e}"[:240])
        if failed:
            skipped[m] = "failed on " + "; ".join(failed)
    return rows, skipped


def _runs_untrained(model: str) -> bool:
    """Whether a fittable model still has an honest forecast without a training set: a
    focal-point model (``snap:<inner>``) over an inner model that needs no training runs with
    its documented default rule (a documented option, else an actor's position, within 10% of
    the scale), which is the rule for scenarios without a record."""
    from detente.models.registry import get_model
    from detente.models.snap import is_snap, snap_parts

    return is_snap(model) and not get_model(snap_parts(model)[0]).fittable


def _case_rows(c: Case, m: str, seed: int) -> list[dict[str, Any]]:
    f = _forecast(c, m, seed)
    if not np.all(np.isfinite(f)):
        bad = [j for j, v in zip(c.issue_ids, f, strict=True) if not np.isfinite(v)]
        raise ValueError(f"no finite forecast on {', '.join(bad)}")
    lo, span = _scale(c)
    o = np.array([c.spec.outcome.issues[j].value for j in c.issue_ids], float)
    err = np.abs(f - o) / span * 100.0
    return [
        {
            "case": c.name,
            "model": m,
            "issue": j,
            "forecast": float(f[n]),
            "outcome": float(o[n]),
            "forecast_pts": float((f[n] - lo[n]) / span[n] * 100.0),
            "outcome_pts": float((o[n] - lo[n]) / span[n] * 100.0),
            "abs_error": float(err[n]),
        }
        for n, j in enumerate(c.issue_ids)
    ]


def _boot_mean(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> tuple[float, float]:
    """95% percentile interval of the mean of the absolute errors ``values``, resampling
    issues (each its own cluster of :func:`~detente.backtest.metrics.bootstrap_metric`);
    none below two issues."""
    from detente.backtest.metrics import bootstrap_metric

    if values.size < 2:
        return (math.nan, math.nan)
    iv = bootstrap_metric(values, np.arange(values.size), "mae", n_boot=n_boot, rng=rng)
    return iv.lo, iv.hi


def _boot_cases(
    err: dict[str, np.ndarray],
    n_boot: int,
    rng: np.random.Generator,
    base: dict[str, np.ndarray] | None = None,
) -> tuple[float, float]:
    """95% interval of the pooled (issue-weighted) MAE, or of its difference from ``base``'s
    on the same issues, resampling whole cases (the backtest's cluster bootstrap, clusters =
    cases); none below two cases."""
    from detente.backtest.metrics import bootstrap_metric, paired_bootstrap

    names = list(err)
    if len(names) < 2:
        return (math.nan, math.nan)
    e = np.concatenate([err[c] for c in names])
    groups = np.repeat(names, [err[c].size for c in names])
    if base is None:
        iv = bootstrap_metric(e, groups, "mae", n_boot=n_boot, rng=rng)
    else:
        b = np.concatenate([base[c] for c in names])
        iv = paired_bootstrap(e, b, groups, "mae", n_boot=n_boot, rng=rng)
    return iv.lo, iv.hi


def _metrics(rows: list[dict], models: list[str], n_boot: int, seed: int) -> list[dict]:
    """Per model: MAE per case (interval over issues), pooled (interval over cases), and the
    paired pooled difference from the baseline (interval over cases).

    Every interval draws its resamples afresh from ``seed``: the same resamples for every
    model (so a model's interval does not depend on which others are scored, and the paired
    difference compares the models on the same draws)."""
    cases = list(dict.fromkeys(r["case"] for r in rows))
    errs: dict[str, dict[str, np.ndarray]] = {}
    for m in models:
        errs[m] = {
            c: np.array([r["abs_error"] for r in rows if r["model"] == m and r["case"] == c])
            for c in cases
        }
    out: list[dict[str, Any]] = []
    for m, by_case in errs.items():
        if not any(v.size for v in by_case.values()):
            continue
        for c, v in by_case.items():
            if not v.size:
                continue
            lo, hi = _boot_mean(v, n_boot, np.random.default_rng(seed))
            out.append(
                {
                    "model": m,
                    "case": c,
                    "n_issues": int(v.size),
                    "mae": float(v.mean()),
                    "lo": lo,
                    "hi": hi,
                    "interval": "issues",
                }
            )
        if not all(v.size for v in by_case.values()):
            continue  # failed on a case: per-case rows only, no pooled number
        allv = np.concatenate(list(by_case.values()))
        lo, hi = _boot_cases(by_case, n_boot, np.random.default_rng(seed))
        row = {
            "model": m,
            "case": "pooled",
            "n_issues": int(allv.size),
            "mae": float(allv.mean()),
            "lo": lo,
            "hi": hi,
            "interval": f"cases (n={len(cases)})",
        }
        if BASELINE in errs and m != BASELINE and any(errs[BASELINE][c].size for c in cases):
            base = errs[BASELINE]
            row["vs_baseline"] = float(allv.mean() - np.concatenate(list(base.values())).mean())
            row["vs_lo"], row["vs_hi"] = _boot_cases(
                by_case, n_boot, np.random.default_rng(seed), base
            )
        out.append(row)
    return out


# ----------------------------------------------------------------------------- the eve
def _eve(case: Case, runs: int, seed: int) -> dict[str, Any]:
    """What the eve said: the zone, the blocking issues, the outcome against each veto
    player's signable interval, and (with a process block) the chance of a ratified deal."""
    from detente.bargaining import analyze
    from detente.bargaining.acceptable import limit_gaps

    arrays = case.scenario.to_arrays()
    res = analyze(arrays)
    gaps = [
        {k: g[k] for k in ("issue", "gap", "low_side", "high_side") if k in g}
        for g in limit_gaps(arrays)
        if g.get("blocked")
    ]
    out: dict[str, Any] = {
        "as_of": case.scenario.as_of,
        "outcome_date": case.spec.outcome.date,
        "zone": bool(res.zone_nonempty),
        "blocking": list(res.blocking),
        "gaps": gaps,
        "inside": _inside(case, arrays),
        "recorded_ratified": _recorded_ratified(case),
    }
    out["stages"] = _stages(case, arrays)
    out["simulate"] = _simulate(case, runs, seed) if case.scenario.process is not None else None
    sim, rec = out["simulate"], out["recorded_ratified"]
    if sim is not None and rec is not None:
        sim["brier"] = (sim["p"] - float(rec)) ** 2
    return out


def _inside(case: Case, arrays: Any) -> dict[str, dict[str, Any]]:
    """Per veto player: for each scored issue, whether the recorded value lies in its signable
    interval (``None`` where it has no reservation point or no veto on that issue)."""
    from detente.bargaining.acceptable import signable_intervals
    from detente.bargaining.rules import veto_scope

    lo, hi = signable_intervals(arrays)
    scope = veto_scope(arrays, np.asarray(arrays.veto, bool))
    jidx = {j: n for n, j in enumerate(arrays.issue_ids)}
    out: dict[str, dict[str, Any]] = {}
    for i in np.flatnonzero(arrays.veto):
        actor = arrays.actor_ids[i]
        per: dict[str, Any] = {}
        for iid in case.issue_ids:
            j = jidx[iid]
            v = case.spec.outcome.issues[iid].value
            if not scope[i, j] or np.isnan(lo[i, j]):
                per[iid] = None
                continue
            tol = 1e-9 * float(arrays.span[j])
            per[iid] = {
                "inside": bool(lo[i, j] - tol <= v <= hi[i, j] + tol),
                "interval": [float(lo[i, j]), float(hi[i, j])],
            }
        out[actor] = per
    return out


def _recorded_ratified(case: Case) -> bool | None:
    """Whether the agreement's text passed every recorded stage the scenario models (``None``
    when no recorded stage names a scenario stage)."""
    votes = [r.passed for r in case.spec.outcome.ratification if r.scenario_stage is not None]
    return None if not votes else all(votes)


def _stages(case: Case, arrays: Any) -> list[dict[str, Any]]:
    """Each recorded vote on a modelled stage: the stage's chance of passing the recorded
    terms (its support curves at the outcome values), the vote, and the Brier score."""
    from detente.process.world_limits import compile_world, stage_pass_probability

    proc = case.scenario.process
    if proc is None:
        return []
    world = compile_world(arrays, proc)
    by_id = {s.id: s for s in world.stages}
    x = np.full((1, arrays.n_issues), np.nan)
    for n, iid in enumerate(arrays.issue_ids):
        if iid in case.spec.outcome.issues:
            x[0, n] = case.spec.outcome.issues[iid].value
    out = []
    for r in case.spec.outcome.ratification:
        if r.scenario_stage is None:
            continue
        st = by_id[r.scenario_stage]
        needed = [j for j, _, _ in st.support]
        p = None if np.isnan(x[0, needed]).any() else float(stage_pass_probability(st, x)[0])
        out.append(
            {
                "stage": r.scenario_stage,
                "date": r.date,
                "passed": r.passed,
                "p_pass": p,
                "brier": None if p is None else (p - float(r.passed)) ** 2,
            }
        )
    return out


def _simulate(case: Case, runs: int, seed: int) -> dict[str, Any]:
    """The probability of a ratified deal within the process block's horizon (point inputs)."""
    from detente.process.simulation import simulate

    res = simulate(case.scenario, runs=runs, seed=seed)
    p, lo, hi = res.overall()
    return {"p": p, "lo": lo, "hi": hi, "runs": res.runs, "rounds": res.rounds}


# ----------------------------------------------------------------------------- entry point
def score_cases(  # long: the docstring lists every step and option; the body is 20 lines
    cases: list[str | Path | Case] | None = None,
    models: list[str] | None = None,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    runs: int = 400,
    eve: bool = True,
) -> CaseScores:
    """Score models on historical cases, as on DEU, and ask what each eve said.

    Parameters
    ----------
    cases : list of names, paths or :class:`Case`, optional
        Default: every shipped case (:func:`list_cases`).
    models : list of str, optional
        Default: every registered model. Fittable models are skipped (there is no training
        set of cases) and models that fail on a case are skipped; both are reported.
    seed : int
        Seeds each model's stream (:func:`~detente.models.registry.model_stream`), the
        bootstrap and the simulations.
    n_boot : int
        Bootstrap draws for the intervals.
    runs : int
        Simulated runs per case with a process block.
    eve : bool
        Run the analysis of the eve (zone, blocking issues, intervals, simulate).

    Returns
    -------
    CaseScores

    Steps
    -----
    1. Load the cases (located errors for bad case files).
    2. Each model forecasts each case's scenario; the absolute error per scored issue is
       taken on a 0-100 normalisation of the issue's scale (``|f - o| / (hi - lo) * 100``) so
       that issues with different units pool.
    3. Per case, the MAE with a 95% bootstrap interval over its issues; pooled, the MAE over
       every scored issue (each issue weighs the same) with a 95% interval resampling whole
       cases (issues within a case are not independent); the paired difference from the
       compromise model, resampling cases likewise. With two to four cases these intervals
       are rough bands: the summary prints the number of cases beside them.
    4. The same errors against any later revised text (reported, not pooled).
    5. The eve: :func:`~detente.bargaining.analyze` (zone of agreement, blocking issues), the
       recorded outcome against each veto player's signable interval, and with a process
       block :func:`~detente.process.simulation.simulate` (probability of a ratified deal)
       and each modelled ratification stage's chance of passing the recorded terms, with
       Brier scores against the recorded votes.

    References
    ----------
    Achen, C. H. (2006) 'Evaluating political decision-making models', in Thomson, Stokman,
    Achen & Konig (eds.) The European Union Decides, CUP, ch. 10 (the scoring by absolute
    error against recorded outcomes, the compromise model as baseline).
    Efron, B. & Tibshirani, R. (1993) An Introduction to the Bootstrap, Chapman & Hall
    (percentile intervals; resampling clusters, here cases).
    """
    from detente.models.registry import list_models

    loaded = [c if isinstance(c, Case) else load_case(c) for c in (cases or list_cases())]
    if not loaded:
        raise ScenarioError("no cases to score", allowed="a case name or a *.case.yaml file")
    names = list(dict.fromkeys(models or [m.name for m in list_models()]))
    rows, skipped = _errors_rows(loaded, names, seed)
    scored = [m for m in names if any(r["model"] == m for r in rows)]
    metrics = _metrics(rows, scored, n_boot, seed)
    rev_rows = _revision_rows(loaded, rows)
    eves = {c.name: _eve(c, runs, seed) for c in loaded} if eve else {}
    return CaseScores(
        cases=[c.name for c in loaded],
        titles={c.name: c.spec.title for c in loaded},
        models=scored,
        rows=rows,
        metrics=metrics,
        revision_rows=rev_rows,
        skipped=skipped,
        eve=eves,
        n_boot=n_boot,
        seed=seed,
    )


def _revision_rows(cases: list[Case], rows: list[dict]) -> list[dict[str, Any]]:
    """The forecasts' absolute errors against each later revised text (issue by issue)."""
    out = []
    for c in cases:
        lo, span = _scale(c)
        pos = {j: n for n, j in enumerate(c.issue_ids)}
        for rev in c.spec.outcome.revisions:
            for r in rows:
                if r["case"] != c.name or r["issue"] not in rev.issues:
                    continue
                n = pos[r["issue"]]
                o = rev.issues[r["issue"]].value
                out.append(
                    {
                        **r,
                        "revision": rev.date.isoformat(),
                        "outcome": o,
                        "outcome_pts": (o - lo[n]) / span[n] * 100.0,
                        "abs_error": abs(r["forecast"] - o) / span[n] * 100.0,
                    }
                )
    return out


# ----------------------------------------------------------------------------- the result
@dataclass(repr=False)
class CaseScores(Result):
    """Models scored on historical cases, and what each eve said (:func:`score_cases`).

    ``rows``: one per (case, model, issue) with the forecast, the outcome and the absolute
    error in points of the issue's 0-100 scale. ``metrics``: per model and case (and
    ``case == "pooled"``) the MAE with its interval and, pooled, the paired difference from
    the compromise model. ``eve``: per case the zone verdict, blocking issues and gaps, the
    outcome against each veto player's interval, ratification stages and simulate.
    """

    cases: list[str]
    titles: dict[str, str]
    models: list[str]
    rows: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    revision_rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    eve: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_boot: int = 2000
    seed: int = 0

    def to_df(self) -> pd.DataFrame:
        """One row per (case, model, issue): forecast, outcome, absolute error (points)."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def metrics_df(self) -> pd.DataFrame:
        """One row per (model, case or ``pooled``): MAE, interval, vs the baseline."""
        import pandas as pd

        return pd.DataFrame(self.metrics)

    def mae(self, model: str, case: str = "pooled") -> float:
        """The MAE (points) of ``model`` on ``case`` (or pooled)."""
        for m in self.metrics:
            if m["model"] == model and m["case"] == case:
                return float(m["mae"])
        raise KeyError((model, case))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: cases, models, errors, metrics, revisions, skipped models, the eves."""
        return jsonable(
            {
                "cases": self.cases,
                "titles": self.titles,
                "models": self.models,
                "n_cases": len(self.cases),
                "n_boot": self.n_boot,
                "seed": self.seed,
                "metrics": self.metrics,
                "errors": self.rows,
                "revisions": self.revision_rows,
                "skipped": self.skipped,
                "eve": self.eve,
            }
        )

    def _headline(self) -> str:
        return f"{len(self.cases)} historical cases, {len(self.models)} models scored"

    def summary(self) -> str:
        """The table (per-case and pooled MAE per model with intervals) and the eves."""
        from detente.history._cases_text import summary_text

        return summary_text(self)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Pooled MAE per model with its interval (bars), each case's MAE as a marker."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(self.models), 1)))
        pooled = {m["model"]: m for m in self.metrics if m["case"] == "pooled"}
        names = [m for m in self.models if m in pooled]
        y = np.arange(len(names))
        mae = np.array([pooled[m]["mae"] for m in names])
        lo = np.array([pooled[m]["lo"] for m in names], float)
        hi = np.array([pooled[m]["hi"] for m in names], float)
        err = np.vstack([np.nan_to_num(mae - lo), np.nan_to_num(hi - mae)])
        ax.barh(y, mae, xerr=err, color="0.75", capsize=3, label="pooled MAE (interval over cases)")
        marks = "os^vD"
        for k, c in enumerate(self.cases):
            vals = [self.mae(m, c) for m in names]
            ax.plot(vals, y, marks[k % len(marks)], label=c, alpha=0.8)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("mean absolute error (points of each issue's 0-100 scale)")
        ax.set_title(f"Historical cases (n = {len(self.cases)})")
        ax.legend(fontsize="small", loc="lower right")
        return ax
