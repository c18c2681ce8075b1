"""Helpers for the login tests: accounts with contact channels, reading the codes that
were "received" (SMS files, the SMTP sink), running what waits for the commit."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import Channel
from dmp.auth.login import complete_login
from dmp.auth.patients import begin_patient_login
from dmp.auth.sessions import OpenedSession, resolve_session
from dmp.config import Settings
from dmp.db.uow import _AFTER_COMMIT_KEY
from dmp.dossiers.schemas import Contact, CreatedDossier
from dmp.notifications.sink import MailSink
from dmp.notifications.sms import FileSmsSink
from dmp.runtime import Runtime
from tests.builders.dossiers import a_dossier, adult_request

EMAIL = "jeanne.martin@example.org"
MOBILE = "0612345678"
NEW_PASSWORD = "Une phrase de passe bien longue 42"
_CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Mailbox:
    sink: MailSink
    port: int

    def messages_to(self, address: str) -> list[Any]:
        return [m for m in self.sink.messages() if address in str(m["To"])]

    def last_code(self, address: str) -> str:
        message = self.messages_to(address)[-1]
        return code_in(message.get_content())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def code_in(text: str) -> str:
    match = _CODE.search(text)
    assert match, text
    return match.group(1)


async def deliver(session: AsyncSession) -> None:
    """What the unit of work does after a commit: the test session never commits."""
    for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
        await callback()


def sms_sent(settings: Settings) -> list[dict[str, Any]]:
    return FileSmsSink(settings.effective_sms_dir).messages()


def last_sms_code(settings: Settings) -> str:
    return code_in(sms_sent(settings)[-1]["text"])


async def a_patient(
    session: AsyncSession,
    rt: Runtime,
    *,
    email: str | None = EMAIL,
    mobile: str | None = MOBILE,
    **overrides: Any,
) -> CreatedDossier:
    contact = Contact(email=email, mobile=mobile)
    return await a_dossier(session, rt, request=adult_request(contact=contact, **overrides))


async def sms_login(
    session: AsyncSession, rt: Runtime, *, login_id: str, password: str
) -> OpenedSession:
    """Password, then the code read from the SMS file sink."""
    started = await begin_patient_login(
        session, rt=rt, login_id=login_id, password=password, channel=Channel.SMS
    )
    await deliver(session)
    return await complete_login(
        session, rt=rt, challenge_id=started.challenge_id, code=last_sms_code(rt.settings)
    )


async def signed_in(session: AsyncSession, rt: Runtime, created: CreatedDossier) -> Any:
    """A patient past the first login (temporary password replaced): a usable session."""
    from dmp.auth.credentials import change_password

    opened = await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )
    view = await resolve_session(session, rt=rt, token=opened.token)
    await change_password(session, rt=rt, view=view, new_password=NEW_PASSWORD)
    return await resolve_session(session, rt=rt, token=opened.token), opened.token
