"""Start-up time: Typer's help formatter without rich's Markdown and Traceback machinery.

``typer.rich_utils`` (imported to format ``--help`` and usage errors) imports
``rich.markdown`` (markdown-it, pygments) and ``rich.traceback`` at its top, about half of
the time ``detente --help`` takes, yet uses ``Markdown`` only in the ``markdown`` markup mode
(detente's app uses ``rich``) and ``Traceback`` only for pretty exceptions (disabled). While
:func:`import_typer_rich_utils` imports it, those two modules are stand-ins whose classes
import the real ones on first use; afterwards the stand-ins are gone from ``sys.modules``, so
every other ``import rich.markdown`` gets the real module. Help and errors print the same.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["import_typer_rich_utils"]


class _Forward(type):
    """A class that is the real ``module.name`` as soon as it is called or looked into."""

    _target: tuple[str, str]

    def _real(cls) -> Any:
        module, name = cls._target
        return getattr(importlib.import_module(module), name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(cls._real(), attr)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._real())


def _stand_in(module: str, names: tuple[str, ...]) -> types.ModuleType:
    mod = types.ModuleType(module)
    for name in names:
        setattr(mod, name, _Forward(name, (), {"_target": (module, name)}))
    return mod


def import_typer_rich_utils() -> None:
    """Import ``typer.rich_utils`` with ``rich.markdown`` and ``rich.traceback`` deferred.

    Does nothing when it (or either rich module) is already imported, or when anything goes
    wrong: Typer then imports everything itself, as before.
    """
    stand_ins = {"rich.markdown": ("Markdown",), "rich.traceback": ("Traceback",)}
    if "typer.rich_utils" in sys.modules or any(m in sys.modules for m in stand_ins):
        return
    try:
        import rich

        for module, names in stand_ins.items():
            sys.modules[module] = _stand_in(module, names)
        try:
            importlib.import_module("typer.rich_utils")
        finally:
            for module in stand_ins:
                sys.modules.pop(module, None)
                # `import rich.markdown` later must find the real module, not the attribute
                # the stand-in import left on the package
                rich.__dict__.pop(module.rsplit(".", 1)[1], None)
    except Exception:  # pragma: no cover - the plain import path still works
        sys.modules.pop("typer.rich_utils", None)
