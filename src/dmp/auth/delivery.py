"""The texts of one-time codes and account notices, and their delivery after commit.

A notice is written to the transactional outbox in the request's transaction (sealed:
the outbox holds no address or code in clear), then sent right after the commit by the
request itself, so a code arrives as fast as before: a code that reaches a phone always
exists in the database. If that first attempt fails, the request still succeeds and the
worker retries with backoff until the code expires (an expired code is never sent).
Failures are logged without the code or the address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import Channel, Principal
from dmp.db.uow import after_commit
from dmp.dossiers.models import PatientAccount
from dmp.kit.ids import new_id
from dmp.notifications import hooks
from dmp.notifications.delivery import deliver_now
from dmp.notifications.outbox import PENDING, SENT, new_message
from dmp.runtime import Runtime

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")
_FOOTER = "\n\nCe message est envoyé automatiquement : merci de ne pas y répondre.\n"


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    email_body: str
    sms_text: str
    event: str = "account_notice"  # the outbox's event name (never the code)
    valid_for: timedelta | None = None  # one-time codes: not sent once expired


def login_code_notice(code: str, minutes: int) -> Notice:
    return Notice(
        subject="Votre code de connexion au DMP",
        email_body=(
            "Bonjour,\n\n"
            f"Votre code de connexion à votre Dossier Médical Partagé est : {code}\n\n"
            f"Il est valable {minutes} minutes et ne peut servir qu'une seule fois. "
            "Ne le communiquez à personne : aucun service ne vous le demandera.\n\n"
            "Si vous n'avez pas demandé à vous connecter, quelqu'un connaît peut-être votre "
            "mot de passe : changez-le dès votre prochaine connexion." + _FOOTER
        ),
        sms_text=(
            f"DMP : votre code de connexion est {code}. Valable {minutes} min, une seule fois. "
            "Ne le communiquez à personne."
        ),
        event="login_code",
        valid_for=timedelta(minutes=minutes),
    )


def contact_code_notice(code: str, minutes: int, channel: Channel) -> Notice:
    what = "adresse e-mail" if channel is Channel.EMAIL else "numéro de mobile"
    return Notice(
        subject="Confirmez votre nouvelle adresse e-mail",
        email_body=(
            "Bonjour,\n\n"
            f"Pour confirmer cette {what} dans votre Dossier Médical Partagé, saisissez le "
            f"code : {code}\n\nIl est valable {minutes} minutes et ne peut servir qu'une fois."
            "\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message." + _FOOTER
        ),
        sms_text=(
            f"DMP : code de confirmation de votre nouveau numéro : {code}. "
            f"Valable {minutes} min. Ignorez ce SMS si vous n'avez rien demandé."
        ),
        event="contact_code",
        valid_for=timedelta(minutes=minutes),
    )


def contact_changed_notice(channel: Channel, at: datetime) -> Notice:
    """Sent to the former channel, so a hijacked account does not go unnoticed."""
    what = "adresse e-mail" if channel is Channel.EMAIL else "numéro de mobile"
    when = at.astimezone(PARIS).strftime("%d/%m/%Y à %Hh%M")
    return Notice(
        subject="Modification de vos coordonnées DMP",
        email_body=(
            "Bonjour,\n\n"
            f"L'{what} de réception de vos codes de connexion au Dossier Médical Partagé a "
            f"été modifiée le {when}.\n\nSi vous n'êtes pas à l'origine de cette modification,"
            " contactez sans attendre l'assistance (DMP Info Service)." + _FOOTER
        ),
        sms_text=(
            f"DMP : votre {what} de connexion a été modifié(e) le {when}. Si ce n'est pas "
            "vous, contactez l'assistance DMP Info Service."
        ),
        event="contact_changed",
    )


def deliver_after_commit(
    session: AsyncSession, *, rt: Runtime, channel: Channel, destination: str, notice: Notice
) -> None:
    """Queues ``notice`` in the outbox (in ``session``'s transaction) and sends it once
    that transaction has committed."""
    now = rt.clock.now()
    message = new_message(
        rt,
        dossier_id=None,
        event=notice.event,
        event_key=f"{notice.event}:{new_id()}",  # each code sent is its own event
        channel=channel.value,
        address=destination,
        payload={"subject": notice.subject, "body": notice.email_body, "sms": notice.sms_text},
        expires_at=now + notice.valid_for if notice.valid_for else None,
        # The worker leaves it to the request for a while, then takes over if needed.
        not_before=now + timedelta(seconds=rt.settings.outbox_fast_path_grace_seconds),
    )
    session.add(message)

    async def _send() -> None:
        try:
            status = await deliver_now(session, rt=rt, message_id=message.id)
        except (
            Exception
        ) as exc:  # after the commit nothing may fail the request: the worker retries
            log.warning(
                "delivery of a notice by %s deferred to the worker: %s",
                channel.value,
                type(exc).__name__,
            )
            return
        if status not in (None, SENT):
            retry = " (the worker will retry)" if status == PENDING else ""
            log.warning("delivery of a notice by %s failed%s", channel.value, retry)

    after_commit(session, _send)


async def notify_password_changed(
    session: AsyncSession, *, rt: Runtime, principal: Principal
) -> None:
    """The notice of a changed password, through the outbox, to the account's person (a
    holder or a representative; professionals' and agents' accounts have no dossier)."""
    row = principal.row
    if principal.dossier is None or not isinstance(row, PatientAccount):
        return
    await hooks.password_changed(
        session,
        rt=rt,
        dossier=principal.dossier,
        account_id=row.id,
        representative_id=row.legal_representative_id,
    )
