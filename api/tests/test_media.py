from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from api.aws import MadeOnFirstUse


def test_upload_is_presigned_under_the_fans_prefix(client, stack, fan):
    response = client.post(
        "/api/media/uploads",
        json={"content_type": "image/webp", "size": 4},
        headers=fan.auth_header,
    )

    assert response.status_code == 201
    grant = response.json()
    assert grant["key"].startswith(f"media/users/{fan.sub}/")
    assert grant["key"].endswith(".webp")
    assert grant["media_path"] == "/" + grant["key"]
    upload = grant["upload"]
    assert upload["method"] == "PUT"
    assert upload["headers"] == {"Content-Type": "image/webp", "Content-Length": "4"}
    assert "X-Amz-Signature=" in upload["url"]
    assert "content-length%3Bcontent-type" in upload["url"]  # both are signed

    put = httpx.put(upload["url"], content=b"RIFF", headers=upload["headers"])

    assert put.status_code == 200
    stored = stack.client("s3").head_object(Bucket=stack.media_bucket, Key=grant["key"])
    assert stored["ContentType"] == "image/webp"
    assert stored["ContentLength"] == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "text/html", "size": 10}, "content_type"),
        ({"content_type": "image/png", "size": 0}, "size"),
        ({"content_type": "image/png", "size": 5 * 1024 * 1024 + 1}, "size"),
        ({"content_type": "image/png", "size": "10"}, "size"),
        ({"content_type": "image/png"}, "size"),
        ({"content_type": "image/png", "size": 1, "key": "media/x"}, "key"),
    ],
)
def test_upload_limits(client, fan, body, field):
    response = client.post("/api/media/uploads", json=body, headers=fan.auth_header)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_upload_needs_a_token(client):
    response = client.post("/api/media/uploads", json={"content_type": "image/png", "size": 1})
    assert response.status_code == 401


def test_the_s3_client_is_made_when_first_used_and_once():
    made = []
    s3 = MadeOnFirstUse(lambda: made.append("s3") or SimpleNamespace(bucket="media"))
    assert made == []
    assert (s3.bucket, s3.bucket) == ("media", "media")
    assert made == ["s3"]
