""" "Gestion du DMP": professionals, treating physicians, emergency access, notifications,
"Mes informations" (contact change confirmed by a code), people to call, password."""

from __future__ import annotations

from dmp.cli.seed import PROFESSIONALS
from tests.portals.patient.helpers import last_code, post_form

PODIATRIST = PROFESSIONALS[4].national_id  # Lucas Girard, pédicure-podologue
DENTIST = PROFESSIONALS[5].national_id
PHARMACIST = PROFESSIONALS[2].national_id
URL = "/mon-dmp/gestion/professionnels"


async def _groups(person, pages):
    await person.client.get(URL)
    groups = pages[-1].context["groups"]
    return {name: [p.national_id for p in people] for name, people in groups.items()}


async def test_the_professionals_and_their_standing(portal, marie, pages):
    groups = await _groups(marie, pages)
    assert groups["managers"] == [PROFESSIONALS[0].national_id]
    assert set(groups["authorized"]) == {PHARMACIST, PROFESSIONALS[3].national_id}
    assert groups["blocked"] == [] and groups["revoked"] == []


async def test_authorize_revoke_block_unblock(portal, marie, pages):
    # An RPPS as printed on a prescription: 11 digits, spaces allowed.
    response = await post_form(
        marie.client,
        URL,
        marie.csrf,
        action="autoriser",
        autoriser=f"{PODIATRIST[1:4]} {PODIATRIST[4:]}",
    )
    assert response.headers["location"] == URL + "?fait=autorise"
    assert PODIATRIST in (await _groups(marie, pages))["authorized"]
    again = await post_form(marie.client, URL, marie.csrf, action="autoriser", autoriser=PODIATRIST)
    assert again.status_code == 422
    assert "déjà autorisé" in pages[-1].context["errors"]["autoriser"]

    await post_form(marie.client, URL, marie.csrf, action="retirer", professionnel=PODIATRIST)
    assert PODIATRIST in (await _groups(marie, pages))["revoked"]
    await post_form(marie.client, URL, marie.csrf, action="bloquer-ligne", professionnel=PODIATRIST)
    assert PODIATRIST in (await _groups(marie, pages))["blocked"]
    refused = await post_form(
        marie.client, URL, marie.csrf, action="autoriser", autoriser=PODIATRIST
    )
    assert "bloqué" in pages[-1].context["errors"]["autoriser"] and refused.status_code == 422
    response = await post_form(
        marie.client, URL, marie.csrf, action="debloquer", professionnel=PODIATRIST
    )
    assert response.headers["location"] == URL + "?fait=debloque"
    assert PODIATRIST in (await _groups(marie, pages))["revoked"]


async def test_bad_numbers_are_named_next_to_the_field(portal, marie, pages):
    for typed, expected in (
        ("", "Saisissez le numéro RPPS"),
        ("12", "Numéro incorrect"),
        ("10000000000", "inconnu de l'annuaire"),
    ):
        response = await post_form(
            marie.client, URL, marie.csrf, action="autoriser", autoriser=typed
        )
        assert response.status_code == 422
        assert expected in pages[-1].context["errors"]["autoriser"]
        assert 'id="f-autoriser-erreur"' in response.text


async def test_treating_physicians_and_blocking_one(portal, marie, pages):
    response = await post_form(marie.client, URL, marie.csrf, action="designer", designer=DENTIST)
    assert response.headers["location"] == URL + "?fait=medecin-traitant"
    assert DENTIST in (await _groups(marie, pages))["managers"]
    await post_form(marie.client, URL, marie.csrf, action="fin-designation", professionnel=DENTIST)
    assert DENTIST not in (await _groups(marie, pages))["managers"]
    await post_form(marie.client, URL, marie.csrf, action="bloquer", bloquer=DENTIST)
    assert DENTIST in (await _groups(marie, pages))["blocked"]


async def test_emergency_access_choices(portal, marie, pages):
    await marie.client.get("/mon-dmp/gestion/urgence")
    assert pages[-1].context["typed"] == {"btg": "oui", "etreat": "oui", "masked": "non"}
    refused = await post_form(
        marie.client, "/mon-dmp/gestion/urgence", marie.csrf, btg="non", etreat="non", masked="oui"
    )
    assert refused.status_code == 422 and "masked" in pages[-1].context["errors"]
    saved = await post_form(
        marie.client, "/mon-dmp/gestion/urgence", marie.csrf, btg="non", etreat="oui", masked="oui"
    )
    assert saved.headers["location"] == "/mon-dmp/gestion/urgence?fait=urgence"
    await marie.client.get("/mon-dmp/gestion/urgence")
    assert pages[-1].context["typed"] == {"btg": "non", "etreat": "oui", "masked": "oui"}
    await post_form(
        marie.client, "/mon-dmp/gestion/urgence", marie.csrf, btg="oui", etreat="oui", masked="non"
    )


async def test_notification_channels(portal, marie, pages):
    await post_form(marie.client, "/mon-dmp/gestion/notifications", marie.csrf, email="oui")
    await marie.client.get("/mon-dmp/gestion/notifications")
    assert pages[-1].context["preferences"] == {"email": True, "sms": False}


async def test_a_new_email_is_recorded_once_its_code_comes_back(portal, marie, pages):
    await marie.client.get("/mon-dmp/gestion/informations")
    context = pages[-1].context
    assert context["own"].email == "marie.dupont@example.org"
    assert context["nir"] == "2 69 05 49 588 157 80"
    url = "/mon-dmp/gestion/informations/coordonnees"
    mismatch = await post_form(
        marie.client,
        url,
        marie.csrf,
        canal="email",
        nouvelle="marie@example.net",
        confirmation="marie@example.com",
    )
    assert mismatch.status_code == 422 and "confirmation" in pages[-1].context["errors"]
    invalid = await post_form(
        marie.client,
        url,
        marie.csrf,
        canal="email",
        nouvelle="pas-une-adresse",
        confirmation="pas-une-adresse",
    )
    assert invalid.status_code == 422 and "nouvelle" in pages[-1].context["errors"]
    started = await post_form(
        marie.client,
        url,
        marie.csrf,
        canal="email",
        nouvelle="marie@example.net",
        confirmation="marie@example.net",
    )
    assert started.headers["location"] == "/mon-dmp/gestion/informations/confirmer"
    await marie.client.get(started.headers["location"])
    assert pages[-1].context["pending"]["destination"] == "m•••@example.net"
    wrong = await post_form(
        marie.client, "/mon-dmp/gestion/informations/confirmer", marie.csrf, code="000000"
    )
    assert wrong.status_code == 401
    code = last_code(portal.mail, "marie@example.net")
    done = await post_form(
        marie.client, "/mon-dmp/gestion/informations/confirmer", marie.csrf, code=code
    )
    assert done.headers["location"] == "/mon-dmp/gestion/informations?fait=coordonnees"
    await marie.client.get("/mon-dmp/gestion/informations")
    assert pages[-1].context["own"].email == "marie@example.net"
    # The former address is told, so that a hijacked account does not go unnoticed.
    assert any(
        "Modification" in m["Subject"]
        for m in portal.mail.messages()
        if "marie.dupont@example.org" in str(m["To"])
    )


async def test_people_to_call_in_an_emergency(portal, marie, pages):
    url = "/mon-dmp/gestion/contacts-urgence"
    await marie.client.get(url)
    assert [p.name for p in pages[-1].context["people"]] == ["Jean Dupont"]
    bad = await post_form(marie.client, url, marie.csrf, action="ajouter", nom="", telephone="12")
    assert bad.status_code == 422 and set(pages[-1].context["errors"]) == {"nom", "telephone"}
    await post_form(
        marie.client,
        url,
        marie.csrf,
        action="ajouter",
        nom="Lucie Dupont",
        lien="fille",
        telephone="06 11 22 33 44",
    )
    await post_form(marie.client, url, marie.csrf, action="retirer", rang="0")
    await marie.client.get(url)
    assert [(p.name, p.relation) for p in pages[-1].context["people"]] == [
        ("Lucie Dupont", "fille")
    ]


async def test_changing_the_password(portal, marie, pages):
    url = "/mon-dmp/gestion/mot-de-passe"
    wrong = await post_form(
        marie.client,
        url,
        marie.csrf,
        actuel="faux",
        nouveau="Une longue phrase de passe 7",
        confirmation="Une longue phrase de passe 7",
    )
    assert wrong.status_code == 422
    assert pages[-1].context["errors"] == {"actuel": "Le mot de passe actuel est incorrect."}
