"""The web app's layout holds on a phone and a desktop: a long unbroken synopsis or title never
pushes the page sideways, and the header keeps its height when a fan signs in. Each check
leaves a screenshot under the run's results directory."""

import pytest
from playwright.sync_api import Page, expect
from steps import unique

from harness.testkit.pytest_plugin import worker_dir

VIEWPORTS = {"phone": (360, 740), "desktop": (1280, 800)}
UNBROKEN = "Ora" * 400  # 1,200 characters with nowhere to break


def page_width(page: Page, request, name: str) -> tuple[int, int]:
    """(document width, viewport width), with a screenshot of the whole page."""
    folder = worker_dir(request.config) / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{name}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 0
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_long_unbroken_synopsis_stays_inside_the_page(
    open_app, make_user, make_api, request, viewport
):
    fan = make_user()
    title = unique("Jojo") + "Muda" * 40
    shared = make_api(fan).post(
        "/api/anime",
        json={"title": title, "genres": ["action"], "year": 2012, "synopsis": UNBROKEN},
    )
    assert shared.status_code == 201, shared.text
    page = open_app(fan, path=None)
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))

    page.goto(f"/anime/{shared.json()['id']}")
    expect(page.get_by_test_id("detail-synopsis")).to_have_text(UNBROKEN)
    document, window = page_width(page, request, f"detail-{viewport}")
    assert document <= window, f"the detail page is {document}px wide in a {window}px viewport"

    page.goto("/")
    expect(page.get_by_text(title)).to_be_visible()
    document, window = page_width(page, request, f"list-{viewport}")
    assert document <= window, f"the list is {document}px wide in a {window}px viewport"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_header_keeps_its_height_after_sign_in(open_app, make_user, request, viewport):
    size = dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True))
    heights = []
    for fan in (None, make_user()):
        page = open_app(fan, path=None)
        page.set_viewport_size(size)
        page.goto("/")
        marker = "nav-signin" if fan is None else "whoami"
        expect(page.get_by_test_id(marker)).to_be_visible()
        heights.append(page.locator(".site-header").bounding_box()["height"])
        document, window = page_width(page, request, f"header-{viewport}-{marker}")
        assert document <= window
    signed_out, signed_in = heights
    assert signed_in == signed_out, f"the header grew from {signed_out}px to {signed_in}px"
