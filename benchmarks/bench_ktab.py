"""Benchmark: detente's SMP beside KTAB's own ``smpc``, measured side by side in the same run.

What it needs
-------------
A KTAB ``smpc`` built OUTSIDE this project from the public KTAB source (KAPSARC/KTAB). Nothing
of KTAB is in this repository: not its code, not a binary, not a way to build it. Point the
benchmark at the binaries with

* ``--smpc PATH`` (or ``DETENTE_KTAB_SMPC``): the **compute-only** build, in which KTAB's
  database writes and logging calls are stubbed behind a preprocessor macro. Instead of its log,
  that build prints its position history to standard output at full precision:
  a line ``KTAB-COMPUTE-ONLY states T actors N dims K``, then one line per actor and dimension,
  ``<actor>|<dimension>: x_0 x_1 ... x_{T-1}`` (0-100 scale, ``%.17g``). The benchmark reads
  that to check the histories agree.
* ``--smpc-full PATH`` (or ``DETENTE_KTAB_SMPC_FULL``), optional: the **shipped** build (SQLite
  database through Qt5 SQL, easylogging++ log file). Used for the whole-process comparison; its
  log file's position history (printed to 1 decimal) is checked too. If a file
  ``smpc-logger.conf`` lies beside this binary (where KTAB's build puts it) it is used, as KTAB
  does from its working directory; otherwise the benchmark writes a minimal one of its own (log
  to a file, message only).

Without ``--smpc`` the benchmark prints what it needs and exits 0 without writing anything.

What it measures
----------------
1. For each KTAB scenario in ``../shared/data/ktab`` (default dummyData_3Dim, SOE-Pol-Comp,
   dummyData_6Dim, dummyData-a040, dummyData-a080; dummyData-a160 with ``--scenarios``, KTAB
   needs many minutes there), alternately: one whole ``smpc --csv FILE`` process (wall time of
   the process, and its CPU time from the OS), then one detente run in this process (read the
   same CSV with ``detente.scenario.io.load`` and ``run_model("smp", arrays)`` with KTAB's
   defaults, which are what KTAB's deterministic reference runs use), ``--repeats`` times; the
   medians are compared. detente's figure includes reading the file, as KTAB's does; one
   untimed detente run comes first (imports, first-call costs). The position histories of
   the two programs are compared state by state (max absolute difference on the 0-100 scale).
   Goal (issue 12): KTAB / detente >= 50 from dummyData_6Dim up.
2. Whole processes on dummyData_3Dim (7 actors x 3 dims): KTAB's shipped run as its own
   reference script runs it (``--logmin``, SQLite database) and with every table logged (its
   default), the compute-only ``smpc``, ``detente forecast -m smp FILE`` and ``detente --help``
   as subprocesses. Goals (issue 12): ``--help`` under 0.3 s, the forecast under 0.5 s.

Every table records the load average before and after: on a shared machine wall times mean
little (CPU times say more); re-run on a quiet machine for figures to quote.

Usage: ``python benchmarks/bench_ktab.py --smpc PATH [--smpc-full PATH] [--repeats 3]
[--scenarios a,b,..] [--timeout 1800] [--build-note FILE]``. Writes ``benchmarks/results/ktab.md``.
``--build-note FILE`` replaces the paragraph that describes the KTAB build (its commit, compiler
flags and which calls were stubbed) by the text of FILE, for a build other than this round's.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ktab").resolve()
OUT = ROOT / "benchmarks" / "results" / "ktab.md"
DEFAULT_SCENARIOS = [
    "dummyData_3Dim",
    "SOE-Pol-Comp",
    "dummyData_6Dim",
    "dummyData-a040",
    "dummyData-a080",
]
GOAL_SCENARIOS = {"dummyData_6Dim", "dummyData-a040", "dummyData-a080", "dummyData-a160"}
GOAL = 50.0
GOAL_HELP, GOAL_FORECAST = 0.3, 0.5
MARKER = "KTAB-COMPUTE-ONLY"
SMALL = "dummyData_3Dim"
DB_ARGS = ["--connstr", "Driver=QSQLITE;Database=ktabbench"]

NEEDS = """\
bench_ktab: no KTAB smpc given, nothing measured, no results written.

This benchmark compares detente's SMP with KTAB's own program, run side by side. It needs a
KTAB `smpc` built OUTSIDE this project from the public KTAB source (KAPSARC/KTAB), at -O2,
with its Qt5 SQL, tinyxml2 and easylogging++ dependencies; nothing of KTAB is, or may be,
in this repository. Two builds are used:
  --smpc PATH       (or DETENTE_KTAB_SMPC) a compute-only build: database writes and logging
                    stubbed behind a preprocessor macro, printing its position history to
                    stdout as described in this script's docstring;
  --smpc-full PATH  (or DETENTE_KTAB_SMPC_FULL, optional) the shipped build, for the
                    whole-process comparison.
See `python benchmarks/bench_ktab.py --help` and the module docstring."""

# The build this round measured; replaced by --build-note for another build.
BUILD_PROSE = """\
KTAB was built outside the project from the public source at commit
3b5b063541c7d5ee36cc9c61d9d3e0717f2d180f (2019-11-17, the lsyaseen/KTAB copy of
KAPSARC/KTAB's master), with Debian 12's GCC 12.2 at `-O2 -std=c++11 -pthread` (KTAB's own
CMake files, which add easylogging++'s defines; its GUI programs left out; the SMP CMake file
forces a Debug build type, whose flags were set to -O2 too, so no file is compiled without
optimisation; KTAB's kutils and kmodel libraries at the same flags). Dependencies are
Debian 12's packages: Qt 5.15.8 (Core, Sql with the SQLite driver), tinyxml2 9.0.0, SQLite
3.40 and easylogging++ 9.97.0 (Debian ships easylogging++ as source, compiled at -O2 into the
static library KTAB's build links). The one change needed for the shipped build was to ask
CMake for Qt5 Widgets, which KTAB links but, with the GUIs switched off, does not look up.

The compute-only build is the same source with every change behind one preprocessor macro
(without the macro it is the shipped program). With the macro: easylogging++'s `LOG(...)`
statements compile to nothing (their operands are not evaluated); the functions that only
format log text (`KMatrix::mPrintf`, `SMPState::showBargains`) and the logger configuration
return at once; no database is opened (`SMPModel::sqlTest` keeps only its in-memory table
catalogue, which the model consults); the database functions return at once (`execQuery`,
transactions, index creation and dropping, `LogInfoTables`, `sqlAUtil`, `sqlPosEquiv`,
`sqlPosProb`, `sqlPosVote`, `sqlBargainEntries`, `sqlBargainCoords`, `sqlBargainUtil`,
`sqlBargainVote`, `updateBargnTable`, `recordProbEduChlg`); all five SQL logging groups are
off and no connection string is required; and `SMPModel::showVPHistory` prints the position
history to stdout at full precision instead of logging it. The model's arithmetic, threading
(KTAB runs its actors' bargaining on threads) and stopping rule are untouched."""

MIN_LOGGER_CONF = """\
* GLOBAL:
    FORMAT = %msg
    FILENAME = "smpc-bench_log.txt"
    ENABLED = true
    TO_FILE = true
    TO_STANDARD_OUTPUT = false
"""


@dataclass
class Times:
    """Wall and CPU seconds of repeated runs."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


class KtabError(RuntimeError):
    """KTAB's program failed, timed out or printed something unexpected."""


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_process(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, float, str]:
    """Run ``cmd`` to the end; its wall seconds, CPU seconds (user + system) and stdout."""
    c0, t0 = _children_cpu(), time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise KtabError(f"{' '.join(cmd)}: still running after {timeout:.0f} s") from e
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise KtabError(f"{' '.join(cmd)}: exit {p.returncode}: {' | '.join(tail)}")
    return wall, cpu, p.stdout


def parse_compute_history(stdout: str) -> tuple[list[str], np.ndarray]:
    """Actors and the (states, actors, dims) history printed by the compute-only build."""
    lines = stdout.splitlines()
    head = [i for i, s in enumerate(lines) if s.startswith(MARKER)]
    if not head:
        raise KtabError(
            f"no '{MARKER}' line in smpc's output: --smpc must be the compute-only build "
            "that prints its position history (see this script's docstring)"
        )
    m = re.match(rf"{MARKER} states (\d+) actors (\d+) dims (\d+)", lines[head[0]])
    if m is None:
        raise KtabError(f"unreadable history header: {lines[head[0]]!r}")
    t, n, k = (int(g) for g in m.groups())
    rows = lines[head[0] + 1 : head[0] + 1 + n * k]
    values = [[float(v) for v in r.split(":", 1)[1].split()] for r in rows]
    if len(values) != n * k or any(len(v) != t for v in values):
        raise KtabError("the compute-only history has the wrong number of rows or states")
    actors = [r.split("|", 1)[0] for r in rows[::k]]
    return actors, np.array(values).reshape(n, k, t).transpose(2, 0, 1)


def parse_log_history(text: str) -> tuple[list[str], np.ndarray]:
    """Actors and the (states, actors, dims) history in a shipped KTAB log (1 decimal)."""
    pos: dict[str, list[list[float]]] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("History of actor positions"):
            inside = True
        elif line.startswith("History of actors' winning"):
            break
        elif inside and ":" in line:
            head, vals = line.rsplit(":", 1)
            pos.setdefault(head.split(",", 1)[0].strip(), []).append(
                [float(v) for v in vals.split()]
            )
    if not pos:
        raise KtabError("no position history in KTAB's log")
    actors = list(pos)
    return actors, np.array([pos[a] for a in actors]).transpose(2, 0, 1)


def history_diff(ours: np.ndarray, theirs: np.ndarray) -> str:
    """Max absolute difference of two histories, or why they cannot be compared."""
    if ours.shape != theirs.shape:
        return f"states differ: ours {ours.shape[0]}, KTAB {theirs.shape[0]}"
    worst = float(np.abs(ours - theirs).max())
    return "0 (identical doubles)" if worst == 0.0 else f"{worst:.1e}"


def run_ktab_compute(
    smpc: Path, csv: Path, timeout: float
) -> tuple[float, float, list[str], np.ndarray]:
    """One whole compute-only smpc process in a fresh directory."""
    with tempfile.TemporaryDirectory(prefix="ktab-") as d:
        wall, cpu, out = run_process([str(smpc), "--csv", str(csv), *DB_ARGS], Path(d), timeout)
    actors, hist = parse_compute_history(out)
    return wall, cpu, actors, hist


def run_ktab_shipped(
    smpc: Path, csv: Path, extra: list[str], timeout: float
) -> tuple[float, float, np.ndarray]:
    """One whole shipped smpc process (log file and SQLite DB) in a fresh directory."""
    with tempfile.TemporaryDirectory(prefix="ktab-") as d:
        conf = smpc.parent / "smpc-logger.conf"
        if conf.is_file():
            shutil.copy(conf, Path(d) / "smpc-logger.conf")
        else:
            (Path(d) / "smpc-logger.conf").write_text(MIN_LOGGER_CONF)
        cmd = [str(smpc), *extra, "--csv", str(csv), *DB_ARGS]
        wall, cpu, _ = run_process(cmd, Path(d), timeout)
        logs = sorted(Path(d).glob("*log*.txt"))
        if not logs:
            raise KtabError(f"{' '.join(cmd)}: wrote no log file")
        _, hist = parse_log_history(logs[-1].read_text(errors="replace"))
    return wall, cpu, hist


@dataclass
class DetenteRun:
    """One detente run: read + run wall and CPU seconds, the run's own wall, its history."""

    wall: float
    cpu: float
    run_wall: float
    actors: list[str]
    history: np.ndarray


def run_detente(csv: Path) -> DetenteRun:
    """Read the CSV and run detente's smp with KTAB's defaults, in this process."""
    from detente.models import run_model
    from detente.scenario.io import load

    c0, t0 = time.process_time(), time.perf_counter()
    arrays = load(csv).to_arrays()
    t1 = time.perf_counter()
    fc = run_model("smp", arrays)
    t2 = time.perf_counter()
    if fc.history is None:
        raise RuntimeError("detente's smp returned no history")
    return DetenteRun(
        t2 - t0, time.process_time() - c0, t2 - t1, list(arrays.actor_ids), np.asarray(fc.history)
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.0f}x" if a / b >= 10 else f"{a / b:.1f}x"


def bench_scenario(
    name: str, smpc: Path, repeats: int, timeout: float
) -> tuple[list[str], bool | None]:
    """One table row: the alternated runs of KTAB and detente on one scenario."""
    csv = DATA / f"{name}.csv"
    d = run_detente(csv)  # warm-up, untimed
    ktab, ours, run_only = Times(), Times(), Times()
    k_actors: list[str] = []
    k_hist = np.empty(0)
    for _ in range(repeats):
        wall, cpu, k_actors, k_hist = run_ktab_compute(smpc, csv, timeout)
        ktab.add(wall, cpu)
        d = run_detente(csv)
        ours.add(d.wall, d.cpu)
        run_only.add(d.run_wall, 0.0)
    d_actors, d_hist = d.actors, d.history
    diff = history_diff(d_hist, k_hist) if k_actors == d_actors else "actors differ"
    ratio = ktab.median_wall / ours.median_wall
    met = (ratio >= GOAL) if name in GOAL_SCENARIOS else None
    goal = "-" if met is None else ("met" if met else "NOT met")
    n, k = d_hist.shape[1], d_hist.shape[2]
    row = [
        name,
        f"{n} x {k}",
        f"{k_hist.shape[0]} / {d_hist.shape[0]}",
        str(repeats),
        f"{ktab.median_wall:.3f}",
        f"{ktab.median_cpu:.3f}",
        f"{ours.median_wall:.4f}",
        f"{ours.median_cpu:.4f}",
        f"{run_only.median_wall:.4f}",
        _ratio(ktab.median_wall, ours.median_wall),
        _ratio(ktab.median_cpu, ours.median_cpu),
        goal,
        diff,
    ]
    return row, met


def detente_command() -> list[str]:
    """The ``detente`` command of the interpreter running this script."""
    exe = Path(sys.executable).parent / "detente"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("detente")
    return [found] if found else [sys.executable, "-m", "detente"]


def _goal(label: str, wall: float) -> str:
    if label == "detente --help":
        return f"< {GOAL_HELP} s: " + ("met" if wall < GOAL_HELP else "NOT met")
    if label.startswith("detente forecast"):
        return f"< {GOAL_FORECAST} s: " + ("met" if wall < GOAL_FORECAST else "NOT met")
    return "-"


def whole_process_rows(
    smpc: Path, smpc_full: Path | None, repeats: int, timeout: float
) -> list[list[str]]:
    """Whole-process timings on the small scenario, the programs alternating.

    Each job is (label, kind, arguments): kind "full" is the shipped smpc with the arguments,
    "compute" the compute-only smpc, "cmd" any other command.
    """
    csv = DATA / f"{SMALL}.csv"
    ref_hist = run_detente(csv).history
    det = detente_command()
    jobs: list[tuple[str, str, list[str]]] = []
    if smpc_full is not None:
        jobs += [
            ("KTAB smpc, shipped, as KTAB's reference script runs it (--logmin: SQLite DB "
             "with the information and position tables, log file)", "full", ["--logmin"]),
            ("KTAB smpc, shipped, default logging (every SQL table, log file)", "full", []),
        ]  # fmt: skip
    jobs += [
        ("KTAB smpc, compute-only build", "compute", []),
        (f"detente forecast -m smp {SMALL}.csv", "cmd", [*det, "forecast", "-m", "smp", str(csv)]),
        ("detente --help", "cmd", [*det, "--help"]),
    ]
    times = {label: Times() for label, _, _ in jobs}
    diffs = {label: "-" for label, _, _ in jobs}
    for _ in range(repeats):
        for label, kind, argv in jobs:
            if kind == "full" and smpc_full is not None:
                w, c, h = run_ktab_shipped(smpc_full, csv, argv, timeout)
                diffs[label] = history_diff(ref_hist, h) + " (the log prints 1 decimal)"
            elif kind == "compute":
                w, c, _, h = run_ktab_compute(smpc, csv, timeout)
                diffs[label] = history_diff(ref_hist, h)
            else:
                with tempfile.TemporaryDirectory(prefix="det-") as d:
                    w, c, _ = run_process(argv, Path(d), timeout)
            times[label].add(w, c)
    return [
        [
            label,
            str(repeats),
            f"{times[label].median_wall:.3f}",
            f"{times[label].median_cpu:.3f}",
            _goal(label, times[label].median_wall),
            diffs[label],
        ]
        for label, _, _ in jobs
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _binary_facts(path: Path) -> str:
    """Size, compiler recorded in the binary, and the shared libraries it links."""
    facts = [f"`{path}` ({path.stat().st_size / 1e6:.1f} MB)"]
    try:
        comment = subprocess.run(
            ["readelf", "-p", ".comment", str(path)], capture_output=True, text=True, timeout=30
        ).stdout
        gcc = sorted(set(re.findall(r"GCC: \(.*?\) [\d.]+", comment)))
        if gcc:
            facts.append("compiled by " + ", ".join(gcc))
        needed = subprocess.run(
            ["readelf", "-d", str(path)], capture_output=True, text=True, timeout=30
        ).stdout
        libs = re.findall(r"NEEDED.*\[(.+?)\]", needed)
        keep = [x for x in libs if re.match(r"lib(Qt5|tinyxml2|sqlite3)", x)]
        if keep:
            facts.append("links " + ", ".join(keep))
    except (OSError, subprocess.SubprocessError):
        pass
    return "; ".join(facts)


def _resolve(arg: str | None, env: str) -> Path | None:
    value = arg or os.environ.get(env)
    if not value:
        return None
    p = Path(value).expanduser().resolve()
    if not (p.is_file() and os.access(p, os.X_OK)):
        sys.exit(f"bench_ktab: {p} is not an executable file")
    return p


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smpc", help="compute-only KTAB smpc (env DETENTE_KTAB_SMPC)")
    ap.add_argument("--smpc-full", help="shipped KTAB smpc (env DETENTE_KTAB_SMPC_FULL)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each program (>= 3)")
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per KTAB run")
    ap.add_argument("--build-note", help="file whose text describes the KTAB build")
    ap.add_argument("--out", default=str(OUT))
    return ap.parse_args()


def _preamble(smpc: Path, smpc_full: Path | None, note: str) -> list[str]:
    import detente

    lines = [
        "# detente's SMP beside KTAB's smpc, side by side in the same run",
        "",
        "{status}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; Python "
        f"{platform.python_version()}, numpy {np.__version__}, detente "
        f"{getattr(detente, '__version__', '?')}. Load averages (1 / 5 / 15 min) are given with "
        "each table: when they exceed the number of cores the machine was shared with other "
        "work, wall times are inflated (KTAB's more, since it runs threads and each run is a "
        "process) and the CPU columns are the steadier figures.",
        "",
        "## The KTAB build",
        "",
        note,
        "",
        f"Compute-only binary: {_binary_facts(smpc)}.",
    ]
    if smpc_full is not None:
        lines.append(f"Shipped binary: {_binary_facts(smpc_full)}.")
    return lines


def _whole_section(smpc: Path, smpc_full: Path | None, repeats: int, timeout: float) -> list[str]:
    lines = [
        "",
        "## Whole processes, dummyData_3Dim (7 actors x 3 dims)",
        "",
        "Each a fresh process, alternating, in an empty temporary directory; wall time of the "
        "process and its CPU time (user + system). The shipped KTAB runs write their log file "
        "and SQLite database there. History diff against detente's in-process run.",
        "",
        f"Load average before: {_load()}.",
        "",
    ]
    whole = whole_process_rows(smpc, smpc_full, repeats, timeout)
    lines += _table(["program", "runs", "wall s", "CPU s", "goal", "history max diff"], whole)
    if smpc_full is None:
        lines += ["", "No shipped KTAB build given (--smpc-full): its whole run was not measured."]
    return [*lines, "", f"Load average after: {_load()}."]


MODEL_HEADER = [
    "scenario", "actors x dims", "states KTAB / detente", "runs", "KTAB s (wall)",
    "KTAB CPU s", "detente s (wall)", "detente CPU s", "detente run only s (wall)",
    "ratio (wall)", "ratio (CPU)", "goal >= 50x", "history max diff",
]  # fmt: skip


def _model_intro(repeats: int) -> list[str]:
    return [
        "",
        "## Model runs (KTAB compute-only smpc vs detente smp)",
        "",
        "KTAB: one whole `smpc --csv FILE` process (start, read, run, print its history). "
        'detente: `load(FILE).to_arrays()` and `run_model("smp", arrays)` with KTAB\'s '
        "defaults (deterministic transitions), in the benchmark's process after one untimed "
        f"run. The two alternate, {repeats} runs each; medians. Ratio = KTAB / detente "
        "(detente's reading of the file included, as KTAB's is; the run alone is shown too). "
        f"Goal: >= {GOAL:.0f}x from dummyData_6Dim up. History diff: the largest absolute "
        "difference between the two programs' positions, every actor, dimension and state "
        "(0-100 scale).",
        "",
        f"Load average before: {_load()}.",
        "",
    ]


def _write(out: Path, lines: list[str], status: str) -> None:
    """Write the results so far (atomically), with a status line saying how far the run got."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines).replace("{status}", status, 1) + "\n")
    os.replace(tmp, out)


def main() -> int:
    """Steps: find the binaries (or say what is needed and stop); describe the build; time
    whole processes on the small scenario; then each scenario, writing the results file after
    every step so that a run stopped early keeps what it measured."""
    args = _args()
    smpc = _resolve(args.smpc, "DETENTE_KTAB_SMPC")
    smpc_full = _resolve(args.smpc_full, "DETENTE_KTAB_SMPC_FULL")
    if smpc is None:
        print(NEEDS)
        return 0
    if not DATA.is_dir():
        print(f"bench_ktab: KTAB scenarios not found at {DATA}; nothing measured.")
        return 0
    repeats = max(3, args.repeats)
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    note = Path(args.build_note).read_text().strip() if args.build_note else BUILD_PROSE
    out = Path(args.out)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = _preamble(smpc, smpc_full, note)
    whole = _whole_section(smpc, smpc_full, repeats, args.timeout)
    print("\n".join(whole), flush=True)
    intro = _model_intro(repeats)
    pending = f"Run started {started}; INCOMPLETE: still running or stopped; scenarios not yet "
    _write(out, head + whole + intro, pending + f"measured: {', '.join(names) or 'none asked'}.")
    print("\n".join(intro + _table(MODEL_HEADER, [])), flush=True)
    rows: list[list[str]] = []
    for i, name in enumerate(names):
        try:
            row, _ = bench_scenario(name, smpc, repeats, args.timeout)
        except KtabError as e:
            row = [name, "-", "-", "-", "failed", "-", "-", "-", "-", "-", "-", "-", str(e)]
        rows.append(row)
        print("| " + " | ".join(row) + " |", flush=True)
        done = i + 1 == len(names)
        status = (
            f"Run started {started}, finished {time.strftime('%H:%M UTC', time.gmtime())}."
            if done
            else pending + f"measured: {', '.join(names[i + 1 :])}."
        )
        tail = ["", f"Load average after: {_load()}."]
        _write(out, head + whole + intro + _table(MODEL_HEADER, rows) + tail, status)
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
