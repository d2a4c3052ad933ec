"""A process under libfaketime follows the clock file, both ways, without clock code in it."""

import subprocess
import sys

import pytest

from harness.clock import faketime
from harness.clock.stack_clock import write_offset_file
from harness.plumbing.waiting import NotYet, wait_until

PRINTS_TIME_ON_EACH_LINE = (
    "import sys, time\n"
    "for _ in sys.stdin:\n"
    "    time.sleep(0.01)\n"  # libfaketime 0.9.10 breaks sleep with DONT_FAKE_MONOTONIC
    "    print(time.time(), flush=True)\n"
)


@pytest.fixture
def library():
    found = faketime.find_library()
    assert found, "libfaketime is missing: scripts/bootstrap.sh installs it"
    return found


def test_a_child_process_follows_the_clock_file(tmp_path, library):
    clock_file = tmp_path / "clock"
    write_offset_file(clock_file, 7200)
    env = {"PATH": "/usr/bin:/bin"} | faketime.environment(clock_file, library)
    child = subprocess.Popen(
        [sys.executable, "-c", PRINTS_TIME_ON_EACH_LINE],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def offset_seen() -> float:
        import time

        child.stdin.write("\n")
        child.stdin.flush()
        return float(child.stdout.readline()) - time.time()

    def sees(offset: float):
        def check() -> bool:
            seen = offset_seen()
            if abs(seen - offset) > 2:
                raise NotYet(f"the child is {seen:.0f}s off real time")
            return True

        return check

    try:
        wait_until(sees(7200), what="child at +2h", timeout=30)
        write_offset_file(clock_file, 181 * 86400)
        wait_until(sees(181 * 86400), what="child at +181d", timeout=30)
        write_offset_file(clock_file, 0)
        wait_until(sees(0), what="child back on real time", timeout=30)
    finally:
        child.stdin.close()
        child.wait(10)
        child.stdout.close()


def test_without_the_library_nothing_is_preloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("ANIMEHUB_LIBFAKETIME", str(tmp_path / "missing.so"))
    assert faketime.environment(tmp_path / "clock") == {}
