"""The issue's scenarios, one rule each, against the real habilitation matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    AuthorizationState,
    Context,
    DocumentFacts,
    DossierFacts,
    DossierStatus,
    Obligation,
    Reason,
    Visibility,
    decide,
)
from dmp.reference import document_types, load_habilitation_matrix

CONTEXT = Context(now=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), matrix=load_habilitation_matrix())
READ = Action.DOCUMENT_READ
CONSULTATION = DocumentFacts("11488-4", "10")  # CR de consultation: every profession reads it
MASKED = DocumentFacts("11488-4", "10", visibility=frozenset({Visibility.MASQUE_PS}))
REIMBURSEMENTS = DocumentFacts("REMB", "60")


def professional(profession: str, mode: AccessMode = AccessMode.NORMAL, reason: str = "") -> Actor:
    national_id = f"8100000000{profession}"
    return Actor(
        ActorKind.PROFESSIONAL,
        national_id,
        profession=profession,
        mode=mode,
        break_glass_reason=reason,
    )


def dossier(**facts: Any) -> DossierFacts:
    return DossierFacts(status=DossierStatus.ACTIVE, **facts)


AUTHORIZED = dossier(actor_authorization=AuthorizationState.AUTHORIZED)
BLOCKED = dossier(actor_authorization=AuthorizationState.BLOCKED)
NURSE, DOCTOR, PHARMACIST, DENTIST, PODIATRIST = "60", "10", "21", "40", "80"
EMERGENCY_PHYSICIAN = professional(DOCTOR, AccessMode.BREAK_GLASS, "Polytraumatisé inconscient")
REGULATOR = Actor(ActorKind.REGULATOR, "810009999991", profession=DOCTOR)
REPRESENTATIVE = Actor(ActorKind.LEGAL_REPRESENTATIVE, "rep-account")
HOLDER = Actor(ActorKind.PATIENT, "holder-account")


def test_a_nurse_the_patient_blocked_reads_nothing() -> None:
    assert (
        decide(professional(NURSE), READ, BLOCKED, CONSULTATION, CONTEXT).reason is Reason.BLOCKED
    )


def test_a_nurse_the_patient_blocked_still_deposits() -> None:
    assert decide(professional(NURSE), Action.DOCUMENT_ADD, BLOCKED, CONSULTATION, CONTEXT)


def test_the_treating_physician_sees_a_masked_document() -> None:
    treating = dossier(actor_is_treating_physician=True)
    assert decide(professional(DOCTOR), READ, treating, MASKED, CONTEXT)


def test_an_authorized_pharmacist_does_not_see_a_masked_document() -> None:
    decision = decide(professional(PHARMACIST), READ, AUTHORIZED, MASKED, CONTEXT)
    assert decision.reason is Reason.MASKED


def test_an_emergency_physician_breaks_the_glass_and_the_patient_is_told() -> None:
    decision = decide(EMERGENCY_PHYSICIAN, READ, dossier(), CONSULTATION, CONTEXT)
    assert decision.obligations == {
        Obligation.TRACE,
        Obligation.NOTIFY_PATIENT,
        Obligation.BREAK_GLASS_BANNER,
    }


def test_break_glass_is_refused_once_the_patient_opposed_it() -> None:
    decision = decide(EMERGENCY_PHYSICIAN, READ, dossier(btg_consent=False), CONSULTATION, CONTEXT)
    assert decision.reason is Reason.BREAK_GLASS_OPPOSED


def test_break_glass_needs_a_stated_reason() -> None:
    silent = professional(DOCTOR, AccessMode.BREAK_GLASS, "  ")
    assert decide(silent, READ, dossier(), CONSULTATION, CONTEXT).reason is (
        Reason.BREAK_GLASS_REASON_MISSING
    )


def test_break_glass_does_not_lift_a_block() -> None:
    assert (
        decide(EMERGENCY_PHYSICIAN, READ, BLOCKED, CONSULTATION, CONTEXT).reason is Reason.BLOCKED
    )


@pytest.mark.parametrize("type_code", ["34112-3", "68599-0"])
def test_an_authorized_podiatrist_asks_for_psychiatric_documents(type_code: str) -> None:
    document = DocumentFacts(type_code, document_types()[type_code].class_code)
    decision = decide(professional(PODIATRIST), READ, AUTHORIZED, document, CONTEXT)
    assert decision.reason is Reason.MATRIX_DENIES_TYPE


@pytest.mark.parametrize("type_code", sorted(document_types()))
def test_a_medecin_reads_every_type_but_the_residence_certificate(type_code: str) -> None:
    document = DocumentFacts(type_code, document_types()[type_code].class_code)
    decision = decide(professional(DOCTOR), READ, AUTHORIZED, document, CONTEXT)
    assert decision.allowed == (type_code != "ATTEST-RESID")


@pytest.mark.parametrize("type_code", ["80788-3", "75496-0", "83981-1", "83901-9", "68599-0"])
def test_a_dentist_never_reads_these_types(type_code: str) -> None:
    document = DocumentFacts(type_code, document_types()[type_code].class_code)
    decision = decide(professional(DENTIST), READ, AUTHORIZED, document, CONTEXT)
    assert decision.reason is Reason.MATRIX_DENIES_TYPE


@pytest.mark.parametrize(
    "kind",
    [ActorKind.OCCUPATIONAL_PHYSICIAN, ActorKind.INSURER, ActorKind.EMPLOYER, ActorKind.BANK],
)
def test_non_care_parties_are_refused_whatever_the_patient_consented(kind: ActorKind) -> None:
    consented = dossier(
        actor_authorization=AuthorizationState.AUTHORIZED,
        actor_is_treating_physician=True,
        masked_consent=True,
    )
    party = Actor(kind, "x", profession=DOCTOR)
    assert decide(party, READ, consented, CONSULTATION, CONTEXT).reason is Reason.FORBIDDEN_ROLE


@pytest.mark.parametrize("kind", [ActorKind.COUNTER_AGENT, ActorKind.SUPPORT])
@pytest.mark.parametrize("action", [Action.DOCUMENT_LIST, READ, Action.TRACE_READ])
def test_counter_agents_and_support_never_list_or_read(kind: ActorKind, action: Action) -> None:
    agent = Actor(kind, "agent-cpam-75-01")
    assert decide(agent, action, dossier(), CONSULTATION, CONTEXT).reason is (
        Reason.ACTION_NOT_PERMITTED
    )


@pytest.mark.parametrize("reader", [EMERGENCY_PHYSICIAN, REGULATOR], ids=["glass", "samu"])
@pytest.mark.parametrize("masked_consent", [True, False])
def test_the_masked_consent_governs_masked_documents_in_emergencies(
    reader: Actor, masked_consent: bool
) -> None:
    facts = dossier(masked_consent=masked_consent)
    assert decide(reader, READ, facts, MASKED, CONTEXT).allowed == masked_consent


def test_samu_regulation_is_refused_when_the_patient_opposed_it() -> None:
    refused = dossier(etreat_consent=False)
    assert decide(REGULATOR, READ, refused, CONSULTATION, CONTEXT).reason is (
        Reason.REGULATION_OPPOSED
    )


def test_regulation_mode_needs_the_regulation_credential() -> None:
    caller = professional(DOCTOR, AccessMode.REGULATION)
    assert decide(caller, READ, AUTHORIZED, CONSULTATION, CONTEXT).reason is (
        Reason.REGULATION_CREDENTIAL_REQUIRED
    )


@pytest.mark.parametrize(
    ("actor", "facts"),
    [
        (HOLDER, dossier(actor_is_holder=True)),
        (professional(DOCTOR), dossier(actor_is_treating_physician=True)),
    ],
    ids=["patient", "treating physician"],
)
def test_reimbursement_history_can_never_be_masked(actor: Actor, facts: DossierFacts) -> None:
    decision = decide(actor, Action.DOCUMENT_MASK, facts, REIMBURSEMENTS, CONTEXT)
    assert decision.reason is Reason.UNMASKABLE


def test_a_representative_restricted_to_a_doctors_presence_is_refused_alone() -> None:
    restricted = dossier(
        is_minor=True, actor_is_legal_representative=True, legal_representative_doctor_only=True
    )
    assert decide(REPRESENTATIVE, READ, restricted, CONSULTATION, CONTEXT).reason is (
        Reason.DOCTOR_PRESENCE_REQUIRED
    )


def test_a_representative_restricted_to_a_doctors_presence_reads_with_one() -> None:
    restricted = dossier(
        is_minor=True, actor_is_legal_representative=True, legal_representative_doctor_only=True
    )
    with_doctor = Context(now=CONTEXT.now, matrix=CONTEXT.matrix, doctor_present=True)
    assert decide(REPRESENTATIVE, READ, restricted, CONSULTATION, with_doctor)


def test_representatives_lose_access_when_the_minor_comes_of_age() -> None:
    adult = dossier(is_minor=False, actor_is_legal_representative=True)
    assert decide(REPRESENTATIVE, READ, adult, CONSULTATION, CONTEXT).reason is (
        Reason.REPRESENTATIVE_ACCESS_ENDED
    )


def test_a_document_the_minor_hid_is_invisible_to_the_representative() -> None:
    minor = dossier(is_minor=True, actor_is_legal_representative=True)
    hidden = DocumentFacts(
        "11488-4", "10", visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX})
    )
    assert decide(REPRESENTATIVE, READ, minor, hidden, CONTEXT).reason is (
        Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES
    )


def test_professionals_see_the_hidden_from_representatives_marker() -> None:
    hidden = DocumentFacts(
        "11488-4", "10", visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX})
    )
    decision = decide(professional(DOCTOR), READ, AUTHORIZED, hidden, CONTEXT)
    assert Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES in decision.obligations


def test_a_document_pending_announcement_is_invisible_to_the_patient() -> None:
    pending = DocumentFacts("11488-4", "10", visibility=frozenset({Visibility.INVISIBLE_PATIENT}))
    holder = dossier(actor_is_holder=True)
    assert decide(HOLDER, READ, holder, pending, CONTEXT).reason is Reason.INVISIBLE_TO_PATIENT


def test_a_closed_dossier_is_still_read_by_its_holder() -> None:
    closed = DossierFacts(DossierStatus.CLOSED, actor_is_holder=True)
    assert decide(HOLDER, READ, closed, CONSULTATION, CONTEXT)


def test_a_closed_dossier_is_read_by_nobody_else() -> None:
    closed = DossierFacts(DossierStatus.CLOSED, actor_is_treating_physician=True)
    assert decide(professional(DOCTOR), READ, closed, CONSULTATION, CONTEXT).reason is (
        Reason.DOSSIER_CLOSED
    )


def test_the_holder_may_cancel_a_deletion_request_after_closing() -> None:
    closed = DossierFacts(DossierStatus.CLOSED, actor_is_holder=True)
    assert decide(HOLDER, Action.DOSSIER_ADMIN_UPDATE, closed, None, CONTEXT)


def test_only_the_patient_side_unblocks() -> None:
    treating = dossier(actor_is_treating_physician=True)
    assert decide(professional(DOCTOR), Action.ACCESS_UNBLOCK, treating, None, CONTEXT).reason is (
        Reason.ONLY_PATIENT_UNBLOCKS
    )


def test_an_unauthorized_author_still_reads_their_own_document() -> None:
    own = DocumentFacts("11488-4", "10", actor_is_author=True, author_id="810000000060")
    assert decide(professional(NURSE), READ, dossier(), own, CONTEXT)


def test_an_unauthorized_professional_reads_nothing_else() -> None:
    assert decide(professional(NURSE), READ, dossier(), CONSULTATION, CONTEXT).reason is (
        Reason.NOT_AUTHORIZED
    )
