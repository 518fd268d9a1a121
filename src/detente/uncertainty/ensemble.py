"""Ensembles: every model and the zone of agreement over draws of a scenario's inputs.

:func:`ensemble` answers "how sure are we": it draws the scenario's uncertain inputs, runs
every chosen model and the zone-of-agreement check over the draws, and gathers per model and
issue the spread of the forecasts, the probability that a zone of agreement exists, which
issues block it how often, and where agreement exists only at a single point of a scale
(:class:`~detente.uncertainty._ens_result.EnsembleResult`). What-if scenarios declared in the
file run beside the base case on the same draws of the unit cube and the same random streams
(common random numbers), so that their differences are the what-if's, not sampling noise.

Two functions are seams other work calls with fixed signatures and returns:
:func:`evaluate_models` (sensitivity analysis, ``detente simulate``) and :func:`evaluate_zone`.

Examples
--------
>>> from detente.examples import load_example
>>> from detente.uncertainty.ensemble import ensemble
>>> res = ensemble(load_example("miami"), draws=256, seed=1)  # doctest: +SKIP
>>> print(res.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.draws import InputDraws
from detente.uncertainty._ens_result import EnsembleResult
from detente.uncertainty.executors import DEFAULT_CHUNK, Chunk, Executor, map_chunks

if TYPE_CHECKING:
    from detente.resources import Cost
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.schema import Scenario
    from detente.typing import SeedLike

__all__ = [
    "DEFAULT_MODELS",
    "EnsembleResult",
    "ensemble",
    "ensemble_cost",
    "ensemble_from_draws",
    "evaluate_models",
    "evaluate_zone",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: The models an ensemble runs unless told otherwise (those of issue 12's question).
DEFAULT_MODELS: tuple[str, ...] = ("compromise", "eu", "smp")

#: Spawn key under the run's seed for the models' streams, apart from any stream the input
#: draws use under the same seed (CRC-32 of ``"detente.ensemble.models"``).
_MODELS_KEY = zlib.crc32(b"detente.ensemble.models")


def _model_seed(seed: SeedLike | None, name: str) -> np.random.SeedSequence | None:
    """Model ``name``'s stream under ``seed``: an int as in ``detente forecast --seed``
    (:func:`~detente.models.registry.model_stream`); a ``SeedSequence`` (a chunk's stream)
    its child keyed by the CRC-32 of the name."""
    from detente.models.registry import model_stream

    if seed is None:
        return None
    key = zlib.crc32(name.encode("utf-8"))
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    if isinstance(seed, (int, np.integer)):
        return model_stream(int(seed), name)
    return np.random.SeedSequence([int(s) for s in seed], spawn_key=(key,))


def evaluate_models(
    draws: InputDraws, models: Sequence[str], *, seed: SeedLike | None = None
) -> dict[str, FloatArray]:
    """Each model's forecast for every draw: ``{model: (m, k)}`` in issue units.

    Stochastic models get one stream each under ``seed`` (an int: ``model_stream(seed,
    name)``; a ``SeedSequence``, e.g. an ensemble chunk's: its child keyed by the name),
    spawned per draw by :func:`detente.models.registry.run_batch`. Models with a batch form
    (``@register_batch``) run over the draw axis in one vectorised call; the others draw by
    draw. Each model's options come from the scenario's ``model_params`` (in the arrays'
    ``meta``), as for ``detente forecast``.
    """
    from detente.models.registry import run_batch

    out = {}
    for name in models:
        rng = _model_seed(seed, name)
        out[name] = np.asarray(run_batch(name, draws.arrays, rng=rng), dtype=float)
    return out


def evaluate_zone(draws: InputDraws) -> tuple[BoolArray, BoolArray, FloatArray, FloatArray]:
    """Whether every veto player's limits overlap, per draw and issue.

    Steps
    -----
    1. Each actor's signable interval per draw and issue, ``[p - |r - p|, p + |r - p|]``
       clipped to the scale (:func:`detente.bargaining.acceptable.signable_intervals`).
    2. Keep the intervals of the veto players where their veto binds
       (:meth:`~detente.scenario.arrays.ScenarioArrays.vetoes`) and that have a limit.
    3. The joint interval is ``[max lo, min hi]``; the issue blocks where it is empty.

    Returns
    -------
    zone : (m,) bool
        On every issue, the values each veto player (where its veto binds) would sign overlap.
    blocked : (m, k) bool
        The issues where they do not.
    lo, hi : (m, k) float
        The joint signable interval per issue (``lo > hi`` where blocked; ``nan`` where no
        veto player has a limit).
    """
    a = draws.arrays
    vetoes = np.asarray(a.vetoes(), bool)
    rows = np.flatnonzero(vetoes.any(axis=1))  # only veto players can block: skip the rest
    if rows.size == 0:  # nobody can block: a zone everywhere, no joint limits
        m, k = draws.m, a.n_issues
        nan = np.full((m, k), np.nan)
        return np.ones(m, bool), np.zeros((m, k), bool), nan, nan.copy()
    p = a.position[..., rows, :]
    r = a.reservation[..., rows, :]
    binds = vetoes[rows] & a.present[rows] & ~np.isnan(r)
    rad = np.abs(r - p)
    jlo = np.where(binds, np.maximum(p - rad, a.lo), -np.inf).max(axis=-2)
    jhi = np.where(binds, np.minimum(p + rad, a.hi), np.inf).min(axis=-2)
    none = ~binds.any(axis=-2)
    if jlo.ndim == 1:  # a single scenario: one draw
        jlo, jhi = jlo[None], jhi[None]
    none = np.broadcast_to(none, jlo.shape)
    blocked = ~none & (jlo > jhi)
    zone = ~blocked.any(axis=1)
    return (
        np.asarray(zone, dtype=bool),
        np.asarray(blocked, dtype=bool),
        np.where(none, np.nan, jlo).astype(float),
        np.where(none, np.nan, jhi).astype(float),
    )


def _packed_chunk(draws: InputDraws, start: int, stop: int) -> tuple[Any, ...]:
    """Draws ``start:stop`` as plain picklable parts (``InputDraws(*parts)`` rebuilds them;
    an ``InputDraws`` itself holds a mapping proxy, which does not pickle)."""
    d = draws.take(start, stop)
    return (d.arrays, dict(d.values), d.unit, d.names, d.what_if)


@dataclass(frozen=True)
class _ChunkOut:
    """What one chunk of draws gives back to the caller."""

    forecasts: dict[str, FloatArray]
    zone: BoolArray
    blocked: BoolArray
    lo: FloatArray
    hi: FloatArray


def _run_chunk(chunk: Chunk, *, models: tuple[str, ...]) -> _ChunkOut:
    """Every model and the zone check on one chunk's draws (``chunk.payload``), the models'
    random streams from the chunk's own seed."""
    draws = InputDraws(*chunk.payload)
    forecasts = evaluate_models(draws, models, seed=chunk.seed)
    zone, blocked, lo, hi = evaluate_zone(draws)
    return _ChunkOut(forecasts, zone, blocked, lo, hi)


@dataclass(frozen=True)
class _Case:
    """The base case's or one what-if's forecasts and zone over every draw."""

    what_if: str | None
    forecasts: dict[str, FloatArray]
    zone: BoolArray
    blocked: BoolArray
    lo: FloatArray
    hi: FloatArray


def _gather(what_if: str | None, parts: Sequence[_ChunkOut], models: Sequence[str]) -> _Case:
    """The chunks' results put back together in draw order."""
    return _Case(
        what_if,
        {m: np.concatenate([p.forecasts[m] for p in parts]) for m in models},
        np.concatenate([p.zone for p in parts]),
        np.concatenate([p.blocked for p in parts]),
        np.concatenate([p.lo for p in parts]),
        np.concatenate([p.hi for p in parts]),
    )


def _check_models(models: Sequence[str]) -> tuple[str, ...]:
    """The models named, each once, in order; an unknown or repeated-empty list refused."""
    from detente.models.registry import list_models
    from detente.scenario.errors import ScenarioError

    known = [m.name for m in list_models()]
    names = tuple(dict.fromkeys(models))
    if not names:
        raise ScenarioError("no model to run", field="model", allowed=", ".join(known))
    for n in names:
        if n not in known:
            raise ScenarioError("unknown model", field="model", value=n, allowed=", ".join(known))
    return names


def _check_draws(draws: Any) -> int:
    from detente.scenario.errors import ScenarioError

    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ScenarioError(
            "the number of draws must be a whole number >= 1", field="draws", value=draws
        )
    return int(draws)


def _executor(executor: Executor | str, workers: int | None, scheduler: str | None) -> Executor:
    if isinstance(executor, Executor):
        return executor
    return Executor(executor, workers, scheduler)  # type: ignore[arg-type]


def ensemble_from_draws(
    base: InputDraws,
    *,
    what_ifs: Mapping[str, InputDraws] | None = None,
    models: Sequence[str] = DEFAULT_MODELS,
    seed: SeedLike | None = None,
    executor: Executor | str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    scenario_name: str = "",
    issue_names: Sequence[str] | None = None,
    method: str = "given",
    point_tol: float = 0.01,
) -> EnsembleResult:
    """An ensemble over draws already made (the runner behind :func:`ensemble`).

    Steps
    -----
    1. Resolve the seed (``None``: fresh entropy, reported in the result) and the executor.
    2. For the base case and each what-if: cut the draws into chunks of ``chunk_size``
       (:func:`~detente.uncertainty.executors.map_chunks`; chunk ``c`` gets the ``c``-th child
       of the seed's models stream, the same for every case) and run every model
       (:func:`evaluate_models`) and the zone check (:func:`evaluate_zone`) on each chunk.
    3. Put the chunks back together in draw order and describe them
       (:class:`~detente.uncertainty._ens_result.EnsembleResult`).

    The results are identical bit for bit whatever the executor and the number of workers.
    """
    from detente.uncertainty.executors import resolve_seed

    names = _check_models(models)
    ex = _executor(executor, workers, scheduler)
    root = resolve_seed(seed)
    streams = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, _MODELS_KEY))
    fn = partial(_run_chunk, models=names)
    cases = []
    for wid, draws in [(None, base), *(what_ifs or {}).items()]:
        label = "ensemble" if wid is None else f"ensemble, what-if {wid}"
        parts = map_chunks(
            fn,
            draws.m,
            seed=streams,
            chunk_size=chunk_size,
            executor=ex,
            description=f"{label}: draws",
            payload=partial(_packed_chunk, draws),
        )
        cases.append(_gather(wid, parts, names))
    a = base.arrays
    return EnsembleResult(
        scenario=scenario_name or str(a.meta.get("scenario") or ""),
        issue_ids=tuple(a.issue_ids),
        issue_names=tuple(issue_names or a.issue_ids),
        scale_lo=np.asarray(a.lo, float),
        scale_hi=np.asarray(a.hi, float),
        models=names,
        draws=base.m,
        seed=int(root.entropy),  # type: ignore[arg-type]
        method=method,
        executor=f"{ex.name} ({ex.n_workers} worker{'s' if ex.n_workers != 1 else ''})",
        cases=tuple(cases),
        point_tol=point_tol,
    )


def _what_if_ids(scenario: Scenario, what_ifs: Sequence[str]) -> tuple[str, ...]:
    """The what-ifs named, each once, checked against the scenario's ``what_ifs``."""
    from detente.scenario.errors import ScenarioError

    known = [w.id for w in scenario.what_ifs]
    ids = tuple(dict.fromkeys(what_ifs))
    for w in ids:
        if w not in known:
            raise ScenarioError(
                f"scenario {scenario.name!r} has no what-if {w!r}",
                field="what_if",
                value=w,
                allowed=", ".join(known) or "none (the scenario declares no what_ifs)",
            )
    return ids


def _draw_case(
    scenario: Scenario, n: int, *, seed: int, method: str, what_if: str | None
) -> InputDraws:
    """``n`` draws of the base case (``what_if=None``) or of one what-if, all from the same
    seed, so that the cases share their points of the unit cube."""
    from detente.uncertainty.sampling import draw_inputs

    return draw_inputs(scenario, n, seed=seed, method=method, what_if=what_if)  # type: ignore[arg-type]


def ensemble(  # long: the docstring documents every option; the body is ~30 lines
    scenario: Scenario,
    *,
    draws: int = 1000,
    seed: SeedLike | None = None,
    method: str = "sobol",
    models: Sequence[str] = DEFAULT_MODELS,
    what_ifs: Sequence[str] = (),
    executor: Executor | str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    point_tol: float = 0.01,
    drawer: Callable[..., InputDraws] | None = None,
    simulate: bool = False,
) -> EnsembleResult:
    """Every model and the zone of agreement over ``draws`` draws of the scenario's inputs.

    Steps
    -----
    1. Check the options (draws >= 1, known models and what-ifs, the executor) before any
       work; resolve the seed (``None``: fresh entropy, reported as ``result.seed``).
    2. Draw the inputs of the base case and of each what-if from the same seed
       (:func:`detente.uncertainty.sampling.draw_inputs`, by ``method``: ``sobol``, ``lhs``
       or ``random``).
    3. Run the models and the zone check over the draws, chunk by chunk, on the executor
       (:func:`ensemble_from_draws`).
    4. With ``simulate``, run the talks over the same draws of each case
       (:func:`_agreement`).

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Draws of the inputs (a power of two suits Sobol sampling best).
    seed : int, optional
        Fixes every draw and every stochastic model's stream, bit for bit.
    method : {"sobol", "lhs", "random"}
    models : sequence of str
        Registered model names (default :data:`DEFAULT_MODELS`).
    what_ifs : sequence of str
        Ids of what-if scenarios declared in the scenario, run beside the base case.
    executor, workers, scheduler
        Where the chunks run (:class:`~detente.uncertainty.executors.Executor`).
    chunk_size : int
        Draws per chunk; fixed so that results do not depend on the executor.
    point_tol : float
        A joint interval narrower than this share of the issue's scale counts as agreement
        at a single point only.
    drawer : callable, optional
        ``drawer(scenario, n, seed=, method=, what_if=) -> InputDraws`` in place of
        ``draw_inputs`` (tests; a custom input model).
    simulate : bool
        Also simulate the talks once per draw (:func:`detente.process.simulate`, the
        scenario's process block or the defaults) and report the probability of a ratified
        deal per case (step 4).

    Raises
    ------
    ScenarioError
        Bad options (located by ``field``), a scenario without positions, a bad model option.
    """
    from detente.models.registry import require_positions
    from detente.uncertainty.executors import resolve_seed

    n = _check_draws(draws)
    names = _check_models(models)
    ids = _what_if_ids(scenario, what_ifs)
    ex = _executor(executor, workers, scheduler)
    entropy = int(resolve_seed(seed).entropy)  # type: ignore[arg-type]
    draw = drawer or _draw_case
    base = draw(scenario, n, seed=entropy, method=method, what_if=None)
    require_positions(base.point(0))
    cases = {w: draw(scenario, n, seed=entropy, method=method, what_if=w) for w in ids}
    result = ensemble_from_draws(
        base,
        what_ifs=cases,
        models=names,
        seed=entropy,
        executor=ex,
        chunk_size=chunk_size,
        scenario_name=scenario.name,
        issue_names=[i.name for i in scenario.issues],
        method=method,
        point_tol=point_tol,
    )
    if simulate:
        agreement = _agreement(scenario, base, cases, seed=entropy, executor=ex)
        object.__setattr__(result, "probability_of_agreement", agreement)
    return result


def _agreement(
    scenario: Scenario,
    base: InputDraws,
    cases: Mapping[str, InputDraws],
    *,
    seed: int,
    executor: Executor,
) -> dict[str | None, Any]:
    """The probability of a ratified deal per case: the talks simulated once per draw."""
    from detente.process.simulation import simulate as run_talks
    from detente.uncertainty.whatif import apply_what_if

    out: dict[str | None, Any] = {}
    for what_if, draws in [(None, base), *cases.items()]:
        sc = scenario if what_if is None else apply_what_if(scenario, what_if)
        res = run_talks(sc, draws=draws, seed=seed, executor=executor)
        out[what_if] = res.to_dict()["probability_of_agreement"]
    return out


def ensemble_cost(
    arrays: ScenarioArrays,
    models: Sequence[str],
    draws: int,
    *,
    what_ifs: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> Cost:
    """Estimated peak memory and time of an ensemble (one core).

    Time: each model's :meth:`~detente.models.registry.ModelInfo.estimate_batch_cost` over
    the draws × the cases (base and what-ifs). Memory: the largest model's working memory on
    one chunk's draws (its batch cost, which a batch form that bounds its memory declares),
    plus the drawn inputs and the results kept (every model's ``(draws, k)`` forecasts and the
    zone).
    """
    from detente.models.registry import get_model
    from detente.resources import Cost

    n, k = arrays.n_actors, arrays.n_issues
    cases = 1 + what_ifs
    seconds, work = 0.0, 0.0
    for name in models:
        info = get_model(name)
        opts = (params or {}).get(name, {})
        seconds += info.estimate_batch_cost(n, k, draws, opts).seconds * cases
        work = max(work, info.estimate_batch_cost(n, k, min(chunk_size, draws), opts).bytes)
    kept = 8.0 * draws * k * (len(models) + 3) * cases + 8.0 * draws * n * (3 * k + 1) * 2
    return Cost(
        what=f"an ensemble of {draws:,} draws of {n} actors x {k} issues with " + ", ".join(models),
        bytes=work + kept,
        seconds=seconds,
        hint="fewer draws (--draws) or fewer models (--model)",
    )
