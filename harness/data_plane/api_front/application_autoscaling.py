"""Application Auto Scaling calls (JSON 1.1, X-Amz-Target AnyScaleFrontendService.*):
DescribeScalingActivities is answered with the activities the harness's scaler ran (the
emulator has no such API); every other call goes to the emulator."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

TARGET = "AnyScaleFrontendService.DescribeScalingActivities"
JSON_TYPE = "application/x-amz-json-1.1"
DEFAULT_PAGE = 50  # [API reference: DescribeScalingActivities, MaxResults default 50]


def _json(document: dict, status: int = 200) -> Response:
    return Response(json.dumps(document), status_code=status, media_type=JSON_TYPE)


class ApplicationAutoScalingInterceptor:
    def __init__(self, activities) -> None:
        self.activities = activities

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        if request.headers.get("x-amz-target") != TARGET:
            return None
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict) or not params.get("ServiceNamespace"):
            return _json(
                {
                    "__type": "ValidationException",
                    "message": "1 validation error detected: Value null at 'serviceNamespace' "
                    "failed to satisfy constraint: Member must not be null",
                },
                400,
            )
        found = self.activities.describe(
            params["ServiceNamespace"], params.get("ResourceId"), params.get("ScalableDimension")
        )
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or DEFAULT_PAGE)
        document: dict = {"ScalingActivities": found[start : start + size]}
        if start + size < len(found):
            document["NextToken"] = str(start + size)
        return _json(document)
