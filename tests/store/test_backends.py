"""app.store.backends and app.sparql.tokens: the embedded store and a real Oxigraph server behind one interface."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.core.config import Settings
from app.core.errors import QueryError, QuerySyntaxError, StoreError
from app.sparql.engine import Dataset, GraphAnswer
from app.sparql.tokens import add_using, substitute
from app.store.backends import EmbeddedBackend, RemoteBackend, remote_urls, union_update
from app.store.policy_store import PolicyStore
from tests.support.live import free_port
from tests.support.oxigraph_server import oxigraph_server

EX = "http://example.org/"
G1, G2 = EX + "g1", EX + "g2"
DATA = f"""
<{G1}> {{ <{EX}a> <{EX}p> "one" . }}
<{G2}> {{ <{EX}b> <{EX}p> "two" . }}
""".encode()


def ask(backend: EmbeddedBackend | RemoteBackend, text: str, dataset: Dataset | None = None) -> bool:
    return bool(backend.query(text, dataset=dataset))


@pytest.fixture
def embedded() -> EmbeddedBackend:
    backend = EmbeddedBackend(ox.Store())
    backend.load(DATA, ox.RdfFormat.TRIG, None)
    return backend


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[RemoteBackend]:
    with oxigraph_server(tmp_path / "oxigraph") as base:
        backend = RemoteBackend(f"{base}/query", timeout=10)
        backend.load(DATA, ox.RdfFormat.TRIG, None)
        yield backend
        backend.close()


@pytest.fixture(params=["embedded", "remote"])
def backend(request: pytest.FixtureRequest) -> EmbeddedBackend | RemoteBackend:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def test_query_answers_are_pyoxigraph_results(backend: EmbeddedBackend | RemoteBackend) -> None:
    select = backend.query(f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} ORDER BY ?o")
    assert isinstance(select, ox.QuerySolutions)
    assert [row["o"].value for row in select] == ["one", "two"]
    assert isinstance(backend.query("ASK { GRAPH ?g { ?s ?p ?o } }"), ox.QueryBoolean)
    graph = backend.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {t.object.value for t in graph} == {"one", "two"}  # type: ignore[union-attr]


def test_prefixes_and_bindings(backend: EmbeddedBackend | RemoteBackend) -> None:
    rows = backend.query(
        "SELECT ?s ?o WHERE { GRAPH ?g { ?s ex:p ?o } }",
        prefixes={"ex": EX},
        substitutions={ox.Variable("o"): ox.Literal("two")},
    )
    assert [row["s"].value for row in rows] == [EX + "b"]  # type: ignore[union-attr, index]


def test_protocol_dataset_replaces_the_default_graph(backend: EmbeddedBackend | RemoteBackend) -> None:
    pattern = f"ASK {{ ?s <{EX}p> \"one\" }}"
    assert not ask(backend, pattern)  # the store's default graph is empty
    assert ask(backend, pattern, Dataset(default_graphs=(G1,)))
    assert not ask(backend, pattern, Dataset(default_graphs=(G2,)))
    # Named graphs only: the default graph is empty and only the named graph is visible.
    assert not ask(backend, "ASK { ?s ?p ?o }", Dataset(named_graphs=(G1,)))
    assert ask(backend, f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", Dataset(named_graphs=(G1,)))
    assert not ask(backend, f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}", Dataset(named_graphs=(G1,)))


def test_update_with_protocol_using_graphs(backend: EmbeddedBackend | RemoteBackend) -> None:
    backend.update(
        f"INSERT {{ GRAPH <{EX}copy> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}", using=Dataset(default_graphs=(G2,))
    )
    rows = backend.query(f"SELECT ?o WHERE {{ GRAPH <{EX}copy> {{ ?s ?p ?o }} }}")
    assert [row["o"].value for row in rows] == ["two"]  # type: ignore[union-attr, index]
    backend.update(f"DELETE WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", using=Dataset(named_graphs=(G1,)))
    assert not ask(backend, f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")


def test_union_materialisation_counts_each_triple_once(backend: EmbeddedBackend | RemoteBackend) -> None:
    backend.load(f"<{G2}> {{ <{EX}a> <{EX}p> \"one\" . }}".encode(), ox.RdfFormat.TRIG, None)  # stated twice
    backend.update(union_update())
    count = backend.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert next(iter(count))["n"].value == "2"  # type: ignore[index, union-attr, call-overload]
    assert sorted(backend.named_graphs()) == [G1, G2]
    assert backend.quad_count() == 5
    assert len(list(backend.quads())) == 5
    assert "two" in {q.object.value for q in backend.quads()}  # type: ignore[union-attr]


def test_union_rebuild_drops_what_left_the_named_graphs(backend: EmbeddedBackend | RemoteBackend) -> None:
    """``rebuild`` empties the default graph first; ``graph`` copies one graph's triples only."""
    backend.update(union_update())
    backend.update(f"DROP GRAPH <{G2}>")
    backend.update(union_update(rebuild=True))
    after = {s["o"].value for s in backend.query("SELECT ?o WHERE { ?s ?p ?o }")}  # type: ignore[index, union-attr]
    backend.load(f"<{EX}b> <{EX}p> \"three\" .".encode(), ox.RdfFormat.N_TRIPLES, G2)
    backend.update(union_update(graph=G2))
    more = {s["o"].value for s in backend.query("SELECT ?o WHERE { ?s ?p ?o }")}  # type: ignore[index, union-attr]
    assert more - after == {"three"} and "three" not in after


def test_triples_outside_graph_blocks_go_to_the_given_graph(backend: EmbeddedBackend | RemoteBackend) -> None:
    """Loading TriG with a graph: its loose triples go there, its GRAPH blocks keep their own names."""
    trig = f"<{EX}x> <{EX}p> 1 . <{EX}g3> {{ <{EX}x> <{EX}p> 2 . }}"
    backend.load(trig.encode(), ox.RdfFormat.TRIG, f"{EX}file")
    found = backend.query(f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ <{EX}x> <{EX}p> ?o }} }} ORDER BY ?o")
    assert [(s["g"].value, s["o"].value) for s in found] == [(f"{EX}file", "1"), (f"{EX}g3", "2")]  # type: ignore[index, union-attr]


def test_errors_are_domain_errors(backend: EmbeddedBackend | RemoteBackend) -> None:
    # The embedded engine's message in words (app/sparql/syntax.py), a remote one's as it sends it.
    with pytest.raises(QuerySyntaxError, match=r"1:|line 1"):
        backend.query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QuerySyntaxError):
        backend.update("CLEAR XYZ")


def test_clear_and_is_empty(backend: EmbeddedBackend | RemoteBackend) -> None:
    assert not backend.is_empty()
    backend.clear()
    assert backend.is_empty() and backend.named_graphs() == []


def test_remote_load_without_a_graph_store_uses_insert_data(tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxigraph") as base:
        backend = RemoteBackend(f"{base}/query", graph_store_url="")
        assert backend.graph_store_url is None
        backend.load(f'<{EX}s> <{EX}p> "a \\"quoted\\" }} text" .'.encode(), ox.RdfFormat.N_TRIPLES, G1)
        rows = backend.query(f"SELECT ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
        assert [row["o"].value for row in rows] == ['a "quoted" } text']  # type: ignore[union-attr, index]
        backend.close()


def test_remote_construct_is_a_graph_answer(remote: RemoteBackend) -> None:
    answer = remote.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(answer, GraphAnswer) and len(answer.triples) == 2


def test_unreachable_remote_is_a_store_error() -> None:
    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(StoreError, match="cannot reach"):
        backend.query("ASK {}")


def test_remote_urls() -> None:
    assert remote_urls("http://h:7878/query", None, None) == (
        "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"
    )
    assert remote_urls("http://h:8890/sparql", None, None) == ("http://h:8890/sparql", "http://h:8890/sparql", None)
    assert remote_urls("http://h/ds/query", "http://h/ds/update", "http://h/ds/data")[2] == "http://h/ds/data"


def test_on_disk_worker_backend_is_read_only(tmp_path: Path) -> None:
    backend = EmbeddedBackend(ox.Store(str(tmp_path / "db")), tmp_path / "db")
    backend.load(DATA, ox.RdfFormat.TRIG, None)
    backend.flush()
    worker = backend.for_worker()
    assert worker is not backend and worker.read_only
    assert sorted(worker.named_graphs()) == [G1, G2]
    with pytest.raises(QueryError):
        worker.update("CLEAR ALL")
    memory = EmbeddedBackend(ox.Store())
    assert memory.for_worker() is memory


def test_policy_store_on_a_remote_engine(tmp_path: Path, settings: Settings, store: PolicyStore) -> None:
    with oxigraph_server(tmp_path / "oxigraph") as base:
        remote_settings = settings.model_copy(update={"store": f"{base}/query"})
        with PolicyStore.from_settings(remote_settings) as remote:
            assert remote.persistent and not remote.on_disk
            assert remote.load_project(remote_settings) is True
            assert remote.triple_count() == store.triple_count()
            assert remote.graph_names() == store.graph_names()
            query = "SELECT ?d ?n WHERE { ?d skos:notation ?n } ORDER BY ?d"
            assert remote.select_python(query) == store.select_python(query)
            with pytest.raises(StoreError, match="remote SPARQL endpoint"):
                remote.raw  # noqa: B018 - the property raises
        with PolicyStore.from_settings(remote_settings) as reopened:
            assert reopened.load_project(remote_settings) is False  # kept as loaded


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "INSERT { ?s ?p ?o } USING <http://g/> WHERE { ?s ?p ?o }"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE { ?s ?p ?o } USING <http://g/> WHERE { ?s ?p ?o }"),
        ("INSERT DATA { <a:s> <a:p> 'WHERE' } ; CLEAR ALL", "INSERT DATA { <a:s> <a:p> 'WHERE' } ; CLEAR ALL"),
        (
            (
                "PREFIX e: <http://e/> # WHERE in a comment\nDELETE { ?s e:p \"}\" } WHERE { ?s ?p ?o } ;\n"
                "BASE <http://b/> INSERT { ?s ?p 1 } WHERE { { ?s ?p ?o } }"
            ),
            (
                "PREFIX e: <http://e/> # WHERE in a comment\nDELETE { ?s e:p \"}\" } USING <http://g/> WHERE { ?s ?p ?o } ;"
                "\nBASE <http://b/> INSERT { ?s ?p 1 } USING <http://g/> WHERE { { ?s ?p ?o } }"
            ),
        ),
    ],
)
def test_add_using(update: str, expected: str) -> None:
    assert add_using(update, ["http://g/"], []) == expected


def test_substitute_replaces_uses_and_keeps_declarations() -> None:
    query = (
        'SELECT ?doc (COUNT(?t) AS ?n) WHERE { ?doc <p:q> ?t . FILTER(?t != "?doc") BIND(?doc AS ?copy) '
        "?copy <p:r> ?doc } GROUP BY ?doc ORDER BY ?doc"
    )
    assert substitute(query, {"doc": "<d:1>"}) == (
        'SELECT ?doc (COUNT(?t) AS ?n) WHERE { <d:1> <p:q> ?t . FILTER(?t != "?doc") BIND(<d:1> AS ?copy) '
        "?copy <p:r> <d:1> } GROUP BY ?doc ORDER BY ?doc"
    )


def test_named_queries_answer_the_same_on_both_backends(tmp_path: Path) -> None:
    """Every shipped named query, with its example values, gives the same rows embedded and remote."""
    from app.endpoint.catalog import load_catalog, run_named

    project = Settings()
    catalog = load_catalog(project.queries_dir)
    with oxigraph_server(tmp_path / "oxigraph") as base, PolicyStore.from_settings(project) as embedded:
        embedded.load_project(project)
        remote_settings = project.model_copy(update={"store": f"{base}/query"})
        with PolicyStore.from_settings(remote_settings) as remote:
            remote.load_project(remote_settings)
            compared = []
            for query in catalog.values():
                params = {p.name: query.examples[p.name] for p in query.params if p.name in query.examples}
                if any(p.required and p.name not in params for p in query.params):
                    continue
                local, far = run_named(embedded, query, params), run_named(remote, query, params)
                assert far.columns == local.columns, query.name
                assert sorted(map(str, far.json_rows())) == sorted(map(str, local.json_rows())), query.name
                compared.append(query.name)
            assert len(compared) == len(catalog)  # every shipped query has examples for its required params


def test_graphs_stating_each_triple(backend: EmbeddedBackend | RemoteBackend) -> None:
    """In order, per triple: every graph stating it; none for an absent triple or one with a blank node.

    More triples than one VALUES batch, with literals that need escaping, so the remote side is
    exercised past its first request and with terms written back as SPARQL.
    """
    tricky = 'quote " backslash \\ newline \n tiếng Việt'
    backend.load(f"<{G2}> {{ <{EX}a> <{EX}p> \"one\" . <{EX}c> <{EX}p> {json.dumps(tricky)} . }}".encode(), ox.RdfFormat.TRIG, None)
    p = ox.NamedNode(f"{EX}p")
    one = ox.Triple(ox.NamedNode(f"{EX}a"), p, ox.Literal("one"))
    padding = [ox.Triple(ox.NamedNode(f"{EX}none{i}"), p, ox.Literal(str(i))) for i in range(300)]
    triples = [*padding, one, ox.Triple(ox.NamedNode(f"{EX}b"), p, ox.Literal("two")),
               ox.Triple(ox.NamedNode(f"{EX}c"), p, ox.Literal(tricky)), ox.Triple(ox.BlankNode(), p, ox.Literal("one"))]
    found = backend.graphs_stating(triples)
    assert found[:300] == [frozenset()] * 300
    assert found[300:] == [frozenset({G1, G2}), frozenset({G2}), frozenset({G2}), frozenset()]
