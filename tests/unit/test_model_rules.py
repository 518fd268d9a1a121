"""Each model declares its rules once, in the registry: options, ranges, fittable, draws.

The registry is the only list of models: a model added to it is tested here without any
change to this file.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from detente.models import get_model, list_models
from detente.models.registry import run_by_group, run_model
from detente.scenario import ScenarioArrays
from detente.scenario.errors import ModelParamError, ScenarioError
from detente.scenario.ktab_params import KTAB_ALIASES, KTAB_DEFAULTS, KTAB_PARAMETERS

MODELS = [m.name for m in list_models()]


def _arrays(k: int = 2) -> ScenarioArrays:
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 100, size=(5, k))
    return ScenarioArrays.from_numpy(rng.uniform(1, 5, 5), pos, 0.6, status_quo=50.0)


# --------------------------------------------------------------- options declared once
@pytest.mark.parametrize("name", MODELS)
def test_params_list_every_keyword_the_run_function_takes(name: str) -> None:
    info = get_model(name)
    sig = inspect.signature(info.run)
    explicit = {
        p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY and p.name != "rng"
    }
    assert explicit <= set(info.params), "every keyword of run() is a declared option"


@pytest.mark.parametrize("name", MODELS)
def test_unknown_option_is_refused_with_the_allowed_ones(name: str) -> None:
    with pytest.raises(ModelParamError) as e:
        get_model(name).validate_params({"shapee": 1}, path="s.yaml")
    assert e.value.field == f"{name}.shapee" and e.value.path == "s.yaml"
    for key in get_model(name).params:
        assert key in (e.value.allowed or "")
    with pytest.raises(ModelParamError):
        run_model(name, _arrays(), shapee=1)


@pytest.mark.parametrize(("name", "key"), [(m.name, k) for m in list_models() for k in m.params])
def test_a_value_of_the_wrong_kind_is_one_exception_type(name: str, key: str) -> None:
    """Every option of every model refuses a value no option takes, as ModelParamError."""
    with pytest.raises(ModelParamError) as e:
        run_model(name, _arrays(), **{key: "not-a-value"})
    assert e.value.field == f"{name}.{key}"
    assert e.value.allowed


@pytest.mark.parametrize("name", MODELS)
def test_the_declared_defaults_are_accepted(name: str) -> None:
    info = get_model(name)
    assert info.validate_params(dict(info.params)) == dict(info.params)


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("nash", {"shape": "cubic"}, "nash.shape"),
        ("smp", {"VotingRule": "Bogus"}, "smp.VotingRule"),
        ("smp", {"max_turns": -1}, "smp.max_turns"),
        ("eu", {"q": 2}, "eu.q"),
        ("eu", {"damping": 0}, "eu.damping"),
        ("eu", {"rounds": 2.5}, "eu.rounds"),
        ("eu-damped", {"risk": "bogus"}, "eu-damped.risk"),
        ("exchange", {"salience_weight": 0.8, "fixed_weight": 0.4}, "exchange.fixed_weight"),
        ("procedural", {"qmv_threshold": 0}, "procedural.qmv_threshold"),
        ("sq-compromise", {"pull_unan": 1.5}, "sq-compromise.pull_unan"),
        ("fitted", {"gamma": 0}, "fitted.gamma"),
        ("fitted-lite", {"com_w": 1.0}, "fitted-lite.com_w"),
        ("median", {"use_salience": "yes"}, "median.use_salience"),
    ],
)
def test_values_out_of_range(name: str, params: dict[str, object], field: str) -> None:
    with pytest.raises(ModelParamError) as e:
        get_model(name).validate_params(params)
    assert e.value.field == field
    with pytest.raises(ModelParamError):  # the model itself says the same when run directly
        get_model(name).run(_arrays(), **params)


def test_smp_reads_kta_bs_short_name_for_proportional() -> None:
    assert get_model("smp").validate_params({"VotingRule": "Prop"}) == {
        "VotingRule": "Proportional"
    }


def test_fittable_is_declared_by_the_fitted_models_only() -> None:
    # issue 11: learnt actor power and the ensembles are fittable; so is every focal-point model
    # (snap:), whose rule is learnt
    fittable = {m.name for m in list_models() if m.fittable and not m.name.startswith("snap:")}
    assert fittable == {"fitted", "fitted-lite", "learnt-power", "ensemble-mean", "ensemble-median"}
    assert all(m.fittable for m in list_models() if m.name.startswith("snap:"))
    assert all(m.train is not None for m in list_models() if m.fittable)
    assert tuple(get_model("fitted-lite").params) == ("gamma", "shrink")


def test_smp_is_listed_as_drawing_when_stochastic() -> None:
    info = get_model("smp")
    assert info.stochastic and "StateTransitions" in info.randomness
    assert get_model("compromise").randomness == "deterministic"


def test_check_model_params_refuses_unknown_models_and_options() -> None:
    from detente.models.registry import check_model_params

    ok = {"smp": {"VotingRule": "Binary"}, "seed": 4, "nash": {"shape": "linear"}}
    assert check_model_params(ok, path="f.yaml") == {
        "smp": {"VotingRule": "Binary"},
        "nash": {"shape": "linear"},
    }
    for bad, shown in [
        ({"smpp": {}}, "no model named 'smpp'"),
        ({"nash": {"shape": "cubic"}}, "nash.shape"),
        ({"eu": {"colour": 1}}, "model 'eu' has no option 'colour'"),
        ({"fitted": {"colour": 1}}, "model 'fitted' has no option 'colour'"),
        ({"compromise": {"colour": 1}}, "model 'compromise' has no option 'colour'"),
        ({"seed": -1}, "model_params.seed = -1"),
        ({"smp": 3}, "model_params.smp"),
    ]:
        with pytest.raises(ModelParamError, match=re.escape(shown)) as info:
            check_model_params(bad, path="f.yaml")
        assert str(info.value).startswith("f.yaml: ")


# --------------------------------------------------------------- KTAB's parameter table
def test_ktab_table_matches_the_documented_enums_and_defaults(shared_data: Path) -> None:
    """bargaining-models.md §1.6 lists the nine enums in KTAB's order, defaults starred."""
    text = (shared_data.parent / "reference" / "bargaining-models.md").read_text()
    rows = re.findall(r"^\| \d \| (\w+) \| (.+?) \|$", text, flags=re.M)
    assert [r[0] for r in rows] == list(KTAB_PARAMETERS)
    for name, enum in rows:
        values = [v.strip() for v in enum.split(",")]
        assert tuple(v.rstrip("* ").strip() for v in values) == KTAB_PARAMETERS[name]
        starred = [v.rstrip("* ").strip() for v in values if v.endswith("*")]
        assert starred == [KTAB_DEFAULTS[name]]


@pytest.mark.parametrize("log", ["dummyData_3Dim", "SOE-Pol-Comp"])
def test_ktab_defaults_are_what_the_deterministic_reference_logs_print(
    shared_data: Path, log: str
) -> None:
    """KTAB's reference runs with default parameters print them at the top of their logs."""
    head = (shared_data / "ktab" / f"ref-output-{log}.txt").read_text().splitlines()[:20]
    printed = dict(
        (m.group(1), m.group(2)) for line in head if (m := re.match(r"^(\w+): (\w+)\s*$", line))
    )
    printed = {k: KTAB_ALIASES.get(v, v) for k, v in printed.items() if k in KTAB_PARAMETERS}
    assert printed == dict(KTAB_DEFAULTS)


def test_the_reference_log_of_a_stochastic_run_names_only_known_values(shared_data: Path) -> None:
    head = (shared_data / "ktab" / "ref-output-smpExample.txt").read_text().splitlines()[:20]
    seen = 0
    for line in head:
        m = re.match(r"^(\w+): (\w+)\s*$", line)
        if m and m.group(1) in KTAB_PARAMETERS:
            assert KTAB_ALIASES.get(m.group(2), m.group(2)) in KTAB_PARAMETERS[m.group(1)]
            seen += 1
    assert seen == 9


def test_the_model_and_the_reader_share_the_table() -> None:
    from detente.models import smp
    from detente.models._smp_run import DEFAULTS
    from detente.scenario.io import ktab

    assert smp.PARAMETERS is KTAB_PARAMETERS and ktab.KTAB_PARAMETERS is KTAB_PARAMETERS
    assert DEFAULTS == dict(KTAB_DEFAULTS)
    assert {k: get_model("smp").params[k] for k in KTAB_PARAMETERS} == dict(KTAB_DEFAULTS)


# --------------------------------------------------------------- silent wrong answers
def test_smp_gives_no_forecast_on_an_issue_no_actor_takes_part_in() -> None:
    pos = np.array([[10.0, np.nan], [60.0, np.nan], [90.0, np.nan]])
    a = ScenarioArrays.from_numpy([1.0, 2.0, 2.0], pos, 0.5)
    fc = run_model("smp", a).forecast
    assert np.isfinite(fc[0]) and np.isnan(fc[1])
    for name in ("compromise", "median", "eu"):  # as the other models do
        assert np.isnan(run_model(name, a).forecast[1])


@pytest.mark.parametrize("runner", [run_model, run_by_group])
def test_a_scenario_without_positions_is_refused_before_any_model_runs(runner) -> None:
    pos = np.full((2, 2), np.nan)
    a = ScenarioArrays.from_numpy([1.0, 2.0], pos, 0.5)
    for name in MODELS:
        with pytest.raises(ScenarioError) as e:
            runner(name, a)
        assert e.value.field == "positions" and "0 positions" in str(e.value)
