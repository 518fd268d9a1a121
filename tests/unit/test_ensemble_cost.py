"""The ensemble's memory estimate uses each batch form's own bound (registered once with
``register_batch(cost=)``), not one run's memory times the chunk."""

from __future__ import annotations

from detente.examples import load_example
from detente.models.registry import get_model
from detente.uncertainty.ensemble import ensemble_cost


def test_miami_ensemble_fits_in_memory() -> None:
    a = load_example("miami").to_arrays()
    cost = ensemble_cost(a, ["compromise", "eu", "smp"], 2048)
    # eu works on chunks of draws and smp on sub-batches of about 4M numbers: a few hundred
    # MB at most (it was estimated at 20.5 GB, and refused, before the batch costs)
    assert cost.bytes < 1e9


def test_batch_costs_are_declared_and_bounded() -> None:
    for name in ("eu", "smp"):
        info = get_model(name)
        assert info.batch_cost is not None
        small = info.estimate_batch_cost(5, 12, 1024, {}).bytes
        huge = info.estimate_batch_cost(5, 12, 1_000_000, {}).bytes
        assert huge == small  # memory does not grow with the draws
    # a batch form without a declared cost holds its draws at once: linear in m
    comp = get_model("compromise")
    assert (
        comp.estimate_batch_cost(5, 12, 2000, {}).bytes
        == 2 * comp.estimate_batch_cost(5, 12, 1000, {}).bytes
    )
