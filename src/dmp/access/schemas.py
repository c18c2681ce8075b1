"""What access management returns to the portals and the FHIR layer (pydantic, frozen)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from dmp.policy import AuthorizationState


class ManagerRole(StrEnum):
    """The two roles that co-manage a dossier and see masked documents."""

    TREATING_PHYSICIAN = "treating_physician"  # "médecin traitant DMP"
    ADMINISTRATOR = "administrator"


class AccessOperation(StrEnum):
    """What a management trace records in its ``target``, before the professional's id.

    The policy's action vocabulary is coarser (``dossier:access:manage`` covers
    authorizing, revoking, blocking and designating): the operation is what lets the
    holder's history say in words which one happened.
    """

    AUTHORIZE = "authorize"
    REVOKE = "revoke"
    BLOCK = "block"
    UNBLOCK = "unblock"
    DECLARE_CONSENT = "declare-consent"
    DESIGNATE_TREATING_PHYSICIAN = "designate-treating-physician"
    DESIGNATE_ADMINISTRATOR = "designate-administrator"
    REMOVE_DESIGNATION = "remove-designation"
    RESTRICT_REPRESENTATIVES = "restrict-representatives"
    UNRESTRICT_REPRESENTATIVES = "unrestrict-representatives"
    LIST = "list"
    COME_OF_AGE = "majority"
    MAJORITY_CONSENT = "majority-consent"


def trace_target(operation: AccessOperation, professional_id: str | None = None) -> str:
    """``"block:810003461033"``; an operation without a professional stands alone."""
    return f"{operation.value}:{professional_id}" if professional_id else operation.value


def parse_trace_target(target: str | None) -> tuple[AccessOperation | None, str | None]:
    """The inverse of ``trace_target``; other targets (documents…) give ``(None, None)``."""
    if not target:
        return None, None
    head, _, professional_id = target.partition(":")
    try:
        operation = AccessOperation(head)
    except ValueError:
        return None, None
    return operation, professional_id or None


class ProfessionalAccess(BaseModel):
    """One professional's standing on a dossier, as the patient's portal lists it.

    ``state`` is None for a professional who is only designated (treating physician or
    administrator) without an authorization row. Names come from the directory and are
    None for an id the directory does not know (possible for a blocked professional).
    """

    model_config = ConfigDict(frozen=True)

    national_id: str
    family_name: str | None = None
    given_names: str | None = None
    profession_code: str | None = None
    profession_label: str | None = None
    in_directory: bool = False
    state: AuthorizationState | None = None
    state_since: datetime | None = None
    # Who set the current state: "patient", "legal_representative", "professional"…
    state_set_by_kind: str | None = None
    declared_consent: bool = False
    role: ManagerRole | None = None
    role_since: datetime | None = None

    @property
    def can_read(self) -> bool:
        """Whether this standing gives normal (non-emergency) reading rights."""
        if self.state is AuthorizationState.BLOCKED:
            return False
        return self.state is AuthorizationState.AUTHORIZED or self.role is not None


class MajorityConsentState(BaseModel):
    """Where a dossier stands on the consent its holder owes on coming of age."""

    model_config = ConfigDict(frozen=True)

    dossier_id: uuid.UUID
    is_minor: bool
    majority_on: date | None = None  # known while the holder is a minor
    consent_pending: bool = False  # came of age and has not consented again yet
    consent_due_by: datetime | None = None  # set while the renewed consent is awaited
    consent_at: datetime | None = None  # the dossier's latest consent
