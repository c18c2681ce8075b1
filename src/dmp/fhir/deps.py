"""The dependencies every FHIR route takes, as annotated types.

The request's unit of work is function-scoped: it commits *before* the response is sent.
With FastAPI's default (request scope) the exit code of a ``yield`` dependency runs after
the response has gone out, so a client could be told "201 Created" and read nothing
back with its next request, or be told so for a commit that then fails.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.tokens import ProfessionalCredential
from dmp.fhir.security import request_credential
from dmp.runtime import Runtime
from dmp.web.deps import request_runtime, request_session

Credential = Annotated[ProfessionalCredential, Depends(request_credential)]
Session = Annotated[AsyncSession, Depends(request_session, scope="function")]
FhirRuntime = Annotated[Runtime, Depends(request_runtime)]
