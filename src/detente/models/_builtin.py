"""The built-in model modules, imported lazily on first use so that they register themselves.

``MODULES`` is also the order of ``detente models`` and of the reference page (static models
first, then the dynamic bargaining models, then the DEU-specific ones), whichever module
happens to be imported first.
"""

import importlib

MODULES = (
    "compromise",
    "median",
    "nash",
    "smp",
    "expected_utility",
    "exchange",
    "procedural",
    "fitted",
)

for _name in MODULES:
    importlib.import_module(f"detente.models.{_name}")
