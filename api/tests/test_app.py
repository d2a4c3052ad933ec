"""What every response carries, errors as JSON, the OpenAPI document, the access log."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from api.app import create_app
from api.jsonlog import JsonFormatter
from api.openapi import document


def test_health_names_the_task_and_version(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "task_id": "test-task", "version": "9.9.9"}


def test_every_response_names_the_task_and_is_not_stored(client):
    for response in (client.get("/api/health"), client.get("/api/nope"), client.get("/api/me")):
        assert response.headers["x-animehub-task"] == "test-task"
        assert response.headers["cache-control"] == "no-store"


def test_request_id_is_taken_from_the_caller_or_made(client):
    given = client.get("/api/health", headers={"X-Request-Id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"

    from_edge = client.get("/api/health", headers={"X-Amz-Cf-Id": "cf_Id-xyz=="})
    assert from_edge.headers["x-request-id"] == "cf_Id-xyz=="

    made = client.get("/api/health").headers["x-request-id"]
    assert len(made) == 32 and made != client.get("/api/health").headers["x-request-id"]

    hostile = client.get("/api/health", headers={"X-Request-Id": 'a b"c' + "x" * 300})
    assert len(hostile.headers["x-request-id"]) == 32


def test_unknown_route_and_wrong_method_are_json(client):
    missing = client.get("/api/nope")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"

    wrong = client.put("/api/anime")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_access_log_is_one_structured_line_per_request(client, fan, caplog):
    with caplog.at_level(logging.INFO, logger="api.access"):
        client.get("/api/me", headers={**fan.auth_header, "X-Request-Id": "log-me"})

    (record,) = [r for r in caplog.records if getattr(r, "request_id", None) == "log-me"]
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "api.access"
    assert line["method"] == "GET"
    assert line["path"] == "/api/me"
    assert line["status"] == 200
    assert line["user_id"] == fan.sub
    assert line["task_id"] == "test-task"
    assert isinstance(line["duration_ms"], float)
    assert fan.id_token not in json.dumps(line)


def test_openapi_document_lists_every_route(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["version"] == "9.9.9"

    routes = [r for r in client.app.routes if isinstance(r, Route)]
    assert routes
    for route in routes:
        assert route.path in doc["paths"], route.path
        for method in route.methods - {"HEAD"}:
            assert method.lower() in doc["paths"][route.path], (route.path, method)
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops if m != "parameters"}
    served = {(r.path, m.lower()) for r in routes for m in r.methods - {"HEAD"}}
    assert documented == served


def test_openapi_request_schemas_come_from_the_validators():
    post = document("x")["paths"]["/api/anime"]["post"]["requestBody"]
    schema = post["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"title", "genres", "year"}
    assert schema["properties"]["title"]["maxLength"] == 200


@pytest.mark.parametrize(
    ("content", "headers", "status", "error"),
    [
        (b"{", {"Content-Type": "application/json"}, 400, "validation_error"),
        (b"", {"Content-Type": "application/json"}, 400, "validation_error"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, "validation_error"),
        (b'{"year": NaN}', {"Content-Type": "application/json"}, 400, "validation_error"),
        (b"\xff\xfe", {"Content-Type": "application/json"}, 400, "validation_error"),
        (b"[" * 100_00 + b"]" * 100_00, {"Content-Type": "application/json"}, 400, None),
        (b"title=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415, None),
        (b"{}" + b" " * 70_000, {"Content-Type": "application/json"}, 413, "payload_too_large"),
    ],
)
def test_bad_bodies_are_4xx_naming_the_body(client, fan, content, headers, status, error):
    response = client.post("/api/anime", content=content, headers={**fan.auth_header, **headers})
    assert response.status_code == status
    assert response.json()["field"] == "body"
    if error:
        assert response.json()["error"] == error


def test_oversized_body_without_content_length_is_413(client, fan):
    def chunks():
        for _ in range(100):
            yield b" " * 1024

    response = client.post(
        "/api/anime",
        content=chunks(),
        headers={**fan.auth_header, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_missing_table_is_a_503(stack):
    settings = stack.settings(ANIME_TABLE="no-such-table")
    with TestClient(create_app(settings)) as broken:
        response = broken.get(f"/api/anime/{'0' * 32}")
    assert response.status_code == 503
    assert response.json()["error"] == "upstream_unavailable"
    assert "retry-after" not in response.headers


def test_unreachable_aws_is_a_transient_503(stack, fan, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    with TestClient(create_app(stack.settings())) as broken:
        response = broken.get("/api/anime")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "127.0.0.1" not in response.text
