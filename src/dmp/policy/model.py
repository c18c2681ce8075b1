"""The vocabulary of access decisions: who acts, on what, with which facts, and the answer.

Everything here is a frozen value: the policy never performs I/O and never mutates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache


class ActorKind(StrEnum):
    PATIENT = "patient"  # the holder (titulaire) of the dossier
    LEGAL_REPRESENTATIVE = "legal_representative"
    PROFESSIONAL = "professional"
    REGULATOR = "regulator"  # SAMU Centre 15, with a regulation credential
    COUNTER_AGENT = "counter_agent"  # CPAM / establishment / pharmacy reception
    SUPPORT = "support"  # DMP Info Service
    FEED = "feed"  # Assurance Maladie, Dossier Pharmaceutique
    OPERATOR = "operator"  # the CLI run by the service's operator
    SYSTEM = "system"  # scheduled jobs
    # Parties the law excludes whatever the patient says; they exist only to be denied.
    OCCUPATIONAL_PHYSICIAN = "occupational_physician"
    INSURER = "insurer"
    EMPLOYER = "employer"
    BANK = "bank"


class AccessMode(StrEnum):
    NORMAL = "normal"
    BREAK_GLASS = "break_glass"
    REGULATION = "regulation"


class Action(StrEnum):
    DOSSIER_LOOKUP = "dossier:lookup"  # the "DMP button": does a dossier exist, its status
    DOSSIER_CREATE = "dossier:create"
    DOSSIER_CLOSE = "dossier:close"
    DOSSIER_REACTIVATE = "dossier:reactivate"
    DOSSIER_PURGE = "dossier:purge"
    DOSSIER_DOWNLOAD = "dossier:download"
    DOSSIER_ADMIN_READ = "dossier:admin:read"  # identity, contact channels, emergency contacts
    DOSSIER_ADMIN_UPDATE = "dossier:admin:update"
    CREDENTIALS_REISSUE = "dossier:credentials:reissue"
    DOCUMENT_LIST = "dossier:document:list"
    DOCUMENT_READ = "dossier:document:read"
    DOCUMENT_ADD = "dossier:document:add"
    DOCUMENT_REPLACE = "dossier:document:replace"
    DOCUMENT_DELETE = "dossier:document:delete"
    DOCUMENT_ARCHIVE = "dossier:document:archive"
    DOCUMENT_SELECT = "dossier:document:select"
    DOCUMENT_MASK = "dossier:document:mask"  # MASQUE_PS on / off
    DOCUMENT_VISIBILITY = "dossier:document:visibility"  # INVISIBLE_PATIENT / _REPRESENTANTS_LEGAUX
    ACCESS_MANAGE = "dossier:access:manage"  # authorize, revoke, block, treating physicians
    ACCESS_UNBLOCK = "dossier:access:unblock"  # only the patient unblocks
    ACCESS_DECLARE_CONSENT = "dossier:access:declare-consent"  # a professional gets authorized
    EMERGENCY_CONSENTS_MANAGE = "dossier:consents:manage"  # BTG, ETREAT, MASKED
    TRACE_READ = "dossier:trace:read"


class DossierStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    PURGED = "purged"


class DocumentStatus(StrEnum):
    APPROVED = "approved"
    ARCHIVED = "archived"
    DEPRECATED = "deprecated"
    DELETED = "deleted"


class Visibility(StrEnum):
    """Confidentiality codes of TRE_A07 (on top of the always-present ``N``)."""

    MASQUE_PS = "MASQUE_PS"
    INVISIBLE_PATIENT = "INVISIBLE_PATIENT"
    INVISIBLE_REPRESENTANTS_LEGAUX = "INVISIBLE_REPRESENTANTS_LEGAUX"


class AuthorizationState(StrEnum):
    AUTHORIZED = "authorized"
    REVOKED = "revoked"
    BLOCKED = "blocked"


class Reason(StrEnum):
    ALLOWED = "allowed"
    FORBIDDEN_ROLE = "forbidden_role"
    DOSSIER_PURGED = "dossier_purged"
    DOSSIER_CLOSED = "dossier_closed"
    DOSSIER_NOT_CLOSED = "dossier_not_closed"
    NOT_HOLDER = "not_holder"
    NOT_AUTHORIZED = "not_authorized"
    BLOCKED = "blocked"
    MATRIX_DENIES_TYPE = "matrix_denies_type"
    MASKED = "masked"
    INVISIBLE_TO_PATIENT = "invisible_to_patient"
    INVISIBLE_TO_LEGAL_REPRESENTATIVES = "invisible_to_legal_representatives"
    BREAK_GLASS_OPPOSED = "break_glass_opposed"
    BREAK_GLASS_REASON_MISSING = "break_glass_reason_missing"
    REGULATION_OPPOSED = "regulation_opposed"
    REGULATION_CREDENTIAL_REQUIRED = "regulation_credential_required"
    NOT_AUTHOR = "not_author"
    NOT_MANAGER = "not_manager"
    ONLY_PATIENT_UNBLOCKS = "only_patient_unblocks"
    DOCTOR_PRESENCE_REQUIRED = "doctor_presence_required"
    UNMASKABLE = "unmaskable"
    DOCUMENT_NOT_CURRENT = "document_not_current"
    MODE_NOT_ALLOWED = "mode_not_allowed"
    REPRESENTATIVE_ACCESS_ENDED = "representative_access_ended"
    ACTION_NOT_PERMITTED = "action_not_permitted"


class Obligation(StrEnum):
    TRACE = "trace"
    NOTIFY_PATIENT = "notify_patient"
    BREAK_GLASS_BANNER = "break_glass_banner"
    MARK_HIDDEN_FROM_REPRESENTATIVES = "mark_hidden_from_representatives"


@dataclass(frozen=True, slots=True)
class Actor:
    """A verified caller. ``id`` is the national id for professionals, the account id for
    patients and representatives, the agent id for counter agents and support."""

    kind: ActorKind
    id: str
    display_name: str = ""
    profession: str | None = None  # TRE_G15 code for professionals and regulators
    specialty: str | None = None
    structure: str | None = None
    mode: AccessMode = AccessMode.NORMAL
    break_glass_reason: str | None = None
    # For patients and legal representatives: the dossier their account belongs to.
    dossier_id: str | None = None


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """What the decision needs to know about a dossier, and the actor's relation to it."""

    status: DossierStatus
    is_minor: bool = False
    btg_consent: bool = True
    etreat_consent: bool = True
    masked_consent: bool = False
    legal_representative_doctor_only: bool = False
    actor_is_holder: bool = False
    actor_is_legal_representative: bool = False
    actor_authorization: AuthorizationState | None = None
    actor_is_treating_physician: bool = False
    actor_is_administrator: bool = False


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """A document as the rules see it. ``actor_is_author`` is relative to the actor asking;
    ``author_id`` is the row's own author (the author's ``Actor.id``), which is what a list
    query can compare: whoever loads the facts keeps ``actor_is_author`` equal to
    ``author_id == actor.id``."""

    type_code: str
    class_code: str
    status: DocumentStatus = DocumentStatus.APPROVED
    visibility: frozenset[Visibility] = frozenset()
    author_is_patient: bool = False
    actor_is_author: bool = False
    author_id: str | None = None


@dataclass(frozen=True, slots=True)
class HabilitationMatrix:
    """Profession × document type → readable. Versioned data, replaceable as a whole."""

    version: str
    readable: frozenset[tuple[str, str]] = frozenset()

    def allows(self, profession: str | None, type_code: str) -> bool:
        return profession is not None and (profession, type_code) in self.readable

    def types_readable_by(self, profession: str | None) -> frozenset[str]:
        """The query form of ``allows``: every type code the profession reads."""
        return _types_readable_by(self, profession)


# Memoised: the matrix is immutable (and hashable), and scanning all its pairs on every
# search cost more than the search's own query. Versions replace matrices as a whole.
@lru_cache(maxsize=512)
def _types_readable_by(matrix: HabilitationMatrix, profession: str | None) -> frozenset[str]:
    return frozenset(type_code for code, type_code in matrix.readable if code == profession)


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    matrix: HabilitationMatrix = field(default_factory=lambda: HabilitationMatrix("empty"))
    doctor_present: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: Reason
    obligations: frozenset[Obligation] = frozenset({Obligation.TRACE})

    def __bool__(self) -> bool:
        return self.allowed
