"""What ``detente forecast`` writes: a CSV, a JSON document or a rich table.

Every user string (scenario, issue, actor names, units, anchor labels) reaches rich escaped,
so that brackets in a name are printed as written, never read as markup.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# a model's name as a reader sees it (never the bare alias ``eu``)
from detente.models.registry import display_name

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from detente.models.result import Forecast
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.schema import Issue, Scenario

__all__ = ["emit_forecasts", "write_text"]

#: Issues above which the table drops the scale and nearest-option columns.
_WIDE = 40


def emit_forecasts(
    scenario: Scenario,
    arrays: ScenarioArrays,
    results: Sequence[Forecast],
    fmt: str,
    history: bool,
    output: Path | None,
) -> None:
    """Write the forecasts as ``fmt`` (``table``, ``csv`` or ``json``) to ``output`` or stdout.

    CSV holds one table so that it parses: with ``history``, the rounds
    (model,round,actor,issue,position); without, the forecasts (model,issue,forecast). Floats
    are written in full (the shortest text that reads back to the same number).
    """
    if fmt not in ("csv", "json") and not history:
        _print_table(scenario, results, None, output)  # the table needs no data frame
        return
    import pandas as pd

    fc = pd.concat([r.to_df() for r in results], ignore_index=True)
    hist = (
        pd.concat([_history_frame(r, arrays) for r in results], ignore_index=True)
        if history
        else None
    )
    if fmt == "csv":
        table = hist if hist is not None else fc
        write_text(table.to_csv(index=False), output)
    elif fmt == "json":
        from detente.results import jsonable

        payload: dict[str, Any] = {
            "scenario": scenario.name,
            "as_of": None if scenario.as_of is None else scenario.as_of.isoformat(),
            "forecasts": jsonable(fc.to_dict(orient="records")),
            "rounds": {r.model: r.n_rounds for r in results},
        }
        if hist is not None:
            payload["history"] = jsonable(hist.to_dict(orient="records"))
        text = json.dumps(payload, indent=2, allow_nan=False) + "\n"
        write_text(text, output)
    else:
        _print_table(scenario, results, hist, output)


def write_text(text: str, output: Path | None) -> None:
    """``text`` to ``output`` (atomically), or to stdout when ``output`` is None."""
    if output is None:
        sys.stdout.write(text)
        return
    from detente.scenario.io._common import atomic_write_text

    atomic_write_text(output, text)


def _history_frame(res: Forecast, arrays: ScenarioArrays) -> pd.DataFrame:
    """Every actor's position at every round; a static model's is its inputs (round 0)."""
    import numpy as np

    from detente.models import Forecast

    if res.history is None:
        res = Forecast(
            res.model,
            res.issue_ids,
            res.actor_ids,
            res.forecast,
            history=np.asarray(arrays.position)[None],
        )
    return res.history_df()


def _nearest_anchor(issue: Issue, value: float) -> str:
    """The documented option nearest ``value``, its label whole (the table wraps it)."""
    if not issue.scale.anchors or math.isnan(value):
        return ""
    a = min(issue.scale.anchors, key=lambda a: abs(a.value - value))
    return f"{a.value:g}: {' '.join(a.label.split())}"


def _infeasible(res: Forecast) -> list[bool]:
    """Per issue: the model found no outcome every weighted actor prefers to disagreement."""
    import numpy as np

    feas = res.extra.get("feasible")
    if feas is None:
        return [False] * len(res.issue_ids)
    return [not bool(f) for f in np.asarray(feas, dtype=bool).reshape(-1)]


def _cell(value: float, infeasible: bool) -> str:
    """A forecast as printed: ``–`` for none, ``*`` after a status quo fallen back to."""
    if math.isnan(value):
        return "–"
    return f"{value:.1f}" + ("*" if infeasible else "")


def _notes(results: Sequence[Forecast]) -> list[str]:
    """The caption: what ``*`` and ``–`` mean, for each model that printed them."""
    notes = []
    for r in results:
        bad = _infeasible(r)
        nan = [math.isnan(float(v)) for v in r.forecast]
        star = any(b and not n for b, n in zip(bad, nan, strict=True))
        dash = any(b and n for b, n in zip(bad, nan, strict=True))
        if star or dash:
            there = (
                "there it forecasts the status quo, marked *, or '–' where the issue has none"
                if star and dash
                else "there it forecasts the status quo, marked *"
                if star
                else "'–' there: those issues have no status quo to fall back on"
            )
            notes.append(
                f"{display_name(r.model)}: on {sum(bad)} issue(s) no outcome is preferred by "
                f"every actor with weight to its reservation point or the status quo; {there}"
            )
        if any(n and not b for b, n in zip(bad, nan, strict=True)):
            notes.append(
                f"{display_name(r.model)}: '–' = no forecast (no actor with weight on the issue)"
            )
    return notes


def _new_table(scenario: Scenario, results: Sequence[Forecast], wide: bool) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=escape(scenario.name) + (f" (as of {scenario.as_of})" if scenario.as_of else ""),
        show_lines=False,
    )
    longest = max((len(i.id) for i in scenario.issues), default=5)
    table.add_column("issue", overflow="fold", min_width=min(longest, 24))
    if not wide:
        table.add_column("scale", overflow="fold")
    for r in results:
        rounds = f" ({r.n_rounds} rounds)" if r.history is not None else ""
        table.add_column(
            escape(display_name(r.model)) + rounds, justify="right", overflow="fold", max_width=16
        )
    if not wide:
        # the label is folded onto more lines, never cut (rich shares the width out)
        table.add_column(
            f"nearest option to {escape(display_name(results[0].model))}", overflow="fold"
        )
    return table


def _fill_table(table: Table, scenario: Scenario, results: Sequence[Forecast], wide: bool) -> None:
    from rich.markup import escape

    infeasible = [_infeasible(r) for r in results]
    for j, issue in enumerate(scenario.issues):
        cells = [escape(issue.id)]
        if not wide:
            sc = issue.scale
            unit = sc.unit if len(sc.unit) <= 12 else ""
            cells.append(escape(f"{sc.lo:g}–{sc.hi:g} {unit}".strip()))
        cells += [
            _cell(float(r.forecast[j]), bad[j]) for r, bad in zip(results, infeasible, strict=True)
        ]
        if not wide:
            cells.append(escape(_nearest_anchor(issue, float(results[0].forecast[j]))))
        table.add_row(*cells)


def _print_table(
    scenario: Scenario,
    results: Sequence[Forecast],
    hist: pd.DataFrame | None,
    output: Path | None,
) -> None:
    """The forecast table (issue, scale, one column per model, nearest documented option)."""
    from rich.console import Console
    from rich.markup import escape

    from detente.cli.app import console

    wide = len(scenario.issues) > _WIDE
    table = _new_table(scenario, results, wide)
    _fill_table(table, scenario, results, wide)
    notes = _notes(results)
    if notes:
        table.caption = escape("\n".join(notes))
    if output is None:
        out = console()
    else:
        import io

        buf = io.StringIO()
        out = Console(file=buf, width=160)
    out.print(table)
    if hist is not None:
        out.print(hist.to_string(index=False), markup=False, highlight=False)
    if output is not None:
        write_text(buf.getvalue(), output)
