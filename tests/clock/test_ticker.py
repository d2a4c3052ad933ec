"""`ClockTicker`: a pass at start, each span of `interval` seconds of stack time, at once when
the clock moves, and at once when poked."""

import pytest

from harness.clock import clock
from harness.clock.ticker import ClockTicker
from harness.plumbing.waiting import wait_until


@pytest.fixture
def global_clock(tmp_path):
    """The process's stack clock (the one a ticker reads) on a file of the test's own."""
    clock.use(tmp_path / "clock")
    yield clock
    clock.release(tmp_path / "clock")


@pytest.fixture
def ticking(global_clock):
    """A ticker with hour-long spans, after its first pass; and the stack times of its passes."""
    passes: list[float] = []
    ticker = ClockTicker("test-ticker", lambda: passes.append(clock.now()), interval=3600)
    ticker.start()
    wait_until(lambda: len(passes) == 1, what="the first pass", timeout=30)
    yield ticker, passes
    ticker.stop()


def test_a_poke_runs_a_pass_at_once(ticking):
    ticker, passes = ticking
    ticker.poke()
    wait_until(lambda: len(passes) == 2, what="a pass after the poke", timeout=30)


def test_a_clock_advance_runs_a_pass_at_once(ticking, global_clock):
    _, passes = ticking
    global_clock.advance(5)  # within the hour-long span: the move alone is the cause
    wait_until(lambda: len(passes) == 2, what="a pass after the advance", timeout=30)
    assert passes[-1] - passes[0] >= 5
    ticker = ticking[0]
    wait_until(
        lambda: (ticker.last_began or 0) >= passes[0] + 5,
        what="the pass on the advanced clock recorded as the latest",
        timeout=30,
    )
