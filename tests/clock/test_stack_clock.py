import time

import pytest

from harness.clock import CLOCK_FILE, StackClock
from harness.clock.stack_clock import write_offset_file


@pytest.fixture
def stack_clock(tmp_path):
    clock = StackClock()
    clock.use(tmp_path / "clock")
    yield clock
    clock.release(tmp_path / "clock")


def test_real_time_until_it_follows_a_file():
    assert abs(StackClock().now() - time.time()) < 1


def test_the_file_is_libfaketimes_offset_format(stack_clock, tmp_path):
    assert (tmp_path / "clock").read_text() == "+0\n"
    stack_clock.advance(7200)
    assert (tmp_path / "clock").read_text() == "+7200\n"
    assert abs(stack_clock.now() - (time.time() + 7200)) < 1


def test_an_advance_written_by_another_process_is_seen(stack_clock, tmp_path):
    write_offset_file(tmp_path / "clock", 181 * 86400)  # what `harness clock advance` does
    assert stack_clock.offset() == 181 * 86400


def test_monotonic_moves_with_advances_and_never_back(stack_clock):
    before = stack_clock.monotonic()
    stack_clock.advance(3600)
    advanced = stack_clock.monotonic()
    assert advanced - before >= 3600
    stack_clock.set_offset(0)  # a test putting the offset back
    assert stack_clock.monotonic() >= advanced
    assert abs(stack_clock.now() - time.time()) < 1  # wall time does go back, as in the tasks


def test_a_skip_moves_the_intervals_alone(stack_clock, tmp_path):
    before = stack_clock.monotonic()
    stack_clock.skip(30)  # a stop timeout passed at once
    assert stack_clock.monotonic() - before >= 30
    assert (tmp_path / "clock").read_text() == "+0\n"  # the tasks' clock is untouched
    assert abs(stack_clock.now() - time.time()) < 1  # and so is wall time
    with pytest.raises(ValueError, match="never skips backwards"):
        stack_clock.skip(-1)


def test_release_leaves_a_clock_another_stack_took(tmp_path):
    clock = StackClock()
    clock.use(tmp_path / "a")
    clock.use(tmp_path / "b")
    clock.release(tmp_path / "a")
    assert clock.path == tmp_path / "b"


def test_a_second_stack_in_the_process_hands_the_clock_back_when_it_stops(tmp_path):
    first, second = tmp_path / "first" / CLOCK_FILE, tmp_path / "second" / CLOCK_FILE
    own = StackClock()
    own.use(first)
    own.set_offset(7200)
    own.use(second)  # a test's own stack, started while the session's runs
    assert own.offset() == 0 and own.path == second
    own.release(second)
    assert own.path == first and own.offset() == 7200
    own.release(first)
    assert own.path is None and own.offset() == 0


def test_a_part_in_another_process_follows_the_clock_without_resetting_it(stack_clock, tmp_path):
    stack_clock.advance(600)
    follower = StackClock()  # what the edge's own process holds
    follower.follow(tmp_path / "clock")
    assert (tmp_path / "clock").read_text() == "+600\n"
    assert follower.offset() == 600
    before = follower.monotonic()
    stack_clock.advance(60)
    assert follower.monotonic() - before >= 60


def test_monotonic_neither_goes_back_nor_jumps_when_a_test_uses_a_clock_of_its_own(tmp_path):
    """A stack in the session's process and a test's own clock in the same process (a unit test
    calling `use`, then `release`): the stack's waits on monotonic() (health checks every
    interval) must neither stretch by the forward moves its own clock had made (this stopped
    the session stack's health checks for good) nor end at once when its clock comes back."""
    clock = StackClock()
    clock.use(tmp_path / "stack")
    clock.skip(3600)
    clock.advance(7200)
    before = clock.monotonic()

    clock.use(tmp_path / "test")
    assert clock.monotonic() >= before
    clock.release(tmp_path / "test")

    assert abs(clock.offset() - 7200) < 1  # the stack's clock again, where it was
    assert 0 <= clock.monotonic() - before < 3600  # neither back nor its 7200 s counted again
