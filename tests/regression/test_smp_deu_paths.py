"""SMP's pruned challenge search takes the exhaustive search's decisions on real DEU proposals.

DEU positions are few and shared (0, 50, 100 are common), so several targets, bargains and
queue options are often exactly as good. The two paths add their sums in different orders; a
strict ``argmax`` on their rounded sums once let that noise pick different targets (d96112,
d96161, d98240 and others diverged). Each proposal is run both ways, whole history compared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.backtest import load_deu
from detente.backtest.datasets import proposal_arrays
from detente.models import run_model


@pytest.fixture(scope="module")
def dev(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_deu(shared_data / "deu3" / "deu3-dev.tsv")


def _diverging(dev, capability: str, proposals) -> list[str]:  # type: ignore[no-untyped-def]
    bad = []
    for pr in proposals:
        a = proposal_arrays(dev, dev.proposal == pr, capability=capability)
        fast = run_model("smp", a).history
        ref = run_model("smp", a, exhaustive=True).history
        if fast.shape != ref.shape or not np.array_equal(fast, ref, equal_nan=True):
            bad.append(str(pr))
    return bad


def test_tied_proposals_same_path(dev) -> None:  # type: ignore[no-untyped-def]
    """The proposals where ties once split the paths (equal capabilities)."""
    props = ["d96112", "d96161", "d98240"]
    assert set(props) <= set(dev.proposal)
    assert _diverging(dev, "equal", props) == []


@pytest.mark.slow
@pytest.mark.parametrize("capability", ["equal", "council"])
def test_every_dev_proposal_same_path(dev, capability: str) -> None:  # type: ignore[no-untyped-def]
    props = list(dict.fromkeys(dev.proposal))
    assert len(props) > 50
    assert _diverging(dev, capability, props) == []
