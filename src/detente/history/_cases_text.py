"""Plain-text report of :class:`detente.history.cases.CaseScores` (kept apart: layout only)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.history.cases import CaseScores

__all__ = ["summary_text"]


def _num(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _cell(m: dict[str, Any]) -> str:
    return f"{_num(m['mae'])} [{_num(m['lo'])}, {_num(m['hi'])}]"


def _table(res: CaseScores) -> list[str]:
    by = {(m["model"], m["case"]): m for m in res.metrics}
    cols = [*res.cases, "pooled"]
    width = max(20, *(len(c) + 2 for c in cols))
    head = f"{'model':<17}" + "".join(f"{c:<{width}}" for c in cols) + "vs compromise"
    out = [head, "-" * len(head)]
    for model in res.models:
        line = f"{model:<17}"
        for c in cols:
            m = by.get((model, c))
            line += f"{(_cell(m) if m else '-'):<{width}}"
        p = by.get((model, "pooled"), {})
        if "vs_baseline" in p:
            line += f"{p['vs_baseline']:+.1f} [{_num(p['vs_lo'])}, {_num(p['vs_hi'])}]"
        out.append(line)
    return out


def _eve_lines(name: str, e: dict[str, Any]) -> list[str]:
    verdict = "a zone of agreement exists" if e["zone"] else "NO zone of agreement"
    out = [f"{name} (as of {e['as_of']}; outcome {e['outcome_date']}): {verdict}"]
    if e["gaps"]:
        gaps = ", ".join(
            f"{g['issue']} (gap {_num(g.get('gap'))}: {g.get('low_side')} v {g.get('high_side')})"
            for g in e["gaps"]
        )
        out.append(f"  blocking issues (veto players' limits do not meet): {gaps}")
    elif e["blocking"]:
        out.append(f"  blocking issues: {', '.join(e['blocking'])}")
    for actor, per in e["inside"].items():
        known = {k: v for k, v in per.items() if v is not None}
        outside = [k for k, v in known.items() if not v["inside"]]
        txt = f"  outcome inside {actor}'s signable interval on {len(known) - len(outside)}"
        txt += f"/{len(known)} issues"
        out.append(txt + (f" (outside: {', '.join(outside)})" if outside else ""))
    for s in e["stages"]:
        rec = "passed" if s["passed"] else "failed"
        out.append(
            f"  stage {s['stage']}: P(pass) at the recorded terms {_num(s['p_pass'], 2)}; "
            f"recorded {rec} on {s['date']} (Brier {_num(s['brier'], 2)})"
        )
    sim = e.get("simulate")
    if sim is not None:
        rec = e["recorded_ratified"]
        txt = (
            f"  simulate: P(ratified deal within {sim['rounds']} rounds) {_num(sim['p'], 2)} "
            f"[{_num(sim['lo'], 2)}, {_num(sim['hi'], 2)}] ({sim['runs']} runs)"
        )
        if rec is not None:
            txt += f"; recorded: {'ratified' if rec else 'not ratified'}"
            txt += f" (Brier {_num(sim.get('brier'), 2)})"
        out.append(txt)
    return out


def _revision_lines(res: CaseScores) -> list[str]:
    if not res.revision_rows:
        return []
    out = ["", "Against the later revised texts (not pooled):"]
    keys = dict.fromkeys((r["case"], r["revision"]) for r in res.revision_rows)
    for case, rev in keys:
        parts = []
        for model in res.models:
            errs = [
                r["abs_error"]
                for r in res.revision_rows
                if r["case"] == case and r["revision"] == rev and r["model"] == model
            ]
            if errs:
                parts.append(f"{model} {sum(errs) / len(errs):.1f}")
        out.append(f"  {case} text of {rev}: MAE " + ", ".join(parts))
    return out


def summary_text(res: CaseScores) -> str:
    """Header, the MAE table, skipped models, the eves and the revised texts."""
    n = len(res.cases)
    k = len({(r["case"], r["issue"]) for r in res.rows})
    lines = [
        f"Historical cases: {n} case{'s' if n != 1 else ''} ({', '.join(res.cases)}), "
        f"{k} scored issues.",
        "Absolute error in points of each issue's 0-100 scale: MAE [95% bootstrap interval]; per "
        "case over its issues, pooled over whole cases.",
        f"Small n: the pooled interval resamples {n} case{'s' if n != 1 else ''}; with so few it "
        "is a rough band, not a confidence interval (blank below two cases).",
        "",
        *_table(res),
    ]
    if res.skipped:
        lines += ["", "Not scored (or not on every case):"] + [
            f"  {m}: {why}" for m, why in res.skipped.items()
        ]
    if res.eve:
        lines += ["", "The eve (analyze on the scenario; the recorded outcome against it):"]
        for name in res.cases:
            if name in res.eve:
                lines += _eve_lines(name, res.eve[name])
    lines += _revision_lines(res)
    return "\n".join(lines) + "\n"
