"""The words of :meth:`SimulationResult.summary`: how likely a deal is by when, on what terms,
and what blocks it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from detente.process.result import SimulationResult

__all__ = ["summarise"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def summarise(r: SimulationResult) -> str:
    """The summary text, paragraph by paragraph: the run; the probability by date; the
    terms; what blocks; ratification; the strategies."""
    lines = _header(r) + _probability(r) + _terms(r) + _blocks(r) + _strategies(r)
    return "\n".join(lines)


def _header(r: SimulationResult) -> list[str]:
    inputs = "the point values" if r.point else "inputs drawn per run"
    start = r.dates[0].isoformat() if r.dates else "?"
    end = r.dates[-1].isoformat() if r.dates else "?"
    what = f", what-if '{r.what_if}'" if r.what_if and "what-if" not in r.scenario else ""
    return [
        f"Simulated talks: {r.scenario}{what}",
        f"  {r.protocol.replace('_', ' ')} ({r.draft}), {r.runs:,} runs of {r.rounds} rounds "
        f"from {start} to {end}, {inputs}; seed {r.seed}",
    ]


def _probability(r: SimulationResult) -> list[str]:
    p, lo, hi = r.by_round()
    po, plo, phi = r.overall()
    marks = sorted({max(0, r.rounds // 4 - 1), max(0, r.rounds // 2 - 1), r.rounds - 1})
    out = ["Probability of a ratified deal (95% interval):"]
    for t in marks:
        out.append(f"  by {r.dates[t].isoformat()}: {_pct(p[t])} ({_pct(lo[t])}-{_pct(hi[t])})")
    dr = r.record.deal_round
    if (dr >= 0).any():
        med = int(np.median(dr[dr >= 0]))
        out.append(f"  half of the deals are ratified by {r.dates[med].isoformat()}")
    else:
        out.append(f"  no run reached a ratified deal by {r.dates[-1].isoformat()}")
    if r.point and po in (0.0, 1.0):
        out.append(
            "  (every run used the point values: the answer is all or nothing; draw the "
            "uncertain inputs for a probability)"
        )
    del plo, phi
    return out


def _terms(r: SimulationResult) -> list[str]:
    q = r.terms_quantiles()
    if not r.agreed.any():
        return []
    out = ["Agreed terms (median, 5%-95% of the deals):"]
    for iss, s in q.items():
        if s.get("n"):
            out.append(f"  {iss}: {s['median']:.4g} ({s['q05']:.4g}-{s['q95']:.4g})")
    return out


def _blocks(r: SimulationResult) -> list[str]:
    w = r.walkaways()
    out = []
    if w["runs_without_deal"]:
        out.append(f"What blocks ({w['runs_without_deal']:,} runs without a deal):")
        for row in w["held_out"][:5]:
            out.append(
                f"  {row['actor']} holds out on {row['issue']} at the end in "
                f"{_pct(row['share'])} of them"
            )
        if not w["held_out"]:
            out.append(
                "  no veto player objects at the end (a declared contradiction or "
                "ratification stops them)"
            )
    first = w["first_objection"][:3]
    if first:
        out.append(
            "First objections: "
            + "; ".join(f"{x['actor']} on {x['issue']} ({_pct(x['share'])})" for x in first)
        )
    if w["ratification_failures"]:
        out.append(
            "Ratification failures: "
            + ", ".join(f"{k} {v:,}" for k, v in w["ratification_failures"].items())
            + f"; {w['runs_ended_by_ratification']:,} runs ended after their last attempt failed"
        )
    return out


def _strategies(r: SimulationResult) -> list[str]:
    who = [f"{a} {s}" for a, s, b in zip(r.actor_ids, r.strategies, r.blockers, strict=True) if b]
    return ["Veto players' strategies: " + ("; ".join(who) if who else "none")]
