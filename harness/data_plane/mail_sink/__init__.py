"""A local mail sink: where mail the stack sends (Cognito's confirmation codes) arrives.

SMTP on 127.0.0.1 (`smtp_address`) takes the mail; `GET <url>/messages?to=<address>` lists
what arrived (oldest first), for tests and developers. `MailSinkClient` reads it from another
process. Nothing leaves the machine.
"""

from harness.data_plane.mail_sink.client import MailSinkClient
from harness.data_plane.mail_sink.mailbox import Mailbox, Message
from harness.data_plane.mail_sink.part import MailSink

__all__ = ["MailSink", "MailSinkClient", "Mailbox", "Message"]
