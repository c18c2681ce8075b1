"""A deliberately naïve second reading of the access rules, the oracle of the policy tests.

Written from DESIGN.md §4, issue 4 and the lead's written interpretations — not from
``decide.py``: one straight if/else per actor kind, every action set spelled out where it
is used, the matrix read as raw pairs. It is slow and repetitive on purpose; if it and
``decide`` ever disagree, one of them misreads the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmp.policy.model import (
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
    Obligation,
    Reason,
    Visibility,
)

A = Action
K = ActorKind


@dataclass(frozen=True)
class Expected:
    allowed: bool
    reason: Reason
    obligations: frozenset[Obligation] = frozenset({Obligation.TRACE})


def yes(*extra: Obligation) -> Expected:
    return Expected(True, Reason.ALLOWED, frozenset({Obligation.TRACE, *extra}))


def no(reason: Reason) -> Expected:
    return Expected(False, reason)


EMERGENCY = (Obligation.NOTIFY_PATIENT, Obligation.BREAK_GLASS_BANNER)
MARK = Obligation.MARK_HIDDEN_FROM_REPRESENTATIVES

# The sets below are spelled out once at module level only because the table test calls
# the oracle hundreds of thousands of times.
REAL_ACTORS = {
    K.PATIENT,
    K.LEGAL_REPRESENTATIVE,
    K.PROFESSIONAL,
    K.REGULATOR,
    K.COUNTER_AGENT,
    K.SUPPORT,
    K.FEED,
    K.OPERATOR,
    K.SYSTEM,
}
ON_ONE_DOCUMENT = {
    A.DOCUMENT_READ,
    A.DOCUMENT_REPLACE,
    A.DOCUMENT_DELETE,
    A.DOCUMENT_ARCHIVE,
    A.DOCUMENT_SELECT,
    A.DOCUMENT_MASK,
    A.DOCUMENT_VISIBILITY,
}
CREATORS = {K.PATIENT, K.PROFESSIONAL, K.COUNTER_AGENT, K.SUPPORT, K.OPERATOR}
LIFECYCLE = {A.DOSSIER_LOOKUP, A.DOSSIER_REACTIVATE, A.DOSSIER_PURGE}
HOLDER_KEEPS_WHEN_CLOSED = {
    A.DOCUMENT_LIST,
    A.DOCUMENT_READ,
    A.DOSSIER_DOWNLOAD,
    A.DOSSIER_ADMIN_READ,
    A.DOSSIER_ADMIN_UPDATE,
    A.TRACE_READ,
}
COUNTER = {
    A.DOSSIER_LOOKUP,
    A.DOSSIER_CREATE,
    A.DOSSIER_CLOSE,
    A.DOSSIER_REACTIVATE,
    A.CREDENTIALS_REISSUE,
}
OPERATOR = COUNTER | {A.DOSSIER_PURGE}
SYSTEM = {A.DOSSIER_LOOKUP, A.DOSSIER_PURGE, A.DOSSIER_ADMIN_UPDATE}
PATIENT_SIDE_ON_DOSSIER = {
    A.ACCESS_MANAGE,
    A.ACCESS_UNBLOCK,
    A.EMERGENCY_CONSENTS_MANAGE,
    A.TRACE_READ,
    A.DOSSIER_ADMIN_READ,
    A.DOSSIER_ADMIN_UPDATE,
    A.DOSSIER_DOWNLOAD,
    A.DOSSIER_CLOSE,
    A.DOSSIER_REACTIVATE,
    A.DOSSIER_LOOKUP,
    A.DOCUMENT_ADD,
    A.DOCUMENT_LIST,
}
PATIENT_SIDE_READS = {A.DOCUMENT_READ, A.DOCUMENT_LIST, A.DOCUMENT_SELECT, A.DOCUMENT_ARCHIVE}
NEVER_FOR_PROFESSIONALS = {
    A.DOSSIER_PURGE,
    A.DOSSIER_DOWNLOAD,
    A.CREDENTIALS_REISSUE,
    A.DOCUMENT_ARCHIVE,
    A.DOCUMENT_SELECT,
}
FEEDING_AND_FINDING = {A.DOCUMENT_ADD, A.DOSSIER_LOOKUP, A.DOSSIER_CREATE, A.DOSSIER_REACTIVATE}
MANAGING = {A.ACCESS_MANAGE, A.EMERGENCY_CONSENTS_MANAGE, A.TRACE_READ, A.DOSSIER_ADMIN_UPDATE}
READS = {A.DOCUMENT_LIST, A.DOCUMENT_READ, A.DOSSIER_ADMIN_READ}


def naive(
    actor: Actor,
    action: Action,
    dossier: DossierFacts | None,
    document: DocumentFacts | None,
    context: Context | None,
) -> Expected:
    kind = actor.kind
    # Rule 2: occupational medicine, insurers, employers, banks — and anything unknown.
    if kind not in REAL_ACTORS:
        return no(Reason.FORBIDDEN_ROLE)

    about_one_document = action in ON_ONE_DOCUMENT
    if about_one_document and document is None:
        return no(Reason.ACTION_NOT_PERMITTED)
    if not about_one_document and action != A.DOCUMENT_LIST:
        document = None  # a dossier-wide action does not look at any document

    if dossier is None:
        if action == A.DOSSIER_LOOKUP and kind != K.LEGAL_REPRESENTATIVE:
            return yes()
        if action == A.DOSSIER_CREATE and kind in CREATORS:
            return yes()
        return no(Reason.ACTION_NOT_PERMITTED)

    # Rule 1: purged means gone; closed means the holder's alone.
    if dossier.status == DossierStatus.PURGED:
        return no(Reason.DOSSIER_PURGED)
    if dossier.status == DossierStatus.ACTIVE and action in (
        A.DOSSIER_PURGE,
        A.DOSSIER_REACTIVATE,
    ):
        return no(Reason.DOSSIER_NOT_CLOSED)
    if dossier.status == DossierStatus.CLOSED:
        lifecycle = action in LIFECYCLE
        holder_keeps = (
            kind == K.PATIENT and dossier.actor_is_holder and action in HOLDER_KEEPS_WHEN_CLOSED
        )
        if not lifecycle and not holder_keeps:
            return no(Reason.DOSSIER_CLOSED)
    if document is not None and document.status == DocumentStatus.DELETED:
        return no(Reason.DOCUMENT_NOT_CURRENT)

    # Rule 9: administrative actors never list or read documents or traces.
    if kind in (K.COUNTER_AGENT, K.SUPPORT):
        return yes() if action in COUNTER else no(Reason.ACTION_NOT_PERMITTED)
    if kind == K.OPERATOR:
        return yes() if action in OPERATOR else no(Reason.ACTION_NOT_PERMITTED)
    if kind == K.SYSTEM:
        return yes() if action in SYSTEM else no(Reason.ACTION_NOT_PERMITTED)
    if kind == K.FEED:
        if action in (A.DOSSIER_LOOKUP, A.DOCUMENT_ADD):
            return yes()
        if action == A.DOCUMENT_REPLACE:
            assert document is not None
            return yes() if document.actor_is_author else no(Reason.NOT_AUTHOR)
        return no(Reason.ACTION_NOT_PERMITTED)
    if kind in (K.PATIENT, K.LEGAL_REPRESENTATIVE):
        return _patient_side(actor, action, dossier, document, context)
    if kind == K.REGULATOR:
        return _regulator(actor, action, dossier, document, context)
    return _professional(actor, action, dossier, document, context)


def _patient_side(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Expected:
    representative = actor.kind == K.LEGAL_REPRESENTATIVE
    if representative:
        if not dossier.actor_is_legal_representative:
            return no(Reason.NOT_HOLDER)
        if not dossier.is_minor:  # rule 10: at 18 the representatives lose access
            return no(Reason.REPRESENTATIVE_ACCESS_ENDED)
        doctor_there = context is not None and context.doctor_present
        if dossier.legal_representative_doctor_only and not doctor_there:
            return no(Reason.DOCTOR_PRESENCE_REQUIRED)
    elif not dossier.actor_is_holder:
        return no(Reason.NOT_HOLDER)

    if document is None:
        return yes() if action in PATIENT_SIDE_ON_DOSSIER else no(Reason.ACTION_NOT_PERMITTED)
    # Rule 5.
    if Visibility.INVISIBLE_PATIENT in document.visibility:
        return no(Reason.INVISIBLE_TO_PATIENT)
    if representative and Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility:
        return no(Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES)
    if action in PATIENT_SIDE_READS:
        return yes()  # masked documents stay visible to the patient (rule 4)
    if action == A.DOCUMENT_MASK:
        return no(Reason.UNMASKABLE) if document.class_code == "60" else yes()  # rule 6
    if action in (A.DOCUMENT_REPLACE, A.DOCUMENT_DELETE):
        return yes() if document.author_is_patient else no(Reason.NOT_AUTHOR)  # rule 8
    return no(Reason.ACTION_NOT_PERMITTED)


def _professional(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Expected:
    if actor.mode == AccessMode.REGULATION:
        return no(Reason.REGULATION_CREDENTIAL_REQUIRED)
    if action in NEVER_FOR_PROFESSIONALS:
        return no(Reason.ACTION_NOT_PERMITTED)
    if action == A.ACCESS_UNBLOCK:
        return no(Reason.ONLY_PATIENT_UNBLOCKS)
    # Rule 3: feeding is not reading — no authorization needed, blocked or not.
    if action in FEEDING_AND_FINDING:
        return yes()
    i_wrote_it = document is not None and document.actor_is_author
    if action in (A.DOCUMENT_REPLACE, A.DOCUMENT_DELETE):
        return yes() if i_wrote_it else no(Reason.NOT_AUTHOR)

    if dossier.actor_authorization == AuthorizationState.BLOCKED:
        return no(Reason.BLOCKED)
    manager = dossier.actor_is_treating_physician or dossier.actor_is_administrator
    grounds = manager or dossier.actor_authorization == AuthorizationState.AUTHORIZED
    if action == A.ACCESS_DECLARE_CONSENT:
        return yes()
    if action in MANAGING:
        return yes() if manager else no(Reason.NOT_MANAGER)
    if action == A.DOSSIER_CLOSE:
        return yes() if grounds else no(Reason.NOT_AUTHORIZED)
    if action in (A.DOCUMENT_MASK, A.DOCUMENT_VISIBILITY):
        assert document is not None
        if document.class_code == "60":
            return no(Reason.UNMASKABLE)
        if action == A.DOCUMENT_MASK:
            return yes() if manager else no(Reason.NOT_MANAGER)
        return yes() if (i_wrote_it or manager) else no(Reason.NOT_AUTHOR)

    # What is left: LIST, READ, DOSSIER_ADMIN_READ.
    if grounds:
        return _sees(actor, document, context, emergency=False, masked_ok=manager)
    if actor.mode == AccessMode.BREAK_GLASS:
        if actor.break_glass_reason is None or actor.break_glass_reason.strip() == "":
            return no(Reason.BREAK_GLASS_REASON_MISSING)
        if not dossier.btg_consent:
            return no(Reason.BREAK_GLASS_OPPOSED)
        return _sees(actor, document, context, emergency=True, masked_ok=dossier.masked_consent)
    if i_wrote_it:
        assert document is not None
        hidden_from_reps = Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility
        return yes(MARK) if hidden_from_reps else yes()
    if document is None and action == A.DOCUMENT_LIST:
        return yes()  # the search runs, narrowed to the professional's own documents
    return no(Reason.NOT_AUTHORIZED)


def _regulator(
    actor: Actor,
    action: Action,
    dossier: DossierFacts,
    document: DocumentFacts | None,
    context: Context | None,
) -> Expected:
    if action in (A.DOSSIER_LOOKUP, A.DOCUMENT_ADD):
        return yes()
    if action not in READS:
        return no(Reason.ACTION_NOT_PERMITTED)
    if dossier.actor_authorization == AuthorizationState.BLOCKED:
        return no(Reason.BLOCKED)
    if not dossier.etreat_consent:
        return no(Reason.REGULATION_OPPOSED)
    return _sees(actor, document, context, emergency=True, masked_ok=dossier.masked_consent)


def _sees(
    actor: Actor,
    document: DocumentFacts | None,
    context: Context | None,
    *,
    emergency: bool,
    masked_ok: bool,
) -> Expected:
    extra = EMERGENCY if emergency else ()
    if document is None:
        return yes(*extra)
    if Visibility.INVISIBLE_REPRESENTANTS_LEGAUX in document.visibility:
        extra = (*extra, MARK)
    if document.actor_is_author:
        return yes(*extra)
    pair = (actor.profession, document.type_code)
    if context is None or actor.profession is None or pair not in context.matrix.readable:
        return no(Reason.MATRIX_DENIES_TYPE)
    if Visibility.MASQUE_PS in document.visibility and not masked_ok:
        return no(Reason.MASKED)
    return yes(*extra)
