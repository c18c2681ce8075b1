"""The real habilitation matrix (reference data) and the facts known about it."""

from __future__ import annotations

import pytest

from dmp.policy import HabilitationMatrix
from dmp.reference import document_types, load_habilitation_matrix, professions

MEDECIN, CHIRURGIEN_DENTISTE, PEDICURE_PODOLOGUE = "10", "40", "80"
NEVER_FOR_DENTISTS = ("80788-3", "75496-0", "83981-1", "83901-9", "68599-0")


@pytest.fixture(scope="module")
def matrix() -> HabilitationMatrix:
    return load_habilitation_matrix()


def _type_named(display: str) -> str:
    (code,) = [t.code for t in document_types().values() if t.display == display]
    return code


def test_it_only_names_known_professions_and_types(matrix: HabilitationMatrix) -> None:
    assert {p for p, _ in matrix.readable} <= set(professions())
    assert {t for _, t in matrix.readable} <= set(document_types())


def test_the_medecin_reads_every_type_but_the_residence_certificate(
    matrix: HabilitationMatrix,
) -> None:
    residence = _type_named("Attestation de résidence")
    unreadable = set(document_types()) - matrix.types_readable_by(MEDECIN)
    assert unreadable == {residence}


@pytest.mark.parametrize("type_code", NEVER_FOR_DENTISTS)
def test_the_dentist_never_reads_these_types(matrix: HabilitationMatrix, type_code: str) -> None:
    assert not matrix.allows(CHIRURGIEN_DENTISTE, type_code)


@pytest.mark.parametrize("type_code", ["34112-3", "68599-0"])
def test_the_podiatrist_reads_neither_hospital_stays_nor_psychiatric_syntheses(
    matrix: HabilitationMatrix, type_code: str
) -> None:
    assert not matrix.allows(PEDICURE_PODOLOGUE, type_code)


def test_every_profession_reads_something(matrix: HabilitationMatrix) -> None:
    assert all(matrix.types_readable_by(code) for code in professions())


def test_the_query_form_agrees_with_the_per_type_form(matrix: HabilitationMatrix) -> None:
    for profession in (*professions(), None, "unknown"):
        readable = matrix.types_readable_by(profession)
        for type_code in document_types():
            assert (type_code in readable) == matrix.allows(profession, type_code)


def test_the_version_names_the_file_content(matrix: HabilitationMatrix) -> None:
    assert matrix.version.startswith("sha256:")
    assert load_habilitation_matrix().version == matrix.version


def test_no_profession_reads_anything_from_an_empty_matrix() -> None:
    empty = HabilitationMatrix("empty")
    assert not empty.allows(MEDECIN, "11488-4")
    assert empty.types_readable_by(MEDECIN) == frozenset()
