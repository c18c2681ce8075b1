"""The development page of received messages: there in tests and the demo, absent (404)
in production."""

from __future__ import annotations

import uuid

import httpx
import pytest

from dmp.app import create_app
from dmp.notifications.email import EmailSender
from dmp.notifications.letters import LetterQueue
from dmp.notifications.sms import FileSmsSink
from dmp.web.dev import dev_router


def client_for(settings) -> httpx.AsyncClient:
    app = create_app(settings)
    if not any(getattr(r, "path", "") == "/dev/messages" for r in app.routes):
        app.include_router(dev_router)  # until the lead mounts it in create_app
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def a_received_mail(settings) -> None:
    folder = settings.effective_mail_sink_dir
    folder.mkdir(parents=True, exist_ok=True)
    message = EmailSender(host="-", port=0, sender="ne-pas-repondre@dmp.example.fr").compose(
        to="jeanne@example.org", subject="Votre code de connexion au DMP", body="Code : 123456"
    )
    (folder / "20260302T093000-00001.eml").write_bytes(message.as_bytes())


async def test_the_page_shows_mail_sms_and_letters_in_test(settings, clock):
    a_received_mail(settings)
    await FileSmsSink(settings.effective_sms_dir, clock=clock).send(
        to="0612345678", text="DMP : votre code de connexion est 654321."
    )
    letter_id = uuid.uuid4()
    await LetterQueue(settings.effective_letters_dir).send(
        message_id=letter_id, addressee="Jeanne Martin", subject="Création", body="Bonjour"
    )
    async with client_for(settings) as client:
        page = await client.get("/dev/messages", headers={"accept": "text/html"})
        assert page.status_code == 200
        html = page.text
        assert '<html lang="fr">' in html and "<h1>Messages reçus</h1>" in html
        assert "Votre code de connexion au DMP" in html and "Code : 123456" in html
        assert "+33612345678" in html and "654321" in html
        assert f"/dev/letters/courrier-{letter_id}.pdf" in html
        assert '<th scope="col">' in html and "<caption>" in html
        pdf = await client.get(f"/dev/letters/courrier-{letter_id}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert (await client.get("/dev/letters/..%2Fmaster.key")).status_code == 404


@pytest.mark.parametrize("path", ["/dev/messages", "/dev/letters/courrier-x.pdf"])
async def test_the_page_does_not_exist_in_production(settings, path):
    a_received_mail(settings)
    production = settings.model_copy(update={"environment": "production"})
    async with client_for(production) as client:
        response = await client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "123456" not in response.text
