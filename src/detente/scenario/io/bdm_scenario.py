"""Expected-utility (BDM) actor tables as detente scenarios.

The low-level parsing is :mod:`detente.scenario.io.bdm` (``Actor|Stakeholder,
Capability|Resources, Position, Salience``, one row per actor, one issue per file). This module
turns a table into a one-issue :class:`~detente.scenario.schema.Scenario`:

* **Actors.** Ids from the names (characters other than ``[A-Za-z0-9_.:-]`` mapped to ``_``, a
  ``_2`` … suffix where two names collide that way); the name as written; capability as written
  (the files use 0–1 shares or raw resource counts — only ratios matter to the models).
* **Issue.** One issue named after the file. The files state no scale, so it is the observed
  range of the positions, from the smallest to the largest (``lo - 0.5 .. lo + 0.5`` when every
  actor stands at one point). Forecasts are then in the file's own units (e.g. the EC car
  emission case's 4–10).
* **Salience** onto detente's 0–100: as written when the file's saliences exceed 1 anywhere
  (a 0–100 file), times 100 otherwise (a 0–1 file).

The format is read only; write YAML or tidy CSV instead.

References
----------
Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, 71–104.
Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno De Mesquita's group
decision model. *Journal of Theoretical Politics* 23(4), 510–531.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from detente.scenario.io._common import build_scenario, read_text, unique_ids
from detente.scenario.io.bdm import BdmData, read_bdm_csv
from detente.scenario.schema import Scenario

__all__ = ["read_bdm_scenario"]


def read_bdm_scenario(path: str | Path, text: str | None = None) -> Scenario:
    """Read an expected-utility actor table into a one-issue scenario.

    Steps
    -----
    1. Refuse an empty, oversized or non-UTF-8 file
       (:func:`~detente.scenario.io._common.read_text`).
    2. Parse with :func:`detente.scenario.io.bdm.read_bdm_csv`.
    3. Map names to ids, the position range to the issue's scale and the saliences onto 0–100
       (see the module notes), and validate.

    Parameters
    ----------
    path : str or Path
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With the file, line, column, value and what is allowed.

    References
    ----------
    Bueno de Mesquita (1994); Scholz, Calbert & Smith (2011).
    """
    p = Path(path)
    if text is None:
        text = read_text(p)
    data = read_bdm_csv(p, text)
    # Line of each actor row (the low-level reader skips blank lines).
    body = [n for n, ln in enumerate(text.splitlines(), start=1) if ln.strip(" ,\t\r")][1:]
    return build_scenario(*_scenario_dict(p, data, body))


def _scenario_dict(
    p: Path, data: BdmData, body: list[int]
) -> tuple[dict[str, Any], Path, dict[tuple[Any, ...], int]]:
    """The scenario's fields, and the line of each actor (for located schema errors)."""
    ids = unique_ids(list(data.actors))
    lo, hi = min(data.position), max(data.position)
    if hi <= lo:
        lo, hi = lo - 0.5, lo + 0.5
    factor = 100.0 / data.salience_scale
    issue = re.sub(r"[^A-Za-z0-9_.:\-]+", "_", p.stem).strip("_")[:80] or "issue"
    lines: dict[tuple[Any, ...], int] = {}
    actors, positions = [], []
    for n, (aid, name, c, x, s) in enumerate(
        zip(ids, data.actors, data.capability, data.position, data.salience, strict=True)
    ):
        if n < len(body):
            lines[("actors", n)] = lines[("positions", n)] = body[n]
        actors.append({"id": aid, "name": name, "capability": float(c)})
        positions.append(
            {"actor": aid, "issue": issue, "position": float(x), "salience": float(s) * factor}
        )
    scenario = {
        "name": p.stem,
        "description": f"Expected-utility actor table ({p.name})",
        "actors": actors,
        "issues": [
            {
                "id": issue,
                "name": p.stem,
                "scale": {"lo": float(lo), "hi": float(hi), "unit": "points"},
            }
        ],
        "positions": positions,
    }
    return scenario, p, lines
