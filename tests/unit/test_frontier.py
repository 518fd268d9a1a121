"""Frontier and solutions against brute-force enumeration (GENIUS domains and random ones)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.bargaining import (
    AdditiveDomain,
    bargaining_solutions,
    brute_force_frontier,
    nondominated,
    pareto_fold,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "genius"


def _naive_nd(u: np.ndarray) -> set[int]:
    """O(N^2) definition: row i is dominated if some row is >= everywhere and > somewhere."""
    ge = (u[None, :, :] >= u[:, None, :]).all(-1)  # ge[i, j]: row j >= row i
    gt = (u[None, :, :] > u[:, None, :]).any(-1)
    return set(np.flatnonzero(~(ge & gt).any(1)).tolist())


@st.composite
def domains(draw):
    n = draw(st.integers(2, 5))
    k = draw(st.integers(1, 4))
    ms = [draw(st.integers(1, 4)) for _ in range(k)]
    # small integer-valued tables produce many ties and duplicates on purpose
    vals = tuple(
        np.array(draw(st.lists(st.integers(0, 3), min_size=n * m, max_size=n * m)), float).reshape(
            n, m
        )
        for m in ms
    )
    w = np.array(draw(st.lists(st.integers(1, 3), min_size=n * k, max_size=n * k)), float).reshape(
        n, k
    )
    return AdditiveDomain(
        tuple(f"p{i}" for i in range(n)),
        tuple(f"i{j}" for j in range(k)),
        tuple(tuple(str(v) for v in range(m)) for m in ms),
        vals,
        w,
        np.zeros(n),
    )


@settings(max_examples=150, deadline=None)
@given(domains())
def test_fold_equals_bruteforce_nondominated_set(d):
    u = d.enumerate_utilities()
    expect = _naive_nd(u)
    F = pareto_fold(d)
    got = set(np.ravel_multi_index(F.packages.T, d.n_options).tolist())
    assert got == expect
    assert np.array_equal(F.utilities, d.utility(F.packages))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(1, 6), st.integers(0, 10**6))
def test_nondominated_filter_matches_definition(n_rows, n_cols, seed):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, 3, (n_rows, n_cols)).astype(float)
    assert set(nondominated(u).tolist()) == _naive_nd(u)


@settings(max_examples=100, deadline=None)
@given(domains(), st.floats(0.0, 0.5))
def test_solutions_equal_bruteforce_argmax(d, rv):
    d = AdditiveDomain(
        d.party_ids, d.issue_ids, d.options, d.values, d.weights, np.full(d.n_parties, rv)
    )
    u = d.enumerate_utilities()
    dis = np.maximum(d.reservation, u.min(0))
    best = u.max(0)
    F = pareto_fold(d)
    s = bargaining_solutions(F.utilities, dis, best)
    g = u - dis
    # utilitarian and egalitarian: the optimum over *all* packages is attained on the frontier
    assert np.isclose(F.utilities[s["utilitarian"]].sum() - dis.sum(), g.sum(1).max())
    assert np.isclose((F.utilities[s["egalitarian"]] - dis).min(), g.min(1).max())
    feas = (g >= 0).all(1)
    if (feas & (g > 0).all(1)).any():
        assert np.isclose(np.prod(F.utilities[s["nash"]] - dis), np.prod(g[feas], axis=1).max())


def test_fold_thinning_bound_holds():
    rng = np.random.default_rng(3)
    n, k, m = 4, 5, 6
    vals = tuple(rng.random((n, m)) for _ in range(k))
    d = AdditiveDomain(
        tuple("abcd"),
        tuple(f"i{j}" for j in range(k)),
        tuple(tuple(map(str, range(m))) for _ in range(k)),
        vals,
        rng.dirichlet(np.ones(k), n),
        np.zeros(n),
    )
    F = pareto_fold(d, max_points=50)
    assert F.size <= 50 and F.bound > 0
    u = d.enumerate_utilities()
    # every package is covered within the bound by some listed frontier package
    cover = ((F.utilities[None, :, :] >= u[:, None, :] - F.bound - 1e-12).all(-1)).any(1)
    assert cover.all()


def _genius_folders():
    if not DATA.is_dir():
        return []
    return sorted(p for p in DATA.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", _genius_folders(), ids=lambda p: p.name)
def test_genius_frontier_equals_bruteforce(folder):
    from detente.bargaining.genius import read_genius_folder

    d = read_genius_folder(folder)
    if d.n_outcomes > 2_000_000:
        pytest.skip("too large for brute force")
    F = pareto_fold(d)
    B = brute_force_frontier(d)
    assert {tuple(p) for p in F.packages.tolist()} == {tuple(p) for p in B.packages.tolist()}
    u = d.enumerate_utilities()
    dis, best = np.maximum(d.reservation, u.min(0)), u.max(0)
    sf = bargaining_solutions(F.utilities, dis, best)
    sb = bargaining_solutions(B.utilities, dis, best)
    for name in sf:
        if sf[name] is None:
            assert sb[name] is None
        else:
            assert np.allclose(F.utilities[sf[name]], B.utilities[sb[name]])


def test_no_genius_data_skips():
    if not DATA.is_dir():
        pytest.skip(f"../shared/data not found: {DATA}")
    assert _genius_folders()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 600), st.integers(2, 5), st.integers(0, 10**6))
def test_every_nondominated_method_gives_the_same_rows(n_rows, n_cols, seed):
    """nondominated() picks a method by size; each must give exactly the definition's rows."""
    from detente.bargaining import frontier as fr

    rng = np.random.default_rng(seed)
    u = rng.integers(0, 4, (n_rows, n_cols)).astype(float) / 3.0  # many ties and duplicates
    want = fr._nd_dense(u)
    if n_rows <= 120:  # the naive reference is O(N^2) in Python
        assert set(want.tolist()) == _naive_nd(u)
    methods = [fr._ndk] + ([fr._nd2] if n_cols == 2 else []) + ([fr._nd3] if n_cols == 3 else [])
    for method in methods:
        np.testing.assert_array_equal(method(u), want, err_msg=method.__name__)
    np.testing.assert_array_equal(fr.nondominated(u), want)
