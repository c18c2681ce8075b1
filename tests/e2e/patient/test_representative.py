"""Flow 8 in a real browser: a mother, legal representative of Léo, sees his DMP minus
the consultation hidden from her at his request; once a doctor restricts her access to
"only with a doctor present", every page says so and shows nothing."""

from __future__ import annotations

import re

from playwright.async_api import expect

from dmp.access.service import designate_treating_physician, restrict_legal_representatives
from dmp.cli.seed import PROFESSIONALS
from dmp.cli.seed_content import professional_actor
from dmp.documents.schemas import DocumentSearch
from dmp.documents.search import search_documents
from dmp.policy import Actor, ActorKind
from tests.e2e.conftest import assert_accessible, screenshots
from tests.e2e.patient.steps import in_world, log_in, patient


async def test_a_representative_sees_the_minors_dmp_but_not_what_is_hidden(page, live_server):
    leo = patient(live_server, "Mineur")
    await log_in(
        page,
        live_server,
        login_id=leo.login_id,
        password=leo.initial_password,
        email="marie.dupont@example.org",
        choose_email=False,
    )
    await expect(page.locator("h1")).to_have_text("Le DMP de votre enfant")
    await expect(
        page.get_by_role("link", name=re.compile("^Tous les documents courants.* 1$"))
    ).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "patient-representant-accueil")
    await page.get_by_role("link", name=re.compile("^Tous les documents courants.* 1$")).click()
    await expect(page.locator(".document-list li")).to_have_count(1)
    await expect(page.locator(".document-list")).to_contain_text("Note de vaccination — ROR")

    gp = professional_actor(PROFESSIONALS[0])

    async def hidden_id(session, rt):
        found = await search_documents(
            session,
            rt=rt,
            actor=gp,
            dossier_id=leo.dossier_id,
            query=DocumentSearch(title_words="confidentielle"),
        )
        return found.items[0].id

    hidden = await in_world(live_server, hidden_id)
    response = await page.goto(f"{live_server.base_url}/mon-dmp/documents/{hidden}")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("Document introuvable")
    await expect(page.locator("main")).not_to_contain_text("confidentielle")
    await assert_accessible(page)

    async def restrict(session, rt):
        parent = Actor(
            kind=ActorKind.LEGAL_REPRESENTATIVE, id="test", dossier_id=str(leo.dossier_id)
        )
        await designate_treating_physician(
            session, rt=rt, actor=parent, dossier_id=leo.dossier_id, professional_id=gp.id
        )
        await restrict_legal_representatives(
            session, rt=rt, actor=gp, dossier_id=leo.dossier_id, doctor_only=True
        )

    await in_world(live_server, restrict)
    for path in ("/mon-dmp", "/mon-dmp/documents", "/mon-dmp/gestion/historique"):
        response = await page.goto(live_server.base_url + path)
        assert response is not None and response.status == 403
        await expect(page.locator("h1")).to_have_text("Accès limité à la présence d'un médecin")
    await assert_accessible(page)
    await screenshots(page, "patient-representant-restreint")
