"""Online creation in three steps: the numbers, identity and consent, the credentials
shown once with the printable "document des secrets"."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from dmp.dossiers.codes import issue_creation_code
from dmp.notifications.models import OutboxMessage
from tests.builders.actors import counter_agent
from tests.builders.nirs import make_nir
from tests.portals.patient.helpers import csrf_in, post_form


async def _code(portal, nir: str) -> str:
    async with portal.unit_of_work() as session:
        issued = await issue_creation_code(session, rt=portal.rt, actor=counter_agent(), nir=nir)
    return issued.code


async def _acknowledgements(portal) -> list[str]:
    async with portal.unit_of_work() as session:
        rows = await session.execute(
            select(OutboxMessage.channel).where(OutboxMessage.event == "dossier_created")
        )
        return list(rows.scalars())


def _identity(**overrides: str) -> dict[str, str]:
    values = {
        "pour": "moi",
        "nom": "Martin",
        "prenoms": "Jeanne",
        "jour": "14",
        "mois": "05",
        "annee": "1985",
        "sexe": "female",
        "email": "jeanne.martin@example.org",
        "email2": "jeanne.martin@example.org",
        "mobile": "",
        "mobile2": "",
        "cgu": "oui",
        "consentement": "oui",
        "btg": "oui",
        "etreat": "oui",
    }
    values.update(overrides)
    return values


async def test_the_three_steps_then_the_secrets_letter(portal, pages, tmp_path):
    nir = make_nir("2", 85, 5)
    code = await _code(portal, nir)
    async with portal.client() as client:
        page = await client.get("/creer-mon-dmp")
        token = csrf_in(page)
        assert pages[-1].context["step"] == 1
        response = await post_form(
            client,
            "/creer-mon-dmp",
            token,
            nir=f"{nir[:1]} {nir[1:3]} {nir[3:]}",
            code=code.lower(),
            carte="avec_photo",
            serie="8250012345",
        )
        assert response.headers["location"] == "/creer-mon-dmp/identite"
        await client.get("/creer-mon-dmp/identite")
        facts = pages[-1].context["facts"]
        assert (facts.sex, facts.year, facts.month) == ("female", 85, 5)

        wrong = await post_form(
            client,
            "/creer-mon-dmp/identite",
            token,
            **_identity(
                mois="06",
                sexe="male",
                email2="autre@example.org",
                cgu="",
                mobile="0512",
                mobile2="0512",
            ),
        )
        assert wrong.status_code == 422
        errors = pages[-1].context["errors"]
        assert set(errors) == {"jour", "sexe", "email2", "mobile", "cgu"}
        assert "ne correspond pas à votre numéro" in errors["jour"]

        queued = Counter(await _acknowledgements(portal))
        done = await post_form(client, "/creer-mon-dmp/identite", token, **_identity())
        assert done.headers["location"] == "/creer-mon-dmp/identifiants"
        # The acknowledgement of receipt waits in the outbox for the delivery worker.
        assert Counter(await _acknowledgements(portal)) - queued == Counter({"email": 1})
        await client.get("/creer-mon-dmp/identifiants")
        shown = pages[-1].context["done"]
        assert len(shown["login_id"]) >= 8 and shown["password"]
        letter = await client.get("/creer-mon-dmp/document-des-secrets.pdf")
        assert letter.headers["content-type"] == "application/pdf"
        assert letter.headers["cache-control"] == "no-store"
        path = tmp_path / "letter.pdf"
        path.write_bytes(letter.content)
        reader = await asyncio.create_subprocess_exec(
            "pdftotext", str(path), "-", stdout=asyncio.subprocess.PIPE
        )
        words = (await reader.communicate())[0].decode()
        assert shown["login_id"] in words and shown["password"] in words
        assert "Jeanne MARTIN" in words and "14/05/1985" in words

        finished = await post_form(client, "/creer-mon-dmp/terminer", token)
        assert finished.headers["location"] == "/connexion"
        await client.get("/creer-mon-dmp/identifiants")
        assert pages[-1].context["done"] is None  # shown once
        # The code is spent: the same letter cannot create a second dossier.
        again = await post_form(
            client,
            "/creer-mon-dmp",
            token,
            nir=nir,
            code=code,
            carte="avec_photo",
            serie="8250012345",
        )
        assert again.status_code == 422
        assert pages[-1].context["errors"]["code"] == "Ce code de création a déjà été utilisé."


async def test_step_one_names_each_problem(portal, pages):
    nir = make_nir("1", 70, 1)
    async with portal.client() as client:
        token = csrf_in(await client.get("/creer-mon-dmp"))
        response = await post_form(
            client, "/creer-mon-dmp", token, nir="1234", code="abc", carte="", serie=""
        )
        assert response.status_code == 422
        assert set(pages[-1].context["errors"]) == {"nir", "code", "carte", "serie"}
        wrong = await post_form(
            client,
            "/creer-mon-dmp",
            token,
            nir=nir,
            code="A" * 12,
            carte="sans_photo",
            serie="123456",
        )
        assert pages[-1].context["errors"] == {
            "code": "Le code de création est incorrect pour ce numéro de sécurité sociale."
        }
        assert wrong.status_code == 422
        # Step two without step one starts again.
        assert (await client.get("/creer-mon-dmp/identite")).headers["location"] == (
            "/creer-mon-dmp"
        )


async def test_a_parent_creates_the_dmp_of_a_child(portal, pages):
    nir = make_nir("1", 15, 9)
    code = await _code(portal, nir)
    async with portal.client() as client:
        token = csrf_in(await client.get("/creer-mon-dmp"))
        await post_form(
            client,
            "/creer-mon-dmp",
            token,
            nir=nir,
            code=code,
            carte="sans_photo",
            serie="99887766",
        )
        child = _identity(prenoms="Hugo", jour="01", mois="09", annee="2015", sexe="male")
        refused = await post_form(client, "/creer-mon-dmp/identite", token, **child)
        assert "représentant légal" in pages[-1].context["errors"]["pour"]
        assert refused.status_code == 422
        child.update(pour="enfant", rep_nom="Martin", rep_prenoms="Jeanne", rep_lien="mère")
        done = await post_form(client, "/creer-mon-dmp/identite", token, **child)
        assert done.status_code == 303
        await client.get("/creer-mon-dmp/identifiants")
        assert pages[-1].context["done"]["representative"] is True
