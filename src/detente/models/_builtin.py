"""Import every built-in model module so that it registers itself (lazily, on first use)."""

from detente.models import compromise, median, nash  # noqa: F401
from detente.models import expected_utility  # noqa: F401
from detente.models import procedural, fitted  # noqa: F401
from detente.models import smp  # noqa: F401
from detente.models import exchange  # noqa: F401
