"""AWS errors in each service's own wire format, read from botocore's model of the service:
the throttling error it documents (DynamoDB's ProvisionedThroughputExceededException, SNS's
Throttled, ...) and the 5xx answers a fault may stand in for."""

from __future__ import annotations

import json
import uuid

THROTTLING_SHAPES = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
)
# S3 and EC2 do not model their throttling errors; these are the documented ones.
UNMODELLED = {"s3": ("SlowDown", 503), "ec2": ("RequestLimitExceeded", 503)}
SERVER_ERRORS = {
    500: "InternalFailure",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _model(service: str):
    from harness.control_plane.endpoints import shared_session

    return shared_session()._session.get_service_model(service)


def throttling_error(service: str) -> tuple[str, int]:
    """(code, HTTP status) of the service's throttling error."""
    if service in UNMODELLED:
        return UNMODELLED[service]
    model = _model(service)
    shapes = {shape.name: shape for shape in model.error_shapes}
    for name in THROTTLING_SHAPES:
        if name in shapes:
            error = shapes[name].metadata.get("error") or {}
            return error.get("code", name), int(error.get("httpStatusCode", 400))
    return "Throttling", 400


def error_response(service: str, code: str, status: int, message: str):
    """(status, headers, body) as the service would send the error."""
    model = _model(service)
    protocol = model.metadata.get("protocol", "json")
    request_id = str(uuid.uuid4())
    if protocol == "json":
        target = code
        if service == "dynamodb":
            version = model.metadata["apiVersion"].replace("-", "")
            target = f"com.amazonaws.dynamodb.v{version}#{code}"
        version = model.metadata.get("jsonVersion", "1.0")
        body = json.dumps({"__type": target, "message": message}).encode()
        return (
            status,
            {"content-type": f"application/x-amz-json-{version}", "x-amzn-requestid": request_id},
            body,
        )
    if protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers = {
            "content-type": "application/json",
            "x-amzn-errortype": code,
            "x-amzn-requestid": request_id,
        }
        return status, headers, body
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        return status, {"content-type": "text/xml"}, body
    if protocol == "rest-xml":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
        return status, {"content-type": "application/xml"}, body
    namespace = model.metadata.get("xmlNamespace", "")
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status, {"content-type": "text/xml", "x-amzn-requestid": request_id}, body
