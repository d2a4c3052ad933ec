"""The running mail sink: SMTP where mail is sent, HTTP (`url`) where it is read."""

from __future__ import annotations

from harness.data_plane.mail_sink.app import create_app
from harness.data_plane.mail_sink.mailbox import Mailbox, Message, wait_for_mail
from harness.data_plane.mail_sink.smtp import SmtpServer
from harness.plumbing.servers import ServerThread


class MailSink:
    def __init__(self, port: int = 0, smtp_port: int = 0) -> None:
        self.mailbox = Mailbox()
        self._smtp = SmtpServer(self.mailbox, port=smtp_port)
        self._server = ServerThread(create_app(self.mailbox), name="mail-sink", port=port)
        self._started = False

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def smtp_address(self) -> tuple[str, int]:
        return self._smtp.host, self._smtp.port

    def start(self) -> MailSink:
        self._smtp.start()
        try:
            self._server.start()
        except BaseException:
            self._smtp.stop()
            raise
        self._started = True
        return self

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.stop()
        self._smtp.stop()
        self._started = False

    def health(self) -> dict:
        host, port = self.smtp_address
        return {
            "status": "running" if self._started else "stopped",
            "url": self.url,
            "smtp": f"{host}:{port}",
            **self.mailbox.counts(),
        }

    def messages(self, to: str | None = None) -> list[Message]:
        return self.mailbox.messages(to)

    def wait_for(self, to: str, count: int = 1, timeout: float = 30.0) -> Message:
        """The `count`th message to `to`, once it has arrived (WaitTimedOut after `timeout`)."""
        return wait_for_mail(self.messages, to, count, timeout)
