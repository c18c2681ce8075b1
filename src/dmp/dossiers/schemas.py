"""Inputs and outputs of the dossier lifecycle (pydantic: validated at every edge)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class CreationChannel(StrEnum):
    PATIENT_ONLINE = "patient_online"
    PROFESSIONAL = "professional"
    COUNTER = "counter"
    PHARMACY = "pharmacy"
    OPERATOR = "operator"


class ConsentBy(StrEnum):
    HOLDER = "holder"
    LEGAL_REPRESENTATIVE = "legal_representative"


class ClosureReason(StrEnum):
    PATIENT_REQUEST = "patient_request"
    DEATH = "death"
    OTHER = "other"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class EmergencyContact(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str = Field(min_length=1, max_length=200)
    relation: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)


class Contact(BaseModel):
    """Contact channels are optional: a dossier can exist without any."""

    email: EmailStr | None = None
    mobile: str | None = Field(default=None, max_length=20)
    emergency_contacts: list[EmergencyContact] = Field(default_factory=list, max_length=10)

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = value.replace(" ", "").replace(".", "")
        if digits.startswith("+33"):
            digits = "0" + digits[3:]
        if not (len(digits) == 10 and digits.isdigit() and digits[:2] in {"06", "07"}):
            raise ValueError("numéro de mobile français attendu (06 ou 07, 10 chiffres)")
        return digits


class Identity(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_names: str = Field(min_length=1, max_length=200)
    birth_date: date
    sex: Sex = Sex.UNKNOWN

    @field_validator("birth_date")
    @classmethod
    def _born(cls, value: date) -> date:
        # One day of slack for time zones: the check only catches obvious typing errors.
        if value > date.today() + timedelta(days=1) or value.year < 1890:
            raise ValueError("date de naissance impossible")
        return value


class LegalRepresentativeIn(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_names: str = Field(min_length=1, max_length=200)
    relation: str = Field(default="parent", max_length=50)
    contact: Contact = Field(default_factory=Contact)


class ConsentIn(BaseModel):
    """The express consent that creation (and reactivation) requires."""

    given: bool
    by: ConsentBy = ConsentBy.HOLDER
    representative: LegalRepresentativeIn | None = None


class DossierCreate(BaseModel):
    nir: str
    identity: Identity
    channel: CreationChannel
    consent: ConsentIn
    contact: Contact = Field(default_factory=Contact)
    btg_consent: bool = True  # both emergency consents are proposed ticked at creation
    etreat_consent: bool = True
    # Online creation by the patient: the letter's code and the Vitale card's serial number.
    creation_code: str | None = None
    vitale_serial: str | None = Field(default=None, max_length=30)


class CreatedDossier(BaseModel):
    """What the "document des secrets" prints; the password is shown once, never stored."""

    dossier_id: uuid.UUID
    login_id: str
    initial_password: str
    created_at: datetime
    account_role: str


class IssuedCreationCode(BaseModel):
    code: str
    expires_at: datetime


class DossierSummary(BaseModel):
    """The "DMP button" answer."""

    dossier_id: uuid.UUID
    status: str
    is_minor: bool
    closed_at: datetime | None = None
    purge_after: datetime | None = None
    deletion_requested: bool = False
