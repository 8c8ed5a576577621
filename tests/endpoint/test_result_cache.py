"""What of a /sparql answer its cache key and entity tag hold, and which queries are never kept."""

from __future__ import annotations

from app.endpoint.result_cache import CacheKey, cacheable
from app.sparql.engine import Dataset


def key(text: str) -> CacheKey:
    return CacheKey(text, Dataset(), "http://localhost/sparql", ("json", "turtle"), 10_000, 1 << 20)


def test_the_entity_tag_names_the_data_and_the_request_not_the_process() -> None:
    # Same stamp and request after a restart: same tag; other data or another request: another.
    assert key("a").etag("stamp-1") == key("a").etag("stamp-1")
    assert key("a").etag("stamp-1") != key("a").etag("stamp-2") != key("b").etag("stamp-2")


def test_volatile_and_federated_queries_are_not_cacheable() -> None:
    assert cacheable("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    for text in ("SELECT (rand() AS ?r) {}", "SELECT (NOW() AS ?t) {}", "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
                 "SELECT (UUID() AS ?u) {}", "SELECT (BNODE() AS ?b) {}"):
        assert not cacheable(text), text
