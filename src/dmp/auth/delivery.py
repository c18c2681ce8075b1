"""The texts of one-time codes and account notices, and their delivery after commit.

A code is sent only once the transaction that stored its hash has committed: a code
that reaches a phone always exists in the database. Delivery failures are logged
(without the code) and never undo the request; the person asks for another code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.accounts import Channel
from dmp.db.uow import after_commit
from dmp.notifications.email import EmailDeliveryFailed, EmailSender
from dmp.notifications.sms import SmsDeliveryFailed, sms_gateway_from
from dmp.runtime import Runtime

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")
_FOOTER = "\n\nCe message est envoyé automatiquement : merci de ne pas y répondre.\n"


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    email_body: str
    sms_text: str


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
    )


async def deliver(rt: Runtime, *, channel: Channel, destination: str, notice: Notice) -> None:
    if channel is Channel.EMAIL:
        await EmailSender.from_settings(rt.settings).send(
            to=destination, subject=notice.subject, body=notice.email_body
        )
    else:
        await sms_gateway_from(rt.settings, clock=rt.clock).send(
            to=destination, text=notice.sms_text
        )


def deliver_after_commit(
    session: AsyncSession, *, rt: Runtime, channel: Channel, destination: str, notice: Notice
) -> None:
    async def _send() -> None:
        try:
            await deliver(rt, channel=channel, destination=destination, notice=notice)
        except (EmailDeliveryFailed, SmsDeliveryFailed) as exc:
            log.warning("delivery of a notice by %s failed: %s", channel.value, exc)

    after_commit(session, _send)
