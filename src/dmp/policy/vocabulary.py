"""Who may do what, as data: the action sets ``decide`` reads.

Kept apart from the decision logic so the vocabularies can be read (and reviewed against
DESIGN.md §4) as tables.
"""

from __future__ import annotations

from dmp.policy.model import Action, ActorKind, Obligation

REIMBURSEMENT_CLASS = "60"

# Parties the law excludes whatever the patient says: ``decide`` has no handler for them,
# so every request of theirs is refused with ``forbidden_role``.
FORBIDDEN_KINDS = frozenset(
    {ActorKind.OCCUPATIONAL_PHYSICIAN, ActorKind.INSURER, ActorKind.EMPLOYER, ActorKind.BANK}
)
# Actions aimed at one document: without ``document`` there is nothing to decide on.
# DOCUMENT_LIST is both: without a document it asks "may the actor search this dossier",
# with one "is this document among the results". Every other action is dossier-wide and
# ignores a document passed along (e.g. the facts of the document being added).
DOCUMENT_ACTIONS = frozenset(
    {
        Action.DOCUMENT_READ,
        Action.DOCUMENT_REPLACE,
        Action.DOCUMENT_DELETE,
        Action.DOCUMENT_ARCHIVE,
        Action.DOCUMENT_SELECT,
        Action.DOCUMENT_MASK,
        Action.DOCUMENT_VISIBILITY,
    }
)
READ_ACTIONS = frozenset({Action.DOCUMENT_LIST, Action.DOCUMENT_READ, Action.DOSSIER_ADMIN_READ})
# What the holder keeps on a closed dossier: reading and downloading it until it is purged,
# and asking for (or cancelling) the deletion of its data (DOSSIER_ADMIN_UPDATE).
HOLDER_ACTIONS_WHEN_CLOSED = frozenset(
    {
        Action.DOCUMENT_LIST,
        Action.DOCUMENT_READ,
        Action.DOSSIER_DOWNLOAD,
        Action.DOSSIER_ADMIN_READ,
        Action.DOSSIER_ADMIN_UPDATE,
        Action.TRACE_READ,
    }
)
# Life-cycle actions meant for closed dossiers, open to whoever the actor's own rules allow
# (the holder reactivates, a counter agent too, the operator purges).
ACTIONS_ON_CLOSED = frozenset(
    {Action.DOSSIER_LOOKUP, Action.DOSSIER_REACTIVATE, Action.DOSSIER_PURGE}
)
_COUNTER_ACTIONS = frozenset(
    {
        Action.DOSSIER_LOOKUP,
        Action.DOSSIER_CREATE,
        Action.DOSSIER_CLOSE,
        Action.DOSSIER_REACTIVATE,
        Action.CREDENTIALS_REISSUE,
    }
)
# Administrative actors never see medical content: this is their whole vocabulary.
ADMINISTRATIVE_ACTIONS: dict[ActorKind, frozenset[Action]] = {
    ActorKind.COUNTER_AGENT: _COUNTER_ACTIONS,
    ActorKind.SUPPORT: _COUNTER_ACTIONS,
    ActorKind.OPERATOR: _COUNTER_ACTIONS | {Action.DOSSIER_PURGE},
    ActorKind.SYSTEM: frozenset(
        {Action.DOSSIER_LOOKUP, Action.DOSSIER_PURGE, Action.DOSSIER_ADMIN_UPDATE}
    ),
    ActorKind.FEED: frozenset(
        {Action.DOSSIER_LOOKUP, Action.DOCUMENT_ADD, Action.DOCUMENT_REPLACE}
    ),
}
# Who may ask "is there a dossier" before one is known: a representative's account is
# already linked to the minor's dossier, so they never search.
LOOKUP_WITHOUT_DOSSIER = frozenset(
    {
        ActorKind.PATIENT,
        ActorKind.PROFESSIONAL,
        ActorKind.REGULATOR,
        ActorKind.COUNTER_AGENT,
        ActorKind.SUPPORT,
        ActorKind.FEED,
        ActorKind.OPERATOR,
        ActorKind.SYSTEM,
    }
)
CREATORS = frozenset(
    {
        ActorKind.PATIENT,
        ActorKind.PROFESSIONAL,
        ActorKind.COUNTER_AGENT,
        ActorKind.SUPPORT,
        ActorKind.OPERATOR,
    }
)
HOLDER_SIDE_MANAGEMENT = frozenset(
    {
        Action.ACCESS_MANAGE,
        Action.ACCESS_UNBLOCK,
        Action.EMERGENCY_CONSENTS_MANAGE,
        Action.TRACE_READ,
        Action.DOSSIER_ADMIN_READ,
        Action.DOSSIER_ADMIN_UPDATE,
        Action.DOSSIER_DOWNLOAD,
        Action.DOSSIER_CLOSE,
        Action.DOSSIER_REACTIVATE,
        Action.DOSSIER_LOOKUP,
        Action.DOCUMENT_ADD,
        Action.DOCUMENT_LIST,
    }
)
MANAGER_ACTIONS = frozenset(
    {
        Action.ACCESS_MANAGE,
        Action.EMERGENCY_CONSENTS_MANAGE,
        Action.TRACE_READ,
        Action.DOSSIER_ADMIN_UPDATE,
    }
)
# A professional's whole vocabulary, so that an action added later is refused until a rule
# names it. Archiving, selecting, downloading and purging belong to the patient side or
# the operator.
PROFESSIONAL_ACTIONS = (
    READ_ACTIONS
    | MANAGER_ACTIONS
    | {
        Action.DOSSIER_LOOKUP,
        Action.DOSSIER_CREATE,
        Action.DOSSIER_REACTIVATE,
        Action.DOSSIER_CLOSE,
        Action.DOCUMENT_ADD,
        Action.DOCUMENT_REPLACE,
        Action.DOCUMENT_DELETE,
        Action.DOCUMENT_MASK,
        Action.DOCUMENT_VISIBILITY,
        Action.ACCESS_DECLARE_CONSENT,
        Action.ACCESS_UNBLOCK,
    }
)

TRACE_ONLY = frozenset({Obligation.TRACE})
EMERGENCY_OBLIGATIONS = frozenset(
    {Obligation.TRACE, Obligation.NOTIFY_PATIENT, Obligation.BREAK_GLASS_BANNER}
)
