"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO = REPO / "data" / "demo"


@pytest.fixture
def shared_data() -> Path:
    """Return the public datasets folder, or skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("public datasets in ../shared/data are absent")
    return SHARED_DATA
