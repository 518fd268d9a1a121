"""Known answers for the expected-utility model (Scholz, Calbert & Smith 2011 reading)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detente.models._builtin  # noqa: F401  (built-in models register in their own order)
from detente.models import expected_utility as eu
from detente.models.registry import get_model, run_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.errors import ModelParamError

# The EC car-emission case (BDM 1994, p. 77–78), typed in from the published table.
EMISSIONS = {
    "actor": ["NL", "BE", "LU", "DE", "FR", "IT", "UK", "IE", "DK", "GR"],
    "cap": [0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08],
    "pos": [4, 7, 4, 4, 10, 10, 10, 7, 4, 7],
    "sal": [0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7],
}


def _emissions() -> ScenarioArrays:
    e = EMISSIONS
    return ScenarioArrays.from_numpy(
        e["cap"],
        np.array(e["pos"], float)[:, None],
        np.array(e["sal"])[:, None],
        lo=4,
        hi=10,
        actor_ids=e["actor"],
    )


def _scenario(
    draw_pos: list[float], draw_cap: list[float], draw_sal: list[float]
) -> ScenarioArrays:
    n = len(draw_pos)
    return ScenarioArrays.from_numpy(
        draw_cap[:n], np.array(draw_pos)[:, None], np.array(draw_sal[:n])[:, None], lo=0, hi=100
    )


scen = st.integers(2, 6).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0, 100), min_size=n, max_size=n),
        st.lists(st.floats(0.01, 1), min_size=n, max_size=n),
        st.lists(st.floats(0.01, 1), min_size=n, max_size=n),
    )
)


def test_registered() -> None:
    for name in ("eu", "eu-damped"):
        info = get_model(name)
        assert info.dynamic and not info.stochastic
        assert "Scholz" in info.citation and "Bueno de Mesquita" in info.citation
        assert info.params["rounds"] == 10


def test_hand_computed_expected_utilities() -> None:
    # UK (10, s=.9) against Germany (4, s=.8), r = 1, pairwise P. By hand:
    # voters at 10 (c·s = .336) back the UK, voters at 4 (.248) Germany, voters at 7 are
    # indifferent: P = .336/.584. U_s = 2, U_f = -2, U_sq = 0 (d = 1).
    # EU_UK = .8 (4P - 2) + .2·2 = 0.641096; EU_DE = .9 (4(1-P) - 2) + .1·2 = -0.071233.
    per = eu.perceptions(_emissions(), risk="none", p_success="pair")
    uk, de = 6, 3
    assert per["p"][uk, de, 0] == pytest.approx(0.336 / 0.584)
    assert per["u_c"][uk, de, 0] == pytest.approx(0.641096, abs=1e-6)
    assert per["u_r"][uk, de, 0] == pytest.approx(-0.071233, abs=1e-6)
    # |U_r| < U_c: a compromise, Germany moving 0.071233/0.641096 = 1/9 of the way
    assert per["kind"][uk, de, 0] == eu.COMPROMISE
    assert per["median"][0] == 7.0


def test_status_quo_utility_and_zero_distance() -> None:
    # With r = 1 everywhere and Q = 1, an actor challenging one at its own position gains 0.
    a = ScenarioArrays.from_numpy([1, 1, 1], [[30.0], [30.0], [80.0]], [[0.5], [0.7], [0.9]])
    per = eu.perceptions(a, risk="none")
    assert per["u_c"][0, 1, 0] == pytest.approx(0.0)
    assert per["kind"][0, 1, 0] == eu.NONE


@given(scen)
@settings(max_examples=40, deadline=None)
def test_pairwise_probabilities_sum_to_one(data: tuple[list[float], ...]) -> None:
    a = _scenario(*data)
    p = eu.perceptions(a, p_success="pair", risk="none")["p"][:, :, 0]
    x = a.position[:, 0]
    differ = np.abs(x[:, None] - x[None, :]) > 1e-9
    np.testing.assert_allclose((p + p.T)[differ], 1.0)


@given(scen)
@settings(max_examples=40, deadline=None)
def test_risk_exponents_in_range(data: tuple[list[float], ...]) -> None:
    a = _scenario(*data)
    for risk in ("others", "alternatives", "grid"):
        r = eu.perceptions(a, risk=risk)["r"]
        assert np.all((r >= 0.5 - 1e-12) & (r <= 2.0 + 1e-12))


def test_all_agree_stays() -> None:
    a = ScenarioArrays.from_numpy([1, 2, 3], [[40.0], [40.0], [40.0]], [[0.2], [0.5], [1.0]])
    for name in ("eu", "eu-damped"):
        f = run_model(name, a, tol=0.0)
        assert f.history.shape == (11, 3, 1)
        np.testing.assert_allclose(f.history, 40.0)
        assert f.forecast[0] == 40.0


@pytest.mark.parametrize("seed", range(12))
def test_mirror_symmetry(seed: int) -> None:
    # Reflecting the scale (x -> 100 - x) reflects every round (Q = 1: the median does not
    # enter the dynamics). Continuous random inputs, so no two offers tie (ties are broken by
    # actor order, which a reflection does not preserve).
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    pos, cap, sal = rng.uniform(0, 100, n), rng.uniform(0.05, 1, n), rng.uniform(0.05, 1, n)
    a = _scenario(list(pos), list(cap), list(sal))
    m = _scenario(list(100 - pos), list(cap), list(sal))
    for name in ("eu", "eu-damped"):
        h = run_model(name, a, tol=0.0, rounds=4).history
        hm = run_model(name, m, tol=0.0, rounds=4).history
        np.testing.assert_allclose(hm, 100 - h, atol=1e-7)


def test_two_symmetric_actors() -> None:
    # Equal clout and salience at the two ends: by symmetry each sees the same expected
    # utilities, so they move by the same amount towards each other (or not at all).
    a = ScenarioArrays.from_numpy([1, 1], [[0.0], [100.0]], [[0.6], [0.6]])
    for name in ("eu", "eu-damped"):
        h = run_model(name, a, tol=0.0).history[:, :, 0]
        np.testing.assert_allclose(h[:, 0] + h[:, 1], 100.0, atol=1e-9)


def test_deterministic_and_rng_ignored() -> None:
    a = _emissions()
    f1 = run_model("eu", a, rng=1)
    f2 = run_model("eu", a, rng=2)
    np.testing.assert_array_equal(f1.history, f2.history)
    np.testing.assert_array_equal(f1.forecast, f2.forecast)
    f3 = pickle.loads(pickle.dumps(f1))
    np.testing.assert_array_equal(f3.history, f1.history)


@given(scen)
@settings(max_examples=30, deadline=None)
def test_damped_stays_in_hull_and_moves_at_most_half(data: tuple[list[float], ...]) -> None:
    a = _scenario(*data)
    h = run_model("eu-damped", a, tol=0.0, rounds=6).history[:, :, 0]
    x0 = h[0]
    assert np.all(h >= x0.min() - 1e-9) and np.all(h <= x0.max() + 1e-9)
    # each step covers at most half of the distance to any other actor's position
    span = x0.max() - x0.min()
    assert np.all(np.abs(np.diff(h, axis=0)) <= 0.5 * span + 1e-9)


def test_absent_actor_has_no_influence() -> None:
    base = _emissions()
    pos = np.vstack([base.position, [[4.0]]])
    a = ScenarioArrays.from_numpy(
        np.append(base.capability, 0.5),
        np.where(np.arange(11)[:, None] == 10, np.nan, pos),
        np.vstack([base.salience, [[0.9]]]),
        lo=4,
        hi=10,
    )
    f, g = run_model("eu", a), run_model("eu", base)
    np.testing.assert_allclose(f.history[:, :10], g.history)
    assert np.all(np.isnan(f.history[:, 10]))
    assert f.forecast[0] == g.forecast[0]


def test_issues_run_independently() -> None:
    # A two-issue scenario gives, issue by issue, what each issue gives alone.
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 100, (6, 2))
    pos[2, 1] = np.nan
    sal = rng.uniform(0.1, 1, (6, 2))
    cap = rng.uniform(0.1, 1, 6)
    both = ScenarioArrays.from_numpy(cap, pos, sal)
    for name in ("eu", "eu-damped"):
        f = run_model(name, both)
        for j in range(2):
            g = run_model(name, both.subset(issues=[j]))
            r = g.history.shape[0]
            np.testing.assert_allclose(f.history[:r, :, j], g.history[:, :, 0], equal_nan=True)
            # once an issue has stopped it stays put
            np.testing.assert_allclose(
                f.history[r - 1 :, :, j],
                np.broadcast_to(f.history[r - 1, :, j], f.history[r - 1 :, :, j].shape),
                equal_nan=True,
            )
            assert f.forecast[j] == pytest.approx(g.forecast[0])


def _own_danger_bruteforce(
    u: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    present: np.ndarray,
    cand: np.ndarray,
    opts: dict[str, object],
) -> np.ndarray:
    """Oracle for ``eu._own_danger``: the full danger computation (``eu._danger``, all pairs) on
    every configuration in which actor i alone is moved to a candidate (O(C n^4 k))."""
    n, k = u.shape[-2:]
    ncand = cand.shape[0]
    eye = np.eye(n, dtype=bool)[:, :, None]
    configs = np.where(eye[None], cand[:, None, None, :], u[None, None, :, :])
    cfg_present = np.broadcast_to(present, (ncand, n, n, k)) & ~np.isnan(configs)
    configs = np.where(cfg_present, configs, 0.0)
    wb = np.broadcast_to(w, (ncand, n, n, k))
    sbb = np.broadcast_to(s, (ncand, n, n, k))
    sd = eu._danger(configs, wb, sbb, cfg_present, opts)
    own = sd[:, np.arange(n), np.arange(n), :]
    valid = cfg_present[:, np.arange(n), np.arange(n), :]
    return np.where(valid, own, np.nan)


def _own_danger_direct(
    u: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    present: np.ndarray,
    cand: np.ndarray,
    opts: dict[str, object],
) -> np.ndarray:
    """Second oracle, the model's former kernel: every vote of every configuration evaluated
    (O(C n^3 k) votes of a challenger against i, O(C n^4 k) for the all-pairs denominator),
    with no decomposition over voters."""
    n = u.shape[0]
    eye = np.eye(n, dtype=bool)
    ok = ~np.isnan(cand)[:, None, :] & present[None, :, :]
    y = np.where(np.isnan(cand), 0.0, cand)[:, None, :]  # (C, 1, k)
    xp = np.where(eye[None, :, :, None], y[:, :, None, :], u[None, None, :, :])  # (C, i, a, k)
    pa = present[None, None, :, :]
    dy = np.abs(xp - y[:, :, None, :])  # (C, i, a, k): |x'_a - y|
    # votes of voter kv for a over i (at y): (C, i, kv, a, k)
    v = w[None, None, :, None, :] * (
        dy[:, :, :, None, :] - np.abs(xp[:, :, :, None, :] - xp[:, :, None, :, :])
    )
    v = np.where(pa[:, :, None, :, :], v, 0.0)
    if opts["p_success"] == "net":
        num = np.maximum(v.sum(axis=2), 0.0)
    else:
        num = np.maximum(v, 0.0).sum(axis=2)
    if opts["p_success"] == "all_pairs":
        # |v_kv(a, b)| for every configuration: (C, i, kv, a, b, k)
        dist = np.abs(xp[:, :, :, None, :] - xp[:, :, None, :, :])  # (C, i, kv, a, k)
        cube = w[None, None, :, None, None, :] * np.abs(
            dist[:, :, :, None, :, :] - dist[:, :, :, :, None, :]
        )
        both = pa[:, :, None, :, None, :] & pa[:, :, None, None, :, :]
        den = np.where(both, cube, 0.0).sum(axis=(2, 3, 4))[:, :, None, :]
    else:
        den = np.abs(v).sum(axis=2)
    p = np.divide(num, den, out=np.full(num.shape, 0.5), where=den > 0)
    mu = eu.weighted_median(
        np.where(pa, xp, 0.0), np.broadcast_to(w, xp.shape), np.broadcast_to(present, xp.shape)
    )
    q, t = float(opts["q"]), float(opts["t"])  # type: ignore[arg-type]
    bw = 0.25 * (np.abs(xp - mu[:, :, None, :]) + dy)
    u_s = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * dy, 0.0)
    u_f = 2.0 - 4.0 * (0.5 + 0.5 * dy)
    u_b = 2.0 - 4.0 * np.maximum(0.5 - bw, 0.0)
    u_w = 2.0 - 4.0 * (0.5 + bw)
    sb = s[None, :, None, :]
    e = sb * (p * u_s + (1.0 - p) * u_f) + (1.0 - sb) * u_s
    e = e - (1.0 - q) * (t * u_b + (1.0 - t) * u_w)
    danger = np.where(pa & ~eye[None, :, :, None], e, 0.0).sum(axis=2)
    return np.where(ok, danger, np.nan)  # type: ignore[no-any-return]


@pytest.mark.parametrize("p_success", ["pair", "net", "all_pairs"])
@pytest.mark.parametrize("seed", range(6))
def test_own_alternatives_risk_matches_direct_evaluation(p_success: str, seed: int) -> None:
    """The O(n^3) decomposition of the own-danger sums (one total per candidate and
    challenger, with the moved voter's term swapped) against two direct evaluations, on small
    random scenarios with absent actor/issue pairs, tied positions and a grid of candidates.
    Dropping the k = i correction, or the voter-i part of the all-pairs denominator, breaks
    this."""
    rng = np.random.default_rng(seed)
    n, k = 2 + seed, 1 + seed % 3
    u = rng.random((n, k))
    if seed % 2:
        u = np.round(u * 3) / 3  # co-located actors
    present = rng.random((n, k)) > 0.25
    present[0] = True  # at least one actor on each issue
    u = np.where(present, u, 0.0)
    w = np.where(present, rng.random((n, k)), 0.0)
    s = np.where(present, rng.random((n, k)), 0.0)
    grid = np.broadcast_to(np.linspace(0.0, 1.0, 11)[:, None], (11, k))
    for q, t in ((1.0, 1.0), (0.5, 0.3)):
        opts = {**eu.DEFAULTS, "p_success": p_success, "q": q, "t": t}
        for cand in (np.where(present, u, np.nan), grid):
            fast = eu._own_danger(u, w, s, present, cand, opts)
            assert fast.shape == (cand.shape[0], n, k)
            for oracle in (_own_danger_bruteforce, _own_danger_direct):
                np.testing.assert_allclose(
                    fast,
                    oracle(u, w, s, present, cand, opts),
                    rtol=1e-12,
                    atol=1e-12,
                    equal_nan=True,
                )


@pytest.mark.parametrize("seed", range(8))
def test_moved_medians_match_sorting_each_configuration(seed: int) -> None:
    """The configuration medians from the shifted cumulative weight equal the weighted median
    of each configuration, with ties, absent actors, candidates off the actors' positions and an
    issue where every weight is zero."""
    rng = np.random.default_rng(100 + seed)
    n, k = 1 + seed, 3
    u = np.round(rng.random((n, k)) * 4) / 4
    present = rng.random((n, k)) > 0.3
    present[0, :2] = True
    u = np.where(present, u, 0.0)
    w = np.where(present, rng.integers(0, 3, (n, k)).astype(float), 0.0)
    w[:, 1] = 0.0  # all weightless: every present actor counts once
    y = np.concatenate([np.linspace(0.0, 1.0, 9)[:, None] * np.ones((1, k)), u])
    eye = np.eye(n, dtype=bool)[None, :, :, None]
    configs = np.where(eye, y[:, None, None, :], u[None, None, :, :])
    cfg_present = np.broadcast_to(present, configs.shape)
    slow = eu.weighted_median(
        np.where(cfg_present, configs, 0.0), np.broadcast_to(w, configs.shape), cfg_present
    )
    fast = eu._moved_medians(u, w, present, y)
    np.testing.assert_array_equal(fast, slow)


def test_history_units_and_table() -> None:
    f = run_model("eu", _emissions())
    assert f.history.shape[1:] == (10, 1)
    assert np.nanmin(f.history) >= 4 and np.nanmax(f.history) <= 10
    df = f.history_df()
    assert list(df.columns) == ["model", "round", "actor", "issue", "position"]
    assert len(df) == f.history.shape[0] * 10


@pytest.mark.parametrize(
    ("opts", "err"),
    [
        ({"risk": "bogus"}, ValueError),
        ({"q": 2}, ValueError),
        ({"damping": 0}, ValueError),
        ({"colour": 1}, ModelParamError),
    ],
)
def test_bad_options(opts: dict[str, object], err: type) -> None:
    with pytest.raises(err):
        run_model("eu", _emissions(), **opts)


def test_quadrant_chart_draws_the_models_offers() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from detente.models._eu_plots import REGIONS, plot_quadrants, regions

    a = _emissions()
    fig = plot_quadrants(a, actors=["UK", "DE"], risk="none", p_success="pair")
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    # The hand-computed UK–DE pair (test_hand_computed_expected_utilities): as the UK sees it,
    # U_c = 0.641 > 0 and U_r = -0.071, |U_r| < U_c: a compromise in which Germany yields.
    # r = 1 for all, so Germany sees the same two numbers the other way round: it yields.
    per = eu.perceptions(a, risk="none", p_success="pair")
    reg = regions(per)
    uk, de = 6, 3
    assert REGIONS[reg[uk, de, 0]] == "compromise (j yields)"
    assert REGIONS[reg[de, uk, 0]] == "compromise (i yields)"
    # Actors at the same position make no offers: status quo (NL, LU, DE, DK all at 4).
    assert REGIONS[reg[0, 2, 0]] == "status quo"
    # Every region drawn is the model's own offer: where the model makes i an offer to j,
    # the chart shows one of i's regions, and the reverse offer one of the mirror regions.
    assert np.all(np.isin(reg[per["kind"] > 0], [0, 2, 3]))
    assert np.all(np.isin(reg[(per["kind"] == 0) & (per["kind_back"] > 0)], [1, 4, 5]))


def _docstring_table(doc: str) -> dict[str, str]:
    """The option rows of the module docstring's table: option name -> its values text."""
    lines = doc.splitlines()
    rules = [n for n, line in enumerate(lines) if line.startswith("=" * 18)]
    rows: dict[str, str] = {}
    name = ""
    for line in lines[rules[1] + 1 : rules[2]]:  # between the heading's rule and the bottom
        head, rest = line[:20].strip(), line[20:]
        if head:
            name = head.strip("`")
            rows[name] = ""
        if name:
            rows[name] += " " + rest.strip()
    return rows


def test_module_docstring_table_matches_the_defaults() -> None:
    import re

    rows = _docstring_table(eu.__doc__ or "")
    assert set(rows) == set(eu.DEFAULTS), "every option has exactly one row"
    for key, text in rows.items():
        if key in eu._CHOICES:
            values = re.findall(r'``"(\w+)"``', text)
            assert values[0] == eu.DEFAULTS[key], f"{key}: the default is listed first"
            assert sorted(values) == sorted(eu._CHOICES[key]), f"{key}: every allowed value"
        else:
            first = re.findall(r"``([0-9.]+)``", text)[0]
            assert float(first) == float(eu.DEFAULTS[key]), f"{key}: the default is listed first"


def test_explanation_page_table_marks_the_defaults() -> None:
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "explanation" / "expected-utility.md"
    rows: dict[str, list[str]] = {}
    name = ""
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if not line.startswith("|") or len(cells) < 4:
            continue
        first = re.findall(r"`([a-z_]+)`", cells[1])
        if cells[1]:
            name = first[-1] if first else ""
        if name in eu._CHOICES:
            rows.setdefault(name, []).append(cells[2])
    assert set(rows) == set(eu._CHOICES)
    for key, cells in rows.items():
        bold = re.findall(r'\*\*`"(\w+)"`\*\*', " ".join(cells))
        listed = re.findall(r'`"(\w+)"`', " ".join(cells))
        assert bold == [eu.DEFAULTS[key]], f"{key}: exactly the default is bold"
        assert set(listed) == set(eu._CHOICES[key]), f"{key}: every allowed value is listed"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"p_success": "pair", "risk": "others", "perception": "both"},
        {"p_success": "net", "risk": "grid", "q": 0.5, "t": 0.5, "selection": "highest_eu"},
        {"perception": "receiver", "selection": "type_priority", "stop": "median"},
        {"perception": "own", "compromise": "scholz_code", "conflict": "expected"},
    ],
)
@pytest.mark.parametrize("chunk", [2, 3])
def test_rounds_in_chunks_of_issues_are_bit_identical(
    seed: int, opts: dict[str, object], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory is bounded by running a round on chunks of issues; the numbers do not move."""
    rng = np.random.default_rng(seed)
    n, k = 7 + seed, 5 + seed % 3
    pos = np.round(rng.uniform(0, 10, (n, k))) * 10  # shared positions, as in DEU
    pos[rng.random((n, k)) < 0.15] = np.nan
    a = ScenarioArrays.from_numpy(rng.uniform(1, 5, n), pos, rng.uniform(0.1, 1, (n, k)))
    whole = eu.simulate(a, **opts)
    monkeypatch.setattr(eu, "CHUNK_ELEMENTS", n**3 * chunk)
    assert len(eu._issue_chunks(n, k)) > 1
    parts = eu.simulate(a, **opts)
    for key in ("history", "median", "risk", "sender", "kind", "stopped_at"):
        assert whole[key].tobytes() == parts[key].tobytes(), key
