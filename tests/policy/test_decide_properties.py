"""Properties of ``decide`` on facts hypothesis makes up, nonsense combinations included."""

from __future__ import annotations

import copy
import dataclasses

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
    DossierFacts,
    HabilitationMatrix,
    Obligation,
    Reason,
    decide,
)
from tests.policy.naive import naive
from tests.policy.strategies import (
    FORBIDDEN_KINDS,
    UNKNOWN_KINDS,
    actions,
    actors,
    contexts,
    document_facts,
    dossier_facts,
    known_kinds,
)

# The exhaustive tables carry the weight; these add random nonsense combinations. Sized to
# keep the policy suite within seconds.
MANY = settings(max_examples=100, deadline=None)
READS = (Action.DOCUMENT_LIST, Action.DOCUMENT_READ, Action.DOSSIER_ADMIN_READ)

maybe_dossier = st.none() | dossier_facts
maybe_document = st.none() | document_facts
maybe_context = st.none() | contexts


@MANY
@given(actors(), actions, maybe_dossier, maybe_document, maybe_context)
def test_decide_is_total_and_always_traces(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> None:
    decision = decide(actor, action, dossier, document, context)
    assert isinstance(decision, Decision)
    assert Obligation.TRACE in decision.obligations
    assert decision.allowed == (decision.reason is Reason.ALLOWED)


@MANY
@given(
    actors(kind=st.sampled_from(FORBIDDEN_KINDS + UNKNOWN_KINDS)),
    actions,
    maybe_dossier,
    maybe_document,
    maybe_context,
)
def test_excluded_and_unknown_kinds_are_always_refused(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> None:
    assert decide(actor, action, dossier, document, context).reason is Reason.FORBIDDEN_ROLE


@MANY
@given(actors(), actions, maybe_dossier, maybe_document, maybe_context)
def test_decide_is_deterministic(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> None:
    first = decide(actor, action, dossier, document, context)
    again = decide(
        copy.deepcopy(actor),
        action,
        copy.deepcopy(dossier),
        copy.deepcopy(document),
        copy.deepcopy(context),
    )
    assert first == again


@settings(max_examples=600, deadline=None)
@given(actors(), actions, maybe_dossier, maybe_document, maybe_context)
def test_decide_agrees_with_the_naive_oracle(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> None:
    got = decide(actor, action, dossier, document, context)
    want = naive(actor, action, dossier, document, context)
    assert (got.allowed, got.reason, got.obligations) == (
        want.allowed,
        want.reason,
        want.obligations,
    )


@MANY
@given(actors(), actions, maybe_dossier, maybe_document, maybe_context)
def test_only_allowed_emergency_reads_notify_the_patient(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> None:
    decision = decide(actor, action, dossier, document, context)
    grounds = dossier is not None and (
        dossier.actor_authorization is AuthorizationState.AUTHORIZED
        or dossier.actor_is_treating_physician
        or dossier.actor_is_administrator
    )
    emergency_read = (
        decision.allowed
        and action in READS
        and (
            actor.kind is ActorKind.REGULATOR
            or (
                actor.kind is ActorKind.PROFESSIONAL
                and actor.mode is AccessMode.BREAK_GLASS
                and not grounds
            )
        )
    )
    notified = {Obligation.NOTIFY_PATIENT, Obligation.BREAK_GLASS_BANNER} <= decision.obligations
    assert notified == emergency_read
    if not decision.allowed:
        assert decision.obligations == {Obligation.TRACE}


@MANY
@given(actors(kind=known_kinds), actions, dossier_facts, maybe_document, contexts)
def test_a_block_never_grants_anything(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context,
) -> None:
    blocked = dataclasses.replace(dossier, actor_authorization=AuthorizationState.BLOCKED)
    unblocked = dataclasses.replace(dossier, actor_authorization=None)
    if decide(actor, action, blocked, document, context):
        assert decide(actor, action, unblocked, document, context)


@MANY
@given(actors(kind=known_kinds), actions, dossier_facts, document_facts, contexts, contexts)
def test_a_wider_matrix_never_takes_anything_away(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts,
    context: Context,
    other: Context,
) -> None:
    union = HabilitationMatrix("union", context.matrix.readable | other.matrix.readable)
    wider = dataclasses.replace(context, matrix=union)
    if decide(actor, action, dossier, document, context):
        assert decide(actor, action, dossier, document, wider)


@MANY
@given(actors(kind=known_kinds), actions, dossier_facts, document_facts, contexts)
def test_hiding_a_document_never_shows_it_to_more_people(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts,
    context: Context,
) -> None:
    """Adding confidentiality codes can only narrow what is allowed."""
    plain = dataclasses.replace(document, visibility=frozenset())
    if decide(actor, action, dossier, document, context):
        assert decide(actor, action, dossier, plain, context)


@MANY
@given(actors(kind=known_kinds), st.sampled_from(READS), dossier_facts, document_facts, contexts)
def test_emergency_consents_only_widen_reading(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts,
    context: Context,
) -> None:
    every_consent = dataclasses.replace(
        dossier, btg_consent=True, etreat_consent=True, masked_consent=True
    )
    if decide(actor, action, dossier, document, context):
        assert decide(actor, action, every_consent, document, context)
