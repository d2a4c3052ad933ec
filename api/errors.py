"""Every failure the API reports, and the handlers that turn them into JSON."""

from __future__ import annotations

import logging

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ParamValidationError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger("api.errors")

# Error codes AWS (and the emulators) use for conditions that pass if retried.
TRANSIENT_AWS_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "LimitExceededException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "Throttled",
        "Throttling",
        "ThrottlingException",
        "TransactionConflictException",
    }
)
RETRY_AFTER_SECONDS = "1"


class ApiError(Exception):
    """A failure with the status, code and (where one is to blame) field the client sees."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict:
        body = {"error": self.error, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def validation_error(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error", message, field=field)


def not_found(message: str = "no such item") -> ApiError:
    return ApiError(404, "not_found", message, field="id")


def upstream_unavailable(service: str, *, transient: bool) -> ApiError:
    message = f"{service} is unavailable" + (", retry shortly" if transient else "")
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if transient else None
    return ApiError(503, "upstream_unavailable", message, headers=headers)


def _respond(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    return _respond(exc)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    names = {404: "not_found", 405: "method_not_allowed"}
    error = ApiError(
        exc.status_code,
        names.get(exc.status_code, "http_error"),
        exc.detail if isinstance(exc.detail, str) else "request failed",
        headers=dict(exc.headers or {}),
    )
    return _respond(error)


async def handle_aws_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ParamValidationError):
        # Our own request to AWS was malformed: a bug, not an outage.
        raise exc
    service = _service_of(exc)
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        transient = code in TRANSIENT_AWS_CODES or status >= 500
    else:
        code = type(exc).__name__
        transient = isinstance(exc, BotoConnectionError)
    log.warning(
        "aws call failed",
        extra={"service": service, "aws_error": code, "transient": transient},
    )
    return _respond(upstream_unavailable(service, transient=transient))


def _service_of(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        name = exc.operation_name or ""
        return _OPERATION_SERVICES.get(name, "aws")
    return "aws"


_OPERATION_SERVICES = {
    **dict.fromkeys(("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"), "dynamodb"),
    **dict.fromkeys(("Publish", "Subscribe", "Unsubscribe", "SetSubscriptionAttributes"), "sns"),
}


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    HTTPException: handle_http_exception,
    BotoCoreError: handle_aws_error,
    ClientError: handle_aws_error,
}
