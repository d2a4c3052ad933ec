"""A fan follows a genre; when another fan shares an anime of that genre, the follower's device
gets the push and the app's notifications view shows it (how soon is a figure in
benchmarks/, not asserted here). A share of another
genre does not reach them, which holds only while their SNS subscription keeps its filter
policy: the negative control drops it and shows the same check failing."""

import pytest
from playwright.sync_api import expect
from steps import unique, unique_genre

from harness.testkit.breakage import subscription_filter_dropped


def follow_in_app(open_app, push_sink, fan, genre: str):
    page = open_app(fan, "/follow")
    page.get_by_test_id("follow-genres").fill(genre)
    page.get_by_test_id("follow-submit").click()
    expect(page.get_by_test_id("follow-status")).to_have_text(f"Following {genre}.")
    page.get_by_test_id("nav-notifications").click()
    expect(page.get_by_test_id("notifications-empty")).to_be_visible()
    # SNS delivers nothing until the device confirms the subscription (SendMessageToHttp.confirm)
    assert push_sink.wait_confirmed(fan.device_id, PUSH_PATIENCE), "the device never confirmed"
    return page


# Generous: it only catches a push that never comes.
PUSH_PATIENCE = 30


def share(client, title: str, genres: list[str]) -> None:
    answer = client.post("/api/anime", json={"title": title, "genres": genres, "year": 2019})
    assert answer.status_code == 201, answer.text


def check_only_followed_genres_are_pushed(page, push_sink, follower, sharer_api, genre):
    other_title = unique("Other genre")
    share(sharer_api, other_title, [unique_genre("other")])
    title = unique("Followed genre")
    share(sharer_api, title, [genre, "drama"])

    pushed = push_sink.wait_for(
        follower.device_id, lambda n: n["message"]["anime"]["title"] == title, PUSH_PATIENCE
    )
    assert pushed is not None, "the follower's device got no push for the followed genre"
    expect(page.get_by_test_id("notification-title").filter(has_text=title)).to_be_visible()

    titles = [n["message"]["anime"]["title"] for n in push_sink.notifications(follower.device_id)]
    assert titles == [title], f"the device got shares of genres it does not follow: {titles}"
    expect(page.get_by_test_id("notification-item")).to_have_count(1)


def test_a_follower_gets_a_push_for_their_genre_only(open_app, make_user, make_api, push_sink):
    follower, sharer = make_user(), make_user()
    genre = unique_genre("mecha")
    page = follow_in_app(open_app, push_sink, follower, genre)
    check_only_followed_genres_are_pushed(page, push_sink, follower, make_api(sharer), genre)


@pytest.mark.breaks_stack
def test_negative_control_a_dropped_filter_policy_is_caught(
    open_app, make_user, make_api, push_sink, stack
):
    follower, sharer = make_user(), make_user()
    genre = unique_genre("mecha")
    page = follow_in_app(open_app, push_sink, follower, genre)
    subscription = make_api(follower).get("/api/me").json()["subscription_arn"]
    with (
        subscription_filter_dropped(stack, subscription),
        pytest.raises(AssertionError, match="genres it does not follow"),
    ):
        check_only_followed_genres_are_pushed(page, push_sink, follower, make_api(sharer), genre)
