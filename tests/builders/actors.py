"""Actors as the authentication layer would produce them."""

from __future__ import annotations

from dmp.policy import AccessMode, Actor, ActorKind


def professional(
    national_id: str = "810003461033",
    profession: str = "10",
    name: str = "Dr Marie Curie",
    mode: AccessMode = AccessMode.NORMAL,
    reason: str | None = None,
) -> Actor:
    return Actor(
        kind=ActorKind.PROFESSIONAL,
        id=national_id,
        display_name=name,
        profession=profession,
        mode=mode,
        break_glass_reason=reason,
    )


def regulator(national_id: str = "810009999991") -> Actor:
    return Actor(
        kind=ActorKind.REGULATOR,
        id=national_id,
        display_name="Dr Régulateur SAMU",
        profession="10",
        mode=AccessMode.REGULATION,
    )


def patient(dossier_id: object, account_id: str = "holder-account") -> Actor:
    return Actor(kind=ActorKind.PATIENT, id=account_id, dossier_id=str(dossier_id))


def representative(dossier_id: object, account_id: str = "rep-account") -> Actor:
    return Actor(kind=ActorKind.LEGAL_REPRESENTATIVE, id=account_id, dossier_id=str(dossier_id))


def counter_agent(agent_id: str = "agent-cpam-75-01") -> Actor:
    return Actor(kind=ActorKind.COUNTER_AGENT, id=agent_id, display_name="Accueil CPAM Paris")


def operator() -> Actor:
    return Actor(kind=ActorKind.OPERATOR, id="operator", display_name="Exploitant")
