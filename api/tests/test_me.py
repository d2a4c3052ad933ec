from __future__ import annotations

import json

import pytest

from api.tests.conftest import anime_body


@pytest.fixture
def follow(client, fan):
    def put(genres, endpoint=None, who=fan):
        body = {"genres": genres, **({"endpoint": endpoint} if endpoint else {})}
        return client.put("/api/me/follows", json=body, headers=who.auth_header)

    yield put
    put([])  # leave no subscription behind


def policy_of(stack, arn):
    attributes = stack.client("sns").get_subscription_attributes(SubscriptionArn=arn)
    return json.loads(attributes["Attributes"]["FilterPolicy"]), attributes["Attributes"]


def topic_subscription_arns(stack):
    pages = stack.client("sns").list_subscriptions_by_topic(TopicArn=stack.topic_arn)
    return {s["SubscriptionArn"] for s in pages["Subscriptions"]}


def test_me_for_a_new_fan(client, fan):
    response = client.get("/api/me", headers=fan.auth_header)
    assert response.status_code == 200
    assert response.json() == {
        "user_id": fan.sub,
        "username": fan.email,
        "follows": [],
        "push_endpoint": None,
        "subscription_arn": None,
    }


def test_me_needs_a_token(client):
    assert client.get("/api/me").status_code == 401
    assert client.put("/api/me/follows", json={"genres": []}).status_code == 401


def test_follow_subscribes_the_endpoint_with_a_genre_filter(client, stack, fan, follow, push_sink):
    endpoint = push_sink.device_url(fan.device_id)

    response = follow(["romance", "action"], endpoint)

    assert response.status_code == 200
    me = response.json()
    assert me["follows"] == ["romance", "action"]
    assert me["push_endpoint"] == endpoint
    policy, attributes = policy_of(stack, me["subscription_arn"])
    assert policy == {"genre": ["action", "romance"]}
    assert attributes["Endpoint"] == endpoint
    assert attributes["Protocol"] == "http"
    assert attributes["TopicArn"] == stack.topic_arn
    assert client.get("/api/me", headers=fan.auth_header).json() == me


def test_changing_genres_updates_the_same_subscription(client, stack, fan, follow, push_sink):
    endpoint = push_sink.device_url(fan.device_id)
    first = follow(["action"], endpoint).json()

    second = follow(["horror"]).json()  # endpoint remembered

    assert second["subscription_arn"] == first["subscription_arn"]
    assert second["push_endpoint"] == endpoint
    assert policy_of(stack, second["subscription_arn"])[0] == {"genre": ["horror"]}


def test_changing_endpoint_moves_the_subscription(client, stack, fan, follow, push_sink):
    first = follow(["action"], push_sink.device_url(f"old-{fan.device_id}")).json()

    second = follow(["action"], push_sink.device_url(f"new-{fan.device_id}")).json()

    arns = topic_subscription_arns(stack)
    assert second["subscription_arn"] in arns
    assert first["subscription_arn"] not in arns


def test_unfollowing_everything_unsubscribes(client, stack, fan, follow, push_sink):
    arn = follow(["action"], push_sink.device_url(fan.device_id)).json()["subscription_arn"]

    me = follow([]).json()

    assert me["follows"] == []
    assert me["subscription_arn"] is None
    assert arn not in topic_subscription_arns(stack)


def test_a_share_reaches_only_fans_of_its_genres(client, stack, fan, other_fan, follow, push_sink):
    follow(["mecha"], push_sink.device_url(fan.device_id))
    follow(["romance"], push_sink.device_url(other_fan.device_id), who=other_fan)

    try:
        shared = client.post(
            "/api/anime", json=anime_body(genres=["mecha", "space"]), headers=fan.auth_header
        ).json()
        assert push_sink.wait_for(fan.device_id, timeout=3.0) is not None
        notes = push_sink.notifications(fan.device_id)
        assert [n["message"]["anime"]["id"] for n in notes] == [shared["id"]]
        assert push_sink.wait_for(other_fan.device_id, timeout=0.3) is None
    finally:
        follow([], who=other_fan)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"genres": ["action"]}, "endpoint"),  # nothing to push to yet
        ({"genres": ["action"], "endpoint": "ftp://example.com/x"}, "endpoint"),
        ({"genres": ["action"], "endpoint": "not a url"}, "endpoint"),
        ({"genres": ["action"], "endpoint": "http://"}, "endpoint"),
        ({"genres": ["action"], "endpoint": "http://host:99999/"}, "endpoint"),
        ({"genres": "action", "endpoint": "http://127.0.0.1:9/"}, "genres"),
        ({"genres": ["Action"], "endpoint": "http://127.0.0.1:9/"}, "genres[0]"),
        ({"genres": ["a", "a"], "endpoint": "http://127.0.0.1:9/"}, "genres"),
        ({"endpoint": "http://127.0.0.1:9/"}, "genres"),
        ({"genres": [], "colour": "red"}, "colour"),
    ],
)
def test_follows_validation(client, fan, body, field):
    response = client.put("/api/me/follows", json=body, headers=fan.auth_header)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert client.get("/api/me", headers=fan.auth_header).json()["subscription_arn"] is None
