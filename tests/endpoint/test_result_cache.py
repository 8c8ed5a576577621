"""The result cache: bounded by bytes, least recently used out first, one state at a time."""

from __future__ import annotations

from app.endpoint.result_cache import CacheKey, ResultCache, cacheable
from app.sparql.engine import Dataset
from app.sparql.results import Serialized


def key(text: str, state: tuple[int, int] = (1, 0)) -> CacheKey:
    return CacheKey(state, text, Dataset(), "http://localhost/sparql", ("json", "turtle"), 10_000, 1 << 20)


def answer(size: int) -> Serialized:
    return Serialized(b"x" * size, "application/sparql-results+json", 1)


def test_the_least_recently_used_answer_leaves_first_when_bytes_run_out() -> None:
    cache = ResultCache(max_bytes=10_000)
    for name in "abcd":
        cache.put(key(name), answer(1_800))
    assert cache.get(key("a")) is not None  # a is now the most recently used
    cache.put(key("e"), answer(1_800))  # five answers of ~2.3 KB do not fit in 10 KB
    assert cache.get(key("b")) is None
    assert all(cache.get(key(n)) is not None for n in "acde")
    assert cache.size_bytes <= 10_000


def test_an_answer_larger_than_a_quarter_of_the_bound_is_not_kept() -> None:
    cache = ResultCache(max_bytes=10_000)
    cache.put(key("small"), answer(100))
    cache.put(key("huge"), answer(3_000))
    assert cache.get(key("huge")) is None and cache.get(key("small")) is not None


def test_an_answer_of_a_new_state_drops_those_of_the_old() -> None:
    cache = ResultCache(max_bytes=10_000)
    cache.put(key("a", (1, 0)), answer(100))
    cache.put(key("a", (2, 1)), answer(200))
    assert cache.get(key("a", (1, 0))) is None and len(cache) == 1


def test_the_entity_tag_names_the_data_and_the_request_not_the_process() -> None:
    # Same stamp and request after a restart (other counters): same tag; other data: another.
    assert key("a", (1, 0)).etag("stamp-1") == key("a", (7, 3)).etag("stamp-1")
    assert key("a").etag("stamp-1") != key("a").etag("stamp-2") != key("b").etag("stamp-2")


def test_volatile_and_federated_queries_are_not_cacheable() -> None:
    assert cacheable("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    for text in ("SELECT (rand() AS ?r) {}", "SELECT (NOW() AS ?t) {}", "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
                 "SELECT (UUID() AS ?u) {}", "SELECT (BNODE() AS ?b) {}"):
        assert not cacheable(text), text
