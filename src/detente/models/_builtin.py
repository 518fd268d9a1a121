"""Import every built-in model module so that it registers itself (lazily, on first use).

The order of the imports is the order of ``detente models`` and of the reference page:
static models first, then the dynamic bargaining models, then the DEU-specific ones.
"""

# ruff: noqa: F401, I001
from detente.models import compromise, median, nash
from detente.models import smp, expected_utility, exchange
from detente.models import procedural, fitted
