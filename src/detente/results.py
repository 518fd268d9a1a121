"""One base for every result object: :class:`Result`.

Every computation that hands something back to a person (a model's :class:`~detente.models.
Forecast`, the bargaining :class:`~detente.bargaining.BargainingAnalysis` and its
:class:`~detente.bargaining.Frontier`, the DEU :class:`~detente.backtest.BacktestResult`, and
the coming simulation and ensemble results) returns a :class:`Result`, so each can be read the
same four ways:

* ``to_df()`` — a tidy :class:`pandas.DataFrame` (one row per observation);
* ``summary()`` — plain text for a terminal or a report;
* ``plot(ax=None)`` — its most telling chart, drawn on ``ax`` (or a new figure), returning the
  matplotlib Axes;
* ``to_dict()`` — a JSON-serialisable dict: plain ``int``/``float``/``str``/``bool``/lists/
  dicts, ``None`` where a number is missing or not finite (``json.dumps(r.to_dict(),
  allow_nan=False)`` always works; :func:`jsonable` does the conversion).

The Jupyter view (``_repr_html_``: the summary and the first rows of the table) and the short
``repr`` are written once here, from ``summary()`` and ``to_df()``. Subclasses implement the
four methods (the class cannot be instantiated otherwise) and nothing is attached at run time.
pandas and matplotlib are imported inside the methods that need them, never at import.

Examples
--------
>>> from detente.results import jsonable
>>> import numpy as np
>>> jsonable({"a": np.float64(1.5), "b": np.array([1.0, np.nan]), "c": (1, 2)})
{'a': 1.5, 'b': [1.0, None], 'c': [1, 2]}
"""

from __future__ import annotations

import abc
import dataclasses
import html
import math
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["HTML_ROWS", "Result", "jsonable"]

#: Rows of ``to_df()`` shown by the Jupyter view.
HTML_ROWS = 20

_REPR_WIDTH = 100


class Result(abc.ABC):
    """Abstract base of every result object (see the module docstring).

    Subclasses that are dataclasses declare ``repr=False`` so that the short ``repr`` written
    here is kept. A subclass whose ``summary()`` is costly overrides :meth:`_headline` with a
    cheap one-line description (used by ``repr``).
    """

    __slots__ = ()

    @abc.abstractmethod
    def to_df(self) -> pd.DataFrame:
        """A tidy table of the result (one row per observation)."""

    @abc.abstractmethod
    def summary(self) -> str:
        """Plain text for a terminal or a report."""

    @abc.abstractmethod
    def plot(self, ax: Axes | None = None) -> Axes:
        """The result's most telling chart on ``ax`` (a new figure when ``None``)."""

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (no numpy scalars, ``None`` for missing numbers)."""

    # ------------------------------------------------------------ written once
    def _headline(self) -> str:
        """One line describing the result: the first line of :meth:`summary`."""
        text = self.summary().strip()
        return text.splitlines()[0] if text else ""

    def __repr__(self) -> str:
        head = " ".join(self._headline().split())
        if len(head) > _REPR_WIDTH:
            head = head[: _REPR_WIDTH - 3] + "..."
        return f"<{type(self).__name__}: {head}>" if head else f"<{type(self).__name__}>"

    def _repr_html_(self) -> str:
        """Jupyter view: the summary, then the first :data:`HTML_ROWS` rows of ``to_df()``."""
        df = self.to_df()
        table = df.head(HTML_ROWS).to_html(index=False)
        more = (
            f"<p><i>first {HTML_ROWS} of {len(df)} rows; all of them in .to_df()</i></p>"
            if len(df) > HTML_ROWS
            else ""
        )
        return f"<div><pre>{html.escape(self.summary())}</pre>{table}{more}</div>"


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values, recursively.

    numpy scalars and arrays become Python numbers and lists; non-finite floats (``nan``,
    ``±inf``) become ``None``; tuples and sets become lists; dict keys become strings;
    dataclasses become dicts of their fields; a :class:`Result` its ``to_dict()``; dates their
    ISO text; paths and anything else their ``str``.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [jsonable(v) for v in sorted(obj, key=str)]
    if isinstance(obj, Result):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, PurePath):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)
