"""The feeds as actors. Their ids are those the token verifier gives a feed's certificate
(``FeedSource`` values), so a document deposited by ``dmp import`` and one pushed to
``/feeds`` have the same author, and either may replace the other."""

from __future__ import annotations

from dmp.auth.profiles import FeedSource
from dmp.policy import Actor, ActorKind

ASSURANCE_MALADIE = Actor(
    kind=ActorKind.FEED, id=FeedSource.ASSURANCE_MALADIE.value, display_name="Assurance Maladie"
)
DOSSIER_PHARMACEUTIQUE = Actor(
    kind=ActorKind.FEED,
    id=FeedSource.DOSSIER_PHARMACEUTIQUE.value,
    display_name="Dossier Pharmaceutique",
)
# Documents of a FHIR bundle (a migration, Synthea test patients) are deposited by it.
FHIR_MIGRATION = Actor(
    kind=ActorKind.FEED, id="reprise-fhir", display_name="Reprise de données FHIR"
)
