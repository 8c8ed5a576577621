"""The limits the app applies to every request (app.api.limits): rate limits, header count, 503s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.api.limits import client_key
from app.core.config import Settings
from app.core.errors import ServiceBusy
from app.core.ratelimit import ClientLimiter

SELECT = "SELECT ?d WHERE { ?d <http://www.w3.org/2004/02/skos/core#notation> ?n }"


@pytest.fixture
def lowered(settings: Settings) -> Settings:
    """Not the shipped budgets: 3 requests at once, refilled too slowly (one per ~17 min) to matter in a test."""
    return settings.model_copy(update={"rate_burst": 3.0, "rate_requests": 0.001})


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_a_client_past_its_burst_gets_429_with_retry_after(lowered: Settings) -> None:
    with client_for(lowered) as client:
        answers = [client.get("/api/stats") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert int(refused.headers["Retry-After"]) >= 1
        detail = refused.json()["detail"]
        assert "request-rate limit" in detail and "bursts of 3" in detail
        # Every route counts, /sparql included.
        assert client.get("/sparql", params={"query": SELECT}).status_code == 429


def test_the_shipped_budget_lets_a_burst_of_ordinary_use_through(client: TestClient) -> None:
    # A page load and a few dozen quick API calls, as a person using the explorer would send.
    statuses = {client.get(path).status_code for path in ["/health", "/api/stats", "/void"] * 20}
    assert statuses == {200}


def test_query_time_is_charged_and_refuses_only_queries(settings: Settings) -> None:
    # Not the shipped budget: a microsecond of query time, so the first query uses it up.
    tiny = settings.model_copy(update={"rate_query_burst": 1e-6, "rate_query_seconds": 1e-9})
    with client_for(tiny) as client:
        assert client.get("/sparql", params={"query": SELECT}).status_code == 200
        refused = client.get("/sparql", params={"query": SELECT})
        assert refused.status_code == 429 and "query-time limit" in refused.json()["detail"]
        assert int(refused.headers["Retry-After"]) >= 1
        # Other routes are not held up by the query budget.
        assert client.get("/api/stats").status_code == 200


def test_the_penalty_hook_charges_a_client(client: TestClient) -> None:
    # What the SPARQL route does for a client whose query crashed a worker (shipped budgets).
    limiter: ClientLimiter = client.app.state.rate_limiter  # type: ignore[attr-defined]
    limiter.charge(client_key({"client": ("testclient", 50000)}), 120.0)
    refused = client.get("/sparql", params={"query": SELECT})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 30
    assert client.get("/api/stats").status_code == 200


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(lowered: Settings) -> None:
    with client_for(lowered) as client:
        statuses = [client.get("/health", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                    for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # one client however it names itself
    # TestClient's peer is "testclient": trusting it stands for a reverse proxy in front.
    behind_proxy = lowered.model_copy(update={"trusted_proxies": ("testclient",)})
    with client_for(behind_proxy) as client:
        spread = [client.get("/health", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                  for n in range(4)]
        same = [client.get("/health", headers={"X-Forwarded-For": "198.51.100.7"}).status_code for _ in range(4)]
    assert spread == [200, 200, 200, 200]
    assert same == [200, 200, 200, 429]


@pytest.mark.parametrize(("peer", "key"), [
    ("192.0.2.10", "192.0.2.10"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.10", "192.0.2.10"),
    ("testclient", "testclient"),
])
def test_client_key_groups_an_ipv6_host_by_its_network(peer: str, key: str) -> None:
    assert client_key({"client": (peer, 1234)}) == key


def test_too_many_header_fields_is_431(client: TestClient) -> None:
    # Shipped limit: 100 fields.
    many = {f"X-Field-{n}": "x" for n in range(120)}
    response = client.get("/health", headers=many)
    assert response.status_code == 431
    assert "header fields" in response.json()["detail"] and "100" in response.json()["detail"]
    assert client.get("/health", headers={f"X-Field-{n}": "x" for n in range(50)}).status_code == 200


@pytest.fixture
def busy_client(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The client of an app whose query workers are all busy."""

    async def busy(*_: Any) -> None:
        raise ServiceBusy("all 2 query workers stayed busy; try again in a moment")

    monkeypatch.setattr(client.app.state.sparql, "query_async", busy)  # type: ignore[attr-defined]
    yield client


def test_a_busy_service_says_when_to_retry(busy_client: TestClient) -> None:
    response = busy_client.get("/sparql", params={"query": SELECT}, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 503 and "busy" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_openapi_says_any_route_may_answer_429(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [("/sparql", "get"), ("/sparql", "post"), ("/api/stats", "get"), ("/void", "get")]:
        refused = paths[path][method]["responses"]["429"]
        assert "Retry-After" in refused["headers"]
