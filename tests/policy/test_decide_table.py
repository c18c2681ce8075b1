"""Exhaustive tables: ``decide`` agrees with the naïve oracle on every combination.

Three tables keep the product small enough to run in seconds: dossier-wide actions over
every dossier situation, one-document reads over every document flag, one-document changes
over every document flag (see ``tables.py`` for the dimensions). Each case compares the
allowed bit, the reason and the obligations.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from dmp.policy import ActorKind, DossierStatus, decide
from tests.policy.naive import naive
from tests.policy.tables import (
    CHANGE_DOCUMENTS,
    CHANGES,
    DOCUMENT_SITUATIONS,
    DOSSIER_WIDE,
    ONE_DOCUMENT_READS,
    READ_DOCUMENTS,
    Case,
    dossier_wide_table,
    one_document_table,
)


def _check(cases: Iterable[Case]) -> int:
    count = 0
    disagreements = []
    for actor, action, dossier, document, context in cases:
        count += 1
        got = decide(actor, action, dossier, document, context)
        want = naive(actor, action, dossier, document, context)
        if (got.allowed, got.reason, got.obligations) != (
            want.allowed,
            want.reason,
            want.obligations,
        ):
            disagreements.append((actor, action, dossier, document, context, got, want))
            if len(disagreements) == 5:
                break
    assert disagreements == [], "\n\n".join(map(repr, disagreements))
    return count


@pytest.mark.parametrize("kind", list(ActorKind))
def test_dossier_wide_actions(kind: ActorKind) -> None:
    assert _check(dossier_wide_table(kind)) > 0


@pytest.mark.parametrize("kind", list(ActorKind))
def test_reading_one_document(kind: ActorKind) -> None:
    table = one_document_table(kind, ONE_DOCUMENT_READS, READ_DOCUMENTS, DOCUMENT_SITUATIONS)
    assert _check(table) > 0


@pytest.mark.parametrize("kind", list(ActorKind))
def test_changing_one_document(kind: ActorKind) -> None:
    # The emergency consents only widen reading: one situation is enough for changes.
    table = one_document_table(kind, CHANGES, CHANGE_DOCUMENTS, DOCUMENT_SITUATIONS[:1])
    assert _check(table) > 0


def test_a_document_handed_to_a_dossier_wide_action_changes_nothing() -> None:
    """The facts of the document being added, say, even deleted or hidden ones: the same
    answer as without a document."""
    documents = [READ_DOCUMENTS[0], READ_DOCUMENTS[-1]]  # plain; deleted with every flag
    differences = [
        (actor, action, dossier, document)
        for kind in ActorKind
        for actor, action, dossier, _, context in dossier_wide_table(kind)
        if action in DOSSIER_WIDE and dossier is not None and dossier.status is DossierStatus.ACTIVE
        for document in documents
        if decide(actor, action, dossier, document, context)
        != decide(actor, action, dossier, None, context)
    ]
    assert differences == []
