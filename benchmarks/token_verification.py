"""Cost of verifying one API assertion: cold (chain parsed and verified) vs cached chain.

    .venv/bin/python benchmarks/token_verification.py [--tokens 2000]

Tokens are signed beforehand, each with its own jti, so only verification is timed. The
"+ jti" column adds the replay guard's insert on an in-memory SQLite database.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from dmp.auth.models import TokenJti
from dmp.auth.pki import IssuedCertificate, KeyType, LocalPki
from dmp.auth.tokens import TokenVerifier, build_claims, sign_claims
from dmp.kit.clock import FrozenClock

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
AUDIENCE = "https://dmp.example.fr"


def _tokens(issued: IssuedCertificate, count: int) -> list[str]:
    claims = build_claims(subject="810003461033", audience=AUDIENCE, issued_at=NOW, profession="10")
    return [
        sign_claims(
            {**claims, "jti": f"bench-{i}"}, private_key=issued.private_key, chain=issued.chain
        )
        for i in range(count)
    ]


def _per_token_us(
    tokens: list[str], verify: Callable[[str], object], before: Callable[[], None]
) -> float:
    samples = []
    for token in tokens:
        before()
        start = time.perf_counter_ns()
        verify(token)
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


async def _with_replay_us(verifier: TokenVerifier, tokens: list[str]) -> float:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as connection:
        await connection.run_sync(
            TokenJti.metadata.create_all, tables=[TokenJti.metadata.tables["token_jti"]]
        )
    async with AsyncSession(engine) as session:
        start = time.perf_counter_ns()
        for token in tokens:
            await verifier.verify(token, session=session)
        elapsed = time.perf_counter_ns() - start
        await session.rollback()
    await engine.dispose()
    return elapsed / len(tokens) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=2000)
    count = parser.parse_args().tokens

    pki = LocalPki.create(now=NOW - timedelta(days=1))
    directory = Path(tempfile.mkdtemp(prefix="dmp-bench-pki-"))
    pki.save(directory, now=NOW)
    rows = []
    for label, key_type in (("ES256 (EC P-256)", KeyType.EC), ("PS256 (RSA 2048)", KeyType.RSA)):
        issued = pki.issue_cps(
            national_id="810003461033", profession="10", given_name="Marie",
            family_name="Curie", now=NOW - timedelta(days=1), key_type=key_type,
        )  # fmt: skip
        verifier = TokenVerifier.from_files(
            ca_bundle=directory / "ca-bundle.pem",
            crl_file=directory / "crl.pem",
            audience=AUDIENCE,
            clock=FrozenClock(NOW),
        )
        tokens = _tokens(issued, count)
        cold = _per_token_us(tokens, verifier.check, verifier.cache.clear)
        cached = _per_token_us(tokens, verifier.check, lambda: None)
        with_replay = asyncio.run(_with_replay_us(verifier, tokens))
        rows.append((label, cold, cached, with_replay))

    print(f"Token verification, median of {count} tokens per cell (µs per token)\n")
    print("| signature | cold chain | cached chain | cold / cached | cached + jti (SQLite) |")
    print("|---|---:|---:|---:|---:|")
    for label, cold, cached, with_replay in rows:
        print(f"| {label} | {cold:.0f} | {cached:.0f} | {cold / cached:.1f}× | {with_replay:.0f} |")


if __name__ == "__main__":
    main()
