"""The backtest runner: one vote-label normalisation, one subset mask, seeding as
``run_by_group``, and a clear error for a training file without outcomes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import detente.models._builtin  # noqa: F401  (built-in models register in their own order)
from detente.backtest import load_deu, predict_deu, predict_file, run_backtest
from detente.backtest.datasets import DeuData
from detente.backtest.runner import subset_mask
from detente.models import registry
from detente.models.procedural import issue_labels
from detente.models.result import Forecast
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import ScenarioError


def test_subset_mask_by_procedure_and_vote_rule() -> None:
    proc = np.array(["COD", "CNS", "COD", "", "CNS"], dtype=object)
    vote = np.array(["QMV", "UNAN", "UNAN", "QMV", ""], dtype=object)
    assert subset_mask(proc, vote, "all").tolist() == [True] * 5
    assert subset_mask(proc, vote, "COD").tolist() == [True, False, True, False, False]
    assert subset_mask(proc, vote, "CNS").tolist() == [False, True, False, False, True]
    assert subset_mask(proc, vote, "QMV").tolist() == [True, False, False, True, False]
    # the displayed label "Unan" selects the normalised UNAN
    assert subset_mask(proc, vote, "Unan").tolist() == [False, True, True, False, False]


def _relabelled_copy(dev: Path, out: Path, labels: list[str]) -> Path:
    """The header, the GDP line and the first issues of ``dev``, with the Council rule of
    issue n set to ``labels[n]`` (a test input written to ``out``; nothing is copied into
    the project)."""
    lines = dev.read_text(encoding="utf-8").splitlines()
    col = [h.strip('"') for h in lines[0].split("\t")].index("counvte")
    rows = []
    for n, line in enumerate(lines[2 : 2 + len(labels)]):
        cells = line.split("\t")
        cells[col] = labels[n]
        rows.append("\t".join(cells))
    out.write_text("\n".join([lines[0], lines[1], *rows]) + "\n", encoding="utf-8")
    return out


def test_unanimity_spellings_are_one_label_everywhere(shared_data: Path, tmp_path: Path) -> None:
    labels = ['"UNAN"', '"unanimity"', '"Unan"', '"QMV(10)"', '"qmv"', '"QMV"']
    path = _relabelled_copy(shared_data / "deu3" / "deu3-dev.tsv", tmp_path / "t.tsv", labels)
    d = load_deu(path, min_actors=3)
    assert d.n_issues == 6
    assert d.vote.tolist() == ["UNAN", "UNAN", "UNAN", "QMV", "QMV", "QMV"]
    # the same normalisation as the EU-aware models read
    assert d.vote.tolist() == issue_labels(d.arrays)[1].tolist()
    res = run_backtest(d, ["compromise"], n_boot=20)
    t = res.to_df().set_index("subset")
    assert int(t.loc["Unan", "n"]) == 3 and int(t.loc["QMV", "n"]) == 3
    assert res.fitted == {}


# --------------------------------------------------------------- seeding
def _draws(arrays: ScenarioArrays, *, rng: Any = None, **_: Any) -> Forecast:
    """A stand-in stochastic model: its forecast is the generator's first draws."""
    g = np.random.default_rng(rng)
    return Forecast("draws", arrays.issue_ids, arrays.actor_ids, g.random(arrays.n_issues))


@pytest.fixture
def stochastic_model(monkeypatch: pytest.MonkeyPatch) -> str:
    info = registry.ModelInfo("draws", "draws", "test only", _draws, stochastic=True)
    registry._load_builtin()
    monkeypatch.setitem(registry._REGISTRY, "draws", info)
    return "draws"


def _toy_deu(groups: list[str]) -> DeuData:
    k = len(groups)
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 100, (4, k))
    a = ScenarioArrays.from_numpy(
        [1.0, 1.0, 1.0, 1.0], pos, 0.5, actor_ids=["com", "ep", "de", "fr"]
    )
    attrs = tuple({"proc": "COD", "counvte": "QMV", "intro": "01-01-01"} for _ in groups)
    a = replace(a, meta={"issue_groups": tuple(groups), "issue_attributes": attrs})
    obj = np.array
    return DeuData(
        arrays=a,
        outcome=np.full(k, 50.0),
        proposal=obj(groups, dtype=object),
        proc=obj(["COD"] * k, dtype=object),
        vote=obj(["QMV"] * k, dtype=object),
        intro=obj(["01-01-01"] * k, dtype=object),
        gdp=np.array([4.1, 4.1, 2.8, 2.0]),
        path=Path("toy.tsv"),
    )


@pytest.mark.parametrize("capability", ["equal", "gdp", "council", "council-roles"])
def test_predict_deu_draws_the_streams_of_run_by_group(
    stochastic_model: str, capability: str
) -> None:
    data = _toy_deu(["p2", "p1", "p2", "p3", "p1"])
    got = predict_deu(data, stochastic_model, capability=capability, seed=11)
    want = registry.run_by_group(stochastic_model, data.arrays, rng=11).forecast
    np.testing.assert_array_equal(got, want)
    # and, written out: child n of SeedSequence(11).spawn(3) for the n-th proposal in order of
    # first appearance (p2, p1, p3), its draws in the proposal's issue order
    kids = np.random.SeedSequence(11).spawn(3)
    first = {g: np.random.default_rng(kids[n]).random(c) for n, (g, c) in
             enumerate((("p2", 2), ("p1", 2), ("p3", 1)))}  # fmt: skip
    np.testing.assert_array_equal(
        got, [first["p2"][0], first["p1"][0], first["p2"][1], first["p3"][0], first["p1"][1]]
    )
    assert not np.array_equal(
        got, predict_deu(data, stochastic_model, capability=capability, seed=12)
    )


def test_predict_deu_one_proposal_uses_the_seed_itself(stochastic_model: str) -> None:
    data = _toy_deu(["p1", "p1"])
    for cap in ("equal", "council"):
        got = predict_deu(data, stochastic_model, capability=cap, seed=5)
        np.testing.assert_array_equal(got, np.random.default_rng(5).random(2))


def test_predict_deu_unknown_capability() -> None:
    with pytest.raises(KeyError, match="council-roles"):
        predict_deu(_toy_deu(["p1"]), "compromise", capability="votes")


def test_predict_file_refuses_training_data_without_outcomes(shared_data: Path) -> None:
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    with pytest.raises(ScenarioError, match="no issue with an outcome") as e:
        predict_file(hold, hold, "fitted-lite")
    assert e.value.path == str(hold) and "deu3-dev.tsv" in (e.value.allowed or "")
