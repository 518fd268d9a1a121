"""The model registry: one place that names every forecasting model.

The CLI's ``models`` listing, the docs reference page and the conformance suite all read
this registry; a test checks that they agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from detente.typing import RNG

if TYPE_CHECKING:
    import numpy as np

    from detente.models.result import Forecast
    from detente.resources import Cost
    from detente.scenario.arrays import ScenarioArrays

__all__ = [
    "DISPLAY_NAMES",
    "ModelInfo",
    "check_model_params",
    "display_name",
    "get_model",
    "group_cost",
    "list_models",
    "model_stream",
    "register",
    "register_batch",
    "require_positions",
    "run_batch",
    "run_by_group",
    "run_model",
    "run_models",
    "spawn_streams",
    "split_trained",
]


#: What a reader sees for a model in tables, charts and the brief (the ``--model`` name stays
#: the name and alias): never a name a reader could confuse ("eu" reads as the European Union)
#: or could not read (an acronym). Models not listed are shown by their registry name, which is
#: already a word (compromise, median, nash, exchange, ...).
DISPLAY_NAMES: dict[str, str] = {
    "smp": "KTAB spatial model (SMP)",
    "eu": "expected utility (BDM)",
    "eu-damped": "expected utility, damped (BDM)",
}


def display_name(name: str) -> str:
    """The name a reader sees for model ``name`` (:data:`DISPLAY_NAMES`, else ``name``).

    Needs no model to be loaded (the forecast table calls it without importing the models).

    Examples
    --------
    >>> display_name("eu")
    'expected utility (BDM)'
    >>> display_name("compromise")
    'compromise'
    """
    return DISPLAY_NAMES.get(name, name)


@dataclass(frozen=True)
class ModelInfo:
    """Registry entry for a model.

    Attributes
    ----------
    name : str
        The name ``detente forecast --model`` takes.
    title : str
        Human-readable name.
    citation : str
        The paper(s) the implementation follows.
    run : callable
        ``run(arrays, *, rng=None, **params) -> Forecast``. Every model takes ``rng``
        (deterministic models ignore it), so callers treat all models alike.
    stochastic : bool
        Whether the model may draw random numbers (with some options or always): its results
        may then depend on ``rng``, and a seed fixes every draw, bit for bit. ``False``: the
        model never draws and ignores ``rng``.
    draws_when : str
        For a stochastic model that draws only with some options, which ones
        (``"StateTransitions is Stochastic"``); empty when it always draws.
    dynamic : bool
        Whether the model produces a round-by-round history.
    supports : frozenset of str
        Capabilities: ``"multi_issue"`` (issues interact), ``"status_quo"`` (uses the reference
        point), ``"draws"`` (accepts a leading draw axis).
    params : dict
        Documented parameters and their defaults; the only keys the model takes.
    experimental : bool
        Listed as experimental (its interface may change without deprecation).
    fittable : bool
        Whether the backtest can fit its parameters to training data.
    check_params : callable or None
        ``check_params(params) -> params``: the model's own range checks beyond the known
        keys, raising :class:`~detente.scenario.errors.ModelParamError`.
    cost : callable or None
        ``cost(n_actors, n_issues, params) -> Cost``: estimated peak memory and time.
    batch : callable or None
        ``batch(arrays, *, rng=None, **params) -> (m, k)``: the model's forecasts for ``m``
        draws at once (arrays with a leading draw axis, see
        :class:`detente.scenario.draws.InputDraws`), each row exactly what ``run`` gives on that
        draw; registered with :func:`register_batch`. ``None``: :func:`run_batch` loops.
    batch_cost : callable or None
        ``batch_cost(n_actors, n_issues, m, params) -> Cost`` of the batch form over ``m``
        draws (a batch form that bounds its own memory registers one); see
        :meth:`estimate_batch_cost`.
    train : callable or None
        For a fittable model, ``train(arrays, outcome, groups, *, cap=None, seed=0) -> dict``:
        the options ``run`` takes, learnt from ``arrays`` and its ``(k,)`` outcomes on every
        issue whose outcome is finite. ``groups`` names each issue's group (a DEU proposal:
        whatever the model cross-validates internally is split by group); ``cap`` is an
        ``(n, k)`` capability per actor and issue (``None``: ``arrays.capability``); ``seed``
        fixes any internal folds or draws. Diagnostics may ride along under the key
        ``"_diagnostics"``; :func:`split_trained` keeps them apart from the options. A model
        whose ``fittable`` is true has one.
    apply : callable or None
        ``apply(arrays, params, cap) -> (k,) ndarray``: the forecast for trained options on
        arrays whose capability varies by issue (``cap`` ``(n, k)``, or ``None``). ``None``:
        callers run the model (``run``) on arrays with one capability per actor, e.g. the
        backtest's proposal by proposal.
    """

    name: str
    title: str
    citation: str
    run: Callable[..., Any]
    stochastic: bool = False
    dynamic: bool = False
    supports: frozenset[str] = field(default_factory=frozenset)
    params: dict[str, Any] = field(default_factory=dict)
    experimental: bool = False
    fittable: bool = False
    check_params: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    cost: Callable[[int, int, Mapping[str, Any]], Cost] | None = None
    draws_when: str = ""
    batch: Callable[..., Any] | None = None
    batch_cost: Callable[[int, int, int, Mapping[str, Any]], Cost] | None = None
    train: Callable[..., dict[str, Any]] | None = None
    apply: Callable[..., Any] | None = None

    @property
    def randomness(self) -> str:
        """``"deterministic"``, or which runs draw and that a seed fixes them (for listings)."""
        if not self.stochastic:
            return "deterministic"
        when = f"draws when {self.draws_when}" if self.draws_when else "draws"
        return f"stochastic ({when}; a seed fixes every draw)"

    def validate_params(
        self, params: Mapping[str, Any], *, path: str | None = None
    ) -> dict[str, Any]:
        """``params`` checked against this model's rules, or a :class:`ModelParamError`.

        Unknown keys are refused with the allowed ones; then ``check_params`` (when the model
        declares one) checks values. ``path`` names the file the options came from.
        """
        from detente.models import _params
        from detente.scenario.errors import ModelParamError

        if not isinstance(params, Mapping):
            raise ModelParamError(
                f"the options of model {self.name!r} are not a mapping",
                path=path,
                field=self.name,
                value=params,
                allowed="a mapping of option names to values: "
                + (", ".join(self.params) or "none"),
            )
        _params.known(self.name, params, self.params, path=path)
        checked = dict(params)
        if self.check_params is not None:
            try:
                checked = self.check_params(checked)
            except ModelParamError as e:
                raise e.located(path) from None
        return checked

    def estimate_cost(self, n_actors: int, n_issues: int, params: Mapping[str, Any]) -> Cost:
        """Estimated peak memory and time of one run on ``n_actors`` x ``n_issues``."""
        from detente.resources import Cost

        if self.cost is not None:
            return self.cost(n_actors, n_issues, params)
        # Static models: a few (n, k) arrays and a linear pass.
        return Cost(
            what=f"model {self.name} on {n_actors} actors x {n_issues} issues",
            bytes=64.0 * n_actors * n_issues,
            seconds=1e-7 * n_actors * n_issues,
        )

    def estimate_batch_cost(
        self, n_actors: int, n_issues: int, m: int, params: Mapping[str, Any]
    ) -> Cost:
        """Estimated peak memory and time of ``m`` draws run as :func:`run_batch` runs them.

        The batch form's own ``batch_cost`` when registered; else a batch form holds the
        ``m`` draws at once (one run's memory × ``m``) and a loop holds one draw at a time;
        time is ``m`` single runs either way (an upper bound for batch forms).
        """
        from dataclasses import replace as _replace

        if self.batch_cost is not None:
            return self.batch_cost(n_actors, n_issues, m, params)
        one = self.estimate_cost(n_actors, n_issues, params)
        held = m if self.batch is not None else 1
        return _replace(
            one, what=f"{one.what}, {m:,} draws", bytes=one.bytes * held, seconds=one.seconds * m
        )


_REGISTRY: dict[str, ModelInfo] = {}


def register(
    name: str,
    *,
    title: str,
    citation: str,
    stochastic: bool = False,
    dynamic: bool = False,
    supports: tuple[str, ...] = (),
    params: dict[str, Any] | None = None,
    experimental: bool = False,
    fittable: bool = False,
    check_params: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    cost: Callable[[int, int, Mapping[str, Any]], Cost] | None = None,
    draws_when: str = "",
    train: Callable[..., dict[str, Any]] | None = None,
    apply: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a ``run`` function under ``name``.

    A fittable model (``fittable=True``) passes its ``train`` hook (and optionally ``apply``;
    see :class:`ModelInfo`).
    """
    if fittable and train is None:
        raise ValueError(f"model {name!r} is fittable but registers no train hook")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name].run is not fn:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelInfo(
            name=name,
            title=title,
            citation=citation,
            run=fn,
            stochastic=stochastic,
            dynamic=dynamic,
            supports=frozenset(supports),
            params=dict(params or {}),
            experimental=experimental,
            fittable=fittable,
            check_params=check_params,
            cost=cost,
            draws_when=draws_when,
            train=train,
            apply=apply,
        )
        return fn

    return deco


def split_trained(trained: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a ``train`` hook returned, split into ``run``'s options and the diagnostics.

    Diagnostics ride under the key ``"_diagnostics"`` (a dict); every other key is an option.
    """
    params = dict(trained)
    diagnostics = params.pop("_diagnostics", None) or {}
    return params, dict(diagnostics)


def _load_builtin() -> None:
    # Importing the model modules registers them; done lazily so that
    # `import detente` does no work.
    from detente.models import _builtin  # noqa: F401


def list_models() -> list[ModelInfo]:
    """All registered models: built-in ones in the order of ``_builtin.MODULES``, then any
    others in registration order, then the listed focal-point models
    (:func:`detente.models.snap.listed`: ``snap:compromise`` and ``snap:`` of every fittable
    model)."""
    _load_builtin()
    from detente.models._builtin import MODULES
    from detente.models.snap import listed

    rank = {f"detente.models.{m}": n for n, m in enumerate(MODULES)}
    entries = list(_REGISTRY.values())
    base = sorted(
        entries,
        key=lambda m: (rank.get(m.run.__module__, len(rank)), entries.index(m)),
    )
    return base + listed(base)


def get_model(name: str) -> ModelInfo:
    """The entry for ``name``; ``KeyError`` with the known names otherwise.

    ``snap:<model>`` resolves for every registered model (:mod:`detente.models.snap`), listed
    or not."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        if name.startswith("snap:"):  # the focal-point family: snap:<any registered model>
            from detente.models.snap import family_entry

            return family_entry(name)
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown model {name!r}; known models: {known}") from None


def require_positions(arrays: Any) -> None:
    """Refuse arrays in which no actor takes part in any issue, before any model runs.

    Raises
    ------
    ScenarioError
        ``field="positions"``, naming the scenario and what a forecast needs.
    """
    import numpy as np

    from detente.scenario.errors import ScenarioError

    present = np.asarray(arrays.present, bool)
    if present.size == 0 or not present.any():
        name = (getattr(arrays, "meta", None) or {}).get("scenario")
        where = f"scenario {name!r}" if name else "the scenario"
        raise ScenarioError(
            f"{where} has no positions: no actor takes part in any issue, so there is "
            "nothing to forecast",
            field="positions",
            value=f"{len(arrays.actor_ids)} actors, {len(arrays.issue_ids)} issues, 0 positions",
            allowed="at least one position (an actor's stand and salience on an issue)",
        )


def check_model_params(
    model_params: Mapping[str, Any], *, path: str | None = None
) -> dict[str, dict[str, Any]]:
    """Every model's options in a scenario's ``model_params``, checked by the registry.

    ``model_params`` maps model names to their options (``smp: {VotingRule: PropCbc}``),
    plus ``seed`` (the file's seed for stochastic models). Each model named is checked by
    :meth:`~detente.models.registry.ModelInfo.validate_params` (unknown options are refused
    with the allowed ones, then the model's own range checks).

    Returns
    -------
    dict
        The checked options of each model named.

    Raises
    ------
    ModelParamError
        A key that is neither a model nor ``seed``, a model's options that are not a
        mapping, a bad ``seed``, or what the model refuses; located at ``path``.
    """
    from detente.models import _params
    from detente.scenario.errors import ModelParamError

    known = [m.name for m in list_models()]
    checked: dict[str, dict[str, Any]] = {}
    for key, value in model_params.items():
        if key == "seed":
            try:
                _params.seed(value)
            except ModelParamError as e:
                raise e.located(path) from None
            continue
        if key not in known:
            raise ModelParamError(
                f"no model named {key!r}",
                path=path,
                field="model_params",
                allowed="seed, " + ", ".join(known),
            )
        if not isinstance(value, Mapping):
            raise ModelParamError(
                f"the options of model {key!r} are not a mapping",
                path=path,
                field=f"model_params.{key}",
                value=value,
                allowed=f"a mapping of {key}'s option names to values",
            )
        checked[key] = get_model(key).validate_params(value, path=path)
    return checked


def register_batch(
    name: str, *, cost: Callable[[int, int, int, Mapping[str, Any]], Cost] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering the draw-axis version of the model ``name`` (already registered),
    with its cost over ``m`` draws when it bounds its own memory."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = replace(get_model(name), batch=fn, batch_cost=cost)
        return fn

    return deco


def run_batch(name: str, arrays: Any, *, rng: RNG = None, **params: Any) -> Any:
    """Forecasts of model ``name`` for every draw of ``arrays``: ``(m, k)`` issue units.

    ``arrays`` has a leading draw axis of length ``m``. Uses the model's registered batch
    function when it has one, else runs the model draw by draw (stochastic models get one
    child stream per draw, spawned from ``rng``). Row ``d`` is what :func:`run_model` gives on
    draw ``d`` (with that draw's stream).
    """
    import numpy as np

    from detente.scenario.draws import InputDraws

    info = get_model(name)
    info.validate_params(params)
    if info.batch is not None:
        return info.batch(arrays, rng=rng, **params)
    draws = InputDraws(arrays)
    m = draws.m
    streams = _seed_sequence(rng).spawn(m) if info.stochastic else [None] * m
    out = np.empty((m, arrays.n_issues))
    for d in range(m):
        one = draws.point(d)
        require_positions(one)
        out[d] = info.run(one, rng=streams[d], **params).forecast
    return out


def run_model(name: str, arrays: Any, *, rng: RNG = None, **params: Any) -> Forecast:
    """Run the model registered as ``name`` on ``arrays``.

    Steps
    -----
    1. Refuse arrays without any position (:func:`require_positions`).
    2. Check ``params`` against the model's rules (:meth:`ModelInfo.validate_params`).
    3. Run the model with ``rng`` (deterministic models ignore it).

    Raises
    ------
    ScenarioError
        No positions; :class:`~detente.scenario.errors.ModelParamError` for a bad option.
    """
    info = get_model(name)
    require_positions(arrays)
    info.validate_params(params)
    result: Forecast = info.run(arrays, rng=rng, **params)
    return result


def _seed_sequence(rng: RNG) -> np.random.SeedSequence:
    """A ``SeedSequence`` from an int, a ``SeedSequence``, ``None`` or a ``Generator``.

    Ints and ``None`` map directly (``SeedSequence(seed)``), so that the same seed gives the
    same child streams wherever it is spawned from; a ``Generator`` contributes one draw.
    """
    import numpy as np

    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.BitGenerator):
        rng = np.random.Generator(rng)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(rng)


def model_stream(seed: int, name: str) -> np.random.SeedSequence:
    """The random stream of model ``name`` under ``seed``.

    A child of ``SeedSequence(seed)`` keyed by the model's name (CRC-32 of its UTF-8 bytes
    as the spawn key), so that one seed gives each model the same draws whichever other
    models run with it and in whatever order.
    """
    import zlib

    import numpy as np

    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode("utf-8")),))


def run_models(names: Sequence[str], arrays: Any, seed: int | None) -> list[Forecast]:
    """Each model's forecast of ``arrays`` (:func:`run_by_group`), in the order given.

    With a ``seed``, each model runs on its own stream keyed by its name
    (:func:`model_stream`), so a model's draws do not depend on which others run or in what
    order; with ``None``, each model's own default (a seed the scenario file sets, such as
    ``model_params.seed`` or KTAB's ``prngSeed``).
    """
    return [
        run_by_group(m, arrays, rng=None if seed is None else model_stream(seed, m)) for m in names
    ]


def spawn_streams(rng: RNG, n: int) -> list[np.random.Generator]:
    """``n`` independent generators from one seed (``SeedSequence(seed).spawn(n)``)."""
    import numpy as np

    return [np.random.default_rng(s) for s in _seed_sequence(rng).spawn(n)]


def group_cost(name: str, arrays: ScenarioArrays, params: Mapping[str, Any]) -> Cost:
    """Estimated cost of :func:`run_by_group` of model ``name`` on ``arrays``.

    A table of separate negotiations (``meta["issue_groups"]``, the DEU proposals) runs
    group by group on the actors present in each: the time is the sum over the groups, the
    memory that of the largest group (:meth:`ModelInfo.estimate_cost` for each).
    """
    import numpy as np

    from detente.resources import Cost

    info = get_model(name)
    groups = tuple(arrays.meta.get("issue_groups") or ())
    if len(set(groups)) <= 1 or len(groups) != arrays.n_issues:
        return info.estimate_cost(arrays.n_actors, arrays.n_issues, params)
    order: dict[object, list[int]] = {}
    for j, g in enumerate(groups):
        order.setdefault(g, []).append(j)
    present = np.asarray(arrays.present)
    costs = [
        info.estimate_cost(int(present[:, idx].any(axis=1).sum()), len(idx), params)
        for idx in order.values()
    ]
    worst = max(costs, key=lambda c: c.bytes)
    return Cost(
        what=f"{worst.what} (the largest of {len(costs)} groups of issues)",
        bytes=worst.bytes,
        seconds=sum(c.seconds for c in costs),
        hint=worst.hint,
    )


def run_by_group(name: str, arrays: Any, *, rng: RNG = None, **params: Any) -> Forecast:
    """Run a model separately on each group of issues (e.g. each DEU proposal).

    Issues are grouped by ``arrays.meta["issue_groups"]``; each group runs on the actors
    present on at least one of its issues. Without groups (or with one), this is
    :func:`run_model`. Multi-dimensional models such as SMP treat the issues of one run as
    one policy space, so a table of unrelated negotiations must be run group by group.
    Given a seed, every model gets one child stream per group (``SeedSequence.spawn``), so a
    group's result does not depend on the others, and the seed fixes every draw whatever the
    model (deterministic models ignore their stream); ``rng=None`` hands ``None`` to each
    group (the model's own default, e.g. the seed of a KTAB file).

    Raises
    ------
    ScenarioError
        No positions at all, before any group runs; ``ModelParamError`` for a bad option.

    Returns
    -------
    Forecast
        Forecasts in the original issue order; ``history`` padded with each group's last
        round up to the longest run.
    """
    import numpy as np

    from detente.models.result import Forecast
    from detente.progress import task as progress_task

    groups = tuple(arrays.meta.get("issue_groups") or ())
    if len(set(groups)) <= 1 or len(groups) != arrays.n_issues:
        return run_model(name, arrays, rng=rng, **params)
    info = get_model(name)
    require_positions(arrays)
    info.validate_params(params)
    order: dict[Any, list[int]] = {}
    for j, g in enumerate(groups):
        order.setdefault(g, []).append(j)
    # rng=None leaves each group to the model's own default (e.g. a KTAB file's seed)
    streams = [None] * len(order) if rng is None else _seed_sequence(rng).spawn(len(order))
    forecast = np.full(arrays.n_issues, np.nan)
    parts = []
    with progress_task(f"{name}: groups of issues", total=len(order)) as advance:
        for (_, idx), seq in zip(order.items(), streams, strict=True):
            actors = np.flatnonzero(arrays.present[:, idx].any(axis=1))
            if actors.size == 0:
                advance()
                continue
            sub = arrays.subset(actors=actors, issues=idx)
            res = info.run(sub, rng=None if seq is None else np.random.default_rng(seq), **params)
            forecast[idx] = res.forecast
            parts.append((actors, idx, res.history))
            advance()
    history = None
    if info.dynamic:
        rounds = max((h.shape[0] for _, _, h in parts if h is not None), default=1)
        history = np.full((rounds, arrays.n_actors, arrays.n_issues), np.nan)
        for actors, idx, h in parts:
            if h is None:
                continue
            padded = np.concatenate([h, np.repeat(h[-1:], rounds - h.shape[0], axis=0)])
            history[np.ix_(np.arange(rounds), actors, np.asarray(idx))] = padded
    return Forecast(
        name,
        arrays.issue_ids,
        arrays.actor_ids,
        forecast,
        history=history,
        extra={"groups": len(order)},
    )


def render_models_markdown() -> str:
    """The reference page ``docs/reference/models.md``, rendered from the registry.

    A test checks that the committed page equals this rendering, so the docs cannot drift
    from the registry. Regenerate with ``python -m detente.models.registry``.
    """
    out = [
        "# Models",
        "",
        "Every forecasting model registered in detente, as `detente models` lists them. "
        "This page is generated from the registry (`python -m detente.models.registry > "
        "docs/reference/models.md`); a test keeps it in step.",
        "",
    ]
    for m in list_models():
        kind = m.randomness + (", dynamic" if m.dynamic else ", static")
        out += [
            f"## `{m.name}` — {m.title}",
            "",
            f"*{kind}*" + (" — experimental" if m.experimental else ""),
            "",
        ]
        out += [f"**Citation.** {m.citation}", ""]
        if m.params:
            out += ["| parameter | default |", "|---|---|"]
            out += [f"| `{k}` | `{v!r}` |" for k, v in m.params.items()]
            out += [""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    from detente.models import registry as _registry  # the imported module, not __main__

    sys.stdout.write(_registry.render_models_markdown())
