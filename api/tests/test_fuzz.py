"""Property-based fuzz of the write endpoints: whatever the body, never a 5xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.tests.conftest import anime_body

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
genre = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8})?", fullmatch=True)
anime_values = {
    "title": st.text(max_size=210) | junk,
    "synopsis": st.text(max_size=60) | st.text(min_size=4990, max_size=5010) | junk,
    "episodes": st.integers(min_value=-5, max_value=10_005) | junk,
    "genres": st.lists(genre | st.text(max_size=34), max_size=12) | junk,
    "year": st.integers(min_value=1890, max_value=2110) | junk,
    "cover_key": st.text(max_size=40) | st.just("media/users/x/" + "a" * 32 + ".png") | junk,
}


def body_from(values: dict) -> st.SearchStrategy[dict]:
    """Some known fields with plausible or junk values, sometimes a field nobody knows."""
    known = st.fixed_dictionaries({}, optional=values)
    unknown = st.dictionaries(
        st.text(max_size=12).filter(lambda k: k not in values), junk, max_size=2
    )
    return st.tuples(known, unknown | st.just({})).map(lambda kv: {**kv[0], **kv[1]})


def check(response) -> None:
    assert response.status_code < 500, response.text
    body = response.json() if response.content else None
    if response.status_code >= 400:
        assert body["error"] and body["message"]
        if response.status_code in (400, 413, 415, 422):
            assert isinstance(body["field"], str)  # "" when the unknown field is named ""


@pytest.fixture(scope="module")
def target(client, shared_fan):
    response = client.post("/api/anime", json=anime_body(), headers=shared_fan.auth_header)
    return response.json()["id"]


@FUZZ
@given(body=body_from(anime_values))
def test_share_never_fails_with_a_5xx(client, shared_fan, body):
    response = client.post("/api/anime", json=body, headers=shared_fan.auth_header)
    check(response)
    if response.status_code == 201:
        assert response.json()["title"] == body["title"]


@FUZZ
@given(data=st.data())
def test_share_with_one_field_off_names_that_field(client, shared_fan, data):
    name = data.draw(st.sampled_from(sorted(anime_values)))
    body = {**anime_body(), name: data.draw(anime_values[name])}
    response = client.post("/api/anime", json=body, headers=shared_fan.auth_header)
    check(response)
    assert response.status_code in (201, 422)
    if response.status_code == 422:
        assert response.json()["field"].split("[")[0] == name


@FUZZ
@given(body=body_from(anime_values))
def test_patch_never_fails_with_a_5xx(client, shared_fan, target, body):
    check(client.patch(f"/api/anime/{target}", json=body, headers=shared_fan.auth_header))


@FUZZ
@given(
    body=body_from(
        {
            "content_type": st.sampled_from(["image/png", "image/gif", "text/plain", ""]) | junk,
            "size": st.integers(min_value=-1, max_value=6 * 1024 * 1024) | junk,
        }
    )
)
def test_media_upload_never_fails_with_a_5xx(client, shared_fan, body):
    check(client.post("/api/media/uploads", json=body, headers=shared_fan.auth_header))


@pytest.fixture(scope="module")
def unfollow_afterwards(client, shared_fan):
    yield
    client.put("/api/me/follows", json={"genres": []}, headers=shared_fan.auth_header)


@FUZZ
@given(data=st.data())
def test_follows_never_fail_with_a_5xx(client, shared_fan, push_sink, unfollow_afterwards, data):
    # Endpoints are the test's own sink or invalid: SNS must not be sent to real hosts.
    endpoint = st.just(push_sink.device_url("fuzz")) | junk.filter(
        lambda v: not (isinstance(v, str) and v.startswith("http"))
    )
    body = data.draw(
        body_from({"genres": st.lists(genre, max_size=21) | junk, "endpoint": endpoint})
    )
    check(client.put("/api/me/follows", json=body, headers=shared_fan.auth_header))


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_raw_bytes_never_fail_with_a_5xx(client, shared_fan, raw):
    for method, url in (("POST", "/api/anime"), ("PUT", "/api/me/follows")):
        check(
            client.request(
                method,
                url,
                content=raw,
                headers={**shared_fan.auth_header, "Content-Type": "application/json"},
            )
        )


@FUZZ
@given(
    path=st.text(max_size=40),
    query=st.dictionaries(st.sampled_from(["limit", "cursor", "x"]), st.text(max_size=80)),
)
def test_reads_never_fail_with_a_5xx(client, path, query):
    check(client.get("/api/anime", params=query))
    check(client.get("/api/anime/" + json.dumps(path)[1:-1].replace("/", "")))
