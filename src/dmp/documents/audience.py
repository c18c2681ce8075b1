"""The service behind "Qui peut voir ce document ?": the document as the asker may read
it, and everyone who can or could see it now with the policy's reason
(``access.audience``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.audience import AudienceEntry, load_document_audience
from dmp.access.enforce import enforce
from dmp.documents import repository
from dmp.documents.records import HOLDER_SIDE, facts_of, to_out
from dmp.documents.schemas import DocumentOut
from dmp.dossiers.service import get_dossier
from dmp.policy import Action, Actor
from dmp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class DocumentAudience:
    document: DocumentOut
    entries: list[AudienceEntry]


async def document_audience(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    doctor_present: bool = False,
) -> DocumentAudience:
    """For the patient side (and the dossier's managers): whoever may read the document
    may ask who else can. The list names the dossier's professionals, so anyone else
    must also be allowed to manage access; the patient side asks with a single trace."""
    dossier = await get_dossier(session, dossier_id)
    row = await repository.get_document(session, dossier_id, document_id)
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=Action.DOCUMENT_READ,
        dossier=dossier,
        document=facts_of(row, actor),
        target=str(row.id),
        doctor_present=doctor_present,
    )
    if actor.kind not in HOLDER_SIDE:
        await enforce(
            session,
            rt=rt,
            actor=actor,
            action=Action.ACCESS_MANAGE,
            dossier=dossier,
            target="audience",
        )
    entries = await load_document_audience(
        session,
        rt=rt,
        dossier=dossier,
        document=facts_of(row, actor),
        author_profession=row.author_profession,
    )
    selected = False
    if actor.kind in HOLDER_SIDE:
        selected = await repository.is_selected(session, dossier_id, row.id)
    return DocumentAudience(
        document=to_out(row, obligations=decision.obligations, selected=selected),
        entries=entries,
    )
