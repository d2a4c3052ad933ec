"""Fans for tests: fresh Cognito users, confirmed and signed in, one per call.

moto refuses some e-mail shapes as usernames (a@b.c), so fans are `fan-<hex>@example.com`;
the password meets the pool's policy (8+ characters, upper, lower, number).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field

PASSWORD = "Anime-Hub-2024"


@dataclass
class Fan:
    email: str
    password: str
    sub: str
    id_token: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    device_id: str = field(default_factory=lambda: f"device-{uuid.uuid4().hex[:12]}")

    @property
    def auth_header(self) -> dict[str, str]:
        if not self.id_token:
            raise ValueError(f"{self.email} is not signed in")
        return {"Authorization": f"Bearer {self.id_token}"}

    def browser_session(self) -> dict:
        """What the web stub keeps in localStorage once this fan signs in (session.js)."""
        claims = jwt_claims(self.id_token)
        return {
            "email": self.email,
            "sub": claims["sub"],
            "idToken": self.id_token,
            "accessToken": self.access_token,
            "expiresAt": claims["exp"] * 1000,
        }


def jwt_claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def confirmation_code(mail: dict) -> str:
    """The six-digit code in a Cognito verification e-mail, as the mail sink lists it."""
    found = re.search(r"\b(\d{6})\b", mail["text"])
    if found is None:
        raise ValueError(f"no confirmation code in the mail {mail['subject']!r}: {mail['text']!r}")
    return found[1]


def new_email() -> str:
    return f"fan-{uuid.uuid4().hex[:12]}@example.com"


def sign_in(cognito, client_id: str, fan: Fan) -> Fan:
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": fan.email, "PASSWORD": fan.password},
    )["AuthenticationResult"]
    fan.id_token = result["IdToken"]
    fan.access_token = result["AccessToken"]
    fan.refresh_token = result.get("RefreshToken")
    return fan


def create_fan(
    cognito,
    pool_id: str,
    client_id: str,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    confirmed: bool = True,
    signed_in: bool = True,
) -> Fan:
    """Sign up as the web app does, confirm as an admin (the mailed code is not needed),
    then sign in."""
    email = email or new_email()
    sub = cognito.sign_up(
        ClientId=client_id,
        Username=email,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}],
    )["UserSub"]
    fan = Fan(email=email, password=password, sub=sub)
    if confirmed:
        cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
        if signed_in:
            sign_in(cognito, client_id, fan)
    return fan


def delete_fan(cognito, pool_id: str, fan: Fan) -> None:
    cognito.admin_delete_user(UserPoolId=pool_id, Username=fan.email)
