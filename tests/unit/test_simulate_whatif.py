"""`detente simulate --what-if`: a what-if's changes reach the simulation, with and without
--point (a driver fixed by a what-if goes to every run even on point values)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from detente.examples import load_example
from detente.uncertainty.whatif import apply_what_if


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_point_runs_keep_a_what_ifs_fixed_driver() -> None:
    from detente.cli.cmd_simulate import _fixed_draws

    base = load_example("miami")
    assert _fixed_draws(base, 3) is None  # nothing fixed in the base case
    d = _fixed_draws(apply_what_if(base, "aid_doubles"), 3)
    assert d is not None
    assert d.values["driver:external_funding"].tolist() == [2.0, 2.0, 2.0]
    # the rest is the point values, one copy per run
    a = base.to_arrays()
    assert np.array_equal(d.arrays.position[2], a.position, equal_nan=True)


def test_what_if_named_in_the_json_and_unknown_refused() -> None:
    ok = _cli("miami", "--what-if", "aid_doubles", "--point", "--runs", "1", "--rounds", "2",
              "--seed", "1", "--format", "json")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["what_if"] == "aid_doubles"
    bad = _cli("miami", "--what-if", "nope", "--point", "--runs", "1")
    assert bad.returncode == 2
    assert "unknown what-if" in bad.stderr and "aid_doubles" in bad.stderr
    assert "Traceback" not in bad.stderr
