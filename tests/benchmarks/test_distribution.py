"""The population's shape: skewed documents per dossier, the type mix, valid NIRs."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from benchmarks.harness import distribution

from dmp.identity.nir import parse_nir
from dmp.reference import professions


def test_documents_per_dossier_are_mostly_few_with_a_long_tail() -> None:
    rng = random.Random(1)
    counts = [distribution.documents_per_dossier(rng) for _ in range(20_000)]
    summary = distribution.summarize(counts)
    assert summary["median"] <= 6
    assert sum(c <= 12 for c in counts) / len(counts) > 0.75
    assert summary["max"] >= 100  # some dossiers hold hundreds
    assert max(counts) <= distribution.MAX_DOCUMENTS
    # The documented mean is the sampler's.
    assert abs(summary["mean"] - distribution.expected_documents()) < 0.6


def test_expected_mean_is_about_eight_and_a_half() -> None:
    assert 8.0 < distribution.expected_documents() < 9.2


def test_type_mix_follows_the_class_weights() -> None:
    rng = random.Random(2)
    classes = Counter(distribution.type_mix().draw(rng).class_code for _ in range(20_000))
    total = sum(distribution.CLASS_WEIGHTS.values())
    for class_code, weight in distribution.CLASS_WEIGHTS.items():
        assert abs(classes[class_code] / 20_000 - weight / total) < 0.02
    assert "60" not in classes  # reimbursement history documents come from the feed


def test_nirs_are_valid_and_unique() -> None:
    rng = random.Random(3)
    nirs = set()
    for index in [*range(2000), 999_999, 1_000_000, 19_000_000, 89_999_999]:
        female = rng.random() < 0.5
        nir = distribution.nir_for(index, date(1980, 5, 1), female)
        assert parse_nir(nir).value == nir
        nirs.add(nir[5:13])  # department, commune, order: the index
    assert len(nirs) == 2004


def test_every_profession_of_the_directory_appears_first() -> None:
    rng = random.Random(4)
    drawn = {distribution.profession_for(i, rng) for i in range(len(professions()))}
    assert drawn == set(professions())
