"""The list query agrees with the per-document rule (DESIGN.md §4): on the real database,
for generated dossiers and documents and a grid of actors, the documents a search
returns (filtered in SQL) are exactly those for which ``decide(...)`` allows reading.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmp.access.enforce import context_for
from dmp.access.facts import load_dossier_facts
from dmp.documents.models import Document
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.dossiers.models import Dossier
from dmp.errors import AccessDenied
from dmp.kit.ids import new_id
from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    DocumentFacts,
    DocumentStatus,
    Visibility,
    decide,
)
from tests.builders.actors import professional, regulator
from tests.builders.documents import feed, grant

# Types chosen so that professions disagree on them in the matrix (hospital stay and
# psychiatric synthesis are refused to a podiatrist, some to a dentist), plus the
# reimbursement history and a vaccination record.
TYPES = ["11488-4", "34112-3", "68599-0", "REMB", "11369-6", "18748-4", "57833-6"]
HOLDER_ID, REP_ID = "holder-account", "rep-account"
PROS = {
    "authorized": professional("810000000011", name="Dr Autorisé"),
    "treating": professional("810000000022", name="Dr Traitant"),
    "administrator": professional("810000000033", name="Dr Administrateur"),
    "blocked": professional("810000000044", name="Dr Bloqué"),
    "stranger": professional("810000000055", name="Dr Inconnu"),
    "pharmacist": professional("810000000066", profession="21", name="Pharmacien"),
    "dentist": professional("810000000077", profession="40", name="Dentiste"),
    "podiatrist": professional("810000000088", profession="80", name="Podologue"),
    "revoked": professional("810000000099", name="Dr Révoqué"),
}
GRANTS = {
    "authorized": ("authorized", None),
    "treating": ("authorized", "treating_physician"),
    "administrator": ("authorized", "administrator"),
    "blocked": ("blocked", None),
    "pharmacist": ("authorized", None),
    "dentist": ("authorized", None),
    "podiatrist": ("authorized", None),
    "revoked": ("revoked", None),
}
AUTHORS = [("professional", p.id) for p in PROS.values()] + [
    ("patient", HOLDER_ID),
    ("patient", REP_ID),
    ("feed", "cnam-sniiram"),
    ("professional", "8x"),
]


def actors(dossier_id: uuid.UUID) -> list[Actor]:
    mine = str(dossier_id)
    return [
        Actor(kind=ActorKind.PATIENT, id=HOLDER_ID, dossier_id=mine),
        Actor(kind=ActorKind.PATIENT, id="someone-else", dossier_id=str(new_id())),
        Actor(kind=ActorKind.LEGAL_REPRESENTATIVE, id=REP_ID, dossier_id=mine),
        *PROS.values(),
        professional("810000000055", mode=AccessMode.BREAK_GLASS, reason="Urgence vitale"),
        professional("810000000055", mode=AccessMode.BREAK_GLASS, reason=" "),
        professional("810000000044", mode=AccessMode.BREAK_GLASS, reason="Urgence"),
        professional("810000000088", profession="80", mode=AccessMode.BREAK_GLASS, reason="U"),
        regulator(),
        feed(),
        Actor(kind=ActorKind.COUNTER_AGENT, id="agent"),
        Actor(kind=ActorKind.INSURER, id="assureur"),
    ]


@dataclass(frozen=True)
class Spec:
    type_code: str
    status: DocumentStatus
    visibility: frozenset[Visibility]
    author: tuple[str, str]


specs = st.builds(
    Spec,
    type_code=st.sampled_from(TYPES),
    status=st.sampled_from(list(DocumentStatus)),
    visibility=st.frozensets(st.sampled_from(list(Visibility))),
    author=st.sampled_from(AUTHORS),
)
dossiers = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["active", "active", "closed"]),
        "is_minor": st.booleans(),
        "btg_consent": st.booleans(),
        "etreat_consent": st.booleans(),
        "masked_consent": st.booleans(),
        "legal_representative_doctor_only": st.booleans(),
    }
)


async def _dossier(session, rt, flags: dict) -> Dossier:
    dossier_id, now = new_id(), rt.clock.now()
    dossier = Dossier(
        id=dossier_id,
        ins_index=secrets.token_hex(16),
        wrapped_key=rt.keyring.wrap(rt.keyring.new_data_key(), dossier_id=str(dossier_id)),
        majority_on=date(2030, 1, 1) if flags["is_minor"] else None,
        created_at=now,
        creation_channel="counter",
        created_by_kind="counter_agent",
        created_by_id="agent",
        consent_by="holder",
        consent_at=now,
        consent_channel="counter",
        consent_recorded_by="agent",
        notification_preferences={},
        deletion_requested=False,
        version=1,
        **flags,
    )
    session.add(dossier)
    await session.flush()
    for name, (state, role) in GRANTS.items():
        await grant(session, rt, dossier_id, PROS[name].id, state=state, role=role)
    return dossier


def _row(dossier_id: uuid.UUID, index: int, spec: Spec) -> Document:
    from dmp.reference import document_types

    document_id, at = new_id(), datetime(2026, 1, 1, tzinfo=UTC)
    kind, author_id = spec.author
    return Document(
        dossier_id=dossier_id,
        id=document_id,
        unique_id=f"1.2.250.{index}",
        logical_id=document_id,
        version=1,
        status=spec.status.value,
        class_code=document_types()[spec.type_code].class_code,
        type_code=spec.type_code,
        format_code="urn:ihe:iti:xds-sd:pdf:2008",
        mime="application/pdf",
        size=1,
        sha256="0" * 64,
        title=f"Document {index}",
        creation_time=at,
        submitted_at=at,
        updated_at=at,
        author_kind=kind,
        author_id=author_id,
        author_name=author_id,
        language="fr-FR",
        masked_ps=Visibility.MASQUE_PS in spec.visibility,
        invisible_patient=Visibility.INVISIBLE_PATIENT in spec.visibility,
        invisible_legal_reps=Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in spec.visibility,
        search_title=f"document {index}",
        search_author=author_id,
        blob_key=f"{dossier_id}/{document_id.hex}",
        metadata_version=1,
    )


def _facts(spec: Spec, actor: Actor) -> DocumentFacts:
    kind, author_id = spec.author
    return DocumentFacts(
        type_code=spec.type_code,
        class_code=_row(new_id(), 0, spec).class_code,
        status=spec.status,
        visibility=spec.visibility,
        author_is_patient=kind == "patient",
        actor_is_author=author_id == actor.id,
        author_id=author_id,
    )


EVERY_STATUS = DocumentSearch(statuses=frozenset(DocumentStatus), limit=500)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(flags=dossiers, documents=st.lists(specs, max_size=14))
async def test_sql_filter_agrees_with_decide(session, rt, flags, documents):
    dossier = await _dossier(session, rt, flags)
    rows = [_row(dossier.id, i, spec) for i, spec in enumerate(documents)]
    session.add_all(rows)
    await session.flush()
    context = context_for(rt)
    for actor in actors(dossier.id):
        facts = await load_dossier_facts(
            session, dossier=dossier, actor=actor, today=rt.clock.now().date()
        )
        gate = decide(actor, Action.DOCUMENT_LIST, facts, None, context)
        try:
            page = await search_documents(
                session, rt=rt, actor=actor, dossier_id=dossier.id, query=EVERY_STATUS
            )
        except AccessDenied:
            assert not gate.allowed, actor
            continue
        assert gate.allowed, actor
        listed = {item.id for item in page.items}
        for action in (Action.DOCUMENT_LIST, Action.DOCUMENT_READ):
            readable = {
                row.id
                for row, spec in zip(rows, documents, strict=True)
                if decide(actor, action, facts, _facts(spec, actor), context).allowed
            }
            assert listed == readable, (actor, action)
