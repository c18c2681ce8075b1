"""Importing a FHIR patient Bundle: the dossier (matched by INS, or created with the
consent the operator vouches for), its documents, care lines and dispensations, through
the services every other deposit uses. Each document is its own unit of work, so one
refusal does not undo the rest, and a second run finds everything already there.

Synthea patients carry no INS: with ``test_ins`` the import derives a test-range INS
(``urn:oid:1.2.250.1.213.1.4.10``) from the Patient id — the same on every run — and
refuses to do so in production, where a made-up number could be a real person's NIR.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmp.db.uow import unit_of_work
from dmp.documents.errors import DocumentAlreadyExists
from dmp.documents.schemas import DocumentIn
from dmp.documents.service import add_document
from dmp.documents.storage import settle_cleanups
from dmp.dossiers.schemas import ConsentIn, Contact, CreationChannel, DossierCreate, Identity
from dmp.dossiers.service import create_dossier, find_living_dossier, get_dossier
from dmp.errors import DmpError
from dmp.feeds.actors import ASSURANCE_MALADIE, DOSSIER_PHARMACEUTIQUE, FHIR_MIGRATION
from dmp.feeds.dispensations import DispensationReport, store_dispensations
from dmp.feeds.fhir_bundle import BundleContent, PatientData, derive_test_ins
from dmp.feeds.history_document import render_history_document
from dmp.feeds.reimbursements import StoreReport, store_for_dossier
from dmp.feeds.schemas import DispensationIn
from dmp.feeds.sections import CareLine
from dmp.policy import Actor
from dmp.reference import document_types
from dmp.runtime import Runtime

Progress = Callable[[int], None]


class BundleRefused(DmpError):
    code = "bundle_refused"
    status = 422
    fhir_code = "business-rule"
    message_fr = "Bundle non importé : {detail}"
    message_en = "Bundle not imported: {detail}"


@dataclass
class BundleReport:
    name: str
    dossier_id: uuid.UUID | None = None
    created: bool = False
    ins_generated: bool = False
    documents: Counter[str] = field(default_factory=Counter)  # imported|already_present|refused
    lines: StoreReport = field(default_factory=StoreReport)
    dispensations: DispensationReport = field(default_factory=DispensationReport)
    not_imported: Counter[str] = field(default_factory=Counter)
    resources: Counter[str] = field(default_factory=Counter)


def _contact(patient: PatientData) -> Contact:
    mobile = None
    for phone in patient.phones:
        try:
            mobile = Contact(mobile=phone).mobile
            break
        except ValidationError:
            continue
    try:
        return Contact(email=patient.email, mobile=mobile)
    except ValidationError:
        return Contact(mobile=mobile)


def _request(patient: PatientData, nir: str, consent: bool) -> DossierCreate:
    if patient.birth_date is None or not patient.family_name or not patient.given_names:
        raise BundleRefused(detail="Patient sans nom, prénom ou date de naissance")
    sex = patient.sex if patient.sex in ("female", "male", "other") else "unknown"
    try:
        identity = Identity(
            family_name=patient.family_name,
            given_names=patient.given_names,
            birth_date=patient.birth_date,
            sex=sex,
        )
        return DossierCreate(
            nir=nir,
            identity=identity,
            channel=CreationChannel.OPERATOR,
            consent=ConsentIn(given=consent),
            contact=_contact(patient),
        )
    except ValidationError as error:
        raise BundleRefused(detail=str(error.errors()[0]["msg"])) from None


async def _dossier(
    session: AsyncSession,
    *,
    rt: Runtime,
    creator: Actor,
    patient: PatientData,
    consent: bool,
    allow_test_ins: bool,
    report: BundleReport,
) -> tuple[uuid.UUID, str]:
    nir = patient.nir
    if nir is None:
        if not allow_test_ins:
            raise BundleRefused(
                detail="Patient sans INS (option --test-ins pour des patients fictifs)"
            )
        if rt.settings.environment == "production":
            raise BundleRefused(detail="INS de test refusé en production")
        nir = derive_test_ins(patient.resource_id, birth_date=patient.birth_date, sex=patient.sex)
        report.ins_generated = True
    found = await find_living_dossier(session, rt=rt, nir=nir)
    if found is not None:
        return found.id, nir
    if not consent:
        raise BundleRefused(
            detail="pas de DMP pour ce patient et consentement non déclaré (--consent)"
        )
    created = await create_dossier(
        session, rt=rt, actor=creator, request=_request(patient, nir, consent)
    )
    report.created = True
    return created.dossier_id, nir


async def _documents(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    dossier_id: uuid.UUID,
    content: BundleContent,
    report: BundleReport,
    progress: Progress,
) -> None:
    for document in content.documents:
        # From the content: the same note sent as DocumentReference and DiagnosticReport
        # (Synthea does) or imported twice is recognised, not duplicated.
        digest = int(hashlib.sha256(document.content).hexdigest()[:32], 16)
        upload = DocumentIn(
            type_code=document.type_code,
            mime=document.mime,
            unique_id=f"2.25.{digest}",
            title=document_types()[document.type_code].display,
            creation_time=document.created,
            service_start=document.service_start,
            service_end=document.service_end,
        )
        try:
            async with unit_of_work(factory) as session:
                await add_document(
                    session,
                    rt=rt,
                    actor=FHIR_MIGRATION,
                    dossier_id=dossier_id,
                    upload=upload,
                    content=document.content,
                )
            report.documents["imported"] += 1
        except DocumentAlreadyExists:
            report.documents["already_present"] += 1
        except DmpError as error:
            report.documents["refused"] += 1
            report.not_imported[f"{document.source.split('/')[0]} : {error.message('fr')}"] += 1
        progress(1)


async def _feeds(
    session: AsyncSession,
    *,
    rt: Runtime,
    dossier_id: uuid.UUID,
    nir: str,
    content: BundleContent,
    report: BundleReport,
) -> None:
    dossier = await get_dossier(session, dossier_id)
    lines = [(n, _with_nir(line, nir)) for n, line in enumerate(content.care_lines, start=1)]
    if lines:
        report.lines = await store_for_dossier(
            session, rt=rt, actor=ASSURANCE_MALADIE, dossier=dossier, lines=lines
        )
        if report.lines.dossiers:
            await render_history_document(
                session, rt=rt, actor=ASSURANCE_MALADIE, dossier_id=dossier_id
            )
    items = [
        DispensationIn(
            nir=nir,
            dispensed_on=d.dispensed_on,
            kind=d.kind,
            label=d.label,
            product_code=d.product_code,
            code_system=d.code_system,
            quantity=d.quantity,
            line_id=d.source[-64:],
        )
        for d in content.dispensations
    ]
    if items:
        report.dispensations = await store_dispensations(
            session, rt=rt, actor=DOSSIER_PHARMACEUTIQUE, items=items
        )


def _with_nir(line: CareLine, nir: str) -> CareLine:
    return CareLine(nir, line.section, line.care_date, line.values, line.line_id)


async def import_bundle(
    factory: async_sessionmaker[AsyncSession],
    *,
    rt: Runtime,
    creator: Actor,
    content: BundleContent,
    name: str,
    consent: bool = False,
    allow_test_ins: bool = False,
    progress: Progress | None = None,
) -> BundleReport:
    """Imports one parsed bundle; raises ``BundleRefused`` when its patient cannot be
    matched or created (nothing is then written)."""
    advance = progress or (lambda _n: None)
    report = BundleReport(
        name, not_imported=Counter(content.not_imported), resources=content.resources
    )
    patient = content.patient
    assert patient is not None
    async with unit_of_work(factory) as session:
        report.dossier_id, nir = await _dossier(
            session,
            rt=rt,
            creator=creator,
            patient=patient,
            consent=consent,
            allow_test_ins=allow_test_ins,
            report=report,
        )
    advance(1)
    try:
        await _documents(
            factory,
            rt=rt,
            dossier_id=report.dossier_id,
            content=content,
            report=report,
            progress=advance,
        )
        async with unit_of_work(factory) as session:
            await _feeds(
                session,
                rt=rt,
                dossier_id=report.dossier_id,
                nir=nir,
                content=content,
                report=report,
            )
    finally:
        await settle_cleanups()
    advance(len(content.care_lines) + len(content.dispensations))
    return report
