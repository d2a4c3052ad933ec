"""A CloudFront function's code on a real JavaScript engine: V8, from PyPI's `mini-racer`.

One V8 context per function (compiled on its first call), called with the event object. The
handler may be `async` (runtime 2.0, [async-await-syntax]): its promise is settled by V8's
microtask queue between two evaluations. Each evaluation runs under a time limit, so a function
that never returns is stopped rather than hanging the edge.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field

from py_mini_racer import JSEvalException, JSTimeoutException, MiniRacer

log = logging.getLogger("harness.data_plane.edge.functions")

RUNTIME = "cloudfront-js-2.0"
# CloudFront stops a function past its compute budget (FunctionComputeUtilization 100); that
# budget is about a millisecond on AWS's hardware. A local run is slower and shares its cores,
# so this limit only catches a function that never returns.
TIME_LIMIT = 1.0

# [functions-javascript-runtime-20] functions run in strict mode; `require` gives the
# built-in modules. Those the edge does not provide fail as an execution error (docs/fidelity.md).
PRELUDE = """
"use strict";
var console = { log: function () { __logs.push(Array.prototype.join.call(arguments, " ")); } };
var __logs = [], __out, __err;
function require(name) { throw new Error("module '" + name + "' is not available at this edge"); }
"""
# A handler that returns a value answers in one evaluation; a promise (an async handler) is
# settled by the microtask queue after it and read by COLLECT.
INVOKE = """
(function (event) {
  __logs = []; __out = undefined; __err = undefined;
  try {
    var value = handler(event);
    if (value && typeof value.then === "function") {
      value.then(
        function (v) { __out = JSON.stringify(v === undefined ? null : v); },
        function (e) { __err = String(e && e.stack || e); });
      return null;
    }
    __out = JSON.stringify(value === undefined ? null : value);
  } catch (error) { __err = String(error && error.stack || error); }
  return JSON.stringify({out: __out, err: __err, logs: __logs});
})(%s)
"""
COLLECT = "JSON.stringify({out: __out, err: __err, logs: __logs})"


class FunctionExecutionError(Exception):
    """The function did not complete: it threw, rejected, never returned or failed to load."""


@dataclass
class EdgeFunction:
    """A published (LIVE) function as the edge runs it."""

    name: str
    arn: str
    code: str
    runtime: str = RUNTIME
    _context: MiniRacer | None = field(default=None, repr=False)
    _load_error: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def invoke(self, event: dict) -> dict | list | str | int | float | bool | None:
        """The handler's return value (JSON-shaped), or FunctionExecutionError."""
        with self._lock:
            context = self._loaded()
            try:
                settled = context.eval(INVOKE % json.dumps(event), timeout_sec=TIME_LIMIT)
                if settled is None:
                    settled = context.eval(COLLECT, timeout_sec=TIME_LIMIT)
                state = json.loads(settled)
            except JSTimeoutException:
                raise FunctionExecutionError(
                    f"function {self.name} did not return within {TIME_LIMIT:g} s"
                ) from None
            except JSEvalException as exc:
                raise FunctionExecutionError(f"function {self.name}: {exc}") from None
        for line in state["logs"]:
            log.info("function %s: %s", self.name, line)
        if state.get("err") is not None:
            raise FunctionExecutionError(f"function {self.name} failed: {state['err']}")
        if state.get("out") is None:
            raise FunctionExecutionError(f"function {self.name}: its promise never settled")
        return json.loads(state["out"])

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _loaded(self) -> MiniRacer:
        if self._context is None:
            if self.runtime != RUNTIME:
                raise FunctionExecutionError(
                    f"function {self.name}: runtime {self.runtime!r} is not run by this edge "
                    f"(only {RUNTIME})"
                )
            context = MiniRacer()
            try:
                context.eval(PRELUDE + self.code + "\n;handler;", timeout_sec=TIME_LIMIT)
            except (JSEvalException, JSTimeoutException) as exc:
                context.close()
                raise FunctionExecutionError(f"function {self.name} does not load: {exc}") from None
            self._context = context
        return self._context

    def _discard(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None
