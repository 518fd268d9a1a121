"""The conformance suite again, on ``snap:<model>`` for every registered model.

The listed snap models (``snap:compromise`` and a snap version of each fittable model) are in
the registry, so ``test_model_contract.py`` runs them already; this file runs every check of
that suite on the unlisted ones too (``snap:smp``, ``snap:eu``, ...), which ``get_model``
resolves on demand. A check added to the suite is picked up here without a change.
"""

from __future__ import annotations

import inspect

import pytest
import test_model_contract as contract

from detente.models import list_models

LISTED = {m.name for m in list_models()}
SNAPPED = [f"snap:{m.name}" for m in list_models() if not m.name.startswith("snap:")]
UNLISTED = [n for n in SNAPPED if n not in LISTED]
CHECKS = {
    name: fn
    for name, fn in vars(contract).items()
    if name.startswith("test_") and "name" in inspect.signature(fn).parameters
}
SEEDED = {name for name, fn in CHECKS.items() if "seed" in inspect.signature(fn).parameters}


def test_every_model_has_an_unlisted_or_listed_snap_version() -> None:
    assert len(SNAPPED) == len(UNLISTED) + len(LISTED & set(SNAPPED)) >= 10
    assert len(CHECKS) >= 10


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("name", UNLISTED)
def test_snap_family_passes_the_conformance_suite(name: str, check: str) -> None:
    fn = CHECKS[check]
    if check in SEEDED:
        for seed in (1, 2, 3):
            fn(name=name, seed=seed)
    else:
        fn(name=name)
