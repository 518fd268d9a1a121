"""A seed fixes every draw, bit for bit: in the CLI (separate processes) and in Python.

``forecast -m smp --seed 1`` with ``StateTransitions: Stochastic`` used to give another answer
on every run (the CLI handed the seed only to models flagged stochastic, and smp was not).
"""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from detente.models import get_model, list_models
from detente.models.registry import run_by_group, run_model
from detente.scenario import ScenarioArrays

ACTORS = [("A", 3), ("B", 5), ("C", 2), ("D", 4), ("E", 1), ("F", 6), ("G", 2), ("H", 3)]
POSITIONS = {  # issue -> positions of A..H
    "territory": [0, 100, 35, 80, 10, 60, 95, 20],
    "monitors": [90, 10, 50, 30, 70, 20, 5, 60],
}


def _scenario(path: Path, params: str = "{smp: {StateTransitions: Stochastic}}") -> Path:
    lines = ["name: seeds", "actors:"]
    lines += [f"  - {{id: {a}, name: {a}, capability: {c}}}" for a, c in ACTORS]
    lines += ["issues:"]
    lines += [f"  - {{id: {i}, name: {i}, scale: {{lo: 0, hi: 100}}}}" for i in POSITIONS]
    lines += ["positions:"]
    for issue, xs in POSITIONS.items():
        for (a, _), x in zip(ACTORS, xs, strict=True):
            sal = 30 + (ord(a) * 7 + len(issue) * 13) % 60
            lines.append(f"  - {{actor: {a}, issue: {issue}, position: {x}, salience: {sal}}}")
    lines.append(f"model_params: {params}")
    f = path / "stochastic-smp.yaml"
    f.write_text("\n".join(lines) + "\n")
    return f


def _cli(*args: str) -> bytes:
    code = "import sys; from detente.cli import main; sys.argv = ['detente', *sys.argv[1:]]; main()"
    r = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, timeout=300, check=False
    )
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def test_the_same_seed_gives_the_same_bytes_in_two_processes(tmp_path: Path) -> None:
    f = str(_scenario(tmp_path))
    args = ("forecast", f, "-m", "smp", "--history", "-f", "csv")
    one = _cli(*args, "--seed", "1")
    two = _cli(*args, "--seed", "1")
    assert one == two
    other = _cli(*args, "--seed", "2")
    assert other != one, "another seed draws other bargains"


def test_a_models_draws_do_not_depend_on_the_other_models_named(tmp_path: Path) -> None:
    import io

    import pandas as pd
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()
    f = str(_scenario(tmp_path))

    def smp_rows(*models: str) -> pd.DataFrame:
        args = ["forecast", f, "--seed", "5", "-f", "csv"]
        for m in models:
            args += ["-m", m]
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.output
        df = pd.read_csv(io.StringIO(r.stdout))
        return df[df.model == "smp"].reset_index(drop=True)

    alone = smp_rows("smp")
    for others in (("compromise", "smp"), ("smp", "eu"), ("median", "nash", "smp")):
        pd.testing.assert_frame_equal(smp_rows(*others), alone, check_exact=True)


def _arrays(k: int = 2, groups: bool = False) -> ScenarioArrays:
    rng = np.random.default_rng(11)
    n = 9
    a = ScenarioArrays.from_numpy(
        rng.uniform(1, 6, n), rng.uniform(0, 100, (n, k)), rng.uniform(0.2, 1.0, (n, k)),
        status_quo=rng.uniform(0, 100, k),
    )  # fmt: skip
    if groups:
        from dataclasses import replace

        meta = {**a.meta, "issue_groups": tuple(f"g{j % 2}" for j in range(k))}
        a = replace(a, meta=meta)
    return a


def _same(f1, f2) -> None:  # bit for bit, nan where nan
    assert f1.forecast.tobytes() == f2.forecast.tobytes()
    if f1.history is not None:
        assert f1.history.tobytes() == f2.history.tobytes()


@pytest.mark.parametrize("name", [m.name for m in list_models()])
@pytest.mark.parametrize("by_group", [False, True])
def test_every_model_repeats_itself_under_one_seed(name: str, by_group: bool) -> None:
    a = _arrays(k=4, groups=by_group)
    run = run_by_group if by_group else run_model
    _same(run(name, a, rng=5), run(name, a, rng=5))
    _same(run(name, a, rng=np.random.SeedSequence(5)), run(name, a, rng=5))


@pytest.mark.parametrize("by_group", [False, True])
def test_stochastic_smp_draws_by_the_seed_alone(by_group: bool) -> None:
    a = _arrays(k=4, groups=by_group)
    run = run_by_group if by_group else run_model
    f1 = run("smp", a, rng=1, StateTransitions="Stochastic")
    _same(f1, run("smp", a, rng=1, StateTransitions="Stochastic"))
    others = [run("smp", a, rng=s, StateTransitions="Stochastic").history for s in (2, 3, 4)]
    assert any(h.shape != f1.history.shape or not np.array_equal(h, f1.history) for h in others)


def test_run_by_group_hands_a_seed_to_every_model_flagged_or_not() -> None:
    """A model that draws gets its stream even if its flag said otherwise."""
    seen: list[object] = []
    info = get_model("compromise")

    def spy(arrays, *, rng=None, **kw):
        seen.append(rng)
        return info.run(arrays, rng=rng, **kw)

    from dataclasses import replace

    from detente.models import registry

    registry._REGISTRY["spy"] = replace(info, name="spy", run=spy)
    try:
        run_by_group("spy", _arrays(k=4, groups=True), rng=3)
    finally:
        del registry._REGISTRY["spy"]
    assert len(seen) == 2 and all(isinstance(r, np.random.Generator) for r in seen)


def test_run_models_gives_each_model_its_own_stream() -> None:
    """run_models, which forecast, brief, revisions, the cases and the dashboard share: each
    model gets the stream its name gives under the seed (so the order and company of the
    others change nothing), and a seed of None hands the model None (its own default)."""
    from dataclasses import replace

    from detente.models import registry
    from detente.models.registry import run_models

    seen: dict[str, list[object]] = {}
    info = get_model("compromise")

    def spy(name: str):
        def run(arrays, *, rng=None, **kw):
            seen.setdefault(name, []).append(rng)
            return info.run(arrays, rng=rng, **kw)

        return run

    for name in ("spy-a", "spy-b"):
        registry._REGISTRY[name] = replace(info, name=name, run=spy(name))
    try:
        a = _arrays(k=4, groups=False)
        out = run_models(["spy-b", "spy-a"], a, 7)
        run_models(["spy-a"], a, None)
    finally:
        for name in ("spy-a", "spy-b"):
            del registry._REGISTRY[name]
    assert len(out) == 2  # one forecast each, in the order named
    # CRC-32 of the name as the spawn key under the seed (model_stream's documented key)
    (b,), (a7, a_none) = seen["spy-b"], seen["spy-a"]
    assert (b.entropy, b.spawn_key) == (7, (zlib.crc32(b"spy-b"),))
    assert (a7.entropy, a7.spawn_key) == (7, (zlib.crc32(b"spy-a"),))
    assert a_none is None
