"""Fixtures of the documents tests."""

from __future__ import annotations

import pytest

from tests.builders.dossiers import a_dossier


@pytest.fixture
async def dossier_id(session, rt):
    return (await a_dossier(session, rt)).dossier_id
