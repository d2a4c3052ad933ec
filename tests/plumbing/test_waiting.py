import pytest

from harness.errors import HarnessError
from harness.plumbing.waiting import NotYet, WaitTimedOut, wait_until


def test_returns_what_the_condition_returned_once_it_holds():
    answers = iter([None, 0, "", "ready"])
    assert wait_until(lambda: next(answers), what="x", timeout=5, interval=0.001) == "ready"


def test_a_time_out_names_what_it_waited_for_and_the_last_reason():
    def not_yet():
        raise NotYet("2 of 3 tasks healthy")

    with pytest.raises(WaitTimedOut, match=r"^the service: not ready after 0s \(2 of 3 tasks"):
        wait_until(not_yet, what="the service", timeout=0.05, interval=0.01)


def test_a_time_out_is_both_a_harness_error_and_a_timeout_error():
    with pytest.raises(WaitTimedOut) as failure:
        wait_until(lambda: False, what="never", timeout=0.01)
    assert isinstance(failure.value, HarnessError)
    assert isinstance(failure.value, TimeoutError)
    assert failure.value.what == "never"


def test_a_time_out_keeps_the_log_tail_it_was_given(caplog):
    logs = "\n".join(f"line {n}" for n in range(30))
    with pytest.raises(WaitTimedOut) as failure:
        wait_until(lambda: False, what="the api", timeout=0.01, logs=lambda: logs)
    assert failure.value.log_tail.splitlines() == [f"line {n}" for n in range(10, 30)]
    assert "line 29" in caplog.text


def test_an_error_that_is_not_transient_ends_the_wait_at_once():
    calls = []

    def broken():
        calls.append(1)
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        wait_until(broken, what="x", timeout=5)
    assert calls == [1]


def test_a_fatal_error_ends_the_wait_even_when_its_kind_is_transient():
    class GiveUp(OSError):
        pass

    def broken():
        raise GiveUp("disabled")

    with pytest.raises(GiveUp):
        wait_until(broken, what="x", timeout=5, transient=(OSError,), fatal=(GiveUp,))
