"""The letters printed at the counter or by a professional, read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from dmp.dossiers.letters import (
    Addressee,
    creation_code_letter,
    credentials_letter,
    secrets_letter,
    spaced_nir,
)
from dmp.identity.errors import InvalidNir

NIR = "269054958815780"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PERSON = Addressee(NIR, "Dupont", "Marie", date(1969, 5, 12))


def text_of(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:  # pragma: no cover - .ci/run installs it
        pytest.fail("pdftotext (poppler-utils) is required")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_the_secrets_letter_prints_identity_date_and_credentials():
    text = text_of(
        secrets_letter(PERSON, login_id="MD7K2P9Q", password="Xv4-Tq9-Lm2", created_at=AT)
    )
    for expected in (
        "document des secrets",
        "Marie DUPONT",
        "12/05/1969",
        "2 69 05 49 588 157 80",
        "02/03/2026 à 10:30",  # Paris time
        "Identifiant : MD7K2P9Q",
        "Mot de passe provisoire : Xv4-Tq9-Lm2",
    ):
        assert expected in text


def test_a_representative_letter_says_whose_account_it_is():
    text = text_of(
        secrets_letter(PERSON, login_id="A", password="B", created_at=AT, representative=True)
    )
    assert "représentant légal" in text


def test_a_reissued_letter_without_a_name_still_identifies_the_person():
    text = text_of(
        credentials_letter(
            Addressee(NIR), login_id="NEWID123", password="P", issued_at=AT, new_login_id=True
        )
    )
    assert "2 69 05 49 588 157 80" in text and "Titulaire" not in text
    assert "identifiant de connexion a changé" in text


def test_the_creation_code_letter_groups_the_code_and_gives_its_validity():
    text = text_of(creation_code_letter(PERSON, code="ABCD2345EFGH", expires_at=AT))
    assert "ABCD 2345 EFGH" in text and "02/03/2026" in text


def test_an_invalid_nir_is_refused():
    assert spaced_nir("2 69 05 49 588 157 80") == "2 69 05 49 588 157 80"
    with pytest.raises(InvalidNir):
        spaced_nir("269054958815781")
