"""The SPARQL 1.1 Update forms an incremental upkeep of the union default graph sends, each checked
on every remote engine (Oxigraph server, Virtuoso) through ``RemoteBackend``, so an engine that
refuses or misreads one shows up here rather than in a derivation.

Every request joins several operations with ';', as ``PolicyStore`` sends them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from app.store.backends import RemoteBackend

EX = "http://example.org/"
A, B, C = (f"<{EX}graph/{n}>" for n in "abc")


def _t(s: str, o: str) -> str:
    return f"<{EX}{s}> <{EX}p> <{EX}{o}>"


@pytest.fixture
def engine(fresh_remote_url: str) -> Iterator[RemoteBackend]:
    """An empty engine with graph a = {s1 p o1, s2 p o2} and graph b = {s2 p o2}."""
    backend = RemoteBackend(fresh_remote_url)
    backend.update(f"INSERT DATA {{ GRAPH {A} {{ {_t('s1', 'o1')} . {_t('s2', 'o2')} }} GRAPH {B} {{ {_t('s2', 'o2')} }} }}")
    yield backend
    backend.close()


def _graph(backend: RemoteBackend, graph: str | None) -> set[tuple[str, str]]:
    """(subject, object) local names of the graph's triples; ``None`` is the default graph."""
    pattern = f"GRAPH {graph} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    rows = backend.query(f"SELECT ?s ?o WHERE {{ {pattern} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return {(r["s"].value.removeprefix(EX), r["o"].value.removeprefix(EX)) for r in rows}


def test_drop_silent_graph_of_a_graph_and_of_a_missing_one(engine: RemoteBackend) -> None:
    engine.update(f"DROP SILENT GRAPH {B} ; DROP SILENT GRAPH {C}")
    assert _graph(engine, B) == set()
    assert _graph(engine, A) == {("s1", "o1"), ("s2", "o2")}
    assert f"{EX}graph/b" not in engine.named_graphs()


def test_add_graph_to_graph_and_to_default(engine: RemoteBackend) -> None:
    engine.update(f"ADD {B} TO {C} ; ADD {A} TO DEFAULT")
    assert _graph(engine, C) == {("s2", "o2")}
    assert _graph(engine, None) == {("s1", "o1"), ("s2", "o2")}
    assert _graph(engine, A) == {("s1", "o1"), ("s2", "o2")}  # ADD leaves its source


def test_insert_into_default_from_named_graphs_and_clear_default(engine: RemoteBackend) -> None:
    engine.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {A}) }}")
    assert _graph(engine, None) == {("s2", "o2")}
    engine.update("CLEAR DEFAULT ; INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    # A set: the triple both graphs state is in the default graph once.
    rows = engine.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(rows, ox.QuerySolutions)
    assert [int(r["n"].value) for r in rows] == [2]


def test_delete_insert_where_with_graph_and_filter_not_exists(engine: RemoteBackend) -> None:
    # What leaves a: s1's triple, stated by no other graph, leaves the union; s2's stays.
    engine.update(
        f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} ;\n"
        f"DELETE {{ GRAPH {A} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {A} {{ ?s ?p ?o }} }} ;\n"
        f"DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    assert _graph(engine, A) == set()
    assert _graph(engine, None) == {("s2", "o2")}


def test_insert_where_filter_exists_with_values(engine: RemoteBackend) -> None:
    engine.update(
        f"INSERT {{ GRAPH {C} {{ ?s <{EX}p> ?o }} }} WHERE {{\n"
        f"  VALUES ?s {{ <{EX}s1> <{EX}s2> <{EX}s3> }}\n"
        f"  GRAPH {A} {{ ?s ?p ?o }} FILTER EXISTS {{ GRAPH {B} {{ ?s ?p ?o }} }}\n"
        "}"
    )
    assert _graph(engine, C) == {("s2", "o2")}


def test_delete_data_and_insert_data_into_several_graphs(engine: RemoteBackend) -> None:
    engine.update(
        f"DELETE DATA {{ GRAPH {A} {{ {_t('s1', 'o1')} }} }} ;\n"
        f"INSERT DATA {{ GRAPH {B} {{ {_t('s3', 'o3')} }} GRAPH {C} {{ {_t('s3', 'o3')} }} }}"
    )
    assert _graph(engine, A) == {("s2", "o2")}
    assert _graph(engine, B) == {("s2", "o2"), ("s3", "o3")}
    assert _graph(engine, C) == {("s3", "o3")}


def test_graph_variable_ranges_over_named_graphs_only(engine: RemoteBackend) -> None:
    engine.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    rows = engine.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(rows, ox.QuerySolutions)
    # The default graph is no named graph, on Virtuoso neither (nor are its own graphs).
    assert {r["g"].value for r in rows} == {f"{EX}graph/a", f"{EX}graph/b"}
