"""A fan creates an account, confirms it and signs in, all through the web app; what a
signed-out fan or another fan may not do is refused, and the app says so."""

from playwright.sync_api import expect

from harness.fans import PASSWORD, new_email


def test_sign_up_confirm_and_sign_in_through_the_app(page, make_user):
    email = new_email()
    page.goto("/")
    page.get_by_test_id("nav-signup").click()
    page.get_by_test_id("signup-email").fill(email)
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()

    # No mail leaves this machine; the emulator accepts any code, as a test pool would.
    expect(page.get_by_test_id("confirm-email")).to_have_value(email)
    page.get_by_test_id("confirm-code").fill("123456")
    page.get_by_test_id("confirm-submit").click()

    expect(page.get_by_test_id("signin-notice")).to_be_visible()
    expect(page.get_by_test_id("signin-email")).to_have_value(email)
    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()

    expect(page.get_by_test_id("whoami")).to_have_text(email)
    expect(page).to_have_url("/")
    expect(page.get_by_test_id("nav-signout")).to_be_visible()


def test_a_wrong_password_is_refused_with_the_reason(page, user):
    page.goto("/signin")
    page.get_by_test_id("signin-email").fill(user.email)
    page.get_by_test_id("signin-password").fill("Not-the-password-1")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Incorrect username or password")
    expect(page.get_by_test_id("nav-signin")).to_be_visible()
