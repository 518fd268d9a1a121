"""``ensemble(..., simulate=True)`` / ``detente ensemble --simulate``: the probability of a
ratified deal per case, over the ensemble's own draws (known answers by construction)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from detente.scenario.io import load
from detente.uncertainty.ensemble import ensemble

# A signs up to its reservation (drawn within +-15 of 90: always >= 75), B down to its own
# (within +-15 of 10: always <= 25): their limits always overlap, so every run agrees by the
# deadline. The what-if puts the limits far apart (A <= 25, B >= 75): no run can agree.
FILE = """\
name: two sides
as_of: '2025-01-01'
actors:
- {id: A, name: A, capability: 1, veto: true}
- {id: B, name: B, capability: 1, veto: true}
- {id: M, name: M, capability: 1, role: mediator}
issues: [{id: x, name: x}]
positions:
- {actor: A, issue: x, position: 0, salience: 50, reservation: 90}
- {actor: B, issue: x, position: 100, salience: 50, reservation: 10}
- {actor: M, issue: x, position: 50, salience: 50}
process:
  start: '2025-01-01'
  protocol: {name: single_text, deadline_rounds: 10}
what_ifs:
- id: apart
  name: limits far apart
  changes:
  - {input: reservation, actor: A, issue: x, set: 10}
  - {input: reservation, actor: B, issue: x, set: 90}
"""


def _file(tmp_path: Path) -> Path:
    f = tmp_path / "two.yaml"
    f.write_text(FILE)
    return f


def test_simulate_gives_the_probability_per_case(tmp_path: Path) -> None:
    sc = load(_file(tmp_path))
    res = ensemble(sc, draws=64, seed=3, models=["compromise"], what_ifs=["apart"], simulate=True)
    agree = res.probability_of_agreement
    assert agree is not None
    assert agree[None]["overall"]["p"] == 1.0
    assert agree["apart"]["overall"]["p"] == 0.0
    d = res.to_dict()
    assert d["probability_of_agreement"]["overall"]["p"] == 1.0
    assert "simulated talks: a ratified deal" in res.summary()
    # without simulate the key is there and null
    plain = ensemble(sc, draws=8, seed=3, models=["compromise"])
    assert plain.to_dict()["probability_of_agreement"] is None


def test_cli_simulate_flag(tmp_path: Path) -> None:
    args = ["ensemble", str(_file(tmp_path)), "--draws", "16", "--seed", "1", "-m", "compromise"]
    out = subprocess.run(
        [sys.executable, "-m", "detente", *args, "--simulate", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["probability_of_agreement"]["overall"]["p"] == 1.0
