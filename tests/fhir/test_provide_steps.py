"""How a Provide bundle's documents are stored (``documents_provide._store_all``): several
in one savepoint, a single one directly in the request's transaction, which is already
all or nothing."""

from __future__ import annotations

import pytest

from dmp.errors import AccessDenied
from dmp.fhir.documents_provide import _store_all


def _refusal() -> AccessDenied:
    error = AccessDenied(reason="dossier_closed", action="dossier:document:add")
    error.keep_changes = True  # as enforce raises it: its trace must be committed
    return error


async def test_a_single_document_is_stored_without_a_savepoint(session):
    seen: list[bool] = []

    async def step():
        seen.append(session.in_nested_transaction())
        return "stored"

    assert await _store_all(session, {3: step}) == {3: "stored"}
    assert seen == [False]


async def test_a_single_refused_document_keeps_its_trace(session):
    async def refused():
        raise _refusal()

    with pytest.raises(AccessDenied) as raised:
        await _store_all(session, {0: refused})
    assert raised.value.keep_changes  # the unit of work commits the refusal's trace


async def test_several_documents_share_one_savepoint(session):
    seen: list[bool] = []

    async def step():
        seen.append(session.in_nested_transaction())
        return "stored"

    assert await _store_all(session, {1: step, 3: step}) == {1: "stored", 3: "stored"}
    assert seen == [True, True]
