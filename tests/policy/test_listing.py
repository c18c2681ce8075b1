"""The query form of the read rules agrees with the per-document form.

For every actor, dossier and document: ``decide(DOCUMENT_LIST or DOCUMENT_READ, doc)``
allows exactly when ``matches(document_filter(...), doc)``, with the same obligations; and
the filter is a denial exactly when ``decide(DOCUMENT_LIST)`` without a document is.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    AuthorizationState,
    Context,
    Decision,
    DocumentFacts,
    DocumentFilter,
    DocumentStatus,
    DossierFacts,
    DossierStatus,
    HabilitationMatrix,
    Obligation,
    Reason,
    Visibility,
    decide,
    document_filter,
    matches,
    obligations_for,
)
from tests.policy.strategies import actors, contexts, documents_for, dossier_facts
from tests.policy.tables import (
    DOCUMENT_SITUATIONS,
    READ_DOCUMENTS,
    SITUATIONS,
    actor_variants,
    dossier_variants,
)

READS = (Action.DOCUMENT_LIST, Action.DOCUMENT_READ)


def _disagreement(
    actor: Actor, dossier: DossierFacts, context: Context, document: DocumentFacts
) -> str | None:
    found = document_filter(actor, dossier, context)
    listed = isinstance(found, DocumentFilter) and matches(found, document)
    for action in READS:
        decision = decide(actor, action, dossier, document, context)
        if decision.allowed != listed:
            return f"{action}: decide={decision}, filter={found}"
        if listed:
            assert isinstance(found, DocumentFilter)
            if decision.obligations != obligations_for(found, document):
                return f"{action}: obligations {decision.obligations} vs {found}"
    return None


@pytest.mark.parametrize("kind", list(ActorKind))
def test_the_filter_agrees_with_decide_on_the_whole_reading_table(kind: ActorKind) -> None:
    disagreements = [
        (actor, dossier, document, problem)
        for actor in actor_variants(kind)
        for status in (DossierStatus.ACTIVE, DossierStatus.CLOSED)
        for dossier, context in dossier_variants(kind, [status], DOCUMENT_SITUATIONS)
        for document in READ_DOCUMENTS
        if (problem := _disagreement(actor, dossier, context, document)) is not None
    ]
    assert disagreements[:5] == []


@pytest.mark.parametrize("kind", list(ActorKind))
def test_the_filter_is_a_denial_exactly_when_the_search_is(kind: ActorKind) -> None:
    statuses = list(DossierStatus)
    for actor in actor_variants(kind):
        for dossier, context in dossier_variants(kind, statuses, SITUATIONS):
            gate = decide(actor, Action.DOCUMENT_LIST, dossier, None, context)
            found = document_filter(actor, dossier, context)
            if gate.allowed:
                assert isinstance(found, DocumentFilter)
                assert found.obligations == gate.obligations
            else:
                assert found == gate


@settings(max_examples=150, deadline=None)
@given(st.data(), actors(), dossier_facts, contexts)
def test_the_filter_agrees_with_decide_on_generated_facts(
    data: st.DataObject, actor: Actor, dossier: DossierFacts, context: Context
) -> None:
    document = data.draw(documents_for(actor))
    assert _disagreement(actor, dossier, context, document) is None


# --- what the repository will translate -------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MATRIX = HabilitationMatrix("t", frozenset({("21", "11488-4"), ("21", "REMB"), ("10", "X")}))
CONTEXT = Context(now=NOW, matrix=MATRIX)
ACTIVE = DossierFacts(status=DossierStatus.ACTIVE)
EVERY_VISIBILITY = frozenset(Visibility)
PHARMACIST = "810000000021"
AUTHORIZED = DossierFacts(DossierStatus.ACTIVE, actor_authorization=AuthorizationState.AUTHORIZED)


def _pharmacist(mode: AccessMode = AccessMode.NORMAL, reason: str | None = None) -> Actor:
    return Actor(
        ActorKind.PROFESSIONAL,
        PHARMACIST,
        profession="21",
        mode=mode,
        break_glass_reason=reason,
    )


def test_the_holder_sees_every_type_but_not_what_is_hidden_from_them() -> None:
    holder = Actor(ActorKind.PATIENT, "holder-account")
    found = document_filter(
        holder, DossierFacts(DossierStatus.CLOSED, actor_is_holder=True), CONTEXT
    )
    assert found == DocumentFilter(
        readable_type_codes=None,
        exclude_visibility=frozenset({Visibility.INVISIBLE_PATIENT}),
        exclude_statuses=frozenset({DocumentStatus.DELETED}),
        author_bypass_actor_id=None,
        obligations=frozenset({Obligation.TRACE}),
        mark_hidden_from_representatives=False,
    )


def test_a_representative_also_loses_what_the_minor_hid_from_them() -> None:
    representative = Actor(ActorKind.LEGAL_REPRESENTATIVE, "rep-account")
    minor = DossierFacts(DossierStatus.ACTIVE, is_minor=True, actor_is_legal_representative=True)
    found = document_filter(representative, minor, CONTEXT)
    assert isinstance(found, DocumentFilter)
    assert found.exclude_visibility == {
        Visibility.INVISIBLE_PATIENT,
        Visibility.INVISIBLE_REPRESENTANTS_LEGAUX,
    }


def test_an_authorized_pharmacist_reads_the_matrix_types_minus_masked_plus_their_own() -> None:
    authorized = DossierFacts(
        DossierStatus.ACTIVE, actor_authorization=AuthorizationState.AUTHORIZED
    )
    found = document_filter(_pharmacist(), authorized, CONTEXT)
    assert found == DocumentFilter(
        readable_type_codes=frozenset({"11488-4", "REMB"}),
        exclude_visibility=frozenset({Visibility.MASQUE_PS}),
        exclude_statuses=frozenset({DocumentStatus.DELETED}),
        author_bypass_actor_id=PHARMACIST,
        obligations=frozenset({Obligation.TRACE}),
        mark_hidden_from_representatives=True,
    )


def test_a_treating_physician_also_sees_masked_documents() -> None:
    treating = DossierFacts(DossierStatus.ACTIVE, actor_is_treating_physician=True)
    found = document_filter(_pharmacist(), treating, CONTEXT)
    assert isinstance(found, DocumentFilter)
    assert found.exclude_visibility == frozenset()


def test_a_professional_without_grounds_lists_only_their_own_documents() -> None:
    found = document_filter(_pharmacist(), ACTIVE, CONTEXT)
    assert isinstance(found, DocumentFilter)
    assert (found.readable_type_codes, found.author_bypass_actor_id) == (
        frozenset(),
        PHARMACIST,
    )


def test_break_glass_lists_with_the_emergency_obligations_and_the_masked_consent() -> None:
    glass = _pharmacist(AccessMode.BREAK_GLASS, "Coma")
    found = document_filter(glass, ACTIVE, CONTEXT)
    assert isinstance(found, DocumentFilter)
    assert (found.obligations, found.exclude_visibility) == (
        frozenset({Obligation.TRACE, Obligation.NOTIFY_PATIENT, Obligation.BREAK_GLASS_BANNER}),
        frozenset({Visibility.MASQUE_PS}),
    )


def test_a_refused_search_is_the_decision_itself() -> None:
    blocked = DossierFacts(DossierStatus.ACTIVE, actor_authorization=AuthorizationState.BLOCKED)
    assert document_filter(_pharmacist(), blocked, CONTEXT) == Decision(False, Reason.BLOCKED)


def test_the_author_bypass_never_brings_back_a_deleted_document() -> None:
    found = document_filter(_pharmacist(), ACTIVE, CONTEXT)
    assert isinstance(found, DocumentFilter)
    own_deleted = DocumentFacts(
        "11488-4", "11", status=DocumentStatus.DELETED, author_id=PHARMACIST
    )
    assert not matches(found, own_deleted)


def test_matches_reads_the_row_author_not_the_actor_relative_flag() -> None:
    found = document_filter(_pharmacist(), ACTIVE, CONTEXT)
    assert isinstance(found, DocumentFilter)
    row = DocumentFacts("ANY", "11", visibility=EVERY_VISIBILITY, author_id=PHARMACIST)
    assert matches(found, row)


def test_obligations_mark_documents_hidden_from_representatives_for_professionals() -> None:
    authorized = DossierFacts(
        DossierStatus.ACTIVE, actor_authorization=AuthorizationState.AUTHORIZED
    )
    found = document_filter(_pharmacist(), authorized, CONTEXT)
    assert isinstance(found, DocumentFilter)
    hidden = DocumentFacts(
        "11488-4", "11", visibility=frozenset({Visibility.INVISIBLE_REPRESENTANTS_LEGAUX})
    )
    assert obligations_for(found, hidden) == {
        Obligation.TRACE,
        Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES,
    }
