"""/sparql keeps answers for the next identical query while the data stays the same.

What a client relies on: a kept answer is byte for byte the answer a worker would give (headers
that describe it included), it says it was kept (X-Cache, Age) and can be revalidated (ETag,
If-None-Match -> 304), an error is never kept, and after an update no query sees the old answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings

SKOS = "http://www.w3.org/2004/02/skos/core#"
NOTATIONS = f"SELECT ?d ?n WHERE {{ ?d <{SKOS}notation> ?n }} ORDER BY ?n ?d"
GRAPH_OF_NOTATIONS = f"CONSTRUCT {{ ?d <{SKOS}notation> ?n }} WHERE {{ ?d <{SKOS}notation> ?n }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TOKEN = "cache-test-token"
# The headers that describe an answer (not how it was had).
DESCRIBING = ("content-type", "vary", "x-sparql-maxrows", "x-sparql-maxbytes", "content-length")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The shipped settings over the fixture project."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def uncached(settings: Settings) -> Iterator[TestClient]:
    """The same app with the result cache off (non-default: POLICYKG_RESULT_CACHE_BYTES=0)."""
    with TestClient(create_app(settings.model_copy(update={"result_cache_bytes": 0}))) as test_client:
        yield test_client


def described(response: object) -> dict[str, str | None]:
    headers = response.headers  # type: ignore[attr-defined]
    return {name: headers.get(name) for name in DESCRIBING}


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (NOTATIONS, "application/sparql-results+json"),
        (NOTATIONS, "text/csv"),
        (NOTATIONS, "application/sparql-results+xml"),
        (GRAPH_OF_NOTATIONS, "text/turtle"),
        (GRAPH_OF_NOTATIONS, "application/n-triples"),
    ],
)
def test_a_repeated_query_is_answered_from_the_cache_byte_for_byte(
    client: TestClient, uncached: TestClient, query: str, accept: str
) -> None:
    first = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    second = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    worker = uncached.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert first.status_code == second.status_code == worker.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content == worker.content
    assert described(first) == described(second) == described(worker)
    assert int(second.headers["age"]) >= 0
    assert "x-cache" not in worker.headers


def test_each_negotiated_format_is_kept_apart(client: TestClient) -> None:
    as_json = client.get("/sparql", params={"query": NOTATIONS}, headers={"Accept": "application/sparql-results+json"})
    as_csv = client.get("/sparql", params={"query": NOTATIONS}, headers={"Accept": "text/csv"})
    # Another Accept that negotiates the same formats (CSV for solutions, Turtle for a graph).
    by_format = client.get("/sparql", params={"query": NOTATIONS}, headers={"Accept": "text/csv, */*;q=0.1"})
    assert as_json.headers["x-cache"] == as_csv.headers["x-cache"] == "miss"
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert by_format.headers["x-cache"] == "hit" and by_format.content == as_csv.content
    assert as_json.headers["etag"] != as_csv.headers["etag"]


def test_an_answer_cut_at_the_byte_limit_is_kept_cut_and_says_so(settings: Settings) -> None:
    # Non-default: answers are cut at 600 bytes.
    small = settings.model_copy(update={"max_response_bytes": 600})
    with TestClient(create_app(small)) as client, TestClient(
        create_app(small.model_copy(update={"result_cache_bytes": 0}))
    ) as uncached:
        first = client.get("/sparql", params={"query": NOTATIONS})
        second = client.get("/sparql", params={"query": NOTATIONS})
        worker = uncached.get("/sparql", params={"query": NOTATIONS})
    assert first.headers["x-sparql-maxbytes"] == "600"
    assert second.headers["x-cache"] == "hit"
    assert first.content == second.content == worker.content
    assert described(first) == described(second) == described(worker)


def test_an_etag_revalidates_to_304_until_the_data_changes(settings: Settings) -> None:
    # Non-default: updates enabled.
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as client:
        first = client.get("/sparql", params={"query": COUNT})
        etag = first.headers["etag"]
        again = client.get("/sparql", params={"query": COUNT}, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        listed = client.get("/sparql", params={"query": COUNT}, headers={"If-None-Match": f'"other", W/{etag}'})
        assert listed.status_code == 304
        # A query by POST is answered in full: a conditional POST would be 412 by HTTP's rules.
        posted = client.post("/sparql", data={"query": COUNT}, headers={"If-None-Match": etag})
        assert posted.status_code == 200 and posted.content == first.content
        insert(client, "revalidated")
        changed = client.get("/sparql", params={"query": COUNT}, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert changed.json() != first.json()


def insert(client: TestClient, name: str) -> None:
    update = (f"INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/cache-test> {{ "
              f"<https://w3id.org/policykg/id/cache-test/{name}> <{LABEL}> \"{name}\" }} }}")
    response = client.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204, response.text


def test_a_query_after_an_update_never_sees_the_old_answer(settings: Settings) -> None:
    # Non-default: updates enabled.
    labels = f"SELECT ?s WHERE {{ ?s <{LABEL}> ?l FILTER(STRSTARTS(STR(?s), \"https://w3id.org/policykg/id/cache-test/\")) }}"
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as client:
        seen: list[int] = []
        for n in range(4):
            before = client.get("/sparql", params={"query": labels})
            kept = client.get("/sparql", params={"query": labels})
            assert kept.headers["x-cache"] == "hit" and kept.content == before.content
            seen.append(len(before.json()["results"]["bindings"]))
            insert(client, f"n{n}")
            after = client.get("/sparql", params={"query": labels})
            assert after.headers["x-cache"] == "miss"
            assert len(after.json()["results"]["bindings"]) == seen[-1] + 1
    assert seen == [0, 1, 2, 3]


def test_an_error_is_never_kept(settings: Settings) -> None:
    # Non-default: a 1 s query timeout, so the runaway below is stopped quickly.
    cross_join = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    with TestClient(create_app(settings.model_copy(update={"query_timeout": 1.0}))) as client:
        cache = client.app.state.sparql.cache  # type: ignore[attr-defined]
        for _ in range(2):
            response = client.get("/sparql", params={"query": cross_join})
            assert response.status_code == 504 and "ran longer" in response.json()["detail"]
            assert "x-cache" not in response.headers and "etag" not in response.headers
        assert len(cache) == 0
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert len(cache) == 1  # the answer, not the errors


def test_queries_whose_answer_changes_by_itself_are_not_kept(client: TestClient) -> None:
    for query in ("SELECT (RAND() AS ?r) WHERE {}", "SELECT (NOW() AS ?t) (STRUUID() AS ?u) WHERE {}"):
        first = client.get("/sparql", params={"query": query})
        second = client.get("/sparql", params={"query": query})
        assert first.status_code == second.status_code == 200
        assert "x-cache" not in second.headers and "etag" not in second.headers
        assert first.content != second.content


def test_cache_control_no_cache_computes_the_answer_anew(client: TestClient) -> None:
    client.get("/sparql", params={"query": NOTATIONS})
    fresh = client.get("/sparql", params={"query": NOTATIONS}, headers={"Cache-Control": "no-cache"})
    kept = client.get("/sparql", params={"query": NOTATIONS})
    assert fresh.headers["x-cache"] == "miss" and kept.headers["x-cache"] == "hit"
    assert fresh.content == kept.content
