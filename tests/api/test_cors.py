"""CORS on every read route and every answer, errors included, and preflights (app.api.cors)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.support.project import DOC_45, POLID

ORIGIN = {"Origin": "https://somewhere-else.example"}
SELECT = "SELECT ?d WHERE { ?d <http://www.w3.org/2004/02/skos/core#notation> ?n }"
DOC_PATH = "/id/" + DOC_45.removeprefix(POLID)

# (path, query parameters, extra headers, the status the route answers)
ANSWERS: list[tuple[str, dict[str, str], dict[str, str], int]] = [
    ("/sparql", {"query": SELECT}, {}, 200),
    ("/sparql", {"query": "SELECT * WHERE { ?s ?p }"}, {}, 400),
    ("/sparql/nowhere", {}, {}, 404),
    ("/sparql", {"query": SELECT, "format": "yaml"}, {}, 406),
    ("/api/queries/documents-by-notation", {"notation": "190-KH/TU"}, {}, 200),
    ("/api/queries/documents-by-notation", {}, {}, 422),
    ("/api/queries/nope", {}, {}, 404),
    ("/api/stats", {}, {}, 200),
    (DOC_PATH, {}, {"Accept": "text/turtle"}, 200),
    (DOC_PATH, {}, {"Accept": "image/png"}, 406),
    ("/id/doc/no/such/thing", {}, {"Accept": "text/turtle"}, 404),
    ("/void", {}, {}, 200),
    ("/void", {"format": "yaml"}, {}, 406),
    ("/download/policykg.trig", {}, {}, 200),
    ("/download/policykg.zip", {}, {}, 404),
    ("/health", {}, {}, 200),
]


@pytest.mark.parametrize(("path", "params", "headers", "status"), ANSWERS)
def test_every_answer_is_readable_from_any_origin(
    client: TestClient, path: str, params: dict[str, str], headers: dict[str, str], status: int
) -> None:
    response = client.get(path, params=params, headers={**ORIGIN, **headers})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # No credentials: a page on another site reads public data, never with the user's cookies.
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_browser_may_read_the_headers_clients_need(client: TestClient) -> None:
    exposed = client.get("/download/policykg.nq", headers=ORIGIN).headers["Access-Control-Expose-Headers"]
    names = {name.strip().lower() for name in exposed.split(",")}
    assert {"retry-after", "x-sparql-maxrows", "content-disposition"} <= names


@pytest.mark.parametrize("path", ["/sparql", "/api/queries/documents-by-notation", DOC_PATH, "/void",
                                  "/download/policykg.trig"])
def test_preflight_is_answered(client: TestClient, path: str) -> None:
    response = client.options(path, headers={
        **ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-requested-with",
    })
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "x-requested-with" in allowed and "authorization" in allowed


def test_an_update_from_another_site_may_send_its_token(client: TestClient) -> None:
    response = client.options("/sparql", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization",
    })
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


def test_a_refusal_by_the_rate_limit_is_readable_too(settings: Settings) -> None:
    # Not the shipped budget: two requests, refilled too slowly to matter during the test.
    lowered = settings.model_copy(update={"rate_burst": 2.0, "rate_requests": 0.001})
    from app.api import create_app

    with TestClient(create_app(lowered)) as client:
        answers = [client.get("/health", headers=ORIGIN) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Access-Control-Allow-Origin"] == "*"
    assert "retry-after" in answers[2].headers["Access-Control-Expose-Headers"].lower()

