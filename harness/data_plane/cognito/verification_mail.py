"""The verification e-mail Cognito sends, from the pool's own message settings: the
VerificationMessageTemplate (or the older EmailVerificationMessage/Subject), with `{####}`
replaced by the code; without them Cognito's defaults, from Cognito's default sender
[AWS: cognito-user-pool-settings-message-customizations, user-pool-email]."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

DEFAULT_SUBJECT = "Your verification code"
DEFAULT_MESSAGE = "Your verification code is {####}. "
DEFAULT_SENDER = "no-reply@verificationemail.com"
PLACEHOLDER = "{####}"


def compose(pool: dict, to: str, code: str) -> EmailMessage:
    """`pool` is DescribeUserPool's UserPool."""
    template = pool.get("VerificationMessageTemplate") or {}
    subject = (
        template.get("EmailSubject") or pool.get("EmailVerificationSubject") or DEFAULT_SUBJECT
    )
    body = template.get("EmailMessage") or pool.get("EmailVerificationMessage") or DEFAULT_MESSAGE
    sender = (pool.get("EmailConfiguration") or {}).get("From") or DEFAULT_SENDER
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body.replace(PLACEHOLDER, code))
    return message


def send(message: EmailMessage, smtp_address: tuple[str, int]) -> None:
    host, port = smtp_address
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)


def masked(address: str) -> str:
    """CodeDeliveryDetails' Destination: Cognito shows a***@e*** for ann@example.com."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"
