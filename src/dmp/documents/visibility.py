"""Confidentiality codes set and lifted after deposit: MASQUE_PS (masked to professionals),
INVISIBLE_PATIENT (pending an announcement consultation), INVISIBLE_REPRESENTANTS_LEGAUX
(a minor's request). Who may change which code is the policy's decision
(``DOCUMENT_MASK`` / ``DOCUMENT_VISIBILITY``); the combinations are checked here.

A code applies to the whole version chain: masking the current version while the
version it replaced stayed readable would show the same content anyway.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.documents import repository
from dmp.documents.errors import Unmaskable, VisibilityConflict
from dmp.documents.records import facts_of, set_visibility_flag, to_out, visibility_of
from dmp.documents.schemas import DocumentOut
from dmp.dossiers.service import get_dossier
from dmp.policy import Action, Actor, Visibility
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.runtime import Runtime

# Names of the changes in the metadata history.
_CHANGES = {
    (Visibility.MASQUE_PS, True): "masked",
    (Visibility.MASQUE_PS, False): "unmasked",
    (Visibility.INVISIBLE_PATIENT, True): "invisible_patient_set",
    (Visibility.INVISIBLE_PATIENT, False): "invisible_patient_lifted",
    (Visibility.INVISIBLE_REPRESENTANTS_LEGAUX, True): "invisible_representatives_set",
    (Visibility.INVISIBLE_REPRESENTANTS_LEGAUX, False): "invisible_representatives_lifted",
}
# The one combination the rules forbid (README: "never combined").
_EXCLUSIVE = {
    Visibility.MASQUE_PS: Visibility.INVISIBLE_PATIENT,
    Visibility.INVISIBLE_PATIENT: Visibility.MASQUE_PS,
}


async def set_visibility(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    code: Visibility,
    on: bool,
    doctor_present: bool = False,
) -> DocumentOut:
    """Sets (``on``) or lifts one confidentiality code on a document and the versions it
    replaced. A no-op change is traced but adds no metadata version."""
    dossier = await get_dossier(session, dossier_id)
    document = await repository.get_document(session, dossier_id, document_id, lock=True)
    action = Action.DOCUMENT_MASK if code is Visibility.MASQUE_PS else Action.DOCUMENT_VISIBILITY
    decision = await enforce(
        session,
        rt=rt,
        actor=actor,
        action=action,
        dossier=dossier,
        document=facts_of(document, actor),
        target=str(document.id),
        doctor_present=doctor_present,
    )
    versions = await repository.versions_of(session, dossier_id, document.logical_id, lock=True)
    if on:
        if any(v.class_code == REIMBURSEMENT_CLASS for v in versions):
            raise Unmaskable()
        exclusive = _EXCLUSIVE.get(code)
        if exclusive is not None and any(exclusive in visibility_of(v) for v in versions):
            raise VisibilityConflict()
    now = rt.clock.now()
    for version in versions:
        if (code in visibility_of(version)) == on:
            continue
        set_visibility_flag(version, code, on)
        version.metadata_version += 1
        version.updated_at = now
        repository.record_version(
            session, version, change=_CHANGES[(code, on)], actor=actor, at=now
        )
    await session.flush()
    selected = await repository.is_selected(session, dossier_id, document.id)
    return to_out(document, obligations=decision.obligations, selected=selected)
