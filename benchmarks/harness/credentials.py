"""The run's PKI, the benchmark professionals' CPS certificates, and their assertions.

Every request needs a fresh assertion (the server spends each ``jti``), and assertions
live at most five minutes, so they are signed in bulk right before each run, in worker
processes, straight into the token files wrk reads. ``sign_claims`` re-encodes the x5c
chain and goes through PyJWT for every token (about 3,600 tokens/s here), too slow for
runs of tens of thousands of requests: ``AssertionSigner`` computes the protected header
once and signs each payload with the same ES256 key, which is the same compact JWS. The
harness checks one of its tokens with the server's own ``TokenVerifier`` before use.
"""

from __future__ import annotations

import base64
import os
import signal
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from dmp.auth.pki import BUNDLE, CRL, LocalPki
from dmp.auth.tokens import TokenVerifier, build_claims, x5c_of
from dmp.kit.clock import system_clock

# The benchmark professionals: general practitioners, authorized on every patient of the
# standard comparison set. Ids outside the directory's generated range (899…).
BENCH_PROFESSIONALS = tuple(f"81099000{n:04d}" for n in range(1, 5))
BENCH_PROFESSION = "10"


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@dataclass(frozen=True)
class SigningKey:
    """What a worker process needs to sign for one professional (picklable)."""

    national_id: str
    key_pem: bytes
    header_b64: bytes


@dataclass
class Credentials:
    pki_dir: Path
    keys: list[SigningKey]

    @property
    def ca_bundle(self) -> Path:
        return self.pki_dir / BUNDLE

    @property
    def crl_file(self) -> Path:
        return self.pki_dir / CRL

    @classmethod
    def create(cls, folder: Path) -> Credentials:
        now = datetime.now(UTC)
        pki = LocalPki.create(now=now - timedelta(days=1), name="OpenDMP Bench")
        keys = []
        for index, national_id in enumerate(BENCH_PROFESSIONALS):
            issued = pki.issue_cps(
                national_id=national_id,
                profession=BENCH_PROFESSION,
                given_name="Banc",
                family_name=f"Essai {index + 1}",
                now=now - timedelta(hours=1),
            )
            if not isinstance(issued.private_key, ec.EllipticCurvePrivateKey):
                raise TypeError("the fast signer speaks ES256 only")
            header = {"alg": "ES256", "typ": "JWT", "x5c": x5c_of(issued.chain)}
            pem = issued.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            keys.append(SigningKey(national_id, pem, _b64url(orjson.dumps(header))))
        # A CRL valid for two days: long enough for the longest full run.
        pki.save(folder, now=now - timedelta(minutes=5), crl_days=2)
        return cls(folder, keys)

    def check_signer(self, audience: str) -> None:
        """Refuses to start when the server's verifier would refuse the fast signer's
        tokens (a changed claim, header or algorithm): better than a run of 401s."""
        verifier = TokenVerifier.from_files(
            ca_bundle=self.ca_bundle, crl_file=self.crl_file, audience=audience,
            clock=system_clock,
        )  # fmt: skip
        token = sign_batch(self.keys, audience, f"check-{uuid.uuid4().hex}", 1)[0]
        verifier.check(token.decode())

    async def write_token_files(
        self, pool: Executor, audience: str, paths: list[Path], count_each: int
    ) -> None:
        """``count_each`` fresh assertions in each file, signed in parallel."""
        import asyncio

        loop = asyncio.get_running_loop()
        prefix = uuid.uuid4().hex[:12]
        jobs = [
            loop.run_in_executor(
                pool, write_tokens, self.keys, audience, f"{prefix}-{n}", count_each, path
            )
            for n, path in enumerate(paths)
        ]
        await asyncio.gather(*jobs)


def ignore_interrupts() -> None:
    """Initializer of the signing processes: Ctrl-C is the harness's to handle (it stops
    them with the pool); without this each prints its own KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def sign_batch(keys: list[SigningKey], audience: str, prefix: str, count: int) -> list[bytes]:
    """``count`` compact ES256 JWS, round-robin over the professionals, each with its own
    jti, issued now for the default (maximum) lifetime."""
    loaded = [(key, serialization.load_pem_private_key(key.key_pem, password=None)) for key in keys]
    now = datetime.now(UTC)
    bases: list[tuple[bytes, ec.EllipticCurvePrivateKey, dict[str, Any]]] = []
    for key, private in loaded:
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise TypeError("ES256 keys only")
        claims = build_claims(
            subject=key.national_id, audience=audience, issued_at=now, profession="10"
        )
        bases.append((key.header_b64, private, claims))
    algorithm = ec.ECDSA(hashes.SHA256())
    tokens = []
    for index in range(count):
        header, private, claims = bases[index % len(bases)]
        payload = _b64url(orjson.dumps({**claims, "jti": f"{prefix}-{index}"}))
        signing_input = header + b"." + payload
        r, s = decode_dss_signature(private.sign(signing_input, algorithm))
        # JWS wants the raw 64-byte r||s, not the DER the library returns.
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        tokens.append(signing_input + b"." + _b64url(signature))
    return tokens


def write_tokens(
    keys: list[SigningKey], audience: str, prefix: str, count: int, path: Path
) -> None:
    """Runs in a worker process: one token per line."""
    tokens = sign_batch(keys, audience, prefix, count)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as handle:
        handle.write(b"\n".join(tokens) + b"\n")
    os.replace(partial, path)
