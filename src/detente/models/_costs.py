"""What the costly models will cost, from the sizes (private; see :mod:`detente.resources`).

Simple formulas in n actors and k issues with constants measured on the reference machine
(2 shared cores, numpy 2), to tell a two-second run from a two-hour one:

* ``smp``: 100, 200 and 400 actors x 5 issues ran 41, 39 and 45 turns at 0.14, 0.41 and
  1.7 s a turn (the last two with another job on the second core) and peaked 20, 50 and
  100 MB above the interpreter: a turn costs about ``8e-6 n^2`` s (the challenge search is
  pruned to about n^2 work), memory about ``640 n^2`` bytes (some 80 (n, n) arrays).
* ``eu``: 60, 120 and 300 actors x 5 issues took 0.95, 6.3 and 144 s for one round, about
  ``1.1e-6 n^3 k`` s a round; peaks 72 MB, 280 MB and 1.9 GB above the interpreter (300
  actors run two issues at a time), about ``30 n^3 m`` bytes with m the issues a chunk holds.
* ``exchange``: 20 and 40 actors x 4 and 8 issues took 0.12-1.7 s a round, about
  ``2.6e-5 n^2 k^2`` s; its (n, n, k, k) candidate arrays, about ``160 n^2 k^2`` bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detente.resources import Cost

__all__ = ["eu_cost", "exchange_cost", "smp_cost"]

_BASE = 2e7  # bytes every run needs beyond its arrays (buffers, small temporaries)


def smp_cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
    """SMP: turns x (challenge search ~ n^2); memory ~ n^2."""
    turns = min(int(params.get("max_turns", 100)), 50)  # runs stop after ~40 turns
    return Cost(
        what=f"model smp on {n} actors x {k} issues",
        bytes=_BASE + 640.0 * n * n + 8.0 * n * k * turns,
        seconds=turns * (8e-6 * n * n + 2e-7 * n * k) + 0.01 * turns,
        hint="run fewer actors, or leave out -m smp",
    )


def eu_cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
    """Expected utility: rounds x n^3 k; memory n^3 per issue of a chunk."""
    from detente.models.expected_utility import CHUNK_ELEMENTS

    rounds = int(params.get("rounds", 10))
    per = max(1, n**3)
    chunk = k if per * k <= CHUNK_ELEMENTS or k <= 2 else min(k, max(2, CHUNK_ELEMENTS // per))
    return Cost(
        what=f"model eu on {n} actors x {k} issues",
        bytes=_BASE + 30.0 * per * chunk,
        seconds=max(1, rounds) * 1.1e-6 * per * k,
        hint="run fewer actors, or leave out -m eu",
    )


def exchange_cost(n: int, k: int, params: Mapping[str, Any]) -> Cost:
    """Exchange: rounds x n^2 k^2 candidate exchanges; memory the same."""
    rounds = int(params.get("rounds", 10))
    return Cost(
        what=f"model exchange on {n} actors x {k} issues",
        bytes=_BASE + 160.0 * n * n * k * k,
        seconds=max(1, rounds) * 2.6e-5 * n * n * k * k,
        hint="run fewer actors or issues, or leave out -m exchange",
    )
