"""The plugin's fixtures for a scenario's actors: fresh fans, API clients signed in as them, and
the web app opened in a browser as them."""

from __future__ import annotations

import contextlib
import json

import httpx
import pytest


@pytest.fixture
def make_user(stack, aws):
    """Makes fresh confirmed, signed-in fans (harness.testkit.fans.Fan); deletes them afterwards."""
    from botocore.exceptions import ClientError

    from harness.testkit.fans import create_fan, delete_fan

    cognito = aws("cognito-idp")
    made = []

    def make(**options):
        fan = create_fan(
            cognito, stack.record.user_pool_id, stack.record.user_pool_client_id, **options
        )
        made.append(fan)
        return fan

    yield make
    for fan in made:
        with contextlib.suppress(ClientError):
            delete_fan(cognito, stack.record.user_pool_id, fan)


@pytest.fixture
def user(make_user):
    """One fresh fan (harness.testkit.fans.Fan), confirmed and signed in: `.email`,
    `.password`, `.sub`, `.auth_header`, `.device_id`. Deleted after the test."""
    return make_user()


@pytest.fixture
def make_api(edge_url, edge_verify):
    """`make_api(fan=None)`: an httpx client on the edge, signed in as `fan` if given."""
    clients: list[httpx.Client] = []

    def make(fan=None) -> httpx.Client:
        client = httpx.Client(
            base_url=edge_url,
            headers=fan.auth_header if fan is not None else {},
            # Generous: a share took 15 s through the stack on a loaded 2-core machine; the
            # time-out only catches a hang (the edge's own origin time-out is 30 s).
            timeout=60,
            trust_env=False,
            verify=edge_verify,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api, user) -> httpx.Client:
    """An httpx client on the edge, signed in as `user`: `api.post("/api/anime", json=...)`."""
    return make_api(user)


@pytest.fixture
def open_app(new_context, edge_url):
    """`open_app(fan=None, path="/")`: the web app in a browser context of its own, signed in
    as `fan` (its session put where the app keeps it) and using `fan.device_id` for pushes.
    With `path=None` the page is returned before it loads anything."""

    def open_(fan=None, path: str | None = "/"):
        storage = []
        if fan is not None:
            storage = [
                {"name": "animehub.session", "value": json.dumps(fan.browser_session())},
                {"name": "animehub.device", "value": fan.device_id},
            ]
        origins = [{"origin": edge_url, "localStorage": storage}]
        context = new_context(storage_state={"cookies": [], "origins": origins})
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    return open_
