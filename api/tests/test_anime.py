from __future__ import annotations

import json

from api.tests.conftest import anime_body


def share(client, fan, **changes):
    response = client.post("/api/anime", json=anime_body(**changes), headers=fan.auth_header)
    assert response.status_code == 201, response.text
    return response.json()


def test_share_stores_the_item_and_returns_it_with_its_location(client, stack, fan):
    response = client.post("/api/anime", json=anime_body(), headers=fan.auth_header)

    assert response.status_code == 201
    anime = response.json()
    assert response.headers["location"] == f"/api/anime/{anime['id']}"
    assert anime["sharer"] == fan.sub
    assert anime["title"] == "Mushishi"
    assert anime["genres"] == ["mystery", "slice-of-life"]
    assert anime["cover_url"] is None
    stored = stack.client("dynamodb").get_item(
        TableName=stack.anime_table, Key={"id": {"S": anime["id"]}}
    )["Item"]
    assert stored["feed"] == {"S": "anime"}
    assert stored["sharer"] == {"S": fan.sub}
    assert stored["shared_at"] == {"S": anime["shared_at"]}


def test_share_is_listed_at_once_newest_first(client, fan):
    first = share(client, fan, title="First")
    second = share(client, fan, title="Second")

    items = client.get("/api/anime", params={"limit": 2}).json()["items"]

    assert [a["id"] for a in items] == [second["id"], first["id"]]


def test_share_publishes_one_message_with_filterable_attributes(client, stack, fan):
    anime = share(client, fan, genres=["mecha"])

    messages = stack.queue_messages(
        lambda m: m["MessageAttributes"]["anime_id"]["Value"] == anime["id"]
    )

    assert len(messages) == 1
    attributes = messages[0]["MessageAttributes"]
    assert attributes["genre"] == {"Type": "String.Array", "Value": '["mecha"]'}
    assert attributes["sharer"]["Value"] == fan.sub
    assert json.loads(messages[0]["Message"])["anime"]["id"] == anime["id"]


def test_share_accepts_an_access_token_too(client, fan):
    headers = {"Authorization": f"Bearer {fan.access_token}"}
    response = client.post("/api/anime", json=anime_body(), headers=headers)
    assert response.status_code == 201
    assert response.json()["sharer"] == fan.sub


def test_share_needs_a_token(client):
    response = client.post("/api/anime", json=anime_body())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"


def test_share_with_cover_from_own_upload(client, fan):
    upload = client.post(
        "/api/media/uploads",
        json={"content_type": "image/png", "size": 10},
        headers=fan.auth_header,
    ).json()

    anime = share(client, fan, cover_key=upload["key"])

    assert anime["cover_url"] == upload["media_path"]
    assert anime["cover_url"].startswith(f"/media/users/{fan.sub}/")


def test_share_refuses_a_cover_from_someone_elses_prefix(client, fan, other_fan):
    key = f"media/users/{other_fan.sub}/{'a' * 32}.png"
    response = client.post("/api/anime", json=anime_body(cover_key=key), headers=fan.auth_header)
    assert response.status_code == 422
    assert response.json()["field"] == "cover_key"


def test_get_one(client, fan):
    anime = share(client, fan)
    response = client.get(f"/api/anime/{anime['id']}")
    assert response.status_code == 200
    assert response.json() == anime


def test_get_missing_is_404_and_bad_id_is_400(client):
    missing = client.get(f"/api/anime/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json()["field"] == "id"
    bad = client.get("/api/anime/not-an-id")
    assert bad.status_code == 400
    assert bad.json()["field"] == "id"


def test_pagination_walks_every_item_once(client, fan):
    shared = [share(client, fan, title=f"Page {i}")["id"] for i in range(5)]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/anime", params=params).json()
        assert len(page["items"]) <= 2
        seen += [a["id"] for a in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert pages >= 3
    assert len(seen) == len(set(seen))
    positions = [seen.index(i) for i in shared]
    assert positions == sorted(positions, reverse=True)  # newest first


def test_list_treats_empty_parameters_as_absent(client, fan):
    share(client, fan)
    response = client.get("/api/anime?limit=&cursor=")
    assert response.status_code == 200
    assert 1 <= len(response.json()["items"]) <= 20


def test_list_rejects_bad_limit_and_cursor(client):
    for limit in ("0", "101", "x", "-1", "1.5", "٣"):
        response = client.get("/api/anime", params={"limit": limit})
        assert response.status_code == 400, limit
        assert response.json()["field"] == "limit"
    for cursor in ("!!!", "bm90LWpzb24", "e30", "a" * 600, "eyJpZCI6MX0"):
        response = client.get("/api/anime", params={"cursor": cursor})
        assert response.status_code == 400, cursor
        assert response.json()["field"] == "cursor"


def test_owner_can_patch(client, fan):
    anime = share(client, fan)
    response = client.patch(
        f"/api/anime/{anime['id']}",
        json={"title": "Mushi-shi", "episodes": None},
        headers=fan.auth_header,
    )
    assert response.status_code == 200
    changed = response.json()
    assert changed["title"] == "Mushi-shi"
    assert changed["episodes"] is None
    assert changed["shared_at"] == anime["shared_at"]
    assert changed["updated_at"] > anime["updated_at"]
    assert client.get(f"/api/anime/{anime['id']}").json() == changed


def test_other_fans_cannot_patch_or_delete(client, fan, other_fan):
    anime = share(client, fan)
    url = f"/api/anime/{anime['id']}"

    patch = client.patch(url, json={"title": "Mine now"}, headers=other_fan.auth_header)
    delete = client.delete(url, headers=other_fan.auth_header)

    assert patch.status_code == 403
    assert delete.status_code == 403
    assert client.get(url).json() == anime


def test_patch_and_delete_of_missing_item_is_404(client, fan):
    url = f"/api/anime/{'f' * 32}"
    assert client.patch(url, json={"title": "x"}, headers=fan.auth_header).status_code == 404
    assert client.delete(url, headers=fan.auth_header).status_code == 404


def test_patch_validates_its_body(client, fan):
    anime = share(client, fan)
    url = f"/api/anime/{anime['id']}"
    for body, field in [
        ({}, "body"),
        ({"sharer": "me"}, "sharer"),
        ({"year": "2001"}, "year"),
        ({"genres": None}, "genres"),
        ({"title": None}, "title"),
    ]:
        response = client.patch(url, json=body, headers=fan.auth_header)
        assert response.status_code == 422, body
        assert response.json()["field"] == field


def test_owner_can_delete(client, fan):
    anime = share(client, fan)
    url = f"/api/anime/{anime['id']}"

    assert client.delete(url, headers=fan.auth_header).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=fan.auth_header).status_code == 404


def test_writes_need_a_token(client, fan):
    anime = share(client, fan)
    url = f"/api/anime/{anime['id']}"
    assert client.patch(url, json={"title": "x"}).status_code == 401
    assert client.delete(url).status_code == 401
