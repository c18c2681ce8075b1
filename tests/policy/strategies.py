"""Hypothesis strategies for the policy's facts: every field free, nonsense included.

Identifiers and codes come from small pools so that coincidences (the actor is the author,
the matrix holds the pair) happen often enough to matter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from hypothesis import strategies as st

from dmp.policy import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    AuthorizationState,
    Context,
    DocumentFacts,
    DocumentStatus,
    DossierFacts,
    DossierStatus,
    HabilitationMatrix,
    Visibility,
)

ACTOR_IDS = ("810000000001", "810000000002", "holder-account")
PROFESSIONS = ("10", "21", "40", "60", "80")
TYPE_CODES = ("11488-4", "34112-3", "68599-0", "REMB")
CLASS_CODES = ("10", "11", "60")
# Kinds nobody wrote a rule for must be refused like the excluded ones.
UNKNOWN_KINDS = tuple(cast(ActorKind, name) for name in ("astrologer", "", "PATIENT"))
FORBIDDEN_KINDS = (
    ActorKind.OCCUPATIONAL_PHYSICIAN,
    ActorKind.INSURER,
    ActorKind.EMPLOYER,
    ActorKind.BANK,
)

known_kinds = st.sampled_from(list(ActorKind))
kinds = st.one_of(known_kinds, st.sampled_from(UNKNOWN_KINDS))
actions = st.sampled_from(list(Action))
reasons = st.sampled_from([None, "", "   ", "\t\n", "Détresse respiratoire aiguë"])


@st.composite
def actors(draw: st.DrawFn, kind: st.SearchStrategy[ActorKind] = kinds) -> Actor:
    return Actor(
        kind=draw(kind),
        id=draw(st.sampled_from(ACTOR_IDS)),
        profession=draw(st.none() | st.sampled_from(PROFESSIONS)),
        mode=draw(st.sampled_from(list(AccessMode))),
        break_glass_reason=draw(reasons),
    )


dossier_facts = st.builds(
    DossierFacts,
    status=st.sampled_from(list(DossierStatus)),
    is_minor=st.booleans(),
    btg_consent=st.booleans(),
    etreat_consent=st.booleans(),
    masked_consent=st.booleans(),
    legal_representative_doctor_only=st.booleans(),
    actor_is_holder=st.booleans(),
    actor_is_legal_representative=st.booleans(),
    actor_authorization=st.none() | st.sampled_from(list(AuthorizationState)),
    actor_is_treating_physician=st.booleans(),
    actor_is_administrator=st.booleans(),
)


@st.composite
def documents_for(draw: st.DrawFn, actor: Actor) -> DocumentFacts:
    """A document row whose ``actor_is_author`` agrees with its ``author_id``, as the
    loader of facts keeps them."""
    author_id = draw(st.none() | st.sampled_from(ACTOR_IDS))
    return DocumentFacts(
        type_code=draw(st.sampled_from(TYPE_CODES)),
        class_code=draw(st.sampled_from(CLASS_CODES)),
        status=draw(st.sampled_from(list(DocumentStatus))),
        visibility=draw(st.frozensets(st.sampled_from(list(Visibility)))),
        author_is_patient=draw(st.booleans()),
        actor_is_author=author_id == actor.id,
        author_id=author_id,
    )


# Facts straight from the generator, unrelated flags included.
document_facts = st.builds(
    DocumentFacts,
    type_code=st.sampled_from(TYPE_CODES),
    class_code=st.sampled_from(CLASS_CODES),
    status=st.sampled_from(list(DocumentStatus)),
    visibility=st.frozensets(st.sampled_from(list(Visibility))),
    author_is_patient=st.booleans(),
    actor_is_author=st.booleans(),
    author_id=st.none() | st.sampled_from(ACTOR_IDS),
)

matrices = st.builds(
    HabilitationMatrix,
    version=st.just("generated"),
    readable=st.frozensets(
        st.tuples(st.sampled_from(PROFESSIONS), st.sampled_from(TYPE_CODES)), max_size=8
    ),
)
contexts = st.builds(
    Context,
    now=st.just(datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
    matrix=matrices,
    doctor_present=st.booleans(),
)
