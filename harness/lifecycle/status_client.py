"""Read a running stack's status document, the one way: ask its status server, and fall back
to the state file it wrote at start-up when it does not answer."""

from __future__ import annotations

import httpx

from harness.types import StatusDocument

NO_ANSWER = "the stack does not answer"


def live_status(state: dict, timeout: float = 5.0) -> StatusDocument:
    """The stack's own `/status` answer; if it cannot be had, the state file's document with
    its components replaced by a note that the stack does not answer (stale part health would
    mislead more than none)."""
    control = state.get("control_url")
    if control:
        try:
            document = httpx.get(f"{control}/status", timeout=timeout, trust_env=False).json()
        except (httpx.HTTPError, ValueError):
            pass
        else:
            if isinstance(document, dict):
                return document
    return {**state, "components": {"control": {"error": NO_ANSWER}}}
