"""What the FHIR adapter needs from the documents domain: checking a deposit without
storing it, searching by submission time up to a bound, and counting a search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dmp.documents import errors
from dmp.documents.schemas import DocumentSearch, SortKey
from dmp.documents.search import count_documents, search_documents
from dmp.documents.service import validate_upload
from dmp.policy import Visibility
from tests.builders.actors import professional
from tests.builders.documents import PDF, a_document, upload
from tests.builders.documents import count_documents as rows

NURSE = professional("810005555553", profession="60", name="Inès Infirmière")


async def test_validate_upload_refuses_what_add_would_refuse_and_writes_nothing(
    session, rt, dossier_id
):
    await validate_upload(rt=rt, actor=professional(), upload=upload(), content=PDF)
    with pytest.raises(errors.UnknownTypeCode):
        await validate_upload(
            rt=rt, actor=professional(), upload=upload(type_code="99999-9"), content=PDF
        )
    with pytest.raises(errors.ContentTypeMismatch):
        await validate_upload(rt=rt, actor=professional(), upload=upload(), content=b"texte")
    both = frozenset({Visibility.MASQUE_PS, Visibility.INVISIBLE_PATIENT})
    with pytest.raises(errors.VisibilityConflict):
        await validate_upload(
            rt=rt, actor=professional(), upload=upload(visibility=both), content=PDF
        )
    assert await rows(session, dossier_id) == 0


async def test_submitted_to_bounds_the_submission_time(session, rt, dossier_id):
    first = await a_document(session, rt, dossier_id, title="premier")
    rt.clock.advance(timedelta(days=2))
    second = await a_document(session, rt, dossier_id, title="second")
    query = DocumentSearch(
        submitted_to=first.submitted_at + timedelta(days=1), sort=SortKey.SUBMITTED_AT
    )
    page = await search_documents(
        session, rt=rt, actor=professional(), dossier_id=dossier_id, query=query
    )
    assert [d.id for d in page.items] == [first.id]
    query = DocumentSearch(submitted_from=first.submitted_at + timedelta(days=1))
    page = await search_documents(
        session, rt=rt, actor=professional(), dossier_id=dossier_id, query=query
    )
    assert [d.id for d in page.items] == [second.id]


async def test_count_documents_counts_what_the_search_lists(session, rt, dossier_id):
    for index in range(3):
        await a_document(session, rt, dossier_id, title=f"doc {index}")
    await a_document(
        session, rt, dossier_id, title="masqué", visibility=frozenset({Visibility.MASQUE_PS})
    )
    author = professional()
    assert (
        await count_documents(
            session, rt=rt, actor=author, dossier_id=dossier_id, query=DocumentSearch(limit=1)
        )
        == 4
    )
    # Words and dates are bound at execution, in the count as in the search.
    narrowed = DocumentSearch(title_words="doc 1", created_from=datetime(2000, 1, 1, tzinfo=UTC))
    scope = {"rt": rt, "actor": author, "dossier_id": dossier_id, "query": narrowed}
    counted = await count_documents(session, **scope)
    assert counted == len((await search_documents(session, **scope)).items) == 1
    # Someone without grounds to read counts what they would see: nothing.
    assert (
        await count_documents(
            session, rt=rt, actor=NURSE, dossier_id=dossier_id, query=DocumentSearch()
        )
        == 0
    )
