"""SAO with time-based strategies: detente's vectorised ``sao_table`` against NegMAS, measured
in the same run on the shared GENIUS domains (issue 13).

NegMAS (AGPL) is never a detente dependency: it runs in its own venv, in a subprocess. Set it
up once, outside the project::

    python3 -m venv /work/negmas-venv && /work/negmas-venv/bin/pip install negmas

or point ``DETENTE_NEGMAS_PYTHON`` at any Python that imports negmas.

Per domain, the same ``R`` negotiations on both sides: each party draws a strategy among
NegMAS's ``BoulwareTBNegotiator`` / ``LinearTBNegotiator`` / ``ConcederTBNegotiator``
(Faratin e = 0.25, 1, 4: NegMAS's aspiration exponents 4, 1, 0.25) and a reserved value
uniform over the lower 80 % of its utility range; SAO with ``n_steps`` rounds; time
discounting removed (Laptop's profiles carry a discount factor). The NegMAS
worker loads the domain with NegMAS, enumerates the outcomes and exports its own utility table;
detente runs :func:`detente.process.protocols.alternating.sao_table` on that same table, so
the two sides negotiate over identical numbers. detente's own GENIUS reader (unnormalised) is checked against
that table (the same multiset of utility vectors).

Tests (per domain): the agreement rates by a two-proportion z-test and each party's mean
agreed utility by Welch's t-test (both two-sided, 5 %; Bonferroni over the parties); and, because the inputs are paired,
how many negotiations end in exactly the same outcome at the same round. Speed: negotiations
per second, NegMAS (mechanism built and run per negotiation, as a user would) against detente
(all R negotiations of a domain in one vectorised call, repeated to time it).

Usage: ``python benchmarks/bench_negmas_protocol.py [--runs R] [--steps S]``; writes
``benchmarks/results/negmas_protocol.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GENIUS = ROOT / ".." / "shared" / "data" / "genius"
OUT = ROOT / "benchmarks" / "results" / "negmas_protocol.md"
NEGMAS_PY = os.environ.get("DETENTE_NEGMAS_PYTHON", "/work/negmas-venv/bin/python")
DOMAINS = (
    "EnglandZimbabwe",
    "ItexvsCypress",
    "Laptop",
    "AirportSiteSelectionA",
    "Politics",
    "ZoningPlan",
)
E = {"boulware": 0.25, "linear": 1.0, "conceder": 4.0}
KINDS = tuple(E)

WORKER = r"""
import json, sys, time
import numpy as np
from negmas.inout import Scenario
from negmas.sao import SAOMechanism
from negmas.gb.negotiators.timebased import (BoulwareTBNegotiator, LinearTBNegotiator,
    ConcederTBNegotiator)
cls = {"boulware": BoulwareTBNegotiator, "linear": LinearTBNegotiator,
       "conceder": ConcederTBNegotiator}
job = json.load(open(sys.argv[1]))
s = Scenario.load(job["path"])
s = s.remove_discounting() or s  # time discounting is not part of the comparison
outcomes = list(s.outcome_space.enumerate())
index = {o: i for i, o in enumerate(outcomes)}
table = np.array([[float(u(o)) for u in s.ufuns] for o in outcomes])
lo, hi = table.min(axis=0), table.max(axis=0)
res = []
t0 = time.perf_counter()
for cfg in job["configs"]:
    m = SAOMechanism(outcome_space=s.outcome_space, n_steps=job["steps"])
    for p, (kind, f) in enumerate(zip(cfg["kinds"], cfg["frac"])):
        uf = s.ufuns[p]
        uf.reserved_value = float(lo[p] + f * (hi[p] - lo[p]))
        m.add(cls[kind](name=f"p{p}"), preferences=uf)
    st = m.run()
    a = st.agreement
    res.append({"agreement": -1 if a is None else index[tuple(a)], "step": int(st.step)})
wall = time.perf_counter() - t0
np.save(sys.argv[2] + ".npy", table)
json.dump({"results": res, "wall": wall}, open(sys.argv[2], "w"))
"""


def configs(n_parties: int, runs: int, seed: int) -> list[dict]:
    """Per negotiation, each party's strategy and reserved value (as a share of its utility
    range; each side converts it on the same table)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(runs):
        kinds = [KINDS[int(i)] for i in rng.integers(0, 3, n_parties)]
        out.append({"kinds": kinds, "frac": rng.uniform(0.0, 0.8, n_parties).tolist()})
    return out


def negmas_side(path: Path, cfgs: list[dict], steps: int) -> tuple[np.ndarray, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "job.json"
        out = Path(tmp) / "out.json"
        job.write_text(json.dumps({"path": str(path), "configs": cfgs, "steps": steps}))
        w = Path(tmp) / "worker.py"
        w.write_text(WORKER)
        subprocess.run([NEGMAS_PY, str(w), str(job), str(out)], check=True, timeout=3600)
        return np.load(str(out) + ".npy"), json.loads(out.read_text())


def parties(path: Path) -> int:
    from detente.bargaining.genius import read_genius_folder

    return read_genius_folder(path).n_parties


def same_table(path: Path, table: np.ndarray) -> bool:
    from detente.bargaining.genius import read_genius_folder

    ours = read_genius_folder(path, normalize=False).enumerate_utilities()
    if ours.shape != table.shape:
        return False
    a = np.round(ours, 9)[np.lexsort(np.round(ours, 9).T[::-1])]
    b = np.round(table, 9)[np.lexsort(np.round(table, 9).T[::-1])]
    return bool(np.allclose(a, b, atol=1e-9))


def detente_side(table: np.ndarray, cfgs: list[dict], steps: int):
    from detente.process.protocols.alternating import sao_table

    lo, hi = table.min(axis=0), table.max(axis=0)
    reserved = lo + np.array([c["frac"] for c in cfgs]) * (hi - lo)
    e = np.array([[E[k] for k in c["kinds"]] for c in cfgs])
    out = sao_table(table, reserved, e, steps)
    reps, t0 = 0, time.perf_counter()
    while True:
        sao_table(table, reserved, e, steps)
        reps += 1
        if time.perf_counter() - t0 > 0.5:
            break
    return out, (time.perf_counter() - t0) / reps


def tests(table, ours, theirs) -> dict:
    agree_n = np.asarray([r["agreement"] for r in theirs["results"]])
    a1, a2 = ours.agreed, agree_n >= 0
    n = a1.size
    p1, p2 = a1.mean(), a2.mean()
    pool = (a1.sum() + a2.sum()) / (2 * n)
    se = math.sqrt(max(pool * (1 - pool) * 2 / n, 1e-300))
    z = (p1 - p2) / se if se > 0 else 0.0
    util_ok, worst_p = True, 1.0
    level = 0.05 / table.shape[1]  # Bonferroni over the parties
    from scipy import stats

    u2 = table[agree_n[a2]]
    for p in range(table.shape[1]):
        x, y = ours.utilities[a1, p], u2[:, p]
        if x.size > 1 and y.size > 1 and (x.std() > 0 or y.std() > 0):
            pv = stats.ttest_ind(x, y, equal_var=False).pvalue
            worst_p = min(worst_p, float(pv))
            util_ok &= bool(pv > level)
    same = int(np.sum(ours.agreement == agree_n))
    return {
        "p_ours": p1,
        "p_negmas": p2,
        "z": z,
        "rate_ok": abs(z) < 1.96,
        "util_ok": util_ok,
        "worst_p": worst_p,
        "same": same,
        "n": n,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    if not GENIUS.is_dir():
        sys.exit(f"{GENIUS} not found: the shared GENIUS domains are needed")
    rows = []
    for d, name in enumerate(DOMAINS):
        path = GENIUS / name
        n = parties(path)
        cfgs = configs(n, args.runs, seed=d)
        table, theirs = negmas_side(path, cfgs, args.steps)
        ours, t_ours = detente_side(table, cfgs, args.steps)
        row = {"domain": name, "outcomes": table.shape[0], "parties": n}
        row |= tests(table, ours, theirs)
        row |= {
            "negmas_rate": args.runs / theirs["wall"],
            "ours_rate": args.runs / t_ours,
            "reader": same_table(path, table),
        }
        rows.append(row)
        print(row, flush=True)
    write(rows, args)


def write(rows: list[dict], args) -> None:
    load = os.getloadavg()[0]
    lines = [
        "# SAO with time-based strategies: detente vs NegMAS (issue 13)",
        "",
        f"NegMAS {negmas_version()} in its own venv; {args.runs} negotiations per domain, "
        f"{args.steps} rounds each; strategies Boulware / linear / conceder drawn per party, "
        "reserved values uniform over the lower 80 % of each party's utility range; the same "
        "negotiations on both sides over NegMAS's own utility table. "
        f"**The machine was shared with other sessions** (load average {load:.1f} at the "
        "end): the rates are noisy; the ratios come from the same run.",
        "",
        "Tests: agreement rate, two-proportion z-test (|z| < 1.96: within sampling error); each "
        "party's mean agreed utility, Welch t-test (every p > 0.05 / parties, Bonferroni: within sampling error); "
        "'same' = negotiations ending in the identical outcome (paired inputs).",
        "",
        "| domain | outcomes | parties | P(agree) detente | P(agree) NegMAS | z | rate ok | "
        "utilities ok (min p) | same outcome | reader = NegMAS table | NegMAS neg/s | "
        "detente neg/s | speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['domain']} | {r['outcomes']:,} | {r['parties']} | {r['p_ours']:.3f} | "
            f"{r['p_negmas']:.3f} | {r['z']:.2f} | {'yes' if r['rate_ok'] else 'NO'} | "
            f"{'yes' if r['util_ok'] else 'NO'} ({r['worst_p']:.2f}) | {r['same']}/{r['n']} | "
            f"{'yes' if r['reader'] else 'no'} | {r['negmas_rate']:.1f} | "
            f"{r['ours_rate']:,.0f} | {r['ours_rate'] / r['negmas_rate']:,.0f}x |"
        )
    lines.append("")
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


def negmas_version() -> str:
    out = subprocess.run(
        [NEGMAS_PY, "-c", "import negmas; print(negmas.__version__)"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    main()
