"""ITI-65 Provide Document Bundle: ``POST /fhir`` (and ``/fhir/``, where fhirpy and
fhirclient post transactions) with a transaction Bundle.

All or nothing. Every entry is read and every document checked (codes, content against
its type, hash, size, patient) before anything is stored; all refusals are reported
together. Then the documents are stored in one savepoint of the request's unit of work:
one refusal undoes them all.

On SQLite, each document's content is sealed and stored before the transaction begins
(decision 0012), once its assertion's signature and its content are checked; the
transaction takes it if the dossier's key has not changed, and what it did not take (a
refused deposit) is removed before the answer goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.tokens import ProfessionalCredential
from dmp.db.engine import has_write_gate
from dmp.documents.metadata import ResolvedUpload
from dmp.documents.schemas import DocumentOut
from dmp.documents.service import add_document, replace_document, validate_upload
from dmp.documents.storage import ContentWrittenAhead, discard_untaken, write_ahead
from dmp.dossiers.errors import DossierNotFound
from dmp.dossiers.service import check_dossier_exists, lookup_dossier
from dmp.errors import DmpError
from dmp.fhir.deps import Credential, FhirRuntime, Session
from dmp.fhir.errors import UnknownPatient
from dmp.fhir.http import FhirResponse, read_resource, refusal_response, validate_with_models
from dmp.fhir.ids import document_id
from dmp.fhir.inline_content import decode_contents
from dmp.fhir.mappers.document_reference import instant
from dmp.fhir.mappers.provide import Deposit, Subject
from dmp.fhir.security import CheckedCredential
from dmp.fhir.transaction import ProvidePlan, binaries_of, read_plan
from dmp.runtime import Runtime

TAGS: list[str | Any] = ["Documents (ITI-65, ITI-67, ITI-68)"]

_BUNDLE_BODY = {
    "required": True,
    "content": {
        media: {
            "schema": {
                "type": "object",
                "required": ["resourceType", "type"],
                "properties": {
                    "resourceType": {"type": "string", "enum": ["Bundle"]},
                    "type": {"type": "string", "enum": ["transaction"]},
                    "entry": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
        for media in ("application/fhir+json", "application/json")
    },
}
_DESCRIPTION = (
    "A transaction Bundle holding one submission set (List coded `submissionset`), one or "
    "more DocumentReference and their content (a Binary of the Bundle named by "
    "`attachment.url`, or `attachment.data`). A DocumentReference with `relatesTo.code = "
    "replaces` replaces the document it names. The depositor is the caller of the "
    "CPS-signed assertion. Answers a transaction-response Bundle (201 per entry)."
)


async def _dossier_of(
    session: AsyncSession,
    rt: Runtime,
    credential: ProfessionalCredential,
    subject: Subject,
    path: str,
) -> uuid.UUID:
    if subject.dossier_id is not None:
        try:
            await check_dossier_exists(session, subject.dossier_id)
        except DossierNotFound:
            raise UnknownPatient(path=path, reference=f"Patient/{subject.dossier_id}") from None
        return subject.dossier_id
    summary = await lookup_dossier(session, rt=rt, actor=credential.actor, nir=subject.nir or "")
    if summary is None:
        raise UnknownPatient(path=path, reference=f"INS {subject.nir}")
    return summary.dossier_id


@dataclass(frozen=True, slots=True)
class _Checked:
    dossier_id: uuid.UUID
    validated: ResolvedUpload
    ahead: ContentWrittenAhead | None


async def _check(
    session: AsyncSession,
    rt: Runtime,
    credential: ProfessionalCredential,
    plan: ProvidePlan,
    contents: dict[int, ResolvedUpload | Exception],
    ahead: dict[int, ContentWrittenAhead],
) -> dict[int, _Checked]:
    """Dossier and validated upload of each deposit, and every refusal found without
    storing anything. ``contents``: each deposit's upload as ``_check_contents`` found
    it, its refusal raised here in the order it always was, after the dossier's;
    ``ahead``: the contents written before the transaction."""
    dossiers: dict[str, uuid.UUID] = {}
    checked: dict[int, _Checked] = {}
    for index, deposit in plan.deposits.items():
        try:
            key = deposit.subject.key
            if key not in dossiers:
                dossiers[key] = await _dossier_of(
                    session, rt, credential, deposit.subject, f"{deposit.path}.subject"
                )
            if deposit.replaces is not None and deposit.replaces[0] != dossiers[key]:
                raise UnknownPatient(
                    path=f"{deposit.path}.relatesTo", reference=f"Patient/{dossiers[key]}"
                )
            validated = contents[index]
            if isinstance(validated, Exception):
                raise validated
            checked[index] = _Checked(dossiers[key], validated, ahead.get(index))
        except DmpError as error:
            error.fields.setdefault("path", deposit.path)
            plan.refuse(error)
    return checked


def _store(
    session: AsyncSession,
    rt: Runtime,
    credential: ProfessionalCredential,
    deposit: Deposit,
    checked: _Checked,
) -> Callable[[], Awaitable[DocumentOut]]:
    async def run() -> DocumentOut:
        if deposit.replaces is not None:
            return await replace_document(
                session,
                rt=rt,
                actor=credential.actor,
                dossier_id=checked.dossier_id,
                document_id=deposit.replaces[1],
                upload=deposit.upload,
                content=deposit.content,
                validated=checked.validated,
                ahead=checked.ahead,
            )
        return await add_document(
            session,
            rt=rt,
            actor=credential.actor,
            dossier_id=checked.dossier_id,
            upload=deposit.upload,
            content=deposit.content,
            validated=checked.validated,
            ahead=checked.ahead,
        )

    return run


async def _store_all(
    session: AsyncSession, steps: dict[int, Callable[[], Awaitable[DocumentOut]]]
) -> dict[int, DocumentOut]:
    stored: dict[int, DocumentOut] = {}
    if len(steps) == 1:
        # One document: the request's transaction is already all or nothing, and a policy
        # refusal (raised before anything but its trace is written) leaves exactly its
        # trace. The savepoint only cost two round trips (SAVEPOINT, RELEASE).
        [(index, step)] = steps.items()
        stored[index] = await step()
        return stored
    failed = None
    try:
        async with session.begin_nested():
            for index, step in steps.items():
                failed = step
                stored[index] = await step()
    except DmpError as error:
        if error.keep_changes and failed is not None:
            # A policy refusal must leave its trace, but the savepoint took it away with
            # the documents stored before it. Asked again alone, outside the savepoint, the
            # same refusal writes only its trace, which the unit of work keeps.
            try:
                await failed()
            except DmpError as again:
                raise again from None
            error.keep_changes = False  # it went through alone: keep nothing after all
        raise
    return stored


def _response(
    request: Request, plan: ProvidePlan, stored: dict[int, DocumentOut]
) -> dict[str, Any]:
    binaries = binaries_of(plan.entries)
    binary_of: dict[int, DocumentOut] = {}
    for index, document in stored.items():
        url = plan.deposits[index].binary_url
        if url is not None:
            binary = binaries[url]
            for position, entry in enumerate(plan.entries):
                if entry.get("resource") is binary:
                    binary_of[position] = document
    entries: list[dict[str, Any]] = []
    for index, entry in enumerate(plan.entries):
        kind = (entry.get("resource") or {}).get("resourceType")
        found = stored.get(index) or binary_of.get(index)
        if kind == "List" or found is None:
            location = f"List/{uuid.uuid4()}"
            entries.append({"response": {"status": "201 Created", "location": location}})
            continue
        document = found
        fhir_id = document_id(document.dossier_id, document.id)
        response = {
            "status": "201 Created",
            "location": f"{kind}/{fhir_id}",
            "lastModified": instant(document.submitted_at),
        }
        if kind == "DocumentReference":
            response["etag"] = f'W/"{document.metadata_version}"'
        entries.append({"response": response})
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "link": [{"relation": "self", "url": str(request.url)}],
        "entry": entries,
    }


@dataclass(frozen=True, slots=True)
class _ReadBundle:
    plan: ProvidePlan | None
    error: Exception | None
    contents: dict[int, ResolvedUpload | Exception]
    ahead: dict[int, ContentWrittenAhead]


async def _read_bundle(
    request: Request, checked: CheckedCredential, rt: FhirRuntime
) -> AsyncIterator[_ReadBundle]:
    """The body read, validated and planned, each document's content checked and, on
    SQLite, written ahead, once the assertion is checked but before its jti is spent,
    i.e. before the transaction begins: on SQLite this work (a few ms for a 100 KiB
    document, two fsyncs) no longer holds the write lock. A refusal is kept, not
    raised, so that the handler raises it after the jti is spent, as before: a request
    refused for its body still uses its assertion up. On the way out, after the
    transaction's end, the contents it did not take are removed."""
    try:
        bundle = await read_resource(request, expected="Bundle")
        validate_with_models(decode_contents(bundle))  # each content decoded once
        plan = read_plan(bundle)
    except Exception as error:
        yield _ReadBundle(None, error, {}, {})
        return
    contents = await _check_contents(rt, checked, plan)
    ahead: dict[int, ContentWrittenAhead] = {}
    try:
        await _write_ahead(request, rt, plan, contents, ahead)
        yield _ReadBundle(plan, None, contents, ahead)
    finally:
        await discard_untaken(rt, ahead.values())


async def _write_ahead(
    request: Request,
    rt: Runtime,
    plan: ProvidePlan,
    contents: dict[int, ResolvedUpload | Exception],
    ahead: dict[int, ContentWrittenAhead],
) -> None:
    """Fills ``ahead`` with the contents checked without refusal, sealed and stored, where
    the transaction would hold the database's one write lock. A subject named by its INS
    is left to the transaction: finding its dossier writes a trace."""
    engine = request.app.state.engine
    if not has_write_gate(engine):
        # PostgreSQL: no deposit waits for another's transaction, so the head start
        # gains nothing and the key's read alone is one more round trip (decision 0012).
        return
    for index, deposit in plan.deposits.items():
        dossier_id = deposit.subject.dossier_id
        if dossier_id is None or isinstance(contents[index], Exception):
            continue
        written = await write_ahead(rt, engine, dossier_id=dossier_id, data=deposit.content)
        if written is not None:
            ahead[index] = written


async def _check_contents(
    rt: Runtime, credential: ProfessionalCredential, plan: ProvidePlan
) -> dict[int, ResolvedUpload | Exception]:
    """Each deposit's upload checked against its content (codes, type, hash, CDA header),
    which needs no database, or what refused it."""
    contents: dict[int, ResolvedUpload | Exception] = {}
    for index, deposit in plan.deposits.items():
        try:
            contents[index] = await validate_upload(
                rt=rt, actor=credential.actor, upload=deposit.upload, content=deposit.content
            )
        except Exception as error:
            contents[index] = error
    return contents


async def provide_document_bundle(
    request: Request,
    # Declared before ``credential``: FastAPI resolves dependencies in this order. Its
    # exit (removing what the transaction did not take) comes after the session's.
    read: Annotated[_ReadBundle, Depends(_read_bundle, scope="function")],
    credential: Credential,
    session: Session,
    rt: FhirRuntime,
) -> FhirResponse:
    if read.error is not None:
        raise read.error
    plan = read.plan
    assert plan is not None
    checked = await _check(session, rt, credential, plan, read.contents, read.ahead)
    if plan.refusals:
        return refusal_response(plan.refusals)
    steps = {
        index: _store(session, rt, credential, deposit, checked[index])
        for index, deposit in plan.deposits.items()
    }
    stored = await _store_all(session, steps)
    return FhirResponse(_response(request, plan, stored))


def register(router: APIRouter) -> None:
    """On the router mounted at ``/fhir`` itself: the base URL has no path of its own
    that a sub-router could carry."""
    for path in ("", "/"):
        router.add_api_route(
            path,
            provide_document_bundle,
            methods=["POST"],
            response_class=FhirResponse,
            tags=TAGS,
            summary="Provide Document Bundle (ITI-65)" + (" — trailing slash" if path else ""),
            description=_DESCRIPTION,
            openapi_extra={"requestBody": _BUNDLE_BODY},
            operation_id="provide_document_bundle" + ("_slash" if path else ""),
        )
