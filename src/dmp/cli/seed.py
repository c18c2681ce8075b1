"""A small believable world for the demo, built through the services (so it is traced):
an adult, a minor with a legal representative, a closed dossier, professionals of
several professions. Later domains extend ``seed_world`` with their own parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.cli.context import operator_actor
from dmp.cli.seed_content import professional_actor, seed_content
from dmp.dossiers.schemas import (
    ClosureReason,
    ConsentBy,
    ConsentIn,
    Contact,
    CreatedDossier,
    CreationChannel,
    DossierCreate,
    EmergencyContact,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.dossiers.service import close_dossier, create_dossier
from dmp.identity.directory import ProfessionalIn, upsert_professionals
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime

PROFESSIONALS = [
    ProfessionalIn(
        "810002345678",
        "10",
        "Lefèvre",
        "Claire",
        "Médecine générale",
        "1750000001",
        "Cabinet du Marais",
    ),
    ProfessionalIn(
        "810003456789",
        "10",
        "Benali",
        "Karim",
        "Médecine d'urgence",
        "1750000002",
        "SAU Hôpital Saint-Louis",
    ),
    ProfessionalIn(
        "810004567890", "21", "Nguyen", "Thi", None, "1750000003", "Pharmacie de la Bastille"
    ),
    ProfessionalIn(
        "810005678901", "60", "Moreau", "Sophie", None, None, "Cabinet infirmier Voltaire"
    ),
    ProfessionalIn("810006789012", "80", "Girard", "Lucas", None, None, "Cabinet de podologie"),
    ProfessionalIn(
        "810007890123", "40", "Rousseau", "Anne", None, None, "Cabinet dentaire Oberkampf"
    ),
    ProfessionalIn(
        "810008901234", "50", "Petit", "Julie", None, "1750000004", "Maternité des Lilas"
    ),
    ProfessionalIn(
        "810009012345",
        "10",
        "Durand",
        "Paul",
        "Régulation SAMU",
        "1750000005",
        "SAMU 75 — Centre 15",
    ),
]

# NIRs of fictitious people (keys computed by the rule, checked at creation).
ADULT_NIR = "269054958815780"
MINOR_NIR = "113097512345676"
CLOSED_NIR = "148127502612303"


@dataclass
class SeededWorld:
    professionals: list[ProfessionalIn] = field(default_factory=list)
    # (label, NIR, what creation returned: the login id and the initial password)
    patients: list[tuple[str, str, CreatedDossier]] = field(default_factory=list)
    documents: int = 0


async def seed_world(session: AsyncSession, *, rt: Runtime) -> SeededWorld:
    world = SeededWorld(professionals=PROFESSIONALS)
    await upsert_professionals(session, rt=rt, rows=PROFESSIONALS)
    gp = professional_actor(PROFESSIONALS[0])
    counter = Actor(
        kind=ActorKind.COUNTER_AGENT, id="guichet-cpam-75-01", display_name="Accueil CPAM Paris 11e"
    )

    adult = await create_dossier(
        session,
        rt=rt,
        actor=gp,
        request=DossierCreate(
            nir=ADULT_NIR,
            identity=Identity(
                family_name="Dupont",
                given_names="Marie",
                birth_date=date(1969, 5, 12),
                sex=Sex.FEMALE,
            ),
            channel=CreationChannel.PROFESSIONAL,
            consent=ConsentIn(given=True),
            contact=Contact(
                email="marie.dupont@example.org",
                mobile="0612345678",
                emergency_contacts=[
                    EmergencyContact(name="Jean Dupont", relation="époux", phone="0698765432")
                ],
            ),
        ),
    )
    world.patients.append(("Adulte — Marie Dupont", ADULT_NIR, adult))

    minor = await create_dossier(
        session,
        rt=rt,
        actor=counter,
        request=DossierCreate(
            nir=MINOR_NIR,
            identity=Identity(
                family_name="Dupont", given_names="Léo", birth_date=date(2013, 9, 3), sex=Sex.MALE
            ),
            channel=CreationChannel.COUNTER,
            consent=ConsentIn(
                given=True,
                by=ConsentBy.LEGAL_REPRESENTATIVE,
                representative=LegalRepresentativeIn(
                    family_name="Dupont",
                    given_names="Marie",
                    relation="mère",
                    contact=Contact(email="marie.dupont@example.org"),
                ),
            ),
        ),
    )
    world.patients.append(("Mineur — Léo Dupont (représentante : sa mère)", MINOR_NIR, minor))

    closed = await create_dossier(
        session,
        rt=rt,
        actor=counter,
        request=DossierCreate(
            nir=CLOSED_NIR,
            identity=Identity(
                family_name="Bernard",
                given_names="André",
                birth_date=date(1948, 12, 1),
                sex=Sex.MALE,
            ),
            channel=CreationChannel.COUNTER,
            consent=ConsentIn(given=True),
        ),
    )
    await close_dossier(
        session,
        rt=rt,
        actor=operator_actor(),
        dossier_id=closed.dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )
    world.patients.append(("Dossier fermé — André Bernard", CLOSED_NIR, closed))
    world.documents = await seed_content(
        session,
        rt=rt,
        professionals=PROFESSIONALS,
        adult=(adult.dossier_id, _holder_side(ActorKind.PATIENT, adult)),
        minor=(minor.dossier_id, _holder_side(ActorKind.LEGAL_REPRESENTATIVE, minor)),
        operator=operator_actor(),
    )
    return world


def _holder_side(kind: ActorKind, created: CreatedDossier) -> Actor:
    # The seed acts as the person would from the portal, through their own dossier.
    return Actor(kind=kind, id=f"demo:{created.login_id}", dossier_id=str(created.dossier_id))
