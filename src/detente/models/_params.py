"""Checks of model options, shared by the models' ``check_params`` (private).

Each check raises :class:`~detente.scenario.errors.ModelParamError` naming ``model.option``,
the value and what is allowed; each returns the value as the model uses it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from detente.scenario.errors import ModelParamError

__all__ = ["boolean", "choice", "integer", "known", "number"]


def _refuse(model: str, key: str, value: Any, allowed: str, what: str = "") -> ModelParamError:
    return ModelParamError(
        what or f"model {model!r}: option {key!r} is out of range",
        field=f"{model}.{key}",
        value=value,
        allowed=allowed,
    )


def known(
    model: str, params: Mapping[str, Any], names: Iterable[str], *, path: str | None = None
) -> None:
    """Refuse the first key of ``params`` that is not among ``names``, naming those allowed.

    ``path`` names the file the options came from, when known.
    """
    options = tuple(names)
    for key, value in params.items():
        if key not in options:
            raise ModelParamError(
                f"model {model!r} has no option {key!r}",
                path=path,
                field=f"{model}.{key}",
                value=value,
                allowed=", ".join(options) or "no options",
            )


def choice(model: str, key: str, value: Any, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed`` (compared as text)."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise _refuse(
            model, key, value, ", ".join(options), f"model {model!r}: unknown {key} {value!r}"
        )
    return value


def boolean(model: str, key: str, value: Any) -> bool:
    """``value`` if it is a bool (``true``/``false`` in a scenario file)."""
    if not isinstance(value, (bool, np.bool_)):
        raise _refuse(model, key, value, "true or false")
    return bool(value)


def integer(model: str, key: str, value: Any, *, lo: int = 0, hi: int | None = None) -> int:
    """``value`` if it is a whole number in ``[lo, hi]`` (a float such as 10.0 counts)."""
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, Real) and not isinstance(value, bool):
        ok = math.isfinite(float(value)) and float(value) == int(float(value))
    span = f"a whole number >= {lo}" + ("" if hi is None else f" and <= {hi}")
    if not ok or int(value) < lo or (hi is not None and int(value) > hi):
        raise _refuse(model, key, value, span)
    return int(value)


def number(
    model: str,
    key: str,
    value: Any,
    *,
    lo: float = -math.inf,
    hi: float = math.inf,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """``value`` if it is a finite number in the interval (open ends where told)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok:
        x = float(value)
        ok = (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
    if not ok:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        if math.isinf(hi):
            span = f"a number {'>' if lo_open else '>='} {lo:g}"
        else:
            span = f"a number in {left}{lo:g}, {hi:g}{right}"
        raise _refuse(model, key, value, span)
    return float(value)


def seed(value: Any) -> int | None:
    """A scenario file's ``model_params.seed``: ``None`` or a whole number >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ModelParamError(
            f"model_params.seed = {value!r}", field="seed", allowed="an integer >= 0"
        )
    return int(value)
