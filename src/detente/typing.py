"""Type aliases shared across detente (as Mesa's ``SeedLike`` / ``RNGLike``).

Every stochastic function takes ``rng: RNG = None`` and calls ``np.random.default_rng(rng)``
once (SPEC 7); these aliases say what that argument may be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

__all__ = ["RNG", "RNGLike", "SeedLike"]

#: Anything :class:`numpy.random.SeedSequence` accepts as entropy, or a SeedSequence itself.
SeedLike: TypeAlias = int | np.integer | Sequence[int] | np.random.SeedSequence

#: A generator or bit generator, used as given (no re-seeding).
RNGLike: TypeAlias = np.random.Generator | np.random.BitGenerator

#: What an ``rng`` argument takes: a seed, a generator, or ``None`` for fresh OS entropy.
RNG: TypeAlias = SeedLike | RNGLike | None
