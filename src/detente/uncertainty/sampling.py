"""Draws of a scenario's uncertain inputs (Sobol, Latin hypercube or plain random).

:class:`InputSpace` lists every uncertain input of a scenario — each position, salience,
capability and reservation point, with the distribution the ``uncertainty`` block gives it or
the default for its basis, and the drivers and shocks the block lists — and maps points of the
unit cube onto draws of the scenario (:meth:`InputSpace.transform`). :func:`draw_inputs` is
the one call most code needs.

Steps of :func:`draw_inputs`:

1. apply the what-if, if one is named (:func:`detente.uncertainty.whatif.apply_what_if`);
2. list the uncertain inputs (:meth:`InputSpace.from_scenario`);
3. draw ``n`` points of the unit cube ``[0, 1)^d`` (:func:`unit_sample`: scrambled Sobol,
   Latin hypercube or random, from :mod:`scipy.stats.qmc`, seeded);
4. impose the stated correlations (Gaussian copula or Iman–Conover);
5. map each column through its input's inverse CDF and write the values into the arrays
   (:meth:`InputSpace.transform`), keeping every reservation point on the side of the drawn
   position where the scenario puts it.

Sobol points are balanced only in blocks of a power of two: for any other ``n`` the draws are
the first ``n`` points of the scrambled sequence of ``2^⌈log2 n⌉`` points (a valid
low-discrepancy set, without the power-of-two balance; ``n = 1000`` uses 1000 of 1024).

Examples
--------
>>> from detente.examples import load_example
>>> from detente.uncertainty.sampling import draw_inputs
>>> draws = draw_inputs(load_example("miami"), 64, seed=1)
>>> draws.arrays.position.shape, draws.unit.shape[0]
((64, 5, 12), 64)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from detente.typing import SeedLike

if TYPE_CHECKING:
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.draws import InputDraws
    from detente.scenario.schema import Scenario
    from detente.scenario.uncertainty_spec import UncertainInput, UncertaintyDefaults
    from detente.uncertainty.distributions import Dist

__all__ = ["GROUPINGS", "InputSpace", "Method", "UncertainVar", "draw_inputs", "unit_sample"]

Method = Literal["sobol", "lhs", "random"]
FloatArray = NDArray[np.float64]
#: How inputs may be grouped for sensitivity analysis.
GROUPINGS = ("analyst", "inputs")


@dataclass(frozen=True)
class UncertainVar:
    """One uncertain input: its target, its distribution and where it came from.

    Attributes
    ----------
    key : str
        The target's key (``position:UKR:territory``).
    kind : str
        ``position``, ``salience``, ``capability``, ``reservation``, ``driver`` or ``shock``.
    actor, issue, ident : str or None
        Whose number it is (``ident``: the driver or shock id).
    dist : Dist
        Its distribution (saliences in points on 0–100).
    value : float or None
        The scenario's own value.
    basis : str
        ``documented`` or ``judgement`` (the default's basis), or ``file`` (the uncertainty
        block gives the distribution).
    group : str
        Its analyst group (``RUS saliences``, ``positions on territory``, ...).
    label : str
        Its name in words (``UKR position on territory``).
    """

    key: str
    kind: str
    actor: str | None
    issue: str | None
    ident: str | None
    dist: Dist
    value: float | None
    basis: str
    group: str
    label: str


def _group_and_label(
    kind: str, actor: str | None, issue: str | None, ident: str | None
) -> tuple[str, str]:
    if kind == "position":
        return f"positions on {issue}", f"{actor} position on {issue}"
    if kind == "salience":
        return f"{actor} saliences", f"{actor} salience on {issue}"
    if kind == "capability":
        return f"{actor} capability", f"{actor} capability"
    if kind == "reservation":
        return f"{actor} reservation points", f"{actor} reservation on {issue}"
    return f"{kind} {ident}", f"{kind} {ident}"


@dataclass(frozen=True)
class InputSpace:
    """The uncertain inputs of one scenario and the map from the unit cube onto its draws.

    Build with :meth:`from_scenario`. ``inputs`` are the columns of a unit sample (inputs
    whose support is a single point are in ``fixed`` instead and take that value in every
    draw).
    """

    arrays: ScenarioArrays
    inputs: tuple[UncertainVar, ...]
    fixed: tuple[UncertainVar, ...] = ()
    correlation: FloatArray | None = None
    copula: str = "gaussian"
    notes: tuple[str, ...] = ()
    defaults_used: bool = True
    _res_side: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_scenario(cls, scenario: Scenario) -> InputSpace:
        """Every uncertain input of ``scenario``: the block's distributions, else defaults.

        Steps: the block's own inputs by key; the default for every position, salience,
        capability and reservation point not listed (by basis; a position's ``range`` is its
        support); the drivers and shocks listed; the correlation matrix of the listed pairs.
        """
        from detente.scenario.uncertainty_spec import UncertaintySpec

        spec = scenario.uncertainty or UncertaintySpec()
        given = {u.key(): u for u in spec.inputs}
        out: list[UncertainVar] = []
        for target, basis in _scenario_numbers(scenario):
            key = target.key()
            u = given.pop(key, None)
            var = (
                _from_file(scenario, u)
                if u is not None
                else _default(scenario, target, basis, spec.defaults)
            )
            out.append(var)
        out += [_from_file(scenario, u) for u in given.values()]  # drivers and shocks
        live = tuple(v for v in out if v.dist.high > v.dist.low)
        fixed = tuple(v for v in out if v.dist.high <= v.dist.low)
        corr = _correlation(spec, [v.key for v in live])
        arrays = scenario.to_arrays()
        notes = _notes(scenario, live, fixed, corr)
        return cls(
            arrays=arrays,
            inputs=live,
            fixed=fixed,
            correlation=corr,
            copula=spec.copula,
            notes=notes,
            defaults_used=not spec.inputs,
            _res_side=_reservation_side(arrays),
        )

    # ----------------------------------------------------------------- reading
    @property
    def d(self) -> int:
        """The number of uncertain inputs (columns of a unit sample)."""
        return len(self.inputs)

    @property
    def names(self) -> tuple[str, ...]:
        """The inputs' keys, in column order."""
        return tuple(v.key for v in self.inputs)

    def groups(self, grouping: str = "analyst") -> list[str]:
        """Each input's group: its analyst group, or (``"inputs"``) its own label."""
        if grouping not in GROUPINGS:
            from detente.scenario.errors import ScenarioError

            raise ScenarioError(
                "unknown grouping", field="groups", value=grouping, allowed=", ".join(GROUPINGS)
            )
        return [v.group if grouping == "analyst" else v.label for v in self.inputs]

    # ---------------------------------------------------------------- sampling
    def sample(
        self, n: int, *, seed: SeedLike | None = None, method: Method = "sobol"
    ) -> FloatArray:
        """``n`` points of the unit cube with the stated correlations imposed: ``(n, d)``."""
        from detente.uncertainty.executors import resolve_seed

        root = resolve_seed(seed)
        draw_seed, order_seed = root.spawn(2)
        unit = unit_sample(n, self.d, seed=draw_seed, method=method)
        return self.correlate(unit, seed=order_seed)

    def correlate(self, unit: Any, *, seed: SeedLike | None = None) -> FloatArray:
        """The columns of ``unit`` with the stated correlations imposed (a copy)."""
        from detente.uncertainty.distributions import gaussian_copula, iman_conover

        u = np.array(unit, dtype=float, copy=True)
        if self.correlation is None or u.shape[0] == 0:
            return u
        cols = np.flatnonzero(~np.all(np.eye(self.d) == self.correlation, axis=1))
        sub = self.correlation[np.ix_(cols, cols)]
        if self.copula == "iman-conover" and u.shape[0] > cols.size:
            u[:, cols] = iman_conover(u[:, cols], sub, rng=np.random.default_rng(seed))
        else:
            u[:, cols] = gaussian_copula(u[:, cols], sub)
        return u

    def transform(self, unit: Any, what_if: str | None = None) -> InputDraws:
        """The draws of the scenario at unit points ``unit`` ``(m, d)`` (no correlation added).

        Each column goes through its input's inverse CDF; the values are written into copies
        of the scenario's arrays (saliences onto 0–1); each reservation point that would pass
        the drawn position is put at it (its side of the position is the scenario's).
        """
        from detente.scenario.draws import InputDraws
        from detente.uncertainty.distributions import ppf_columns

        u = np.asarray(unit, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.d:
            raise ValueError(f"unit must be (m, {self.d}); got {u.shape}")
        m = u.shape[0]
        allv = (*self.inputs, *self.fixed)
        vals = np.concatenate(
            [ppf_columns([v.dist for v in self.inputs], u), self._fixed_columns(m)], axis=1
        )
        arrays, values = self._write(allv, vals)
        return InputDraws(arrays=arrays, values=values, unit=u, names=self.names, what_if=what_if)

    def _fixed_columns(self, m: int) -> FloatArray:
        return np.tile(np.array([v.dist.low for v in self.fixed], dtype=float), (m, 1))

    def _write(
        self, allv: tuple[UncertainVar, ...], vals: FloatArray
    ) -> tuple[ScenarioArrays, dict[str, FloatArray]]:
        a = self.arrays
        m = vals.shape[0]
        aidx = {x: i for i, x in enumerate(a.actor_ids)}
        iidx = {x: j for j, x in enumerate(a.issue_ids)}
        cap = np.tile(a.capability, (m, 1))
        cube = {
            name: np.tile(getattr(a, name), (m, 1, 1))
            for name in ("position", "salience", "reservation")
        }
        values: dict[str, FloatArray] = {}
        for kind in ("capability", "position", "salience", "reservation", "driver", "shock"):
            cols = [c for c, v in enumerate(allv) if v.kind == kind]
            if not cols:
                continue
            block = vals[:, cols]
            if kind == "capability":
                cap[:, [aidx[allv[c].actor or ""] for c in cols]] = block
            elif kind in cube:
                ai = [aidx[allv[c].actor or ""] for c in cols]
                ji = [iidx[allv[c].issue or ""] for c in cols]
                cube[kind][:, ai, ji] = block / 100.0 if kind == "salience" else block
            else:
                for c, col in zip(cols, block.T, strict=True):
                    values[allv[c].key] = np.ascontiguousarray(col)
        res = _keep_side(cube["reservation"], cube["position"], self._res_side)
        arrays = replace(
            a,
            capability=cap,
            position=cube["position"],
            salience=cube["salience"],
            reservation=res,
        )
        return arrays, values


def _keep_side(res: FloatArray, pos: FloatArray, side: FloatArray) -> FloatArray:
    """Reservation points kept on the scenario's side of the drawn positions."""
    up = np.maximum(res, pos)
    down = np.minimum(res, pos)
    return np.where(side > 0, up, np.where(side < 0, down, res))


def _reservation_side(arrays: ScenarioArrays) -> FloatArray:
    """``+1`` where the reservation point lies above the position, ``-1`` below, else 0."""
    diff = arrays.reservation - arrays.position
    return np.where(np.isnan(diff), 0.0, np.sign(diff))


def _scenario_numbers(scenario: Scenario) -> list[tuple[Any, str]]:
    """Every capability, position, salience and reservation point with its basis."""
    from detente.scenario.uncertainty_spec import Target

    out: list[tuple[Any, str]] = []
    for a in scenario.actors:
        out.append((Target(input="capability", actor=a.id), a.capability_basis))
    for p in scenario.positions:
        out.append((Target(input="position", actor=p.actor, issue=p.issue), p.basis))
        out.append((Target(input="salience", actor=p.actor, issue=p.issue), p.salience_basis))
        if p.reservation is not None:
            out.append((Target(input="reservation", actor=p.actor, issue=p.issue), "judgement"))
    return out


def _default(scenario: Scenario, t: Any, basis: str, defaults: UncertaintyDefaults) -> UncertainVar:
    """The default distribution of a scenario number, by its basis."""
    from detente.scenario.uncertainty_spec import scenario_value, support_bounds
    from detente.uncertainty.distributions import Dist

    value = float(scenario_value(scenario, t) or 0.0)
    widths = defaults.documented if basis == "documented" else defaults.judgement
    lo, hi, _ = support_bounds(scenario, t)
    if t.input == "capability":
        low, high = value * (1 - widths.capability), value * (1 + widths.capability)
    elif t.input == "salience":
        low, high = value - widths.salience, value + widths.salience
    else:
        half = getattr(widths, t.input) * (hi - lo)
        low, high = value - half, value + half
        p = scenario.position_of(t.actor, t.issue)
        if t.input == "position" and p is not None and p.range is not None:
            low, high = p.range
    low, high = max(low, lo), min(high, hi)
    params = {"mode": value} if defaults.dist == "triangular" else {}
    group, label = _group_and_label(t.input, t.actor, t.issue, None)
    return UncertainVar(
        t.key(), t.input, t.actor, t.issue, None,
        Dist(defaults.dist, low, high, params), value, basis, group, label,
    )  # fmt: skip


def _from_file(scenario: Scenario, u: UncertainInput) -> UncertainVar:
    """An input the uncertainty block gives its own distribution."""
    from detente.scenario.uncertainty_spec import scenario_value
    from detente.uncertainty.distributions import Dist

    value = scenario_value(scenario, u)
    params: dict[str, float] = {}
    if u.dist == "triangular":
        mode = u.mode if u.mode is not None else value
        params["mode"] = float(mode if mode is not None else (u.low + u.high) / 2)
    elif u.dist == "beta":
        params.update(alpha=float(u.alpha or 1.0), beta=float(u.beta or 1.0))
    elif u.dist == "truncnorm":
        mean = u.mean if u.mean is not None else value
        params.update(mean=float(mean if mean is not None else (u.low + u.high) / 2))
        params["sd"] = float(u.sd or 1.0)
    ident = u.driver or u.shock
    group, label = _group_and_label(u.input, u.actor, u.issue, ident)
    return UncertainVar(
        u.key(), u.input, u.actor, u.issue, ident,
        Dist(u.dist, float(u.low), float(u.high), params), value, "file",
        u.group or group, label,
    )  # fmt: skip


def _correlation(spec: Any, names: list[str]) -> FloatArray | None:
    if not spec.correlations:
        return None
    idx = {k: i for i, k in enumerate(names)}
    mat = np.eye(len(names))
    for c in spec.correlations:
        a, b = (t.key() for t in c.between)
        if a in idx and b in idx:  # an input fixed to a point has nothing to correlate
            mat[idx[a], idx[b]] = mat[idx[b], idx[a]] = c.rho
    return mat


def _notes(
    scenario: Scenario,
    live: tuple[UncertainVar, ...],
    fixed: tuple[UncertainVar, ...],
    corr: FloatArray | None,
) -> tuple[str, ...]:
    notes = []
    spec = scenario.uncertainty
    if spec is None:
        notes.append(
            "the scenario has no uncertainty block: every position, salience, capability and "
            "reservation point has the house default for its basis"
        )
    else:
        n_file = sum(v.basis == "file" for v in live)
        notes.append(
            f"{n_file} input(s) have the distribution the uncertainty block gives; the other "
            f"{len(live) - n_file} the default for their basis"
        )
    if fixed:
        notes.append(
            f"{len(fixed)} input(s) fixed at one value: " + ", ".join(v.key for v in fixed)
        )
    if corr is not None:
        notes.append(f"correlations by {spec.copula if spec else 'gaussian'} copula")
    return tuple(notes)


def unit_sample(
    n: int, d: int, *, seed: SeedLike | None = None, method: Method = "sobol"
) -> FloatArray:
    """``n`` points of ``[0, 1)^d``: scrambled Sobol, Latin hypercube or independent uniform.

    Sobol for ``n`` not a power of two: the first ``n`` of ``2^⌈log2 n⌉`` points.
    """
    from scipy.stats import qmc

    from detente.scenario.errors import ScenarioError

    if n < 1:
        raise ScenarioError("the number of draws must be at least 1", field="draws", value=n)
    if method not in ("sobol", "lhs", "random"):
        raise ScenarioError(
            "unknown sampling method", field="method", value=method, allowed="sobol, lhs, random"
        )
    rng = np.random.default_rng(seed)
    if d == 0:
        return np.zeros((n, 0))
    if method == "sobol":
        eng = qmc.Sobol(d, scramble=True, rng=rng)
        return np.asarray(eng.random_base2(max(0, math.ceil(math.log2(n))))[:n])
    if method == "lhs":
        return np.asarray(qmc.LatinHypercube(d, rng=rng).random(n))
    return rng.random((n, d))


def draw_inputs(
    scenario: Scenario,
    n: int,
    *,
    seed: SeedLike | None = None,
    method: Method = "sobol",
    what_if: str | None = None,
) -> InputDraws:
    """``n`` draws of every uncertain input of ``scenario`` (or of its what-if ``what_if``).

    Every position, salience, capability and reservation point is uncertain, with the
    scenario's ``uncertainty`` block's distributions where given and the defaults by basis
    elsewhere; drivers and shocks of the ``process`` block where the block lists them. See the
    module docstring for the steps; the same ``seed`` gives the same draws, bit for bit.

    Returns
    -------
    InputDraws
        With ``unit`` (the correlated unit points, ``(n, d)``) and ``names`` (their keys).
    """
    if what_if is not None:
        from detente.uncertainty.whatif import apply_what_if

        scenario = apply_what_if(scenario, what_if)
    space = InputSpace.from_scenario(scenario)
    return space.transform(space.sample(n, seed=seed, method=method), what_if=what_if)
