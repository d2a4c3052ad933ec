"""Cognito's sign-up codes where the emulator has none: SignUp's code is mailed to the user,
ResendConfirmationCode mails a new one, and ConfirmSignUp confirms only with the newest code
[AWS: API_SignUp, API_ResendConfirmationCode, API_ConfirmSignUp (CodeMismatchException,
ExpiredCodeException)]. Everything else goes to the emulator unchanged."""

from __future__ import annotations

import json
import logging

from botocore.exceptions import ClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from harness.data_plane.api_front.app import relay
from harness.data_plane.cognito import verification_mail
from harness.data_plane.cognito.codes import CodeBook, Verdict
from harness.faults.aws_errors import error_response

log = logging.getLogger("harness.data_plane.cognito")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."


def cognito_error(code: str, message: str, status: int = 400) -> Response:
    status, headers, body = error_response("cognito-idp", code, status, message)
    return Response(body, status_code=status, headers=headers | {"x-amzn-errortype": f"{code}:"})


def _attribute(user: dict, name: str) -> str | None:
    return next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == name), None)


class CognitoCodes:
    """`answer(request, body, upstream)` as the API front's interceptors have it."""

    def __init__(self, cognito, smtp_address: tuple[str, int]) -> None:
        self.cognito = cognito  # a boto3 client on the emulator, with the harness's identity
        self.smtp_address = smtp_address
        self.codes = CodeBook()
        self._pools: dict[str, str] = {}

    async def answer(self, request: Request, body: bytes, upstream) -> Response | None:
        target = request.headers.get("x-amz-target", "")
        if request.method != "POST" or not target.startswith(TARGET_PREFIX):
            return None
        action = target[len(TARGET_PREFIX) :]
        handler = {
            "SignUp": self._sign_up,
            "ResendConfirmationCode": self._resend,
            "ConfirmSignUp": self._confirm,
        }.get(action)
        if handler is None:
            return None
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return None  # the emulator answers a malformed body in its own way
        response = await handler(params, request, body, upstream)
        if response is not None:
            response.headers["access-control-allow-origin"] = "*"
        return response

    # the three actions --------------------------------------------------------------------

    async def _sign_up(self, params, request, body, upstream) -> Response:
        answer = await upstream.forward(request, body)
        if answer.status_code != 200:
            return relay(answer)
        user = await run_in_threadpool(self._user, params.get("ClientId"), params["Username"])
        details = user and await run_in_threadpool(self._deliver_code, *user)
        result = {k: v for k, v in answer.json().items() if k != "CodeDeliveryDetails"}
        if details:  # what was sent, where the emulator's answer may name another medium
            result["CodeDeliveryDetails"] = details
        return relay(answer, json.dumps(result).encode())

    async def _resend(self, params, request, body, upstream) -> Response:
        pool_id = await run_in_threadpool(self._pool_of, params.get("ClientId", ""))
        if pool_id is None:
            return cognito_error(
                "ResourceNotFoundException",
                f"User pool client {params.get('ClientId')} does not exist.",
            )
        user = await run_in_threadpool(
            self._user, params.get("ClientId"), params.get("Username", "")
        )
        if user is None:
            return cognito_error(
                "UserNotFoundException", "Username/client id combination not found."
            )
        if user[1]["UserStatus"] == "CONFIRMED":
            return cognito_error("InvalidParameterException", "User is already confirmed.")
        details = await run_in_threadpool(self._deliver_code, *user)
        if details is None:
            return cognito_error("InvalidParameterException", "Auto verification not turned on.")
        return Response(
            json.dumps({"CodeDeliveryDetails": details}),
            media_type="application/x-amz-json-1.1",
        )

    async def _confirm(self, params, request, body, upstream) -> Response | None:
        user = await run_in_threadpool(
            self._user, params.get("ClientId"), params.get("Username", "")
        )
        if user is None:
            return None  # unknown client or user: the emulator's own error
        pool_id, found = user
        if found["UserStatus"] == "CONFIRMED":
            return cognito_error(
                "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"
            )
        sub = _attribute(found, "sub") or found["Username"]
        verdict = self.codes.check(pool_id, sub, str(params.get("ConfirmationCode", "")))
        if verdict is Verdict.MISMATCH:
            return cognito_error("CodeMismatchException", MISMATCH)
        if verdict is Verdict.EXPIRED:
            return cognito_error("ExpiredCodeException", EXPIRED)
        answer = await upstream.forward(request, body)
        if answer.status_code == 200:
            self.codes.used(pool_id, sub)
        return relay(answer)

    # reads of the emulator (in a worker thread: boto3 blocks) -----------------------------

    def _pool_of(self, client_id: str) -> str | None:
        if client_id not in self._pools:
            for page in self.cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
                for pool in page["UserPools"]:
                    clients = self.cognito.list_user_pool_clients(
                        UserPoolId=pool["Id"], MaxResults=60
                    )["UserPoolClients"]
                    for client in clients:
                        self._pools[client["ClientId"]] = pool["Id"]
        return self._pools.get(client_id)

    def _user(self, client_id: str | None, username: str) -> tuple[str, dict] | None:
        pool_id = self._pool_of(client_id or "")
        if pool_id is None or not username:
            return None
        try:
            return pool_id, self.cognito.admin_get_user(UserPoolId=pool_id, Username=username)
        except ClientError:
            return None

    def _deliver_code(self, pool_id: str, user: dict) -> dict | None:
        """Issue a new code for `user` and mail it, when the pool verifies e-mail addresses
        automatically and the user has one; returns the CodeDeliveryDetails, or None."""
        pool = self.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        to = _attribute(user, "email")
        if "email" not in pool.get("AutoVerifiedAttributes", []) or not to:
            return None
        sub = _attribute(user, "sub") or user["Username"]
        code = self.codes.issue(pool_id, sub)
        verification_mail.send(verification_mail.compose(pool, to, code), self.smtp_address)
        log.info("confirmation code for %s mailed to %s", sub, to)
        return {
            "Destination": verification_mail.masked(to),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
