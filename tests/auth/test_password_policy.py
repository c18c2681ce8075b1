"""Password rules: length over composition; common, personal and patterned passwords
refused with every reason at once."""

from __future__ import annotations

from datetime import date

import pytest

from dmp.auth.login_errors import WeakPassword
from dmp.auth.password_policy import (
    MIN_LENGTH,
    PasswordContext,
    check_password,
    common_passwords,
    effective_length,
    password_problems,
)

JEANNE = PasswordContext(
    login_id="4815162342", names=("Martin", "Jeanne Marie"), birth_dates=(date(1985, 5, 14),)
)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Xk9#pL2qWz7!",
        "mon chat s'appelle Gribouille",
        "Trois tortues têtues trottent",
        "lundi-piscine-ou-cinéma ?",
        "卓越的密码很长很长的真的很长",  # any script counts: length is what matters
    ],
)
def test_long_passwords_of_any_composition_are_accepted(password):
    assert password_problems(password, JEANNE) == []


def test_no_class_of_character_is_required():
    assert password_problems("only lowercase letters here") == []


def test_too_short_even_if_complex():
    assert "too_short" in password_problems("Xk9#pL2q!")
    assert len("Xk9#pL2qWz7!") == MIN_LENGTH and password_problems("Xk9#pL2qWz7!") == []


def test_absurdly_long_input_is_refused_before_anything_else():
    assert password_problems("a" * 300) == ["too_long"]


@pytest.mark.parametrize(
    "password",
    [
        "motdepasse2024",
        "Motdepasse123!",
        "P@ssw0rd2024!!",
        "azertyuiop1234",
        "Marseille13013!",
        "mot de passe 123",
        "SOLEIL20242024",
        "iloveyou123456",
    ],
)
def test_common_passwords_with_decorations_are_refused(password):
    assert "common" in password_problems(password)


def test_the_shipped_list_is_loaded_folded_without_comments():
    words = common_passwords()
    assert {"motdepasse", "azerty", "password", "soleil"} <= words
    assert not any(w.startswith("#") or w != w.lower() for w in words)


def test_the_login_id_is_refused_inside_a_password():
    assert "contains_login_id" in password_problems("ma clé 4815162342 !", JEANNE)


@pytest.mark.parametrize(
    "password", ["Jeanne-est-là-2024", "jmartin!!pour?toujours", "MARIE sur la plage"]
)
def test_the_persons_names_are_refused(password):
    assert "contains_name" in password_problems(password, JEANNE)


def test_names_are_matched_without_accents_or_leetspeak():
    context = PasswordContext(names=("Éléonore",))
    assert "contains_name" in password_problems("3l30n0r3 forever and ever", context)


@pytest.mark.parametrize(
    "password", ["né le 14/05/1985 ici", "x19850514x long one", "xx140585 tralala"]
)
def test_the_birth_date_is_refused_in_its_usual_forms(password):
    assert "contains_birth_date" in password_problems(password, JEANNE)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaa",
        "123456789012345",
        "abcdefghijklmn",
        "azertyqsdfghwxcv",
        "abcabcabcabc",
        "&é\"'(-è_çà!!!",
    ],
)
def test_repeated_sequential_and_keyboard_patterns_are_refused(password):
    assert "pattern" in password_problems(password)


def test_pairs_of_neighbouring_letters_in_words_are_not_patterns():
    # "de", "no", "st", "op" are ordinary; only runs of three or more count as one.
    assert effective_length("bonjour de nous") == len("bonjour de nous")
    assert effective_length("abcdef") == 1


def test_too_few_distinct_characters_are_refused():
    assert "too_few_distinct" in password_problems("abbaabbaabab")


def test_check_lists_every_reason_in_french():
    with pytest.raises(WeakPassword) as caught:
        check_password("martin1985", JEANNE)
    error = caught.value
    assert set(error.fields["problems"]) == {"too_short", "contains_name"}
    assert "au moins 12 caractères" in error.message("fr")
    assert "votre nom" in error.message("fr")
    assert error.status == 400
