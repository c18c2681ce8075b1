"""The "Qui peut voir ce document ?" service agrees with what each person can really read."""

from __future__ import annotations

import pytest

from dmp.access.audience import Audience
from dmp.documents.audience import document_audience
from dmp.documents.reading import read_document
from dmp.errors import AccessDenied
from dmp.policy import Reason, Visibility
from tests.builders.access import a_known_professional, traces_of
from tests.builders.actors import patient
from tests.builders.documents import HOSPITAL_STAY, a_document, grant


async def test_each_answer_matches_the_real_read(session, rt, dossier_id):
    gp = await a_known_professional(session, rt, family_name="Lefèvre")
    pharmacist = await a_known_professional(session, rt, profession="21", family_name="Nguyen")
    author = await a_known_professional(session, rt, family_name="Benali")
    await grant(session, rt, dossier_id, gp.id, role="treating_physician")
    await grant(session, rt, dossier_id, pharmacist.id)
    masked = await a_document(
        session, rt, dossier_id, actor=author, type_code=HOSPITAL_STAY,
        visibility=frozenset({Visibility.MASQUE_PS}),
    )  # fmt: skip
    before = len(await traces_of(session, dossier_id))
    audience = await document_audience(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id, document_id=masked.id
    )
    assert len(await traces_of(session, dossier_id)) == before + 1  # the patient's read
    assert audience.document.id == masked.id
    professionals = {
        e.professional.national_id: e for e in audience.entries if e.professional is not None
    }
    assert professionals[gp.id].can_see
    assert professionals[pharmacist.id].reason is Reason.MASKED
    author_entry = next(e for e in audience.entries if e.audience is Audience.AUTHOR)
    assert author_entry.can_see

    await read_document(session, rt=rt, actor=gp, dossier_id=dossier_id, document_id=masked.id)
    await read_document(session, rt=rt, actor=author, dossier_id=dossier_id, document_id=masked.id)
    with pytest.raises(AccessDenied):
        await read_document(
            session, rt=rt, actor=pharmacist, dossier_id=dossier_id, document_id=masked.id
        )


async def test_a_professional_who_does_not_manage_the_dossier_may_not_ask(session, rt, dossier_id):
    pharmacist = await a_known_professional(session, rt, profession="21")
    await grant(session, rt, dossier_id, pharmacist.id)
    document = await a_document(session, rt, dossier_id)
    with pytest.raises(AccessDenied) as refused:
        await document_audience(
            session, rt=rt, actor=pharmacist, dossier_id=dossier_id, document_id=document.id
        )
    assert refused.value.fields["reason"] == Reason.NOT_MANAGER.value
