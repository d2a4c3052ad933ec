"""A CloudFront function's code on a real JavaScript engine: QuickJS, from PyPI's `quickjs-ng`.

One QuickJS context per function and per thread that calls it (the edge's HTTP and HTTPS
listeners each have their loop on a thread of its own), compiled on that thread's first call
and called on that thread: a call costs no thread switch, where V8 (mini-racer) needed a hop to
its own thread and back (most of a cache hit's CPU). A QuickJS context must stay on the thread
that made it: it measures its stack from there.

The handler may be `async` (runtime 2.0, [async-await-syntax]): its promise is settled by
running the context's pending jobs (its microtask queue) after the call. A call and its jobs
run under a time limit, so a function that never returns is stopped rather than hanging the
edge; while it runs, its listener serves nothing else (docs/fidelity.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import quickjs

log = logging.getLogger("harness.data_plane.edge.functions")

RUNTIME = "cloudfront-js-2.0"
# CloudFront stops a function past its compute budget (FunctionComputeUtilization 100); that
# budget is about a millisecond on AWS's hardware. A local run is slower and shares its cores,
# so this limit (CPU seconds of the edge's process, as QuickJS counts them) only catches a
# function that never returns.
TIME_LIMIT = 1.0
# Not CloudFront's 2 MB (QuickJS counts memory its own way): only keeps a runaway function from
# growing the edge's process.
MEMORY_LIMIT = 64 * 1024 * 1024
INTERRUPTED = "InternalError: interrupted"

# [functions-javascript-runtime-20] functions run in strict mode; `require` gives the
# built-in modules. Those the edge does not provide fail as an execution error (docs/fidelity.md).
# `__invoke` is compiled once with the function and called with the event as JSON text; it
# answers with the state as JSON text: the handler's value, its error (QuickJS's `stack` holds
# only the frames: the message goes first, as V8's would) and its log lines. A
# handler that returns a value answers in that call; a promise (an async handler) is settled by
# the pending jobs run after it and read by COLLECT.
PRELUDE = """
"use strict";
var console = { log: function () { __logs.push(Array.prototype.join.call(arguments, " ")); } };
var __logs = [], __done, __out, __err;
function require(name) { throw new Error("module '" + name + "' is not available at this edge"); }
function __error(e) { return e && e.stack ? String(e) + "\\n" + e.stack : String(e); }
function __state() { return JSON.stringify({done: __done, out: __out, err: __err, logs: __logs}); }
function __invoke(text) {
  __logs = []; __done = false; __out = null; __err = undefined;
  try {
    var value = handler(JSON.parse(text));
    if (value && typeof value.then === "function") {
      value.then(
        function (v) { __out = v === undefined ? null : v; __done = true; },
        function (e) { __err = __error(e); });
      return null;
    }
    __out = value === undefined ? null : value; __done = true;
    return __state();
  } catch (error) {
    __out = null; __err = __error(error);
    return __state();
  }
}
"""
COLLECT = "__state()"


class FunctionExecutionError(Exception):
    """The function did not complete: it threw, rejected, never returned or failed to load."""


@dataclass
class EdgeFunction:
    """A published (LIVE) function as the edge runs it."""

    name: str
    arn: str
    code: str
    runtime: str = RUNTIME
    # This thread's (context, __invoke); close() drops every thread's at once.
    _threads: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    async def invoke(self, event: dict) -> dict | list | str | int | float | bool | None:
        """The handler's return value (JSON-shaped), or FunctionExecutionError."""
        loaded = getattr(self._threads, "loaded", None)
        if loaded is None:
            loaded = self._threads.loaded = self._load()
        context, entry = loaded
        try:
            settled = self._run(entry, json.dumps(event))
            self._drain(context)
            if settled is None:  # a promise: what its jobs settled
                settled = self._run(context.eval, COLLECT)
        except FunctionExecutionError:
            # Stopped part-way (time, memory), perhaps with jobs still queued: the next call
            # starts from a fresh context, as each invocation on AWS does.
            if getattr(self._threads, "loaded", None) is loaded:
                del self._threads.loaded
            raise
        state = json.loads(settled)
        for line in state["logs"]:
            log.info("function %s: %s", self.name, line)
        if state.get("err") is not None:
            raise FunctionExecutionError(f"function {self.name} failed: {state['err']}")
        if not state["done"]:
            raise FunctionExecutionError(f"function {self.name}: its promise never settled")
        return state["out"]

    def close(self) -> None:
        """Drops every thread's context; one in a call is freed once that call returns."""
        self._threads = threading.local()

    def _drain(self, context: quickjs.Context) -> None:
        """Runs the pending jobs: an async handler's awaits, or promise work a handler left
        behind (V8 ran those after the call too)."""
        if not self._run(context.execute_pending_job):
            return
        started = time.process_time()  # each job has the limit too; this bounds them all
        while self._run(context.execute_pending_job):
            if time.process_time() - started > TIME_LIMIT:  # jobs that keep queueing jobs
                raise self._stopped()

    def _run(self, call, *args):
        try:
            return call(*args)
        except quickjs.JSException as exc:  # StackOverflow is one too
            if str(exc).startswith(INTERRUPTED):
                raise self._stopped() from None
            raise FunctionExecutionError(f"function {self.name}: {exc}") from None

    def _stopped(self) -> FunctionExecutionError:
        return FunctionExecutionError(
            f"function {self.name} did not return within {TIME_LIMIT:g} s"
        )

    def _load(self) -> tuple[quickjs.Context, quickjs.Object]:
        """This thread's context, the code compiled in it, and its `__invoke`."""
        if self.runtime != RUNTIME:
            raise FunctionExecutionError(
                f"function {self.name}: runtime {self.runtime!r} is not run by this edge "
                f"(only {RUNTIME})"
            )
        context = quickjs.Context()
        context.set_time_limit(TIME_LIMIT)
        context.set_memory_limit(MEMORY_LIMIT)
        try:
            self._run(context.eval, PRELUDE + self.code + "\n;handler;")
        except FunctionExecutionError as exc:
            detail = str(exc).removeprefix(f"function {self.name}: ")
            raise FunctionExecutionError(f"function {self.name} does not load: {detail}") from None
        return context, context.get("__invoke")
