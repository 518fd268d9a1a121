"""Background runs: a small job table, one worker thread, progress from detente.progress.

A job is queued by a request and runs in the worker; the page polls its fragment. The run is
recorded in the store in one transaction when it has finished (``store.run``), so that a
failed or interrupted job leaves nothing in the store.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from detente.scenario.errors import ScenarioError
from detente.web._compute import RunSpec, compute, payloads

__all__: list[str] = []

_log = logging.getLogger("detente.web")

#: Jobs waiting or running at most; more are refused (429) rather than queued without end.
MAX_PENDING = 1_000
#: Finished jobs remembered (oldest forgotten first).
MAX_KEPT = 50_000
#: Results kept in memory for their charts (the rest are computed again from the store).
MAX_CACHED = 32


class QueueFull(RuntimeError):
    """Too many jobs waiting."""


@dataclass
class Task:
    """One progress task of a job (a loop the numeric core reports)."""

    description: str
    total: float | None
    done: float = 0.0


@dataclass
class Job:
    """A queued, running or finished run."""

    id: str
    spec: RunSpec
    scenario_hash: str
    state: str = "queued"
    tasks: list[Task] = field(default_factory=list)
    run_id: Any = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def done(self) -> bool:
        return self.state in ("done", "failed")

    def fraction(self) -> float | None:
        """Share of the current task done (``None`` when its size is unknown)."""
        if self.state == "done":
            return 1.0
        for t in reversed(self.tasks):
            if t.total:
                return min(1.0, t.done / t.total)
        return None


class _Reporter:
    """A :class:`detente.progress.Reporter` that writes into a job."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def start(self, description: str, total: float | None) -> object:
        t = Task(description, total)
        self.job.tasks.append(t)
        del self.job.tasks[:-5]  # the last few are enough to show
        return t

    def advance(self, handle: object, amount: float) -> None:
        if isinstance(handle, Task):
            handle.done += amount

    def finish(self, handle: object) -> None:
        if isinstance(handle, Task) and handle.total:
            handle.done = handle.total


class JobTable:
    """Queues runs and records them; ``load(hash)`` gives a stored scenario, ``store()`` this
    thread's run store."""

    def __init__(
        self, load: Callable[[str], Any], store: Callable[[], Any], workers: int = 1
    ) -> None:
        self._load = load
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detente-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self.results: OrderedDict[Any, Any] = OrderedDict()

    def submit(self, spec: RunSpec, scenario_hash: str) -> Job:
        """Queue a run; :class:`QueueFull` when too many are waiting."""
        with self._lock:
            pending = sum(not j.done for j in self._jobs.values())
            if pending >= MAX_PENDING:
                raise QueueFull(f"{pending} runs are waiting; try again in a minute")
            job = Job(secrets.token_hex(8), spec, scenario_hash)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._work, job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cached(self, run_id: Any) -> Any:
        """The result object of a run this process made, if still in memory."""
        with self._lock:
            return self.results.get(run_id)

    def remember(self, run_id: Any, result: Any) -> None:
        with self._lock:
            self.results[run_id] = result
            while len(self.results) > MAX_CACHED:
                self.results.popitem(last=False)

    def shutdown(self) -> None:
        """Stop taking jobs; wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _forget_old(self) -> None:
        while len(self._jobs) > MAX_KEPT:
            oldest = next(iter(self._jobs))
            if not self._jobs[oldest].done:
                break
            del self._jobs[oldest]

    def _work(self, job: Job) -> None:
        from detente.progress import use_reporter

        job.state = "running"
        try:
            scenario = self._load(job.scenario_hash)
            with use_reporter(_Reporter(job)):
                result = compute(scenario, job.spec)
            job.run_id = self._record(job, result)
            self.remember(job.run_id, result)
            job.state = "done"
        except ScenarioError as e:
            job.error, job.state = str(e), "failed"
        except MemoryError:
            job.error, job.state = "out of memory; try a smaller run", "failed"
        except Exception as e:  # a bug must not kill the worker; the page says what failed
            _log.exception("run %s failed", job.id)
            job.error, job.state = f"internal error ({type(e).__name__}): {e}"[:500], "failed"
        finally:
            job.finished = time.time()

    def _record(self, job: Job, result: Any) -> Any:
        """Write the run and its results to the store in one transaction; its id."""
        spec = job.spec
        store = self._store()
        with store.run(
            spec.kind,
            scenario_hash=job.scenario_hash,
            models=list(spec.models),
            params=spec.params(),
            seed=spec.seed,
        ) as run:
            for kind, payload in payloads(spec, result):
                run.add_result(kind, payload)
        return run.id
