"""CloudFront Functions (cloudfront-js-2.0) run by the edge on QuickJS, through the API front.

AWS pages: CloudFront Developer Guide, "CloudFront Functions event structure"
(functions-event-structure), "JavaScript runtime 2.0 features" (functions-javascript-runtime-20),
"Use async and await" (async-await-syntax), "Restrictions on all edge functions"
(edge-function-restrictions-all), "HTTP 503 status code (Service Unavailable)"
(http-503-service-unavailable: a CloudFront Functions execution error), "Monitoring CloudFront
Functions" (monitoring-functions: validation errors are an invalid returned object).
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from harness.control_plane.provision.storage import cloudfront_read_policy
from harness.control_plane.spa_routing import spa_routing_code
from harness.data_plane.api_front import ApiFront
from harness.data_plane.edge import Edge
from tests.data_plane.edge.conftest import ALB_DOMAIN, INDEX, distribution_config

TESTER = """
async function handler(event) {
  var request = event.request, uri = request.uri;
  if (uri === "/gen/event") {
    return {statusCode: 200, headers: {"content-type": {value: "application/json"}},
            body: JSON.stringify(event)};
  }
  if (uri === "/gen/redirect") {
    return {statusCode: 302, statusDescription: "Found",
            headers: {location: {value: "https://example.com/"}},
            cookies: {seen: {value: "1", attributes: "Path=/"}}};
  }
  if (uri === "/gen/base64") {
    return {statusCode: 200, body: {encoding: "base64", data: "aGVsbG8="}};
  }
  if (uri === "/gen/throw") { throw new Error("boom"); }
  if (uri === "/gen/reject") { await null; throw new Error("late boom"); }
  if (uri === "/gen/loop") { while (true) {} }
  if (uri === "/gen/bad-uri") { request.uri = "no-slash"; return request; }
  if (uri === "/gen/bad-status") { return {statusCode: "200"}; }
  if (uri === "/gen/disallowed") { request.headers["x-real-ip"] = {value: "1"}; return request; }
  if (uri === "/gen/host") { request.headers["host"] = {value: "evil.example"}; return request; }
  if (uri === "/gen/strict") { undeclared = 1; return request; }
  if (uri === "/gen/require") { require("crypto"); return request; }
  await null;
  request.uri = "/api/rewritten";
  request.headers["x-fn"] = {value: event.context.eventType};
  request.querystring["added"] = {value: "yes"};
  return request;
}
"""
RESPONDER = """
function handler(event) {
  var response = event.response;
  response.headers["x-fn-response"] = {value: String(event.response.statusCode)};
  response.cookies["fn"] = {value: "1", attributes: "Secure"};
  if (event.request.querystring.body) {
    response.headers["content-type"] = {value: "text/plain"};
    response.body = "replaced";
  }
  return response;
}
"""


CONFIG = {"Comment": "edge test", "Runtime": "cloudfront-js-2.0"}


def _function(cloudfront, name: str, code: str, publish: bool = True) -> str:
    made = cloudfront.create_function(Name=name, FunctionConfig=CONFIG, FunctionCode=code.encode())
    if publish:
        cloudfront.publish_function(Name=name, IfMatch=made["ETag"])
    return made["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]


def _associate(behaviour: dict, arn: str, event_type: str) -> dict:
    items = [{"FunctionARN": arn, "EventType": event_type}]
    return {**behaviour, "FunctionAssociations": {"Quantity": 1, "Items": items}}


@pytest.fixture(scope="module")
def front(endpoints):
    running = ApiFront(endpoints).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cloudfront(front):
    return front.endpoints.client("cloudfront")


@pytest.fixture(scope="module")
def functions(cloudfront):
    suffix = uuid.uuid4().hex[:8]
    return {
        "spa": _function(cloudfront, f"spa-{suffix}", spa_routing_code("index.html")),
        "tester": _function(cloudfront, f"tester-{suffix}", TESTER),
        "responder": _function(cloudfront, f"responder-{suffix}", RESPONDER),
    }


@pytest.fixture(scope="module")
def fn_distribution(cloudfront, buckets, functions):
    """The edge tests' distribution without its custom error response; SPA routing on the
    default behaviour, a tester on /gen/*, a viewer-response function on /api/status/*."""
    s3, web, media = buckets
    config = distribution_config(web, media)
    config["CustomErrorResponses"] = {"Quantity": 0}
    config["DefaultCacheBehavior"] = _associate(
        config["DefaultCacheBehavior"], functions["spa"], "viewer-request"
    )
    api = config["CacheBehaviors"]["Items"][0]

    def to_alb(pattern: str, arn: str, event_type: str) -> dict:
        return _associate({**api, "PathPattern": pattern}, arn, event_type)

    config["CacheBehaviors"]["Items"][:0] = [
        to_alb("/gen/*", functions["tester"], "viewer-request"),
        to_alb("/api/status/*", functions["responder"], "viewer-response"),
    ]
    config["CacheBehaviors"]["Quantity"] = len(config["CacheBehaviors"]["Items"])
    made = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    for bucket, listable in ((web, True), (media, False)):
        policy = cloudfront_read_policy(bucket, made["ARN"], listable=listable)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return made["Id"]


@pytest.fixture(scope="module")
def viewer(front, fn_distribution, origin, tmp_path_factory):
    edge = Edge(
        front.endpoints,
        fn_distribution,
        {ALB_DOMAIN: origin.url},
        refresh_interval=0.2,
        log_dir=tmp_path_factory.mktemp("edge-functions"),
    ).start()
    with httpx.Client(base_url=edge.url, trust_env=False, timeout=30) as client:
        yield client
    edge.stop()


def test_a_deep_link_is_routed_to_the_app_by_the_viewer_request_function(viewer):
    # The function changes the object requested, not the behaviour: the web bucket serves it.
    deep = viewer.get("/watch/42")
    assert deep.status_code == 200
    assert deep.headers["content-type"].startswith("text/html")
    assert deep.content == INDEX
    # A file name keeps its own answer: no custom error response turns it into the app.
    assert viewer.get("/missing.js").status_code == 404


def test_without_a_custom_error_response_the_apis_404_stays_its_own_json(viewer):
    answer = viewer.get("/api/status/404")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"status": 404}


def test_the_event_object_has_the_documented_shape(viewer):
    answer = viewer.get(
        "/gen/event?ID=42&multi=a&multi=b&novalue=",
        headers=[
            ("Accept", "application/json"),
            ("Accept", "text/html"),
            ("Cookie", "Cookie1=value1; cookiemv=value3"),
            ("Cookie", "cookiemv=value4"),
            ("X-Mixed-Case", "kept"),
        ],
    )
    assert answer.status_code == 200
    assert answer.headers["x-cache"] == "FunctionGeneratedResponse from cloudfront"
    event = answer.json()
    assert event["version"] == "1.0"
    assert event["context"]["eventType"] == "viewer-request"
    assert event["context"]["distributionId"]
    assert event["context"]["requestId"] == answer.headers["x-amz-cf-id"]
    assert event["viewer"] == {"ip": "127.0.0.1"}
    request = event["request"]
    assert request["method"] == "GET" and request["uri"] == "/gen/event"
    assert request["querystring"]["ID"] == {"value": "42"}
    assert request["querystring"]["multi"] == {
        "value": "a",
        "multiValue": [{"value": "a"}, {"value": "b"}],
    }
    assert request["querystring"]["novalue"] == {"value": ""}
    # Header names lower-case; duplicates in multiValue; Cookie only in `cookies`.
    assert request["headers"]["x-mixed-case"] == {"value": "kept"}
    assert request["headers"]["accept"]["multiValue"] == [
        {"value": "application/json"},
        {"value": "text/html"},
    ]
    assert "cookie" not in request["headers"]
    assert request["cookies"]["Cookie1"] == {"value": "value1"}
    assert request["cookies"]["cookiemv"]["multiValue"] == [
        {"value": "value3"},
        {"value": "value4"},
    ]


def test_a_changed_request_reaches_the_origin_of_the_behaviour_matched_first(viewer, origin):
    answer = viewer.get("/gen/anything", params={"kept": "1"})
    assert answer.status_code == 200
    echoed = answer.json()
    # The URI changed to /api/rewritten, yet the /gen/* behaviour's origin served it.
    assert echoed["path"] == "/api/rewritten"
    assert echoed["headers"]["x-fn"] == "viewer-request"
    assert echoed["query"] == "kept=1&added=yes"


def test_a_generated_response_goes_to_the_viewer_with_its_cookies(viewer):
    answer = viewer.get("/gen/redirect", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://example.com/"
    assert answer.headers["set-cookie"] == "seen=1; Path=/"
    assert viewer.get("/gen/base64").content == b"hello"


@pytest.mark.parametrize("uri", ["/gen/throw", "/gen/reject", "/gen/strict", "/gen/require"])
def test_a_function_that_fails_answers_503(viewer, uri):
    answer = viewer.get(uri)
    assert answer.status_code == 503
    assert "failed to run" in answer.text


def test_a_function_that_never_returns_is_stopped_with_503(viewer):
    assert viewer.get("/gen/loop").status_code == 503
    assert viewer.get("/gen/anything").status_code == 200  # the function runs again after


@pytest.mark.parametrize(
    ("uri", "status"),
    [("/gen/bad-uri", 503), ("/gen/bad-status", 503), ("/gen/disallowed", 502), ("/gen/host", 502)],
)
def test_an_invalid_returned_object_is_refused(viewer, uri, status):
    answer = viewer.get(uri)
    assert answer.status_code == status
    assert "returned an invalid value" in answer.text


def test_a_viewer_response_function_changes_headers_cookies_and_body(viewer):
    answer = viewer.get("/api/status/200")
    assert answer.status_code == 200
    assert answer.headers["x-fn-response"] == "200"
    assert answer.headers["set-cookie"] == "fn=1; Secure"
    assert answer.json() == {"status": 200}  # the body is the origin's unless replaced
    replaced = viewer.get("/api/status/200", params={"body": "1"})
    assert replaced.text == "replaced" and replaced.headers["content-type"] == "text/plain"


def test_a_viewer_response_function_does_not_run_for_an_origin_error(viewer):
    answer = viewer.get("/api/status/404")
    assert answer.status_code == 404
    assert "x-fn-response" not in answer.headers


def test_a_function_must_be_published_before_a_behaviour_uses_it(cloudfront, buckets):
    _, web, media = buckets
    arn = _function(cloudfront, f"draft-{uuid.uuid4().hex[:8]}", TESTER, publish=False)
    with pytest.raises(ClientError, match="NoSuchFunctionExists"):
        cloudfront.get_function(Name=arn.rsplit("/", 1)[1], Stage="LIVE")
    config = distribution_config(web, media)
    config["DefaultCacheBehavior"] = _associate(
        config["DefaultCacheBehavior"], arn, "viewer-request"
    )
    with pytest.raises(ClientError, match="InvalidFunctionAssociation"):
        cloudfront.create_distribution(DistributionConfig=config)


@pytest.mark.parametrize(
    "events", [["origin-request"], ["viewer-request", "viewer-request"]], ids=["origin", "twice"]
)
def test_an_association_cloudfront_functions_cannot_have_is_refused(
    cloudfront, buckets, functions, events
):
    # Origin events are Lambda@Edge's; one function per event type [edge-function-restrictions-all].
    _, web, media = buckets
    config = distribution_config(web, media)
    items = [{"FunctionARN": functions["spa"], "EventType": event} for event in events]
    config["DefaultCacheBehavior"]["FunctionAssociations"] = {
        "Quantity": len(items),
        "Items": items,
    }
    with pytest.raises(ClientError, match="InvalidFunctionAssociation"):
        cloudfront.create_distribution(DistributionConfig=config)


def test_publishing_needs_the_current_etag(cloudfront):
    name = f"etag-{uuid.uuid4().hex[:8]}"
    _function(cloudfront, name, TESTER, publish=False)
    with pytest.raises(ClientError, match="PreconditionFailed"):
        cloudfront.publish_function(Name=name, IfMatch="not-the-etag")


def test_the_associations_are_read_back_through_the_front(
    cloudfront, endpoints, fn_distribution, functions
):
    config = cloudfront.get_distribution_config(Id=fn_distribution)["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["FunctionAssociations"] == {
        "Quantity": 1,
        "Items": [{"FunctionARN": functions["spa"], "EventType": "viewer-request"}],
    }
    # The emulator alone drops them: that is why clients and the edge read through the front.
    bare = endpoints.client("cloudfront").get_distribution_config(Id=fn_distribution)
    assert bare["DistributionConfig"]["DefaultCacheBehavior"]["FunctionAssociations"] == {
        "Quantity": 0
    }


def test_update_function_changes_development_and_publish_makes_it_live(cloudfront):
    name = f"update-{uuid.uuid4().hex[:8]}"
    arn = _function(cloudfront, name, "function handler(e) { return e.request; }")
    etag = cloudfront.describe_function(Name=name)["ETag"]
    with pytest.raises(ClientError, match="PreconditionFailed"):
        cloudfront.update_function(
            Name=name, IfMatch="stale", FunctionConfig=CONFIG, FunctionCode=b"x"
        )
    new_code = b"function handler(e) { e.request.uri = '/v2'; return e.request; }"
    updated = cloudfront.update_function(
        Name=name, IfMatch=etag, FunctionConfig=CONFIG, FunctionCode=new_code
    )
    assert updated["FunctionSummary"]["FunctionMetadata"]["FunctionARN"] == arn
    assert cloudfront.get_function(Name=name)["FunctionCode"].read() == new_code
    live = cloudfront.get_function(Name=name, Stage="LIVE")["FunctionCode"].read()
    assert live != new_code  # LIVE changes only when published
    cloudfront.publish_function(Name=name, IfMatch=updated["ETag"])
    assert cloudfront.get_function(Name=name, Stage="LIVE")["FunctionCode"].read() == new_code
