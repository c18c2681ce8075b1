"""A live server with the demo world and a test PKI valid now, and fhirpy clients for the
seeded professionals (see dmp.cli.seed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dmp.auth.pki import IssuedCertificate, LocalPki
from dmp.cli.seed import PROFESSIONALS
from tests.e2e.server import LiveServer, start_live_server
from tests.fhir.client import CpsFhirClient


@dataclass
class FhirWorld:
    server: LiveServer
    certificates: dict[str, IssuedCertificate]  # by national id
    regulator: IssuedCertificate

    @property
    def base(self) -> str:
        return self.server.base_url + "/fhir"

    def client(self, national_id: str, **claims: Any) -> CpsFhirClient:
        return CpsFhirClient(
            self.base,
            certificate=self.certificates[national_id],
            audience=self.server.settings.public_base_url,
            **claims,
        )


@pytest.fixture(scope="session")
def fhir_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirWorld]:
    folder = tmp_path_factory.mktemp("fhir")
    now = datetime.now(UTC)
    pki = LocalPki.create(now=now - timedelta(days=2))
    certificates = {
        pro.national_id: pki.issue_cps(
            national_id=pro.national_id,
            profession=pro.profession_code,
            given_name=pro.given_names,
            family_name=pro.family_name,
            now=now - timedelta(days=1),
        )
        for pro in PROFESSIONALS
    }
    samu = PROFESSIONALS[-1]
    regulator = pki.issue_regulator(
        national_id=samu.national_id,
        profession=samu.profession_code,
        given_name=samu.given_names,
        family_name=samu.family_name,
        now=now - timedelta(days=1),
    )
    pki.save(folder / "pki", now=now - timedelta(hours=1), crl_days=7)
    server = start_live_server(
        folder / "var",
        pki_ca_bundle=folder / "pki" / "ca-bundle.pem",
        pki_crl_file=folder / "pki" / "crl.pem",
    )
    yield FhirWorld(server, certificates, regulator)
    server.stop()


@pytest.fixture
def as_professional(fhir_world: FhirWorld) -> Callable[..., CpsFhirClient]:
    return fhir_world.client
