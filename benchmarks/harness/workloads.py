"""The workloads of issue 10 as request plans over the standard comparison set, and the
probe that checks, with one real request, that a workload is served before loading it.

(a) ``search``: ITI-67 for one authorized patient with the first-visit window
    (``creation=ge<today − 2 years>``), 10 documents answered;
(a′) ``search-since`` (not in the default set): the same search as a professional's
    software makes it to see what is new since its last look, ``date=ge<an instant>``,
    a different instant on every request (5,000 of them, cycled), 10 documents answered;
(b) ``provide``: ITI-65 of one 100 KiB PDF with its metadata, on the creates set;
(c) ``retrieve``: ITI-68 of a 2 KB document's bytes;
(d) ``import``: the reimbursement bulk path, in-process (``imports``);
(e) ``mixed``: 70 % search, 20 % retrieve, 10 % provide, interleaved;
(f) ``portal``: the patient portal's home page for a dossier of 1,000 documents, with a
    signed-in session cookie.
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import orjson

from benchmarks.harness.comparison import ComparisonSet
from benchmarks.harness.credentials import Credentials, sign_batch
from benchmarks.harness.load import Plan, Request
from benchmarks.harness.server import Server
from dmp.fhir.ids import document_id

SEARCH, PROVIDE, RETRIEVE, IMPORT, MIXED, PORTAL = (
    "search",
    "provide",
    "retrieve",
    "import",
    "mixed",
    "portal",
)
SINCE = "search-since"
ALL = (SEARCH, PROVIDE, RETRIEVE, IMPORT, MIXED, PORTAL)
OPTIONAL = (SINCE,)  # run when named (``--workloads``), not by default
HTTP = (SEARCH, SINCE, PROVIDE, RETRIEVE, MIXED, PORTAL)
BASELINE_GET, BASELINE_POST, RAW_QUERY, RAW_INSERT = (
    "asgi-get",
    "asgi-post",
    "raw-query",
    "raw-insert",
)
LABELS = {
    SEARCH: "(a) search ITI-67, 2-year window",
    SINCE: "(a′) search ITI-67, date=ge a new instant each",
    PROVIDE: "(b) provide ITI-65, 100 KiB PDF",
    RETRIEVE: "(c) retrieve ITI-68, 2 KB",
    IMPORT: "(d) reimbursement import",
    MIXED: "(e) mixed 70/20/10",
    PORTAL: "(f) portal home, 1,000 docs",
    BASELINE_GET: "baseline: minimal ASGI, GET",
    BASELINE_POST: "baseline: minimal ASGI, POST 137 KB",
    RAW_QUERY: "baseline: raw search query",
    RAW_INSERT: "baseline: raw insert of the lines",
}
PORTAL_HOME = "/mon-dmp"
FHIR_JSON = ("Accept", "application/fhir+json")
MIX = ((SEARCH, 70), (RETRIEVE, 20), (PROVIDE, 10))
SINCE_INSTANTS = 5_000


def first_visit_since(today: date) -> date:
    """Two years back, the same day (28 February for a 29th)."""
    try:
        return today.replace(year=today.year - 2)
    except ValueError:
        return today.replace(year=today.year - 2, day=28)


def provide_bundle(patient_id: uuid.UUID, pdf: bytes) -> bytes:
    """A transaction Bundle as a professional's software sends it (docs/fhir.md): the
    submission set, the DocumentReference, and the PDF as a Binary of the Bundle. No
    masterIdentifier, so that the same body can be posted again: the server names each
    deposit."""
    binary_url, reference_url = uuid.uuid4().urn, uuid.uuid4().urn
    subject = {"reference": f"Patient/{patient_id}"}
    reference: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "subject": subject,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": binary_url,
                    "title": "Compte rendu de consultation",
                    "creation": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                    "language": "fr-FR",
                    "size": len(pdf),
                }
            }
        ],
    }
    submission = {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "code": {
            "coding": [
                {
                    "system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes",
                    "code": "submissionset",
                }
            ]
        },
        "subject": subject,
        "entry": [{"item": {"reference": reference_url}}],
    }
    binary = {
        "resourceType": "Binary",
        "contentType": "application/pdf",
        "data": base64.b64encode(pdf).decode(),
    }
    entries = [
        (uuid.uuid4().urn, submission, "List"),
        (reference_url, reference, "DocumentReference"),
        (binary_url, binary, "Binary"),
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": kind}}
            for url, resource, kind in entries
        ],
    }
    return orjson.dumps(bundle)


@dataclass
class Workloads:
    comparison: ComparisonSet
    since: date
    pdf: bytes

    def _search(self) -> list[Request]:
        return [
            Request(
                "GET",
                f"/fhir/DocumentReference?patient={patient}&creation=ge{self.since.isoformat()}",
                (FHIR_JSON,),
            )
            for patient in self.comparison.search_patients
        ]

    def _since(self) -> list[Request]:
        """Every patient, each time with another instant: one second apart, all before
        the comparison set's documents were deposited, so that all 10 are answered."""
        start = datetime(2020, 1, 1, tzinfo=UTC)
        patients = self.comparison.search_patients
        return [
            Request(
                "GET",
                f"/fhir/DocumentReference?patient={patients[n % len(patients)]}"
                f"&date=ge{(start + timedelta(seconds=n)).strftime('%Y-%m-%dT%H:%M:%SZ')}",
                (FHIR_JSON,),
            )
            for n in range(SINCE_INSTANTS)
        ]

    def _retrieve(self) -> list[Request]:
        return [
            Request(
                "GET",
                f"/fhir/Binary/{document_id(dossier, version)}",
                (("Accept", "application/pdf"),),
            )
            for dossier, version in self.comparison.documents
        ]

    def _provide(self, limit: int | None = None) -> tuple[list[Request], dict[str, bytes]]:
        patients = self.comparison.create_patients[:limit]
        bodies = {f"bundle-{n}.json": provide_bundle(p, self.pdf) for n, p in enumerate(patients)}
        headers = (FHIR_JSON, ("Content-Type", "application/fhir+json"))
        return [Request("POST", "/fhir", headers, name) for name in bodies], bodies

    def plan(self, workload: str) -> Plan:
        if workload == SEARCH:
            return Plan(workload, self._search())
        if workload == SINCE:
            return Plan(workload, self._since())
        if workload == RETRIEVE:
            return Plan(workload, self._retrieve())
        if workload == PROVIDE:
            requests, bodies = self._provide()
            return Plan(workload, requests, bodies)
        if workload == MIXED:
            return self._mixed()
        raise ValueError(f"no plan for {workload}")

    def _mixed(self) -> Plan:
        provide, bodies = self._provide(limit=dict(MIX)[PROVIDE])
        pools = {SEARCH: self._search(), RETRIEVE: self._retrieve(), PROVIDE: provide}
        requests = [pools[kind][n % len(pools[kind])] for kind, share in MIX for n in range(share)]
        random.Random(7).shuffle(requests)  # fixed order: every run sends the same mix
        return Plan(MIXED, requests, bodies)

    def portal(self, cookie_name: str, session_token: str) -> Plan:
        cookie = ("Cookie", f"{cookie_name}={session_token}")
        return Plan(PORTAL, [Request("GET", PORTAL_HOME, (cookie,))], signed=False)


def baseline_plan(workload: str, static_token: str, pdf: bytes, since: date) -> Plan:
    """The baseline app gets requests of the same size as the DMP's: a search's path, or
    a provide's body, and an assertion of the same length (sent, never checked)."""
    authorization = ("Authorization", f"Bearer {static_token}")
    patient = uuid.uuid4()
    if workload == BASELINE_GET:
        path = f"/fhir/DocumentReference?patient={patient}&creation=ge{since.isoformat()}"
        return Plan(workload, [Request("GET", path, (FHIR_JSON, authorization))], signed=False)
    headers = (FHIR_JSON, ("Content-Type", "application/fhir+json"), authorization)
    body = {"bundle.json": provide_bundle(patient, pdf)}
    return Plan(workload, [Request("POST", "/fhir", headers, "bundle.json")], body, signed=False)


@dataclass(frozen=True)
class Probe:
    served: bool
    status: int
    detail: str = ""


async def probe(plan: Plan, server: Server, credentials: Credentials) -> Probe:
    """Sends the plan's first request once. 404/405: the route is not there yet; another
    non-2xx: the workload fails and is not loaded (a 3xx included: wrk would count a
    login redirect as a success)."""
    request = plan.requests[0]
    headers = dict(request.headers)
    if plan.signed:
        token = sign_batch(credentials.keys, server.base_url, f"probe-{uuid.uuid4().hex}", 1)[0]
        headers["Authorization"] = "Bearer " + token.decode()
    body = plan.bodies[request.body] if request.body else None
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        answer = await http.request(request.method, request.path, headers=headers, content=body)
    if answer.status_code in (404, 405):
        return Probe(False, answer.status_code, "not yet served")
    if not 200 <= answer.status_code < 300:
        return Probe(False, answer.status_code, f"failing: {answer.text[:300]}")
    detail = ""
    if answer.headers.get("content-type", "").startswith("application/fhir+json"):
        resource = answer.json()
        if resource.get("type") == "transaction-response":
            detail = f"{len(resource.get('entry', []))} entries created"
        if resource.get("type") == "searchset":
            entries = [
                e for e in resource.get("entry", []) if e.get("search", {}).get("mode") != "outcome"
            ]
            detail = f"{len(entries)} entries"
    else:
        detail = f"{len(answer.content)} bytes"
    return Probe(True, answer.status_code, detail)
