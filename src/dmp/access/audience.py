"""Who can see one document now, and why: the answer to the patient's "Qui peut voir ce
document ?", computed by asking ``policy.decide`` for each person and role the dossier
knows (the holder, the legal representatives, the author, every professional with a
standing on the dossier) and for the roles that could come (a professional in an
emergency, the SAMU regulator, any other professional, the parties the law excludes).

``document_audience`` is pure: it never repeats a rule, it only builds the facts of each
candidate and reads the decision, so the list can never disagree with enforcement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import context_for
from dmp.access.facts import load_dossier_facts
from dmp.access.repository import standings
from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.dossiers.models import Dossier
from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    Context,
    Decision,
    DocumentFacts,
    DossierFacts,
    Reason,
    decide,
)
from dmp.runtime import Runtime

# Emergencies are shown for a physician, the profession the emergency services send and
# the one the habilitation matrix lets read almost every type.
EXAMPLE_EMERGENCY_PROFESSION = "10"


class Audience(StrEnum):
    HOLDER = "holder"
    LEGAL_REPRESENTATIVES = "legal_representatives"
    AUTHOR = "author"
    PROFESSIONAL = "professional"
    BREAK_GLASS = "break_glass"
    REGULATION = "regulation"
    OTHER_PROFESSIONALS = "other_professionals"
    EXCLUDED = "excluded"  # employers, insurers, banks, occupational medicine


class Basis(StrEnum):
    """On what ground an allowed professional reads the document."""

    AUTHOR = "author"
    TREATING_PHYSICIAN = "treating_physician"
    ADMINISTRATOR = "administrator"
    AUTHORIZED = "authorized"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class AudienceEntry:
    audience: Audience
    can_see: bool
    reason: Reason  # the policy's reason: ``allowed`` or why not
    basis: Basis | None = None  # for an allowed professional
    professional: ProfessionalAccess | None = None


def _neutral(dossier: DossierFacts) -> DossierFacts:
    return replace(
        dossier,
        actor_is_holder=False,
        actor_is_legal_representative=False,
        actor_authorization=None,
        actor_is_treating_physician=False,
        actor_is_administrator=False,
    )


def _as_seen_by(document: DocumentFacts, actor_id: str) -> DocumentFacts:
    return replace(document, actor_is_author=document.author_id == actor_id)


def _entry(
    audience: Audience,
    decision: Decision,
    *,
    basis: Basis | None = None,
    professional: ProfessionalAccess | None = None,
) -> AudienceEntry:
    return AudienceEntry(audience, decision.allowed, decision.reason, basis, professional)


def _professional_entry(
    access: ProfessionalAccess, dossier: DossierFacts, document: DocumentFacts, context: Context
) -> AudienceEntry:
    actor = Actor(
        kind=ActorKind.PROFESSIONAL, id=access.national_id, profession=access.profession_code
    )
    facts = replace(
        dossier,
        actor_authorization=access.state,
        actor_is_treating_physician=access.role is ManagerRole.TREATING_PHYSICIAN,
        actor_is_administrator=access.role is ManagerRole.ADMINISTRATOR,
    )
    seen = _as_seen_by(document, access.national_id)
    decision = decide(actor, Action.DOCUMENT_READ, facts, seen, context)
    basis = None
    if decision.allowed:
        if seen.actor_is_author:
            basis = Basis.AUTHOR
        elif access.role is ManagerRole.TREATING_PHYSICIAN:
            basis = Basis.TREATING_PHYSICIAN
        elif access.role is ManagerRole.ADMINISTRATOR:
            basis = Basis.ADMINISTRATOR
        else:
            basis = Basis.AUTHORIZED
    return _entry(Audience.PROFESSIONAL, decision, basis=basis, professional=access)


def document_audience(
    *,
    dossier: DossierFacts,
    document: DocumentFacts,
    professionals: Sequence[ProfessionalAccess],
    context: Context,
    author_profession: str | None = None,
) -> list[AudienceEntry]:
    """Everyone who can or could see ``document``, in the order the patient reads them:
    their own side, the professionals they know, then emergencies and everyone else.
    ``dossier`` may carry any actor's relation: it is reset for each candidate."""
    base = _neutral(dossier)
    read = Action.DOCUMENT_READ
    entries = [
        _entry(
            Audience.HOLDER,
            decide(
                Actor(kind=ActorKind.PATIENT, id="holder"),
                read,
                replace(base, actor_is_holder=True),
                _as_seen_by(document, "holder"),
                context,
            ),
        )
    ]
    if base.is_minor:
        representative = Actor(kind=ActorKind.LEGAL_REPRESENTATIVE, id="representative")
        facts = replace(base, actor_is_legal_representative=True)
        seen = _as_seen_by(document, "representative")
        entries.append(
            _entry(
                Audience.LEGAL_REPRESENTATIVES,
                decide(representative, read, facts, seen, context),
            )
        )
    known = {p.national_id for p in professionals}
    author = document.author_id
    if author and not document.author_is_patient and author_profession and author not in known:
        actor = Actor(kind=ActorKind.PROFESSIONAL, id=author, profession=author_profession)
        decision = decide(actor, read, base, _as_seen_by(document, author), context)
        entries.append(_entry(Audience.AUTHOR, decision, basis=Basis.AUTHOR))
    entries += [_professional_entry(p, base, document, context) for p in professionals]

    emergency = Actor(
        kind=ActorKind.PROFESSIONAL,
        id="emergency",
        profession=EXAMPLE_EMERGENCY_PROFESSION,
        mode=AccessMode.BREAK_GLASS,
        break_glass_reason="urgence",
    )
    decision = decide(emergency, read, base, _as_seen_by(document, "emergency"), context)
    entries.append(
        _entry(
            Audience.BREAK_GLASS,
            decision,
            basis=Basis.EMERGENCY if decision.allowed else None,
        )
    )
    regulator = Actor(
        kind=ActorKind.REGULATOR,
        id="regulator",
        profession=EXAMPLE_EMERGENCY_PROFESSION,
        mode=AccessMode.REGULATION,
    )
    decision = decide(regulator, read, base, _as_seen_by(document, "regulator"), context)
    entries.append(
        _entry(
            Audience.REGULATION,
            decision,
            basis=Basis.EMERGENCY if decision.allowed else None,
        )
    )
    anyone = Actor(kind=ActorKind.PROFESSIONAL, id="anyone", profession="10")
    entries.append(
        _entry(
            Audience.OTHER_PROFESSIONALS,
            decide(anyone, read, base, _as_seen_by(document, "anyone"), context),
        )
    )
    employer = Actor(kind=ActorKind.EMPLOYER, id="employer")
    entries.append(
        _entry(
            Audience.EXCLUDED,
            decide(employer, read, base, _as_seen_by(document, "employer"), context),
        )
    )
    return entries


async def load_document_audience(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier: Dossier,
    document: DocumentFacts,
    author_profession: str | None,
) -> list[AudienceEntry]:
    """The facts of the dossier and the standing of its professionals, then the pure
    computation. The caller has already decided (and traced) that the asker may know."""
    anybody = Actor(kind=ActorKind.SYSTEM, id="audience")
    facts = await load_dossier_facts(
        session, dossier=dossier, actor=anybody, today=rt.clock.now().date()
    )
    return document_audience(
        dossier=facts,
        document=document,
        professionals=await standings(session, dossier.id),
        context=context_for(rt),
        author_profession=author_profession,
    )


__all__ = [
    "Audience",
    "AudienceEntry",
    "Basis",
    "Reason",
    "document_audience",
    "load_document_audience",
]
