"""A read's dossier and its document, loaded in one statement: the dossier with the
actor's relations and the locked trace head (``access.facts``), and every column of the
document (decision 0006)."""

from __future__ import annotations

import collections
import uuid
from datetime import date
from typing import cast

from sqlalchemy import and_, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.facts import dossier_facts_select, load_dossier_row_with_facts
from dmp.db.direct import DirectStatement
from dmp.documents.errors import DocumentNotFound
from dmp.documents.models import Document, DocumentRecord
from dmp.documents.repository import DOCUMENT_COLUMNS
from dmp.dossiers.models import Dossier, DossierRecord
from dmp.policy import Actor, DossierFacts

# A read's dossier (with the actor's relations and the trace head, ``access.facts``) and
# its document in one statement: one round trip fewer on every retrieval. The document's
# columns come after the dossier's, labelled apart (the two tables share column names).
_DOSSIER_AND_DOCUMENT_SELECT = dossier_facts_select(
    *(column.label(f"document_{column.key}") for column in DOCUMENT_COLUMNS),
    outer_join=(
        Document,
        and_(Document.dossier_id == Dossier.id, Document.id == bindparam("document_id")),
    ),
)
_DOSSIER_PART = len(_DOSSIER_AND_DOCUMENT_SELECT.selected_columns) - len(DOCUMENT_COLUMNS)
_DocumentRow = collections.namedtuple(  # type: ignore[misc]
    "_DocumentRow", [column.key for column in DOCUMENT_COLUMNS]
)
_DOCUMENT_ID = _DocumentRow._fields.index("id")
_DOSSIER_AND_DOCUMENT = DirectStatement(_DOSSIER_AND_DOCUMENT_SELECT)


async def load_dossier_and_document(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: Actor,
    today: date,
) -> tuple[DossierRecord, DossierFacts, DocumentRecord]:
    """``access.facts.load_dossier_with_facts`` and the document's row (every column) in
    one query; raises ``DossierNotFound``, then ``DocumentNotFound``."""
    row, facts = await load_dossier_row_with_facts(
        session,
        _DOSSIER_AND_DOCUMENT,
        {"document_id": document_id},
        dossier_id=dossier_id,
        actor=actor,
        today=today,
    )
    document = _DocumentRow._make(row[_DOSSIER_PART:])
    if document[_DOCUMENT_ID] is None:
        raise DocumentNotFound()
    return cast(DossierRecord, row), facts, cast(DocumentRecord, document)
