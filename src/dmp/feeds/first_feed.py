"""The first feed of a new dossier: the Assurance Maladie writes its last 24 months of
care history 24 to 48 hours after creation. The job scheduled at creation asks the
configured source:

- ``none`` (production default): the insurer pushes the history to ``/feeds`` on its own
  schedule; the job only records that the dossier was ready for it;
- ``demo``: a small fictitious history, made up deterministically from the dossier id,
  so that a demonstration dossier shows its "Données de remboursement" at once.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.db.uow import unit_of_work
from dmp.dossiers.service import get_dossier
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.history_document import render_history_document
from dmp.feeds.reimbursements import store_for_dossier, today
from dmp.feeds.sections import CareLine, date_column, sections
from dmp.policy import DossierStatus
from dmp.runtime import Runtime

# Fictitious, plausible care of a demonstration patient (demo source only).
_DEMO_CARE: list[tuple[str, dict[str, str]]] = [
    ("pharmacie", {"libelle": "PARACETAMOL 1 G CPR", "dci": "paracétamol", "quantite": "2"}),
    ("pharmacie", {"libelle": "AMOXICILLINE 1 G CPR", "dci": "amoxicilline", "quantite": "1"}),
    ("pharmacie", {"libelle": "VACCIN GRIPPAL", "dci": "vaccin grippal", "quantite": "1"}),
    (
        "soins",
        {
            "code_acte": "G",
            "coefficient": "1",
            "libelle": "Consultation",
            "specialite": "Médecine générale",
        },
    ),
    (
        "soins",
        {
            "code_acte": "HBJD001",
            "coefficient": "1",
            "libelle": "Détartrage",
            "specialite": "Chirurgie dentaire",
        },
    ),
    ("biologie", {"code_nabm": "1104", "libelle": "Hémogramme", "quantite": "1"}),
    ("biologie", {"code_nabm": "0552", "libelle": "Glycémie", "quantite": "1"}),
    (
        "radiologie",
        {"code_acte": "ZBQK002", "coefficient": "1", "libelle": "Radiographie du thorax"},
    ),
    ("hospitalisation", {"duree_sejour_jours": "2", "nature_sejour": "Médecine"}),
]


def demo_history(dossier_id: uuid.UUID, *, nir: str, as_of: date) -> list[CareLine]:
    """About a dozen lines over the last two years, the same for the same dossier."""
    chance = random.Random(dossier_id.int)  # noqa: S311 - demo data, not a secret
    lines = []
    for index in range(12):
        section, values = _DEMO_CARE[index % len(_DEMO_CARE)]
        day = as_of - timedelta(days=chance.randint(1, 700))
        columns = sections()[section][1]
        filled = {date_column(section): day.isoformat(), **values}
        if chance.random() < 0.15:
            filled["hospital_flag"] = "H"
        ordered = tuple((c, filled.get(c, "")) for c in columns)
        lines.append(CareLine(nir, section, day, ordered, line_id=f"demo-{index}"))
    return lines


async def _history_for(session: AsyncSession, *, rt: Runtime, dossier_id: uuid.UUID) -> str:
    dossier = await get_dossier(session, dossier_id)
    if dossier.status != DossierStatus.ACTIVE.value:
        return "dossier non actif : rien à alimenter"
    lines = demo_history(dossier.id, nir="", as_of=today(rt))
    report = await store_for_dossier(
        session,
        rt=rt,
        actor=ASSURANCE_MALADIE,
        dossier=dossier,
        lines=list(enumerate(lines, start=1)),
    )
    if report.dossiers:
        await render_history_document(
            session, rt=rt, actor=ASSURANCE_MALADIE, dossier_id=dossier.id
        )
    return f"{report.stored} ligne(s) de démonstration"


async def run_first_feed(
    factory: async_sessionmaker[AsyncSession], *, rt: Runtime, dossier_id: uuid.UUID
) -> str:
    if rt.settings.effective_reimbursement_source == "none":
        return "en attente de l'envoi de l'Assurance Maladie"
    async with unit_of_work(factory) as session:
        return await _history_for(session, rt=rt, dossier_id=dossier_id)
