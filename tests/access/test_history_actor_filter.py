"""The holder's history keeps, on request, only what professionals did."""

from __future__ import annotations

from dmp.access.service import authorize_professional
from dmp.audit.history import read_access_history
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.policy import ActorKind
from tests.builders.access import a_known_professional
from tests.builders.actors import patient
from tests.builders.dossiers import a_dossier


async def test_only_the_professionals_accesses(session, rt):
    created = await a_dossier(session, rt)
    holder = patient(created.dossier_id)
    doctor = await a_known_professional(session, rt, family_name="Laennec")
    await authorize_professional(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, professional_id=doctor.id
    )
    await search_documents(
        session, rt=rt, actor=doctor, dossier_id=created.dossier_id, query=DocumentSearch()
    )
    professionals = frozenset({ActorKind.PROFESSIONAL, ActorKind.REGULATOR})
    page = await read_access_history(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id, actor_kinds=professionals
    )
    assert [(e.actor_kind, e.action) for e in page.entries] == [
        ("professional", "dossier:document:list")
    ]
    everything = await read_access_history(
        session, rt=rt, actor=holder, dossier_id=created.dossier_id
    )
    assert {e.actor_kind for e in everything.entries} >= {
        "patient",
        "professional",
        "counter_agent",
    }
