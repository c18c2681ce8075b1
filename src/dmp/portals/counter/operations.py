"""Operations on an existing DMP at the person's request: new credentials (with their
letter), closure, reactivation; and, for the support line, unlocking an account. Each
page says what was done, never what the dossier holds."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from dmp.auth.accounts import AccountKind
from dmp.auth.credentials import reissue_credentials, unlock_account, unlock_portal_account
from dmp.dossiers.schemas import ClosureReason, ConsentBy, ConsentIn, LegalRepresentativeIn
from dmp.dossiers.service import close_dossier, reactivate_dossier
from dmp.errors import DmpError, InvalidInput
from dmp.portals.counter.common import AgentSession, SupportSession, counter_router, page
from dmp.portals.i18n import request_language
from dmp.portals.staff.creation import credentials_letter_response
from dmp.portals.staff.messages import explain
from dmp.portals.staff.portal import Db, Rt, fail

router = counter_router()
Text = Annotated[str, Form()]
_PORTAL_ACCOUNTS = {"professional": AccountKind.PROFESSIONAL, "agent": AccountKind.AGENT}


def _confirmed(value: str, what: str) -> None:
    if not value:
        raise InvalidInput(detail=f"cochez la case de confirmation ({what})")


@router.post("/guichet/dmp/{dossier_id}/identifiants")
async def reissue(
    request: Request,
    dossier_id: uuid.UUID,
    view: AgentSession,
    session: Db,
    rt: Rt,
    nir: Text = "",
    family_name: Text = "",
    given_names: Text = "",
    new_login_id: Text = "",
) -> Response:
    issued = await reissue_credentials(
        session, rt=rt, actor=view.actor, dossier_id=dossier_id, new_identifier=bool(new_login_id)
    )
    letter = {
        "nir": nir.strip(),
        "family_name": family_name.strip(),
        "given_names": given_names.strip(),
        "login_id": issued.login_id,
        "password": issued.temporary_password,
        "at": rt.clock.now().isoformat(),
        "new_login_id": "on" if issued.new_login_id else "",
    }
    context = {"letter": letter, "issued": issued}
    return page(request, "counter/credentials.html", context, title="Nouveaux identifiants")


@router.post("/guichet/lettre-identifiants")
async def credentials_letter(request: Request, view: AgentSession) -> Response:
    return credentials_letter_response(await request.form())


@router.post("/guichet/dmp/{dossier_id}/fermeture")
async def close(
    request: Request,
    dossier_id: uuid.UUID,
    view: AgentSession,
    session: Db,
    rt: Rt,
    confirm: Text = "",
    delete_data: Text = "",
) -> Response:
    _confirmed(confirm, "la personne demande la fermeture de son DMP")
    summary = await close_dossier(
        session, rt=rt, actor=view.actor, dossier_id=dossier_id,
        reason=ClosureReason.PATIENT_REQUEST, request_deletion=bool(delete_data),
    )  # fmt: skip
    return page(request, "counter/closed.html", {"summary": summary}, title="DMP fermé")


@router.post("/guichet/dmp/{dossier_id}/reactivation")
async def reactivate(
    request: Request,
    dossier_id: uuid.UUID,
    view: AgentSession,
    session: Db,
    rt: Rt,
    consent: Text = "",
    rep_family_name: Text = "",
    rep_given_names: Text = "",
    rep_relation: Text = "",
) -> Response:
    representative = None
    if rep_family_name.strip() or rep_given_names.strip():
        try:
            representative = LegalRepresentativeIn(
                family_name=rep_family_name.strip(),
                given_names=rep_given_names.strip(),
                relation=rep_relation.strip() or "parent",
            )
        except ValueError:
            raise InvalidInput(detail="nom et prénom du représentant légal requis") from None
    summary = await reactivate_dossier(
        session, rt=rt, actor=view.actor, dossier_id=dossier_id,
        consent=ConsentIn(
            given=bool(consent),
            by=ConsentBy.LEGAL_REPRESENTATIVE if representative else ConsentBy.HOLDER,
            representative=representative,
        ),
    )  # fmt: skip
    return page(request, "counter/reactivated.html", {"summary": summary}, title="DMP réactivé")


@router.post("/guichet/dmp/{dossier_id}/deverrouillage")
async def unlock_patient(
    request: Request, dossier_id: uuid.UUID, view: SupportSession, session: Db, rt: Rt
) -> Response:
    await unlock_account(session, rt=rt, actor=view.actor, dossier_id=dossier_id)
    context = {"what": "Le compte de connexion du titulaire de ce DMP est déverrouillé."}
    return page(request, "counter/unlocked.html", context, title="Compte déverrouillé")


@router.get("/guichet/assistance/deverrouillage")
async def unlock_form(request: Request, view: SupportSession) -> Response:
    context = {"nav": "unlock", "identifier": "", "kind": "professional", "error": None}
    return page(request, "counter/unlock.html", context, title="Déverrouiller un compte")


@router.post("/guichet/assistance/deverrouillage")
async def unlock_portal(
    request: Request,
    view: SupportSession,
    session: Db,
    rt: Rt,
    kind: Text = "",
    identifier: Text = "",
) -> Response:
    try:
        account_kind = _PORTAL_ACCOUNTS.get(kind)
        if account_kind is None:
            raise InvalidInput(detail="choisissez le type de compte")
        await unlock_portal_account(
            session, rt=rt, actor=view.actor, kind=account_kind, identifier=identifier.strip()
        )
    except DmpError as error:
        fail(request, error)
        context = {
            "nav": "unlock",
            "identifier": identifier,
            "kind": kind,
            "error": explain(error, request_language(request)),
        }
        return page(
            request, "counter/unlock.html", context, title="Déverrouiller un compte",
            status=error.status,
        )  # fmt: skip
    context = {"what": "Le compte est déverrouillé : la personne peut se connecter à nouveau."}
    return page(request, "counter/unlocked.html", context, title="Compte déverrouillé")
