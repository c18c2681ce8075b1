"""One document: its description in plain words, its content shown in the page (PDF
viewer, CDA as readable HTML, image, text), download, selections, archiving, masking,
deletion of one's own notes, and "Qui peut voir ce document ?"."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dmp.documents.audience import document_audience
from dmp.documents.cda_render import render_cda_html
from dmp.documents.export_files import extension_of, slug
from dmp.documents.organisation import select_document
from dmp.documents.reading import read_document, read_document_content
from dmp.documents.schemas import AuthorKind, DocumentOut
from dmp.documents.service import archive_document, delete_document, unarchive_document
from dmp.documents.visibility import set_visibility
from dmp.errors import AccessDenied, DmpError
from dmp.policy import DocumentStatus, Reason, Visibility
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.portals.patient.context import PatientPage, see_other
from dmp.portals.patient.forms import attempt, checked
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

_INLINE = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image"}
_TEXT = "text/plain"
_CDA = frozenset({"text/xml", "application/xml", "application/hl7-v3+xml"})
# Refusals shown on the document page after a redirect, named in the URL.
PROBLEMS = {
    "non-masquable": (
        "Les données de remboursement ne peuvent pas être masquées : la loi veut que les "
        "professionnels qui vous soignent puissent toujours connaître les soins remboursés, "
        "pour éviter les examens en double et les interactions entre médicaments."
    ),
    "impossible": "Cette opération n'est pas possible sur ce document.",
}


def _url(document_id: uuid.UUID, tail: str = "") -> str:
    return f"/mon-dmp/documents/{document_id}{tail}"


def _kind(mime: str) -> str:
    mime = mime.split(";")[0].strip().lower()
    if mime in _CDA:
        return "cda"
    if mime == _TEXT:
        return "text"
    return _INLINE.get(mime, "other")


async def _read(patient: PatientPage, document_id: uuid.UUID) -> DocumentOut:
    return await read_document(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        document_id=document_id,
    )


def _own(document: DocumentOut) -> bool:
    return document.author.kind is AuthorKind.PATIENT


@router.get("/mon-dmp/documents/{document_id}", response_class=HTMLResponse)
async def document_page(document_id: uuid.UUID, patient: PatientPage) -> HTMLResponse:
    document = await _read(patient, document_id)
    kind = _kind(document.mime)
    cda_html = text = None
    if kind in ("cda", "text"):
        content = await read_document_content(
            patient.session,
            rt=patient.rt,
            actor=patient.actor,
            dossier_id=patient.dossier_id,
            document_id=document_id,
        )
        if kind == "cda":
            cda_html = render_cda_html(content.data)
        else:
            text = content.data.decode("utf-8", errors="replace")
    active = patient.standing.active
    return patient.page(
        "patient/document.html",
        document.title,
        section="documents",
        doc=document,
        kind=kind,
        cda_html=cda_html,
        text=text,
        reimbursement=document.class_code == REIMBURSEMENT_CLASS,
        masked=Visibility.MASQUE_PS in document.visibility,
        can_change=active and document.status in (DocumentStatus.APPROVED, DocumentStatus.ARCHIVED),
        can_delete=active and _own(document) and document.status is not DocumentStatus.DEPRECATED,
        problem=PROBLEMS.get(patient.request.query_params.get("erreur", "")),
    )


async def _content(patient: PatientPage, document_id: uuid.UUID, *, inline: bool) -> Response:
    content = await read_document_content(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        document_id=document_id,
    )
    document = content.document
    mime = document.mime.split(";")[0].strip().lower()
    # Shown in the page only what a browser displays safely; anything else (a CDA's XML
    # among them) is always a download.
    shown = inline and (mime in _INLINE or mime == _TEXT)
    media_type = f"{mime}; charset=utf-8" if mime == _TEXT else mime
    if not shown and mime in _CDA:
        media_type = "application/xml"
    name = slug(document.title) + extension_of(mime)
    disposition = "inline" if shown else "attachment"
    return Response(
        content.data,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


@router.get("/mon-dmp/documents/{document_id}/contenu")
async def content_inline(document_id: uuid.UUID, patient: PatientPage) -> Response:
    return await _content(patient, document_id, inline=True)


@router.get("/mon-dmp/documents/{document_id}/telecharger")
async def content_download(document_id: uuid.UUID, patient: PatientPage) -> Response:
    return await _content(patient, document_id, inline=False)


@router.post("/mon-dmp/documents/{document_id}/selection")
async def selection(document_id: uuid.UUID, patient: PatientPage) -> Response:
    on = checked(await patient.form(), "selectionner")
    await select_document(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        document_id=document_id,
        selected=on,
    )
    return see_other(_url(document_id), done="selection-ajout" if on else "selection-retrait")


@router.post("/mon-dmp/documents/{document_id}/archivage")
async def archiving(document_id: uuid.UUID, patient: PatientPage) -> Response:
    on = checked(await patient.form(), "archiver")
    change = archive_document if on else unarchive_document
    try:
        async with attempt(patient.session):
            await change(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                document_id=document_id,
            )
    except AccessDenied:
        raise
    except DmpError:  # already archived (or not): a second click, a stale page
        return see_other(_url(document_id), erreur="impossible")
    return see_other(_url(document_id), done="archive" if on else "desarchive")


@router.post("/mon-dmp/documents/{document_id}/masquage")
async def masking(document_id: uuid.UUID, patient: PatientPage) -> Response:
    on = checked(await patient.form(), "masquer")
    try:
        async with attempt(patient.session):
            await set_visibility(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                document_id=document_id,
                code=Visibility.MASQUE_PS,
                on=on,
            )
    except AccessDenied as refused:
        if refused.fields.get("reason") != Reason.UNMASKABLE.value:
            raise
        return see_other(_url(document_id), erreur="non-masquable")
    except DmpError:
        return see_other(_url(document_id), erreur="impossible")
    return see_other(_url(document_id), done="masque" if on else "demasque")


@router.get("/mon-dmp/documents/{document_id}/supprimer", response_class=HTMLResponse)
async def delete_page(document_id: uuid.UUID, patient: PatientPage) -> HTMLResponse:
    document = await _read(patient, document_id)
    return patient.page(
        "patient/document_delete.html",
        "Supprimer un document",
        section="documents",
        doc=document,
        own=_own(document),
    )


@router.post("/mon-dmp/documents/{document_id}/supprimer")
async def delete(document_id: uuid.UUID, patient: PatientPage) -> Response:
    await delete_document(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        document_id=document_id,
    )
    return see_other("/mon-dmp/documents", done="supprime")


@router.get("/mon-dmp/documents/{document_id}/qui-peut-voir", response_class=HTMLResponse)
async def audience_page(document_id: uuid.UUID, patient: PatientPage) -> HTMLResponse:
    audience = await document_audience(
        patient.session,
        rt=patient.rt,
        actor=patient.actor,
        dossier_id=patient.dossier_id,
        document_id=document_id,
    )
    document = audience.document
    return patient.page(
        "patient/audience.html",
        "Qui peut voir ce document ?",
        section="documents",
        doc=document,
        entries=audience.entries,
        masked=Visibility.MASQUE_PS in document.visibility,
        reimbursement=document.class_code == REIMBURSEMENT_CLASS,
        can_change=patient.standing.active
        and document.status in (DocumentStatus.APPROVED, DocumentStatus.ARCHIVED),
    )
