"""Accuracy benchmark: every registered model on the DEU III dev issues, against the compromise model.

Prints and saves ``benchmarks/results/deu_backtest.md``:

1. the dev-set table (capability = equal, the anchor 24.46): MAE, RMSE and share within 10 points
   with 95% proposal-bootstrap intervals, the paired difference against the compromise model and
   its interval, the ratio MAE / compromise MAE; fitted models scored by grouped-CV forecasts with
   the in-sample MAE beside;
2. MAE by procedure (COD/CNS) and Council rule (QMV/Unan);
3. MAE under every capability option;
4. the dynamic models on the other cases in ``../shared/data`` (EU car emissions; COP21);
5. further attempts at issue 4 (the exchange model and a few one-parameter ideas), each scored
   by out-of-fold forecasts of 10-fold CV grouped by proposal (parameters chosen on the
   training folds only);
6. the simple predictors of the reference note (means, medians, the Commission position, the
   reference point), each on the issues where it exists;
7. the expected-utility models with the median-voter and the weighted-mean forecast, under equal
   and GDP capability;
8. focal points (issue 11): how often outcomes sit on a focal point, the ``snap:`` models scored
   by nested grouped CV (their rule learnt on the training folds only), fixed rules for
   reference, every variant of the rule's selection that was tried, and the Miami example.

Section 1 scores every registered model, so learnt-power models and ensembles appear there
(and their ``snap:`` versions) when they are registered.

Run: ``python benchmarks/bench_deu_backtest.py [--boot 2000] [--models a,b]``.
Only ``deu3-dev.tsv`` is read; the held-out part is not touched.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
OUT = ROOT / "benchmarks" / "results" / "deu_backtest.md"


def _md(df) -> list[str]:  # type: ignore[no-untyped-def]
    """A display DataFrame as markdown table lines."""
    cols = list(df.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        out.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return out


_RUNS: dict[str, object] = {}
"""Backtest results of this run by name, so that a later section reuses the dev table."""


def dev_tables(models: list[str] | None, boot: int) -> list[str]:
    from detente.backtest import load_deu, run_backtest
    from detente.backtest.runner import _param_text, interval_text

    dev = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    lines: list[str] = []
    t0 = time.perf_counter()
    res = run_backtest(dev, models, capability="equal", n_boot=boot, seed=0, n_folds=10)
    secs = time.perf_counter() - t0
    _RUNS["dev"] = res
    t = res.to_df()
    lines += [
        f"## 1. DEU III dev part ({dev.n_issues} issues, {len(set(dev.proposal))} proposals), "
        "capability = equal",
        "",
        f"95% intervals: percentile bootstrap resampling proposals, {boot} draws, seed 0; "
        "Δ = model − compromise on the same resampled proposals (negative ΔMAE/ΔRMSE and "
        "positive Δwithin10 favour the model). Anchor: compromise MAE 24.46 "
        "(bargaining-models.md §3.3). ratio = MAE / compromise MAE with its paired interval; the goal is ≤ 0.90. "
        "(CV) = scored by out-of-fold forecasts of 10-fold cross-validation grouped by "
        f"proposal. Run time {secs:.0f} s.",
        "",
    ]
    lines += _md(res.table("all", t))
    for m, why in res.failures.items():
        lines.append(f"| {m} | — | failed: {why} | | | | | | | | |")
    lines += ["", "Fitted parameters (on all dev issues; CV refits them in every fold):", ""]
    for m, info in res.fitted.items():
        ps = ", ".join(f"{k} = {_param_text(v)}" for k, v in info["params"].items())
        lines.append(
            f"* `{m}`: {ps}; grouped-CV MAE {info['cv_mae']:.2f}, in-sample {info['in_sample_mae']:.2f}"
        )
    lines += [
        "",
        "## 2. MAE by procedure and Council vote rule (ΔMAE vs compromise, 95% CI)",
        "",
        *_md(res.by_subset(t)),
    ]

    lines += [
        "",
        "## 3. Capability options (MAE, ΔMAE vs the compromise model under the same option)",
        "",
        "| capability | compromise | median | role-compromise | exchange | fitted-lite (CV) "
        "| fitted (CV) | snap:compromise (CV) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    others = ("median", "role-compromise", "exchange", "fitted-lite", "fitted", "snap:compromise")
    for cap in ("equal", "gdp", "council", "council-roles"):
        rc = run_backtest(
            dev,
            ["compromise", *others],
            capability=cap,
            n_boot=max(200, boot // 4),
            seed=0,
        )
        tc = rc.to_df()
        tc = tc[tc["subset"] == "all"].set_index("model")
        cells = [f"{tc.loc['compromise', 'mae']:.2f}"]
        for m in others:
            cells.append(
                f"{tc.loc[m, 'mae']:.2f} ({interval_text(tc.loc[m], 'd_mae', signed=True)})"
            )
        lines.append(f"| {cap} | " + " | ".join(cells) + " |")
    return lines


def simple_predictors(boot: int) -> list[str]:
    """Section 6: the simple predictors of bargaining-models.md §3.3, each on the issues where
    it exists, paired with the compromise model on the same issues."""
    from detente.backtest import load_deu, predict_deu
    from detente.backtest.metrics import bootstrap_metric, format_interval, paired_bootstrap

    dev = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    a, y = dev.arrays, dev.outcome
    comp = predict_deu(dev, "compromise")
    pos = np.where(a.present, a.position, np.nan)
    com = pos[list(a.actor_ids).index("com")]
    rows = [
        ("salience-weighted mean (compromise, equal capability)", comp, 24.46, 31.22, 0.29, 245),
        ("unweighted mean of positions",
         predict_deu(dev, "compromise", params={"use_salience": False}), 24.88, 31.97, 0.28, 245),
        ("median actor position (midpoint of the middle two)", np.nanmedian(pos, axis=0),
         29.94, 41.98, 0.39, 245),
        ("weighted median (salience only)", predict_deu(dev, "median"), 29.36, 41.37, 0.41, 245),
        ("Commission position (`pcom`, issues where valid)", com, 39.08, 51.85, 0.29, 241),
        ("reference point (`rp`, issues where valid)", a.status_quo, 48.79, 59.85, 0.24, 187),
    ]  # fmt: skip
    lines = [
        "",
        "## 6. Simple predictors (dev part, the rules of bargaining-models.md §3.3)",
        "",
        "Each predictor is scored on the issues where it exists (a valid `pcom`, a valid `rp`); "
        "ΔMAE is paired with the compromise model on those same issues (95% proposal "
        f"bootstrap, {boot} draws, seed 0). The reference note's figures are beside.",
        "",
        "| predictor | n | MAE [95% CI] | RMSE | within 10 | ΔMAE vs compromise [95% CI] "
        "| note: n, MAE, RMSE, within 10 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, pred, n_mae, n_rmse, n_w, n_n in rows:
        ok = np.isfinite(pred)
        e, be, g = pred[ok] - y[ok], comp[ok] - y[ok], dev.proposal[ok]
        iv = bootstrap_metric(e, g, "mae", n_boot=boot, rng=0)
        d = paired_bootstrap(e, be, g, "mae", n_boot=boot, rng=0)
        lines.append(
            f"| {name} | {int(ok.sum())} | {iv} | {np.sqrt(np.mean(e**2)):.2f} | "
            f"{np.mean(np.abs(e) <= 10):.2f} | {format_interval(d.estimate, d.lo, d.hi, signed=True)} "
            f"| {n_n}, {n_mae:.2f}, {n_rmse:.2f}, {n_w:.2f} |"
        )
    return lines


def eu_variants(boot: int) -> list[str]:
    """Section 7: the expected-utility models, forecast by the median voter position (their
    default) or by the weighted mean of the final positions, under equal and GDP capability."""
    from detente.backtest import load_deu, predict_deu
    from detente.backtest.metrics import format_interval, paired_bootstrap

    dev = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    y = dev.outcome
    lines = [
        "",
        "## 7. The expected-utility models: median or mean forecast, equal or GDP capability",
        "",
        "Run proposal by proposal through `predict_deu` (as every row above); `forecast=mean` is "
        "the model's own option (c·s-weighted mean of the last round's positions). MAE is the "
        "plain mean over all issues (a NaN forecast would make it NaN; the NaN column counts "
        "them). ratio = MAE / compromise MAE under the same capability (anchors 24.46 equal, "
        f"24.45 GDP); ΔMAE paired with the compromise model (95% proposal bootstrap, {boot} "
        "draws, seed 0).",
        "",
        "| capability | model | forecast | n | NaN | MAE | ratio | ΔMAE [95% CI] | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cap in ("equal", "gdp"):
        comp = predict_deu(dev, "compromise", capability=cap)
        base = float(np.mean(np.abs(comp - y)))
        lines.append(f"| {cap} | compromise | — | {len(y)} | 0 | {base:.2f} | 1.000 | — | — |")
        for name in ("eu", "eu-damped"):
            for how in ("median", "mean"):
                t0 = time.perf_counter()
                pred = predict_deu(dev, name, capability=cap, params={"forecast": how})
                secs = time.perf_counter() - t0
                nan = int((~np.isfinite(pred)).sum())
                e = pred - y
                mae = float(np.mean(np.abs(e)))
                d = (
                    paired_bootstrap(e, comp - y, dev.proposal, "mae", n_boot=boot, rng=0)
                    if nan == 0
                    else None
                )
                dtxt = format_interval(d.estimate, d.lo, d.hi, signed=True) if d else "—"
                lines.append(
                    f"| {cap} | {name} | {how} | {len(y)} | {nan} | {mae:.2f} | "
                    f"{mae / base:.3f} | {dtxt} | {secs:.1f} |"
                )
                print(lines[-1], flush=True)
    return lines


def _cv_select(cands: dict[str, np.ndarray], y: np.ndarray, fold: np.ndarray):  # type: ignore[no-untyped-def]
    """Out-of-fold forecasts of a one-choice model: per fold, the candidate with the lowest
    training-fold MAE forecasts the held-out fold."""
    keys = list(cands)
    err = np.abs(np.stack([cands[k] for k in keys]) - y)
    oof = np.full(len(y), np.nan)
    chosen = []
    for f in np.unique(fold):
        test = fold == f
        b = int(np.argmin(err[:, ~test].mean(axis=1)))
        oof[test] = cands[keys[b]][test]
        chosen.append(keys[b])
    return oof, chosen


def further_attempts(boot: int) -> list[str]:
    """Section 5: principled ideas tried against the compromise model, all scored out of fold."""
    import itertools
    from collections import Counter

    from detente.backtest import load_deu, predict_deu
    from detente.backtest.datasets import proposal_arrays
    from detente.backtest.metrics import paired_bootstrap
    from detente.models import run_model
    from detente.models.compromise import weighted_mean
    from detente.models.fitted import grouped_folds

    dev = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    y = dev.outcome
    fold = grouped_folds(dev.proposal, 10, 0)
    t0 = time.perf_counter()
    comp = predict_deu(dev, "compromise")
    med = predict_deu(dev, "median")
    ex = {r: predict_deu(dev, "exchange", params={"rounds": r}) for r in (0, 1, 2, 3, 5, 10)}
    # one-shot exchange (Stokman & Van Oosten 1994): the NBS of the voting positions after
    # the first round's exchanges, before any position update
    oneshot = np.full(dev.n_issues, np.nan)
    n_ex = 0
    for prop in dict.fromkeys(dev.proposal):
        idx = np.flatnonzero(dev.proposal == prop)
        arr = proposal_arrays(dev, idx, "equal")
        f = run_model("exchange", arr, rounds=1)
        n_ex += f.extra["n_exchanges"]
        oneshot[idx] = weighted_mean(
            np.nan_to_num(f.extra["voting"][0]), arr.weights(), arr.present
        )
    eu1 = predict_deu(dev, "eu", params={"rounds": 1, "forecast": "mean"})
    eud1 = predict_deu(dev, "eu-damped", params={"rounds": 1, "forecast": "mean"})
    gammas = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
    gam = {g: predict_deu(dev, "fitted-lite", params={"gamma": g, "shrink": 0.0}) for g in gammas}
    alphas = np.round(np.linspace(0.0, 1.0, 21), 2)
    base = [comp, med, ex[10], eu1]
    simplex = {
        str(w): sum(wi / 10 * b for wi, b in zip(w, base, strict=True))
        for w in itertools.product(range(11), repeat=4)
        if sum(w) == 10
    }
    rows: list[tuple[str, np.ndarray, list[str] | None]] = [
        ("compromise (anchor)", comp, None),
        ("exchange, defaults (10 rounds; no tuning)", ex[10], None),
        ("exchange, 1 round (no tuning)", ex[1], None),
        ("exchange one-shot: NBS of round-1 voting positions (no tuning)", oneshot, None),
        ("exchange, rounds ∈ {0,1,2,3,5,10} chosen by CV", *_cv_select({f"r={r}": p for r, p in ex.items()}, y, fold)),
        ("(1−α) compromise + α weighted median, α on a 0.05 grid by CV", *_cv_select({f"α={a}": (1 - a) * comp + a * med for a in alphas}, y, fold)),
        ("salience power: weight c·s^γ, γ ∈ {0.25…4} by CV (no shrinkage)", *_cv_select({f"γ={g}": p for g, p in gam.items()}, y, fold)),
        ("eu: weighted mean of round-1 positions (no tuning)", eu1, None),
        ("eu-damped: weighted mean of round-1 positions (no tuning)", eud1, None),
        ("(1−α) compromise + α eu round-1 mean, α by CV", *_cv_select({f"α={a}": (1 - a) * comp + a * eu1 for a in alphas}, y, fold)),
        ("(1−α) compromise + α exchange, α by CV", *_cv_select({f"α={a}": (1 - a) * comp + a * ex[10] for a in alphas}, y, fold)),
        ("stack of compromise, median, exchange, eu round-1 mean: weights on the simplex (step 0.1) by CV", *_cv_select(simplex, y, fold)),
    ]  # fmt: skip
    secs = time.perf_counter() - t0
    be = np.abs(comp - y)
    lines = [
        "",
        "## 5. Further attempts at issue 4 (dev part, capability = equal)",
        "",
        "Each idea is scored by out-of-fold forecasts: 10 folds of whole proposals (the folds of "
        "the fitted models, seed 0); where an idea has a choice (a number of rounds, a mixing "
        "weight, an exponent), the choice with the lowest MAE on the nine training folds forecasts "
        "the held-out fold. ΔMAE against the compromise model with a 95% paired proposal-bootstrap "
        f"interval ({boot} draws, seed 0). The exchange model made {n_ex} exchanges in the first "
        f"round over the {sum(1 for p in set(dev.proposal) if (dev.proposal == p).sum() >= 2)} "
        f"proposals with two or more scored issues. Run time {secs:.0f} s.",
        "",
        "| idea | MAE | ratio | ΔMAE [95% CI] | choices made in the 10 folds |",
        "|---|---|---|---|---|",
    ]
    for name, pred, chosen in rows:
        e = np.abs(pred - y)
        iv = paired_bootstrap(e, be, dev.proposal, "mae", n_boot=boot, rng=0)
        ch = ", ".join(f"{k} ×{c}" for k, c in Counter(chosen).most_common(3)) if chosen else "—"
        lines.append(
            f"| {name} | {e.mean():.2f} | {e.mean() / be.mean():.3f} | "
            f"{iv.estimate:+.2f} [{iv.lo:+.2f}, {iv.hi:+.2f}] | {ch} |"
        )
    return lines


def case_runs() -> list[str]:
    from detente.models import list_models
    from detente.scenario.io import load

    lines = ["", "## 4. Other cases in ../shared/data", ""]
    path = DATA / "bdm" / "jmckib_ExampleActors_EU_emissions.csv"
    try:
        sc = load(path)
        arr = sc.to_arrays()
    except Exception as e:
        return [*lines, f"EU emissions: could not load {path.name}: {e}"]
    lines += [
        f"**EC car-emission standards** (`{path.name}`, {arr.n_actors} actors, 1 issue; BDM 1994, "
        "Scholz et al. 2011). The references at hand (bargaining-models.md §2, peace-domain.md §4) "
        "say the outcome is documented in the 1994 volume but do not give its value, so these "
        "forecasts cannot be scored here; they are set beside the reference values of §2.3 "
        "(c·s-weighted mean 7.39, weighted median 7, published Scholz-replication answer ≈ 9.5–9.7).",
        "",
        "| model | forecast | rounds |",
        "|---|---|---|",
    ]
    for info in list_models():
        try:
            fc = info.run(arr, rng=np.random.default_rng(0) if info.stochastic else None)
            lines.append(f"| {info.name} | {float(fc.forecast[0]):.2f} | {fc.n_rounds} |")
        except Exception as e:
            lines.append(
                f"| {info.name} | failed: {type(e).__name__}: {str(e).splitlines()[0][:80]} | |"
            )
    lines += [
        "",
        "**COP21 (Paris 2015)** (`decide/cop21.csv`): the file holds positions, saliences and "
        "power for 15 actors × 13 issues but no outcomes, and no coded Paris outcomes exist in "
        "`../shared/data` or `../shared/reference` (bargaining-models.md §4.1 notes they would "
        "have to be coded from the Agreement text). No scored run is reported.",
    ]
    return lines


def _snap_variants(comp: np.ndarray, dev, fp, boot: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Every way of choosing the rule that was tried on dev, each scored out of fold over five
    fold seeds (the choice of the shipped one, SE_RULE = 1, was made on these numbers)."""
    from detente.models.fitted import grouped_folds
    from detente.models.snap import fit_snap_rule, rule_orders, snap_forecast

    y, g = dev.outcome, dev.proposal
    sets3 = ["positions", "status_quo", "round"]
    variants = {
        "best of all (orders of 1–2 sets × 9 reaches, or none: 82 on DEU)": {},
        "same, one-standard-error choice (shipped)": {"se_rule": 1.0},
        "one set × 10 reaches": {"orders": rule_orders(1, sets3)},
        "one set × 10 reaches, one-SE": {"orders": rule_orders(1, sets3), "se_rule": 1.0},
        "positions only × 5 reaches (0, .05, .1, .15, .2)": {
            "orders": [("positions",)], "distances": (0, 0.05, 0.1, 0.15, 0.2)},
        "orders of 1–2 sets × 3 reaches (0, .1, .2)": {"distances": (0, 0.1, 0.2)},
    }  # fmt: skip
    lines = [
        "",
        "Ways of choosing the rule (compromise forecasts; every fold's rule chosen on its nine "
        "training folds; MAE out of fold for fold seeds 0–4). The shipped choice was made after "
        "seeing this table, so its dev numbers carry that selection; the held-out run is the "
        "test.",
        "",
        "| choice | seed 0 | seed 1 | seed 2 | seed 3 | seed 4 | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, kw in variants.items():
        maes = []
        for seed in range(5):
            fold = grouped_folds(g, 10, seed)
            oof = np.full(len(y), np.nan)
            for f in range(10):
                te = fold == f
                r = fit_snap_rule(comp[~te], y[~te], fp.take(~te), g[~te], **kw)
                oof[te] = snap_forecast(comp[te], fp.take(te), r.focal, r.distance)
            maes.append(float(np.mean(np.abs(oof - y))))
        cells = " | ".join(f"{m:.2f}" for m in maes)
        lines.append(f"| {label} | {cells} | {np.mean(maes):.2f} |")
    return lines


def focal_point_section(boot: int) -> list[str]:
    """Section 8: focal points on dev (nested grouped CV) and on the Miami example."""
    from detente.backtest import load_deu, predict_deu, run_backtest
    from detente.backtest.metrics import paired_bootstrap
    from detente.backtest.runner import interval_text
    from detente.models import list_models
    from detente.models.snap import focal_points, snap_forecast

    dev = load_deu(DATA / "deu3" / "deu3-dev.tsv")
    a, y = dev.arrays, dev.outcome
    pos = np.where(a.present, a.position, np.nan)
    on_pos = np.nanmin(np.abs(pos - y), axis=0) < 1e-9
    on_round = np.isin(y, [0.0, 50.0, 100.0])
    on_sq = np.abs(a.status_quo - y) < 1e-9
    lines = [
        "",
        "## 8. Focal points (issue 11; Schelling 1960)",
        "",
        f"Of the {len(y)} dev outcomes, {on_pos.mean():.0%} sit exactly on some actor's position, "
        f"{on_round.mean():.0%} on 0, 50 or 100, {on_sq.mean():.0%} on the reference point, "
        f"{(on_pos | on_round | on_sq).mean():.0%} on at least one of them.",
        "",
    ]
    snaps = [m.name for m in list_models() if m.name.startswith("snap:")]
    t0 = time.perf_counter()
    res: Any = _RUNS.get("dev")
    timed = "Run time: section 1's (the same run)."
    if res is None or not set(snaps) <= set(res.models):  # section 1 ran other models
        res = run_backtest(dev, ["compromise", *snaps], n_boot=boot, seed=0, n_folds=10)
        timed = f"Run time {time.perf_counter() - t0:.0f} s."
    t = res.to_df()
    t = t[t["subset"] == "all"].set_index("model")
    lines += [
        "Every `snap:` model listed in the registry, scored by out-of-fold forecasts of 10-fold "
        "CV grouped by proposal (seed 0): in each fold the rule (and a fitted inner model, "
        "with its own 5-fold inner CV for the rule's training forecasts) is learnt on the nine "
        "training folds only. ratio = MAE / compromise MAE with its 95% paired "
        f"proposal-bootstrap interval ({boot} draws, seed 0); the same run as section 1 when "
        f"that scored every model. {timed}",
        "",
        "| model | MAE | ratio [95% CI] | ΔMAE [95% CI] | in-sample MAE | rules chosen in the folds |",
        "|---|---|---|---|---|---|",
    ]
    from collections import Counter

    from detente.backtest.runner import _rule_text

    for m in ["compromise", *snaps]:
        if m not in t.index:
            lines.append(f"| {m} | failed: {res.failures.get(m, '')} | | | | |")
            continue
        r = t.loc[m]
        info = res.fitted.get(m, {})
        rules = Counter(_rule_text(p) for p in info.get("fold_params", []))
        ins = f"{info['in_sample_mae']:.2f}" if info else ""
        lines.append(
            f"| {m} | {r['mae']:.2f} | {interval_text(r, 'ratio', digits=3)} | "
            f"{interval_text(r, 'd_mae', signed=True)} | {ins} | "
        )
        lines[-1] += ", ".join(f"{k} ×{c}" for k, c in rules.most_common()) + " |"
    comp = predict_deu(dev, "compromise")
    fp = focal_points(a)
    lines += [
        "",
        "Fixed rules on the compromise forecast, for reference — not out of fold: these "
        "reaches were looked at on all of dev (the issue's experiment reported positions "
        "within 10 points: 23.89).",
        "",
        "| rule | MAE | ΔMAE [95% CI] |",
        "|---|---|---|",
    ]
    for order, d in ((("positions",), 0.1), (("anchors", "positions"), 0.1),
                     (("positions", "round"), 0.1), (("positions", "status_quo"), 0.15)):  # fmt: skip
        x = snap_forecast(comp, fp, order, d)
        iv = paired_bootstrap(x - y, comp - y, dev.proposal, "mae", n_boot=boot, rng=0)
        lines.append(f"| {'+'.join(order)} within {d:g} | {np.mean(np.abs(x - y)):.2f} | {iv} |")
    lines += _snap_variants(comp, dev, fp, boot)
    lines += _miami_snap()
    return lines


def _miami_snap() -> list[str]:
    """The Miami example: the compromise forecast and snap:compromise (the default rule)."""
    from detente.examples import load_example
    from detente.models import run_model

    sc = load_example("miami")
    a = sc.to_arrays()
    base = run_model("compromise", a).forecast
    got = run_model("snap:compromise", a).forecast
    lines = [
        "",
        "The Miami example (`detente forecast miami -m compromise -m snap:compromise`; default "
        "rule: a documented option, else an actor's position, within 10% of the scale):",
        "",
        "| issue | compromise | snap:compromise | anchors |",
        "|---|---|---|---|",
    ]
    for j, iss in enumerate(sc.issues):
        anc = ", ".join(f"{x.value:g}" for x in iss.scale.anchors)
        lines.append(f"| {iss.id} | {base[j]:.2f} | {got[j]:.2f} | {anc} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument(
        "--models", default=None, help="comma-separated; default every registered model"
    )
    a = ap.parse_args()
    models = a.models.split(",") if a.models else None
    lines = ["# DEU III backtest (dev part only)", ""]
    lines += dev_tables(models, a.boot)
    lines += case_runs()
    lines += further_attempts(a.boot)
    lines += simple_predictors(a.boot)
    lines += eu_variants(a.boot)
    lines += focal_point_section(a.boot)
    lines += [
        "",
        "Recorded on a machine shared with other sessions (2 cores, several jobs at once): "
        "the run times above are noisy; the accuracy numbers do not depend on the load.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"saved {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
