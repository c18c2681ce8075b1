"""Inputs and outputs of the login JSON API (``/api/auth``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from dmp.auth.accounts import Channel
from dmp.policy import Actor

# Inputs are bounded before any hashing: argon2 must never be fed megabytes.
_PASSWORD = Field(min_length=1, max_length=1024)


class PatientLoginIn(BaseModel):
    login_id: str = Field(min_length=1, max_length=64)
    password: str = _PASSWORD
    channel: Channel | None = None


class ProfessionalLoginIn(BaseModel):
    national_id: str = Field(min_length=1, max_length=32)
    password: str = _PASSWORD
    channel: Channel | None = None


class AgentLoginIn(BaseModel):
    login_id: str = Field(min_length=1, max_length=64)
    password: str = _PASSWORD
    channel: Channel | None = None


class ChannelOut(BaseModel):
    channel: Channel
    destination: str


class LoginStartedOut(BaseModel):
    challenge_id: uuid.UUID
    channels: list[ChannelOut]
    sent_to: Channel | None
    expires_at: datetime
    passkey: bool = False  # a passkey may be presented instead of the code


class SendCodeIn(BaseModel):
    challenge_id: uuid.UUID
    channel: Channel


class CodeSentOut(BaseModel):
    challenge_id: uuid.UUID
    channel: Channel
    destination: str
    expires_at: datetime


class VerifyCodeIn(BaseModel):
    challenge_id: uuid.UUID
    code: str = Field(min_length=1, max_length=16)
    # Browsers get an HttpOnly cookie and never see the token (a script could steal it);
    # a mobile app asks for the bearer form of the same session.
    delivery: Literal["cookie", "bearer"] = "cookie"


class ActorOut(BaseModel):
    kind: str
    id: str
    display_name: str
    profession: str | None = None
    structure: str | None = None
    dossier_id: str | None = None

    @classmethod
    def of(cls, actor: Actor) -> ActorOut:
        return cls(
            kind=actor.kind.value,
            id=actor.id,
            display_name=actor.display_name,
            profession=actor.profession,
            structure=actor.structure,
            dossier_id=actor.dossier_id,
        )


class SessionOut(BaseModel):
    token: str | None = None  # only when ``delivery`` is "bearer"
    token_type: Literal["bearer"] | None = None
    csrf_token: str
    must_change_password: bool
    idle_timeout_seconds: int
    expires_at: datetime
    actor: ActorOut


class MeOut(BaseModel):
    actor: ActorOut
    must_change_password: bool
    csrf_token: str
    idle_expires_at: datetime
    expires_at: datetime


class PasswordChangeIn(BaseModel):
    new_password: str = _PASSWORD
    # Not asked right after a login with a temporary password (spent at that login).
    current_password: str | None = Field(default=None, max_length=1024)


class PasswordChangedOut(BaseModel):
    must_change_password: bool = False


class ContactChangeIn(BaseModel):
    channel: Channel
    value: str = Field(min_length=1, max_length=254)


class ContactChangeOut(BaseModel):
    challenge_id: uuid.UUID
    channel: Channel
    destination: str
    expires_at: datetime


class ContactConfirmIn(BaseModel):
    challenge_id: uuid.UUID
    code: str = Field(min_length=1, max_length=16)


class ContactConfirmedOut(BaseModel):
    channel: Channel


class PasskeyOptionsOut(BaseModel):
    challenge_id: uuid.UUID
    # PublicKeyCredentialCreationOptions / RequestOptions, base64url-encoded as WebAuthn's
    # JSON form: the browser passes them to navigator.credentials.create() / get().
    options: dict[str, Any]


class PasskeyLoginOptionsIn(BaseModel):
    challenge_id: uuid.UUID


class PasskeyLoginIn(BaseModel):
    challenge_id: uuid.UUID
    credential: dict[str, Any]  # PublicKeyCredential.toJSON()
    delivery: Literal["cookie", "bearer"] = "cookie"


class PasskeyEnrolIn(BaseModel):
    challenge_id: uuid.UUID
    credential: dict[str, Any]
    label: str = Field(default="Clé d'accès", max_length=100)


class PasskeyOut(BaseModel):
    id: uuid.UUID
    label: str
    created_at: datetime
    last_used_at: datetime | None
