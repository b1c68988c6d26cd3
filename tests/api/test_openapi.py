"""The OpenAPI 3.1 document validates; schemathesis (property-based, from that document) finds no
5xx and no response outside its schema. In process: schemathesis calls the ASGI app (the same
Starlette app Reflex mounts), not a running server."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cbs_monitor.api.app import build_api
from cbs_monitor.api.v1.limits import LIMITER
from cbs_monitor.settings import reset_settings
from tests.api.conftest import get_token, sample

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", build_api())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert {"/token", "/periods", "/deliveries", "/deliveries/{delivery_id}", "/protocol"} <= set(
        document["paths"]
    )
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/deliveries" in page.text
    assert "<script" not in page.text  # nothing loaded from elsewhere


def test_the_protocol_is_a_table_schema_generated_from_the_spec(client):
    from cbs_monitor.protocol import SPEC_WMO_V1

    found = client.get("/api/v1/protocol").json()
    assert [f["name"] for f in found["fields"]] == list(SPEC_WMO_V1.column_names)
    by_name = {f["name"]: f for f in found["fields"]}
    assert by_name["BSN"]["constraints"] == {"required": True, "pattern": "[0-9]{9}"}
    assert by_name["Leveringsvorm"]["constraints"]["enum"] == ["ZIN", "PGB"]
    assert by_name["Datum_start_ondersteuning"]["type"] == "date"
    assert found["x-dialect"]["delimiter"] == ";"


def test_a_supplier_checks_its_file_with_frictionless_and_the_protocol(
    client, tmp_path, monkeypatch
):
    frictionless = pytest.importorskip("frictionless")
    found = client.get("/api/v1/protocol").json()
    descriptor = {k: v for k, v in found.items() if not k.startswith(("$", "x-"))}
    assert frictionless.Schema.validate_descriptor(descriptor).valid
    schema_ = frictionless.Schema.from_descriptor(descriptor)
    dialect = frictionless.Dialect(
        controls=[frictionless.formats.CsvControl(delimiter=found["x-dialect"]["delimiter"])]
    )
    monkeypatch.chdir(tmp_path)  # frictionless reads relative paths only
    name, data = sample("0363", "2026H1")
    (tmp_path / name).write_bytes(data)
    (tmp_path / ("bad_" + name)).write_bytes(data.replace(b";ZIN;", b";XYZ;", 1))

    def report(path):
        resource = frictionless.Resource(path=path, schema=schema_, dialect=dialect)
        return frictionless.validate(resource)

    assert report(name).valid
    bad = report("bad_" + name)
    assert not bad.valid and bad.flatten(["type"]) == [["constraint-error"]]


@pytest.fixture
def fuzz_bearer(api_db, client, supplier, monkeypatch):
    # Enough room that the limiter does not answer every example (its own test is elsewhere).
    monkeypatch.setenv("CBS_MONITOR_API_RATE_PER_MINUTE", "1000000")
    monkeypatch.setenv("CBS_MONITOR_API_TOKEN_RATE_PER_MINUTE", "1000000")
    reset_settings()
    LIMITER.reset()
    return {"Authorization": "Bearer " + get_token(client, supplier)}


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_schemathesis_no_server_errors_and_responses_match_the_schema(case, fuzz_bearer):
    case.call_and_validate(headers=fuzz_bearer, checks=CHECKS)


def test_a_path_with_a_line_break_gets_the_apis_json_answer(client, supplier):
    """Found by Schemathesis: Starlette's mount pattern stopped at a line break, and the request
    fell through to the portal's plain-text 404."""
    from tests.api.conftest import get_token

    bearer = {"Authorization": f"Bearer {get_token(client, supplier)}"}
    for path in ("/api/v1/deliveries/%C3%88%0AG", "/api/v1/deliveries/%0A/technical-report.xlsx"):
        response = client.get(path, headers=bearer)
        assert response.status_code in {404, 422}, response.text
        assert response.headers["content-type"].startswith("application/json")
