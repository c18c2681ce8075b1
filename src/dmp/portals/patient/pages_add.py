"""Adding a document under "Expression libre": a note typed in the page, or a file (PDF,
photo, text). The kind of document decides its type code; everything the patient side
deposits is filed under "Expression libre"."""

from __future__ import annotations

from datetime import datetime, time

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.errors import DmpError, TooLarge, UnsupportedMediaType
from dmp.policy import Visibility
from dmp.portals.patient.context import PatientPage, see_other
from dmp.portals.patient.formatting import PARIS, today_in_france
from dmp.portals.patient.forms import attempt, checked, parse_day, text, upload
from dmp.portals.patient.route import PatientRoute

router = APIRouter(route_class=PatientRoute, include_in_schema=False)

# The patient's kinds of documents (type codes of class 90/95 in type-codes.csv).
KINDS = {
    "EXPPAT_2": ("Note ou document personnel", "Vos questions, un journal de symptômes…"),
    "EXPPAT_3": (
        "Directives anticipées",
        "Vos volontés sur les soins en fin de vie, si vous ne pouviez plus les exprimer.",
    ),
    "EXPPAT_1": (
        "Volontés et droits (personne de confiance, don d'organes…)",
        "Par exemple le nom de votre personne de confiance.",
    ),
    "DOCPAT09": ("Document administratif", "Une attestation, un justificatif…"),
}
NOTE_LIMIT = 20_000
_SNIFF = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def _mime_of(data: bytes) -> str | None:
    """What the file is, from its first bytes (a browser's declared type is a guess)."""
    for magic, mime in _SNIFF:
        if data.startswith(magic):
            return mime
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def _form_page(
    patient: PatientPage, *, typed: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return patient.page(
        "patient/add.html",
        "Ajouter un document",
        status=status,
        section="ajouter",
        typed=typed,
        errors=errors,
        kinds=KINDS,
        limit_mb=patient.rt.settings.max_document_bytes // (1024 * 1024),
    )


@router.get("/mon-dmp/ajouter", response_class=HTMLResponse)
async def add_page(patient: PatientPage) -> HTMLResponse:
    kind = patient.request.query_params.get("type", "EXPPAT_2")
    typed = {"type": kind if kind in KINDS else "EXPPAT_2", "forme": "note"}
    return _form_page(patient, typed=typed, errors={})


def _typed(form: FormData) -> dict[str, str]:
    return {
        "forme": text(form, "forme", limit=10),
        "type": text(form, "type", limit=20),
        "titre": text(form, "titre", limit=400),
        "date": text(form, "date", limit=20),
        "note": text(form, "note", limit=NOTE_LIMIT + 1),
        "masquer": "oui" if checked(form, "masquer") else "",
    }


@router.post("/mon-dmp/ajouter", response_class=HTMLResponse)
async def add(patient: PatientPage) -> Response:
    form = await patient.form()
    typed = _typed(form)
    file = upload(form, "fichier")
    errors: dict[str, str] = {}
    if typed["type"] not in KINDS:
        errors["type"] = "Choisissez le genre de document."
    if not typed["titre"]:
        errors["titre"] = "Donnez un titre à votre document, par exemple « Mes questions »."
    elif len(typed["titre"]) > 300:
        errors["titre"] = "Le titre est trop long : 300 caractères au plus."
    day = today_in_france(patient.rt.clock.now())
    if typed["date"]:
        parsed = parse_day(typed["date"])
        if parsed is None:
            errors["date"] = "Date incorrecte : écrivez-la sous la forme 31/12/2025."
        elif parsed > day:
            errors["date"] = "La date ne peut pas être dans le futur."
        else:
            day = parsed
    content, mime = b"", None
    if typed["forme"] == "fichier":
        if file is None:
            errors["fichier"] = "Choisissez le fichier à ajouter."
        else:
            content = await file.read(patient.rt.settings.max_document_bytes + 1)
            mime = _mime_of(content)
            if not content:
                errors["fichier"] = "Ce fichier est vide."
            elif mime is None:
                errors["fichier"] = (
                    "Format non accepté : choisissez un PDF, une photo JPEG ou PNG, ou un texte."
                )
    elif typed["forme"] == "note":
        if not typed["note"]:
            errors["note"] = "Écrivez votre note."
        elif len(typed["note"]) > NOTE_LIMIT:
            errors["note"] = "La note est trop longue : 20 000 caractères au plus."
        content, mime = typed["note"].encode("utf-8"), "text/plain"
    else:
        errors["forme"] = "Choisissez entre écrire une note et envoyer un fichier."
    if errors or mime is None:
        return _form_page(patient, typed=typed, errors=errors, status=422)

    upload_in = DocumentIn(
        type_code=typed["type"],
        mime=mime,
        title=typed["titre"],
        creation_time=datetime.combine(day, time(12, 0), PARIS),
        visibility=frozenset({Visibility.MASQUE_PS}) if typed["masquer"] else None,
    )
    try:
        async with attempt(patient.session):
            added = await add_document(
                patient.session,
                rt=patient.rt,
                actor=patient.actor,
                dossier_id=patient.dossier_id,
                upload=upload_in,
                content=content,
            )
    except (TooLarge, UnsupportedMediaType) as refused:
        field = "fichier" if typed["forme"] == "fichier" else "note"
        errors[field] = refused.message(patient.lang)
        return _form_page(patient, typed=typed, errors=errors, status=422)
    except DmpError as refused:
        if refused.status == 403:
            raise
        errors["forme"] = refused.message(patient.lang)
        return _form_page(patient, typed=typed, errors=errors, status=422)
    return see_other(f"/mon-dmp/documents/{added.id}", done="ajoute")
