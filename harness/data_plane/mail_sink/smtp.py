"""The SMTP side of the mail sink: aiosmtpd's protocol on a socket bound first, on its own
event loop in a daemon thread, every accepted message put in the mailbox."""

from __future__ import annotations

import asyncio
import logging
import threading

from aiosmtpd.smtp import SMTP

from harness.data_plane.mail_sink.mailbox import Mailbox, parse
from harness.errors import HarnessError
from harness.plumbing.servers import LOOPBACK, bind

log = logging.getLogger("harness.data_plane.mail_sink")


class _Deliver:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = parse(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.mailbox.add(message)
        log.info("mail to %s: %s", ", ".join(message["to"]), message["subject"])
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, mailbox: Mailbox, port: int = 0) -> None:
        self._sock = bind(LOOPBACK, port, "mail sink (SMTP)")
        self.host, self.port = self._sock.getsockname()[:2]
        self._handler = _Deliver(mailbox)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mail-sink", daemon=True
        )
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> SmtpServer:
        self._thread.start()
        serving = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(
                lambda: SMTP(self._handler, hostname="mail-sink.animehub.local"), sock=self._sock
            ),
            self._loop,
        )
        try:
            self._server = serving.result(timeout=10)
        except Exception as exc:  # noqa: BLE001 - one line for the caller
            raise HarnessError(f"mail sink: SMTP server failed to start: {exc}") from None
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        self._sock.close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
