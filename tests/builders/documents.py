"""Document uploads, deposited documents and the grants that let professionals read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.models import Authorization, TreatingPhysician
from dmp.audit.models import Trace
from dmp.documents.models import Document
from dmp.documents.schemas import DocumentIn, DocumentOut
from dmp.documents.service import add_document
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime
from tests.builders.actors import professional

DATA = Path(__file__).resolve().parents[1] / "data"
PDF = (DATA / "sample.pdf").read_bytes()
PNG = (DATA / "sample.png").read_bytes()
JPEG = (DATA / "sample.jpg").read_bytes()
CDA = (DATA / "cda" / "cr-consultation.xml").read_bytes()
CDA_PDF = (DATA / "cda" / "cda-nonxml-pdf.xml").read_bytes()
TEXT = "Note : douleurs au genou gauche depuis mars, pas de fièvre.\n".encode()

CONSULTATION = "11488-4"  # CR de consultation, class 10
HOSPITAL_STAY = "34112-3"  # CR hospitalier, class 10
CREATED = datetime(2026, 2, 27, 14, 0, tzinfo=UTC)


def upload(**overrides: Any) -> DocumentIn:
    values: dict[str, Any] = {
        "type_code": CONSULTATION,
        "mime": "application/pdf",
        "title": "Compte rendu de consultation",
        "creation_time": CREATED,
    }
    values.update(overrides)
    return DocumentIn(**values)


def feed(feed_id: str = "cnam-sniiram") -> Actor:
    return Actor(kind=ActorKind.FEED, id=feed_id, display_name="Assurance Maladie")


async def a_document(
    session: AsyncSession,
    rt: Runtime,
    dossier_id: uuid.UUID,
    *,
    actor: Actor | None = None,
    content: bytes = PDF,
    **overrides: Any,
) -> DocumentOut:
    return await add_document(
        session,
        rt=rt,
        actor=actor or professional(),
        dossier_id=dossier_id,
        upload=upload(**overrides),
        content=content,
    )


async def grant(
    session: AsyncSession,
    rt: Runtime,
    dossier_id: uuid.UUID,
    professional_id: str,
    *,
    state: str = "authorized",
    role: str | None = None,
) -> None:
    """An authorization row (authorized/revoked/blocked) and, with ``role``, a treating
    physician or administrator designation."""
    now = rt.clock.now()
    session.add(
        Authorization(
            dossier_id=dossier_id,
            professional_id=professional_id,
            state=state,
            granted_by_kind="patient",
            granted_by_id="holder",
            declared_consent=False,
            created_at=now,
            updated_at=now,
        )
    )
    if role is not None:
        session.add(
            TreatingPhysician(
                dossier_id=dossier_id,
                professional_id=professional_id,
                role=role,
                designated_by_kind="patient",
                designated_by_id="holder",
                created_at=now,
            )
        )
    await session.flush()


async def count_documents(session: AsyncSession, dossier_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Document).where(Document.dossier_id == dossier_id)
        )
        or 0
    )


async def traces_of(session: AsyncSession, dossier_id: uuid.UUID) -> list[Trace]:
    query = select(Trace).where(Trace.dossier_id == dossier_id).order_by(Trace.seq)
    return list((await session.execute(query)).scalars())


async def blob_keys(rt: Runtime, dossier_id: uuid.UUID) -> list[str]:
    assert rt.blobs is not None
    return [key async for key in rt.blobs.list_keys(f"{dossier_id}/")]
