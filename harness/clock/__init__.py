"""One stack clock for every part of the stack (see stack_clock.py).

`clock` is this process's: the data plane reads `clock.now()` / `clock.monotonic()` where AWS
would decide by time; `Stack` points it at its run directory."""

from harness.clock.durations import format_duration, parse_duration
from harness.clock.stack_clock import CLOCK_FILE, StackClock

clock = StackClock()

__all__ = ["CLOCK_FILE", "StackClock", "clock", "format_duration", "parse_duration"]
