"""A fan shares an anime with a cover image chosen in the web app: the browser uploads it
straight to S3 on a presigned URL, and everyone sees it rendered from `/media/...` through
the edge."""

from playwright.sync_api import expect
from steps import fill_share_form, submit_share, unique

from harness.testkit.images import png


def test_a_cover_uploaded_in_the_app_is_shown_from_media_through_the_edge(
    open_app, make_user, edge_url
):
    sharer, viewer = make_user(), make_user()
    page = open_app(sharer)
    title = unique("Akira")
    fill_share_form(page, title, ["cyberpunk"], year=1988)
    page.get_by_test_id("share-cover").set_input_files(
        {"name": "cover.png", "mimeType": "image/png", "buffer": png(24, 32)}
    )
    anime_id = submit_share(page, title)

    other = open_app(viewer, path=None)
    with other.expect_response(lambda r: "/media/" in r.url) as answer:
        other.goto(f"/anime/{anime_id}")
    image = answer.value
    assert image.url.startswith(f"{edge_url}/media/users/{sharer.sub}/"), image.url
    assert image.status == 200
    assert image.headers["content-type"] == "image/png"
    assert "cloudfront" in image.headers.get("x-cache", "").lower()

    cover = other.get_by_test_id("anime-cover")
    expect(cover).to_have_attribute("alt", f"Cover of {title}")
    expect(cover).to_have_js_property("naturalWidth", 24)
    expect(cover).to_have_js_property("naturalHeight", 32)
