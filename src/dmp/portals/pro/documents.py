"""One document as a professional reads it: the same page as the patient's (metadata in
plain words, the content shown inline, download) minus the patient's own management
(archive, selections), plus what a professional may do: replace or delete their own
document, hide it from the patient pending an announcement consultation, hide it from a
minor's legal representatives, mask it (treating physicians and administrators)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from dmp.access.standing import own_standing
from dmp.documents.cda_render import render_cda_html
from dmp.documents.formats import DECLARED_TYPES, Kind
from dmp.documents.reading import read_document, read_document_content
from dmp.documents.schemas import AuthorKind, DocumentOut
from dmp.errors import DmpError
from dmp.policy import DocumentStatus, Obligation, Visibility
from dmp.policy.vocabulary import REIMBURSEMENT_CLASS
from dmp.portals.pro.common import Dossier, OnDossier, page, pro_router
from dmp.portals.staff.portal import Db, Rt

router = pro_router()

# What the browser may show inline; XML is never served as a page (it is rendered).
_INLINE = {Kind.PDF: "pdf", Kind.JPEG: "image", Kind.PNG: "image", Kind.TEXT: "text"}
_SAFE_FILENAME = "".join(chr(c) for c in range(0x30, 0x3A)) + "abcdefghijklmnopqrstuvwxyz-"
_EXTENSIONS = {
    Kind.PDF: "pdf",
    Kind.JPEG: "jpg",
    Kind.PNG: "png",
    Kind.TEXT: "txt",
    Kind.CDA: "xml",
}
NOTICES = {
    "remplacement": "Le document a été remplacé : voici sa nouvelle version.",
    "visibilite": "La visibilité du document a été modifiée.",
}


def kind_of(document: DocumentOut) -> Kind | None:
    return DECLARED_TYPES.get(document.mime)


def filename_of(document: DocumentOut) -> str:
    """An ASCII file name made from the title (no user text in a header otherwise)."""
    base = "".join(c if c in _SAFE_FILENAME else "-" for c in document.title.lower())
    base = "-".join(part for part in base.split("-") if part)[:60] or "document"
    kind = kind_of(document)
    return f"{base}.{_EXTENSIONS.get(kind, 'bin') if kind else 'bin'}"


def is_author(on: OnDossier, document: DocumentOut) -> bool:
    return (
        document.author.kind is AuthorKind.PROFESSIONAL and document.author.id == on.view.actor.id
    )


def visibility_actions(
    document: DocumentOut, *, author: bool, manager: bool
) -> list[dict[str, Any]]:
    """The switches this professional is offered; the policy still decides on submit."""
    if document.status is not DocumentStatus.APPROVED or document.class_code == REIMBURSEMENT_CLASS:
        return []
    codes = document.visibility
    actions = []
    if author or manager:
        hidden = Visibility.INVISIBLE_PATIENT in codes
        if Visibility.MASQUE_PS not in codes:
            actions.append(
                {"code": Visibility.INVISIBLE_PATIENT.value, "on": not hidden,
                 "label": "Rendre visible au patient" if hidden else
                 "Rendre invisible au patient (en attendant la consultation d'annonce)"}
            )  # fmt: skip
        hidden = Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in codes
        actions.append(
            {"code": Visibility.INVISIBLE_REPRESENTANTS_LEGAUX.value, "on": not hidden,
             "label": "Rendre visible aux représentants légaux" if hidden else
             "Masquer aux représentants légaux (à la demande du patient mineur)"}
        )  # fmt: skip
    if manager and Visibility.INVISIBLE_PATIENT not in codes:
        masked = Visibility.MASQUE_PS in codes
        actions.append(
            {"code": Visibility.MASQUE_PS.value, "on": not masked,
             "label": "Démasquer aux professionnels" if masked else "Masquer aux professionnels"}
        )  # fmt: skip
    return actions


@router.get("/pro/dmp/{dossier_id}/documents/{document_id}")
async def document_page(
    request: Request, document_id: uuid.UUID, on: Dossier, session: Db, rt: Rt
) -> Response:
    inline: Markup | str | None = None
    document = await read_document(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id
    )
    kind = kind_of(document)
    if kind in (Kind.CDA, Kind.TEXT):
        content = await read_document_content(
            session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id
        )
        if kind is Kind.CDA:
            try:
                inline = render_cda_html(content.data)
            except DmpError:
                inline = None  # shown as "download it": the stored XML was checked at deposit
        else:
            inline = content.data.decode("utf-8-sig", errors="replace")
    standing = await own_standing(session, actor=on.view.actor, dossier_id=on.dossier_id)
    manager = standing is not None and standing.role is not None
    author = is_author(on, document)
    context = {
        "document": document,
        "view": _INLINE.get(kind) if kind else None,
        "inline": inline,
        "is_cda": kind is Kind.CDA,
        "author": author,
        "current": document.status is DocumentStatus.APPROVED,
        "hidden_from_representatives": Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES
        in document.obligations,
        "visibility_actions": visibility_actions(document, author=author, manager=manager),
        "notice": NOTICES.get(request.query_params.get("fait", "")),
        "content_url": f"/pro/dmp/{on.dossier_id}/documents/{document.id}/contenu",
    }
    return page(request, "pro/document.html", context, title=document.title, on=on)


async def _content(
    session: Db, rt: Rt, on: OnDossier, document_id: uuid.UUID, *, download: bool
) -> Response:
    content = await read_document_content(
        session, rt=rt, actor=on.actor, dossier_id=on.dossier_id, document_id=document_id
    )
    document = content.document
    kind = kind_of(document)
    disposition = "attachment" if download or kind not in _INLINE else "inline"
    return Response(
        content.data,
        media_type=document.mime,
        # The portals' strict CSP and nosniff apply: content is never run as a page.
        headers={"Content-Disposition": f'{disposition}; filename="{filename_of(document)}"'},
    )


@router.get("/pro/dmp/{dossier_id}/documents/{document_id}/contenu")
async def document_content(document_id: uuid.UUID, on: Dossier, session: Db, rt: Rt) -> Response:
    return await _content(session, rt, on, document_id, download=False)


@router.get("/pro/dmp/{dossier_id}/documents/{document_id}/telecharger")
async def document_download(document_id: uuid.UUID, on: Dossier, session: Db, rt: Rt) -> Response:
    return await _content(session, rt, on, document_id, download=True)
