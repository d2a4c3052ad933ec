"""The mail sink takes mail over SMTP and lists it over HTTP, in process and from another one."""

import smtplib
from email.message import EmailMessage

import pytest

from harness.data_plane.mail_sink import MailSink, MailSinkClient
from harness.plumbing.waiting import WaitTimedOut


@pytest.fixture
def sink():
    with MailSink() as running:
        yield running


def _send(sink: MailSink, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = "no-reply@verificationemail.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP(*sink.smtp_address, timeout=10) as smtp:
        smtp.send_message(message)


def test_mail_sent_over_smtp_is_listed_per_address(sink):
    _send(sink, "Aiko@Example.com", "Your verification code", "Your verification code is 123456. ")
    _send(sink, "ren@example.com", "Hello", "Another one")

    (mail,) = sink.messages("aiko@example.com")
    assert mail["from"] == "no-reply@verificationemail.com"
    assert mail["to"] == ["aiko@example.com"]
    assert mail["subject"] == "Your verification code"
    assert mail["text"].strip() == "Your verification code is 123456."
    assert [m["subject"] for m in sink.messages()] == ["Your verification code", "Hello"]
    assert sink.health()["messages"] == 2
    assert sink.health()["smtp"] == "{}:{}".format(*sink.smtp_address)


def test_the_client_reads_the_same_mail_over_http_and_waits_for_the_next(sink):
    client = MailSinkClient(sink.url)
    assert client.messages("mei@example.com") == []
    _send(sink, "mei@example.com", "first", "one")
    _send(sink, "mei@example.com", "second", "two")
    assert client.wait_for("mei@example.com", count=2, timeout=30)["subject"] == "second"
    assert client.health() == {"status": "ok", "messages": 2}
    with pytest.raises(WaitTimedOut, match="mail number 3 to mei@example.com"):
        client.wait_for("mei@example.com", count=3, timeout=0.3)
