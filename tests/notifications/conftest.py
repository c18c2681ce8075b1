"""The real SMTP sink on a free port, the runtime pointed at it, and outbox helpers."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.notifications.models import OutboxMessage
from dmp.notifications.sealing import open_payload
from dmp.notifications.sink import MailSink
from dmp.notifications.sms import FileSmsSink
from dmp.runtime import Runtime
from tests.builders.feeds import savepoint_factory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sink(tmp_path, rt) -> Iterator[MailSink]:
    port = free_port()
    mail = MailSink(tmp_path / "mail", port=port)
    mail.start()
    rt.settings = rt.settings.model_copy(update={"smtp_port": port, "smtp_timeout_seconds": 5})
    try:
        yield mail
    finally:
        mail.stop()


@pytest.fixture
def factory(session):
    return savepoint_factory(session)


def sms_received(rt: Runtime) -> list[dict[str, Any]]:
    return FileSmsSink(rt.settings.effective_sms_dir).messages()


async def outbox_rows(
    session: AsyncSession, dossier_id: uuid.UUID | None = None
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
    if dossier_id is not None:
        query = query.where(OutboxMessage.dossier_id == dossier_id)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        await session.refresh(row)
    return rows


def payload_of(rt: Runtime, row: OutboxMessage) -> dict[str, Any]:
    assert row.payload_ct is not None
    return open_payload(rt, row.id, row.payload_ct)
