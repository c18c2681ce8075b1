"""A bounded schemathesis run against ``/openapi.json``: whatever the generated request,
signed or not, the FHIR API answers it without a server error.

Schemathesis generates the cases (from the OpenAPI document the server serves) and
hypothesis drives them, a few examples per operation, derandomized so that a run is
repeatable; every call carries a fresh CPS-signed assertion, then none.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from dmp.cli.seed import PROFESSIONALS

GP = PROFESSIONALS[0].national_id
EXAMPLES_PER_OPERATION = 5


def test_no_request_makes_a_server_error(fhir_world):
    schema = schemathesis.openapi.from_url(f"{fhir_world.server.base_url}/openapi.json")
    operations = [
        result.ok() for result in schema.include(path_regex="^/fhir").get_all_operations()
    ]
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            for headers in (fhir_world.headers(GP), {}):
                response = case.call(headers=headers, timeout=10)
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        check()
    assert failures == []
    assert len(statuses) >= 2 * len(operations)
    assert {200, 400, 401} <= set(statuses)
