"""Reads a mail sink running in another process, over HTTP."""

from __future__ import annotations

import httpx

from harness.data_plane.mail_sink.mailbox import Message, wait_for_mail


class MailSinkClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=5, trust_env=False).json()

    def messages(self, to: str | None = None) -> list[Message]:
        params = {"to": to} if to else {}
        response = httpx.get(f"{self.url}/messages", params=params, timeout=5, trust_env=False)
        response.raise_for_status()
        return response.json()

    def wait_for(self, to: str, count: int = 1, timeout: float = 30.0) -> Message:
        """The `count`th message to `to`, once it has arrived (WaitTimedOut after `timeout`)."""
        return wait_for_mail(self.messages, to, count, timeout)
