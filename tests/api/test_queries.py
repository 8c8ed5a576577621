"""GET /api/queries and GET /api/queries/{name}."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.project import DOC_HT_190, DOC_QT_190


def test_list_queries(client: TestClient) -> None:
    response = client.get("/api/queries")
    assert response.status_code == 200
    by_name = {q["name"]: q for q in response.json()}
    assert set(by_name) == {"agency-by-label", "documents-by-notation", "documents-issued-since"}
    assert by_name["documents-issued-since"]["params"] == [
        {"name": "year", "kind": "integer", "description": "First year", "required": True},
        {"name": "issuer", "kind": "iri", "description": "Issuing agency", "required": False},
    ]


def test_run_query(client: TestClient) -> None:
    response = client.get("/api/queries/documents-by-notation", params={"notation": "190-KH/TU"})
    assert response.status_code == 200
    body = response.json()
    assert body["columns"] == ["d", "notation", "issuer"]
    assert [r["d"] for r in body["rows"]] == [DOC_HT_190, DOC_QT_190]
    assert body["truncated"] is False


def test_integer_values_are_json_numbers(client: TestClient) -> None:
    body = client.get("/api/queries/documents-issued-since", params={"year": "2021"}).json()
    assert body["rows"][0]["year"] == 2021


def test_injection_attempt_returns_no_rows(client: TestClient) -> None:
    response = client.get("/api/queries/documents-by-notation", params={"notation": '" } ; DROP ALL #'})
    assert response.status_code == 200
    assert response.json()["rows"] == []
    assert client.get("/health").json()["triples"] > 0


def test_unknown_query_is_404(client: TestClient) -> None:
    response = client.get("/api/queries/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_missing_param_is_422_naming_it(client: TestClient) -> None:
    response = client.get("/api/queries/documents-by-notation")
    assert response.status_code == 422
    assert "'notation'" in response.json()["detail"]


def test_bad_params_are_422(client: TestClient) -> None:
    cases = [
        ({"notation": "x", "extra": "1"}, "'extra'"),
        ({"notation": ["a", "b"]}, "'notation' is given 2 times"),
    ]
    for params, needle in cases:
        response = client.get("/api/queries/documents-by-notation", params=params)
        assert response.status_code == 422 and needle in response.json()["detail"]
    response = client.get("/api/queries/documents-issued-since", params={"year": "2020", "issuer": "http://x/a b"})
    assert response.status_code == 422 and "'issuer'" in response.json()["detail"]
    # An agency parameter takes a name, so a name of no agency is the 404 of every entry point.
    response = client.get("/api/queries/documents-issued-since", params={"year": "2020", "issuer": "not-an-iri"})
    assert response.status_code == 404 and "no agency matches" in response.json()["detail"]
    response = client.get("/api/queries/documents-issued-since", params={"year": "soon"})
    assert response.status_code == 422 and "'year'" in response.json()["detail"]
