"""The run store: every run recorded in one SQLite file (WAL mode), with its scenario (text and
hash), models, parameters, seed, detente and Python versions, timings and results.

>>> import tempfile, pathlib
>>> from detente.store import RunStore
>>> with tempfile.TemporaryDirectory() as d, RunStore(pathlib.Path(d) / "runs.sqlite3") as store:
...     h = store.add_scenario("name: x\\n", name="x", fmt="yaml")
...     with store.run("forecast", scenario_hash=h, models=["compromise"], params={}, seed=1) as run:
...         run.add_result("forecast:compromise", {"model": "compromise", "issues": ["a"],
...                                                "forecast": [42.0]})
...     record = store.get_run(run.id)
...     record.results["forecast:compromise"]["forecast"]
[42.0]

A run is written in one transaction when its ``with`` block ends, or not at all: see
docs/explanation/run-store.md for the guarantees and how they are tested.
"""

from detente.store._db import ENV_VAR, Run, RunStore, default_store_path, scenario_hash
from detente.store._diff import Change, RunDiff
from detente.store._export import EXPORT_FORMATS
from detente.store._rows import RunRecord, RunRow, ScenarioRow, StoreError
from detente.store._schema import SCHEMA_VERSION

__all__ = [
    "ENV_VAR",
    "EXPORT_FORMATS",
    "SCHEMA_VERSION",
    "Change",
    "Run",
    "RunDiff",
    "RunRecord",
    "RunRow",
    "RunStore",
    "ScenarioRow",
    "StoreError",
    "default_store_path",
    "scenario_hash",
]
