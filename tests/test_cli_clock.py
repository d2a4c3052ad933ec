"""`harness clock show | advance` as a user runs it (a real `python -m harness` process)."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_one_line_error, harness

from harness.clock import CLOCK_FILE
from harness.lifecycle.run_dir import RunDir


@pytest.fixture
def held_run_dir(tmp_path):
    """A run directory held as a running stack holds it (the lock is what the CLI checks)."""
    run_dir = RunDir(tmp_path).prepare()
    run_dir.lock()
    yield tmp_path
    run_dir.unlock()


def test_advance_moves_the_offset_in_the_run_directory(held_run_dir):
    result = harness("clock", "advance", "2h", "--run-dir", str(held_run_dir))
    assert result.returncode == 0, result.stderr
    assert "real time +2h" in result.stdout
    assert (held_run_dir / CLOCK_FILE).read_text() == "+7200\n"

    harness("clock", "advance", "181d", "--run-dir", str(held_run_dir))
    shown = json.loads(harness("clock", "show", "--json", "--run-dir", str(held_run_dir)).stdout)
    assert shown["offset_seconds"] == 7200 + 181 * 86400


def test_a_bad_duration_is_one_line_naming_it(held_run_dir):
    result = harness("clock", "advance", "2 hours", "--run-dir", str(held_run_dir))
    assert_one_line_error(result, "duration", "'2 hours'", "181d")


def test_no_stack_running_is_one_line(tmp_path):
    result = harness("clock", "show", "--run-dir", str(tmp_path))
    assert_one_line_error(result, "no stack is running")
