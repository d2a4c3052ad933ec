"""Emulator processes started together: each reports its URL, all stop at the end, and one that
fails to start stops the others (real child processes, stand-ins for the emulators)."""

import os
import sys

import pytest

from harness.control_plane.backends.emulator_process import EmulatorProcess, running_together
from harness.errors import HarnessError

# Reports a URL, then serves until stdin closes: an emulator's contract, without an emulator.
SERVES = "import sys; print('http://127.0.0.1:9', flush=True); sys.stdin.read()"
FAILS = "import sys; sys.exit(3)"


def stand_in(name: str, script: str) -> EmulatorProcess:
    return EmulatorProcess(name, [sys.executable, "-c", script])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_started_together_each_reports_its_url_and_all_stop_at_the_end():
    one, two = stand_in("one", SERVES), stand_in("two", SERVES)
    with running_together(one, two):
        assert one.url == two.url == "http://127.0.0.1:9"
        pids = [one.pid, two.pid]
        assert all(_alive(pid) for pid in pids)
    assert one.pid is None and two.pid is None  # reaped: waited for, not left as zombies
    assert not any(_alive(pid) for pid in pids)


def test_one_that_fails_to_start_is_named_and_the_others_are_stopped():
    serving, failing = stand_in("serving", SERVES), stand_in("failing", FAILS)
    with (
        pytest.raises(
            HarnessError, match="^failing: the emulator process did not (start|report its URL)$"
        ),
        running_together(serving, failing),
    ):
        pytest.fail("the body ran although an emulator did not start")
    assert serving.pid is None and failing.pid is None
