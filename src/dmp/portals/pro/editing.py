"""Feeding the DMP from the professional portal: add a document (an uploaded file with
metadata chosen from the reference lists), replace or delete one's own, and set or lift
the confidentiality codes a professional handles. Depositing needs no authorization
(feeding is not reading), so a blocked professional may still add a document."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from dmp.documents.formats import DECLARED_TYPES
from dmp.documents.reading import read_document
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document, delete_document, replace_document
from dmp.documents.visibility import set_visibility
from dmp.errors import DmpError, InvalidInput
from dmp.policy import Visibility
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.portals.i18n import request_language
from dmp.portals.pro.common import Dossier, OnDossier, page, pro_router
from dmp.portals.staff import PARIS
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import Db, Rt, fail
from dmp.reference import document_types, patient_categories
from dmp.runtime import Runtime

router = pro_router()

_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".xml": "text/xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
# Categories a professional does not deposit in: the patient's own and the feeds'.
_NOT_FOR_PROFESSIONALS = frozenset({"Expression libre", "Données de remboursement"})
Text = Annotated[str, Form()]


@cache
def type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The document types a professional may choose, grouped by the patient's categories
    in their usual order (reference data: a new type appears without a code change)."""
    groups: dict[str, list[tuple[str, str]]] = {c: [] for c in patient_categories()}
    for item in document_types().values():
        if (
            item.class_code == REIMBURSEMENT_CLASS
            or item.patient_category in _NOT_FOR_PROFESSIONALS
        ):
            continue
        groups.setdefault(item.patient_category, []).append((item.code, item.display))
    return [(name, sorted(types, key=lambda t: t[1])) for name, types in groups.items() if types]


def _mime_of(upload: UploadFile) -> str:
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared in DECLARED_TYPES:
        return declared
    name = (upload.filename or "").lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise InvalidInput(detail="format non accepté : PDF, texte, XML (CDA), JPEG ou PNG")


def _creation_time(value: str, rt: Runtime) -> datetime:
    try:
        day = date.fromisoformat(value) if value else rt.clock.now().astimezone(PARIS).date()
    except ValueError:
        raise InvalidInput(detail="date du document illisible") from None
    # Noon in Paris: the form gives a day; noon keeps it the same day in every zone.
    return datetime.combine(day, time(12), tzinfo=PARIS)


def _values(data: Mapping[str, Any], rt: Runtime) -> dict[str, str]:
    today = rt.clock.now().astimezone(PARIS).date().isoformat()
    return {
        "type_code": str(data.get("type_code") or ""),
        "title": str(data.get("title") or "").strip(),
        "creation_date": str(data.get("creation_date") or today),
        "invisible_patient": "on" if data.get("invisible_patient") else "",
        "invisible_representatives": "on" if data.get("invisible_representatives") else "",
    }


def _upload_in(
    values: dict[str, str], upload: UploadFile, rt: Runtime, on: OnDossier, *, new: bool
) -> DocumentIn:
    known = document_types().get(values["type_code"])
    if known is None:
        raise InvalidInput(detail="choisissez le type du document dans la liste")
    visibility: frozenset[Visibility] | None = None
    if new:
        codes = set()
        if values["invisible_patient"]:
            codes.add(Visibility.INVISIBLE_PATIENT)
        if values["invisible_representatives"]:
            codes.add(Visibility.INVISIBLE_REPRESENTANTS_LEGAUX)
        visibility = frozenset(codes) or None
    actor = on.view.actor
    return DocumentIn(
        type_code=known.code,
        mime=_mime_of(upload),
        title=values["title"] or known.display,
        creation_time=_creation_time(values["creation_date"], rt),
        visibility=visibility,
        author_specialty=actor.specialty,
        author_structure_id=actor.structure,
    )


def _form(
    request: Request, on: OnDossier, values: dict[str, str], *, replacing: Any = None,
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "values": values,
        "choices": type_choices(),
        "replacing": replacing,
        "error": error,
        "max_megabytes": 20,
    }
    title = "Remplacer un document" if replacing else "Ajouter un document"
    return page(request, "pro/upload.html", context, title=title, status=status, on=on)


@router.get("/pro/dmp/{dossier_id}/documents/ajout")
async def add_form(request: Request, on: Dossier, rt: Rt) -> Response:
    values = _values({}, rt)
    values["type_code"] = request.query_params.get("type", "")
    return _form(request, on, values)


@router.post("/pro/dmp/{dossier_id}/documents/ajout")
async def add(
    request: Request, on: Dossier, session: Db, rt: Rt, file: Annotated[UploadFile, File()]
) -> Response:
    values = _values(await request.form(), rt)
    try:
        upload = _upload_in(values, file, rt, on, new=True)
        document = await add_document(
            session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, upload=upload,
            content=await file.read(),
        )  # fmt: skip
    except DmpError as error:
        fail(request, error)
        message = explain(error, request_language(request))
        return _form(request, on, values, error=message, status=error.status)
    context = {"document": document}
    return page(request, "pro/deposited.html", context, title="Document ajouté", on=on)


@router.get("/pro/dmp/{dossier_id}/documents/{document_id}/remplacement")
async def replace_form(
    request: Request, document_id: uuid.UUID, on: Dossier, session: Db, rt: Rt
) -> Response:
    old = await read_document(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id
    )
    values = _values({"type_code": old.type_code, "title": old.title}, rt)
    return _form(request, on, values, replacing=old)


@router.post("/pro/dmp/{dossier_id}/documents/{document_id}/remplacement")
async def replace(
    request: Request,
    document_id: uuid.UUID,
    on: Dossier,
    session: Db,
    rt: Rt,
    file: Annotated[UploadFile, File()],
) -> Response:
    values = _values(await request.form(), rt)
    try:
        upload = _upload_in(values, file, rt, on, new=False)
        new = await replace_document(
            session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id,
            upload=upload, content=await file.read(),
        )  # fmt: skip
    except DmpError as error:
        fail(request, error)
        message = explain(error, request_language(request))
        replacing = {"id": document_id, "title": values["title"]}
        return _form(request, on, values, replacing=replacing, error=message, status=error.status)
    url = f"/pro/dmp/{on.dossier_id}/documents/{new.id}?fait=remplacement"
    return RedirectResponse(url, status_code=303)


@router.post("/pro/dmp/{dossier_id}/documents/{document_id}/suppression")
async def delete(
    document_id: uuid.UUID, on: Dossier, session: Db, rt: Rt, confirm: Text = ""
) -> Response:
    if not confirm:
        raise InvalidInput(detail="cochez la case de confirmation pour supprimer le document")
    await delete_document(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id
    )
    return RedirectResponse(f"/pro/dmp/{on.dossier_id}?fait=suppression", status_code=303)


@router.post("/pro/dmp/{dossier_id}/documents/{document_id}/visibilite")
async def visibility(
    document_id: uuid.UUID,
    on: Dossier,
    session: Db,
    rt: Rt,
    code: Text = "",
    on_: Annotated[str, Form(alias="on")] = "",
) -> Response:
    try:
        flag = Visibility(code)
    except ValueError:
        raise InvalidInput(detail="code de visibilité inconnu") from None
    await set_visibility(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id,
        code=flag, on=on_ == "1",
    )  # fmt: skip
    url = f"/pro/dmp/{on.dossier_id}/documents/{document_id}?fait=visibilite"
    return RedirectResponse(url, status_code=303)
