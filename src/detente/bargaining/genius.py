"""GENIUS and GeniusWeb negotiations as bargaining domains.

The scenario layer reads the files (:func:`detente.scenario.io.genius.read_genius_negotiation`,
plain names and arrays); this module makes them an
:class:`~detente.bargaining.domain.AdditiveDomain`, the bargaining layer's own type. (The
scenario layer sits below this one and does not import it.)
"""

from __future__ import annotations

from pathlib import Path

from detente.bargaining.domain import AdditiveDomain
from detente.scenario.io.genius import GeniusNegotiation, read_genius_negotiation

__all__ = ["domain_from_genius", "read_genius_folder"]


def domain_from_genius(negotiation: GeniusNegotiation) -> AdditiveDomain:
    """The :class:`AdditiveDomain` of a negotiation read from GENIUS / GeniusWeb files: one
    party per profile, every party a veto player, the reservation and discount as read."""
    n = negotiation
    return AdditiveDomain(
        party_ids=n.party_ids,
        issue_ids=n.issue_ids,
        options=n.options,
        values=n.values,
        weights=n.weights,
        reservation=n.reservation,
        discount=n.discount,
        meta=dict(n.meta),
    )


def read_genius_folder(
    path: str | Path, *, n_real: int = 11, normalize: bool = True
) -> AdditiveDomain:
    """Read a folder holding one GENIUS (XML) or GeniusWeb (JSON) domain and its profiles.

    Steps: :func:`~detente.scenario.io.genius.read_genius_negotiation` (domain and profiles
    told apart by their contents; see there), then :func:`domain_from_genius`.

    Parameters
    ----------
    path : str or Path
        The folder.
    n_real : int
        Points on which a real-valued issue is discretised.
    normalize : bool
        Divide each issue's evaluations by their maximum (GENIUS semantics; XML profiles only).

    Raises
    ------
    detente.scenario.io.genius.GeniusFormatError
        A :class:`~detente.scenario.errors.ScenarioError` located by file, line and field.
    """
    return domain_from_genius(read_genius_negotiation(path, n_real=n_real, normalize=normalize))
