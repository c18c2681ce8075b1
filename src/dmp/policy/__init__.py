"""Pure access decisions: facts in, Decision out. Imports nothing outside ``dmp.policy``."""

from dmp.policy.decide import decide
from dmp.policy.listing import DocumentFilter, document_filter, matches, obligations_for
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
    HabilitationMatrix,
    Obligation,
    Reason,
    Visibility,
)

__all__ = [
    "AccessMode",
    "Action",
    "Actor",
    "ActorKind",
    "AuthorizationState",
    "Context",
    "Decision",
    "DocumentFacts",
    "DocumentFilter",
    "DocumentStatus",
    "DossierFacts",
    "DossierStatus",
    "HabilitationMatrix",
    "Obligation",
    "Reason",
    "Visibility",
    "decide",
    "document_filter",
    "matches",
    "obligations_for",
]
