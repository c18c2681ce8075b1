"""NIR validation: shape, Corsica, key; property tests against the published formula."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmp.identity.errors import InvalidNir
from dmp.identity.nir import nir_key, parse_nir

bodies = st.builds(
    lambda sex, year, month, dept, commune, order: (
        f"{sex}{year:02d}{month:02d}{dept}{commune:03d}{order:03d}"
    ),
    st.sampled_from("12"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.one_of(st.integers(1, 95).map(lambda d: f"{d:02d}"), st.sampled_from(["2A", "2B"])),
    st.integers(1, 990),
    st.integers(1, 999),
)


def _reference_key(body: str) -> int:
    # Written from the rule, independently of the implementation.
    digits = (
        body.replace("2A", "19")
        if body[5:7] == "2A"
        else body.replace("2B", "18")
        if body[5:7] == "2B"
        else body
    )
    return 97 - int(digits) % 97


@pytest.mark.parametrize("valid", ["295109912611193", "186022A21532523", "2 95 10 99 126 111 93"])
def test_published_examples_are_valid(valid):
    assert parse_nir(valid).value == valid.replace(" ", "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("295109912611199", "key_mismatch"),
        ("29510991261119", "length"),
        ("", "empty"),
        ("495109912611193", "format"),
        ("2951099126111AB", "key_format"),
        ("29510991261119 3 4", "length"),
    ],
)
def test_malformed_nirs_say_why(raw, reason):
    with pytest.raises(InvalidNir) as refused:
        parse_nir(raw)
    assert refused.value.fields["reason"] == reason
    assert refused.value.message("fr").startswith("NIR invalide")


@given(bodies)
def test_the_key_follows_the_formula(body):
    assert nir_key(body) == _reference_key(body)
    assert parse_nir(f"{body}{nir_key(body):02d}").body == body


@given(bodies, st.integers(1, 96))
def test_any_other_key_is_refused(body, shift):
    wrong = (nir_key(body) + shift) % 100
    with pytest.raises(InvalidNir):
        parse_nir(f"{body}{wrong:02d}")
