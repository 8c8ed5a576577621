"""GET /dump, /download/policykg.{trig,nq,ttl}, /void and /.well-known/void: parsed back and counted."""

from __future__ import annotations

import pytest
import rdflib
from fastapi.testclient import TestClient

from app.core.namespaces import STATE_GRAPH
from app.linkeddata.dumps import DATASET_IRI
from app.store.policy_store import PolicyStore
from tests.support.linked_data import RDF_GRAPH_FORMATS, RDFLIB_PARSER_WARNINGS, media_type, parse_graph
from tests.support.project import FIXTURE_TRIPLES

pytestmark = RDFLIB_PARSER_WARNINGS

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DUMP_FILES = {
    "policykg.trig": ("application/trig", "trig"),
    "policykg.nq": ("application/n-quads", "nquads"),
    "policykg.ttl": ("text/turtle", "turtle"),
}


def app_store(client: TestClient) -> PolicyStore:
    return client.app.state.store  # type: ignore[attr-defined, no-any-return]


def reread_count(content: bytes, parser: str) -> int:
    """Quads (TriG, N-Quads) or triples (Turtle) in a dump."""
    if parser == "turtle":
        return len(rdflib.Graph().parse(data=content, format="turtle"))
    dataset = rdflib.Dataset()
    dataset.parse(data=content, format=parser)
    return len(list(dataset.quads((None, None, None, None))))


def expected_count(client: TestClient, parser: str) -> int:
    store = app_store(client)
    return store.triple_count() if parser == "turtle" else store.data_quad_count()


@pytest.mark.parametrize("filename", list(DUMP_FILES))
def test_download_files_reread_into_the_same_number_of_quads(client: TestClient, filename: str) -> None:
    media, parser = DUMP_FILES[filename]
    response = client.get(f"/download/{filename}")
    assert response.status_code == 200 and media_type(response) == media
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert "content-length" not in response.headers  # streamed, not built in memory first
    assert reread_count(response.content, parser) == expected_count(client, parser) > 0


@pytest.mark.parametrize(
    ("accept", "params", "filename"),
    [
        (None, {}, "policykg.trig"),
        ("application/n-quads", {}, "policykg.nq"),
        ("text/turtle", {}, "policykg.ttl"),
        ("text/html", {"format": "nq"}, "policykg.nq"),
        ("application/trig;q=0.2, application/n-quads;q=0.8", {}, "policykg.nq"),
    ],
)
def test_dump_negotiates(client: TestClient, accept: str | None, params: dict[str, str], filename: str) -> None:
    media, parser = DUMP_FILES[filename]
    response = client.get("/dump", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and media_type(response) == media
    assert response.headers["vary"] == "Accept"
    assert filename in response.headers["content-disposition"]
    assert reread_count(response.content, parser) == expected_count(client, parser)


def test_dump_refuses_what_it_cannot_give(client: TestClient) -> None:
    response = client.get("/dump", headers={"Accept": "text/html"})
    assert response.status_code == 406 and "application/trig" in response.json()["detail"]
    response = client.get("/download/policykg.zip")
    assert response.status_code == 404
    assert "policykg.trig" in response.json()["detail"]


def test_shipped_dump_keeps_every_source_graph(client: TestClient) -> None:
    dataset = rdflib.Dataset()
    dataset.parse(data=client.get("/download/policykg.trig").content, format="trig")
    graphs = {str(g) for _, _, _, g in dataset.quads((None, None, None, None))}
    assert graphs == set(app_store(client).graph_names())


@pytest.mark.parametrize("path", ["/void", "/.well-known/void"])
@pytest.mark.parametrize("accept", list(RDF_GRAPH_FORMATS))
def test_void_in_every_format_counts_what_sparql_counts(client: TestClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == accept
    graph = parse_graph(response)
    ds = rdflib.URIRef(DATASET_IRI)
    assert int(graph.value(ds, VOID.triples)) == FIXTURE_TRIPLES
    assert graph.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("http://testserver/sparql")
    assert rdflib.URIRef("http://testserver/download/policykg.nq") in set(graph.objects(ds, VOID.dataDump))
    subsets = {str(s): int(graph.value(s, VOID.triples)) for s in graph.objects(ds, VOID.subset)}
    rows = app_store(client).select_python(
        f"SELECT ?g (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{STATE_GRAPH}>) }} GROUP BY ?g"
    )
    assert subsets == {r["g"]: r["n"] for r in rows}


def test_void_defaults_to_turtle_and_refuses_html(client: TestClient) -> None:
    assert media_type(client.get("/.well-known/void")) == "text/turtle"
    response = client.get("/void", headers={"Accept": "text/html"})
    assert response.status_code == 406


def test_void_and_dumps_on_every_backend(backend_client: TestClient) -> None:
    graph = parse_graph(backend_client.get("/void", headers={"Accept": "text/turtle"}))
    assert int(graph.value(rdflib.URIRef(DATASET_IRI), VOID.triples)) == FIXTURE_TRIPLES
    # On a remote engine too: one SELECT per graph, the same quads as the embedded store would give.
    for name, fmt in (("policykg.nq", "nquads"), ("policykg.trig", "trig"), ("policykg.ttl", "turtle")):
        response = backend_client.get(f"/download/{name}")
        assert response.status_code == 200, response.text
        assert reread_count(response.content, fmt) == expected_count(backend_client, fmt)
