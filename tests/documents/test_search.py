"""Searching a dossier: each filter, sorting newest first, keyset and offset pagination,
and one trace per search."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dmp.documents import errors
from dmp.documents.organisation import select_document
from dmp.documents.schemas import AuthorKind, DocumentSearch, SortKey
from dmp.documents.search import search_documents
from dmp.documents.search_statement import search_statement
from dmp.documents.service import archive_document
from dmp.errors import InvalidInput
from dmp.policy import DocumentStatus, Visibility
from tests.builders.actors import patient, professional
from tests.builders.documents import TEXT, a_document, feed, grant, traces_of


def day(year: int, month: int, day_: int) -> datetime:
    return datetime(year, month, day_, 10, 0, tzinfo=UTC)


OTHER = professional("810007777772", name="Dr Éloïse Autre")


@pytest.fixture
async def corpus(session, rt, dossier_id):
    """Six documents; returns their ids by name."""
    holder = patient(dossier_id)
    docs = {
        "echo": await a_document(
            session,
            rt,
            dossier_id,
            title="Échographie cardiaque",
            creation_time=day(2026, 1, 10),
            service_start=day(2026, 1, 10),
            service_end=day(2026, 1, 10),
            practice_setting="CARDIOLOGIE",
        ),
        "stay": await a_document(
            session,
            rt,
            dossier_id,
            actor=OTHER,
            type_code="34112-3",
            title="CR hospitalier",
            creation_time=day(2025, 6, 1),
            service_start=day(2025, 5, 25),
            service_end=day(2025, 6, 1),
        ),
        "imaging": await a_document(
            session,
            rt,
            dossier_id,
            type_code="18748-4",
            title="Radiographie du genou",
            creation_time=day(2026, 2, 20),
            visibility=frozenset({Visibility.MASQUE_PS}),
        ),
        "note": await a_document(
            session,
            rt,
            dossier_id,
            actor=holder,
            content=TEXT,
            mime="text/plain",
            title="Mes douleurs",
            creation_time=day(2026, 2, 25),
        ),
        "remb": await a_document(
            session,
            rt,
            dossier_id,
            actor=feed(),
            type_code="REMB",
            title="Remboursements",
            creation_time=day(2026, 3, 1),
        ),
        "old": await a_document(
            session, rt, dossier_id, title="Ancienne consultation", creation_time=day(2024, 9, 9)
        ),
    }
    await archive_document(
        session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=docs["old"].id
    )
    await select_document(
        session, rt=rt, actor=holder, dossier_id=dossier_id, document_id=docs["echo"].id
    )
    return {name: doc.id for name, doc in docs.items()}


async def names(session, rt, dossier_id, corpus, actor=None, **filters) -> list[str]:
    by_id = {v: k for k, v in corpus.items()}
    page = await search_documents(
        session,
        rt=rt,
        actor=actor or patient(dossier_id),
        dossier_id=dossier_id,
        query=DocumentSearch(**filters),
    )
    return [by_id[item.id] for item in page.items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["remb", "note", "imaging", "echo", "stay"]),
        ({"statuses": {DocumentStatus.ARCHIVED}}, ["old"]),
        ({"statuses": set(DocumentStatus)}, ["remb", "note", "imaging", "echo", "stay", "old"]),
        ({"class_codes": {"31", "60"}}, ["remb", "imaging"]),
        ({"type_codes": {"34112-3"}}, ["stay"]),
        ({"categories": {"Expression libre"}}, ["note"]),
        ({"categories": {"Comptes rendus", "Imagerie médicale"}}, ["imaging", "echo", "stay"]),
        ({"created_from": day(2026, 1, 1), "created_to": day(2026, 2, 21)}, ["imaging", "echo"]),
        ({"service_from": day(2025, 5, 30), "service_to": day(2025, 12, 31)}, ["stay"]),
        ({"author_name": "eloise"}, ["stay"]),
        ({"author_name": "CURIE marie"}, ["imaging", "echo"]),
        ({"author_kinds": {AuthorKind.FEED}}, ["remb"]),
        ({"practice_settings": {"CARDIOLOGIE"}}, ["echo"]),
        ({"security_labels": {Visibility.MASQUE_PS}}, ["imaging"]),
        ({"title_words": "echographie"}, ["echo"]),
        ({"title_words": "cr HOSPITALIER"}, ["stay"]),
        ({"title_words": "50%_"}, []),
        ({"only_selected": True}, ["echo"]),
    ],
)
async def test_each_filter(session, rt, dossier_id, corpus, filters, expected):
    assert await names(session, rt, dossier_id, corpus, **filters) == expected


async def test_a_plain_professional_sees_neither_masked_nor_unreadable_types(
    session, rt, dossier_id, corpus
):
    reader = professional("810005555553", profession="21", name="Pharmacien")
    await grant(session, rt, dossier_id, reader.id)
    seen = await names(session, rt, dossier_id, corpus, actor=reader)
    assert "imaging" not in seen  # masked
    assert set(seen) <= {"remb", "note", "echo", "stay"}


async def test_keyset_pagination_walks_every_page_once(session, rt, dossier_id, corpus):
    holder, seen, cursor = patient(dossier_id), [], None
    while True:
        page = await search_documents(
            session,
            rt=rt,
            actor=holder,
            dossier_id=dossier_id,
            query=DocumentSearch(limit=2, cursor=cursor),
        )
        seen.extend(item.id for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [corpus[n] for n in ("remb", "note", "imaging", "echo", "stay")]


async def test_offset_pagination_and_deposit_order(session, rt, dossier_id, corpus):
    assert await names(session, rt, dossier_id, corpus, offset=3, limit=1) == ["echo"]
    # All deposited at the same (frozen) instant: ties fall back to the id, newest first.
    by_deposit = await names(session, rt, dossier_id, corpus, sort=SortKey.SUBMITTED_AT)
    assert by_deposit == ["remb", "note", "imaging", "stay", "echo"]


async def test_one_trace_per_search(session, rt, dossier_id, corpus):
    before = len(await traces_of(session, dossier_id))
    await names(session, rt, dossier_id, corpus, statuses=set(DocumentStatus))
    traces = await traces_of(session, dossier_id)
    assert len(traces) == before + 1
    assert (traces[-1].action, traces[-1].outcome) == ("dossier:document:list", "allowed")


async def test_bad_queries_are_refused_before_anything_is_traced(session, rt, dossier_id):
    before = len(await traces_of(session, dossier_id))
    holder = patient(dossier_id)
    with pytest.raises(errors.InvalidCursor):
        await names(session, rt, dossier_id, {}, actor=holder, cursor="not-a-cursor")
    with pytest.raises(InvalidInput, match="catégorie"):
        await names(session, rt, dossier_id, {}, actor=holder, categories={"Divers"})
    with pytest.raises(errors.SelectionsArePersonal):
        await names(session, rt, dossier_id, {}, actor=professional(), only_selected=True)
    assert len(await traces_of(session, dossier_id)) == before


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (
            ({"created_from": day(2026, 1, 1)}, ["remb", "note", "imaging", "echo"]),
            ({"created_from": day(2026, 2, 21)}, ["remb", "note"]),
        ),
        (
            ({"submitted_to": day(2020, 1, 1)}, []),
            ({"submitted_to": day(2100, 1, 1)}, ["remb", "note", "imaging", "echo", "stay"]),
        ),
        (({"title_words": "echographie"}, ["echo"]), ({"title_words": "genou"}, ["imaging"])),
        (({"author_name": "eloise"}, ["stay"]), ({"author_name": "curie"}, ["imaging", "echo"])),
        (({"offset": 3, "limit": 1}, ["echo"]), ({"offset": 1, "limit": 1}, ["note"])),
    ],
)
async def test_searches_of_one_shape_share_a_statement_and_get_their_own_rows(
    session, rt, dossier_id, corpus, first, then
):
    """Dates, words and offsets are bound at execution: a client asking for what is new
    since each of its looks must not build and compile a statement on every search."""
    assert await names(session, rt, dossier_id, corpus, **first[0]) == first[1]
    built = search_statement.cache_info().misses
    assert await names(session, rt, dossier_id, corpus, **then[0]) == then[1]
    assert search_statement.cache_info().misses == built


async def test_professionals_share_a_statement_and_each_sees_their_own_masked_document(
    session, rt, dossier_id
):
    """Whose own documents the author bypass lets through is bound at execution: two
    professionals of one profession share a statement, and each still sees their own
    masked document and not the other's."""
    first = professional("810007777772", name="Dr Un")
    second = professional("810005555553", name="Dr Deux")
    masked = frozenset({Visibility.MASQUE_PS})
    titles = {}
    for author in (first, second):
        await grant(session, rt, dossier_id, author.id)
        document = await a_document(
            session, rt, dossier_id, actor=author, title=f"Note {author.id}", visibility=masked
        )
        titles[document.id] = author.id
    await a_document(session, rt, dossier_id, title="Visible de tous")

    async def seen_by(actor):
        page = await search_documents(
            session, rt=rt, actor=actor, dossier_id=dossier_id, query=DocumentSearch()
        )
        return sorted(titles.get(item.id, "tous") for item in page.items)

    assert await seen_by(first) == [first.id, "tous"]
    built = search_statement.cache_info().misses
    assert await seen_by(second) == [second.id, "tous"]
    assert search_statement.cache_info().misses == built
