"""Where the edge calls its functions: viewer request (before the cache) and viewer response
(before the answer leaves) [functions-event-structure, edge-function-restrictions-all].

A viewer-request function returns the request (possibly changed: the URI names another object
but keeps the behaviour and origin matched before) or a response, which goes to the viewer as
it is, without the cache or the origin. A viewer-response function is not run when the origin
answered 400 or more. A function that fails answers 503; one that returns what CloudFront
cannot use answers 503 too, or 502 for a header it may not add or change.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from harness.data_plane.edge.functions import event as shape
from harness.data_plane.edge.functions.event import FunctionValidationError
from harness.data_plane.edge.functions.runtime import EdgeFunction, FunctionExecutionError
from harness.data_plane.edge.responses import EdgeResponse, edge_error
from harness.data_plane.edge.viewer import ViewerRequest

log = logging.getLogger("harness.data_plane.edge.functions")

GENERATED = "FunctionGeneratedResponse from cloudfront"


def function_event(context: dict, event_type: str, request: ViewerRequest, response=None) -> dict:
    event = {
        "version": "1.0",
        "context": {**context, "eventType": event_type},
        "viewer": {"ip": request.client_ip},
        "request": shape.request_object(
            request.method, request.path, request.query, request.headers
        ),
    }
    if response is not None:
        event["response"] = response
    return event


async def _invoke(function: EdgeFunction, event: dict):
    return await function.invoke(event)


def _failed(function: EdgeFunction, exc: Exception) -> EdgeResponse:
    if isinstance(exc, FunctionValidationError):
        log.warning("edge: function %s returned an invalid object: %s", function.name, exc)
        return edge_error(exc.status, f"The CloudFront function {function.name} returned an "
                          f"invalid value: {exc}")  # fmt: skip
    log.warning("edge: %s", exc)
    return edge_error(503, f"The CloudFront function {function.name} failed to run.")


async def run_viewer_request(
    function: EdgeFunction, request: ViewerRequest, context: dict
) -> ViewerRequest | EdgeResponse:
    """The request to serve, or the response the function generated (or its error)."""
    try:
        answer = await _invoke(function, function_event(context, "viewer-request", request))
        if isinstance(answer, dict) and "statusCode" in answer:
            return _generated(answer)
        return _changed_request(request, answer)
    except (FunctionExecutionError, FunctionValidationError) as exc:
        return _failed(function, exc)


async def run_viewer_response(
    function: EdgeFunction, request: ViewerRequest, response: EdgeResponse, context: dict
) -> EdgeResponse:
    if response.status >= 400:
        return response
    shown = shape.response_object(response.status, response.headers)
    event = function_event(context, "viewer-response", request, shown)
    try:
        answer = await _invoke(function, event)
        if not isinstance(answer, dict) or "statusCode" not in answer:
            raise FunctionValidationError("a viewer-response function must return a response")
        status = shape.status_of(answer["statusCode"])
        hidden = [(n, v) for n, v in response.headers if shape.disallowed(n)]
        headers = shape.returned_headers(answer.get("headers"), response.headers)
        headers += [("set-cookie", c) for c in shape.set_cookies(answer.get("cookies"))]
        changed = replace(response, status=status, headers=hidden + headers)
        if "body" in answer:
            body = shape.body_of(answer["body"])
            await response.close()  # the function never sees the original body
            changed = replace(changed, body=body, stream=None, origin=None)
        return changed
    except (FunctionExecutionError, FunctionValidationError) as exc:
        await response.close()
        return _failed(function, exc)


def _generated(answer: dict) -> EdgeResponse:
    status = shape.status_of(answer["statusCode"])
    headers = shape.returned_headers(answer.get("headers"), [])
    headers += [("set-cookie", c) for c in shape.set_cookies(answer.get("cookies"))]
    body = shape.body_of(answer["body"]) if "body" in answer else b""
    return EdgeResponse(status=status, headers=headers, x_cache=GENERATED, body=body)


def _changed_request(request: ViewerRequest, answer) -> ViewerRequest:
    if not isinstance(answer, dict):
        raise FunctionValidationError("a viewer-request function must return the request")
    if answer.get("method", request.method) != request.method:
        raise FunctionValidationError("the function changed the read-only method")
    uri = answer.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise FunctionValidationError(f"uri {uri!r} does not begin with '/'")
    headers = shape.returned_headers(
        answer.get("headers"), request.headers, read_only=shape.READ_ONLY_REQUEST
    )
    cookie = shape.cookie_header(answer.get("cookies"))
    if cookie is not None:
        headers.append(("cookie", cookie))
    hidden = [(n, v) for n, v in request.headers if shape.disallowed(n)]
    return replace(
        request,
        path=uri,
        query=shape.query_string(answer.get("querystring")),
        headers=tuple(hidden + headers),
    )
