"""GET /ontology: HTML documentation with an anchor per pol: term, and the ontology graph in RDF."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.collection
from fastapi.testclient import TestClient

from app.core.namespaces import ONTOLOGY_GRAPH
from app.store.policy_store import PolicyStore
from tests.support.linked_data import (
    FORMAT_NAMES,
    RDF_GRAPH_FORMATS,
    RDFLIB_PARSER_WARNINGS,
    media_type,
    parse_graph,
)

pytestmark = RDFLIB_PARSER_WARNINGS

POL = "https://w3id.org/policykg/ontology#"
_TERMS = """
SELECT DISTINCT ?t WHERE {
  GRAPH ?g { ?t a ?kind }
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }
  FILTER(STRSTARTS(STR(?t), STR(pol:)))
}"""


class Ids(HTMLParser):
    """Every id attribute of a page, and the text of each section keyed by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def ontology_triples(store: PolicyStore) -> int:
    rows = store.select_python("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return next(int(r["n"]) for r in rows if r["g"] == ONTOLOGY_GRAPH)  # type: ignore[arg-type]


def pol_terms(store: PolicyStore) -> list[str]:
    rows = store.select_python(_TERMS, {"g": ox.NamedNode(ONTOLOGY_GRAPH)})
    return sorted(str(r["t"]).removeprefix(POL) for r in rows)


@pytest.mark.parametrize("accept", list(RDF_GRAPH_FORMATS))
def test_every_rdf_format_holds_the_whole_ontology_graph(shipped_client: TestClient, accept: str) -> None:
    response = shipped_client.get("/ontology", headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == accept
    assert response.headers["vary"] == "Accept"
    graph = parse_graph(response)
    assert len(graph) == ontology_triples(shipped_client.app.state.store)  # type: ignore[attr-defined]
    onto = rdflib.URIRef(ONTOLOGY_GRAPH)
    assert (onto, rdflib.RDF.type, rdflib.OWL.Ontology) in graph
    # the SKOS schemes are part of the ontology graph
    assert (None, rdflib.RDF.type, rdflib.SKOS.ConceptScheme) in graph
    # blank-node structures survive (owl:AllDisjointClasses member lists)
    groups = list(graph.subjects(rdflib.RDF.type, rdflib.OWL.AllDisjointClasses))
    assert groups and all(
        len(list(rdflib.collection.Collection(graph, graph.value(g, rdflib.OWL.members)))) > 1 for g in groups
    )


@pytest.mark.parametrize(("name", "expected"), list(FORMAT_NAMES.items()))
def test_format_parameter(client: TestClient, name: str, expected: str) -> None:
    response = client.get("/ontology", params={"format": name})
    assert response.status_code == 200 and media_type(response) == expected
    assert len(parse_graph(response)) == ontology_triples(client.app.state.store)  # type: ignore[attr-defined]


def test_every_pol_term_has_exactly_one_anchor(shipped_client: TestClient) -> None:
    response = shipped_client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200 and media_type(response) == "text/html"
    parser = Ids()
    parser.feed(response.text)
    counts = Counter(parser.ids)
    terms = pol_terms(shipped_client.app.state.store)  # type: ignore[attr-defined]
    assert len(terms) > 60
    assert [t for t in terms if counts[t] != 1] == []
    assert [i for i, n in counts.items() if n > 1] == []  # no id repeats anywhere on the page
    for term in ("TaskGroup", "AdministrativeArea", "leadAgency", "unit", "Unit"):
        assert counts[term] == 1


def test_documentation_is_bilingual_with_domains_ranges_and_schemes(shipped_client: TestClient) -> None:
    text = shipped_client.get("/ontology", headers={"Accept": "text/html"}).text
    section = text[text.index('id="implements"') : text.index("</section>", text.index('id="implements"'))]
    assert "triển khai thực hiện" in section and "implements" in section
    assert 'href="/ontology#PolicyDocument"' in section  # domain and range link to the class section
    assert "eli:ensures_implementation_of" in section  # sub-property of ELI
    assert "irreflexive" in section
    assert "Văn bản chủ thể được ban hành để triển khai thực hiện văn bản đối tượng." in section
    # concept schemes, their concepts linked to their /id/ pages, notations shown
    assert 'id="scheme-document-type"' in text and 'href="/id/document-type/kh"' in text
    assert "<script" not in text and "https://cdn" not in text


def test_minimal_ontology_renders(client: TestClient) -> None:
    # the fixture project's ontology has no labels, no header and no schemes
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'id="Plan"' in response.text and 'id="implements"' in response.text


def test_unsupported_type_is_406(client: TestClient) -> None:
    response = client.get("/ontology", headers={"Accept": "application/pdf"})
    assert response.status_code == 406 and "text/turtle" in response.json()["detail"]


def test_ontology_on_every_backend(backend_client: TestClient) -> None:
    response = backend_client.get("/ontology", headers={"Accept": "application/n-triples"})
    store = backend_client.app.state.store  # type: ignore[attr-defined]
    assert response.status_code == 200 and len(parse_graph(response)) == ontology_triples(store) == 11
    assert 'id="Plan"' in backend_client.get("/ontology", headers={"Accept": "text/html"}).text
