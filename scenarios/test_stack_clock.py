"""One stack clock: `clock.advance("2h")` reaches the emulator and every API task at once.

A Cognito ID token is valid for one hour by default (IdTokenValidity 60 minutes;
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html),
so two hours later the API must refuse it; a token issued after the advance, by an emulator on
the same clock, must still pass, and the task's own signed AWS calls (DynamoDB behind /api/me)
must keep working with the advanced time."""

import pytest

# It moves the clock under every other test on the stack; its tests share one clock, put back
# once after the last (each putting-back replaces the API tasks).
pytestmark = [pytest.mark.breaks_stack, pytest.mark.stack_clock_per_module]


def test_a_token_issued_before_a_two_hour_advance_is_refused_through_the_edge(
    clock, make_user, make_api
):
    fan = make_user()
    signed_in = make_api(fan)
    assert signed_in.get("/api/me").status_code == 200

    clock.advance("2h")

    refused = signed_in.get("/api/me")
    assert refused.status_code == 401, refused.text
    assert "token expired" in refused.text


def test_a_token_issued_after_the_advance_is_valid_for_the_tasks(clock, make_user, make_api):
    clock.advance("2h")

    fan = make_user()  # issued by the emulator on the advanced clock
    answer = make_api(fan).get("/api/me")

    assert answer.status_code == 200, answer.text  # DynamoDB call signed at +2h went through


def test_the_status_document_shows_the_clock(stack, clock):
    before = clock.offset  # earlier tests of this module may have advanced it already
    clock.advance("30m")
    shown = stack.describe()["clock"]
    assert shown["offset_seconds"] == before + 1800
    assert shown["tasks_follow"] is True
