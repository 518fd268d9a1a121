"""Global sensitivity analysis: which uncertain inputs each answer hinges on (SALib).

Two methods, both through SALib (Herman & Usher 2017; Iwanaga, Usher & Herman 2022):

* **Sobol** (Sobol' 2001; Saltelli 2002; Saltelli et al. 2010): the share of an answer's
  variance due to an input alone (first order, ``S1``) and to the input with everything it
  interacts with (total order, ``ST``), with bootstrap confidence intervals. ``n`` base
  samples cost ``n (D + 2)`` evaluations (``D`` inputs or groups; ``n (2D + 2)`` with second
  order).
* **Morris** elementary effects (Morris 1991; Campolongo, Cariboni & Saltelli 2007): the mean
  absolute change of the answer when one input moves alone (``mu_star``, with a bootstrap
  interval) and its spread (``sigma``: interactions and curvature), from ``n`` trajectories,
  ``n (D + 1)`` evaluations. A cheap screen.

Inputs are the scenario's uncertain inputs (:class:`~detente.uncertainty.sampling.InputSpace`),
one by one (``groups="inputs"``) or grouped in the analyst's terms (``"analyst"``: all of an
actor's saliences, all positions on one issue, one actor's capability, each actor's
reservation points; SALib groups). Answers are each model's forecast on each issue and
whether a zone of agreement exists (1/0; :func:`~detente.uncertainty.ensemble.evaluate_zone`).

Steps of :func:`sensitivity` (and of :func:`sensitivity_of` for any function):

1. list the inputs and their groups; one root seed (:func:`~detente.uncertainty.executors.
   resolve_seed`) gives the sample's, the evaluation's and the bootstrap's seeds;
2. sample the unit cube with SALib (scrambled Sobol for Sobol; Morris trajectories), held as a
   compact plan (for Sobol: the two base matrices and the group matrix) so that every chunk
   rebuilds its own rows;
3. evaluate the answers chunk by chunk with :func:`~detente.uncertainty.executors.map_chunks`
   (identical whatever the executor);
4. analyse each answer with SALib; an answer that never varies gets no indices (a note says
   so).

Correlations stated in the scenario are not used: Sobol and Morris indices assume independent
inputs (a note says so when the scenario has any).

References
----------
Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. *Environmental Modelling & Software*, 22(10), 1509–1518.

Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
analysis. *Journal of Open Source Software*, 2(9), 97.

Iwanaga, T., Usher, W. & Herman, J. (2022). Toward SALib 2.0. *Socio-Environmental Systems
Modelling*, 4, 18155.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics*, 33(2), 161–174.

Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
*Computer Physics Communications*, 145(2), 280–297.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. & Tarantola, S. (2010).
Variance based sensitivity analysis of model output. *Computer Physics Communications*,
181(2), 259–270.

Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their
Monte Carlo estimates. *Mathematics and Computers in Simulation*, 55(1–3), 271–280.

Examples
--------
>>> import numpy as np
>>> from detente.uncertainty.distributions import Dist
>>> from detente.uncertainty.sensitivity import sensitivity_of
>>> inputs = {"x1": Dist("uniform", 0, 1), "x2": Dist("uniform", 0, 1)}
>>> res = sensitivity_of(lambda x: 2 * x[:, 0] + x[:, 1], inputs, n=256, seed=1)
>>> res.ranking("y")["input"].tolist()
['x1', 'x2']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from detente.results import Result, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from detente.scenario.schema import Scenario
    from detente.typing import SeedLike
    from detente.uncertainty.distributions import Dist
    from detente.uncertainty.executors import Chunk, Executor
    from detente.uncertainty.sampling import InputSpace

__all__ = ["SA_METHODS", "SensitivityResult", "sensitivity", "sensitivity_of"]

FloatArray = NDArray[np.float64]
SAMethod = Literal["sobol", "morris"]
SA_METHODS = ("sobol", "morris")
#: The answer "a zone of agreement exists" (1) or not (0).
ZONE = "zone"
#: Columns of the tidy table per method.
_COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
}


# ------------------------------------------------------------------------ the sample plans
@dataclass(frozen=True)
class _SobolPlan:
    """Saltelli's sample as SALib lays it out, rebuilt row by row from its two base matrices.

    Rows come in blocks of ``step`` per base sample ``i``: ``A_i``, then ``AB_i^(g)`` (``A_i``
    with group ``g``'s columns from ``B_i``) for every group, then (second order) ``BA_i^(g)``,
    then ``B_i``.
    """

    a: FloatArray
    b: FloatArray
    members: FloatArray  # (d, D) 1 where input j is in group g
    second_order: bool

    @property
    def step(self) -> int:
        g = self.members.shape[1]
        return 2 * g + 2 if self.second_order else g + 2

    @property
    def size(self) -> int:
        return self.a.shape[0] * self.step

    def rows(self, start: int, stop: int) -> FloatArray:
        r = np.arange(start, stop)
        i, t = np.divmod(r, self.step)
        g = self.members.shape[1]
        a, b = self.a[i], self.b[i]
        take_b = np.zeros(a.shape, dtype=bool)
        ab = (t >= 1) & (t <= g)
        take_b[ab] = self.members[:, t[ab] - 1].T.astype(bool)
        if self.second_order:
            ba = (t > g) & (t <= 2 * g)
            take_b[ba] = ~self.members[:, t[ba] - g - 1].T.astype(bool)
        take_b[t == self.step - 1] = True
        return np.where(take_b, b, a)


@dataclass(frozen=True)
class _FullPlan:
    """A sample held whole (Morris trajectories are small)."""

    x: FloatArray

    @property
    def size(self) -> int:
        return int(self.x.shape[0])

    def rows(self, start: int, stop: int) -> FloatArray:
        return self.x[start:stop]


def _sobol_plan(problem: dict[str, Any], n: int, second_order: bool, seed: int) -> _SobolPlan:
    """Saltelli's sample of SALib's ``sobol.sample`` (scrambled Sobol points in ``2D``
    dimensions, the first ``D`` columns ``A``, the last ``B``), without building its rows:
    SALib fills them in a Python loop, seconds for a hundred inputs."""
    import warnings

    from scipy.stats import qmc

    names = problem["names"]
    d = len(names)
    with warnings.catch_warnings():
        # the legacy ``seed`` keyword, as SALib passes it: the same points as its sample
        warnings.simplefilter("ignore", DeprecationWarning)
        base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    groups = problem.get("groups") or names
    labels = list(dict.fromkeys(groups))
    members = np.array([[float(gr == lab) for lab in labels] for gr in groups])
    return _SobolPlan(base[:, :d].copy(), base[:, d:].copy(), members, second_order)


# ------------------------------------------------------------------------ the result
@dataclass(frozen=True, repr=False)
class SensitivityResult(Result):
    """Sensitivity indices of every answer to every input (or group of inputs).

    Attributes
    ----------
    method : {"sobol", "morris"}
    table : list of dict
        One row per answer and input: ``answer``, ``input`` (its label or group),
        then ``S1, S1_conf, ST, ST_conf`` (Sobol) or ``mu_star, mu_star_conf, sigma, mu``
        (Morris).
    answers : tuple of str
        ``"<model>:<issue>"`` per forecast, and ``"zone"``.
    inputs : tuple of str
        The inputs or groups analysed, in order.
    members : dict
        Each group's input keys (each input's own key when ungrouped).
    n : int
        Base samples (Sobol) or trajectories (Morris).
    evaluations : int
        Evaluations of the answers.
    seed : int
        The root seed's entropy: ``seed=`` this value repeats the analysis exactly.
    notes : tuple of str
        What the reader should know (defaults used, correlations ignored, answers that never
        varied).
    meta : dict
        The scenario, what-if, models, grouping and options.
    """

    method: str
    table: list[dict[str, Any]]
    answers: tuple[str, ...]
    inputs: tuple[str, ...]
    members: dict[str, list[str]]
    n: int
    evaluations: int
    seed: int
    notes: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    spread: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def measure(self) -> str:
        """The index inputs are ranked by: ``ST`` (Sobol) or ``mu_star`` (Morris)."""
        return "ST" if self.method == "sobol" else "mu_star"

    def to_df(self) -> pd.DataFrame:
        """Tidy: ``answer, input, S1, S1_conf, ST, ST_conf`` (Sobol) or ``answer, input,
        mu_star, mu_star_conf, sigma, mu`` (Morris); one row per answer and input."""
        import pandas as pd

        cols = ["answer", "input", *_COLUMNS[self.method]]
        return pd.DataFrame(self.table, columns=cols)

    def ranking(self, answer: str) -> pd.DataFrame:
        """The inputs of one answer, most influential first (by ``ST`` or ``mu_star``), with
        ``rank`` 1, 2, …; an answer that never varied has no ranking (empty)."""
        df = self.to_df()
        if answer not in self.answers:
            from detente.scenario.errors import ScenarioError

            raise ScenarioError(
                "unknown answer", field="answer", value=answer, allowed=", ".join(self.answers)
            )
        out = df[(df["answer"] == answer) & df[self.measure].notna()]
        out = out.sort_values(self.measure, ascending=False, kind="stable").reset_index(drop=True)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out

    def summary(self, top: int = 3) -> str:
        """The inputs each answer hinges on most, in words."""
        what = "Sobol" if self.method == "sobol" else "Morris"
        m = self.meta
        lines = [
            f"{what} sensitivity of {m.get('scenario', 'the answers')}"
            + (f" (what-if: {m['what_if']})" if m.get("what_if") else "")
            + f": {len(self.inputs)} {'groups' if m.get('grouping') == 'analyst' else 'inputs'}, "
            f"{self.n} {'base samples' if self.method == 'sobol' else 'trajectories'}, "
            f"{self.evaluations:,} evaluations; seed {self.seed}"
        ]
        lines += [f"  note: {n}" for n in self.notes]
        for ans in self.answers:
            lines.append(f"{_answer_words(ans)}: {self._top_words(ans, top)}")
        return "\n".join(lines)

    def _top_words(self, answer: str, top: int) -> str:
        r = self.ranking(answer)
        if r.empty:
            return "did not vary over the draws (no indices)"
        parts = []
        for _, row in r.head(top).iterrows():
            if self.method == "sobol":
                parts.append(
                    f"{row['input']} (ST {row['ST']:.2f} ± {row['ST_conf']:.2f}, "
                    f"S1 {row['S1']:.2f} ± {row['S1_conf']:.2f})"
                )
            else:
                parts.append(
                    f"{row['input']} (mu* {row['mu_star']:.3g} ± {row['mu_star_conf']:.2g}, "
                    f"sigma {row['sigma']:.3g})"
                )
        lo, hi = self.spread.get(answer, (math.nan, math.nan))
        span = f" [answer ranged {lo:.3g}–{hi:.3g}]" if math.isfinite(lo) else ""
        return "hinges most on " + "; ".join(parts) + span

    def plot(self, ax: Axes | None = None, answer: str | None = None, top: int = 12) -> Axes:
        """A tornado chart of one answer (default: the first that varied): the ``top`` inputs
        as horizontal bars, largest at the top, with their confidence intervals.

        Sobol: per input, total order ``ST`` (light, upper bar) and first order ``S1`` (dark,
        lower bar), each with its interval. Morris: ``mu_star`` with its interval, ``sigma`` as dots.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.4 * top + 1.5))
        answer = answer or next((a for a in self.answers if not self.ranking(a).empty), None)
        r = self.ranking(answer).head(top) if answer is not None else None
        if r is None or r.empty:
            ax.text(0.5, 0.5, "no answer varied", ha="center", va="center")
            return ax
        y = np.arange(len(r))[::-1]
        if self.method == "sobol":
            bar: dict[str, Any] = {"height": 0.38, "capsize": 2, "error_kw": {"elinewidth": 0.8}}
            ax.barh(y + 0.2, r["ST"], xerr=r["ST_conf"], color="#6baed6", label="total (ST)", **bar)
            ax.barh(
                y - 0.2,
                r["S1"],
                xerr=r["S1_conf"],
                color="#08519c",
                label="first order (S1)",
                **bar,
            )
            ax.set_xlabel("share of the answer's variance")
        else:
            ax.barh(
                y, r["mu_star"], xerr=r["mu_star_conf"], color="#6baed6", capsize=2, label="mu*"
            )
            ax.plot(r["sigma"], y, "o", color="#08519c", label="sigma")
            ax.set_xlabel("mean absolute elementary effect (answer units)")
        ax.set_yticks(y, labels=list(r["input"]))
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"What {_answer_words(answer)} hinges on")
        ax.legend(loc="lower right", fontsize="small")
        return ax

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: method, options, notes, inputs and groups, and the table."""
        return jsonable(
            {
                "method": self.method,
                **self.meta,
                "n": self.n,
                "evaluations": self.evaluations,
                "seed": self.seed,
                "notes": list(self.notes),
                "answers": list(self.answers),
                "inputs": list(self.inputs),
                "members": self.members,
                "spread": {k: list(v) for k, v in self.spread.items()},
                "indices": self.table,
            }
        )


def _answer_words(answer: str | None) -> str:
    if answer == ZONE:
        return "whether a zone of agreement exists"
    from detente.models.registry import display_name

    model, _, issue = (answer or "").partition(":")
    return f"{display_name(model)} forecast on {issue}" if issue else str(answer)


# ------------------------------------------------------------------------ evaluation
def _function_chunk(
    fn: Callable[[FloatArray], Any],
    dists: Sequence[Dist],
    plan: Any,
    chunk: Chunk,
) -> dict[str, FloatArray]:
    from detente.uncertainty.distributions import ppf_columns

    y = fn(ppf_columns(dists, plan.rows(chunk.start, chunk.stop)))
    if isinstance(y, Mapping):
        return {str(k): np.asarray(v, dtype=float) for k, v in y.items()}
    return {"y": np.asarray(y, dtype=float).reshape(-1)}


def _scenario_chunk(
    space: InputSpace, models: Sequence[str], zone: bool, plan: Any, chunk: Chunk
) -> dict[str, FloatArray]:
    from detente.uncertainty.ensemble import evaluate_models, evaluate_zone

    draws = space.transform(plan.rows(chunk.start, chunk.stop))
    out: dict[str, FloatArray] = {}
    seed = int(chunk.seed.generate_state(1)[0])
    issues = space.arrays.issue_ids
    for name, fc in evaluate_models(draws, list(models), seed=seed).items():
        for j, iss in enumerate(issues):
            out[f"{name}:{iss}"] = np.asarray(fc[:, j], dtype=float)
    if zone:
        out[ZONE] = np.asarray(evaluate_zone(draws)[0], dtype=float)
    return out


# ------------------------------------------------------------------------ the analysis
def sensitivity(
    scenario: Scenario,
    *,
    method: SAMethod = "sobol",
    n: int = 256,
    models: Sequence[str] = ("compromise",),
    seed: SeedLike | None = None,
    groups: str = "analyst",
    what_if: str | None = None,
    zone: bool = True,
    executor: Executor | str = "local",
    chunk_size: int = 1024,
    **options: Any,
) -> SensitivityResult:
    """Sobol or Morris sensitivity of each model's forecasts (and of the zone of agreement)
    to the scenario's uncertain inputs.

    Parameters
    ----------
    scenario : Scenario
    method : {"sobol", "morris"}
    n : int
        Sobol base samples (a power of two keeps Sobol points balanced) or Morris
        trajectories.
    models : sequence of str
        Registered models whose forecasts are answers.
    seed : int, optional
        Root seed; ``None`` draws one (reported as ``result.seed``).
    groups : {"analyst", "inputs"}
        Inputs grouped in the analyst's terms, or one by one.
    what_if : str, optional
        Analyse this what-if of the scenario instead of the base case.
    zone : bool
        Also analyse whether a zone of agreement exists.
    executor, chunk_size
        Where the evaluations run (:func:`~detente.uncertainty.executors.map_chunks`).
    **options
        ``second_order`` (Sobol, default False), ``num_levels`` (Morris, default 4),
        ``conf_level`` (0.95), ``num_resamples`` (bootstrap, 100).

    See the module docstring for the steps.
    """
    from detente.models import get_model
    from detente.uncertainty.sampling import InputSpace

    for name in models:
        get_model(name)
    if what_if is not None:
        from detente.uncertainty.whatif import apply_what_if

        scenario = apply_what_if(scenario, what_if)
    space = InputSpace.from_scenario(scenario)
    notes = list(space.notes)
    if space.correlation is not None:
        notes.append(
            "the stated correlations are not used: Sobol and Morris indices assume independent inputs"
        )
    labels = space.groups(groups)
    keys = list(space.names)
    chunk_fn = partial(_scenario_chunk, space, tuple(models), zone)
    meta = {
        "scenario": scenario.name,
        "what_if": what_if,
        "models": list(models),
        "grouping": groups,
    }
    return _analyse(
        chunk_fn, keys, labels, groups == "analyst", method, n, seed, executor, chunk_size,
        notes, meta, options,
    )  # fmt: skip


def sensitivity_of(
    fn: Callable[[FloatArray], Any],
    inputs: Mapping[str, Dist],
    *,
    method: SAMethod = "sobol",
    n: int = 1024,
    seed: SeedLike | None = None,
    groups: Mapping[str, str] | None = None,
    executor: Executor | str = "local",
    chunk_size: int = 1024,
    **options: Any,
) -> SensitivityResult:
    """Sensitivity of any function of independent inputs (the engine of :func:`sensitivity`).

    ``fn`` maps values ``(m, d)`` (columns in the order of ``inputs``) to ``(m,)`` (the answer
    ``"y"``) or to a mapping of answers. ``groups`` maps an input to its group. ``fn`` must be
    picklable for the process and Dask executors.
    """
    names = list(inputs)
    dists = [inputs[k] for k in names]
    labels = [groups.get(k, k) for k in names] if groups else names
    chunk_fn = partial(_function_chunk, fn, dists)
    meta = {"scenario": "the function", "grouping": "analyst" if groups else "inputs"}
    return _analyse(
        chunk_fn, names, labels, bool(groups), method, n, seed, executor, chunk_size,
        [], meta, options,
    )  # fmt: skip


def _analyse(  # long: one linear pass of the steps in the module docstring, each a call
    chunk_fn: Callable[..., dict[str, FloatArray]],
    keys: list[str],
    labels: list[str],
    grouped: bool,
    method: str,
    n: int,
    seed: SeedLike | None,
    executor: Executor | str,
    chunk_size: int,
    notes: list[str],
    meta: dict[str, Any],
    options: dict[str, Any],
) -> SensitivityResult:
    from detente.scenario.errors import ScenarioError
    from detente.uncertainty.executors import map_chunks, resolve_seed

    if method not in SA_METHODS:
        raise ScenarioError(
            "unknown sensitivity method", field="method", value=method, allowed="sobol, morris"
        )
    unknown = set(options) - {"second_order", "num_levels", "conf_level", "num_resamples"}
    if unknown:
        raise ScenarioError(
            "unknown option",
            field="options",
            value=sorted(unknown),
            allowed="second_order, num_levels, conf_level, num_resamples",
        )
    if n < 2:
        raise ScenarioError("too few samples", field="n", value=n, allowed="at least 2")
    problem: dict[str, Any] = {
        "num_vars": len(keys),
        "names": keys,
        "bounds": [[0.0, 1.0]] * len(keys),
    }
    inputs = list(dict.fromkeys(labels))
    if grouped:
        problem["groups"] = labels
    if len(inputs) < 2:
        raise ScenarioError(
            "sensitivity analysis needs at least two uncertain inputs (or groups)",
            field="inputs",
            value=inputs,
        )
    root = resolve_seed(seed)
    s_sample, s_eval, s_boot = (int(c.generate_state(1)[0]) for c in root.spawn(3))
    plan = _make_plan(problem, method, n, s_sample, options)
    parts = map_chunks(
        partial(chunk_fn, plan),
        plan.size,
        seed=s_eval,
        chunk_size=chunk_size,
        executor=executor,
        description=f"{method} sensitivity",
    )
    ys = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    table, spread, skipped = _indices(problem, plan, ys, method, inputs, s_boot, options)
    if skipped:
        notes.append(
            "no indices (the answer never varied, or was undefined): " + ", ".join(skipped)
        )
    members = {g: [k for k, lab in zip(keys, labels, strict=True) if lab == g] for g in inputs}
    return SensitivityResult(
        method=method,
        table=table,
        answers=tuple(ys),
        inputs=tuple(inputs),
        members=members,
        n=n,
        evaluations=plan.size,
        seed=int(root.entropy),  # type: ignore[arg-type]
        notes=tuple(notes),
        meta={**meta, "options": dict(options)},
        spread=spread,
    )


def _make_plan(
    problem: dict[str, Any], method: str, n: int, seed: int, options: dict[str, Any]
) -> Any:
    import warnings

    if method == "sobol":
        with warnings.catch_warnings():
            # SALib warns when n is not a power of two; the docs say what that costs.
            warnings.simplefilter("ignore", UserWarning)
            return _sobol_plan(problem, n, bool(options.get("second_order", False)), seed)
    from SALib.sample import morris as morris_sample

    x = morris_sample.sample(problem, n, num_levels=int(options.get("num_levels", 4)), seed=seed)
    return _FullPlan(np.asarray(x, dtype=float))


def _indices(
    problem: dict[str, Any],
    plan: Any,
    ys: dict[str, FloatArray],
    method: str,
    inputs: list[str],
    seed: int,
    options: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, tuple[float, float]], list[str]]:
    """SALib's indices of every answer: the tidy rows, each answer's range, the skipped."""
    import warnings

    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    table: list[dict[str, Any]] = []
    spread: dict[str, tuple[float, float]] = {}
    skipped = []
    conf = float(options.get("conf_level", 0.95))
    boots = int(options.get("num_resamples", 100))
    for ans, y in ys.items():
        finite = bool(np.isfinite(y).all())
        spread[ans] = (
            (float(np.nanmin(y)), float(np.nanmax(y)))
            if np.isfinite(y).any()
            else (math.nan, math.nan)
        )
        if not finite or np.ptp(y) == 0:
            skipped.append(ans)
            table += [{"answer": ans, "input": g} for g in inputs]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "sobol":
                si = sobol_analyze.analyze(
                    problem, y, calc_second_order=bool(options.get("second_order", False)),
                    num_resamples=boots, conf_level=conf, seed=seed,
                )  # fmt: skip
            else:
                si = morris_analyze.analyze(
                    problem, plan.x, y, num_resamples=boots, conf_level=conf,
                    num_levels=int(options.get("num_levels", 4)), seed=seed,
                )  # fmt: skip
        cols = _COLUMNS[method]
        for g, label in enumerate(inputs):
            table.append(
                {"answer": ans, "input": label, **{c: float(np.asarray(si[c])[g]) for c in cols}}
            )
    return table, spread, skipped
