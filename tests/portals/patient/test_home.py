"""The home page and the document lists: nine categories with counts, the four lists,
search by title words, date and author."""

from __future__ import annotations

from dmp.reference import patient_categories


async def test_home_shows_the_nine_categories_with_counts(portal, marie, pages):
    response = await marie.client.get("/mon-dmp")
    assert response.status_code == 200
    page = pages[-1]
    assert page.template == "patient/home.html"
    counts = {c.category: c.count for c in page.context["counts"]}
    assert list(counts) == patient_categories()
    assert counts["Expression libre"] == 1
    assert counts["Comptes rendus"] == 3  # follow-up, psychiatric stay (masked), nursing
    assert counts["Biologie"] == 1
    assert page.context["total"] == sum(counts.values()) == 8
    assert [v.key for v in page.context["views"]] == [
        "courants",
        "recents",
        "archives",
        "selections",
    ]
    assert response.headers["cache-control"] == "no-store"
    assert "Données de remboursement" in response.text


async def test_the_lists_and_a_category(portal, marie, pages):
    await marie.client.get("/mon-dmp/documents")
    current = pages[-1].context["found"].items
    assert len(current) == 8
    dates = [d.creation_time for d in current]
    assert dates == sorted(dates, reverse=True)
    await marie.client.get("/mon-dmp/documents?vue=recents")
    recent = pages[-1].context["found"].items
    assert {d.title for d in recent} >= {"Mes notes — questions pour mon médecin"}
    assert all(d.submitted_at >= portal.clock.now().replace(day=1, month=1) for d in recent)
    await marie.client.get("/mon-dmp/documents?vue=archives")
    assert pages[-1].context["found"].items == []
    await marie.client.get("/mon-dmp/documents?categorie=Biologie")
    assert [d.title for d in pages[-1].context["found"].items] == [
        "Bilan sanguin — glycémie, lipides, créatinine"
    ]
    assert pages[-1].context["heading"] == "Biologie"


async def test_search_by_words_dates_and_author(portal, marie, pages):
    response = await marie.client.get("/mon-dmp/documents?q=HYPERTENSION")
    assert response.status_code == 200
    assert [d.title for d in pages[-1].context["found"].items] == [
        "Consultation de suivi — hypertension"
    ]
    await marie.client.get("/mon-dmp/documents?auteur=moreau")
    assert [d.title for d in pages[-1].context["found"].items] == [
        "Suivi de soins infirmiers à domicile"
    ]
    # Seeded documents are dated days before 2 March 2026: 20, 45, 60, 400, 900 days…
    await marie.client.get("/mon-dmp/documents?du=01/01/2026&au=28/02/2026")
    titles = {d.title for d in pages[-1].context["found"].items}
    assert "Volet de synthèse médicale" in titles
    assert "Historique des vaccinations" not in titles


async def test_a_bad_date_is_named_next_to_its_field_and_nothing_is_searched(marie, pages):
    response = await marie.client.get("/mon-dmp/documents?du=32/13/2025&au=01/01/2020")
    assert response.status_code == 422
    context = pages[-1].context
    assert context["found"] is None
    assert context["errors"]["du"].startswith("Date incorrecte")
    assert 'id="f-du" name="du" value="32/13/2025"' in response.text
    assert (
        'aria-invalid="true"' in response.text
        and 'aria-describedby="f-du-aide f-du-erreur"' in response.text
    )
    await marie.client.get("/mon-dmp/documents?du=01/02/2026&au=01/01/2026")
    assert pages[-1].context["errors"] == {"au": "La date de fin doit être après la date de début."}


async def test_a_representative_never_sees_what_is_hidden_from_them(portal, mother, pages):
    await mother.client.get("/mon-dmp")
    counts = {c.category: c.count for c in pages[-1].context["counts"]}
    assert sum(counts.values()) == 1
    assert pages[-1].context["representative"] is True
    response = await mother.client.get("/mon-dmp/documents?q=confidentielle")
    assert pages[-1].context["found"].items == []
    assert "Consultation confidentielle" not in response.text


async def test_without_a_session_the_portal_asks_to_log_in(portal):
    async with portal.client() as client:
        response = await client.get("/mon-dmp/documents?vue=archives")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/connexion?suite=%2Fmon-dmp%2Fdocuments%3Fvue%3Darchives"
    )
