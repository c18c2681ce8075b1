"""Break-glass from the portal: deliberate (reason and confirmation, no JavaScript
needed), then emergency access with a banner for the rest of the session; refused in
plain words when the patient opposed it or blocked the professional."""

from __future__ import annotations

import uuid

from dmp.access.service import block_professional
from dmp.audit.history import read_access_history
from dmp.db.uow import unit_of_work
from dmp.kit.pdf import text_pdf
from dmp.policy import Actor, ActorKind
from tests.builders.nirs import make_nir
from tests.portals.pro.harness import ADULT_NIR, EMERGENCY, PODIATRIST
from tests.portals.pro.test_creation import ADULT

REASON = "Patiente inconsciente admise au déchocage"


async def test_the_emergency_physician_breaks_the_glass(world, pages):
    doctor = await world.professional(EMERGENCY)
    dossier = world.dossier_of(ADULT_NIR)
    form = await doctor.get(f"/pro/dmp/{dossier}/bris-de-glace")
    assert form.status_code == 200 and 'data-confirm="' in form.text
    unconfirmed = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=REASON)
    assert unconfirmed.status_code == 400 and pages[-1].context["reason"] == REASON
    empty = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=" ", confirm="on")
    assert empty.status_code == 400 and pages[-1].context["error"]
    opened = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=REASON, confirm="on")
    assert opened.status_code == 303
    cookie = next(c for c in opened.headers.get_list("set-cookie") if c.startswith("dmp_urgence_"))
    assert "HttpOnly" in cookie and "Path=/pro" in cookie and "samesite=strict" in cookie.lower()
    assert REASON not in cookie
    page = await doctor.get(f"/pro/dmp/{dossier}")
    assert page.status_code == 200 and pages[-1].context["emergency"].reason == REASON
    assert "Accès en urgence (bris de glace)" in page.text and REASON in page.text
    # The masked psychiatric report stays hidden: the patient's MASKED consent is off.
    assert not any("psychiatrie" in d.title for d in pages[-1].context["documents"])
    # The whole session is flagged: the search page shows the banner too.
    home = await doctor.get("/pro")
    assert "en cours dans cette session" in home.text
    # The holder's history shows the access in break-glass mode.
    async with unit_of_work(world.app.state.session_factory) as session:
        holder = Actor(kind=ActorKind.PATIENT, id="holder", dossier_id=dossier)
        history = await read_access_history(
            session, rt=world.rt, actor=holder, dossier_id=uuid.UUID(dossier)
        )
    emergency = [e for e in history.entries if e.emergency]
    assert emergency and all(e.actor_national_id == EMERGENCY for e in emergency)
    assert emergency[-1].break_glass_reason == REASON
    ended = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace/fin")
    assert ended.status_code == 303
    again = await doctor.get(f"/pro/dmp/{dossier}")
    assert again.status_code == 403
    await doctor.client.aclose()


async def test_refused_when_the_patient_opposed_break_glass(world, pages):
    creator = await world.professional(PODIATRIST)
    await creator.post("/pro/creation", nir=make_nir("1", 52), **(ADULT | {"btg_consent": ""}))
    dossier = str(pages[-1].context["dossier_id"])
    doctor = await world.professional(EMERGENCY)
    refused = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=REASON, confirm="on")
    assert refused.status_code == 403
    assert "s'est opposé" in pages[-1].context["refused"]
    assert (
        "set-cookie" not in refused.headers or "dmp_urgence_" not in refused.headers["set-cookie"]
    )
    still = await doctor.get(f"/pro/dmp/{dossier}")
    assert still.status_code == 403
    for person in (creator, doctor):
        await person.client.aclose()


async def test_refused_when_the_patient_blocked_the_professional(world, pages):
    creator = await world.professional(PODIATRIST)
    nir = make_nir("2", 47)
    await creator.post("/pro/creation", nir=nir, **ADULT)
    dossier = str(pages[-1].context["dossier_id"])
    async with unit_of_work(world.app.state.session_factory) as session:
        holder = Actor(kind=ActorKind.PATIENT, id="holder", dossier_id=dossier)
        await block_professional(
            session, rt=world.rt, actor=holder, dossier_id=uuid.UUID(dossier),
            professional_id=EMERGENCY,
        )  # fmt: skip
    doctor = await world.professional(EMERGENCY)
    refused = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=REASON, confirm="on")
    assert refused.status_code == 403 and "bloqué" in pages[-1].context["refused"]
    button = await doctor.post("/pro/patient", nir=nir)
    assert pages[-1].context["answer"].blocked and "Déposer un document" in button.text
    # Feeding is not reading: the blocked professional may still deposit a document.
    deposited = await doctor.post(
        f"/pro/dmp/{dossier}/documents/ajout",
        files={"file": ("cr.pdf", text_pdf("CR", ["Passage aux urgences."]), "application/pdf")},
        type_code="15507-7", creation_date="2026-03-01",
    )  # fmt: skip
    assert deposited.status_code == 200 and pages[-1].template == "pro/deposited.html"
    for person in (creator, doctor):
        await person.client.aclose()


async def test_a_pass_from_another_session_does_not_open(world, pages):
    doctor = await world.professional(EMERGENCY)
    dossier = world.dossier_of(ADULT_NIR)
    opened = await doctor.post(f"/pro/dmp/{dossier}/bris-de-glace", reason=REASON, confirm="on")
    token = opened.cookies[f"dmp_urgence_{dossier.replace('-', '')}"]
    other = await world.professional(EMERGENCY)
    other.client.cookies.set(f"dmp_urgence_{dossier.replace('-', '')}", token, path="/pro")
    refused = await other.get(f"/pro/dmp/{dossier}")
    assert refused.status_code == 403 and pages[-1].context["emergency"] is None
    for person in (doctor, other):
        await person.client.aclose()
