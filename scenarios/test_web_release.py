"""A new version of the web app is deployed as a pipeline would: the fan gets the new
index.html once the deploy's invalidation is through, and a deep link renders the app."""

import shutil

import httpx
from playwright.sync_api import expect
from steps import unique

from harness.pipelines.web_deploy import WEB_STUB, deploy_web_stub

NOTE = '<p class="notice" data-testid="release-note">Now with notifications!</p>'


def test_a_new_version_is_served_after_the_invalidation(
    open_app, make_user, stack, edge_verify, tmp_path
):
    fan = make_user()
    page = open_app(fan)
    expect(page.get_by_test_id("whoami")).to_have_text(fan.email)
    old_version = page.get_by_test_id("app-version").inner_text()
    # The edge caches index.html (it is what the invalidation must clear). The cache key holds
    # the normalised Accept-Encoding, so this client's first read may be its own Miss; the
    # second comes from the cache, fresh (Hit) or revalidated after the 1 s min TTL
    # (RefreshHit), never from the origin again.
    httpx.get(stack.edge_url + "/", trust_env=False, verify=edge_verify)
    x_cache = httpx.get(stack.edge_url + "/", trust_env=False, verify=edge_verify).headers[
        "x-cache"
    ]
    assert x_cache in ("Hit from cloudfront", "RefreshHit from cloudfront"), x_cache

    source = tmp_path / "web_stub"
    shutil.copytree(WEB_STUB, source)
    index = source / "index.html"
    index.write_text(index.read_text().replace("<main ", f"{NOTE}\n  <main ", 1))
    version = unique("release").replace(" ", "-")
    try:
        deployment = deploy_web_stub(stack, version=version, source_dir=source)
        assert "/index.html" in deployment.invalidated_paths

        page.reload()
        expect(page.get_by_test_id("release-note")).to_have_text("Now with notifications!")
        expect(page.get_by_test_id("app-version")).to_have_text(version)
        expect(page.get_by_test_id("whoami")).to_have_text(fan.email)
    finally:
        deploy_web_stub(stack, version=old_version)
    page.reload()
    expect(page.get_by_test_id("app-version")).to_have_text(old_version)
    expect(page.get_by_test_id("release-note")).to_have_count(0)


def test_a_deep_link_renders_the_app(open_app, make_user, make_api):
    sharer = make_user()
    title = unique("Serial Experiments Lain")
    shared = make_api(sharer).post(
        "/api/anime", json={"title": title, "genres": ["cyberpunk"], "year": 1998}
    )
    assert shared.status_code == 201, shared.text

    page = open_app(None, path=None)
    answer = page.goto(f"/anime/{shared.json()['id']}")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/html")
    # The SPA function rewrote the URI to the app's page: an object served (and cached under
    # /index.html), not an error page ("Error from cloudfront") as a custom error response is.
    assert answer.headers["x-cache"] != "Error from cloudfront"
    expect(page.get_by_test_id("detail-title")).to_have_text(title)
    expect(page.get_by_test_id("nav-signin")).to_be_visible()
