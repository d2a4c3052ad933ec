"""A CloudFront function's code on a real JavaScript engine: V8, from PyPI's `mini-racer`.

One V8 context per function (compiled on its first call), called with the event object. The
handler may be `async` (runtime 2.0, [async-await-syntax]): its promise is settled by V8's
microtask queue between two evaluations. Each evaluation runs under a time limit, so a function
that never returns is stopped rather than hanging the edge.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field

from py_mini_racer import JSEvalException, MiniRacer

log = logging.getLogger("harness.data_plane.edge.functions")

RUNTIME = "cloudfront-js-2.0"
# CloudFront stops a function past its compute budget (FunctionComputeUtilization 100); that
# budget is about a millisecond on AWS's hardware. A local run is slower and shares its cores,
# so this limit only catches a function that never returns.
TIME_LIMIT = 1.0

# [functions-javascript-runtime-20] functions run in strict mode; `require` gives the
# built-in modules. Those the edge does not provide fail as an execution error (docs/fidelity.md).
# `__invoke` is compiled once with the function: each call evaluates only `__invoke("<event as
# JSON>")`, so V8 parses the event as JSON instead of compiling a new script around it every
# request. A handler that returns a value answers in one evaluation; a promise (an async
# handler) is settled by the microtask queue after it and read by COLLECT.
PRELUDE = """
"use strict";
var console = { log: function () { __logs.push(Array.prototype.join.call(arguments, " ")); } };
var __logs = [], __out, __err;
function require(name) { throw new Error("module '" + name + "' is not available at this edge"); }
function __invoke(text) {
  __logs = []; __out = undefined; __err = undefined;
  try {
    var value = handler(JSON.parse(text));
    if (value && typeof value.then === "function") {
      value.then(
        function (v) { __out = JSON.stringify(v === undefined ? null : v); },
        function (e) { __err = String(e && e.stack || e); });
      return null;
    }
    __out = JSON.stringify(value === undefined ? null : value);
  } catch (error) { __err = String(error && error.stack || error); }
  return JSON.stringify({out: __out, err: __err, logs: __logs});
}
"""
COLLECT = "JSON.stringify({out: __out, err: __err, logs: __logs})"


def invocation(event: dict) -> str:
    """The one expression evaluated per call: the event as a JSON string literal (JSON text
    with only ASCII escapes is a valid JavaScript string literal)."""
    return f"__invoke({json.dumps(json.dumps(event))})"


class FunctionExecutionError(Exception):
    """The function did not complete: it threw, rejected, never returned or failed to load."""


@dataclass
class EdgeFunction:
    """A published (LIVE) function as the edge runs it.

    One V8 context per event loop that calls it (the edge's HTTP and HTTPS listeners each have
    one), bound to that loop: an evaluation is one hop to V8's thread and back, where a context
    on mini-racer's own loop thread cost four thread switches and most of a cache hit's CPU.
    """

    name: str
    arn: str
    code: str
    runtime: str = RUNTIME
    _contexts: dict = field(default_factory=dict, repr=False)  # loop -> (MiniRacer, Lock)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    async def invoke(self, event: dict) -> dict | list | str | int | float | bool | None:
        """The handler's return value (JSON-shaped), or FunctionExecutionError."""
        context, lock = self._context_for(asyncio.get_running_loop())
        async with lock:  # one invocation at a time: INVOKE and COLLECT share its globals
            if context is None:
                context = await self._load(asyncio.get_running_loop())
            settled = await self._eval(context, invocation(event))
            if settled is None:
                settled = await self._eval(context, COLLECT)
            state = json.loads(settled)
        for line in state["logs"]:
            log.info("function %s: %s", self.name, line)
        if state.get("err") is not None:
            raise FunctionExecutionError(f"function {self.name} failed: {state['err']}")
        if state.get("out") is None:
            raise FunctionExecutionError(f"function {self.name}: its promise never settled")
        return json.loads(state["out"])

    def close(self) -> None:
        """Frees every context; one in use is freed by its own loop once the call returns."""
        with self._guard:
            contexts, self._contexts = self._contexts, {}
        for loop, (context, lock) in contexts.items():
            if context is None:
                continue
            closing = _close_when_idle(context, lock)
            try:
                if loop.is_closed():
                    raise RuntimeError("loop closed")
                asyncio.run_coroutine_threadsafe(closing, loop)
            except RuntimeError:  # its loop is closed: nothing can be using it
                closing.close()
                context.close()

    async def _eval(self, context: MiniRacer, code: str):
        try:
            async with asyncio.timeout(TIME_LIMIT):  # cancelling stops V8 (mini-racer)
                return await context.eval_cancelable(code)
        except TimeoutError:
            raise FunctionExecutionError(
                f"function {self.name} did not return within {TIME_LIMIT:g} s"
            ) from None
        except JSEvalException as exc:
            raise FunctionExecutionError(f"function {self.name}: {exc}") from None

    def _context_for(self, loop) -> tuple[MiniRacer | None, asyncio.Lock]:
        with self._guard:
            if loop not in self._contexts:
                self._contexts[loop] = (None, asyncio.Lock())
            return self._contexts[loop]

    async def _load(self, loop) -> MiniRacer:
        """Compiles the code in a context bound to `loop` (called under that loop's lock)."""
        if self.runtime != RUNTIME:
            raise FunctionExecutionError(
                f"function {self.name}: runtime {self.runtime!r} is not run by this edge "
                f"(only {RUNTIME})"
            )
        context = MiniRacer()  # inside a running loop: mini-racer calls back on this loop
        try:
            await self._eval(context, PRELUDE + self.code + "\n;handler;")
        except FunctionExecutionError as exc:
            context.close()
            detail = str(exc).removeprefix(f"function {self.name}: ")
            raise FunctionExecutionError(f"function {self.name} does not load: {detail}") from None
        with self._guard:
            lock = self._contexts[loop][1] if loop in self._contexts else asyncio.Lock()
            self._contexts[loop] = (context, lock)
        return context


async def _close_when_idle(context: MiniRacer, lock: asyncio.Lock) -> None:
    async with lock:
        context.close()
