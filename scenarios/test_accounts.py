"""A fan creates an account, confirms it and signs in, all through the web app; what a
signed-out fan or another fan may not do is refused, and the app says so."""

import contextlib
import uuid

import pytest
from playwright.sync_api import expect
from steps import fill_share_form, list_titles, unique

from harness.testkit.fans import PASSWORD, confirmation_code, new_email


@pytest.fixture
def new_account_email(aws, stack):
    """An address for an account the test makes through the app; the account is deleted after."""
    email = new_email()
    yield email
    cognito = aws("cognito-idp")
    # Not found: the test failed before the sign-up.
    with contextlib.suppress(cognito.exceptions.UserNotFoundException):
        cognito.admin_delete_user(UserPoolId=stack.record.user_pool_id, Username=email)


def test_sign_up_confirm_and_sign_in_through_the_app(page, new_account_email, mail_sink):
    """Cognito mails a code (here to the stack's mail sink); a wrong one is refused with
    CodeMismatchException, which the app puts in its own words; a new code, sent on request,
    confirms [AWS: API_ConfirmSignUp, API_ResendConfirmationCode]."""
    email = new_account_email
    page.goto("/")
    page.get_by_test_id("nav-signup").click()
    page.get_by_test_id("signup-email").fill(email)
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()

    expect(page.get_by_test_id("confirm-email")).to_have_value(email)
    mailed = confirmation_code(mail_sink.wait_for(email, timeout=30))
    page.get_by_test_id("confirm-code").fill(f"{(int(mailed) + 1) % 10**6:06d}")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 400) as wrong:
        page.get_by_test_id("confirm-submit").click()
    assert wrong.value.json()["__type"] == "CodeMismatchException"
    expect(page.get_by_test_id("form-error")).to_have_text(
        "That code doesn't match the one we emailed you. Check the latest email from us and "
        "try again."
    )

    page.get_by_test_id("confirm-resend").click()
    expect(page.get_by_test_id("confirm-notice")).to_have_text("We sent a new code to f***@e***.")
    page.get_by_test_id("confirm-code").fill(
        confirmation_code(mail_sink.wait_for(email, count=2, timeout=30))
    )
    page.get_by_test_id("confirm-submit").click()

    expect(page.get_by_test_id("signin-notice")).to_be_visible()
    expect(page.get_by_test_id("signin-email")).to_have_value(email)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()

    expect(page.get_by_test_id("whoami")).to_have_text(email)
    expect(page).to_have_url("/")
    expect(page.get_by_test_id("nav-signout")).to_be_visible()


@pytest.mark.aws_safe  # its fan is made and deleted by the fixture
def test_a_wrong_password_is_refused_with_the_reason(page, user):
    page.goto("/signin")
    page.get_by_test_id("signin-email").fill(user.email)
    page.get_by_test_id("signin-password").fill("Not-the-password-1")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Incorrect username or password")
    expect(page.get_by_test_id("nav-signin")).to_be_visible()


@pytest.mark.aws_safe  # changes nothing: the share is refused
def test_sharing_while_signed_out_is_refused(open_app, make_api):
    page = open_app(None, "/share")
    expect(page.get_by_test_id("share-signin-hint")).to_be_visible()
    title = unique("Signed-out share")
    fill_share_form(page, title, ["drama"])
    page.get_by_test_id("share-submit").click()

    expect(page.get_by_test_id("form-error")).to_have_text("Sign in to share an anime.")
    page.get_by_test_id("nav-list").click()
    expect(page.get_by_test_id("view")).not_to_have_attribute("aria-busy", "true")
    expect(list_titles(page).filter(has_text=title)).to_have_count(0)
    titles = [a["title"] for a in make_api().get("/api/anime").json()["items"]]
    assert title not in titles


def test_a_fan_cannot_delete_another_fans_share(open_app, make_user, make_api):
    sharer, other = make_user(), make_user()
    title = unique("Planetes")
    shared = make_api(sharer).post(
        "/api/anime", json={"title": title, "genres": ["space"], "year": 2003}
    )
    assert shared.status_code == 201, shared.text
    anime_id = shared.json()["id"]

    page = open_app(other, f"/anime/{anime_id}")
    expect(page.get_by_test_id("detail-title")).to_have_text(title)
    expect(page.get_by_test_id("detail-sharer")).to_have_text("Shared by another fan")
    expect(page.get_by_test_id("anime-delete")).to_have_count(0)
    # Asked directly, the API refuses too.
    refused = make_api(other).delete(f"/api/anime/{anime_id}")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden"
    page.reload()
    expect(page.get_by_test_id("detail-title")).to_have_text(title)

    own = open_app(sharer, f"/anime/{anime_id}")
    expect(own.get_by_test_id("detail-sharer")).to_have_text("Shared by you")
    # Wait for the DELETE itself: the view may not be marked busy yet when the click returns.
    with own.expect_response(
        lambda r: r.request.method == "DELETE" and r.url.endswith(f"/api/anime/{anime_id}")
    ) as deleted:
        own.get_by_test_id("anime-delete").click()
    assert deleted.value.status == 204
    expect(own.get_by_test_id("view")).not_to_have_attribute("aria-busy", "true")
    expect(list_titles(own).filter(has_text=title)).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("detail-error")).to_be_visible()
    expect(page.get_by_test_id("detail-title")).to_have_count(0)


def test_the_api_refusal_reaches_the_fan_as_403(make_user, make_api):
    sharer, other = make_user(), make_user()
    shared = make_api(sharer).post(
        "/api/anime", json={"title": unique("Texhnolyze"), "genres": ["cyberpunk"], "year": 2003}
    )
    assert shared.status_code == 201, shared.text
    refused = make_api(other).delete(f"/api/anime/{shared.json()['id']}")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"


@pytest.mark.xfail(
    strict=True,
    reason="custom error responses are distribution-wide: the API's 404 comes back as the SPA "
    "page (200 text/html); serve SPA deep links with a CloudFront Function instead — follow-up",
)
def test_an_unknown_anime_reaches_the_caller_as_404(make_api):
    missing = make_api().get(f"/api/anime/{uuid.uuid4().hex}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
