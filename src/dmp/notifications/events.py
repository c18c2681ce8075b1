"""Turning an event of a dossier into outbox messages, in the event's own transaction.

Who is told: the holder, and while the holder is a minor the legal representatives
still in charge, each on their own contact channels. Which channels: those on file that
the dossier's ``notification_preferences`` leave on (``{"email": bool, "sms": bool}``,
plus ``"first_access": false`` to silence that optional notice). An event that is not
optional still reaches a person who switched every channel off, on their first channel.
Nobody reachable electronically at all: one postal letter (a PDF in the letters queue).

Each event has a stable key; an event already notified (``NotifiedEvent``) is not
notified again, which is what makes "first access" first and break-glass notices one
per professional and day rather than one per document read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.db.engine import dialect_insert
from dmp.db.uow import after_commit
from dmp.dossiers.models import DossierRecord, LegalRepresentative
from dmp.dossiers.vault import open_json
from dmp.notifications import outbox
from dmp.notifications.models import NotifiedEvent
from dmp.notifications.templates import OPTIONAL_EVENTS, EventKind, Rendered, Role, render
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Recipient:
    role: Role
    name: str  # only for a postal letter's addressee
    email: str | None
    mobile: str | None
    representative_id: uuid.UUID | None = None

    @property
    def reachable(self) -> bool:
        return bool(self.email or self.mobile)


def _full_name(identity: dict[str, Any] | None) -> str:
    identity = identity or {}
    return f"{identity.get('given_names', '')} {identity.get('family_name', '')}".strip()


async def recipients_of(
    session: AsyncSession, *, rt: Runtime, dossier: DossierRecord
) -> list[Recipient]:
    """The holder first, then a minor's representatives in charge; contacts decrypted."""
    key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    contact = open_json(key, dossier.id, "contact", dossier.contact_ct) or {}
    identity = open_json(key, dossier.id, "identity", dossier.identity_ct)
    people = [
        Recipient(Role.HOLDER, _full_name(identity), contact.get("email"), contact.get("mobile"))
    ]
    if not dossier.is_minor:
        return people
    representatives = (
        await session.execute(
            select(LegalRepresentative)
            .where(
                LegalRepresentative.dossier_id == dossier.id,
                LegalRepresentative.ended_at.is_(None),
            )
            .order_by(LegalRepresentative.created_at)
        )
    ).scalars()
    for representative in representatives:
        own = open_json(key, dossier.id, "representative-contact", representative.contact_ct)
        who = open_json(key, dossier.id, "representative", representative.identity_ct)
        own = own or {}
        people.append(
            Recipient(
                Role.REPRESENTATIVE,
                _full_name(who),
                own.get("email"),
                own.get("mobile"),
                representative_id=representative.id,
            )
        )
    return people


def channels_for(
    recipient: Recipient, preferences: dict[str, Any], kind: EventKind
) -> list[tuple[str, str]]:
    available = [
        (channel, address)
        for channel, address in (("email", recipient.email), ("sms", recipient.mobile))
        if address
    ]
    chosen = [(c, a) for c, a in available if preferences.get(c, True) is not False]
    if kind in OPTIONAL_EVENTS:
        return chosen if preferences.get(kind.value, True) is not False else []
    return chosen or available[:1]


async def remember(
    session: AsyncSession, *, rt: Runtime, dossier_id: uuid.UUID, event_key: str, at: datetime
) -> bool:
    """Records that the event is being notified; False if it already was.

    Events known to be recorded are kept in ``rt.notified_events`` (a row is never
    deleted but with its dossier), added only once the transaction that saw or wrote
    the row has committed, so that a rolled-back notification is not taken as made."""
    member = (dossier_id, event_key)
    if member in rt.notified_events:
        return False

    async def known_from_now_on() -> None:
        rt.notified_events.add(member)

    known = await session.scalar(
        select(NotifiedEvent.event_key).where(
            NotifiedEvent.dossier_id == dossier_id, NotifiedEvent.event_key == event_key
        )
    )
    if known is not None:
        after_commit(session, known_from_now_on)
        return False
    statement = (
        dialect_insert(session)(NotifiedEvent)
        .values(dossier_id=dossier_id, event_key=event_key[:160], at=at)
        .on_conflict_do_nothing(index_elements=["dossier_id", "event_key"])
        .returning(NotifiedEvent.event_key)
    )
    after_commit(session, known_from_now_on)
    return (await session.execute(statement)).scalar_one_or_none() is not None


def _payload(rendered: Rendered) -> dict[str, Any]:
    return {"subject": rendered.subject, "body": rendered.body, "sms": rendered.sms}


async def notify_dossier_event(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier: DossierRecord,
    kind: EventKind,
    event_key: str,
    retention: str = "",
    only_representative: uuid.UUID | None = None,
    only_holder: bool = False,
) -> int:
    """Queues the notices of one event; returns how many messages were queued. An event
    about one account (its password) goes to that account's person only."""
    if dossier.wrapped_key is None:  # purged: nobody left to tell, nothing to decrypt
        return 0
    at = rt.clock.now()
    if not await remember(session, rt=rt, dossier_id=dossier.id, event_key=event_key, at=at):
        return 0
    preferences = dossier.notification_preferences or {}
    people = await recipients_of(session, rt=rt, dossier=dossier)
    if only_holder:
        people = people[:1]
    elif only_representative is not None:
        people = [p for p in people if p.representative_id == only_representative]
        if not people:
            return 0
    queued = 0
    for person in people:
        rendered = render(kind, role=person.role, at=at, retention=retention)
        for channel, address in channels_for(person, preferences, kind):
            message = outbox.new_message(
                rt,
                dossier_id=dossier.id,
                event=kind.value,
                event_key=event_key,
                channel=channel,
                address=address,
                payload=_payload(rendered),
            )
            queued += await outbox.enqueue(session, message)
    if any(person.reachable for person in people):
        return queued
    if kind in OPTIONAL_EVENTS and preferences.get(kind.value, True) is False:
        return queued
    addressee, role = people[0].name, people[0].role
    if role is Role.REPRESENTATIVE:
        addressee = f"{people[0].name} (représentant légal)"
    elif len(people) > 1:  # a minor whose representatives cannot be reached either
        role, addressee = Role.REPRESENTATIVE, f"Représentants légaux de {people[0].name}"
    rendered = render(kind, role=role, at=at, retention=retention)
    letter = outbox.new_message(
        rt,
        dossier_id=dossier.id,
        event=kind.value,
        event_key=event_key,
        channel="letter",
        address=addressee,
        payload=_payload(rendered),
    )
    return queued + await outbox.enqueue(session, letter)
