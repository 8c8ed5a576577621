"""GET /health."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app import __version__
from tests.support.project import FIXTURE_TRIPLES


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "triples": FIXTURE_TRIPLES, "graphs": 6, "version": __version__}


def test_stats(client: TestClient) -> None:
    response = client.get("/api/stats")
    assert response.status_code == 200
    body = response.json()
    assert body["triples"] == FIXTURE_TRIPLES
    assert (body["documents"], body["agencies"], body["tasks"], body["targets"]) == (7, 5, 1, 1)


def test_openapi_lists_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/api/queries", "/api/queries/{name}", "/api/lineage", "/api/stats"} <= set(paths)
