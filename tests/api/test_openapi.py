"""The OpenAPI document is valid OpenAPI 3.1, and the API keeps to it under schemathesis' fuzzing."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import submission, token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_document_is_public_and_valid_openapi_31(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.is_json
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 meta-schema
    assert {p.removeprefix("/api/v1") for p in doc["paths"]} == {
        "/enterprises",
        "/enterprises/{enterprise_id}",
        "/cqos",
        "/submissions",
        "/submissions/{submission_id}",
        "/statistics",
        "/quality-safety",
    }


@pytest.fixture
def fuzz_data(actors):
    """A little of everything in Shenzhen, plus a Guangzhou enterprise the token must not see."""
    sz = [actors.enterprise(city="440300", industry=i) for i in ("C", "I", "F")]
    for n, ent in enumerate(sz):
        actors.approved_cqo(ent)
        submission(actors, ent, percent=40.0 + 20 * n)
    gz = actors.enterprise(city="440100")
    submission(actors, gz, percent=50.0)
    return {"token": token_for(actors, actors.regulator("440300")), "ids": [e.id for e in sz]}


def test_schemathesis_finds_no_server_error_and_no_schema_drift(app, fuzz_data):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {fuzz_data['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        # Path ids: mostly real ones (200), sometimes anything in range (404).
        ids = st.sampled_from(fuzz_data["ids"]) | st.integers(1, 2147483647)
        path = {name: ids for name in ("enterprise_id", "submission_id")}
        strategy = operation.as_strategy().flatmap(
            lambda case, path=path: st.fixed_dictionaries(
                {k: v for k, v in path.items() if k in (case.path_parameters or {})}
            ).map(lambda p, case=case: _with_path(case, p))
        )

        _fuzz(strategy, headers)
        # Without a token every operation answers a documented 401.
        case = operation.Case(path_parameters={p.name: 1 for p in operation.path_parameters})
        unauth = case.call()
        assert unauth.status_code == 401
        case.validate_response(unauth, checks=CHECKS)


def _fuzz(strategy, headers) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code < 500

    check()


def _with_path(case, params):
    if params:
        case.path_parameters = {**(case.path_parameters or {}), **params}
    return case
