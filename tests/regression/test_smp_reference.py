"""SMP against KTAB's own deterministic reference logs (``shared/data/ktab/ref-output-*.txt``).

The logs print every actor's position on every dimension at every state to 1 decimal, and each
actor's position probability to 4 decimals. The test parses the log text itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from detente.models import run_model
from detente.scenario.io import load


def _parse_log(path: Path) -> tuple[int, list[str], np.ndarray, np.ndarray, dict[str, str]]:
    text = path.read_text()
    n_states = int(re.search(r"There were (\d+) states", text).group(1))  # type: ignore[union-attr]
    params = dict(re.findall(r"^(\w+): (\w+) *$", text, flags=re.M))
    pos: dict[str, list[list[float]]] = {}
    prob: dict[str, list[float]] = {}
    mode = None
    for line in text.splitlines():
        if line.startswith("History of actor positions"):
            mode = "pos"
        elif line.startswith("History of actors' winning"):
            mode = "prob"
        elif mode == "pos" and ":" in line:
            head, vals = line.split(":", 1)
            actor = head.split(",", 1)[0].strip()
            pos.setdefault(actor, []).append([float(v) for v in vals.split()])
        elif mode == "prob" and "prob :" in line:
            actor = line.split(",", 1)[0].strip()
            prob[actor] = [float(v) for v in line.split(":", 1)[1].split()]
    actors = list(pos)
    p = np.array([pos[a] for a in actors]).transpose(2, 0, 1)  # (states, n, k)
    q = np.array([prob[a] for a in actors]).T  # (states, n)
    return n_states, actors, p, q, params


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Pol-Comp"])
def test_smp_reproduces_ktab_log(shared_data: Path, name: str) -> None:
    ktab = shared_data / "ktab"
    n_states, actors, ref_pos, ref_prob, params = _parse_log(ktab / f"ref-output-{name}.txt")
    assert params["StateTransitions"] == "Deterministic"
    arrays = load(ktab / f"{name}.csv").to_arrays()
    assert list(arrays.actor_ids) == actors
    fc = run_model("smp", arrays)
    assert fc.history is not None
    assert fc.history.shape[0] == n_states == ref_pos.shape[0]
    # every actor, every dimension, every turn: within the log's printed precision
    err = np.abs(fc.history - ref_pos)
    assert err.max() <= 0.1, (
        f"worst turn {np.unravel_index(err.argmax(), err.shape)}: {err.max():.3f}"
    )
    assert err.max() <= 0.05 + 1e-9
    # the logged probability of each actor's position, to its 4 printed decimals
    assert np.abs(fc.extra["prob"] - ref_prob).max() <= 0.00005 + 1e-9


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Pol-Comp"])
def test_pruned_search_equals_exhaustive(shared_data: Path, name: str) -> None:
    arrays = load(shared_data / "ktab" / f"{name}.csv").to_arrays()
    a = run_model("smp", arrays)
    b = run_model("smp", arrays, exhaustive=True)
    np.testing.assert_array_equal(a.history, b.history)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "states"), [("dummyData_6Dim", 30), ("dummyData-a040", 21), ("dummyData-a080", 18)]
)
def test_state_counts_quoted_for_ktab(shared_data: Path, name: str, states: int) -> None:
    """The issue quotes KTAB's number of states for these runs (no position log is available)."""
    arrays = load(shared_data / "ktab" / f"{name}.csv").to_arrays()
    assert run_model("smp", arrays).history.shape[0] == states  # type: ignore[union-attr]
