"""What the data-plane parts' tests share."""

from __future__ import annotations

import pytest

from harness.clock import clock


@pytest.fixture
def stack_clock(tmp_path):
    """This process's stack clock on a file of the test's own: the parts count on it, and no
    task follows it, so advancing it costs nothing."""
    clock.use(tmp_path / "clock")
    yield clock
    clock.release(tmp_path / "clock")
