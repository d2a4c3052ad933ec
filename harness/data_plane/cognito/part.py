"""Where clients reach Cognito: a front that forwards to the emulator and, where the emulator
accepts any confirmation code (moto), issues and checks the codes itself, mailing them to the
stack's mail sink."""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from harness.control_plane.endpoints import EndpointMap
from harness.data_plane.api_front.app import FrontApp
from harness.data_plane.cognito.interceptor import CognitoCodes
from harness.plumbing import in_process
from harness.plumbing.servers import ServerThread

SERVICE = "cognito-idp"
_PROBE_PASSWORD = "Probe-Code-2024"


def emulator_checks_codes(cognito) -> bool:
    """Whether the emulator refuses a wrong ConfirmSignUp code, tried on a throwaway pool."""
    pool_id = cognito.create_user_pool(
        PoolName=f"animehub-code-probe-{uuid.uuid4().hex[:8]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    try:
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="probe")[
            "UserPoolClient"
        ]["ClientId"]
        email = f"probe-{uuid.uuid4().hex[:8]}@example.com"
        cognito.sign_up(ClientId=client_id, Username=email, Password=_PROBE_PASSWORD)
        try:
            cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="000000")
        except ClientError as exc:
            return exc.response["Error"]["Code"] == "CodeMismatchException"
        return False
    finally:
        cognito.delete_user_pool(UserPoolId=pool_id)


class CognitoFront:
    """`checks_codes`: whether the emulator refuses a wrong code itself; None asks it (a few
    calls on a throwaway pool, seconds on a loaded machine); False where it is known to be moto."""

    def __init__(
        self,
        upstream: EndpointMap,
        smtp_address: tuple[str, int],
        checks_codes: bool | None = None,
    ) -> None:
        self.upstream = upstream
        self.smtp_address = smtp_address
        self.checks_codes = checks_codes
        self.app = FrontApp({SERVICE: upstream.url(SERVICE) or ""})
        self.codes: CognitoCodes | None = None
        self._server: ServerThread | None = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server else None

    @property
    def endpoints(self) -> EndpointMap:
        """The upstream map with Cognito pointed here."""
        return self.upstream.pointing([SERVICE], self.url)

    def start(self) -> CognitoFront:
        cognito = self.upstream.internal_client(SERVICE)
        if self.checks_codes is None:
            self.checks_codes = emulator_checks_codes(cognito)
        if not self.checks_codes:
            self.codes = CognitoCodes(cognito, self.smtp_address)
            self.app.interceptors[SERVICE] = self.codes
        self._server = ServerThread(self.app, name="cognito_front", lifespan="on").start()
        # the stack's own clients hand their calls over in-process, on the front's loop
        in_process.serve(self.url, in_process.asgi(self.app, self.url, self.app.loop))
        return self

    def __enter__(self) -> CognitoFront:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self._server is not None:
            in_process.withdraw(self._server.url)
            self._server.stop()
            self._server = None

    def health(self) -> dict:
        codes = self.codes.codes if self.codes else None
        return {
            "url": self.url,
            "upstream": self.app.upstreams[SERVICE].url,
            "confirmation_codes": "harness (mailed to the mail sink)"
            if codes
            else "emulator's own",
            "codes_mailed": codes.issued if codes else 0,
            "codes_refused": codes.refused if codes else 0,
        }
