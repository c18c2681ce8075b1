"""The entrance page, in a real browser: accessible, translated, secure headers."""

from __future__ import annotations

from tests.e2e.conftest import assert_accessible, screenshots


async def test_home_page_is_accessible_in_french_and_english(page, live_server):
    response = await page.goto(live_server.base_url + "/")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert await page.locator("h1").inner_text() == "Mon DMP, votre Dossier Médical Partagé"
    await assert_accessible(page)
    await screenshots(page, "accueil")
    await page.get_by_role("link", name="English").click()
    assert await page.locator("h1").inner_text() == "My DMP, your Shared Medical Record"
    assert await page.locator("html").get_attribute("lang") == "en"
    await assert_accessible(page)


async def test_health_is_reachable_on_the_live_server(page, live_server):
    response = await page.goto(live_server.base_url + "/health")
    assert response is not None and response.status == 200
