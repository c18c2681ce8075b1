"""The feed endpoints over HTTP with signed assertions: the Assurance Maladie's and the
Dossier Pharmaceutique's certificates are accepted for their own feed only; anyone else
is refused."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from dmp.app import create_app
from dmp.auth.pki import LocalPki
from dmp.auth.profiles import FeedSource
from dmp.config import Settings
from dmp.db.uow import unit_of_work
from dmp.dossiers.service import create_dossier
from dmp.feeds.endpoints import feeds_router
from dmp.fhir.security import professional_credential
from tests.builders.actors import counter_agent
from tests.builders.databases import fresh_database
from tests.builders.dossiers import adult_request
from tests.builders.feeds import as_csv, consultation, pharmacy
from tests.builders.nirs import make_nir
from tests.conftest import BACKENDS
from tests.fhir.client import sign_for

AUDIENCE = "http://testserver"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    now = datetime.now(UTC)
    folder = tmp_path_factory.mktemp("feeds-pki")
    authority = LocalPki.create(now=now - timedelta(days=2))
    authority.save(folder, now=now - timedelta(hours=1), crl_days=7)
    issued = {
        "am": authority.issue_feed(
            source=FeedSource.ASSURANCE_MALADIE,
            identifier="318751275100020",
            name="Assurance Maladie",
            now=now - timedelta(days=1),
        ),
        "dp": authority.issue_feed(
            source=FeedSource.DOSSIER_PHARMACEUTIQUE,
            identifier="775686951",
            name="Dossier Pharmaceutique",
            now=now - timedelta(days=1),
        ),
        "doctor": authority.issue_cps(
            national_id="810003461033",
            profession="10",
            given_name="Marie",
            family_name="Curie",
            now=now - timedelta(days=1),
        ),
    }
    return folder, issued


@pytest.fixture(params=BACKENDS)
async def service(request, tmp_path, pki):
    folder, issued = pki
    async with fresh_database(request.param, tmp_path) as url:
        settings = Settings(
            var_dir=tmp_path / "var",
            database_url=url,
            environment="test",
            base_url=AUDIENCE,
            master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
            pki_ca_bundle=folder / "ca-bundle.pem",
            pki_crl_file=folder / "crl.pem",
            password_hash_time_cost=1,
            password_hash_memory_kib=1024,
        )
        app = create_app(settings)
        if not any(getattr(r, "path", "") == "/feeds/reimbursements" for r in app.routes):
            app.include_router(feeds_router(professional_credential), prefix="/feeds")
        nir = make_nir("2", 77)
        async with unit_of_work(app.state.session_factory) as session:
            await create_dossier(
                session,
                rt=app.state.runtime,
                actor=counter_agent(),
                request=adult_request(nir=nir),
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=AUDIENCE) as client:
            yield client, issued, nir
        await app.state.engine.dispose()


def bearer(certificate) -> dict[str, str]:
    return {"Authorization": "Bearer " + sign_for(certificate, AUDIENCE)}


async def test_the_insurer_posts_care_lines_and_a_repeat_changes_nothing(service):
    client, issued, nir = service
    today = date.today()
    lines = [pharmacy(nir, today - timedelta(days=3)), consultation(nir, today - timedelta(days=9))]
    first = await client.post(
        "/feeds/reimbursements", json={"lines": lines}, headers=bearer(issued["am"])
    )
    assert first.status_code == 200, first.text
    assert first.json() | {"reasons": []} == {
        "received": 2,
        "stored": 2,
        "already_present": 0,
        "too_old": 0,
        "refused": 0,
        "reasons": [],
        "documents_rendered": 1,
    }
    again = await client.post(
        "/feeds/reimbursements",
        content=as_csv(lines),
        headers={**bearer(issued["am"]), "content-type": "text/csv; charset=utf-8"},
    )
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["already_present"]) == (0, 2)
    assert again.json()["documents_rendered"] == 0


async def test_the_pharmacy_record_posts_dispensations(service):
    client, issued, nir = service
    body = {
        "dispensations": [
            {
                "nir": nir,
                "dispensed_on": date.today().isoformat(),
                "kind": "vaccine",
                "product_code": "3400930000001",
                "code_system": "CIP13",
                "label": "Vaccin grippal",
            },
        ]
    }
    response = await client.post("/feeds/dispensations", json=body, headers=bearer(issued["dp"]))
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/feeds/reimbursements", "doctor"),
        ("/feeds/reimbursements", "dp"),
        ("/feeds/dispensations", "am"),
        ("/feeds/dispensations", "doctor"),
    ],
)
async def test_only_the_feed_s_own_certificate_is_accepted(service, path, who):
    client, issued, _nir = service
    response = await client.post(path, json={"lines": []}, headers=bearer(issued[who]))
    assert response.status_code == 403
    assert response.json()["error"]["fields"]["reason"] == "feed_certificate_required"


async def test_no_assertion_no_feed(service):
    client, _issued, _nir = service
    assert (await client.post("/feeds/reimbursements", json={"lines": []})).status_code == 401
