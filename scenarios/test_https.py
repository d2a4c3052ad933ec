"""A fan opens AnimeHub on the distribution's alternate domain name over HTTPS. The browser
checks the edge's certificate for real against the run's CA (trusted through its NSS database,
no ignored certificate errors), and a plain HTTP address is redirected to HTTPS, as every
behaviour's ViewerProtocolPolicy in the blueprint says.

[using-https-viewers-to-cloudfront] redirect-to-https answers a GET over HTTP with 301 and the
HTTPS URL; [cnames-and-https-requirements] an alternate domain name is served with a
certificate that covers it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error, expect
from steps import the_list

from harness.plumbing.local_ca import CA_NAME


def _edge(stack) -> dict:
    doc = stack.describe()
    return {k: doc.get(k) for k in ("edge_url", "edge_alias_url", "edge_http_url")}


def test_the_app_opens_on_its_alternate_domain_name_with_a_verified_certificate(page, stack):
    alias_url = _edge(stack)["edge_alias_url"]
    alias = alias_url.removeprefix("https://").rsplit(":", 1)[0]
    with page.expect_response(lambda r: "/api/anime" in r.url) as listed:
        response = page.goto(alias_url + "/")
    assert response is not None and response.status == 200
    security = response.security_details()
    assert (security["subjectName"], security["issuer"]) == (alias, CA_NAME), security
    assert listed.value.status == 200
    assert listed.value.url.startswith(alias_url + "/api/anime")
    expect(the_list(page)).to_be_visible()


def test_the_app_over_http_is_redirected_to_https(page, stack):
    edge = _edge(stack)
    response = page.goto(edge["edge_http_url"] + "/")
    assert response is not None and response.status == 200
    assert page.url.startswith(edge["edge_url"] + "/"), page.url
    redirect = response.request.redirected_from
    assert redirect is not None and redirect.url.startswith("http://")
    assert redirect.response().status == 301
    assert redirect.response().headers["x-cache"] == "Redirect from cloudfront"
    expect(the_list(page)).to_be_visible()


def test_negative_control_a_browser_without_the_run_ca_refuses_the_edge(
    browser_type, browser_type_launch_args, stack
):
    untrusting = {k: v for k, v in browser_type_launch_args.items() if k != "env"}
    browser = browser_type.launch(**untrusting)
    try:
        page = browser.new_page()
        with pytest.raises(Error, match="ERR_CERT_AUTHORITY_INVALID"):
            page.goto(_edge(stack)["edge_alias_url"] + "/")
    finally:
        browser.close()
