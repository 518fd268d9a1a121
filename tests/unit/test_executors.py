"""Executors: the same numbers bit for bit whatever runs the chunks (in-process, a process
pool of 1 or 2 workers, Dask on a LocalCluster of 1 or 2 workers started here), and a
worker's error reaching the caller as the original error."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial

import numpy as np
import pytest

from detente.scenario.draws import InputDraws
from detente.scenario.errors import ScenarioError
from detente.uncertainty.ensemble import ensemble_from_draws
from detente.uncertainty.executors import Chunk, Executor, map_chunks, plan_chunks

distributed = pytest.importorskip("distributed", reason="needs pip install 'detente[dask]'")


def _toy(chunk: Chunk, scale: float) -> np.ndarray:
    """A stochastic computation: normal draws from the chunk's stream, tagged by position."""
    return chunk.rng().normal(size=chunk.size) * scale + np.arange(chunk.start, chunk.stop)


def _fail_on(chunk: Chunk, bad: int) -> int:
    if chunk.index == bad:
        raise ScenarioError("bad chunk", field="x", value=7, allowed="another")
    return chunk.index


def _slow_or_fail(chunk: Chunk) -> int:
    if chunk.index == 0:
        time.sleep(120)
    raise ZeroDivisionError(f"chunk {chunk.index}")


@pytest.fixture(scope="module", autouse=True)
def _by_value() -> None:
    # Dask's worker processes are spawned: ship this module's functions by value.
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module", params=[1, 2], ids=["dask1", "dask2"])
def cluster(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Dask LocalCluster of 1 or 2 single-threaded worker processes: its address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=request.param,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
    ) as c:
        yield c.scheduler_address


def _miami_draws(m: int) -> InputDraws:
    """m perturbed copies of the Miami example, smp with stochastic state transitions."""
    from detente.examples import load_example

    a = load_example("miami").to_arrays()
    rng = np.random.default_rng(11)
    f = rng.uniform(0.7, 1.3, (m, *a.salience.shape))
    arrays = replace(
        a,
        capability=a.capability * rng.uniform(0.7, 1.3, (m, a.n_actors)),
        position=np.broadcast_to(a.position, f.shape),
        salience=np.clip(a.salience * f, 0.0, 1.0),
        reservation=np.clip(a.reservation + rng.normal(0, 8, f.shape), a.lo, a.hi),
        meta={**a.meta, "model_params": {"smp": {"StateTransitions": "Stochastic"}}},
    )
    return InputDraws(arrays)


def _flat(res) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    case = res.cases[0]
    return [*(case.forecasts[m] for m in res.models), case.zone, case.blocked, case.lo, case.hi]


def _identical(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.shape == y.shape and x.dtype == y.dtype
        assert x.tobytes() == y.tobytes()  # bit for bit, nan payloads and signs of zero included


_MODELS = ("compromise", "nash", "smp")


@pytest.fixture(scope="module")
def reference() -> list[np.ndarray]:
    res = ensemble_from_draws(_miami_draws(23), models=_MODELS, seed=2024, chunk_size=5)
    return _flat(res)


def test_stochastic_model_really_draws(reference: list[np.ndarray]) -> None:
    # the same inputs with another seed give other smp forecasts (so the test below is not
    # comparing deterministic numbers only)
    other = _flat(ensemble_from_draws(_miami_draws(23), models=_MODELS, seed=7, chunk_size=5))
    assert np.array_equal(other[0], reference[0])  # compromise: no randomness
    assert not np.array_equal(other[2], reference[2], equal_nan=True)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_process_pool_identical(reference: list[np.ndarray], workers: int) -> None:
    ex = Executor("process", workers=workers)
    res = ensemble_from_draws(
        _miami_draws(23), models=_MODELS, seed=2024, chunk_size=5, executor=ex
    )
    _identical(_flat(res), reference)


@pytest.mark.slow
def test_dask_identical(reference: list[np.ndarray], cluster: str) -> None:
    ex = Executor("dask", scheduler=cluster)
    res = ensemble_from_draws(
        _miami_draws(23), models=_MODELS, seed=2024, chunk_size=5, executor=ex
    )
    _identical(_flat(res), reference)
    toy = partial(_toy, scale=3.0)
    _identical(
        map_chunks(toy, 50, seed=9, chunk_size=8, executor=ex),
        map_chunks(toy, 50, seed=9, chunk_size=8),
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_toy_stream_identical_in_a_pool(workers: int) -> None:
    toy = partial(_toy, scale=3.0)
    local = map_chunks(toy, 50, seed=9, chunk_size=8)
    assert len(local) == 7 and [x.size for x in local] == [8] * 6 + [2]
    _identical(
        map_chunks(toy, 50, seed=9, chunk_size=8, executor=Executor("process", workers)), local
    )


@pytest.mark.slow
def test_dask_own_local_cluster_identical() -> None:
    toy = partial(_toy, scale=1.0)
    _identical(
        map_chunks(toy, 30, seed=4, chunk_size=7, executor=Executor("dask", workers=2)),
        map_chunks(toy, 30, seed=4, chunk_size=7),
    )


def test_chunk_streams_are_the_seed_children() -> None:
    # chunk c's stream is the c-th child of SeedSequence(seed), whatever else is planned
    chunks = plan_chunks(10, 123, chunk_size=4)
    kids = np.random.SeedSequence(123).spawn(3)
    assert [(c.start, c.stop) for c in chunks] == [(0, 4), (4, 8), (8, 10)]
    for c, kid in zip(chunks, kids, strict=True):
        assert c.rng().random() == np.random.default_rng(kid).random()


def test_payload_travels_with_its_chunk() -> None:
    got = map_chunks(lambda c: c.payload, 10, seed=0, chunk_size=4, payload=lambda a, b: (a, b))
    assert got == [(0, 4), (4, 8), (8, 10)]


def test_deterministic_models_do_not_depend_on_chunking() -> None:
    draws = _miami_draws(9)
    a = ensemble_from_draws(draws, models=("compromise", "nash"), seed=1, chunk_size=2)
    b = ensemble_from_draws(draws, models=("compromise", "nash"), seed=1, chunk_size=9)
    _identical(_flat(a), _flat(b))


@pytest.mark.parametrize("executor", ["local", "process"])
def test_worker_error_is_the_original(executor: str) -> None:
    ex = Executor(executor, workers=2)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError) as e:
        map_chunks(partial(_fail_on, bad=1), 12, seed=0, chunk_size=4, executor=ex)
    assert (e.value.message, e.value.field, e.value.value, e.value.allowed) == (
        "bad chunk",
        "x",
        7,
        "another",
    )


@pytest.mark.slow
def test_dask_worker_error_is_the_original(cluster: str) -> None:
    ex = Executor("dask", scheduler=cluster)
    with pytest.raises(ScenarioError) as e:
        map_chunks(partial(_fail_on, bad=2), 12, seed=0, chunk_size=4, executor=ex)
    assert (e.value.field, e.value.value) == ("x", 7)


@pytest.mark.slow
def test_pool_error_does_not_wait_for_running_chunks() -> None:
    # chunk 0 sleeps two minutes, chunk 1 fails at once: the error comes back as soon as it
    # happens and the sleeping worker is stopped (before the fix the pool's shutdown waited
    # for it). The bound is generous on purpose: this checks "does not wait", not a speed.
    start = time.monotonic()
    with pytest.raises(ZeroDivisionError, match="chunk 1"):
        map_chunks(_slow_or_fail, 2, seed=0, chunk_size=1, executor=Executor("process", 2))
    assert time.monotonic() - start < 60
