"""Who calls the API: the CPS-signed assertion of every request, verified into an Actor."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.errors import TokenReplayed
from dmp.auth.tokens import ProfessionalCredential, TokenVerifier, parse_authorization
from dmp.db.uow import rewrite_on_rollback, unit_of_work
from dmp.web.deps import request_session

# The FHIR routes' unit of work (``dmp.fhir.deps.Session`` is the same dependency, hence
# the same session: FastAPI resolves a dependency once per request).
_RequestSession = Annotated[AsyncSession, Depends(request_session, scope="function")]


def _verifier(request: Request) -> TokenVerifier:
    state = request.app.state
    verifier: TokenVerifier | None = getattr(state, "token_verifier", None)
    if verifier is None:
        runtime = state.runtime
        verifier = TokenVerifier.from_settings(runtime.settings, clock=runtime.clock)
        state.token_verifier = verifier
    return verifier


async def professional_credential(request: Request) -> ProfessionalCredential:
    """FastAPI dependency. The jti is spent in its own committed transaction, so a request
    that fails later cannot make the same assertion usable twice."""
    token = parse_authorization(request.headers.get("authorization"))
    verifier = _verifier(request)
    async with unit_of_work(request.app.state.session_factory) as session:
        return await verifier.verify(token, session=session)


async def checked_credential(request: Request) -> ProfessionalCredential:
    """FastAPI dependency: the assertion's checks that need no database (chain, CRL,
    signature, claims). ``request_credential`` takes it, so a route may run CPU work
    after it and before the jti is spent, i.e. before the transaction begins (on SQLite,
    outside the write lock); FastAPI resolves it once per request. ``async`` so that
    FastAPI runs it on the event loop rather than in a thread."""
    token = parse_authorization(request.headers.get("authorization"))
    return _verifier(request).check(token)


CheckedCredential = Annotated[ProfessionalCredential, Depends(checked_credential)]


async def request_credential(
    request: Request, credential: CheckedCredential, session: _RequestSession
) -> ProfessionalCredential:
    """FastAPI dependency of the FHIR routes: the same checks, but the jti is spent in the
    request's own transaction. A separate transaction cost a second BEGIN/COMMIT (and
    fsync) per request, and on SQLite a second turn of the write lock. The guarantee of
    ``professional_credential`` stays: if the request's transaction is rolled back, the
    unit of work spends the jti again in a transaction of its own before answering.

    The signature and chain are checked before the session's first statement, so that
    CPU work stays outside the transaction (and SQLite's write lock)."""
    verifier = _verifier(request)
    await verifier.spend(credential, session=session)

    async def spend_again(own: AsyncSession) -> None:
        # Spent meanwhile by a concurrent request with the same jti: spent is all we need.
        with contextlib.suppress(TokenReplayed):
            await verifier.spend(credential, session=own)

    rewrite_on_rollback(session, spend_again)
    return credential
