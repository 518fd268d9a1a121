"""Negotiation protocols over ``m`` runs at once: the single negotiating text and
multilateral alternating offers.

:func:`run_protocol` runs one chunk of runs of a named protocol against an
:class:`~detente.process.environment.Environment`; :mod:`detente.process.simulate` maps it over
chunks. :func:`~detente.process.protocols.alternating.sao_table` runs SAO over a discrete
outcome table (the GENIUS comparison with NegMAS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from detente.process.protocols._engine import TalkRecord, run_talks
from detente.process.protocols._table import Table, Window

if TYPE_CHECKING:
    from detente.process.environment import Environment
    from detente.process.strategies import StrategyTable
    from detente.scenario.protocol_spec import ProtocolSpec

__all__ = ["PROTOCOL_NAMES", "Table", "TalkRecord", "Window", "run_protocol"]

#: The protocols by name.
PROTOCOL_NAMES = ("single_text", "alternating")


def run_protocol(
    env: Environment,
    spec: ProtocolSpec,
    strategies: StrategyTable,
    *,
    mediator: int | None,
    rng: np.random.Generator,
    trace: bool = True,
) -> TalkRecord:
    """``env.n_runs`` runs of the talks under ``spec`` (its ``name``, draft rule, pressure,
    ratification limit) with each actor's ``strategies``.

    Steps: the table for the runs; who is on whose other side (for tit-for-tat: the veto
    players, else everyone); the protocol's text rule; the shared round loop
    (:func:`~detente.process.protocols._engine.run_talks`).
    """
    from detente.process.protocols.alternating import scenario_offer
    from detente.process.protocols.single_text import mediator_draft, nash_draft
    from detente.process.strategies import Concession

    table = Table.from_env(env, mediator)
    n = table.present.shape[0]
    side = table.blockers if table.blockers.any() else np.ones(n, dtype=bool)
    others = side[None, :] & ~np.eye(n, dtype=bool)
    conc = Concession(strategies, others, env.n_runs)

    def drafter(t: int, w: Window, prev: np.ndarray | None) -> np.ndarray:
        if spec.name == "alternating":
            return scenario_offer(table, w, t)
        if spec.draft == "mediator":
            return mediator_draft(table, w, spec.pressure)
        return nash_draft(table, w, prev, spec.candidates)

    return run_talks(
        env, table, conc, drafter, max_ratifications=spec.max_ratifications, rng=rng, trace=trace
    )
