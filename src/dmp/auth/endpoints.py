"""``/api/auth``: login (password, then one-time code), session, password, contact
channels. Handlers translate and call one service; the services decide."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from dmp.auth.credentials import change_password
from dmp.auth.dependencies import (
    CurrentSession,
    Db,
    Rt,
    clear_session_cookie,
    current_actor,
    current_agent_actor,
    current_patient_actor,
    current_professional_actor,
    current_session,
    session_token_of,
    set_session_cookie,
)
from dmp.auth.login import CodeSent, LoginStarted, complete_login, send_login_code
from dmp.auth.passkeys import (
    PasskeyInfo,
    begin_passkey_enrolment,
    begin_passkey_login,
    complete_passkey_enrolment,
    complete_passkey_login,
    list_passkeys,
    remove_passkey,
)
from dmp.auth.patients import begin_patient_login, confirm_contact_change, request_contact_change
from dmp.auth.professionals import begin_agent_login, begin_professional_login
from dmp.auth.schemas import (
    ActorOut,
    AgentLoginIn,
    ChannelOut,
    CodeSentOut,
    ContactChangeIn,
    ContactChangeOut,
    ContactConfirmedOut,
    ContactConfirmIn,
    LoginStartedOut,
    MeOut,
    PasskeyEnrolIn,
    PasskeyLoginIn,
    PasskeyLoginOptionsIn,
    PasskeyOptionsOut,
    PasskeyOut,
    PasswordChangedOut,
    PasswordChangeIn,
    PatientLoginIn,
    ProfessionalLoginIn,
    SendCodeIn,
    SessionOut,
    VerifyCodeIn,
)
from dmp.auth.sessions import OpenedSession
from dmp.auth.sessions import logout as end_session
from dmp.runtime import Runtime

__all__ = [
    "current_actor",
    "current_agent_actor",
    "current_patient_actor",
    "current_professional_actor",
    "current_session",
    "router",
]

router = APIRouter(prefix="/api/auth", tags=["authentication"])


def _started(started: LoginStarted) -> LoginStartedOut:
    return LoginStartedOut(
        challenge_id=started.challenge_id,
        channels=[
            ChannelOut(channel=o.channel, destination=o.destination) for o in started.channels
        ],
        sent_to=started.sent_to,
        expires_at=started.expires_at,
        passkey=started.passkey,
    )


@router.post("/login", summary="Patient: identifier and password; sends the one-time code")
async def patient_login(body: PatientLoginIn, session: Db, rt: Rt) -> LoginStartedOut:
    started = await begin_patient_login(
        session, rt=rt, login_id=body.login_id, password=body.password, channel=body.channel
    )
    return _started(started)


@router.post("/pro/login", summary="Professional (e-CPS style): national id and password")
async def professional_login(body: ProfessionalLoginIn, session: Db, rt: Rt) -> LoginStartedOut:
    started = await begin_professional_login(
        session, rt=rt, national_id=body.national_id, password=body.password, channel=body.channel
    )
    return _started(started)


@router.post("/agent/login", summary="Counter or support agent: identifier and password")
async def agent_login(body: AgentLoginIn, session: Db, rt: Rt) -> LoginStartedOut:
    started = await begin_agent_login(
        session, rt=rt, login_id=body.login_id, password=body.password, channel=body.channel
    )
    return _started(started)


@router.post("/login/send", summary="Send (or send again) the code to the chosen channel")
async def send_code(body: SendCodeIn, session: Db, rt: Rt) -> CodeSentOut:
    sent: CodeSent = await send_login_code(
        session, rt=rt, challenge_id=body.challenge_id, channel=body.channel
    )
    return CodeSentOut(
        challenge_id=sent.challenge_id,
        channel=sent.channel,
        destination=sent.destination,
        expires_at=sent.expires_at,
    )


@router.post("/login/verify", summary="Check the one-time code and open the session")
async def verify_code(body: VerifyCodeIn, response: Response, session: Db, rt: Rt) -> SessionOut:
    opened = await complete_login(session, rt=rt, challenge_id=body.challenge_id, code=body.code)
    return _session_out(opened, body.delivery, response, rt)


@router.post("/login/passkey/options", summary="Passkey instead of the code: the options")
async def passkey_login_options(
    body: PasskeyLoginOptionsIn, session: Db, rt: Rt
) -> PasskeyOptionsOut:
    options = await begin_passkey_login(session, rt=rt, challenge_id=body.challenge_id)
    return PasskeyOptionsOut(challenge_id=options.challenge_id, options=options.options)


@router.post("/login/passkey", summary="Passkey instead of the code: the assertion")
async def passkey_login(
    body: PasskeyLoginIn, response: Response, session: Db, rt: Rt
) -> SessionOut:
    opened = await complete_passkey_login(
        session, rt=rt, challenge_id=body.challenge_id, credential=body.credential
    )
    return _session_out(opened, body.delivery, response, rt)


def _session_out(
    opened: OpenedSession, delivery: str, response: Response, rt: Runtime
) -> SessionOut:
    bearer = delivery == "bearer"
    if not bearer:
        set_session_cookie(response, settings=rt.settings, token=opened.token)
    return SessionOut(
        token=opened.token if bearer else None,
        token_type="bearer" if bearer else None,
        csrf_token=opened.csrf_token,
        must_change_password=opened.must_change_password,
        idle_timeout_seconds=rt.settings.session_idle_minutes * 60,
        expires_at=opened.absolute_expires_at,
        actor=ActorOut.of(opened.actor),
    )


@router.get("/me", summary="The signed-in account and its session")
async def me(view: CurrentSession) -> MeOut:
    return MeOut(
        actor=ActorOut.of(view.actor),
        must_change_password=view.must_change_password,
        csrf_token=view.csrf_token(),
        idle_expires_at=view.idle_expires_at,
        expires_at=view.absolute_expires_at,
    )


@router.post("/password", summary="Replace the password (forced after a temporary one)")
async def new_password(
    body: PasswordChangeIn, view: CurrentSession, session: Db, rt: Rt
) -> PasswordChangedOut:
    await change_password(
        session,
        rt=rt,
        view=view,
        new_password=body.new_password,
        current_password=body.current_password,
    )
    return PasswordChangedOut()


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the session")
async def logout(request: Request, session: Db, rt: Rt) -> Response:
    # No CSRF check: a forged logout only signs the person out, and SameSite=Strict
    # already keeps the cookie off cross-site requests.
    token, _ = session_token_of(request, rt.settings)
    if token is not None:
        await end_session(session, rt=rt, token=token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings=rt.settings)
    return response


@router.post("/contact", summary="Change the e-mail or mobile: a code goes to the new one")
async def change_contact(
    body: ContactChangeIn, view: CurrentSession, session: Db, rt: Rt
) -> ContactChangeOut:
    started = await request_contact_change(
        session, rt=rt, view=view, channel=body.channel, value=body.value
    )
    return ContactChangeOut(
        challenge_id=started.challenge_id,
        channel=started.channel,
        destination=started.destination,
        expires_at=started.expires_at,
    )


@router.post("/contact/confirm", summary="Confirm the new e-mail or mobile with its code")
async def confirm_contact(
    body: ContactConfirmIn, view: CurrentSession, session: Db, rt: Rt
) -> ContactConfirmedOut:
    channel = await confirm_contact_change(
        session, rt=rt, view=view, challenge_id=body.challenge_id, code=body.code
    )
    return ContactConfirmedOut(channel=channel)


def _passkey_out(info: PasskeyInfo) -> PasskeyOut:
    return PasskeyOut(
        id=info.id, label=info.label, created_at=info.created_at, last_used_at=info.last_used_at
    )


@router.get("/passkeys", summary="The passkeys of the signed-in account")
async def passkeys(view: CurrentSession, session: Db) -> list[PasskeyOut]:
    return [_passkey_out(p) for p in await list_passkeys(session, view=view)]


@router.post("/passkeys/options", summary="Enrol a passkey: the options")
async def passkey_enrolment_options(view: CurrentSession, session: Db, rt: Rt) -> PasskeyOptionsOut:
    options = await begin_passkey_enrolment(session, rt=rt, view=view)
    return PasskeyOptionsOut(challenge_id=options.challenge_id, options=options.options)


@router.post("/passkeys", summary="Enrol a passkey: the new credential")
async def enrol_passkey(
    body: PasskeyEnrolIn, view: CurrentSession, session: Db, rt: Rt
) -> PasskeyOut:
    info = await complete_passkey_enrolment(
        session, rt=rt, view=view, challenge_id=body.challenge_id,
        credential=body.credential, label=body.label,
    )  # fmt: skip
    return _passkey_out(info)


@router.delete(
    "/passkeys/{passkey_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a passkey"
)
async def delete_passkey(
    passkey_id: uuid.UUID, view: CurrentSession, session: Db, rt: Rt
) -> Response:
    await remove_passkey(session, rt=rt, view=view, passkey_id=passkey_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
