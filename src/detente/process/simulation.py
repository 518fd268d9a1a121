"""``simulate``: many runs of the talks over time; the probability of a deal by date.

A *run* is one realisation of the talks: one draw of the uncertain inputs (when the caller
gives :class:`~detente.scenario.draws.InputDraws`; the point values otherwise), one
realisation of the Environment's random events (shocks, ratification votes), and the
protocol's rounds until a deal is ratified, the ratification attempts run out, or the horizon
ends. Runs are cut into fixed-size chunks (:func:`detente.uncertainty.executors.map_chunks`),
each with its own random stream, so that a seeded simulation gives the same numbers bit for
bit whichever executor runs it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from detente.process.protocols import TalkRecord
    from detente.process.result import SimulationResult
    from detente.process.strategies import StrategyTable
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.draws import InputDraws
    from detente.scenario.process_spec import ProcessSpec
    from detente.scenario.protocol_spec import ProtocolSpec
    from detente.scenario.schema import Scenario
    from detente.typing import SeedLike
    from detente.uncertainty.executors import Chunk, Executor

__all__ = ["DEFAULT_RUNS", "MAX_ROUNDS", "MAX_RUNS", "horizon", "simulate"]

#: Runs when neither ``runs`` nor ``draws`` says how many.
DEFAULT_RUNS = 1000
#: Bounds on what one simulation may ask for.
MAX_RUNS = 10_000_000
MAX_ROUNDS = 100_000
#: Runs per chunk (fixed: the chunking must not depend on the executor).
CHUNK = 1024


@dataclass(frozen=True)
class _Job:
    """Everything a chunk needs (picklable, for the process and Dask executors)."""

    arrays: ScenarioArrays
    process: ProcessSpec | None
    protocol: ProtocolSpec
    strategies: StrategyTable
    mediator: int | None
    rounds: int
    start: dt.date
    draw_arrays: ScenarioArrays | None = None
    draw_values: dict[str, Any] | None = None


def simulate(
    scenario: Scenario,
    *,
    protocol: str | None = None,
    until: dt.date | str | None = None,
    rounds: int | None = None,
    runs: int | None = None,
    seed: SeedLike | None = None,
    draws: InputDraws | None = None,
    executor: str | Executor = "local",
    workers: int | None = None,
) -> SimulationResult:
    """Simulate the talks ``runs`` times; the probability of a deal by date and what blocks it.

    Parameters
    ----------
    scenario : Scenario
        With an optional ``process`` block (start date, round length, protocol, strategies,
        and the world around the table); without one the talks start at ``as_of``, weekly,
        as a single negotiating text with a Nash draft and linear concession.
    protocol : {"single_text", "alternating"}, optional
        Overrides the scenario's protocol.
    until : date or ISO text, optional
        Simulate the rounds dated up to this day (after the start).
    rounds : int, optional
        Simulate this many rounds (instead of ``until``; default: the protocol's
        ``deadline_rounds``).
    runs : int, optional
        Runs (default :data:`DEFAULT_RUNS`; with ``draws``, the number of draws).
    seed : int or SeedSequence, optional
        ``None`` draws fresh entropy (reported in the result, so a run can be repeated).
    draws : InputDraws, optional
        One draw of the uncertain inputs per run
        (:func:`detente.uncertainty.sampling.draw_inputs`).
    executor : {"local", "process", "dask"} or Executor
    workers : int, optional

    Returns
    -------
    SimulationResult

    Steps: check the protocol block and the options; the horizon (rounds and their dates);
    the strategies; one chunk of runs at a time through the executor (each chunk builds its
    Environment from its draws and runs :func:`detente.process.protocols.run_protocol`); the
    chunks' records joined in order.
    """
    from detente.uncertainty.executors import Executor, map_chunks, resolve_seed

    job, m = _prepare(scenario, protocol, until, rounds, runs, draws)
    root = resolve_seed(seed)
    ex = executor if isinstance(executor, Executor) else Executor(executor, workers)  # type: ignore[arg-type]
    parts = map_chunks(
        functools.partial(_run_chunk, job),
        m,
        seed=root,
        chunk_size=CHUNK,
        executor=ex,
        description="simulated talks",
    )
    return _result(scenario, job, _join(parts), root, draws)


def _prepare(
    scenario: Scenario,
    protocol: str | None,
    until: dt.date | str | None,
    rounds: int | None,
    runs: int | None,
    draws: InputDraws | None,
) -> tuple[_Job, int]:
    """The checked job and the number of runs (every located refusal happens here)."""
    from detente.process.strategies import StrategyTable
    from detente.scenario.process_spec import ProcessSpec

    _check_block(scenario)
    spec = scenario.process
    proto = _protocol(spec.protocol if spec is not None else None, protocol, scenario)
    start, n_rounds = horizon(scenario, until=until, rounds=rounds)
    m = _runs(runs, draws)
    arrays = scenario.to_arrays()
    mediator = _mediator_index(scenario, arrays)
    table = StrategyTable.build(
        arrays.actor_ids,
        spec.strategies if spec is not None else (),
        deadline=float(proto.deadline_rounds),
    )
    # the draws go in as plain arrays and a dict: InputDraws holds a mappingproxy, which does
    # not pickle (the process and Dask executors pickle the job)
    job = _Job(
        arrays,
        spec if spec is not None else ProcessSpec(),
        proto,
        table,
        mediator,
        n_rounds,
        start,
        None if draws is None else draws.arrays,
        None if draws is None else dict(draws.values),
    )
    return job, m


def _check_block(scenario: Scenario) -> None:
    """The protocol block's references, as a located :class:`ScenarioError`."""
    from detente.scenario._types import SchemaProblem
    from detente.scenario.protocol_spec import check_protocol

    try:
        check_protocol(scenario)
    except SchemaProblem as p:
        raise ScenarioError(
            f"{'.'.join(str(x) for x in p.loc)}: {p.message}",
            field=".".join(str(x) for x in p.loc),
            value=p.value,
            allowed=p.allowed,
        ) from None


def _protocol(spec: ProtocolSpec | None, name: str | None, scenario: Scenario) -> ProtocolSpec:
    """The scenario's protocol, its name overridden by ``name``."""
    from detente.scenario.protocol_spec import PROTOCOLS, ProtocolSpec, mediator_of

    proto = spec if spec is not None else ProtocolSpec()
    if name is not None:
        if name not in PROTOCOLS:
            raise ScenarioError(
                "unknown protocol", field="protocol", value=name, allowed=", ".join(PROTOCOLS)
            )
        proto = proto.model_copy(update={"name": name})
    if proto.name == "single_text" and proto.draft == "mediator" and mediator_of(scenario) is None:
        raise ScenarioError(
            "the mediator draft rule needs a mediator",
            field="process.protocol.draft",
            value="mediator",
            allowed="protocol.mediator, an actor with role: mediator, or draft: nash",
        )
    return proto


def _mediator_index(scenario: Scenario, arrays: ScenarioArrays) -> int | None:
    from detente.scenario.protocol_spec import mediator_of

    who = mediator_of(scenario)
    return None if who is None else arrays.actor_ids.index(who)


def _runs(runs: int | None, draws: InputDraws | None) -> int:
    """The number of runs: ``runs``, else the draws', else :data:`DEFAULT_RUNS`."""
    if draws is not None:
        if runs is not None and runs != draws.m:
            raise ScenarioError(
                "runs differs from the number of draws",
                field="runs",
                value=runs,
                allowed=f"{draws.m} (one run per draw) or leave runs out",
            )
        return draws.m
    m = DEFAULT_RUNS if runs is None else runs
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= MAX_RUNS:
        raise ScenarioError(
            "runs out of range",
            field="runs",
            value=m,
            allowed=f"a whole number from 1 to {MAX_RUNS:,}",
        )
    return int(m)


def horizon(
    scenario: Scenario, *, until: dt.date | str | None = None, rounds: int | None = None
) -> tuple[dt.date, int]:
    """The talks' start date and the number of rounds to simulate.

    The start is ``process.start``, else the scenario's ``as_of``. ``rounds`` rounds, or the
    rounds dated on or before ``until`` (round ``t`` is dated ``start + t × round_days``), or
    the protocol's ``deadline_rounds``. Refused (located): no start date, both ``until`` and
    ``rounds``, a date that does not parse, ``until`` not after the start, ``rounds`` < 1.
    """
    spec = scenario.process
    start = spec.start if spec is not None and spec.start is not None else scenario.as_of
    if start is None:
        raise ScenarioError(
            "the talks need a start date",
            field="process.start",
            allowed="process.start or the scenario's as_of",
        )
    step = spec.round_days if spec is not None else 7
    if until is not None and rounds is not None:
        raise ScenarioError(
            "give until or rounds, not both", field="until", value=until, allowed="one of them"
        )
    if rounds is not None:
        if isinstance(rounds, bool) or not 1 <= int(rounds) <= MAX_ROUNDS:
            raise ScenarioError(
                "rounds out of range",
                field="rounds",
                value=rounds,
                allowed=f"a whole number from 1 to {MAX_ROUNDS:,}",
            )
        return start, int(rounds)
    if until is None:
        default = spec.protocol.deadline_rounds if spec is not None else 52
        return start, int(default)
    end = _parse_date(until)
    if end <= start:
        raise ScenarioError(
            "until is not after the start of the talks",
            field="until",
            value=end.isoformat(),
            allowed=f"a date after {start.isoformat()}",
        )
    n = (end - start).days // step + 1
    return start, int(min(n, MAX_ROUNDS))


def _parse_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScenarioError(
            "not a date", field="until", value=value, allowed="a date as YYYY-MM-DD"
        ) from None


def _run_chunk(job: _Job, chunk: Chunk) -> TalkRecord:
    """One chunk of runs: its Environment (from its draws), then the protocol."""
    from detente.process.environment import Environment
    from detente.process.protocols import run_protocol

    if job.draw_arrays is not None:
        from detente.scenario.draws import InputDraws

        d = InputDraws(job.draw_arrays, job.draw_values or {}).take(chunk.start, chunk.stop)
        env = Environment(d.arrays, job.process, chunk.size, job.rounds, job.start, d.values)
    else:
        env = Environment(job.arrays, job.process, chunk.size, job.rounds, job.start)
    return run_protocol(
        env,
        job.protocol,
        job.strategies,
        mediator=job.mediator,
        rng=chunk.rng(),
        trace=chunk.index == 0,
    )


def _join(parts: list[TalkRecord]) -> TalkRecord:
    """The chunks' records, in chunk order (run 0's trace from the first chunk)."""
    from detente.process.protocols import TalkRecord

    def cat(name: str) -> Any:
        return np.concatenate([getattr(p, name) for p in parts])

    return TalkRecord(
        deal_round=cat("deal_round"),
        terms=cat("terms"),
        ratify_failures=cat("ratify_failures"),
        stage_failures=np.sum([p.stage_failures for p in parts], axis=0),
        first_actor=cat("first_actor"),
        first_issue=cat("first_issue"),
        last_actor=cat("last_actor"),
        last_issue=cat("last_issue"),
        objections=np.sum([p.objections for p in parts], axis=0),
        rounds_run=cat("rounds_run"),
        trace=parts[0].trace,
    )


def _result(
    scenario: Scenario,
    job: _Job,
    rec: TalkRecord,
    root: np.random.SeedSequence,
    draws: InputDraws | None,
) -> SimulationResult:
    from detente.process.environment import Environment
    from detente.process.result import SimulationResult

    env = Environment(job.arrays, job.process, 1, job.rounds, job.start)
    a = job.arrays
    return SimulationResult(
        scenario=scenario.name,
        actor_ids=a.actor_ids,
        issue_ids=a.issue_ids,
        blockers=tuple(bool(b) for b in np.asarray(np.asarray(a.vetoes()).any(axis=1)).ravel()),
        dates=tuple(env.date(t) for t in range(job.rounds)),
        protocol=job.protocol.name,
        draft=job.protocol.draft if job.protocol.name == "single_text" else "offers",
        strategies=job.strategies.names,
        stage_names=tuple(env.stage_names),
        record=rec,
        seed=root.entropy,
        point=draws is None,
        what_if=None if draws is None else draws.what_if,
    )
