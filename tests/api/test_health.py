"""GET /health."""

from __future__ import annotations

from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from app import __version__
from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
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


TOKEN = "health-update-token"
EXTRA = "https://w3id.org/policykg/graph/source/health-extra"


def counting_calls(store: PolicyStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every counting request ``store`` sends its backend (COUNT queries, graph listings)."""
    calls: list[str] = []
    backend = store.backend
    query, named_graphs = backend.query, backend.named_graphs

    def spied_query(text: str, *args: Any, **kwargs: Any) -> Any:
        if "COUNT" in text.upper():
            calls.append(text)
        return query(text, *args, **kwargs)

    def spied_named_graphs() -> list[str]:
        calls.append("named graphs")
        return named_graphs()

    monkeypatch.setattr(backend, "query", spied_query)
    monkeypatch.setattr(backend, "named_graphs", spied_named_graphs)
    return calls


def store_of(client: TestClient) -> PolicyStore:
    """The store a TestClient's app serves."""
    return cast(PolicyStore, client.app.state.store)  # type: ignore[attr-defined]


def insert_one(client: TestClient) -> None:
    """Add one new triple, in a new named graph, through /sparql with the update token."""
    response = client.post(
        "/sparql",
        content=f"INSERT DATA {{ GRAPH <{EXTRA}> {{ <{EXTRA}#s> <{EXTRA}#p> \"health\" }} }}".encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text


def test_repeated_health_calls_count_nothing_while_the_data_is_unchanged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/health is polled by load balancers: it must not count the graph on every call (nor /api/stats)."""
    first = client.get("/health").json()
    stats = client.get("/api/stats").json()
    calls = counting_calls(store_of(client), monkeypatch)
    for _ in range(3):
        assert client.get("/health").json() == first
        assert client.get("/api/stats").json() == stats
    assert calls == []


def test_health_and_stats_show_an_update_through_sparql(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an update the counts are new, counted once for the new data, not once per call."""
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as writable:
        before = writable.get("/health").json()
        stats_before = writable.get("/api/stats").json()
        insert_one(writable)
        calls = counting_calls(store_of(writable), monkeypatch)
        after = writable.get("/health").json()
        assert (after["triples"], after["graphs"]) == (before["triples"] + 1, before["graphs"] + 1)
        counted = len(calls)
        assert counted > 0
        assert writable.get("/health").json() == after
        assert len(calls) == counted, "the second /health of the same data counted again"
        stats = writable.get("/api/stats").json()
        assert stats["triples"] == stats_before["triples"] + 1
        assert stats["graphs"][EXTRA] == 1 and EXTRA not in stats_before["graphs"]


def test_a_replica_counts_the_update_another_replica_made(settings: Settings, fresh_remote_url: str) -> None:
    """Two service replicas over one Oxigraph server: each keeps its counts, and must follow the other's update."""
    shared = settings.model_copy(update={"store": fresh_remote_url, "update_token": TOKEN, "change_check_seconds": 0})
    with TestClient(create_app(shared)) as first, TestClient(create_app(shared)) as second:
        before = second.get("/health").json()
        stats_before = second.get("/api/stats").json()
        with pytest.MonkeyPatch.context() as monkeypatch:
            calls = counting_calls(store_of(second), monkeypatch)
            assert second.get("/health").json() == before
            assert second.get("/api/stats").json() == stats_before
            assert calls == [], "the remote engine's data did not change, yet it was counted again"
        insert_one(first)
        after = second.get("/health").json()
        assert (after["triples"], after["graphs"]) == (before["triples"] + 1, before["graphs"] + 1)
        assert second.get("/api/stats").json()["triples"] == stats_before["triples"] + 1
