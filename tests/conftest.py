"""Shared fixtures for the detente test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared/data`` beside the repository (the reference data sets; never copied in).
SHARED_DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` relative to the repo root; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found: expected the reference data at {SHARED_DATA}")
    return SHARED_DATA
