"""The query form of the read rules: which documents of a dossier an actor may list.

``decide`` answers for one document; a search cannot load every document to ask it, so
``document_filter`` describes the same rule as plain data a repository turns into a
WHERE clause without knowing the rules. ``matches`` is that clause evaluated in Python;
the tests prove that ``matches(document_filter(...), doc)`` is ``decide(...,
DOCUMENT_LIST or DOCUMENT_READ, doc).allowed`` for every actor, dossier and document.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmp.policy.decide import decide, has_normal_basis, is_manager
from dmp.policy.model import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    Context,
    Decision,
    DocumentFacts,
    DocumentStatus,
    DossierFacts,
    Obligation,
    Visibility,
)

_NEVER_LISTED = frozenset({DocumentStatus.DELETED})
_PATIENT_HIDDEN = frozenset({Visibility.INVISIBLE_PATIENT})
_REPRESENTATIVE_HIDDEN = frozenset(
    {Visibility.INVISIBLE_PATIENT, Visibility.INVISIBLE_REPRESENTANTS_LEGAUX}
)
_MASKED = frozenset({Visibility.MASQUE_PS})


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Which documents of one dossier are listed, as a repository translates it:

    ``status NOT IN exclude_statuses AND (author_id = author_bypass_actor_id OR
    (type_code IN readable_type_codes AND the document carries none of exclude_visibility))``

    - ``exclude_statuses``: never empty (deleted documents are read by nobody); it stays
      outside the OR, so the author bypass does not bring a deleted document back.
    - ``author_bypass_actor_id``: when None, drop the ``author_id = …`` disjunct.
    - ``readable_type_codes``: None means every type (drop the test); an empty set means
      no type (the general clause is false, only the author's own documents remain).
    - ``exclude_visibility``: each member is one "does not carry code X" test on the
      document's confidentiality codes; empty means no test.
    - ``obligations``: what every listed document carries (trace, and in emergency modes
      notify the patient and show the banner).
    - ``mark_hidden_from_representatives``: not a WHERE clause; rows carrying
      INVISIBLE_REPRESENTANTS_LEGAUX get the marker obligation (see ``obligations_for``).
    """

    readable_type_codes: frozenset[str] | None
    exclude_visibility: frozenset[Visibility]
    exclude_statuses: frozenset[DocumentStatus]
    author_bypass_actor_id: str | None
    obligations: frozenset[Obligation]
    mark_hidden_from_representatives: bool


def document_filter(
    actor: Actor, dossier: DossierFacts, context: Context
) -> DocumentFilter | Decision:
    """The filter for ``actor``'s search of ``dossier``, or the denial of the search as a
    whole (the same ``Decision`` as ``decide(actor, DOCUMENT_LIST, dossier)``)."""
    gate = decide(actor, Action.DOCUMENT_LIST, dossier, None, context)
    if not gate.allowed:
        return gate
    if actor.kind is ActorKind.PATIENT:
        return DocumentFilter(None, _PATIENT_HIDDEN, _NEVER_LISTED, None, gate.obligations, False)
    if actor.kind is ActorKind.LEGAL_REPRESENTATIVE:
        return DocumentFilter(
            None, _REPRESENTATIVE_HIDDEN, _NEVER_LISTED, None, gate.obligations, False
        )
    # Professionals and regulators; any other kind the gate ever lets through falls to the
    # narrowest case below (its own documents only).
    readable = context.matrix.types_readable_by(actor.profession)
    if actor.kind is ActorKind.PROFESSIONAL and has_normal_basis(dossier):
        masked_visible = is_manager(dossier)
    elif actor.kind is ActorKind.REGULATOR or actor.mode is AccessMode.BREAK_GLASS:
        masked_visible = dossier.masked_consent
    else:
        readable, masked_visible = frozenset(), True
    return DocumentFilter(
        readable_type_codes=readable,
        exclude_visibility=frozenset() if masked_visible else _MASKED,
        exclude_statuses=_NEVER_LISTED,
        author_bypass_actor_id=actor.id,
        obligations=gate.obligations,
        mark_hidden_from_representatives=True,
    )


def matches(document_filter: DocumentFilter, document: DocumentFacts) -> bool:
    """The WHERE clause of ``document_filter`` evaluated on one row's facts (the row's
    ``author_id``, never the actor-relative ``actor_is_author``)."""
    if document.status in document_filter.exclude_statuses:
        return False
    bypass = document_filter.author_bypass_actor_id
    if bypass is not None and document.author_id == bypass:
        return True
    types = document_filter.readable_type_codes
    if types is not None and document.type_code not in types:
        return False
    return document_filter.exclude_visibility.isdisjoint(document.visibility)


def obligations_for(
    document_filter: DocumentFilter, document: DocumentFacts
) -> frozenset[Obligation]:
    """The obligations of one listed document: the filter's, plus the marker that tells a
    professional the document is hidden from the legal representatives."""
    if (
        document_filter.mark_hidden_from_representatives
        and Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility
    ):
        return document_filter.obligations | {Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES}
    return document_filter.obligations
