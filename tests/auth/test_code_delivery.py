"""The channels that carry codes: SMTP e-mail, an HTTP SMS gateway, the SMS file sink;
a failed delivery is logged without the code and never breaks the request."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from dmp.auth.accounts import Channel
from dmp.auth.delivery import deliver_after_commit, login_code_notice
from dmp.notifications.email import EmailDeliveryFailed, EmailSender
from dmp.notifications.sms import (
    FileSmsSink,
    HttpSmsGateway,
    SmsDeliveryFailed,
    sms_gateway_from,
    to_e164,
)
from tests.auth.people import deliver, free_port


async def test_the_http_gateway_posts_json_with_its_token():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    gateway = HttpSmsGateway(
        url="https://sms.example.fr/send", sender="DMP", token="jeton",
        transport=httpx.MockTransport(handler),
    )  # fmt: skip
    await gateway.send(to="06 12 34 56 78", text="DMP : votre code est 123456.")
    request = seen[0]
    assert request.method == "POST" and request.headers["authorization"] == "Bearer jeton"
    assert json.loads(request.content) == {
        "from": "DMP", "to": "+33612345678", "text": "DMP : votre code est 123456."
    }  # fmt: skip


@pytest.mark.parametrize("status", [400, 401, 500, 503])
async def test_a_refusing_gateway_is_a_delivery_failure(status):
    gateway = HttpSmsGateway(
        url="https://sms.example.fr/send", sender="DMP",
        transport=httpx.MockTransport(lambda _: httpx.Response(status)),
    )  # fmt: skip
    with pytest.raises(SmsDeliveryFailed, match=str(status)):
        await gateway.send(to="0612345678", text="x")


async def test_an_unreachable_gateway_is_a_delivery_failure():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    gateway = HttpSmsGateway(
        url="https://sms.example.fr/send", sender="DMP", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(SmsDeliveryFailed):
        await gateway.send(to="0612345678", text="x")


def test_numbers_are_sent_in_international_form():
    assert to_e164("06 12 34 56 78") == "+33612345678"
    assert to_e164("+33712345678") == "+33712345678"


async def test_the_file_sink_writes_one_json_per_sms(tmp_path, clock):
    sink = FileSmsSink(tmp_path / "sms", clock=clock)
    await sink.send(to="0612345678", text="premier")
    await sink.send(to="0712345678", text="second")
    assert [m["text"] for m in sink.messages()] == ["premier", "second"]
    assert sink.messages()[0]["at"] == clock.now().isoformat()


def test_the_gateway_is_chosen_by_configuration(settings):
    assert isinstance(sms_gateway_from(settings), FileSmsSink)
    configured = settings.model_copy(update={"sms_gateway_url": "https://sms.example.fr/send"})
    assert isinstance(sms_gateway_from(configured), HttpSmsGateway)


def test_emails_are_plain_french_text_marked_automatic():
    sender = EmailSender(host="127.0.0.1", port=25, sender="ne-pas-repondre@dmp.example.fr")
    notice = login_code_notice("123456", 10)
    message = sender.compose(to="a@example.org", subject=notice.subject, body=notice.email_body)
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Message-ID"].endswith("@dmp.example.fr>")
    assert "123456" in message.get_content() and "10 minutes" in message.get_content()


async def test_an_unreachable_relay_is_a_delivery_failure():
    sender = EmailSender(host="127.0.0.1", port=free_port(), sender="x@example.org", timeout=2)
    with pytest.raises(EmailDeliveryFailed):
        await sender.send(to="a@example.org", subject="s", body="b")


async def test_a_failed_delivery_is_logged_without_the_code(session, rt, caplog):
    broken = rt.settings.model_copy(update={"smtp_port": free_port()})
    rt.settings = broken
    deliver_after_commit(
        session, rt=rt, channel=Channel.EMAIL, destination="a@example.org",
        notice=login_code_notice("654321", 10),
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="dmp.auth.delivery"):
        await deliver(session)  # does not raise
    assert "delivery of a notice by email failed" in caplog.text
    assert "654321" not in caplog.text
