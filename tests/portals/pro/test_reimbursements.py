"""The reimbursement tables as the professionals the matrix allows read them: the lines
the Assurance Maladie fed, one table per section; refused to professions that may not."""

from __future__ import annotations

import uuid
from datetime import date

from dmp.db.uow import unit_of_work
from dmp.dossiers.service import get_dossier
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.reimbursements import store_for_dossier
from dmp.feeds.sections import CareLine
from tests.portals.pro.harness import ADULT_NIR, PHARMACIST, PODIATRIST


async def _feed_one_line(world) -> None:
    line = CareLine(
        nir=ADULT_NIR,
        section="pharmacie",
        care_date=date(2026, 2, 10),
        values=(
            ("date_delivrance", "2026-02-10"),
            ("libelle", "AMLODIPINE 5 MG CPR"),
            ("dci", "amlodipine"),
            ("quantite", "1"),
            ("hospital_flag", ""),
        ),
        line_id="L-1",
    )
    async with unit_of_work(world.app.state.session_factory) as session:
        dossier = await get_dossier(session, uuid.UUID(world.dossier_of(ADULT_NIR)))
        await store_for_dossier(
            session, rt=world.rt, actor=ASSURANCE_MALADIE, dossier=dossier, lines=[(2, line)]
        )


async def test_the_pharmacist_reads_the_reimbursement_tables(world, pages):
    await _feed_one_line(world)
    pharmacist = await world.professional(PHARMACIST)
    dossier = world.dossier_of(ADULT_NIR)
    response = await pharmacist.get(f"/pro/dmp/{dossier}/remboursements")
    assert response.status_code == 200, response.text[:400]
    tables = {t["label"]: t for t in pages[-1].context["tables"]}
    pharmacy = tables["Pharmacie / fournitures"]
    assert pharmacy["rows"] == [["10/02/2026", "AMLODIPINE 5 MG CPR", "amlodipine", "1", "Non"]]
    assert "AMLODIPINE 5 MG CPR" in response.text and "<table>" in response.text
    await pharmacist.client.aclose()


async def test_a_profession_the_matrix_excludes_is_refused(world, pages, gp):
    podiatrist = await world.professional(PODIATRIST)
    dossier = world.dossier_of(ADULT_NIR)
    await gp.post(f"/pro/dmp/{dossier}/acces", operation="authorize", professional_id=PODIATRIST)
    refused = await podiatrist.get(f"/pro/dmp/{dossier}/remboursements")
    assert refused.status_code == 403 and "profession" in refused.text
    await podiatrist.client.aclose()
