"""Golden outputs: the command line's JSON for the shipped examples, stored beside this file
(``test_cli_golden/``), so that any change in a number shows as a diff.

Regenerate after an intended change (a re-dated example, a corrected model) with
``pytest tests/integration/test_cli_golden.py --force-regen`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from typer.testing import CliRunner

from detente.cli.app import _register_commands, app

_register_commands()
runner = CliRunner()


def _stdout(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def test_forecast_miami_json(file_regression: Any) -> None:
    text = _stdout("forecast", "miami", "--format", "json")
    file_regression.check(text, basename="forecast_miami", extension=".json")


def test_forecast_eu_emissions_eu_json(file_regression: Any) -> None:
    text = _stdout("forecast", "eu-emissions", "-m", "eu", "--format", "json")
    file_regression.check(text, basename="forecast_eu_emissions_eu", extension=".json")


def test_analyze_miami_json(data_regression: Any) -> None:
    d = json.loads(_stdout("analyze", "miami", "--format", "json"))
    # The frontier (2451 packages, ~1 MB) is kept as its size, its first and last packages and
    # a digest of all of it: a change anywhere in it changes the digest line.
    frontier = d.pop("frontier")
    canon = json.dumps(frontier, sort_keys=True, separators=(",", ":"))
    d["frontier"] = {
        "packages": len(frontier),
        "sha256": hashlib.sha256(canon.encode("utf-8")).hexdigest(),
        "first": frontier[:3],
        "last": frontier[-3:],
    }
    data_regression.check(d, basename="analyze_miami")
