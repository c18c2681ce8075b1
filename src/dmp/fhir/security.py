"""Who calls the API: the CPS-signed assertion of every request, verified into an Actor."""

from __future__ import annotations

from fastapi import Request

from dmp.auth.tokens import ProfessionalCredential, TokenVerifier, parse_authorization
from dmp.db.uow import unit_of_work


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
