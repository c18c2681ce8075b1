"""The demo's medical content and grants, deposited through the services like any other
(so the portals, the API and the traces show a believable record):

- Marie Dupont: her GP is her treating physician, the pharmacist and the nurse are
  authorized; a Volet de Synthèse Médicale, consultation reports, lab results, a
  prescription, a vaccination history, a MASKED psychiatric hospitalisation report, and
  a note of her own.
- Léo (a minor): a vaccination note, and a consultation report hidden from his legal
  representative at his request.
- Portal accounts for every professional and two agents, with the demo password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.schemas import ManagerRole
from dmp.access.service import authorize_professional, designate_treating_physician
from dmp.auth.professionals import enrol_agent, enrol_professional
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.identity.directory import ProfessionalIn
from dmp.kit.pdf import Line, text_pdf
from dmp.policy import Actor, ActorKind, Visibility
from dmp.runtime import Runtime

DEMO_PASSWORD = "Partage-Sante-Demo-2026"  # noqa: S105 - printed on purpose: demo only
COUNTER_LOGIN = "guichet.cpam75"
SUPPORT_LOGIN = "support.dmp"


@dataclass(frozen=True)
class DemoDocument:
    author: int  # index in PROFESSIONALS, or -1 for the patient
    type_code: str
    title: str
    days_ago: int
    body: list[str]
    visibility: frozenset[Visibility] = frozenset()


MARIE_DOCUMENTS = [
    DemoDocument(
        0,
        "60591-5",
        "Volet de synthèse médicale",
        20,
        [
            "Antécédents : hypertension artérielle depuis 2015, appendicectomie (1989).",
            "Allergies : pénicilline (urticaire).",
            "Traitement au long cours : amlodipine 5 mg, 1 comprimé le matin.",
            "Facteurs de risque : tabagisme sevré en 2018.",
        ],
    ),
    DemoDocument(
        0,
        "11488-4",
        "Consultation de suivi — hypertension",
        45,
        [
            "Motif : suivi tensionnel. TA 138/86 mmHg, FC 72/min.",
            "Conclusion : hypertension équilibrée, traitement poursuivi.",
        ],
    ),
    DemoDocument(
        0,
        "11502-2",
        "Bilan sanguin — glycémie, lipides, créatinine",
        60,
        [
            "Glycémie à jeun : 0,98 g/L. Cholestérol LDL : 1,32 g/L.",
            "Créatinine : 72 µmol/L, DFG estimé 88 mL/min/1,73 m².",
        ],
    ),
    DemoDocument(
        0,
        "57833-6",
        "Ordonnance — traitement antihypertenseur",
        45,
        [
            "Amlodipine 5 mg : 1 comprimé le matin pendant 3 mois, à renouveler 3 fois.",
        ],
    ),
    DemoDocument(
        0,
        "11369-6",
        "Historique des vaccinations",
        400,
        [
            "dTcaPolio : rappel en 2019. Grippe saisonnière : octobre 2025.",
        ],
    ),
    DemoDocument(
        1,
        "34112-3",
        "Hospitalisation en psychiatrie — compte rendu de séjour",
        900,
        [
            "Séjour du 3 au 24 mars 2024 pour épisode dépressif caractérisé.",
            "Évolution favorable sous traitement ; suivi ambulatoire organisé.",
        ],
        frozenset({Visibility.MASQUE_PS}),
    ),
    DemoDocument(
        3,
        "11506-3",
        "Suivi de soins infirmiers à domicile",
        10,
        [
            "Surveillance tensionnelle hebdomadaire : valeurs stables.",
        ],
    ),
    DemoDocument(
        -1,
        "74465-6",
        "Mes notes — questions pour mon médecin",
        5,
        [
            "Demander si je peux arrêter l'amlodipine pendant l'été.",
        ],
    ),
]
LEO_DOCUMENTS = [
    DemoDocument(6, "87273-9", "Note de vaccination — ROR", 300, ["ROR : deuxième dose."]),
    DemoDocument(
        0,
        "11488-4",
        "Consultation confidentielle",
        30,
        [
            "Consultation à la demande de l'adolescent, sans ses parents.",
        ],
        frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX}),
    ),
]


def professional_actor(pro: ProfessionalIn) -> Actor:
    return Actor(
        kind=ActorKind.PROFESSIONAL,
        id=pro.national_id,
        display_name=f"{pro.given_names} {pro.family_name}",
        profession=pro.profession_code,
        structure=pro.structure_id,
    )


def _pdf_of(doc: DemoDocument, author: str, when: datetime) -> bytes:
    lines: list[Line | str] = [f"Auteur : {author}", f"Date : {when:%d/%m/%Y}", ""]
    lines += doc.body
    lines += ["", Line("Document de démonstration : personne fictive.", size=9)]
    return text_pdf(doc.title, lines)


async def _deposit(
    session: AsyncSession,
    rt: Runtime,
    dossier_id: uuid.UUID,
    documents: list[DemoDocument],
    professionals: list[ProfessionalIn],
    holder: Actor,
) -> int:
    for doc in documents:
        when = rt.clock.now() - timedelta(days=doc.days_ago)
        actor = holder if doc.author < 0 else professional_actor(professionals[doc.author])
        author_name = "Le patient" if doc.author < 0 else actor.display_name
        pro = None if doc.author < 0 else professionals[doc.author]
        await add_document(
            session,
            rt=rt,
            actor=actor,
            dossier_id=dossier_id,
            upload=DocumentIn(
                type_code=doc.type_code,
                mime="application/pdf",
                title=doc.title,
                creation_time=when,
                service_start=when,
                visibility=doc.visibility or None,
                author_specialty=pro.specialty if pro else None,
                author_structure_id=pro.structure_id if pro else None,
                author_structure_name=pro.structure_name if pro else None,
            ),
            content=_pdf_of(doc, author_name, when),
        )
    return len(documents)


async def seed_content(
    session: AsyncSession,
    *,
    rt: Runtime,
    professionals: list[ProfessionalIn],
    adult: tuple[uuid.UUID, Actor],
    minor: tuple[uuid.UUID, Actor],
    operator: Actor,
) -> int:
    adult_id, marie = adult
    minor_id, mother = minor
    gp, pharmacist, nurse = professionals[0], professionals[2], professionals[3]
    await designate_treating_physician(
        session,
        rt=rt,
        actor=marie,
        dossier_id=adult_id,
        professional_id=gp.national_id,
        role=ManagerRole.TREATING_PHYSICIAN,
    )
    for pro in (pharmacist, nurse):
        await authorize_professional(
            session, rt=rt, actor=marie, dossier_id=adult_id, professional_id=pro.national_id
        )
    await authorize_professional(
        session, rt=rt, actor=mother, dossier_id=minor_id, professional_id=gp.national_id
    )
    count = await _deposit(session, rt, adult_id, MARIE_DOCUMENTS, professionals, marie)
    count += await _deposit(session, rt, minor_id, LEO_DOCUMENTS, professionals, mother)

    for pro in professionals:
        email = f"{pro.given_names}.{pro.family_name}@demo-sante.example".lower()
        email = email.replace("è", "e").replace("é", "e").replace(" ", "")
        await enrol_professional(
            session,
            rt=rt,
            actor=operator,
            national_id=pro.national_id,
            email=email,
            password=DEMO_PASSWORD,
        )
    await enrol_agent(
        session,
        rt=rt,
        actor=operator,
        login_id=COUNTER_LOGIN,
        kind=ActorKind.COUNTER_AGENT,
        display_name="Accueil CPAM Paris 11e",
        structure="CPAM de Paris",
        email="guichet.paris11@demo-cpam.example",
        password=DEMO_PASSWORD,
    )
    await enrol_agent(
        session,
        rt=rt,
        actor=operator,
        login_id=SUPPORT_LOGIN,
        kind=ActorKind.SUPPORT,
        display_name="DMP Info Service",
        email="support@demo-dmp.example",
        password=DEMO_PASSWORD,
    )
    return count
