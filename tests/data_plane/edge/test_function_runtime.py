"""The QuickJS runtime a CloudFront function runs on, called directly (the edge's tests call it
through HTTP). AWS pages: functions-javascript-runtime-20 (strict mode, async/await, the
cloudfront-js-2.0 runtime), monitoring-functions (console.log lines are the function's logs)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.data_plane.edge.functions.runtime import EdgeFunction, FunctionExecutionError

ARN = "arn:aws:cloudfront::123456789012:function/unit"


def on_a_loop_of_its_own(coroutine):
    """The coroutine's result, run as the edge runs it: on an event loop (in a thread of its
    own, since a browser test of the same session may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def run(code: str, event=None, runtime: str = "cloudfront-js-2.0"):
    function = EdgeFunction("unit", ARN, code, runtime=runtime)
    try:
        return on_a_loop_of_its_own(function.invoke(event or {"request": {"uri": "/"}}))
    finally:
        function.close()


def test_sync_and_async_handlers_return_their_value():
    assert run("function handler(e) { return e.request.uri; }") == "/"
    assert run("async function handler(e) { await null; return {n: 1}; }") == {"n": 1}


def test_console_log_lines_are_logged_as_the_functions(caplog):
    with caplog.at_level(logging.INFO, logger="harness.data_plane.edge.functions"):
        run("function handler(e) { console.log('seen', e.request.uri); return 1; }")
    assert "function unit: seen /" in caplog.text


def test_code_that_does_not_load_is_an_execution_error():
    with pytest.raises(FunctionExecutionError, match="does not load"):
        run("function handler(e) { return ; ")
    with pytest.raises(FunctionExecutionError, match="does not load"):
        run("function not_the_handler(e) { return 1; }")


def test_only_the_2_0_runtime_is_run():
    with pytest.raises(FunctionExecutionError, match="cloudfront-js-1.0"):
        run("function handler(e) { return 1; }", runtime="cloudfront-js-1.0")


def test_a_function_stopped_for_time_runs_again_afterwards():
    function = EdgeFunction("unit", ARN, "function handler(e) { while (e.loop) {} return 'done'; }")

    async def stopped_then_run():
        with pytest.raises(FunctionExecutionError, match="did not return"):
            await function.invoke({"loop": True})
        return await function.invoke({"loop": False})

    try:
        assert on_a_loop_of_its_own(stopped_then_run()) == "done"
    finally:
        function.close()


@pytest.mark.parametrize(
    "code",
    [
        # Each await queues one more job: no single step is long, the whole is unbounded.
        "async function handler(e) { while (true) { await null; } }",
        # One job, after the call has returned its promise, that never ends.
        "async function handler(e) { await null; while (true) {} }",
    ],
    ids=["jobs-without-end", "a-job-without-end"],
)
def test_an_async_handler_that_never_settles_is_stopped(code):
    with pytest.raises(FunctionExecutionError, match="did not return"):
        run(code)


@pytest.mark.parametrize(
    "code, why",
    [
        # time: the stopped call leaves a job queued; the next call must not inherit it
        (
            "async function handler(e) { while (e.stop) { await null; } return 'done'; }",
            "did not return",
        ),
        (
            "function handler(e) { var a = [];"
            " while (e.stop) { a.push('x'.repeat(1 << 16) + a.length); } return 'done'; }",
            "out of memory",
        ),
    ],
    ids=["time", "memory"],
)
def test_a_function_stopped_part_way_runs_again_afterwards(code, why):
    function = EdgeFunction("unit", ARN, code)

    async def stopped_then_run():
        with pytest.raises(FunctionExecutionError, match=why):
            await function.invoke({"stop": True})
        return await function.invoke({"stop": False})

    try:
        assert on_a_loop_of_its_own(stopped_then_run()) == "done"
    finally:
        function.close()


def test_a_promise_left_pending_is_an_execution_error():
    with pytest.raises(FunctionExecutionError, match="never settled"):
        run("function handler(e) { return new Promise(function () {}); }")
