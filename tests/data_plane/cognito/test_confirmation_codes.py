"""Cognito's sign-up codes through the harness's Cognito front on the embedded emulator (moto
confirms any code): SignUp mails a code to the mail sink, a wrong code is refused with
CodeMismatchException, the mailed one confirms, and a code is valid for 24 hours.

AWS pages: API_SignUp, API_ConfirmSignUp (errors CodeMismatchException, ExpiredCodeException),
API_ResendConfirmationCode, signing-up-users-in-your-app ("The confirmation code is valid for 24
hours"), cognito-user-pool-settings-message-customizations (the `{####}` placeholder and the
default message), user-pool-email (the default sender no-reply@verificationemail.com)."""

import re
import uuid

import pytest
from botocore.exceptions import ClientError

from harness.clock import clock
from harness.control_plane.backends.cognito_local_process import CognitoLocalProcess
from harness.control_plane.backends.embedded import EmbeddedBackend
from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.cognito import CognitoFront
from harness.data_plane.cognito.part import emulator_checks_codes
from harness.data_plane.mail_sink import MailSink
from harness.testkit.fans import confirmation_code

PASSWORD = "Anime-Hub-2024"


@pytest.fixture(scope="module")
def emulator():
    backend = EmbeddedBackend("us-east-1").start()
    yield backend.endpoints
    backend.stop()


@pytest.fixture(scope="module")
def mail_sink():
    with MailSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def front(emulator, mail_sink):
    with CognitoFront(emulator, mail_sink.smtp_address) as running:
        yield running


@pytest.fixture(scope="module")
def pool(emulator):
    cognito = emulator.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=f"codes-{uuid.uuid4().hex[:6]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")[
        "UserPoolClient"
    ]["ClientId"]
    return pool_id, client_id


@pytest.fixture
def cognito(front):
    return front.endpoints.client("cognito-idp")


def _sign_up(cognito, client_id: str) -> str:
    email = f"fan-{uuid.uuid4().hex[:10]}@example.com"
    cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    return email


def _code(mail: dict) -> str:
    assert re.fullmatch(r"Your verification code is \d{6}\.", mail["text"].strip())
    return confirmation_code(mail)


def _status(emulator, pool_id: str, email: str) -> str:
    user = emulator.client("cognito-idp").admin_get_user(UserPoolId=pool_id, Username=email)
    return user["UserStatus"]


def test_moto_confirms_any_code_so_the_front_checks_them(emulator, front):
    assert emulator_checks_codes(emulator.client("cognito-idp")) is False
    assert front.health()["confirmation_codes"] == "harness (mailed to the mail sink)"


def test_a_wrong_code_is_refused_and_the_mailed_one_confirms(
    emulator, front, mail_sink, pool, cognito
):
    pool_id, client_id = pool
    email = _sign_up(cognito, client_id)
    mail = mail_sink.wait_for(email, timeout=30)
    assert mail["from"] == "no-reply@verificationemail.com"
    assert mail["subject"] == "Your verification code"
    code = _code(mail)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    with pytest.raises(ClientError, match="Invalid verification code provided") as refused:
        cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=wrong)
    assert refused.value.response["Error"]["Code"] == "CodeMismatchException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _status(emulator, pool_id, email) == "UNCONFIRMED"

    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    assert _status(emulator, pool_id, email) == "CONFIRMED"
    with pytest.raises(ClientError, match="Current status is CONFIRMED") as again:
        cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    assert again.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_resend_mails_a_new_code_that_confirms(emulator, mail_sink, pool, cognito):
    pool_id, client_id = pool
    email = _sign_up(cognito, client_id)
    mail_sink.wait_for(email, timeout=30)
    details = cognito.resend_confirmation_code(ClientId=client_id, Username=email)
    assert details["CodeDeliveryDetails"] == {
        "Destination": "f***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = _code(mail_sink.wait_for(email, count=2, timeout=30))
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    assert _status(emulator, pool_id, email) == "CONFIRMED"


def test_a_code_older_than_24_hours_has_expired(mail_sink, pool, cognito, tmp_path):
    _, client_id = pool
    email = _sign_up(cognito, client_id)
    code = _code(mail_sink.wait_for(email, timeout=30))
    clock.use(tmp_path / "clock")
    try:
        clock.advance(24 * 3600 + 1)
        with pytest.raises(ClientError, match="please request a code again") as expired:
            cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
        assert expired.value.response["Error"]["Code"] == "ExpiredCodeException"
    finally:
        clock.release(tmp_path / "clock")


def test_the_pools_own_message_template_is_the_mail(emulator, mail_sink, cognito):
    admin = emulator.client("cognito-idp")
    pool_id = admin.create_user_pool(
        PoolName=f"template-{uuid.uuid4().hex[:6]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        VerificationMessageTemplate={
            "EmailSubject": "Welcome to AnimeHub",
            "EmailMessage": "Your AnimeHub code: {####}",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
    )["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="web")[
        "UserPoolClient"
    ]["ClientId"]
    mail = mail_sink.wait_for(_sign_up(cognito, client_id), timeout=30)
    assert mail["subject"] == "Welcome to AnimeHub"
    assert re.fullmatch(r"Your AnimeHub code: \d{6}", mail["text"].strip())


def test_an_emulator_that_checks_its_own_codes_keeps_them(mail_sink):
    """The negative control: on cognito-local (which refuses a wrong code itself) the front
    only forwards, so there is one code per sign-up, the emulator's, and none is mailed here."""
    with CognitoLocalProcess() as cognito_local:
        upstream = EndpointMap(default=cognito_local.url, region="us-east-1")
        with CognitoFront(upstream, mail_sink.smtp_address) as front:
            assert front.health()["confirmation_codes"] == "emulator's own"
            admin = upstream.client("cognito-idp")
            pool_id = admin.create_user_pool(
                PoolName="own-codes", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
            )["UserPool"]["Id"]
            client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="web")[
                "UserPoolClient"
            ]["ClientId"]
            cognito = front.endpoints.client("cognito-idp")
            email = _sign_up(cognito, client_id)
            with pytest.raises(ClientError, match="CodeMismatchException"):
                cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="x")
            assert front.health()["codes_mailed"] == 0
            assert mail_sink.messages(email) == []
