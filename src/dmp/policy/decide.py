"""``decide``: the one access decision. Pure, total, default-deny.

Read top to bottom as the law reads: excluded parties first, then the dossier's life
state, then who the actor is to this dossier, then what the document's flags allow.
Every branch ends in an explicit ``Decision``; anything not granted is denied.
"""

from __future__ import annotations

from collections.abc import Callable

from dmp.policy.model import (
    AccessMode,
    Action,
    Actor,
    ActorKind,
    AuthorizationState,
    Context,
    Decision,
    DocumentFacts,
    DocumentStatus,
    DossierFacts,
    DossierStatus,
    Obligation,
    Reason,
    Visibility,
)
from dmp.policy.vocabulary import (
    ACTIONS_ON_CLOSED,
    ADMINISTRATIVE_ACTIONS,
    CREATORS,
    DOCUMENT_ACTIONS,
    EMERGENCY_OBLIGATIONS,
    HOLDER_ACTIONS_WHEN_CLOSED,
    HOLDER_SIDE_MANAGEMENT,
    LOOKUP_WITHOUT_DOSSIER,
    MANAGER_ACTIONS,
    PROFESSIONAL_ACTIONS,
    READ_ACTIONS,
    REIMBURSEMENT_CLASS,
    TRACE_ONLY,
)


def allow(obligations: frozenset[Obligation] = TRACE_ONLY) -> Decision:
    return Decision(True, Reason.ALLOWED, obligations)


def deny(reason: Reason) -> Decision:
    return Decision(False, reason, TRACE_ONLY)


def decide(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None = None,
    context: Context | None = None,
) -> Decision:
    """May ``actor`` do ``action``? Actions on one document (``DOCUMENT_ACTIONS``) need
    ``document``; DOCUMENT_LIST without one asks whether the actor may search at all, with
    one whether that document is among the results; every other action ignores it."""
    handler = _HANDLERS.get(actor.kind)
    if handler is None:  # excluded parties, and any kind nobody wrote a rule for
        return deny(Reason.FORBIDDEN_ROLE)
    if action in DOCUMENT_ACTIONS:
        if document is None:
            return deny(Reason.ACTION_NOT_PERMITTED)
    elif action is not Action.DOCUMENT_LIST:
        document = None
    if dossier is None:
        return _without_dossier(actor, action)
    if dossier.status is DossierStatus.PURGED:
        return deny(Reason.DOSSIER_PURGED)
    if action in (Action.DOSSIER_PURGE, Action.DOSSIER_REACTIVATE) and (
        dossier.status is DossierStatus.ACTIVE
    ):
        return deny(Reason.DOSSIER_NOT_CLOSED)
    if dossier.status is DossierStatus.CLOSED and action not in ACTIONS_ON_CLOSED:
        # Only the holder (the patient themself, not a representative) keeps a closed dossier.
        holder = actor.kind is ActorKind.PATIENT and dossier.actor_is_holder
        if not (holder and action in HOLDER_ACTIONS_WHEN_CLOSED):
            return deny(Reason.DOSSIER_CLOSED)
    if document is not None and document.status is DocumentStatus.DELETED:
        return deny(Reason.DOCUMENT_NOT_CURRENT)
    return handler(actor, action, dossier, document, context)


def _without_dossier(actor: Actor, action: Action) -> Decision:
    if action is Action.DOSSIER_LOOKUP and actor.kind in LOOKUP_WITHOUT_DOSSIER:
        return allow()
    if action is Action.DOSSIER_CREATE and actor.kind in CREATORS:
        return allow()
    return deny(Reason.ACTION_NOT_PERMITTED)


def _administrative(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Decision:
    if action not in ADMINISTRATIVE_ACTIONS[actor.kind]:
        return deny(Reason.ACTION_NOT_PERMITTED)
    if action is Action.DOCUMENT_REPLACE and not _authored(document):
        return deny(Reason.NOT_AUTHOR)
    return allow()


def _holder_side(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Decision:
    is_representative = actor.kind is ActorKind.LEGAL_REPRESENTATIVE
    if is_representative:
        if not dossier.actor_is_legal_representative:
            return deny(Reason.NOT_HOLDER)
        if not dossier.is_minor:
            return deny(Reason.REPRESENTATIVE_ACCESS_ENDED)
        if dossier.legal_representative_doctor_only and not (context and context.doctor_present):
            return deny(Reason.DOCTOR_PRESENCE_REQUIRED)
    elif not dossier.actor_is_holder:
        return deny(Reason.NOT_HOLDER)

    if document is None:
        if action in HOLDER_SIDE_MANAGEMENT:
            return allow()
        return deny(Reason.ACTION_NOT_PERMITTED)

    if Visibility.INVISIBLE_PATIENT in document.visibility:
        return deny(Reason.INVISIBLE_TO_PATIENT)
    if is_representative and Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility:
        return deny(Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES)
    if action in (
        Action.DOCUMENT_READ,
        Action.DOCUMENT_LIST,
        Action.DOCUMENT_SELECT,
        Action.DOCUMENT_ARCHIVE,
    ):
        return allow()
    if action is Action.DOCUMENT_MASK:
        if document.class_code == REIMBURSEMENT_CLASS:
            return deny(Reason.UNMASKABLE)
        return allow()
    if action in (Action.DOCUMENT_REPLACE, Action.DOCUMENT_DELETE):
        if document.author_is_patient:
            return allow()
        return deny(Reason.NOT_AUTHOR)
    # DOCUMENT_VISIBILITY: INVISIBLE_* is set by professionals, never by the patient side.
    return deny(Reason.ACTION_NOT_PERMITTED)


def has_normal_basis(dossier: DossierFacts) -> bool:
    """Authorized, treating physician or administrator: the grounds that need no emergency."""
    return (
        dossier.actor_authorization is AuthorizationState.AUTHORIZED
        or dossier.actor_is_treating_physician
        or dossier.actor_is_administrator
    )


def is_manager(dossier: DossierFacts) -> bool:
    return dossier.actor_is_treating_physician or dossier.actor_is_administrator


def _authored(document: DocumentFacts | None) -> bool:
    return document is not None and document.actor_is_author


def _professional(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Decision:
    if actor.mode is AccessMode.REGULATION:
        return deny(Reason.REGULATION_CREDENTIAL_REQUIRED)
    if action not in PROFESSIONAL_ACTIONS:
        return deny(Reason.ACTION_NOT_PERMITTED)
    if action is Action.ACCESS_UNBLOCK:
        return deny(Reason.ONLY_PATIENT_UNBLOCKS)

    # Feeding is not reading: depositing needs neither authorization nor the absence of a block.
    if action is Action.DOCUMENT_ADD:
        return allow()
    if action in (Action.DOCUMENT_REPLACE, Action.DOCUMENT_DELETE):
        return allow() if _authored(document) else deny(Reason.NOT_AUTHOR)
    # Finding, creating and reopening a dossier happen with the patient in front of them.
    if action in (Action.DOSSIER_LOOKUP, Action.DOSSIER_CREATE, Action.DOSSIER_REACTIVATE):
        return allow()

    if dossier.actor_authorization is AuthorizationState.BLOCKED:
        return deny(Reason.BLOCKED)
    if action is Action.ACCESS_DECLARE_CONSENT:
        return allow()
    if action in MANAGER_ACTIONS:
        return allow() if is_manager(dossier) else deny(Reason.NOT_MANAGER)
    if action is Action.DOSSIER_CLOSE:
        return allow() if has_normal_basis(dossier) else deny(Reason.NOT_AUTHORIZED)
    if action in (Action.DOCUMENT_MASK, Action.DOCUMENT_VISIBILITY):
        return _professional_flags(action, dossier, document)
    # Only READ_ACTIONS are left of the professional's vocabulary.
    return _professional_read(actor, action, dossier, document, context)


def _professional_flags(
    action: Action, dossier: DossierFacts, document: DocumentFacts | None
) -> Decision:
    if document is not None and document.class_code == REIMBURSEMENT_CLASS:
        return deny(Reason.UNMASKABLE)
    if action is Action.DOCUMENT_MASK:
        return allow() if is_manager(dossier) else deny(Reason.NOT_MANAGER)
    # INVISIBLE_PATIENT / _REPRESENTANTS_LEGAUX are set by the author, or by the managers.
    if _authored(document) or is_manager(dossier):
        return allow()
    return deny(Reason.NOT_AUTHOR)


def _professional_read(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Decision:
    if has_normal_basis(dossier):
        return _scope(actor, document, context, TRACE_ONLY, masked_visible=is_manager(dossier))
    if actor.mode is AccessMode.BREAK_GLASS:
        # A refused break-glass request is refused as a whole, own documents included: the
        # refusal is what the caller and the patient's history must see.
        if not (actor.break_glass_reason or "").strip():
            return deny(Reason.BREAK_GLASS_REASON_MISSING)
        if not dossier.btg_consent:
            return deny(Reason.BREAK_GLASS_OPPOSED)
        return _scope(
            actor, document, context, EMERGENCY_OBLIGATIONS, masked_visible=dossier.masked_consent
        )
    # No grounds: the author of a document still reads it, so a search is allowed and
    # narrowed to the professional's own documents; everything else is refused.
    if document is not None and document.actor_is_author:
        return allow(_marker(document))
    if document is None and action is Action.DOCUMENT_LIST:
        return allow()
    return deny(Reason.NOT_AUTHORIZED)


def _regulator(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Decision:
    if action in (Action.DOSSIER_LOOKUP, Action.DOCUMENT_ADD):
        return allow()
    if action not in READ_ACTIONS:
        return deny(Reason.ACTION_NOT_PERMITTED)
    if dossier.actor_authorization is AuthorizationState.BLOCKED:
        return deny(Reason.BLOCKED)
    if not dossier.etreat_consent:
        return deny(Reason.REGULATION_OPPOSED)
    return _scope(
        actor, document, context, EMERGENCY_OBLIGATIONS, masked_visible=dossier.masked_consent
    )


def _scope(
    actor: Actor,
    document: DocumentFacts | None,
    context: Context | None,
    obligations: frozenset[Obligation],
    *,
    masked_visible: bool,
) -> Decision:
    """What a professional with grounds to read sees: their own documents, and otherwise
    what the matrix allows minus masked documents unless ``masked_visible``."""
    if document is None:
        return allow(obligations)
    obligations = obligations | _marker(document)
    if document.actor_is_author:
        return allow(obligations)
    if not (context is not None and context.matrix.allows(actor.profession, document.type_code)):
        return deny(Reason.MATRIX_DENIES_TYPE)
    if Visibility.MASQUE_PS in document.visibility and not masked_visible:
        return deny(Reason.MASKED)
    return allow(obligations)


def _marker(document: DocumentFacts) -> frozenset[Obligation]:
    if Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility:
        return frozenset({Obligation.TRACE, Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES})
    return TRACE_ONLY


_Handler = Callable[[Actor, Action, DossierFacts, DocumentFacts | None, Context | None], Decision]
_HANDLERS: dict[ActorKind, _Handler] = {
    **dict.fromkeys(ADMINISTRATIVE_ACTIONS, _administrative),
    ActorKind.PATIENT: _holder_side,
    ActorKind.LEGAL_REPRESENTATIVE: _holder_side,
    ActorKind.PROFESSIONAL: _professional,
    ActorKind.REGULATOR: _regulator,
}
