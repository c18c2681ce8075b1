"""Downloading the whole DMP: a zip with a readable index page, every document the asker
may see, and a FHIR Bundle of the metadata; one trace."""

from __future__ import annotations

import io
import zipfile

import orjson
import pytest
from fhir.resources.R4B import get_fhir_model_class

from dmp.access.service import restrict_legal_representatives
from dmp.documents.export import export_dossier
from dmp.documents.service import archive_document
from dmp.dossiers.schemas import ClosureReason
from dmp.dossiers.service import close_dossier
from dmp.errors import AccessDenied
from dmp.policy import Visibility
from tests.builders.access import a_known_professional, traces_of
from tests.builders.actors import counter_agent, patient, representative
from tests.builders.documents import CDA, TEXT, a_document, grant
from tests.builders.dossiers import a_dossier, minor_request


def _open(buffer: io.BytesIO) -> zipfile.ZipFile:
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


async def test_the_holder_gets_every_current_and_archived_document(session, rt, dossier_id):
    holder = patient(dossier_id)
    report = await a_document(session, rt, dossier_id, title="Compte rendu — épaule")
    note = await a_document(
        session, rt, dossier_id, actor=holder, content=TEXT, type_code="EXPPAT_2",
        mime="text/plain", title="Mes questions",
    )  # fmt: skip
    await archive_document(session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=note.id)
    cda = await a_document(session, rt, dossier_id, content=CDA, mime="text/xml", title=None)
    before = len(await traces_of(session, dossier_id))

    buffer = io.BytesIO()
    summary = await export_dossier(session, rt=rt, actor=holder, dossier_id=dossier_id, out=buffer)
    traces = await traces_of(session, dossier_id)
    assert [t.action for t in traces[before:]] == ["dossier:download"]
    assert summary.documents == 3
    assert summary.filename.startswith("mon-dmp-jeanne-martin-") and summary.filename.endswith(
        ".zip"
    )
    archive = _open(buffer)
    names = archive.namelist()
    assert {"index.html", "metadonnees/bundle-fhir.json", "LISEZ-MOI.txt"} <= set(names)
    files = sorted(n for n in names if n.startswith("documents/"))
    assert len(files) == 3
    assert any(n.endswith("-compte-rendu-epaule.pdf") for n in files)
    assert archive.read(next(n for n in files if n.endswith(".txt"))) == TEXT
    assert archive.read(next(n for n in files if n.endswith(".xml"))) == CDA
    index = archive.read("index.html").decode()
    assert "Dossier Médical Partagé de Jeanne Martin" in index
    assert "Compte rendu — épaule" in index and "archivé" in index and "<script" not in index

    bundle = orjson.loads(archive.read("metadonnees/bundle-fhir.json"))
    get_fhir_model_class("Bundle").model_validate(bundle)
    urls = {e["resource"]["content"][0]["attachment"]["url"] for e in bundle["entry"]}
    assert urls == set(files)
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert ids == {str(report.id), str(note.id), str(cda.id)}


async def test_a_representative_copy_leaves_out_what_is_hidden_from_them(session, rt):
    created = await a_dossier(session, rt, request=minor_request())
    dossier_id = created.dossier_id
    await a_document(session, rt, dossier_id, title="Vaccination")
    await a_document(
        session, rt, dossier_id, title="Consultation confidentielle",
        visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX}),
    )  # fmt: skip
    buffer = io.BytesIO()
    parent = representative(dossier_id)
    summary = await export_dossier(session, rt=rt, actor=parent, dossier_id=dossier_id, out=buffer)
    assert summary.documents == 1
    assert "confidentielle" not in _open(buffer).read("index.html").decode()

    gp = await a_known_professional(session, rt)
    await grant(session, rt, dossier_id, gp.id, role="treating_physician")
    await restrict_legal_representatives(
        session, rt=rt, actor=gp, dossier_id=dossier_id, doctor_only=True
    )
    with pytest.raises(AccessDenied) as refused:
        await export_dossier(session, rt=rt, actor=parent, dossier_id=dossier_id, out=io.BytesIO())
    assert refused.value.fields["reason"] == "doctor_presence_required"


async def test_the_holder_of_a_closed_dossier_may_still_download_it(session, rt, dossier_id):
    await a_document(session, rt, dossier_id)
    await close_dossier(
        session, rt=rt, actor=counter_agent(), dossier_id=dossier_id,
        reason=ClosureReason.PATIENT_REQUEST,
    )  # fmt: skip
    buffer = io.BytesIO()
    summary = await export_dossier(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id, out=buffer
    )
    assert summary.documents == 1
    with pytest.raises(AccessDenied):
        await export_dossier(
            session, rt=rt, actor=counter_agent(), dossier_id=dossier_id, out=io.BytesIO()
        )
