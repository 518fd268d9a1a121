"""DEU III for backtesting: the scored issues, their outcomes, and capability options.

DEU records no capabilities. Published work uses Council voting weights or power indices
(Arregui, Stokman & Thomson 2004); blksv's public copy adds a GDP line. This module offers

``equal``
    every actor 1;
``gdp``
    the GDP line of the table (USD trillions; Commission and Parliament 4.1);
``council``
    the member states' Council votes of the regime in force when the proposal was introduced
    (the ``intro`` column; the adoption dates in the public copy are garbled): the 1995 EU-15
    weights before 1 November 2004, the Nice weights from then to 31 October 2014, the double
    majority after that. The Commission and the Parliament get the mean member-state weight
    (a neutral choice: neither votes in the Council);
``council-roles``
    the same Council weights, with the Commission and the Parliament weighted by their role
    under the proposal's procedure (:func:`role_capability`).

Treaty figures
--------------
* **EU-15 weights, 1 January 1995 – 31 October 2004**: Article 148(2) EC (Article 205(2) EC after
  Amsterdam) as amended by the 1994 Act of Accession (Austria, Finland, Sweden): Germany, France,
  Italy, United Kingdom 10; Spain 8; Belgium, Greece, Netherlands, Portugal 5; Austria, Sweden 4;
  Denmark, Ireland, Finland 3; Luxembourg 2 (total 87; a qualified majority is 62).
* **Nice weights, 1 November 2004 – 31 October 2014**: Protocol on the enlargement of the
  European Union annexed to the Treaty of Nice (2001), Article 3, as adapted by the Acts of
  Accession of 2003, 2005 and 2012 (Croatia): Germany, France, Italy, United Kingdom 29; Spain,
  Poland 27; Romania 14; Netherlands 13; Belgium, Czech Republic, Greece, Hungary, Portugal 12;
  Austria, Bulgaria, Sweden 10; Denmark, Ireland, Lithuania, Slovakia, Finland, Croatia 7;
  Cyprus, Estonia, Latvia, Luxembourg, Slovenia 4; Malta 3 (EU-28 total 352; a qualified
  majority is 260). These were also the weights of Protocol 36 TFEU, Article 3(3), until
  31 October 2014 (and on request until 31 March 2017).
* **Double majority, from 1 November 2014**: Article 16(4) TEU and Article 238(3) TFEU — at least
  55 % of the members of the Council comprising at least 65 % of the Union's population. The
  population figures are those the Council fixes each year in Annex III of its Rules of
  Procedure; :data:`POPULATION_2015` holds the figures for 2015 (Council Decision
  2014/937/EU; Eurostat populations of 1 January 2014), rounded to thousands. **They are
  unverified**: they were transcribed from memory of the decision and have not been checked
  against its text. Only the ``council`` and ``council-roles`` options use them, and only for
  proposals introduced from 1 November 2014 (7 of the 95 proposals, 19 of the 245 scored
  issues of ``deu3-dev.tsv``); every other option and every other proposal is unaffected. A
  1 % error in one country's figure changes its capability by under 1 % and a forecast by
  far less.
  A state's capability under the double majority is the mean of its share of the members
  (1/28) and its share of the population — the two criteria weighted alike (a modelling
  choice, documented; a power index would be the refinement).

Roles of the Commission and the Parliament
------------------------------------------
* **Consultation (CNS)**: the Parliament gives a non-binding opinion; the Council decides, and
  may amend the Commission's proposal only by unanimity (Article 250(1) EC, Article 293(1)
  TFEU): the Commission is a strong agenda setter (Crombez 1996; Steunenberg 1994).
* **Co-decision / ordinary legislative procedure (COD)**: the Parliament is a co-legislator on
  an equal footing with the Council (Article 251 EC, Article 294 TFEU); in conciliation the
  Commission loses its agenda-setting privilege (Tsebelis & Garrett 2000; Crombez 2001).

References
----------
Arregui, J., Stokman, F. N. & Thomson, R. (2004). Bargaining in the European Union and shifts in
actors' policy positions. *European Union Politics* 5(1), 47–72.
Crombez, C. (1996). Legislative procedures in the European Community. *BJPolS* 26(2), 199–228.
Crombez, C. (2001). The co-decision procedure in the European Union. *LSQ* 26(1), 101–127.
Steunenberg, B. (1994). Decision making under different institutional arrangements. *JITE* 150(4).
Tsebelis, G. & Garrett, G. (2000). Legislative politics in the European Union. *EUP* 1(1), 9–36.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from detente.scenario.arrays import ScenarioArrays

__all__ = [
    "CAPABILITY_OPTIONS",
    "EU15_WEIGHTS",
    "NICE_WEIGHTS",
    "POPULATION_2015",
    "DeuData",
    "check_capability",
    "council_regime",
    "council_weights",
    "load_deu",
    "parse_intro",
    "proposal_arrays",
    "role_capability",
]

CAPABILITY_OPTIONS = ("equal", "gdp", "council", "council-roles")

EU15_WEIGHTS: dict[str, float] = {
    "de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5,
    "at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2,
}  # fmt: skip
"""Council votes 1995–2004 (Art. 148(2) EC as amended by the 1994 Act of Accession); total 87."""

NICE_WEIGHTS: dict[str, float] = {
    "de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13,
    "be": 12, "cz": 12, "el": 12, "hu": 12, "pt": 12, "at": 10, "bu": 10, "se": 10,
    "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7,
    "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3,
}  # fmt: skip
"""Council votes 2004–2014 (Nice enlargement protocol Art. 3, as adapted); EU-28 total 352."""

POPULATION_2015: dict[str, float] = {
    "de": 80_781, "fr": 65_857, "uk": 64_308, "it": 60_783, "es": 46_508, "pl": 38_496,
    "ro": 19_943, "nl": 16_829, "be": 11_204, "el": 10_993, "cz": 10_512, "pt": 10_427,
    "hu": 9_879, "se": 9_645, "at": 8_508, "bu": 7_246, "dk": 5_627, "fi": 5_451,
    "sk": 5_416, "ie": 4_604, "cr": 4_247, "lt": 2_943, "si": 2_061, "lv": 2_001,
    "ee": 1_316, "cy": 858, "lu": 550, "mt": 425,
}  # fmt: skip
"""Population in thousands for the double majority in 2015 (Council Decision 2014/937/EU);
unverified (transcribed from memory; see the module docstring for what depends on it)."""

_NICE_START = date(2004, 11, 1)
_DOUBLE_START = date(2014, 11, 1)
_ROLE_ACTORS = ("com", "ep")


# ----------------------------------------------------------------------------- dates
def parse_intro(text: str) -> date | None:
    """Parse the ``intro`` column of the DEU copy (three spellings occur).

    ``dd-mm-yy`` and ``dd-mm-yyyy`` are read as written. ``yyyy-mm-dd`` cells are the copy's
    garbling of ``dd-mm-yy``: the first two digits of the "year" are 19 or 20 and its last two
    are the day (``2026-10-06`` is 26 October 2006, ``1930-06-05`` is 30 June 2005). Two-digit
    years below 50 are 20xx. Returns ``None`` when nothing parses.
    """
    t = text.strip().strip('"')
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    if m:
        d, mo, y = int(m.group(1)[2:]), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})", t)
        if not m:
            return None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y < 100:
        y += 2000 if y < 50 else 1900
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def council_regime(intro: date | None) -> str:
    """``"eu15"``, ``"nice"`` or ``"double"`` by the date a proposal was introduced.

    An unknown date gets ``"nice"``, the regime of most of the DEU period.
    """
    if intro is None:
        return "nice"
    if intro < _NICE_START:
        return "eu15"
    if intro < _DOUBLE_START:
        return "nice"
    return "double"


def council_weights(states: list[str] | tuple[str, ...], regime: str) -> np.ndarray:
    """Council capability of each member state under ``regime``.

    A state without a weight in the EU-15 table (a later member recorded on an early proposal)
    gets its Nice weight rescaled to the EU-15 total (87/352 of it). Under the double majority,
    the mean of the member share (1/28) and the population share (:data:`POPULATION_2015`),
    times 100. Non-state actors get ``nan``.
    """
    out = np.full(len(states), np.nan)
    pop_total = sum(POPULATION_2015.values())
    for i, s in enumerate(states):
        if s not in NICE_WEIGHTS:
            continue
        if regime == "eu15":
            out[i] = EU15_WEIGHTS.get(s, NICE_WEIGHTS[s] * 87.0 / 352.0)
        elif regime == "double":
            out[i] = 100.0 * 0.5 * (1.0 / len(NICE_WEIGHTS) + POPULATION_2015[s] / pop_total)
        else:
            out[i] = NICE_WEIGHTS[s]
    return out


def role_capability(
    state_weights: np.ndarray,
    proc: str,
    *,
    ep_cod: float = 1.0,
    ep_cns: float = 0.0,
    com_cod: float = 0.25,
    com_cns: float = 0.5,
) -> tuple[float, float]:
    """Capabilities of the Commission and the Parliament by procedure.

    Each is a share of the total Council weight ``T`` of the member states at the table.
    Defaults (chosen a priori from the treaties, not tuned): under COD the Parliament is a
    co-legislator equal to the Council (``T``) and the Commission, which loses its agenda-setting
    privilege in conciliation, ``T/4``; under CNS the Parliament's opinion does not bind (0) and
    the Commission, whose proposal the Council can amend only by unanimity, ``T/2``. Any other
    or unknown procedure: both get the mean member-state weight.

    Returns
    -------
    (com, ep) : floats
    """
    w = state_weights[np.isfinite(state_weights)]
    total = float(w.sum()) if w.size else 1.0
    mean = float(w.mean()) if w.size else 1.0
    p = proc.strip().upper()
    if p == "COD":
        return com_cod * total, ep_cod * total
    if p == "CNS":
        return com_cns * total, ep_cns * total
    return mean, mean


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DeuData:
    """The scored DEU issues as arrays, with their outcomes and labels.

    Attributes
    ----------
    arrays : ScenarioArrays
        Issues restricted to the scored ones (``meta`` sliced to match).
    outcome : (k,) float
        Recorded outcome per issue (``nan`` where the file has none, e.g. held-out inputs).
    proposal, proc, vote, intro : (k,) object arrays
        ``prnr``; procedure and Council rule as
        :func:`detente.models.procedural.issue_labels` normalises them (upper case; ``COD``,
        ``CNS``; ``QMV(10)`` and other ``QMV…`` spellings → ``QMV``, ``Unan``, ``UNANIMITY``
        and other ``UNAN…`` spellings → ``UNAN``); introduction date text.
    gdp : (n,) float
        The GDP line of the file (used by the ``gdp`` option; 1 where the file has none).
    path : Path
    has_gdp : bool
        Whether the file has the GDP line (the line after the header, no issue number).
    """

    arrays: ScenarioArrays
    outcome: np.ndarray
    proposal: np.ndarray
    proc: np.ndarray
    vote: np.ndarray
    intro: np.ndarray
    gdp: np.ndarray
    path: Path
    has_gdp: bool = True

    @property
    def n_issues(self) -> int:
        return len(self.outcome)


def load_deu(path: str | Path, *, need_outcome: bool = True, min_actors: int = 3) -> DeuData:
    """Read a DEU III table and keep the issues the published baselines score.

    Parameters
    ----------
    path : str or Path
    need_outcome : bool
        Keep only issues with a recorded outcome (False for ``deu3-holdout-inputs.tsv``).
    min_actors : int
        Minimum number of actors with a valid position (3 in the published baselines).

    Raises
    ------
    ScenarioError
        From the DEU reader, for a malformed table.
    """
    # the built-in models register in their documented order before one is imported here
    import detente.models._builtin  # noqa: F401
    from detente.models.procedural import issue_labels
    from detente.scenario.io.deu import read_deu, valid_issue_ids

    scenario = read_deu(path, capability="gdp")
    keep_ids = set(valid_issue_ids(scenario, min_actors=min_actors, need_outcome=need_outcome))
    arrays = scenario.to_arrays()
    keep = np.array([i in keep_ids for i in arrays.issue_ids], dtype=bool)
    arrays = arrays.subset(issues=keep)
    attrs = arrays.meta["issue_attributes"]
    outcome = np.array([float(a.get("outcome", np.nan)) for a in attrs])
    proc, vote = issue_labels(arrays)
    return DeuData(
        arrays=arrays,
        outcome=outcome,
        proposal=np.array(arrays.meta["issue_groups"], dtype=object),
        proc=proc,
        vote=vote,
        intro=np.array([str(a.get("intro", "")) for a in attrs], dtype=object),
        gdp=np.asarray(arrays.capability, dtype=float).copy(),
        path=Path(path),
        has_gdp=any("GDP-blksv" in a.capability_sources for a in scenario.actors),
    )


def check_capability(data: DeuData, capability: str) -> None:
    """Refuse a capability option the table cannot give.

    Raises
    ------
    KeyError
        An unknown option, with the allowed ones.
    ScenarioError
        ``gdp`` on a table without the GDP line (the file, line 2, what is allowed).
    """
    if capability not in CAPABILITY_OPTIONS:
        raise KeyError(
            f"unknown capability option {capability!r}; allowed: {', '.join(CAPABILITY_OPTIONS)}"
        )
    if capability == "gdp" and not data.has_gdp:
        from detente.scenario.errors import ScenarioError

        raise ScenarioError(
            "capability 'gdp' needs the table's GDP line (the line after the header, with no "
            "issue number and one GDP per actor column), and this table has none",
            path=data.path,
            line=2,
            field="capability",
            value=capability,
            allowed="equal, council or council-roles; or a table with the GDP line "
            "(as deu3-dev.tsv has)",
        )


def proposal_arrays(data: DeuData, issues: np.ndarray, capability: str = "equal") -> ScenarioArrays:
    """The arrays of a set of issues of one proposal, with the actors present and a capability.

    Parameters
    ----------
    data : DeuData
    issues : (k,) bool mask or index array into ``data``'s issues (all of one proposal when
        ``capability`` depends on the proposal: its first issue's procedure and date are used)
    capability : one of :data:`CAPABILITY_OPTIONS`
    """
    check_capability(data, capability)
    idx = np.arange(data.n_issues)[issues]
    a = data.arrays
    actors = a.present[:, idx].any(axis=1)
    sub = a.subset(actors=actors, issues=idx)
    ids = sub.actor_ids
    if capability == "equal":
        cap = np.ones(len(ids))
    elif capability == "gdp":
        cap = data.gdp[actors]
    else:
        regime = council_regime(parse_intro(data.intro[idx[0]]))
        w = council_weights(ids, regime)
        if capability == "council":
            com = ep = float(np.nanmean(w)) if np.isfinite(w).any() else 1.0
        else:
            com, ep = role_capability(w, data.proc[idx[0]])
        role = {"com": com, "ep": ep}
        cap = np.array([role.get(s, w[i]) for i, s in enumerate(ids)], dtype=float)
        cap = np.where(np.isfinite(cap), cap, 1.0)
    return replace(sub, capability=np.asarray(cap, dtype=float))
