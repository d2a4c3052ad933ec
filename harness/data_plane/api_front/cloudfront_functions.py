"""CloudFront Functions where the emulator falls short: moto has no PublishFunction (so no
LIVE stage) nor UpdateFunction, and drops every behaviour's `FunctionAssociations`. The front
keeps them and answers as CloudFront does [CreateFunction, UpdateFunction, PublishFunction,
GetFunction, DescribeFunction (Stage); associate-function]:

- PublishFunction copies the DEVELOPMENT code to LIVE (IfMatch must be the current ETag);
  GetFunction/DescribeFunction with `Stage=LIVE` answer that copy, or NoSuchFunctionExists.
- Create/UpdateDistribution remember each behaviour's associations; a function that is not
  LIVE, an event type other than viewer-request/viewer-response, or two functions for one event
  type (edge-function-restrictions-all) is InvalidFunctionAssociation.
  Get/Create/UpdateDistribution(Config) answers carry them again.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.api_front.app import HOP_BY_HOP, relay

FUNCTION = re.compile(r"^/\d{4}-\d{2}-\d{2}/function/([^/]+)(/publish|/describe)?$")
DISTRIBUTION = re.compile(r"^/(\d{4}-\d{2}-\d{2})/distribution(?:/([^/]+)(/config)?)?$")
NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
VIEWER_EVENTS = ("viewer-request", "viewer-response")
ET.register_namespace("", NS)


def error(status: int, code: str, message: str) -> Response:
    body = (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>animehub-api-front</RequestId></ErrorResponse>"
    )
    return Response(body, status_code=status, media_type="text/xml")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _config_of(root: ET.Element) -> ET.Element | None:
    if _local(root.tag) == "DistributionConfig":
        return root
    return root.find(".//{*}DistributionConfig")


def _behaviours(config: ET.Element):
    default = config.find("{*}DefaultCacheBehavior")
    if default is not None:
        yield "*", default
    for behaviour in config.iterfind("{*}CacheBehaviors/{*}Items/{*}CacheBehavior"):
        yield behaviour.findtext("{*}PathPattern"), behaviour


def _associations(config: ET.Element) -> dict[str, ET.Element]:
    found = {}
    for pattern, behaviour in _behaviours(config):
        element = behaviour.find("{*}FunctionAssociations")
        if element is not None and element.find("{*}Items/{*}FunctionAssociation") is not None:
            found[pattern] = copy.deepcopy(element)
    return found


class CloudFrontFunctionsFront:
    """Tried first for CloudFront; anything else goes to `then` (the invalidations' front)."""

    def __init__(self) -> None:
        self.live: dict[str, tuple[bytes, str]] = {}  # function name -> (code, ETag)
        self.associations: dict[str, dict[str, ET.Element]] = {}  # distribution -> pattern
        self.then = None

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        path = request.url.path
        if match := FUNCTION.match(path):
            answer = await self._function(request, body, upstream, *match.groups())
            if answer is not None:
                return answer
        elif match := DISTRIBUTION.match(path):
            answer = await self._distribution(request, body, upstream, *match.groups())
            if answer is not None:
                return answer
        return await self.then.answer(request, body, upstream) if self.then else None

    async def _function(self, request, body, upstream, name, suffix) -> Response | None:
        live = request.query_params.get("Stage") == "LIVE"
        if request.method == "POST" and suffix == "/publish":
            return await self._publish(request, upstream, name)
        if request.method == "PUT" and suffix is None:
            return await self._update(request, body, upstream, name)
        if request.method == "DELETE":
            answer = await upstream.forward(request, body)
            if answer.status_code < 300:
                self.live.pop(name, None)
            return relay(answer)
        if request.method != "GET" or not live:
            return None
        if name not in self.live:
            return error(404, "NoSuchFunctionExists", f"The function {name} has no LIVE stage.")
        code, etag = self.live[name]
        if suffix is None:
            return Response(code, media_type="application/octet-stream", headers={"ETag": etag})
        answer = await upstream.forward(request, body)
        content = answer.content.replace(b"<Stage>DEVELOPMENT</Stage>", b"<Stage>LIVE</Stage>")
        return relay(answer, content)

    async def _publish(self, request: Request, upstream, name: str) -> Response:
        base = str(request.url.path).rsplit("/publish", 1)[0]
        described = await _get(upstream, request, base + "/describe")
        if described.status_code >= 300:
            return relay(described)
        etag = described.headers.get("etag", "")
        if request.headers.get("if-match") != etag:
            return error(412, "PreconditionFailed", "The If-Match version is missing or not valid.")
        code = await _get(upstream, request, base)
        self.live[name] = (code.content, etag)
        content = described.content.replace(b"<Stage>DEVELOPMENT</Stage>", b"<Stage>LIVE</Stage>")
        content = re.sub(rb"<Status>[^<]*</Status>", b"<Status>UNASSOCIATED</Status>", content)
        return relay(described, content)

    async def _update(self, request: Request, body: bytes, upstream, name: str) -> Response:
        """UpdateFunction, which moto lacks: the DEVELOPMENT stage replaced (delete, then create
        under the same name, so the ARN holds); LIVE keeps what was published."""
        base = str(request.url.path)
        described = await _get(upstream, request, base + "/describe")
        if described.status_code >= 300:
            return relay(described)
        if request.headers.get("if-match") != described.headers.get("etag", ""):
            return error(412, "PreconditionFailed", "The If-Match version is missing or not valid.")
        update = ET.fromstring(body)
        create = ET.Element(f"{{{NS}}}CreateFunctionRequest")
        ET.SubElement(create, f"{{{NS}}}Name").text = name
        create.extend(list(update))
        etag = described.headers.get("etag", "")
        deleted = await upstream.client.request(
            "DELETE", upstream.url + base, headers=_headers(request, **{"if-match": etag})
        )
        if deleted.status_code >= 300:
            return relay(deleted)
        created = await upstream.client.request(
            "POST",
            upstream.url + base.rsplit("/", 1)[0],
            content=ET.tostring(create, encoding="utf-8", xml_declaration=True),
            headers=_headers(request, **{"content-type": "application/xml"}),
        )
        answer = relay(created)
        if created.status_code < 300:
            # UpdateFunction's answer names its version header ETtag (sic), as the API model does.
            answer.headers["ETtag"] = created.headers.get("etag", "")
        return answer

    async def _distribution(self, request, body, upstream, _, distribution_id, config):
        writes = (request.method == "POST" and distribution_id is None) or (
            request.method == "PUT" and config
        )
        wanted = None
        if writes:
            wanted = _associations(_config_of(ET.fromstring(body)))
            if problem := self._invalid(wanted):
                return error(400, "InvalidFunctionAssociation", problem)
        elif request.method != "GET" or distribution_id is None:
            return None
        answer = await upstream.forward(request, body)
        if answer.status_code >= 300:
            return relay(answer)
        root = ET.fromstring(answer.content)
        distribution_id = distribution_id or root.findtext("{*}Id")
        if wanted is not None:
            self.associations[distribution_id] = wanted
        stored = self.associations.get(distribution_id, {})
        config_element = _config_of(root)
        if not stored or config_element is None:
            return relay(answer)
        for pattern, behaviour in _behaviours(config_element):
            if pattern in stored:
                for old in behaviour.findall("{*}FunctionAssociations"):
                    behaviour.remove(old)
                behaviour.append(copy.deepcopy(stored[pattern]))
        return relay(answer, ET.tostring(root, encoding="utf-8", xml_declaration=True))

    def _invalid(self, wanted: dict[str, ET.Element]) -> str | None:
        for pattern, element in wanted.items():
            seen = set()
            for item in element.iterfind("{*}Items/{*}FunctionAssociation"):
                arn, event = item.findtext("{*}FunctionARN"), item.findtext("{*}EventType")
                if event in seen:
                    return f"behaviour {pattern}: more than one function for {event}"
                seen.add(event)
                if event not in VIEWER_EVENTS:
                    return f"behaviour {pattern}: event type {event} is not allowed for a function"
                if (arn or "").rsplit(":function/", 1)[-1] not in self.live:
                    return f"behaviour {pattern}: the function {arn} is not published (LIVE)"
        return None


def _headers(request: Request, **extra: str) -> list[tuple[str, str]]:
    """The caller's headers (its Host and credential scope tell the emulator the service),
    less those of the original call's body and version check."""
    dropped = HOP_BY_HOP | {"if-match", "content-type", "content-md5", *extra}
    kept = [(k.decode(), v.decode()) for k, v in request.headers.raw]
    return [(k, v) for k, v in kept if k.lower() not in dropped] + list(extra.items())


async def _get(upstream, request: Request, path: str):
    return await upstream.client.request("GET", upstream.url + path, headers=_headers(request))
