"""Assertions into Actors: the happy paths and every refusal of the token itself."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest

from dmp.auth import errors
from dmp.auth.jws import parse_compact
from dmp.auth.tokens import TokenVerifier, parse_authorization, x5c_of
from dmp.config import Settings
from dmp.errors import Unauthenticated
from dmp.kit.clock import FrozenClock
from dmp.policy.model import AccessMode, ActorKind
from tests.auth.builders import AUDIENCE, DROP, NOW, claims_for, sign
from tests.auth.conftest import Certificates


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _refused(
    verifier: TokenVerifier, token: str, error: type[errors.AuthenticationRefused]
) -> None:
    with pytest.raises(error) as caught:
        verifier.check(token)
    assert caught.value.code == error.code
    assert caught.value.status == 401


# -- accepted ----------------------------------------------------------------------------


def test_es256_professional(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps, consent=True, specialty="SM54", structure="1750000000")
    assert jwt.get_unverified_header(token)["alg"] == "ES256"

    credential = verifier.check(token)

    actor = credential.actor
    assert (actor.kind, actor.id, actor.profession) == (
        ActorKind.PROFESSIONAL,
        "810003461033",
        "10",
    )
    assert actor.display_name == "Marie Curie"
    assert (actor.specialty, actor.structure, actor.mode) == (
        "SM54",
        "1750000000",
        AccessMode.NORMAL,
    )
    assert credential.consent is True
    assert credential.expires_at == NOW + timedelta(minutes=5)


def test_ps256_professional(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps_rsa)
    assert jwt.get_unverified_header(token)["alg"] == "PS256"

    credential = verifier.check(token)

    assert (credential.actor.id, credential.actor.profession) == ("810001234567", "21")
    assert credential.consent is False


def test_regulator(verifier: TokenVerifier, certificates: Certificates) -> None:
    credential = verifier.check(sign(certificates.regulator, mode="regulation"))

    assert credential.actor.kind is ActorKind.REGULATOR
    assert credential.actor.mode is AccessMode.REGULATION


def test_regulator_without_mode_claim_regulates(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    credential = verifier.check(sign(certificates.regulator, mode=DROP))
    assert credential.actor.mode is AccessMode.REGULATION


def test_feed(verifier: TokenVerifier, certificates: Certificates) -> None:
    credential = verifier.check(sign(certificates.feed))

    assert credential.actor.kind is ActorKind.FEED
    assert credential.actor.id == "assurance_maladie"
    assert credential.certificate_subject == "318751275100020"
    assert credential.actor.profession is None


def test_break_glass_with_reason(verifier: TokenVerifier, certificates: Certificates) -> None:
    credential = verifier.check(
        sign(certificates.cps, mode="break_glass", reason="Patient inconscient aux urgences")
    )
    assert credential.actor.mode is AccessMode.BREAK_GLASS
    assert credential.actor.break_glass_reason == "Patient inconscient aux urgences"


def test_iat_slightly_ahead_is_tolerated(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    verifier.check(sign(certificates.cps, at=NOW + timedelta(seconds=20)))


def test_audience_trailing_slash_and_list(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    verifier.check(sign(certificates.cps, aud=AUDIENCE + "/"))
    verifier.check(sign(certificates.cps, aud=["https://other.example", AUDIENCE]))


# -- refused: time -----------------------------------------------------------------------


def test_expired_token(
    verifier: TokenVerifier, certificates: Certificates, clock: FrozenClock
) -> None:
    token = sign(certificates.cps)
    clock.advance(timedelta(minutes=6))
    _refused(verifier, token, errors.TokenExpired)


def test_exp_too_far(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps, lifetime=timedelta(minutes=5, seconds=1))
    _refused(verifier, token, errors.TokenLifetimeTooLong)


def test_iat_in_the_future(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(
        verifier, sign(certificates.cps, at=NOW + timedelta(minutes=2)), errors.TokenNotYetValid
    )


def test_nbf_in_the_future(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps, nbf=int((NOW + timedelta(minutes=2)).timestamp()))
    _refused(verifier, token, errors.TokenNotYetValid)


def test_exp_before_iat(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps, exp=int((NOW - timedelta(seconds=1)).timestamp()))
    _refused(verifier, token, errors.TokenClaimInvalid)


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_missing_time_claim(
    verifier: TokenVerifier, certificates: Certificates, claim: str
) -> None:
    overrides: dict[str, Any] = {claim: DROP}
    token = sign(certificates.cps, **overrides)
    with pytest.raises(errors.TokenClaimMissing) as caught:
        verifier.check(token)
    assert caught.value.fields["claim"] == claim


@pytest.mark.parametrize("value", ["tomorrow", True, 1e300])
def test_non_numeric_exp(
    verifier: TokenVerifier, certificates: Certificates, value: object
) -> None:
    _refused(verifier, sign(certificates.cps, exp=value), errors.TokenClaimInvalid)


# -- refused: who and for whom -----------------------------------------------------------


def test_sub_differs_from_certificate(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.cps, sub="810009999991"), errors.SubjectMismatch)


def test_profession_differs_from_certificate(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    _refused(verifier, sign(certificates.cps, profession="40"), errors.ProfessionMismatch)


def test_missing_profession(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.cps, profession=DROP), errors.TokenClaimMissing)


def test_feed_claiming_a_profession(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.feed, profession="10"), errors.ProfessionMismatch)


def test_audience_mismatch(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(
        verifier, sign(certificates.cps, aud="https://autre.example.fr"), errors.AudienceMismatch
    )


def test_missing_audience(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.cps, aud=DROP), errors.TokenClaimMissing)


def test_missing_jti(verifier: TokenVerifier, certificates: Certificates) -> None:
    with pytest.raises(errors.TokenClaimMissing) as caught:
        verifier.check(sign(certificates.cps, jti=DROP))
    assert caught.value.code == "token_claim_missing"
    assert caught.value.fields["claim"] == "jti"


def test_consent_must_be_boolean(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.cps, consent="yes"), errors.TokenClaimInvalid)


# -- refused: access modes ---------------------------------------------------------------


@pytest.mark.parametrize("reason", [DROP, "", "   "])
def test_break_glass_without_reason(
    verifier: TokenVerifier, certificates: Certificates, reason: object
) -> None:
    token = sign(certificates.cps, mode="break_glass", reason=reason)
    _refused(verifier, token, errors.BreakGlassReasonMissing)


def test_regulation_without_samu_certificate(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    token = sign(certificates.cps, mode="regulation")
    _refused(verifier, token, errors.RegulationCertificateRequired)


def test_regulator_certificate_only_regulates(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    _refused(verifier, sign(certificates.regulator, mode="normal"), errors.ModeNotAllowed)


def test_feed_cannot_break_glass(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.feed, mode="break_glass", reason="urgence")
    _refused(verifier, token, errors.ModeNotAllowed)


def test_unknown_mode(verifier: TokenVerifier, certificates: Certificates) -> None:
    _refused(verifier, sign(certificates.cps, mode="admin"), errors.TokenClaimInvalid)


# -- refused: algorithm, signature, shape ------------------------------------------------


def test_alg_none(verifier: TokenVerifier, certificates: Certificates) -> None:
    header = {"alg": "none", "typ": "JWT", "x5c": x5c_of(certificates.cps.chain)}
    payload = claims_for(certificates.cps)
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}."
    _refused(verifier, token, errors.AlgorithmRefused)


def test_hs256(verifier: TokenVerifier, certificates: Certificates) -> None:
    # The classic confusion: an HMAC keyed with something public, such as the certificate.
    token = jwt.encode(
        claims_for(certificates.cps),
        "a-shared-secret-long-enough-for-hmac-sha256",
        algorithm="HS256",
        headers={"x5c": x5c_of(certificates.cps.chain)},
    )
    _refused(verifier, token, errors.AlgorithmRefused)


def test_rs256_is_not_ps256(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = jwt.encode(
        claims_for(certificates.cps_rsa),
        certificates.cps_rsa.private_key,
        algorithm="RS256",
        headers={"x5c": x5c_of(certificates.cps_rsa.chain)},
    )
    _refused(verifier, token, errors.AlgorithmRefused)


def test_alg_must_match_the_key_type(verifier: TokenVerifier, certificates: Certificates) -> None:
    # Signed by the RSA key, but announced as ES256 with the RSA certificate.
    token = sign(certificates.cps_rsa)
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(header + "=="))
    forged["alg"] = "ES256"
    _refused(
        verifier,
        f"{_b64(json.dumps(forged).encode())}.{payload}.{signature}",
        errors.AlgorithmRefused,
    )


def test_bad_signature(verifier: TokenVerifier, certificates: Certificates) -> None:
    # Signed with another P-256 key than the certificate's.
    token = jwt.encode(
        claims_for(certificates.cps),
        certificates.regulator.private_key,
        algorithm="ES256",
        headers={"x5c": x5c_of(certificates.cps.chain)},
    )
    _refused(verifier, token, errors.SignatureInvalid)


def test_tampered_payload(verifier: TokenVerifier, certificates: Certificates) -> None:
    header, _, signature = sign(certificates.cps).split(".")
    payload = _b64(
        json.dumps(claims_for(certificates.cps, mode="break_glass", reason="x")).encode()
    )
    _refused(verifier, f"{header}.{payload}.{signature}", errors.SignatureInvalid)


def test_a_header_seen_before_still_needs_a_good_signature(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    good = sign(certificates.cps)
    verifier.check(good)  # its header is now memoised (jws._header)
    header, payload, signature = good.split(".")
    assert parse_compact(good).header is parse_compact(f"{header}.e30.{signature}").header
    with pytest.raises(TypeError):  # shared between requests, so read-only
        parse_compact(good).header["alg"] = "none"  # type: ignore[index]
    other = jwt.encode(
        claims_for(certificates.cps), certificates.regulator.private_key, algorithm="ES256"
    ).split(".")[2]
    _refused(verifier, f"{header}.{payload}.{other}", errors.SignatureInvalid)
    _refused(verifier, f"{header}.{payload[:-4]}.{signature}", errors.SignatureInvalid)


def test_missing_x5c(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = jwt.encode(
        claims_for(certificates.cps), certificates.cps.private_key, algorithm="ES256"
    )
    _refused(verifier, token, errors.CertificateChainMissing)


@pytest.mark.parametrize("x5c", [["***not base64***"], "MIIB", [42]])
def test_unreadable_x5c(verifier: TokenVerifier, certificates: Certificates, x5c: object) -> None:
    token = sign(certificates.cps, headers={"x5c": x5c})
    _refused(verifier, token, errors.CertificateMalformed)


def test_critical_header_refused(verifier: TokenVerifier, certificates: Certificates) -> None:
    token = sign(certificates.cps, headers={"crit": ["exp"], "exp": 1})
    _refused(verifier, token, errors.TokenMalformed)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b.c", "a.b", "x" * 40_000, "eyJhbGciOiJFUzI1NiJ9.e30", "...."],
)
def test_garbage(verifier: TokenVerifier, token: str) -> None:
    _refused(verifier, token, errors.TokenMalformed)


# -- the Authorization header, settings, and the error contract --------------------------


def test_parse_authorization() -> None:
    assert parse_authorization("Bearer abc.def.ghi") == "abc.def.ghi"
    assert parse_authorization("bearer  abc ") == "abc"
    for header in (None, "", "Basic dXNlcg==", "Bearer", "Bearer  "):
        with pytest.raises(errors.TokenMissing):
            parse_authorization(header)


def test_production_needs_the_bundle_and_the_crl(settings: Settings, clock: FrozenClock) -> None:
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(RuntimeError, match="DMP_PKI_CA_BUNDLE"):
        TokenVerifier.from_settings(production, clock=clock)


def test_settings_default_to_the_local_pki(
    settings: Settings, clock: FrozenClock, certificates: Certificates
) -> None:
    local = settings.var_dir / "pki"
    local.mkdir(parents=True)
    for name in ("ca-bundle.pem", "crl.pem"):
        (local / name).write_bytes((certificates.directory / name).read_bytes())
    verifier = TokenVerifier.from_settings(settings, clock=clock)
    assert verifier.audience == settings.public_base_url
    verifier.check(sign(certificates.cps, aud=settings.public_base_url))


def test_every_refusal_is_a_401_with_a_stable_code_in_french_and_english() -> None:
    refusals = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.AuthenticationRefused)
    ]
    codes = [cls.code for cls in refusals if cls is not errors.AuthenticationRefused]
    assert len(codes) == len(set(codes)) > 20
    for cls in refusals:
        assert issubclass(cls, Unauthenticated)
        assert (cls.status, cls.fhir_code) == (401, "login")
        assert cls.message_fr != cls.message_en


def test_padded_segments_are_refused(verifier: TokenVerifier, certificates: Certificates) -> None:
    header, payload, signature = sign(certificates.cps).split(".")
    _refused(verifier, f"{header}.{payload}.{signature}==", errors.TokenMalformed)


def test_non_canonical_base64_is_refused(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    # A 64-byte ES256 signature leaves 4 unused bits in its last character: flipping one
    # keeps the bytes but would give a second spelling of the same token.
    header, payload, signature = sign(certificates.cps).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) ^ 1]
    _refused(verifier, f"{header}.{payload}.{signature[:-1]}{last}", errors.TokenMalformed)


def test_duplicate_header_member_is_refused(
    verifier: TokenVerifier, certificates: Certificates
) -> None:
    x5c = json.dumps(x5c_of(certificates.cps.chain))
    header = f'{{"alg": "ES256", "x5c": {x5c}, "alg": "PS256"}}'.encode()
    _, payload, signature = sign(certificates.cps).split(".")
    _refused(verifier, f"{_b64(header)}.{payload}.{signature}", errors.TokenMalformed)
