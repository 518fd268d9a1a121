"""Dyad-year rows to dyad episodes: start, end or censoring, how each ended, covariates.

An episode is a run of consecutive active years of one dyad (Kreutz 2010), identified here by
the dyad and the episode's start date (``start_date2``): the file's ``dyadepisode`` counter
repeats within a dyad in a few rows (dyad 12102 has two episodes numbered 1), the start date
does not.

- **End**: the last row of the episode with an end date (``ependdate``) gives the end and the
  ``outcome``. Three episodes close (``dyadterm`` = 1) without an end date: they end on 31
  December of their last year, with the closing row's outcome (one peace agreement, dyad 861 in
  1998). A missing outcome on a closing row counts as "other" (unknown, code 0). An episode
  with no end is censored on 31 December of the data's last year (or of ``until_year``).
- **Covariates** are those of the episode's first year (type of conflict, intensity,
  incompatibility, region): known at the start, so nothing is looked up from the future.
- **Renewed fighting within 5 years** (``recur5``): the dyad's next episode (the file marks its
  first row ``recur`` = 1) starts within 5 years (1,826 days) of this one's end; missing while
  the 5 years have not passed by the censoring date and no new episode has begun.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []

#: Competing causes of an episode's end (0 = still running / censored).
CAUSES = {1: "agreement", 2: "ceasefire", 3: "other"}
#: UCDP ``outcome`` codes (Kreutz 2010; the termination codebook).
OUTCOMES = {
    1: "peace agreement",
    2: "ceasefire",
    3: "victory side A",
    4: "victory side B",
    5: "low activity",
    6: "actor ceases to exist",
    0: "unknown",
}
RECUR_DAYS = 1826


def build_episodes(rows: pd.DataFrame, *, until_year: int | None = None) -> pd.DataFrame:
    """One row per dyad episode (see the module docstring).

    ``until_year``: only rows of that year and earlier are used (what was known at the end
    of it): later rows are dropped *before* anything else, so episodes still running then are
    censored on its 31 December and neither later end dates, outcomes nor recurrences leak.

    Steps: drop later rows; sort by dyad, episode start and year; take each episode's first
    row (covariates), its last row with an end date (end, outcome) and its last row
    (``dyadterm``); censor what has no end; mark renewed fighting within 5 years.
    """
    import pandas as pd

    if until_year is not None:
        rows = rows[rows["year"] <= until_year]
    if rows.empty:
        return pd.DataFrame()
    censor = dt.date(int(rows["year"].max()), 12, 31)
    rows = rows.sort_values(["dyad_id", "start_date2", "year"], kind="stable")
    key = ["dyad_id", "start_date2"]
    first = rows.groupby(key, sort=True).head(1).set_index(key)
    last = rows.groupby(key, sort=True).tail(1).set_index(key)
    ended = rows[rows["ependdate"].notna()].groupby(key, sort=True).tail(1).set_index(key)
    df = first.reset_index()
    ends: list[Any] = []
    outcomes: list[Any] = []
    for k in first.index:
        end, outcome = _end(ended, last, k)
        if end is not None and end > censor:
            end, outcome = None, None
        ends.append(end)
        outcomes.append(outcome)
    df = _frame(df, ends, outcomes, censor)
    df["recur5"] = _recurrence(df, censor)
    return df


def _end(ended: pd.DataFrame, last: pd.DataFrame, k: Any) -> tuple[Any, Any]:
    """(end date, outcome code) of episode ``k``; (None, None) when it has not ended."""
    if k in ended.index:
        row = ended.loc[k]
        return row["ependdate"], _code(row["outcome"])
    if _code(last.loc[k, "dyadterm"]) == 1:
        return dt.date(int(last.loc[k, "year"]), 12, 31), _code(last.loc[k, "outcome"])
    return None, None


def _frame(first: pd.DataFrame, ends: list[Any], outcomes: list[Any], censor: dt.date) -> Any:
    import pandas as pd

    stops = [censor if e is None else e for e in ends]
    return pd.DataFrame(
        {
            "dyad_id": first["dyad_id"].astype(int),
            "conflict_id": first["conflict_id"].astype(int),
            "location": first["location"],
            "side_a": first["side_a"],
            "side_b": first["side_b"],
            "start": first["start_date2"],
            "end": pd.Series(ends, index=first.index, dtype=object),
            "censor": censor,
            "duration": [
                float(max((s - b).days, 1))
                for s, b in zip(stops, first["start_date2"], strict=True)
            ],
            "event": [0 if o is None else {1: 1, 2: 2}.get(o, 3) for o in outcomes],
            "outcome": [-1 if o is None else o for o in outcomes],
            "type_of_conflict": first["type_of_conflict"].astype(int),
            "intensity": first["intensity_level"].astype(int),
            "incompatibility": first["incompatibility"].astype(int),
            "regions": [tuple(r) for r in first["region"]],
            "decade": [(d.year // 10) * 10 for d in first["start_date2"]],
            "line": first["line"].astype(int),
        }
    )


def _code(x: Any) -> int:
    """A code cell as an int; 0 when missing (``None`` or NaN after pandas' conversion)."""
    return 0 if x is None or x != x else int(x)


def _recurrence(df: pd.DataFrame, censor: dt.date) -> list[float]:
    """Per episode: 1 if the dyad fights again within 5 years of the end, 0 if not, NaN when
    still running or not yet known."""
    out: list[float] = []
    nxt = df.groupby("dyad_id")["start"].shift(-1)
    for end, n in zip(df["end"], nxt, strict=True):
        if end is None:
            out.append(float("nan"))
            continue
        limit = end + dt.timedelta(days=RECUR_DAYS)
        if isinstance(n, dt.date) and n <= limit:
            out.append(1.0)
        elif limit <= censor:
            out.append(0.0)
        else:
            out.append(float("nan"))
    return out
