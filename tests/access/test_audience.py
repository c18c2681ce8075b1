""" "Qui peut voir ce document ?": each answer is the policy's own decision for that
person, with its reason, so masking and blocking can be explained."""

from __future__ import annotations

from datetime import UTC, datetime

from dmp.access.audience import Audience, Basis, document_audience
from dmp.access.schemas import ManagerRole, ProfessionalAccess
from dmp.policy import (
    AuthorizationState,
    Context,
    DocumentFacts,
    DossierFacts,
    DossierStatus,
    Reason,
    Visibility,
)
from dmp.reference import load_habilitation_matrix

CONTEXT = Context(now=datetime(2026, 3, 2, tzinfo=UTC), matrix=load_habilitation_matrix())
GP = ProfessionalAccess(
    national_id="810002345678", profession_code="10", role=ManagerRole.TREATING_PHYSICIAN
)
PHARMACIST = ProfessionalAccess(
    national_id="810004567890", profession_code="21", state=AuthorizationState.AUTHORIZED
)
PODIATRIST = ProfessionalAccess(
    national_id="810006789012", profession_code="80", state=AuthorizationState.AUTHORIZED
)
BLOCKED = ProfessionalAccess(
    national_id="810007890123", profession_code="10", state=AuthorizationState.BLOCKED
)
HOSPITAL_REPORT = DocumentFacts(type_code="34112-3", class_code="10", author_id="810003456789")


def _audience(document=HOSPITAL_REPORT, dossier=None, professionals=(GP, PHARMACIST)):
    return document_audience(
        dossier=dossier or DossierFacts(status=DossierStatus.ACTIVE),
        document=document,
        professionals=list(professionals),
        context=CONTEXT,
        author_profession="10",
    )


def _by(entries, audience, national_id=None):
    return next(
        e
        for e in entries
        if e.audience is audience
        and (national_id is None or (e.professional and e.professional.national_id == national_id))
    )


def test_an_ordinary_document_is_seen_by_the_patient_their_doctors_and_the_author():
    entries = _audience()
    assert _by(entries, Audience.HOLDER).can_see
    gp = _by(entries, Audience.PROFESSIONAL, GP.national_id)
    assert gp.can_see and gp.basis is Basis.TREATING_PHYSICIAN
    pharmacist = _by(entries, Audience.PROFESSIONAL, PHARMACIST.national_id)
    assert pharmacist.can_see and pharmacist.basis is Basis.AUTHORIZED
    author = _by(entries, Audience.AUTHOR)
    assert author.can_see and author.basis is Basis.AUTHOR
    assert _by(entries, Audience.BREAK_GLASS).can_see
    assert _by(entries, Audience.REGULATION).can_see
    others = _by(entries, Audience.OTHER_PROFESSIONALS)
    assert not others.can_see and others.reason is Reason.NOT_AUTHORIZED
    excluded = _by(entries, Audience.EXCLUDED)
    assert not excluded.can_see and excluded.reason is Reason.FORBIDDEN_ROLE
    # An adult's dossier has no legal representatives to list.
    assert all(e.audience is not Audience.LEGAL_REPRESENTATIVES for e in entries)


def test_masking_hides_from_authorized_professionals_and_emergencies_not_from_doctors():
    masked = DocumentFacts(
        type_code="34112-3",
        class_code="10",
        author_id="810003456789",
        visibility=frozenset({Visibility.MASQUE_PS}),
    )
    entries = _audience(masked)
    assert _by(entries, Audience.HOLDER).can_see
    assert _by(entries, Audience.PROFESSIONAL, GP.national_id).can_see
    assert _by(entries, Audience.AUTHOR).can_see
    pharmacist = _by(entries, Audience.PROFESSIONAL, PHARMACIST.national_id)
    assert (pharmacist.can_see, pharmacist.reason) == (False, Reason.MASKED)
    assert _by(entries, Audience.BREAK_GLASS).reason is Reason.MASKED
    opened = _audience(masked, DossierFacts(status=DossierStatus.ACTIVE, masked_consent=True))
    assert _by(opened, Audience.BREAK_GLASS).can_see
    assert _by(opened, Audience.REGULATION).can_see


def test_profession_blocks_and_oppositions_are_explained():
    dossier = DossierFacts(status=DossierStatus.ACTIVE, btg_consent=False, etreat_consent=False)
    entries = _audience(dossier=dossier, professionals=(PODIATRIST, BLOCKED))
    assert _by(entries, Audience.PROFESSIONAL, PODIATRIST.national_id).reason is (
        Reason.MATRIX_DENIES_TYPE
    )
    assert _by(entries, Audience.PROFESSIONAL, BLOCKED.national_id).reason is Reason.BLOCKED
    assert _by(entries, Audience.BREAK_GLASS).reason is Reason.BREAK_GLASS_OPPOSED
    assert _by(entries, Audience.REGULATION).reason is Reason.REGULATION_OPPOSED


def test_a_minors_representatives_and_what_is_hidden_from_them():
    minor = DossierFacts(status=DossierStatus.ACTIVE, is_minor=True)
    hidden = DocumentFacts(
        type_code="11488-4",
        class_code="10",
        author_id="810002345678",
        visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX}),
    )
    representatives = _by(_audience(hidden, minor), Audience.LEGAL_REPRESENTATIVES)
    assert representatives.reason is Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES
    plain = DocumentFacts(type_code="11488-4", class_code="10", author_id="810002345678")
    assert _by(_audience(plain, minor), Audience.LEGAL_REPRESENTATIVES).can_see
    restricted = DossierFacts(
        status=DossierStatus.ACTIVE, is_minor=True, legal_representative_doctor_only=True
    )
    entry = _by(_audience(plain, restricted), Audience.LEGAL_REPRESENTATIVES)
    assert entry.reason is Reason.DOCTOR_PRESENCE_REQUIRED


def test_the_author_among_the_dossiers_professionals_is_listed_once_as_author():
    own = DocumentFacts(type_code="34112-3", class_code="10", author_id=PODIATRIST.national_id)
    entries = _audience(own, professionals=(PODIATRIST,))
    assert all(e.audience is not Audience.AUTHOR for e in entries)
    podiatrist = _by(entries, Audience.PROFESSIONAL, PODIATRIST.national_id)
    assert podiatrist.can_see and podiatrist.basis is Basis.AUTHOR


def test_the_facts_of_whoever_asked_do_not_leak_into_the_answers():
    asked_by_holder = DossierFacts(
        status=DossierStatus.ACTIVE,
        actor_is_holder=True,
        actor_authorization=AuthorizationState.AUTHORIZED,
        actor_is_treating_physician=True,
    )
    entries = _audience(dossier=asked_by_holder, professionals=())
    assert not _by(entries, Audience.OTHER_PROFESSIONALS).can_see
