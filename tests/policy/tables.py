"""The dimensions of the exhaustive tables, shared by the decision and the listing tests.

Every actor kind × its relation to the dossier × access mode × dossier state × document
flags × action, built with ``itertools.product``. Where a dimension cannot matter to a kind
by the rules (a counter agent's relation to the dossier), the tables take its two extremes
(no relation, every relation at once) rather than every value; the property tests vary
everything at random.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

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
from tests.policy.naive import ON_ONE_DOCUMENT

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACTOR_ID = "810000000001"
READABLE, UNREADABLE = "11488-4", "34112-3"
MATRIX = HabilitationMatrix("table", frozenset({("10", READABLE)}))

MODES: list[tuple[AccessMode, str | None]] = [
    (AccessMode.NORMAL, None),
    (AccessMode.BREAK_GLASS, "Arrêt cardio-respiratoire, patient inconscient"),
    (AccessMode.BREAK_GLASS, "   "),  # a reason of blanks is no reason
    (AccessMode.REGULATION, None),
]

EVERY_RELATION: dict[str, dict[str, Any]] = {
    "none": {},
    "holder": {"actor_is_holder": True},
    "representative": {"actor_is_legal_representative": True},
    "authorized": {"actor_authorization": AuthorizationState.AUTHORIZED},
    "revoked": {"actor_authorization": AuthorizationState.REVOKED},
    "blocked": {"actor_authorization": AuthorizationState.BLOCKED},
    "treating physician": {"actor_is_treating_physician": True},
    "administrator": {"actor_is_administrator": True},
    "blocked treating physician": {
        "actor_authorization": AuthorizationState.BLOCKED,
        "actor_is_treating_physician": True,
    },
}
EXTREME_RELATIONS = {
    "none": {},
    "every relation at once": {
        "actor_is_holder": True,
        "actor_is_legal_representative": True,
        "actor_authorization": AuthorizationState.AUTHORIZED,
        "actor_is_treating_physician": True,
        "actor_is_administrator": True,
    },
}
RELATIONAL_KINDS = {
    ActorKind.PATIENT,
    ActorKind.LEGAL_REPRESENTATIVE,
    ActorKind.PROFESSIONAL,
    ActorKind.REGULATOR,
}

# (dossier settings, doctor present): each rule reads at most two of these flags; the list
# covers every combination those pairs take.
SITUATIONS: list[tuple[dict[str, Any], bool]] = [
    ({}, False),  # adult, BTG and ETREAT on, MASKED off: the defaults at creation
    ({"btg_consent": False}, False),
    ({"etreat_consent": False}, False),
    ({"masked_consent": True}, False),
    ({"btg_consent": False, "masked_consent": True}, False),
    ({"etreat_consent": False, "masked_consent": True}, False),
    ({"btg_consent": False, "etreat_consent": False}, False),
    ({"is_minor": True}, False),
    ({"is_minor": True, "legal_representative_doctor_only": True}, False),
    ({"is_minor": True, "legal_representative_doctor_only": True}, True),
    ({"legal_representative_doctor_only": True}, True),  # restriction left after majority
]
# One-document tables: a minor's dossier so the representative's document rules are reached.
DOCUMENT_SITUATIONS: list[tuple[dict[str, Any], bool]] = [
    ({"is_minor": True}, False),
    ({"is_minor": True, "masked_consent": True}, False),
]

VISIBILITIES = [
    frozenset(flags)
    for size in range(4)
    for flags in itertools.combinations(sorted(Visibility), size)
]
# (actor is the author, the patient side authored it)
AUTHORSHIPS = [(False, False), (True, False), (False, True), (True, True)]


def actor_variants(kind: ActorKind) -> list[Actor]:
    return [
        Actor(kind=kind, id=ACTOR_ID, profession="10", mode=mode, break_glass_reason=reason)
        for mode, reason in MODES
    ]


def relation_variants(kind: ActorKind) -> list[dict[str, Any]]:
    chosen = EVERY_RELATION if kind in RELATIONAL_KINDS else EXTREME_RELATIONS
    return list(chosen.values())


def dossier_variants(
    kind: ActorKind,
    statuses: Iterable[DossierStatus],
    situations: list[tuple[dict[str, Any], bool]],
) -> list[tuple[DossierFacts, Context]]:
    return [
        (
            DossierFacts(status=status, **settings, **relation),
            Context(now=NOW, matrix=MATRIX, doctor_present=doctor),
        )
        for status, (settings, doctor), relation in itertools.product(
            statuses, situations, relation_variants(kind)
        )
    ]


def make_document(
    *,
    type_code: str,
    class_code: str,
    status: DocumentStatus,
    visibility: frozenset[Visibility],
    authorship: tuple[bool, bool],
) -> DocumentFacts:
    actor_is_author, author_is_patient = authorship
    return DocumentFacts(
        type_code=type_code,
        class_code=class_code,
        status=status,
        visibility=visibility,
        author_is_patient=author_is_patient,
        actor_is_author=actor_is_author,
        author_id=ACTOR_ID if actor_is_author else "someone-else",
    )


READ_DOCUMENTS = [
    make_document(type_code=t, class_code="11", status=s, visibility=v, authorship=a)
    for t, s, v, a in itertools.product(
        (READABLE, UNREADABLE),
        (DocumentStatus.APPROVED, DocumentStatus.DELETED),
        VISIBILITIES,
        AUTHORSHIPS,
    )
]
CHANGE_DOCUMENTS = [
    make_document(type_code=READABLE, class_code=c, status=s, visibility=v, authorship=a)
    for c, s, v, a in itertools.product(
        ("11", "60"), (DocumentStatus.APPROVED, DocumentStatus.DELETED), VISIBILITIES, AUTHORSHIPS
    )
]
# LIST is left out: with a document it asks about that document.
DOSSIER_WIDE = [a for a in Action if a not in ON_ONE_DOCUMENT and a is not Action.DOCUMENT_LIST]
CHANGES = sorted(ON_ONE_DOCUMENT - {Action.DOCUMENT_READ})
ONE_DOCUMENT_READS = [Action.DOCUMENT_LIST, Action.DOCUMENT_READ]

Case = tuple[Actor, Action, DossierFacts | None, DocumentFacts | None, Context | None]


def dossier_wide_table(kind: ActorKind) -> Iterator[Case]:
    """Every action without a document (document actions must then be refused), on no
    dossier, on a purged one, and on active and closed ones in every situation."""
    dossiers: list[tuple[DossierFacts | None, Context | None]] = [(None, None)]
    dossiers += dossier_variants(kind, [DossierStatus.PURGED], SITUATIONS[:1])
    dossiers += dossier_variants(kind, [DossierStatus.ACTIVE, DossierStatus.CLOSED], SITUATIONS)
    for actor, action, (dossier, context) in itertools.product(
        actor_variants(kind), Action, dossiers
    ):
        yield actor, action, dossier, None, context


def one_document_table(
    kind: ActorKind,
    actions: list[Action],
    documents: list[DocumentFacts],
    situations: list[tuple[dict[str, Any], bool]],
) -> Iterator[Case]:
    dossiers = dossier_variants(kind, [DossierStatus.ACTIVE, DossierStatus.CLOSED], situations)
    for actor, action, (dossier, context), document in itertools.product(
        actor_variants(kind), actions, dossiers, documents
    ):
        yield actor, action, dossier, document, context
