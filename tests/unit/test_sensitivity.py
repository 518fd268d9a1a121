"""Sensitivity analysis: known answers through the wrapper, the scenario analysis, the CLI."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.examples import load_example
from detente.uncertainty.distributions import Dist
from detente.uncertainty.sensitivity import _sobol_plan, sensitivity, sensitivity_of


def _linear(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return x @ a


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _inert(x: np.ndarray) -> np.ndarray:
    return x[:, 0] ** 2 + 3 * x[:, 1]  # x[:, 2] never matters


LINEAR_INPUTS = {
    "x1": Dist("uniform", 0.0, 1.0),  # variance 1/12
    "x2": Dist("uniform", -1.0, 1.0),  # variance 4/12
    "x3": Dist("uniform", 0.0, 3.0),  # variance 9/12
}


def test_sobol_of_a_linear_additive_function() -> None:
    a = np.array([4.0, 1.0, 1.0])
    var = np.array([1, 4, 9]) / 12
    share = a**2 * var / np.sum(a**2 * var)  # 16, 4, 9 over 29
    res = sensitivity_of(partial(_linear, a), LINEAR_INPUTS, n=4096, seed=3)
    df = res.to_df().set_index("input")
    assert df["S1"].to_numpy() == pytest.approx(share, abs=0.03)
    assert df["ST"].to_numpy() == pytest.approx(share, abs=0.03)
    assert (df["S1_conf"] > 0).all() and (df["ST_conf"] < 0.1).all()
    assert res.ranking("y")["input"].tolist() == ["x1", "x3", "x2"]


def test_sobol_groups_of_an_additive_function_add_up() -> None:
    a = np.array([4.0, 1.0, 1.0])
    groups = {"x1": "first", "x2": "rest", "x3": "rest"}
    res = sensitivity_of(partial(_linear, a), LINEAR_INPUTS, n=2048, seed=4, groups=groups)
    df = res.to_df().set_index("input")
    assert df.loc["first", "ST"] == pytest.approx(16 / 29, abs=0.03)
    assert df.loc["rest", "ST"] == pytest.approx(13 / 29, abs=0.03)
    assert res.members == {"first": ["x1"], "rest": ["x2", "x3"]}


def test_sobol_of_the_ishigami_function_matches_the_published_values() -> None:
    # a = 7, b = 0.1 on [-pi, pi]^3: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437
    # (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity Analysis. The Primer)
    inputs = {f"x{i}": Dist("uniform", -math.pi, math.pi) for i in (1, 2, 3)}
    res = sensitivity_of(_ishigami, inputs, n=8192, seed=1)
    df = res.to_df().set_index("input")
    assert df["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert df["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)


def test_morris_finds_the_inert_input() -> None:
    inputs = {k: Dist("uniform", 0.0, 1.0) for k in ("a", "b", "c")}
    res = sensitivity_of(_inert, inputs, method="morris", n=50, seed=2)
    df = res.to_df().set_index("input")
    assert df.loc["c", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert df.loc["c", "sigma"] == pytest.approx(0.0, abs=1e-12)
    # a linear input's elementary effect is its slope, everywhere: mu* = 3, sigma = 0
    assert df.loc["b", "mu_star"] == pytest.approx(3.0)
    assert df.loc["b", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert df.loc["a", "mu_star"] > 0.1
    assert res.ranking("y")["input"].tolist() == ["b", "a", "c"]


def test_compact_sobol_plan_rebuilds_salib_sample() -> None:
    from SALib.sample import sobol

    for groups in (None, ["g", "h", "g", "k"]):
        for second in (False, True):
            problem = {"num_vars": 4, "names": list("abcd"), "bounds": [[0, 1]] * 4}
            if groups:
                problem["groups"] = groups
            x = sobol.sample(problem, 16, calc_second_order=second, seed=9)
            plan = _sobol_plan(problem, 16, second, 9)
            assert plan.size == len(x)
            assert np.array_equal(plan.rows(0, plan.size), x)
            assert np.array_equal(plan.rows(5, 41), x[5:41])


def test_same_answers_whatever_the_executor() -> None:
    s = load_example("miami")
    opts = {"n": 8, "seed": 12, "chunk_size": 64}
    local = sensitivity(s, **opts)  # type: ignore[arg-type]
    pool = sensitivity(s, executor="process", **opts)  # type: ignore[arg-type]
    assert local.to_df().equals(pool.to_df())


def test_miami_analysis_reads_in_the_analysts_terms(tmp_path: Path) -> None:
    res = sensitivity(load_example("miami"), n=16, seed=5, zone=True)
    assert res.answers[-1] == "zone" and "compromise:territory" in res.answers
    assert "RUS saliences" in res.inputs and "positions on territory" in res.inputs
    assert res.evaluations == 16 * (len(res.inputs) + 2)
    df = res.to_df()
    assert list(df.columns) == ["answer", "input", "S1", "S1_conf", "ST", "ST_conf"]
    text = res.summary()
    assert "compromise forecast on territory: hinges most on" in text
    assert json.loads(json.dumps(res.to_dict(), allow_nan=False))["seed"] == 5
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot(answer="compromise:territory")
    assert ax.get_title() == "What compromise forecast on territory hinges on"
    # the base case never has a zone (territory blocks): no indices, and a note says so
    if np.isnan(df[df["answer"] == "zone"]["ST"]).all():
        assert any("zone" in n for n in res.notes)


def test_cli_sensitivity_writes_json_and_a_chart(tmp_path: Path) -> None:
    from detente.cli.app import _register_commands, app

    _register_commands()
    out, fig = tmp_path / "s.json", tmp_path / "t.png"
    r = CliRunner().invoke(
        app,
        ["sensitivity", "miami", "--method", "morris", "--n", "4", "--seed", "1", "--groups",
         "inputs", "--what-if", "front_stalls", "--format", "json", "-o", str(out),
         "--plot", str(fig)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["method"] == "morris" and doc["what_if"] == "front_stalls"
    assert fig.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--what-if", "nope"], "unknown what-if"),
        (["--model", "nope"], "nope"),
        (["--executor", "local", "--scheduler", "tcp://x:1"], "scheduler"),
        (["--plot", "t.txt"], "unknown figure type"),
    ],
)
def test_cli_sensitivity_refuses_bad_options(args: list[str], message: str) -> None:
    from detente.cli.app import _register_commands, app

    _register_commands()
    r = CliRunner().invoke(app, ["sensitivity", "miami", "--n", "4", *args])
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
