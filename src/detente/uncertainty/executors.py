"""Run one computation over chunks of draws: in-process, in a local process pool, or on Dask.

The seam shared by ensembles (:mod:`detente.uncertainty.ensemble`), sensitivity analysis and
simulations (:mod:`detente.process`). A computation over ``n`` draws (or runs) is cut into
chunks of a fixed size that does not depend on the executor or the number of workers; chunk
``c`` receives the ``c``-th child of ``SeedSequence(seed)`` (SPEC 7). Because the chunks, their
seeds and the order in which their results are put back together never change, the results
are identical bit for bit whichever executor ran them and with however many workers.

Steps of :func:`map_chunks`:

1. :func:`resolve_seed` turns the user's seed (or ``None``: fresh OS entropy) into a
   ``SeedSequence`` whose entropy can be reported, so that any run can be repeated;
2. :func:`plan_chunks` cuts ``0..n`` into chunks of ``chunk_size`` and spawns one seed each;
3. :meth:`Executor.map` runs ``fn(chunk)`` for every chunk, reporting progress per chunk, and
   returns the results in chunk order.

``fn`` must be picklable for the ``process`` and ``dask`` executors: a module-level function,
or :func:`functools.partial` of one over picklable arguments (arrays, dataclasses). Data that
differs per chunk (the chunk's draws) goes in ``payload``: ``payload(start, stop)`` is called
once per chunk in the calling process and travels with that chunk only (``chunk.payload``),
so that no worker is sent every chunk's data.

A worker's error reaches the caller as the original exception (type, message and
attributes); the other chunks are then cancelled and the pool's processes stopped, as they are
on Ctrl-C (``KeyboardInterrupt``), so that the caller does not wait for work it will not use.

Examples
--------
>>> from detente.uncertainty.executors import map_chunks
>>> def total(chunk):
...     return chunk.rng().random(chunk.size).sum()
>>> parts = map_chunks(total, 10, seed=1, chunk_size=4)
>>> len(parts)
3
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar, get_args

import numpy as np

from detente.progress import task
from detente.scenario.errors import ScenarioError
from detente.typing import SeedLike

__all__ = [
    "DEFAULT_CHUNK",
    "EXECUTORS",
    "Chunk",
    "Executor",
    "ExecutorName",
    "map_chunks",
    "plan_chunks",
    "resolve_seed",
]

T = TypeVar("T")
ExecutorName = Literal["local", "process", "dask"]
#: The executors by name, in the order the CLI lists them.
EXECUTORS: tuple[str, ...] = get_args(ExecutorName)
#: Draws per chunk unless the caller says otherwise. Fixed, never derived from the number of
#: workers: the chunking (and so every chunk's random stream) must not depend on the executor.
DEFAULT_CHUNK = 1024


@dataclass(frozen=True)
class Chunk:
    """Draws ``start:stop`` of a computation, with their own random stream.

    Attributes
    ----------
    index : int
        The chunk's position (its results go back in this order).
    start, stop : int
        The draws (or runs) the chunk covers.
    seed : numpy.random.SeedSequence
        The chunk's own child of the computation's seed.
    payload : object
        The chunk's own data (``map_chunks(payload=...)``), or ``None``.
    """

    index: int
    start: int
    stop: int
    seed: np.random.SeedSequence
    payload: Any = None

    @property
    def size(self) -> int:
        """The number of draws in the chunk."""
        return self.stop - self.start

    def rng(self) -> np.random.Generator:
        """A fresh generator on the chunk's stream (the same numbers every time it is called)."""
        return np.random.default_rng(self.seed)


def resolve_seed(seed: SeedLike | None) -> np.random.SeedSequence:
    """The computation's root ``SeedSequence``; ``None`` draws fresh entropy from the OS.

    The returned sequence's ``entropy`` is the number to report so that a run made without a
    seed can be repeated exactly (``--seed <entropy>``).
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        seed = [int(s) for s in seed]
    elif seed is not None and int(seed) < 0:
        raise ScenarioError("a seed must be a whole number >= 0", field="seed", value=seed)
    return np.random.SeedSequence(seed)


def plan_chunks(n: int, seed: SeedLike | None, chunk_size: int = DEFAULT_CHUNK) -> list[Chunk]:
    """Cut ``0..n`` into chunks of ``chunk_size`` (the last may be shorter), one seed each."""
    if n < 0:
        raise ScenarioError("the number of draws must be >= 0", field="draws", value=n)
    if chunk_size < 1:
        raise ScenarioError("a chunk needs at least one draw", field="chunk_size", value=chunk_size)
    starts = list(range(0, n, chunk_size))
    seeds = resolve_seed(seed).spawn(len(starts))
    return [Chunk(c, s, min(s + chunk_size, n), seeds[c]) for c, s in enumerate(starts)]


@dataclass(frozen=True)
class Executor:
    """Where chunks run.

    Parameters
    ----------
    name : {"local", "process", "dask"}
        ``local`` runs every chunk in this process (vectorised inside each chunk);
        ``process`` uses a local pool of ``workers`` processes; ``dask`` uses a Dask
        ``distributed`` cluster: the one at ``scheduler`` (``tcp://host:8786``) or, without
        one, a ``LocalCluster`` of ``workers`` single-threaded processes started for the run.
    workers : int, optional
        Processes for ``process`` and a local Dask cluster; default: the machine's cores.
    scheduler : str, optional
        The address of a running Dask scheduler (``dask`` only).
    """

    name: ExecutorName = "local"
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.name not in EXECUTORS:
            raise ScenarioError(
                "unknown executor",
                field="executor",
                value=self.name,
                allowed=", ".join(EXECUTORS),
            )
        if self.workers is not None and not 1 <= self.workers <= 4096:
            raise ScenarioError(
                "the number of workers must be between 1 and 4096",
                field="workers",
                value=self.workers,
            )
        if self.scheduler is not None and self.name != "dask":
            raise ScenarioError(
                "a scheduler address is for the dask executor only",
                field="scheduler",
                value=self.scheduler,
                allowed="--executor dask --scheduler tcp://HOST:PORT",
            )

    @property
    def n_workers(self) -> int:
        """Workers the executor uses (1 for ``local``)."""
        if self.name == "local":
            return 1
        return self.workers or os.cpu_count() or 1

    def map(
        self, fn: Callable[[Chunk], T], chunks: Sequence[Chunk], description: str = "draws"
    ) -> list[T]:
        """``[fn(c) for c in chunks]``, run where this executor runs things, in chunk order."""
        total = sum(c.size for c in chunks)
        with task(description, total=total) as advance:
            if self.name == "local" or (len(chunks) <= 1 and self.scheduler is None):
                return [_run_local(fn, c, advance) for c in chunks]
            if self.name == "process":
                return _run_pool(fn, chunks, self.n_workers, advance)
            return _run_dask(fn, chunks, self, advance)


def map_chunks(
    fn: Callable[[Chunk], T],
    n: int,
    *,
    seed: SeedLike | None,
    chunk_size: int = DEFAULT_CHUNK,
    executor: Executor | str = "local",
    description: str = "draws",
    payload: Callable[[int, int], Any] | None = None,
) -> list[T]:
    """Run ``fn`` over ``n`` draws cut into chunks; the results in chunk order.

    ``payload(start, stop)``, when given, is each chunk's own data (``chunk.payload``). See
    the module docstring for the steps and the determinism guarantee.
    """
    ex = executor if isinstance(executor, Executor) else Executor(executor)  # type: ignore[arg-type]
    chunks = plan_chunks(n, seed, chunk_size)
    if payload is not None:
        chunks = [replace(c, payload=payload(c.start, c.stop)) for c in chunks]
    return ex.map(fn, chunks, description)


def _run_local(fn: Callable[[Chunk], T], chunk: Chunk, advance: Callable[..., None]) -> T:
    out = fn(chunk)
    advance(chunk.size)
    return out


def _run_pool(
    fn: Callable[[Chunk], T],
    chunks: Sequence[Chunk],
    workers: int,
    advance: Callable[..., None],
) -> list[T]:
    import multiprocessing
    import pickle
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # Pickled here, in the caller's thread: a chunk that cannot be pickled raises at once
    # (in the pool's feeder thread it can leave the pool hanging on Python 3.11).
    # cloudpickle (installed with Dask) also ships functions defined in a notebook or script.
    try:
        import cloudpickle as dumper
    except ImportError:  # pragma: no cover - depends on the installation
        dumper = pickle
    jobs = [dumper.dumps((fn, c), protocol=pickle.HIGHEST_PROTOCOL) for c in chunks]
    # Workers forked from a clean server process, never from this one: forking a process
    # that runs threads (a Dask client, a progress display) can deadlock the child.
    context = multiprocessing.get_context(_POOL_START)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context)
    try:
        # The workers (and the fork server) start inside the submits: started with Ctrl-C
        # ignored, they leave it to this process, which stops them, so a Ctrl-C prints no
        # worker traceback.
        with _sigint_ignored():
            futures = [pool.submit(_call_pickled, job) for job in jobs]
        del jobs
        size = {f: c.size for f, c in zip(futures, chunks, strict=True)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()  # raise a worker's error here, at once
                advance(size[f])
        return [f.result() for f in futures]
    except BaseException:
        _stop_pool(pool)  # a worker's error or Ctrl-C: do not wait for the running chunks
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: How the process pool starts its workers (``forkserver`` where the system has it).
_POOL_START = "forkserver" if os.name == "posix" else "spawn"


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT in the block (main thread only; elsewhere a no-op): processes started
    in it inherit the ignored disposition."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _call_pickled(job: bytes) -> Any:
    """Run ``fn(chunk)`` from its pickle (in a pool worker)."""
    import pickle

    fn, chunk = pickle.loads(job)
    return fn(chunk)


def _stop_pool(pool: Any) -> None:
    """Cancel the pool's queued chunks and stop its worker processes at once."""
    pool.shutdown(wait=False, cancel_futures=True)
    # ProcessPoolExecutor has no public way to stop running tasks before Python 3.14
    # (terminate_workers); its process table is the documented-by-source way in.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


def _dask_client(ex: Executor) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise ScenarioError(
            "the dask executor needs Dask's distributed scheduler",
            field="executor",
            value="dask",
            allowed="pip install 'detente[dask]', or --executor local|process",
        ) from err
    if ex.scheduler is not None:
        try:
            return Client(ex.scheduler, timeout="10s"), None
        except OSError as err:
            raise ScenarioError(
                f"cannot reach the Dask scheduler ({err})",
                field="scheduler",
                value=ex.scheduler,
                allowed="the address of a running scheduler, e.g. tcp://10.0.0.5:8786",
            ) from err
    cluster = LocalCluster(
        n_workers=ex.n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never clash with a running one
        silence_logs=40,
    )
    return Client(cluster), cluster


def _run_dask(
    fn: Callable[[Chunk], T],
    chunks: Sequence[Chunk],
    ex: Executor,
    advance: Callable[..., None],
) -> list[T]:
    from distributed import as_completed

    client, cluster = _dask_client(ex)
    futures = []
    try:
        # Chunks carrying data go to the workers directly (scatter), not inside the task
        # graph, which Dask warns about and slows down past a few megabytes.
        args = list(chunks)
        if any(c.payload is not None for c in chunks):
            args = client.scatter(args, hash=False)
        futures = client.map(fn, args, pure=False)
        index = {f.key: n for n, f in enumerate(futures)}
        for f in as_completed(futures):
            f.result()
            advance(chunks[index[f.key]].size)
        return [f.result() for f in futures]
    finally:
        if futures:
            client.cancel(futures)
        client.close()
        if cluster is not None:
            cluster.close()
