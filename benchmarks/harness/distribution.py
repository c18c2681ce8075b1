"""The shape of the generated population, as pure functions of a seeded ``Random``.

Documents per dossier follow a discretised log-normal: ``floor(exp(N(mu, sigma)))``
capped at ``MAX_DOCUMENTS``. With mu = 1.6 and sigma = 1.1 the median dossier holds 4
documents, 80 % hold at most 12, about 1 in 300 holds a hundred or more, and a few hold
several hundred; the mean is about 8.6 (``expected_documents`` computes it exactly).
That is the shape of a record fed by a few consultations a year with a tail of chronic
and hospital patients; it is an assumption to be replaced by the real service's
histogram when one is published.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from dmp.identity.nir import nir_key
from dmp.reference import DocumentType, document_types, professions

MU = 1.6
SIGMA = 1.1
MAX_DOCUMENTS = 1000

# Share of documents by XDS class, from what a shared record mostly receives: reports and
# prescriptions, then imaging, syntheses and dispensations. Class 60 (reimbursements) is
# left out: it is one document per dossier, rendered by the feed.
CLASS_WEIGHTS: dict[str, float] = {
    "10": 40.0,  # comptes rendus (biology reports included)
    "42": 20.0,  # prescriptions
    "31": 9.0,  # imagerie
    "11": 8.0,  # synthèses
    "43": 5.0,  # dispensations
    "52": 4.0,  # certificats, vaccinations
    "44": 3.0,  # plans de soins
    "90": 3.0,  # déposés par le patient
    "45": 2.0,  # traitements administrés
    "95": 2.0,  # documents de gestion
}
PATIENT_CLASSES = frozenset({"90"})
MASKED_SHARE = 0.03  # documents the patient (or the author) masked from professionals

# Professions of the directory weighted roughly as the RPPS counts them.
PROFESSION_WEIGHTS: dict[str, float] = {
    "10": 30.0,
    "60": 28.0,
    "21": 10.0,
    "70": 11.0,
    "40": 5.0,
    "50": 3.0,
    "80": 2.0,
}
OTHER_PROFESSION_WEIGHT = 1.0

FAMILY_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
]
GIVEN_NAMES_FEMALE = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Léa",
    "Chloé",
    "Emma",
    "Inès",
    "Jeanne",
]
GIVEN_NAMES_MALE = [
    "Jean",
    "Philippe",
    "Michel",
    "Alain",
    "Nicolas",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
]


def documents_per_dossier(rng: random.Random) -> int:
    return min(int(math.exp(rng.gauss(MU, SIGMA))), MAX_DOCUMENTS)


def expected_documents(mu: float = MU, sigma: float = SIGMA, cap: int = MAX_DOCUMENTS) -> float:
    """The exact mean of ``documents_per_dossier``: sum over n of P(floor(X) >= n)."""
    total = 0.0
    for n in range(1, cap + 1):
        z = (math.log(n) - mu) / sigma
        total += 0.5 * math.erfc(z / math.sqrt(2))
    return total


@dataclass(frozen=True)
class TypeMix:
    """Type codes to draw from, with cumulative weights for ``random.choices``."""

    types: tuple[DocumentType, ...]
    cumulative: tuple[float, ...]

    def draw(self, rng: random.Random) -> DocumentType:
        return rng.choices(self.types, cum_weights=self.cumulative)[0]


@cache
def type_mix() -> TypeMix:
    """Every type of the reference table in a weighted class, its class's weight shared
    equally among the class's types."""
    by_class: dict[str, list[DocumentType]] = {}
    for document_type in document_types().values():
        if document_type.class_code in CLASS_WEIGHTS:
            by_class.setdefault(document_type.class_code, []).append(document_type)
    types: list[DocumentType] = []
    cumulative: list[float] = []
    running = 0.0
    for class_code, members in sorted(by_class.items()):
        for document_type in members:
            running += CLASS_WEIGHTS[class_code] / len(members)
            types.append(document_type)
            cumulative.append(running)
    return TypeMix(tuple(types), tuple(cumulative))


def profession_for(index: int, rng: random.Random) -> str:
    """Every profession of the directory appears: the first ones in table order, then
    drawn by weight."""
    codes = sorted(professions())
    if index < len(codes):
        return codes[index]
    weights = [PROFESSION_WEIGHTS.get(code, OTHER_PROFESSION_WEIGHT) for code in codes]
    return rng.choices(codes, weights=weights)[0]


def nir_for(index: int, birth: date, female: bool) -> str:
    """A valid NIR, unique per ``index`` (below 90 million): the department, commune and
    order number spell the index, sex and birth month come from the person."""
    order, commune, department = index % 1000, (index // 1000) % 1000, index // 1_000_000
    department_code = department + 1 if department + 1 < 20 else department + 2  # no "20"
    body = (
        f"{2 if female else 1}{birth.year % 100:02d}{birth.month:02d}"
        f"{department_code:02d}{commune:03d}{order:03d}"
    )
    return f"{body}{nir_key(body):02d}"


def birth_date(rng: random.Random, today: date) -> date:
    """Ages 0 to 99, fewer among the very old."""
    age_days = int(rng.triangular(0, 100 * 365, 40 * 365))
    return today - timedelta(days=age_days)


def name(rng: random.Random, female: bool) -> tuple[str, str]:
    given = rng.choice(GIVEN_NAMES_FEMALE if female else GIVEN_NAMES_MALE)
    return rng.choice(FAMILY_NAMES), given


def document_age_days(rng: random.Random) -> int:
    """Most documents are recent (exponential, mean 2.5 years), none older than 15 years."""
    return min(int(rng.expovariate(1 / (2.5 * 365))), 15 * 365)


def summarize(counts: Sequence[int]) -> dict[str, float]:
    """Mean, median, p99 and max of documents per dossier, for the report."""
    if not counts:
        return {"mean": 0.0, "median": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(counts)
    return {
        "mean": sum(ordered) / len(ordered),
        "median": float(ordered[len(ordered) // 2]),
        "p99": float(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]),
        "max": float(ordered[-1]),
    }
