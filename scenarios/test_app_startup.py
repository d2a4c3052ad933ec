"""A fan who clicks while the web app is still starting keeps what they type. The links work
from the first paint, before the app has its config.json; the app's start must not render its
first view over the one the click opened (it did: the share form was replaced under the fan's
typing, and the title they had typed was gone). A latency fault in front of the edge, on
/config.json only, holds the start long enough for the click to land in it."""

from playwright.sync_api import expect
from steps import unique

CONFIG_LATENCY_MS = 3000


def test_a_click_while_the_app_starts_keeps_what_the_fan_types(open_app, make_user, faults, stack):
    slow_config = faults.add(
        "viewer-edge", "latency", latency_ms=CONFIG_LATENCY_MS, path="/config.json"
    )
    page = open_app(make_user())  # returns at the page's load; config.json is on its way
    page.get_by_test_id("nav-share").click()
    assert page.get_by_test_id("app-version").text_content() == "", (
        "the app had started before the click: the click did not land in the start"
    )
    title = unique("Akira")
    page.get_by_test_id("share-title").fill(title)

    expect(page.get_by_test_id("app-version")).not_to_have_text("")  # the start is over
    expect(page.get_by_test_id("share-title")).to_have_value(title)
    # The status document's count: the edge meets its faults in its own process.
    met = next(f["injected"] for f in stack.describe()["faults"] if f["id"] == slow_config.id)
    assert met >= 1, "config.json was never slowed"
