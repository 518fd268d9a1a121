"""Benchmark: the dashboard under load — latency per kind of request, errors, and the store
checked afterwards (no 5xx, no lost or duplicated run).

``detente serve`` runs in a subprocess on a free loopback port over a fresh temporary store.
The client (httpx, asyncio) sends ``--requests`` requests in all (default 10,000) in
``--bursts`` bursts, at most ``--concurrency`` at a time (default 200), drawn at random (seed
fixed) from a mix of reads, uploads and runs:

========== ====== ============================================================
kind       share  request
========== ====== ============================================================
list       20 %   ``GET /scenarios`` (the page lists every stored scenario)
runs       10 %   ``GET /runs`` (the last 200 runs)
scenario   15 %   ``GET /scenarios/{hash}`` (the editable table of a scenario)
static     10 %   ``GET /static/htmx.min.js``
job        10 %   ``GET /jobs/{id}`` (JSON: a job's state)
upload     15 %   ``POST /scenarios`` (a small scenario, a distinct text each time)
run        20 %   ``POST /scenarios/{hash}/runs`` (a compromise forecast; queued)
========== ====== ============================================================

The anchor, measured in the same run before the bursts: ``--alone`` requests of each kind
(default 20) sent one at a time; the table gives each kind's burst p50 as a multiple of it.

After the last burst the script waits until every queued run has finished, then checks:
no response had a 5xx status; every run request answered 2xx names a job that finished
``done`` with a run id; those ids are distinct, and the store (read directly) holds exactly
those forecast runs — none lost, none duplicated, none extra. A 429 (too many runs queued)
is a refusal, not an error: the request got no run and none is expected.

Usage: ``python benchmarks/bench_web_load.py [--requests N] [--concurrency C] [--bursts B]``;
writes ``benchmarks/results/web_load.md`` (``--out`` to change). Exit status 1 when a check
fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "web_load.md"

MIX = {"list": 20, "runs": 10, "scenario": 15, "static": 10, "job": 10, "upload": 15, "run": 20}

SMALL = """\
name: {name}
as_of: 2025-12-01
actors:
  - {{id: A, name: Alpha, capability: 2, veto: true}}
  - {{id: B, name: Beta, capability: 1, veto: true}}
  - {{id: C, name: Gamma, capability: 1.5}}
issues:
  - {{id: x, name: An issue}}
  - {{id: y, name: Another issue}}
positions:
  - {{actor: A, issue: x, position: 30, salience: 50}}
  - {{actor: B, issue: x, position: 70, salience: 80}}
  - {{actor: C, issue: x, position: 55, salience: 40}}
  - {{actor: A, issue: y, position: 10, salience: 60}}
  - {{actor: B, issue: y, position: 90, salience: 30}}
  - {{actor: C, issue: y, position: 40, salience: 70}}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(store: Path, log: Path) -> tuple[subprocess.Popen[Any], str]:
    """``detente serve`` on a free loopback port; its process and URL once it answers."""
    import httpx

    port = _free_port()
    cmd = [sys.executable, "-m", "detente", "serve", "--port", str(port), "--store", str(store)]
    env = {k: v for k, v in os.environ.items() if k != "DETENTE_TOKEN"}
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    end = time.time() + 120
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"detente serve exited ({proc.returncode}); see {log}")
        try:
            if httpx.get(url + "/scenarios", timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("detente serve did not start within 120 s")


class Load:
    """The client's state: the session (cookie and CSRF token), what it learnt, what it saw."""

    def __init__(self, client: Any, csrf: str, scenario: str) -> None:
        self.client = client
        self.csrf = csrf
        self.scenarios = [scenario]
        self.jobs: list[str] = []
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter[str]] = defaultdict(Counter)
        self.accepted_runs: list[str] = []
        self.n_upload = 0
        self.failures: list[str] = []
        #: the anchor: each kind's latency sent one at a time, before the bursts, same run
        self.alone: dict[str, list[float]] = defaultdict(list)
        self.phase = "burst"

    async def one(self, kind: str, rng: random.Random) -> None:
        """Send one request of ``kind``; record its latency and status."""
        t0 = time.perf_counter()
        try:
            r = await self._send(kind, rng)
            code = str(r.status_code)
        except Exception as e:  # a transport error is an error of the run, recorded as such
            r, code = None, type(e).__name__
            self.failures.append(f"{kind} after {time.perf_counter() - t0:.1f} s: {e!r}"[:300])
        (self.alone if self.phase == "alone" else self.latency)[kind].append(
            time.perf_counter() - t0
        )
        self.status[kind][code] += 1
        if r is None or not 200 <= r.status_code < 300:
            return
        if kind == "run":
            job = r.json()["job"]
            self.accepted_runs.append(job)
            self.jobs.append(job)
        elif kind == "upload":
            self.scenarios.append(r.json()["hash"])

    async def _send(self, kind: str, rng: random.Random) -> Any:
        c = self.client
        json_accept = {"accept": "application/json"}
        if kind == "list":
            return await c.get("/scenarios")
        if kind == "runs":
            return await c.get("/runs")
        if kind == "scenario":
            return await c.get(f"/scenarios/{rng.choice(self.scenarios)}")
        if kind == "static":
            return await c.get("/static/htmx.min.js")
        if kind == "job":
            if not self.jobs:
                return await c.get("/scenarios")
            return await c.get(f"/jobs/{rng.choice(self.jobs)}", headers=json_accept)
        if kind == "upload":
            self.n_upload += 1
            text = SMALL.format(name=f"load-{self.n_upload}-{rng.random():.12f}")
            return await c.post(
                "/scenarios",
                data={"csrf_token": self.csrf},
                files={"file": ("load.yaml", text.encode())},
                headers=json_accept,
            )
        return await c.post(
            f"/scenarios/{self.scenarios[0]}/runs",
            data={"csrf_token": self.csrf, "kind": "forecast", "model": "compromise"},
            headers=json_accept,
        )


async def _burst(load: Load, kinds: list[str], concurrency: int, rng: random.Random) -> None:
    queue = list(kinds)

    async def worker() -> None:
        while queue:
            await load.one(queue.pop(), rng)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _settle(load: Load, timeout: float) -> dict[str, dict[str, Any]]:
    """Every accepted run's final job state (waiting until none is queued or running)."""
    final: dict[str, dict[str, Any]] = {}
    end = time.time() + timeout
    pending = list(load.accepted_runs)
    while pending and time.time() < end:
        still = []
        for job in pending:
            r = await load.client.get(f"/jobs/{job}", headers={"accept": "application/json"})
            state = r.json()
            if state["state"] in ("done", "failed"):
                final[job] = state
            else:
                still.append(job)
        pending = still
        if pending:
            await asyncio.sleep(1.0)
    for job in pending:
        final[job] = {"state": "unfinished", "run": None, "error": "still queued at the end"}
    return final


async def _drive(url: str, args: argparse.Namespace) -> tuple[Load, dict[str, Any], float]:
    import httpx

    # idle connections dropped by the client (1 s) before uvicorn closes them (5 s): a request
    # sent on a connection the server is closing would fail for the client's sake, not the server's
    limits = httpx.Limits(
        max_connections=args.concurrency,
        max_keepalive_connections=args.concurrency,
        keepalive_expiry=1.0,
    )
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        page = await client.get("/scenarios")
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        if csrf is None:
            raise SystemExit("no CSRF token in the scenarios page")
        first = await client.post(
            "/scenarios",
            data={"csrf_token": csrf.group(1)},
            files={"file": ("seed.yaml", SMALL.format(name="load-seed").encode())},
            headers={"accept": "application/json"},
        )
        load = Load(client, csrf.group(1), first.json()["hash"])
        rng = random.Random(args.seed)
        names, weights = zip(*MIX.items(), strict=True)
        per = [args.requests // args.bursts] * args.bursts
        per[-1] += args.requests - sum(per)
        load.phase = "alone"  # the anchor: every kind one at a time, on the same server
        for kind in MIX:
            for _ in range(args.alone):
                await load.one(kind, rng)
        load.phase = "burst"
        t0 = time.perf_counter()
        for n in per:
            kinds = rng.choices(names, weights=weights, k=n)
            await _burst(load, kinds, args.concurrency, rng)
        wall = time.perf_counter() - t0
        final = await _settle(load, timeout=args.settle)
    return load, final, wall


def _check_store(store: Path, final: dict[str, dict[str, Any]]) -> list[str]:
    """The checks of the module docstring; the problems found (empty: all passed)."""
    from detente.store import RunStore

    problems = []
    bad = {j: s for j, s in final.items() if s["state"] != "done" or not s.get("run")}
    if bad:
        problems.append(f"{len(bad)} accepted run(s) did not finish done: {list(bad.items())[:3]}")
    ids = [s["run"] for s in final.values() if s.get("run")]
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} job(s) share a run id")
    with RunStore(store) as rs:
        held = [r.id for r in rs.list_runs(command="forecast")]
    if len(set(held)) != len(held):
        problems.append("the store lists a run twice")
    lost = set(ids) - set(held)
    extra = set(held) - set(ids)
    if lost:
        problems.append(f"{len(lost)} run(s) answered 2xx are missing from the store")
    if extra:
        problems.append(f"{len(extra)} run(s) in the store that no 2xx answer named")
    return problems


def _q(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.quantile(np.asarray(values), q)) * 1000.0


def _row(label: str, lat: list[float], alone: list[float], codes: str) -> str:
    """One row of the table: the burst latencies' quantiles, and their p50 against the
    anchor's (``alone``; nan without one)."""
    a50 = _q(alone, 0.5) if alone else float("nan")
    return (
        f"| {label} | {len(lat):,} | {_q(lat, 0.5):.0f} | {_q(lat, 0.9):.0f} | "
        f"{_q(lat, 0.99):.0f} | {max(lat) * 1000:.0f} | {a50:.1f} | "
        f"{_q(lat, 0.5) / a50:.0f}x |{' ' + codes if codes else ''} |"
    )


def _table(load: Load) -> list[str]:
    rows = [
        "| kind | requests | p50 ms | p90 ms | p99 ms | max ms | alone p50 ms | p50 / alone |"
        " statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    every: list[float] = []
    for kind in MIX:
        lat = load.latency.get(kind, [])
        if not lat:
            continue
        every += lat
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(load.status[kind].items()))
        rows.append(_row(kind, lat, load.alone.get(kind, []), codes))
    alone_all = [x for v in load.alone.values() for x in v]
    rows.append(_row("**all**", every, alone_all, ""))
    return rows


def _report(
    args: argparse.Namespace,
    load: Load,
    final: dict[str, Any],
    wall: float,
    problems: list[str],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
    server_log: list[str],
) -> str:
    statuses: Counter[str] = Counter()
    for c in load.status.values():
        statuses.update(c)
    five = sum(n for c, n in statuses.items() if c.startswith("5"))
    transport = sum(n for c, n in statuses.items() if not c.isdigit())
    done = sum(s["state"] == "done" for s in final.values())
    lines = [
        "# Dashboard under load (`benchmarks/bench_web_load.py`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. **The machine was shared** "
        f"with other sessions (load average {loads[0][0]:.1f} before, {loads[1][0]:.1f} after): "
        "the latencies are inflated and noisy; the checks are not timing-dependent.",
        "",
        f"`detente serve` (uvicorn, one process, one job worker) on loopback over a fresh "
        f"temporary store; {args.requests:,} requests in {args.bursts} bursts of at most "
        f"{args.concurrency} concurrent (httpx, asyncio; mix seed {args.seed}); "
        f"{wall:.1f} s for the bursts ({args.requests / wall:.0f} requests/s). Anchor: "
        f"{args.alone} requests of each kind sent one at a time first (`alone p50`).",
        "",
        *_table(load),
        "",
        "Checks:",
        "",
        f"- 5xx responses: {five}; transport errors (no response): {transport}",
        f"- run requests answered 2xx: {len(load.accepted_runs):,}; finished done: {done:,}; "
        f"refused with 429 (queue full): {load.status['run'].get('429', 0):,}",
        "- store: "
        + (
            "every 2xx run request has exactly one run in the store, and no other run is there"
            if not problems
            else "; ".join(problems)
        ),
        "",
        f"Result: **{'PASS' if not problems and five == 0 and transport == 0 else 'FAIL'}**",
        "",
    ]
    if load.failures:
        lines += ["Transport errors (the first ten):", ""]
        lines += [f"- {f}" for f in load.failures[:10]] + [""]
    if server_log:
        lines += ["The server's log (its last lines):", "", "```", *server_log[-20:], "```", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--bursts", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20251219)
    ap.add_argument(
        "--alone", type=int, default=20, help="requests of each kind sent one at a time first"
    )
    ap.add_argument("--settle", type=float, default=1800, help="seconds to wait for the runs")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="detente-load-") as tmp:
        store = Path(tmp) / "runs.sqlite3"
        proc, url = _start(store, Path(tmp) / "server.log")
        before = os.getloadavg()
        try:
            load, final, wall = asyncio.run(_drive(url, args))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        after = os.getloadavg()
        problems = _check_store(store, final)
        server_log = (Path(tmp) / "server.log").read_text(errors="replace").splitlines()
        if proc.returncode not in (0, -15):
            problems.append(f"the server exited with {proc.returncode}")
    text = _report(args, load, final, wall, problems, (before, after), server_log)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    bad = problems or any(
        c.startswith("5") or not c.isdigit() for s in load.status.values() for c in s
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
