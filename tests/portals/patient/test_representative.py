"""Legal representatives see the minor's DMP under the same pages, minus what is hidden
from them; the "only with a doctor present" restriction is enforced on every page."""

from __future__ import annotations

from sqlalchemy import select

from dmp.access.audience import Audience
from dmp.access.service import designate_treating_physician, restrict_legal_representatives
from dmp.audit.models import Trace
from dmp.cli.seed import PROFESSIONALS
from dmp.cli.seed_content import professional_actor
from dmp.policy import Actor, ActorKind
from tests.portals.patient.helpers import post_form


async def test_the_same_pages_for_the_minors_dossier(portal, mother, pages):
    await mother.client.get("/mon-dmp/documents")
    items = pages[-1].context["found"].items
    assert [d.title for d in items] == ["Note de vaccination — ROR"]
    page = await mother.client.get(f"/mon-dmp/documents/{items[0].id}/qui-peut-voir")
    entries = pages[-1].context["entries"]
    representatives = next(e for e in entries if e.audience is Audience.LEGAL_REPRESENTATIVES)
    assert representatives.can_see
    assert "Les représentants légaux" in page.text
    await mother.client.get("/mon-dmp/gestion/historique")
    assert pages[-1].context["found"].entries  # representatives read the traces too


async def test_only_with_a_doctor_present(portal, mother, pages):
    leo = portal.created("Mineur").dossier_id
    gp = professional_actor(PROFESSIONALS[0])
    parent = Actor(kind=ActorKind.LEGAL_REPRESENTATIVE, id="setup", dossier_id=str(leo))
    async with portal.unit_of_work() as session:
        await designate_treating_physician(
            session,
            rt=portal.rt,
            actor=parent,
            dossier_id=leo,
            professional_id=gp.id,
        )
        await restrict_legal_representatives(
            session, rt=portal.rt, actor=gp, dossier_id=leo, doctor_only=True
        )
    for url in (
        "/mon-dmp",
        "/mon-dmp/documents",
        "/mon-dmp/remboursements",
        "/mon-dmp/gestion/historique",
        "/mon-dmp/gestion/professionnels",
    ):
        response = await mother.client.get(url)
        assert response.status_code == 403, url
        assert pages[-1].template == "patient/restricted.html"
        assert "qu&#39;en présence d&#39;un médecin" in response.text
    refused = await post_form(mother.client, "/mon-dmp/gestion/telecharger", mother.csrf)
    assert refused.status_code == 403
    async with portal.unit_of_work() as session:
        reasons = (
            await session.execute(select(Trace.reason).where(Trace.dossier_id == leo))
        ).scalars()
        assert "doctor_presence_required" in set(reasons)
    async with portal.unit_of_work() as session:
        await restrict_legal_representatives(
            session, rt=portal.rt, actor=gp, dossier_id=leo, doctor_only=False
        )
    assert (await mother.client.get("/mon-dmp")).status_code == 200
