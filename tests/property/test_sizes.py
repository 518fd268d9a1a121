"""Random scenario sizes through every command, under a memory cap: each run ends with a
result, a located refusal, or — when it is still running at the deadline — a visible
estimate or progress on stderr. Never a traceback, never a silent stall.

Each case is a real subprocess (``python -m detente``) with ``DETENTE_MAX_MEMORY_MB`` set
and an address-space limit a little above it, so that an estimate that is too low shows as a
``MemoryError`` (exit 1) and fails the test rather than swapping the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

#: What the detente process may use: the estimate's budget and the hard address-space limit.
CAP_MB = 1500
HARD_LIMIT_BYTES = 6 * 2**30
#: Seconds a run may go on before it must have said something on stderr.
DEADLINE = 12.0

COMMANDS = [
    ("forecast",),  # the default models
    ("forecast", "-m", "compromise"),
    ("forecast", "-m", "median"),
    ("forecast", "-m", "nash"),
    ("forecast", "-m", "smp"),
    ("forecast", "-m", "eu"),
    ("forecast", "-m", "exchange"),
    ("analyze",),
    ("validate",),
    ("convert",),
]


def _scenario(n: int, k: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    actors = [
        {
            "id": f"a{i}",
            "name": f"Actor {i}",
            "capability": float(rng.uniform(1, 100)),
            "veto": bool(i < 2),
        }
        for i in range(n)
    ]
    issues = [
        {"id": f"i{j}", "name": f"Issue {j}", "scale": {"lo": 0, "hi": 100}} for j in range(k)
    ]
    pos = rng.uniform(0, 100, (n, k)).round(1)
    sal = rng.uniform(1, 100, (n, k)).round(1)
    positions = [
        {
            "actor": f"a{i}",
            "issue": f"i{j}",
            "position": float(pos[i, j]),
            "salience": float(sal[i, j]),
            "reservation": float(pos[i, j]),
        }
        for i in range(n)
        for j in range(k)
    ]
    return {"name": f"sizes {n}x{k}", "actors": actors, "issues": issues, "positions": positions}


def _limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (HARD_LIMIT_BYTES, HARD_LIMIT_BYTES))


def _run(args: list[str], cwd: Path) -> tuple[int | None, str, str]:
    env = dict(
        os.environ,
        DETENTE_MAX_MEMORY_MB=str(CAP_MB),
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        COLUMNS="140",
    )
    try:
        p = subprocess.run(
            [sys.executable, "-m", "detente", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            preexec_fn=_limit,
        )
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, "", err
    return p.returncode, p.stdout, p.stderr


# No shrinking: each case is a subprocess of up to DEADLINE seconds.
@settings(
    max_examples=14,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The sizes that stalled or exhausted memory when the issue was filed.
@example(n=300, k=5, command=("forecast",))
@example(n=500, k=5, command=("forecast", "-m", "eu"))
@example(n=2000, k=5, command=("forecast", "-m", "smp"))
@example(n=10, k=500, command=("analyze",))
@given(
    n=st.integers(1, 3000),
    k=st.integers(1, 400),
    command=st.sampled_from(COMMANDS),
)
def test_every_command_answers_refuses_or_shows_progress(
    tmp_path: Path, n: int, k: int, command: tuple[str, ...]
) -> None:
    k = max(1, min(k, 200_000 // n))  # keep the file under the reader's size cap
    path = tmp_path / f"s{n}x{k}.json"
    path.write_text(json.dumps(_scenario(n, k, n * 1000 + k)))
    args = [command[0], str(path), *command[1:]]
    if command[0] == "convert":
        args.append(str(tmp_path / f"out{n}x{k}.yaml"))
    code, out, err = _run(args, tmp_path)
    assert "Traceback" not in err, err[-2000:]
    if code is None:
        # Still running at the deadline: it must have said what it costs or how far it is.
        assert err.strip(), f"{args}: silent for {DEADLINE} s"
        return
    assert code in (0, 2), f"{args}: exit {code}\n{err[-2000:]}"
    if code == 0 and command[0] != "convert":
        assert out.strip(), f"{args}: exit 0 with no output"
    if code == 2:
        # one located line (after any "reading ..." or estimate line), no traceback
        assert err.strip().splitlines()[-1].startswith("error:"), err
