"""Costly models say what they will cost before running, and report progress while running."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import get_model, list_models
from detente.models.registry import run_model
from detente.progress import use_reporter
from detente.resources import check
from detente.scenario import ScenarioArrays
from detente.scenario.errors import TooCostlyError


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object, float]] = []

    def start(self, description: str, total: float | None) -> object:
        self.events.append(("start", description, total or 0.0))
        return description

    def advance(self, handle: object, amount: float) -> None:
        self.events.append(("advance", handle, amount))

    def finish(self, handle: object) -> None:
        self.events.append(("finish", handle, 0.0))

    def advanced(self, prefix: str) -> int:
        return sum(1 for e, h, _ in self.events if e == "advance" and str(h).startswith(prefix))


def _arrays(n: int = 8, k: int = 2) -> ScenarioArrays:
    rng = np.random.default_rng(2)
    return ScenarioArrays.from_numpy(rng.uniform(1, 5, n), rng.uniform(0, 100, (n, k)), 0.5)


@pytest.mark.parametrize("name", [m.name for m in list_models()])
def test_every_model_estimates_a_cost_that_grows_with_the_actors(name: str) -> None:
    info = get_model(name)
    small, big = info.estimate_cost(10, 3, {}), info.estimate_cost(1000, 3, {})
    assert 0 < small.bytes < big.bytes and 0 < small.seconds < big.seconds
    assert name in big.what and "1000 actors" in big.what


@pytest.mark.parametrize("name", ["smp", "eu", "eu-damped", "exchange"])
def test_the_costly_models_name_what_makes_them_smaller(name: str) -> None:
    c = get_model(name).estimate_cost(2000, 5, {})
    assert f"-m {name}" in c.hint and "actors" in c.hint


def test_eu_on_2000_actors_is_refused_on_a_machine_of_a_few_gigabytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """eu's (n, n, n) arrays: 2,000 actors need hundreds of GB (500 reached 11.8 GB)."""
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "16000")
    with pytest.raises(TooCostlyError) as e:
        check(get_model("eu").estimate_cost(2000, 5, {}))
    assert "-m eu" in (e.value.allowed or "")
    check(get_model("eu").estimate_cost(50, 5, {}))  # a normal scenario passes


def test_smp_reports_each_turn_and_eu_each_chunk() -> None:
    rec = _Recorder()
    with use_reporter(rec):
        f = run_model("smp", _arrays())
        run_model("eu", _arrays(), rounds=2)
    assert rec.advanced("smp") == f.history.shape[0] - 1
    assert rec.advanced("eu") >= 1
    assert [e for e, *_ in rec.events].count("start") == [e for e, *_ in rec.events].count("finish")


def test_progress_is_a_no_op_by_default_and_never_changes_the_numbers() -> None:
    from detente.progress import _REPORTER, task

    assert _REPORTER.get() is None
    with task("anything", total=3) as advance:
        assert advance() is None  # nobody listens
    quiet = run_model("smp", _arrays())
    with use_reporter(_Recorder()):
        heard = run_model("smp", _arrays())
    assert quiet.history is not None and heard.history is not None
    np.testing.assert_array_equal(quiet.history, heard.history)
    np.testing.assert_array_equal(quiet.forecast, heard.forecast)
