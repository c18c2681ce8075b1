"""The transactional outbox: written with the event (sealed), delivered over real SMTP by
the worker's round, retried with exponential backoff, never twice for one event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmp.errors import DmpError
from dmp.notifications.delivery import deliver_due
from dmp.notifications.outbox import backoff
from tests.builders.access import in_unit_of_work
from tests.builders.dossiers import a_dossier, adult_request
from tests.builders.nirs import make_nir
from tests.notifications.conftest import free_port, outbox_rows, payload_of

EMAIL = "jeanne.martin@example.org"


async def test_the_message_is_written_with_the_event_and_sealed(session, rt):
    created = await a_dossier(session, rt)
    [row] = await outbox_rows(session, created.dossier_id)
    assert (row.event, row.channel, row.status, row.attempts) == (
        "dossier_created",
        "email",
        "pending",
        0,
    )
    # Nothing in clear: neither the address nor the text, in any column.
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        raw = value if isinstance(value, bytes) else str(value).encode()
        assert EMAIL.encode() not in raw and b"cr\xc3\xa9\xc3\xa9" not in raw
    payload = payload_of(rt, row)
    assert payload["to"] == EMAIL
    assert payload["subject"] == "Création de votre Dossier Médical Partagé"


async def test_no_message_survives_a_rolled_back_event(session, rt):
    request = adult_request(nir=make_nir("2", 91))

    async def failing_creation():
        await a_dossier(session, rt, request=request)
        raise DmpError()

    with pytest.raises(DmpError):
        await in_unit_of_work(session, failing_creation())
    assert await outbox_rows(session) == []


async def test_the_worker_delivers_over_smtp_once_with_a_stable_message_id(
    session, rt, sink, factory
):
    created = await a_dossier(session, rt)
    [row] = await outbox_rows(session, created.dossier_id)
    report = await deliver_due(factory, rt=rt)
    assert report.sent == 1
    [message] = sink.messages()
    assert message["To"] == EMAIL
    assert message["Message-ID"] == f"<outbox-{row.id}@dmp.example.fr>"
    assert "a été créé le 02/03/2026" in message.get_content()
    [row] = await outbox_rows(session, created.dossier_id)
    assert (row.status, row.payload_ct, row.sent_at) == ("sent", None, rt.clock.now())
    # Another round finds nothing to do: delivered once.
    assert (await deliver_due(factory, rt=rt)).handled == 0
    assert len(sink.messages()) == 1


async def test_a_relay_that_is_down_is_retried_with_exponential_backoff(
    session, rt, sink, factory, clock
):
    created = await a_dossier(session, rt)
    working_port = rt.settings.smtp_port
    rt.settings = rt.settings.model_copy(update={"smtp_port": free_port()})
    report = await deliver_due(factory, rt=rt)
    assert report.retried == 1
    [row] = await outbox_rows(session, created.dossier_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert row.last_error == "ConnectionRefusedError" or row.last_error.startswith("SMTP")
    assert "@" not in row.last_error  # the kind of failure, never the address

    assert (await deliver_due(factory, rt=rt)).handled == 0  # not before its time
    clock.advance(timedelta(seconds=30))
    await deliver_due(factory, rt=rt)
    [row] = await outbox_rows(session, created.dossier_id)
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=60)

    rt.settings = rt.settings.model_copy(update={"smtp_port": working_port})
    clock.advance(timedelta(seconds=60))
    assert (await deliver_due(factory, rt=rt)).sent == 1
    assert len(sink.messages()) == 1


def test_the_backoff_doubles_up_to_its_cap(rt):
    delays = [backoff(rt, n).total_seconds() for n in range(1, 10)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert max(delays) == rt.settings.outbox_backoff_cap_seconds


async def test_a_message_gives_up_after_the_last_attempt(session, rt, factory, clock):
    created = await a_dossier(session, rt)
    rt.settings = rt.settings.model_copy(
        update={"smtp_port": free_port(), "outbox_max_attempts": 2}
    )
    await deliver_due(factory, rt=rt)
    clock.advance(timedelta(hours=1))
    report = await deliver_due(factory, rt=rt)
    assert report.failed == 1
    [row] = await outbox_rows(session, created.dossier_id)
    assert (row.status, row.payload_ct) == ("failed", None)


async def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(
    session, rt, sink, factory, clock
):
    from dmp.db.uow import unit_of_work
    from dmp.notifications.outbox import claim_due

    created = await a_dossier(session, rt)
    async with unit_of_work(factory) as db:
        [claimed] = await claim_due(db, rt=rt, limit=10)
    # The claiming worker is gone. Within the lease nobody touches the message…
    assert (await deliver_due(factory, rt=rt)).handled == 0
    clock.advance(timedelta(seconds=rt.settings.outbox_lease_seconds))
    assert (await deliver_due(factory, rt=rt)).sent == 1
    [row] = await outbox_rows(session, created.dossier_id)
    assert row.id == claimed.id and row.attempts == 2
    assert len(sink.messages()) == 1


async def test_an_expired_code_is_dropped_not_sent_late(session, rt, factory, clock, sink):
    from dmp.auth.accounts import Channel
    from dmp.auth.delivery import deliver_after_commit, login_code_notice

    deliver_after_commit(
        session,
        rt=rt,
        channel=Channel.EMAIL,
        destination=EMAIL,
        notice=login_code_notice("123456", 10),
    )
    await session.flush()  # committed, but the request's own delivery never ran (crash)
    clock.advance(timedelta(minutes=11))
    report = await deliver_due(factory, rt=rt)
    assert report.expired == 1
    assert sink.messages() == []
    [row] = await outbox_rows(session)
    assert (row.status, row.payload_ct) == ("expired", None)


class _RefusingRelay:
    async def handle_RCPT(self, server, session, envelope, address, options):
        return "550 5.1.1 mailbox unavailable"


async def test_an_address_the_relay_refuses_fails_at_once(session, rt, factory):
    from aiosmtpd.controller import Controller

    port = free_port()
    relay = Controller(_RefusingRelay(), hostname="127.0.0.1", port=port)
    relay.start()
    try:
        rt.settings = rt.settings.model_copy(update={"smtp_port": port})
        created = await a_dossier(session, rt)
        report = await deliver_due(factory, rt=rt)
    finally:
        relay.stop()
    assert report.failed == 1
    [row] = await outbox_rows(session, created.dossier_id)
    assert (row.status, row.attempts, row.payload_ct) == ("failed", 1, None)
    assert row.last_error == "SMTPRecipientsRefused 550"


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (422, True), (401, False), (429, False), (503, False)]
)
async def test_the_sms_gateway_s_answer_says_whether_a_retry_can_help(status, permanent):
    import httpx

    from dmp.notifications.sms import HttpSmsGateway, SmsDeliveryFailed

    gateway = HttpSmsGateway(
        url="https://sms.example.fr/send",
        sender="DMP",
        transport=httpx.MockTransport(lambda _request: httpx.Response(status)),
    )
    with pytest.raises(SmsDeliveryFailed) as failure:
        await gateway.send(to="0612345678", text="x")
    assert failure.value.permanent is permanent
    assert failure.value.kind == f"HTTP {status}"
